//! Near-identical alternatives grouped into families, and alternatives put in the order a
//! parliament marshals amendments.
//!
//! # Families
//!
//! Two alternatives of a change are **variants of one family** when their texts have the same
//! *family key*. The key of a text is its words, read this way:
//!
//! 1. **Case, punctuation and spacing** do not count: the text is cut into tokens (as
//!    everywhere in the engine), spaces and punctuation are dropped, every word is lowercased,
//!    and a typographic apostrophe (`’`) inside a word is the ASCII one.
//! 2. **Numerals** written in words or in digits are the same number: English (`thirty`,
//!    `twenty-five`, `one hundred and five`, `two thousand`) and French (`trente`,
//!    `vingt et un`, `soixante-dix`, `quatre-vingt-dix-neuf`, `deux cents`, `mille`) number words
//!    are read as their value, and digits lose their thousands separators (`1,000`, `1.000`,
//!    `1 000` are `1000`). So "at least thirty States" and "at least 30 States" are one family.
//!    (`one`, `un` and `une` are the number 1 wherever they stand; ordinals are words.)
//! 3. **Spelling variants** from a small table are one word: English `-ise`/`-ize` and
//!    `-isation`/`-ization` (stems of three letters or more: `organise`, not `prise`/`prize`),
//!    the British/American stems of [`SPELLING_STEMS`] (`colour`/`color`, `centre`/`center`,
//!    `programme`/`program`, `defence`/`defense`, `judgement`/`judgment`…), the whole words of
//!    [`SPELLING_WORDS`] (`fulfil`/`fulfill`, `travelling`/`traveling`…), and in French the
//!    ligature `œ` (`cœur`/`coeur`) and the 1990 reform's `évènement`/`événement`,
//!    `règlementation`/`réglementation`.
//!
//! Nothing else is forgiven: any other difference of words (a word added, removed or
//! replaced, another number) keeps two alternatives apart; a property test holds grouping to
//! it. A deletion is a family of its own. Families only inform: every alternative keeps its id
//! and its supporters, and a decision still names one alternative (the variant whose wording
//! the chair takes).
//!
//! # The marshalled order
//!
//! Parliaments put amendments to the vote by their position in the text, then the one furthest
//! from the text first ("widest first"), then in the order they were tabled. The compilation
//! already lists changes by position (a node-level change first, since it covers the whole
//! node, then word-level changes from left to right, then new nodes). Within a change,
//! [`marshal`] orders the alternatives: a deletion first (it removes the most), then by how
//! many base words an alternative removes or replaces (most first), then by when it was tabled
//! (the earliest submission time among its supporters, then delegation code and item index),
//! then by id. Alternative ids (`a`, `b`…) keep their labelling by support, so that decisions
//! already recorded keep naming the same wording; `Change::marshalled` gives the order.

use crate::model::{Alternative, Family, Support};
use crate::token::tokenize;

/// British stems and their American spelling; a word starting with the first is read with the
/// second (`colours` as `colors`, `centred` as `centerd` on both sides).
pub const SPELLING_STEMS: &[(&str, &str)] = &[
    ("behaviour", "behavior"),
    ("colour", "color"),
    ("endeavour", "endeavor"),
    ("favour", "favor"),
    ("harbour", "harbor"),
    ("honour", "honor"),
    ("humour", "humor"),
    ("labour", "labor"),
    ("neighbour", "neighbor"),
    ("rumour", "rumor"),
    ("vigour", "vigor"),
    ("calibre", "caliber"),
    ("centre", "center"),
    ("fibre", "fiber"),
    ("litre", "liter"),
    ("metre", "meter"),
    ("theatre", "theater"),
    ("programme", "program"),
    ("defence", "defense"),
    ("offence", "offense"),
    ("pretence", "pretense"),
    ("licence", "license"),
    ("catalogue", "catalog"),
    ("dialogue", "dialog"),
    ("analogue", "analog"),
    ("judgement", "judgment"),
    ("acknowledgement", "acknowledgment"),
    ("ageing", "aging"),
    ("analys", "analyz"),
    ("paralys", "paralyz"),
    ("réglementa", "règlementa"),
    ("évènement", "événement"),
];

