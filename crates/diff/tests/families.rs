//! Near-identical alternatives: grouping forgives exactly what the `family` module documents
//! (case, punctuation, spacing, numerals in words or digits, spelling variants of its table)
//! and never merges texts whose words differ otherwise; and the compilation carries families
//! and the marshalled order.

use penholder_core::negotiation::{Item, Submission};
use penholder_core::{Document, IdSource, Node, NodeKind};
use penholder_diff::{TextOptions, compilation_text, compile_document, family_key};
use proptest::prelude::*;

/// Plain words, chosen to sit near the table without being in it: `for` and `four`, `our`
/// and `hour`, `prise`, `filing` and `filling`, articles, `and`/`et` (numeral connectors
/// elsewhere), words ending in `-ise` on short stems.
const WORDS: &[&str] = &[
    "States",
    "shall",
    "cooperate",
    "on",
    "return",
    "for",
    "our",
    "hour",
    "tour",
    "prise",
    "rise",
    "wise",
    "filing",
    "filling",
    "a",
    "the",
    "and",
    "et",
    "les",
    "États",
    "migrants",
    "per",
    "least",
    "at",
    "second",
    "first",
    "of",
    "de",
    "au",
    "moins",
    "pays",
    "précis",
];

/// Words with another spelling in the table: (one, other).
const VARIANTS: &[(&str, &str)] = &[
    ("organise", "organize"),
    ("colour", "color"),
    ("centres", "centers"),
    ("programme", "program"),
    ("defence", "defense"),
    ("fulfil", "fulfill"),
    ("criminalisation", "criminalization"),
    ("réglementation", "règlementation"),
];

/// One word of a logical text: a plain word, a word with spelling variants, or a number.
#[derive(Clone, Debug, PartialEq)]
enum Word {
    Plain(usize),
    Variant(usize),
    Number(u64),
}

/// How one writing of a logical text differs from another (all forgiven).
#[derive(Clone, Debug)]
struct Writing {
    /// Per word: upper case, other spelling, number in words (English / French), punctuation.
    choices: Vec<(bool, bool, u8, u8)>,
}