/// Whole words and their other spelling (where the other spelling starts with the first, a
/// stem rule would not be symmetric).
pub const SPELLING_WORDS: &[(&str, &str)] = &[
    ("fulfil", "fulfill"),
    ("fulfils", "fulfills"),
    ("fulfilment", "fulfillment"),
    ("enrol", "enroll"),
    ("enrols", "enrolls"),
    ("enrolment", "enrollment"),
    ("instalment", "installment"),
    ("skilful", "skillful"),
    ("wilful", "willful"),
    ("travelling", "traveling"),
    ("travelled", "traveled"),
    ("traveller", "traveler"),
    ("travellers", "travelers"),
    ("counselling", "counseling"),
    ("modelling", "modeling"),
    ("labelling", "labeling"),
    ("labelled", "labeled"),
    ("cancelled", "canceled"),
    ("cancelling", "canceling"),
    ("signalling", "signaling"),
];

/// The family key of a text (see the module docs): equal keys, one family.
pub fn family_key(text: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    for token in tokenize(text) {
        if !token.chars().any(char::is_alphanumeric) {
            continue;
        }
        let lower = token.to_lowercase().replace('’', "'").replace('œ', "oe");
        words.push(lower);
    }
    let words = read_numerals(&words);
    let mut key = String::new();
    for word in words {
        if !key.is_empty() {
            key.push(' ');
        }
        key.push_str(&spelling(&word));
    }
    key
}

/// The alternatives of a change grouped into families, in the order of `order` (ids of the
/// alternatives, as [`marshal`] gives them): each family lists its variants in that order.
/// Empty when every family would hold one alternative, since then there is nothing to group.
pub fn families(alternatives: &[Alternative], order: &[String]) -> Vec<Family> {
    let mut found: Vec<(Option<String>, Family)> = Vec::new();
    for id in order {
        let Some(alternative) = alternatives.iter().find(|a| &a.id == id) else {
            continue;
        };
        let key = alternative
            .text
            .as_deref()
            .map(|text| format!("{:?}\u{0}{}", alternative.kind, family_key(text)));
        match found.iter_mut().find(|(k, _)| k.is_some() && *k == key) {
            Some((_, family)) => {
                family.variants.push(alternative.id.clone());
                family.delegations.extend(alternative.delegations());
            }
            None => found.push((
                key,
                Family {
                    variants: vec![alternative.id.clone()],
                    delegations: alternative.delegations(),
                },
            )),
        }
    }
    if found.iter().all(|(_, family)| family.variants.len() < 2) {
        return Vec::new();
    }
    found
        .into_iter()
        .map(|(_, mut family)| {
            family.delegations.sort();
            family.delegations.dedup();
            family
        })
        .collect()
}

/// The ids of `alternatives` in the order a parliament marshals them (see the module docs).
/// `base_text` is the base wording the change replaces; `tabled_at` says when a supporter's
/// proposal was tabled (its submission's time).
pub fn marshal(
    base_text: &str,
    alternatives: &[Alternative],
    tabled_at: impl Fn(&Support) -> i64,
) -> Vec<String> {
    let base_words = words_of(base_text);
    // (is a text, base words replaced, tabled (time, delegation, item), id) per alternative.
    type Key<'a> = (bool, usize, (i64, &'a str, usize), &'a str);
    let mut keyed: Vec<Key<'_>> = alternatives
        .iter()
        .map(|alternative| {
            let width = alternative
                .text
                .as_deref()
                .map_or(base_words.len(), |text| {
                    replaced_words(&base_words, &words_of(text))
                });
            let tabled = alternative
                .supporters
                .iter()
                .map(|s| (tabled_at(s), s.delegation.as_str(), s.item))
                .min()
                .unwrap_or((i64::MAX, "", 0));
            (
                alternative.text.is_some(),
                width,
                tabled,
                alternative.id.as_str(),
            )
        })
        .collect();
    keyed.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| b.1.cmp(&a.1))
            .then_with(|| a.2.cmp(&b.2))
            .then_with(|| {
                (a.3.len(), a.3).cmp(&(b.3.len(), b.3)) // `b` before `aa`
            })
    });
    keyed.into_iter().map(|k| k.3.to_string()).collect()
}

/// The words of a text (no spaces, no punctuation), as written.
fn words_of(text: &str) -> Vec<&str> {
    tokenize(text)
        .into_iter()
        .filter(|t| t.chars().any(char::is_alphanumeric))
        .collect()
}

/// How many base words a proposal removes or replaces: all but the common leading and trailing
/// words.
fn replaced_words(base: &[&str], proposal: &[&str]) -> usize {
    let lead = base
        .iter()
        .zip(proposal)
        .take_while(|(a, b)| a == b)
        .count();
    let trail = base[lead..]
        .iter()
        .rev()
        .zip(proposal[lead.min(proposal.len())..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    base.len() - lead - trail
}

/// A word read through the spelling table.
fn spelling(word: &str) -> String {
    for (one, other) in SPELLING_WORDS {
        if word == *one {
            return (*other).to_string();
        }
    }
    for (one, other) in SPELLING_STEMS {
        if let Some(rest) = word.strip_prefix(one) {
            return format!("{other}{rest}");
        }
    }
    for suffix in ["isation", "isations", "ise", "ised", "ises", "ising"] {
        if let Some(stem) = word.strip_suffix(suffix)
            && stem.chars().count() >= 3
            && stem.chars().all(char::is_alphabetic)
        {
            return format!("{stem}{}", suffix.replacen('s', "z", 1));
        }
    }
    word.to_string()
}

/// What a number word is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum NumberWord {
    /// 0–19 (English), 0–16 (French).
    Unit(u64),
    /// 20, 30… 90 (French up to 60; 70, 80 and 90 are built).
    Tens(u64),
    Hundred,
    /// A power of a thousand: 1,000 or 1,000,000.
    Scale(u64),
    /// `and` (English, after hundred or a scale) and `et` (French, between tens and un/onze).
    Connector,
}

fn number_word(word: &str) -> Option<NumberWord> {
    use NumberWord::*;
    const ENGLISH_UNITS: [&str; 20] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ];
    const ENGLISH_TENS: [&str; 8] = [
        "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    ];
    const FRENCH_UNITS: [&str; 17] = [
        "zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix",
        "onze", "douze", "treize", "quatorze", "quinze", "seize",
    ];
    const FRENCH_TENS: [&str; 5] = ["vingt", "trente", "quarante", "cinquante", "soixante"];
    if let Some(n) = ENGLISH_UNITS.iter().position(|w| *w == word) {
        return Some(Unit(n as u64));
    }
    if let Some(n) = FRENCH_UNITS.iter().position(|w| *w == word) {
        return Some(Unit(n as u64));
    }
    if word == "une" {
        return Some(Unit(1));
    }
    if let Some(n) = ENGLISH_TENS.iter().position(|w| *w == word) {
        return Some(Tens(20 + 10 * n as u64));
    }
    if let Some(n) = FRENCH_TENS.iter().position(|w| *w == word) {
        return Some(Tens(20 + 10 * n as u64));
    }
    match word {
        "vingts" => Some(Tens(20)),
        "hundred" | "cent" | "cents" => Some(Hundred),
        "thousand" | "mille" => Some(Scale(1_000)),
        "million" | "millions" => Some(Scale(1_000_000)),
        "and" | "et" => Some(Connector),
        _ => None,
    }
}

/// Replaces every run of number words by its value and every number in digits by its plain
/// decimal form; other words pass unchanged.
fn read_numerals(words: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        if let Some(digits) = plain_digits(words, i) {
            out.push(digits.0);
            i = digits.1;
            continue;
        }
        match numeral_run(words, i) {
            Some((value, next)) => {
                out.push(value.to_string());
                i = next;
            }
            None => {
                out.push(words[i].clone());
                i += 1;
            }
        }
    }
    out
}