fn english(n: u64) -> String {
    const UNITS: [&str; 20] = [
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
    const TENS: [&str; 8] = [
        "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    ];
    match n {
        0..20 => UNITS[n as usize].into(),
        20..100 => match n % 10 {
            0 => TENS[(n / 10 - 2) as usize].into(),
            ones => format!("{}-{}", TENS[(n / 10 - 2) as usize], UNITS[ones as usize]),
        },
        100..1000 => match n % 100 {
            0 => format!("{} hundred", english(n / 100)),
            rest => format!("{} hundred and {}", english(n / 100), english(rest)),
        },
        _ => match n % 1000 {
            0 => format!("{} thousand", english(n / 1000)),
            rest => format!("{} thousand {}", english(n / 1000), english(rest)),
        },
    }
}

fn french(n: u64) -> String {
    const UNITS: [&str; 17] = [
        "zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix",
        "onze", "douze", "treize", "quatorze", "quinze", "seize",
    ];
    const TENS: [&str; 5] = ["vingt", "trente", "quarante", "cinquante", "soixante"];
    match n {
        0..17 => UNITS[n as usize].into(),
        17..20 => format!("dix-{}", UNITS[(n - 10) as usize]),
        20..70 => {
            let tens = TENS[(n / 10 - 2) as usize];
            match n % 10 {
                0 => tens.into(),
                1 => format!("{tens} et un"),
                ones => format!("{tens}-{}", UNITS[ones as usize]),
            }
        }
        70..80 => match n {
            71 => "soixante et onze".into(),
            _ => format!("soixante-{}", french(n - 60)),
        },
        80 => "quatre-vingts".into(),
        81..100 => format!("quatre-vingt-{}", french(n - 80)),
        100..1000 => {
            let head = match n / 100 {
                1 => "cent".to_string(),
                h if n.is_multiple_of(100) => format!("{} cents", french(h)),
                h => format!("{} cent", french(h)),
            };
            match n % 100 {
                0 => head,
                rest => format!("{head} {}", french(rest)),
            }
        }
        _ => {
            let head = match n / 1000 {
                1 => "mille".to_string(),
                t => format!("{} mille", french(t)),
            };
            match n % 1000 {
                0 => head,
                rest => format!("{head} {}", french(rest)),
            }
        }
    }
}

fn write(words: &[Word], writing: &Writing) -> String {
    let mut out = String::new();
    for (index, word) in words.iter().enumerate() {
        let (upper, other, numeral, punctuation) = writing.choices[index % writing.choices.len()];
        let mut text = match word {
            Word::Plain(w) => WORDS[*w].to_string(),
            Word::Variant(v) => {
                let (one, two) = VARIANTS[*v];
                (if other { two } else { one }).to_string()
            }
            Word::Number(n) => match numeral {
                0 => n.to_string(),
                1 if *n >= 1000 => format!("{},{:03}", n / 1000, n % 1000),
                1 => english(*n),
                _ => french(*n),
            },
        };
        if upper {
            text = text.to_uppercase();
        }
        if !out.is_empty() {
            out.push_str(if punctuation == 3 { "  " } else { " " });
        }
        out.push_str(&text);
        match punctuation {
            1 => out.push(','),
            2 => out.push_str(" ;"),
            _ => {}
        }
    }
    out
}

/// A logical text: words where a number is always followed by a plain word other than the
/// numeral connectors `and`/`et` (two numbers side by side, or joined by `and`, are one number
/// when written out: "one hundred and five").
fn text() -> impl Strategy<Value = Vec<Word>> {
    let connector = |w: usize| WORDS[w] == "and" || WORDS[w] == "et";
    let plain = (0..WORDS.len()).prop_map(Word::Plain);
    let variant = (0..VARIANTS.len()).prop_map(Word::Variant);
    let number = (
        0u64..3000,
        (0..WORDS.len()).prop_filter("no connector", move |w| !connector(*w)),
    )
        .prop_map(|(n, w)| vec![Word::Number(n), Word::Plain(w)]);
    let piece = prop_oneof![
        plain.prop_map(|w| vec![w]),
        variant.prop_map(|w| vec![w]),
        number,
    ];
    proptest::collection::vec(piece, 1..8).prop_map(|pieces| pieces.concat())
}

fn writing() -> impl Strategy<Value = Writing> {
    proptest::collection::vec((any::<bool>(), any::<bool>(), 0u8..3, 0u8..4), 1..6)
        .prop_map(|choices| Writing { choices })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Two writings of one text are one family.
    #[test]
    fn writings_of_one_text_are_one_family(words in text(), one in writing(), two in writing()) {
        let (a, b) = (write(&words, &one), write(&words, &two));
        prop_assert_eq!(family_key(&a), family_key(&b), "{:?} / {:?}", a, b);
    }

    /// Texts whose words differ otherwise are never one family, however each is written.
    #[test]
    fn grouping_never_merges_texts_whose_words_differ(
        first in text(),
        second in text(),
        one in writing(),
        two in writing(),
    ) {
        prop_assume!(first != second);
        let (a, b) = (write(&first, &one), write(&second, &two));
        prop_assert_ne!(family_key(&a), family_key(&b), "{:?} / {:?}", a, b);
    }
}

fn submission(delegation: &str, submitted_at: i64, items: Vec<Item>) -> Submission {
    Submission {
        delegation: delegation.into(),
        revision: 1,
        submitted_at,
        items,
    }
}

#[test]
fn the_compilation_lists_families_and_the_marshalled_order() {
    let mut ids = IdSource::new(1, 0);
    let node = Node::new(
        ids.next_id(),
        NodeKind::Operative,
        "Return at least thirty migrants each month.",
    );
    let key = node.id;
    let document = Document::new("Declaration", vec![node]);
    let amend = |text: &str| Item::Amend {
        iso: Default::default(),
        node: key,
        text: text.into(),
        justification: None,
    };
    let submissions = [
        submission(
            "HU",
            300,
            vec![amend("Return at least 30 migrants each month.")],
        ),
        submission(
            "AT",
            200,
            vec![amend("Return at least Thirty migrants, each month.")],
        ),
        submission(
            "DE",
            100,
            vec![amend("Return at least fifty migrants each month.")],
        ),
        submission("FR", 400, vec![amend("Return all migrants each month.")]),
    ];
    let compilation = compile_document(&document, 1, &submissions);
    let change = compilation.nodes[0]
        .changes
        .iter()
        .find(|c| c.contested)
        .expect("a contested change");
    let text_of = |id: &str| change.alternative(id).unwrap().text.clone().unwrap();
    let marshalled: Vec<String> = change.marshalled.iter().map(|id| text_of(id)).collect();
    // FR's "all" makes the span "at least thirty" and replaces all three words (widest); the
    // others replace one word each, in tabling order: DE (100), AT (200), HU (300).
    assert_eq!(
        marshalled,
        ["all", "at least fifty", "at least Thirty", "at least 30"].map(String::from),
        "{change:#?}"
    );
    let families: Vec<Vec<String>> = change
        .families
        .iter()
        .map(|f| f.variants.iter().map(|id| text_of(id)).collect())
        .collect();
    assert_eq!(
        families,
        [
            vec!["all"],
            vec!["at least fifty"],
            vec!["at least Thirty", "at least 30"]
        ]
        .map(|f| f.into_iter().map(String::from).collect::<Vec<_>>())
    );
    let thirty = change.family_of(&change.marshalled[2]).unwrap();
    assert_eq!(thirty.delegations, ["AT", "HU"]);
    let text = compilation_text(&compilation, TextOptions::default());
    assert!(
        text.contains(
            "[at least thirty → all (FR) / at least fifty (DE) / at least Thirty (AT) ≈ at least 30 (HU)]"
        ),
        "{text}"
    );
}