/// A number written in digits starting at `words[at]`, with its thousands separators gone
/// (`1,000`, `1.000` in one token; `1 000` as a group followed by groups of three digits), and
/// the index after it.
fn plain_digits(words: &[String], at: usize) -> Option<(String, usize)> {
    let first = &words[at];
    let grouped = |s: &str, sep: char| {
        let mut parts = s.split(sep);
        let head = parts.next().unwrap_or_default();
        !head.is_empty()
            && head.len() <= 3
            && head.bytes().all(|b| b.is_ascii_digit())
            && parts.all(|p| p.len() == 3 && p.bytes().all(|b| b.is_ascii_digit()))
    };
    let mut digits = if first.bytes().all(|b| b.is_ascii_digit()) {
        first.clone()
    } else if first.contains(',') && grouped(first, ',') {
        first.replace(',', "")
    } else if first.contains('.') && grouped(first, '.') {
        first.replace('.', "")
    } else {
        return None;
    };
    let mut next = at + 1;
    if first.len() <= 3 && first.bytes().all(|b| b.is_ascii_digit()) {
        while next < words.len()
            && words[next].len() == 3
            && words[next].bytes().all(|b| b.is_ascii_digit())
        {
            digits.push_str(&words[next]);
            next += 1;
        }
    }
    let trimmed = digits.trim_start_matches('0');
    let plain = if trimmed.is_empty() { "0" } else { trimmed };
    Some((plain.to_string(), next))
}

/// A run of number words starting at `words[at]`: its value and the index after it.
fn numeral_run(words: &[String], at: usize) -> Option<(u64, usize)> {
    use NumberWord::*;
    let mut total: u64 = 0;
    let mut current: u64 = 0;
    let mut last: Option<NumberWord> = None;
    let mut smallest_scale = u64::MAX;
    let mut i = at;
    while i < words.len() {
        let Some(word) = number_word(&words[i]) else {
            break;
        };
        let next = words.get(i + 1).and_then(|w| number_word(w));
        let taken = match word {
            Connector => {
                let english = words[i] == "and";
                let joins = if english {
                    matches!(last, Some(Hundred | Scale(_)))
                        && matches!(next, Some(Unit(_) | Tens(_)))
                } else {
                    matches!(last, Some(Tens(_)))
                        && matches!(
                            words.get(i + 1).map(String::as_str),
                            Some("un" | "une" | "onze")
                        )
                };
                if !joins {
                    break;
                }
                i += 1;
                continue;
            }
            Unit(n) => {
                let ones = current % 100;
                let fits = match last {
                    None | Some(Hundred | Scale(_)) => true,
                    Some(Tens(_)) | Some(Connector) => {
                        ones.is_multiple_of(10) && (n < 10 || ones == 60 || ones == 80)
                    }
                    // dix-sept, dix-huit, dix-neuf (also in soixante-dix-sept…).
                    Some(Unit(10)) => (7..=9).contains(&n) && ones.is_multiple_of(10),
                    Some(Unit(_)) => false,
                };
                if fits {
                    current += n;
                }
                fits
            }
            Tens(20) if matches!(last, Some(Unit(4))) && current % 100 == 4 => {
                // quatre-vingt(s): four twenties.
                current += 76;
                true
            }
            Tens(n) => {
                let fits = matches!(last, None | Some(Hundred | Scale(_)));
                if fits {
                    current += n;
                }
                fits
            }
            Hundred => {
                let fits = current < 100 && !matches!(last, Some(Hundred));
                if fits {
                    current = current.max(1) * 100;
                }
                fits
            }
            Scale(scale) => {
                let fits = scale < smallest_scale && !matches!(last, Some(Scale(_)));
                if fits {
                    total += current.max(1) * scale;
                    current = 0;
                    smallest_scale = scale;
                }
                fits
            }
        };
        if !taken {
            break;
        }
        last = Some(word);
        i += 1;
    }
    (i > at).then_some((total + current, i))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(a: &str, b: &str) {
        assert_eq!(
            family_key(a),
            family_key(b),
            "{a:?} and {b:?} should be one family"
        );
    }

    fn apart(a: &str, b: &str) {
        assert_ne!(
            family_key(a),
            family_key(b),
            "{a:?} and {b:?} should stay apart"
        );
    }

    #[test]
    fn numerals_in_words_and_digits_are_one_number() {
        same("at least thirty States", "at least 30 States");
        same("twenty-five per cent", "25 per cent");
        same("one hundred and five", "105");
        same("two thousand three hundred", "2,300");
        same("2 300 migrants", "two thousand three hundred migrants");
        same("1.000.000", "one million");
        same("au moins trente États", "au moins 30 États");
        same("vingt et un", "21");
        same("soixante-dix", "70");
        same("soixante et onze", "71");
        same("quatre-vingts", "80");
        same("quatre-vingt-dix-neuf", "99");
        same("deux cents", "200");
        same("dix-sept", "17");
        same("soixante-dix-sept", "77");
        same("mille neuf cent quatre-vingt-quinze", "1995");
        same("within 030 days", "within thirty days");
        apart("thirty", "31");
        apart("thirty five", "thirty");
        apart("at least thirty States", "at least 30 Member States");
        apart("four", "for");
        apart("hundred", "thousand");
    }

    #[test]
    fn case_punctuation_and_spacing_do_not_count() {
        same(
            "States shall, where appropriate, cooperate.",
            "states shall where appropriate cooperate",
        );
        same("the State’s  duty", "the State's duty");
        apart("the States' duty", "the States duty more");
    }

    #[test]
    fn spelling_variants_from_the_table_are_one_word() {
        same("organise and prioritise", "organize and prioritize");
        same(
            "the criminalisation of smuggling",
            "the criminalization of smuggling",
        );
        same("in favour of the programme", "in favor of the program");
        same("labour centres", "labor centers");
        same("a fair judgement", "a fair judgment");
        same("fulfil their obligations", "fulfill their obligations");
        same("réglementation", "règlementation");
        same("cœur", "coeur");
        apart("prise", "prize");
        apart("filling", "filing");
        apart("four", "for");
    }

    fn alternative(id: &str, text: Option<&str>, who: &[(&str, usize)]) -> Alternative {
        Alternative {
            id: id.into(),
            text: text.map(str::to_string),
            kind: None,
            supporters: who
                .iter()
                .map(|(d, item)| Support {
                    delegation: d.to_string(),
                    item: *item,
                    justification: None,
                })
                .collect(),
        }
    }

    #[test]
    fn families_list_their_variants_and_supporters() {
        let alternatives = [
            alternative("a", Some("at least 30 States"), &[("AT", 0), ("HU", 0)]),
            alternative("b", Some("at least thirty States"), &[("FR", 1)]),
            alternative("c", Some("all States"), &[("DE", 0)]),
        ];
        let order = ["a", "b", "c"].map(String::from);
        let families = families(&alternatives, &order);
        assert_eq!(
            families,
            [
                Family {
                    variants: vec!["a".into(), "b".into()],
                    delegations: vec!["AT".into(), "FR".into(), "HU".into()],
                },
                Family {
                    variants: vec!["c".into()],
                    delegations: vec!["DE".into()],
                },
            ]
        );
        assert!(super::families(&alternatives[1..], &order).is_empty());
    }

    #[test]
    fn alternatives_are_marshalled_deletion_widest_then_tabling_order() {
        let base = "States shall cooperate fully on return";
        let alternatives = [
            alternative(
                "a",
                Some("States should cooperate fully on return"),
                &[("AT", 0)],
            ),
            alternative("b", Some("Everyone should work together"), &[("HU", 2)]),
            alternative(
                "c",
                Some("States must cooperate fully on return"),
                &[("DE", 0)],
            ),
            alternative("d", None, &[("UK", 0)]),
        ];
        // AT tabled after DE; b replaces every word; d deletes.
        let tabled = |s: &Support| match s.delegation.as_str() {
            "AT" => 300,
            "DE" => 100,
            _ => 200,
        };
        assert_eq!(marshal(base, &alternatives, tabled), ["d", "b", "c", "a"]);
    }
}
