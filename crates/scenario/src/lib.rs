//! Generated negotiation texts for the benchmarks, deterministic from a seed: paragraphs of
//! 40–80 words, and amendments made the way delegations make them — one to three edits each
//! (phrase insertions, deletions, rewordings), 15 % identical to another delegation's
//! amendment of the same paragraph, 20 % overlapping another's edit with different words.
//!
//! Two ways to deal the amendments out: [`Scenario::generate`] gives every delegation the same
//! number of distinct paragraphs (a deadline rush, where each delegation sends a 20-item
//! submission: `penholder-loadgen`), and [`Scenario::scattered`] draws paragraph and delegation
//! at random for each amendment (a large file's round: the engine benchmark of
//! `crates/diff/benches/compile.rs`). The same seed gives the same texts on every machine.
//!
//! With the `proptest` feature, [`arbitrary`] generates documents of the shapes penholder's
//! texts have, for the property tests that write a document out and read it back.

#[cfg(feature = "proptest")]
pub mod arbitrary;

use penholder_core::negotiation::{Item, Submission};
use penholder_core::{Document, IdSource, Node, NodeKind, Version};
use std::collections::{HashMap, HashSet};

const WORDS: &[&str] = &[
    "States",
    "shall",
    "should",
    "cooperation",
    "migration",
    "return",
    "readmission",
    "the",
    "of",
    "and",
    "in",
    "to",
    "with",
    "on",
    "for",
    "international",
    "regional",
    "bilateral",
    "protection",
    "capacities",
    "authorities",
    "competent",
    "ensure",
    "effective",
    "management",
    "countries",
    "origin",
    "transit",
    "destination",
    "strengthen",
    "enhance",
    "support",
    "promote",
    "development",
    "legal",
    "pathways",
    "labour",
    "mobility",
    "skills",
    "data",
    "exchange",
    "information",
    "smuggling",
    "trafficking",
    "human",
    "beings",
    "victims",
    "rights",
    "border",
    "asylum",
    "refugees",
    "reintegration",
    "sustainable",
    "dialogue",
    "partnership",
    "Silk",
    "Routes",
    "Region",
    "Budapest",
    "Process",
    "framework",
    "national",
    "competences",
    "relevant",
    "stakeholders",
    "including",
    "through",
    "notably",
    "as",
    "well",
    "particular",
    "women",
    "children",
    "vulnerable",
    "groups",
    "access",
    "timely",
    "accurate",
];

/// xorshift64*: deterministic, so every run measures the same data.
pub struct Random(u64);

impl Random {
    pub fn new(seed: u64) -> Random {
        Random(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    fn words(&mut self, n: usize) -> Vec<&'static str> {
        (0..n).map(|_| WORDS[self.below(WORDS.len())]).collect()
    }
}

/// One edit: base words `start..end` replaced by `words`.
#[derive(Clone)]
struct Edit {
    start: usize,
    end: usize,
    words: Vec<&'static str>,
}

/// A paragraph's text from its words: a comma now and then, a semicolon at the end.
fn paragraph_text(words: &[&str]) -> String {
    let mut text = String::with_capacity(words.len() * 8);
    for (i, word) in words.iter().enumerate() {
        if i > 0 {
            text.push_str(if i % 11 == 0 { ", " } else { " " });
        }
        text.push_str(word);
    }
    text.push(';');
    text
}

/// One delegation's proposed text for one paragraph.
#[derive(Clone, Debug)]
pub struct Amendment {
    pub paragraph: usize,
    pub delegation: usize,
    pub text: String,
}

/// A document and the amendments of a round.
pub struct Scenario {
    pub paragraphs: Vec<String>,
    pub delegations: usize,
    pub amendments: Vec<Amendment>,
}

/// The base paragraphs' words, drawn first whatever the dealing.
fn base_words(random: &mut Random, paragraphs: usize) -> Vec<Vec<&'static str>> {
    (0..paragraphs)
        .map(|_| {
            let n = 40 + random.below(41);
            random.words(n)
        })
        .collect()
}

/// The text of `words` with `edits` (sorted, disjoint) applied.
fn amended_text(words: &[&'static str], edits: &[Edit]) -> String {
    let mut amended: Vec<&str> = words.to_vec();
    for edit in edits.iter().rev() {
        amended.splice(edit.start..edit.end, edit.words.iter().copied());
    }
    paragraph_text(&amended)
}

/// A scenario being drawn: the base paragraphs, what was proposed for each so far, and the
/// (paragraph, delegation) pairs already used.
struct Draw {
    random: Random,
    base: Vec<Vec<&'static str>>,
    proposed: HashMap<usize, Vec<Vec<Edit>>>,
    taken: HashSet<(usize, usize)>,
    amendments: Vec<Amendment>,
}

impl Draw {
    fn new(paragraphs: usize, seed: u64) -> Draw {
        let mut random = Random::new(seed);
        let base = base_words(&mut random, paragraphs);
        Draw {
            random,
            base,
            proposed: HashMap::new(),
            taken: HashSet::new(),
            amendments: Vec::new(),
        }
    }

    /// One amendment of `paragraph` by `delegation` (the pair marked as used); none when the
    /// draw changes nothing and `never_empty` is off.
    fn amend(&mut self, paragraph: usize, delegation: usize, never_empty: bool) {
        self.taken.insert((paragraph, delegation));
        let words = &self.base[paragraph];
        let earlier = self.proposed.entry(paragraph).or_default();
        let edits = amendment_edits(&mut self.random, words, earlier, never_empty);
        if edits.is_empty() {
            return;
        }
        self.amendments.push(Amendment {
            paragraph,
            delegation,
            text: amended_text(words, &edits),
        });
        earlier.push(edits);
    }

    fn finish(self, delegations: usize) -> Scenario {
        Scenario {
            paragraphs: self.base.iter().map(|w| paragraph_text(w)).collect(),
            delegations,
            amendments: self.amendments,
        }
    }
}

impl Scenario {
    /// `paragraphs` paragraphs; `delegations` delegations amending `per_delegation` distinct
    /// paragraphs each (capped at the number of paragraphs).
    pub fn generate(
        paragraphs: usize,
        delegations: usize,
        per_delegation: usize,
        seed: u64,
    ) -> Scenario {
        let paragraphs = paragraphs.max(1);
        let per_delegation = per_delegation.min(paragraphs);
        let mut draw = Draw::new(paragraphs, seed);
        for _ in 0..per_delegation {
            for delegation in 0..delegations {
                // A paragraph this delegation has not amended yet.
                let mut paragraph = draw.random.below(paragraphs);
                while draw.taken.contains(&(paragraph, delegation)) {
                    paragraph = (paragraph + 1) % paragraphs;
                }
                draw.amend(paragraph, delegation, true);
            }
        }
        draw.finish(delegations)
    }

    /// `paragraphs` paragraphs and `amendments` amendments, each by a delegation drawn at
    /// random for a paragraph drawn at random (at most one per delegation and paragraph; a
    /// draw that changes nothing is drawn again), from the seed `seed`.
    pub fn scattered(
        paragraphs: usize,
        delegations: usize,
        amendments: usize,
        seed: u64,
    ) -> Scenario {
        let paragraphs = paragraphs.max(1);
        let delegations = delegations.max(1);
        let amendments = amendments.min(paragraphs * delegations);
        let mut draw = Draw::new(paragraphs, seed);
        while draw.amendments.len() < amendments && draw.taken.len() < paragraphs * delegations {
            let paragraph = draw.random.below(paragraphs);
            let delegation = draw.random.below(delegations);
            if !draw.taken.contains(&(paragraph, delegation)) {
                draw.amend(paragraph, delegation, false);
            }
        }
        draw.finish(delegations)
    }

    /// The document as Markdown: numbered paragraphs, referenced `P1`, `P2`… by the server.
    pub fn markdown(&self, title: &str) -> String {
        let mut text = format!("# {title}\n\n");
        for (i, paragraph) in self.paragraphs.iter().enumerate() {
            text.push_str(&format!("{}. {paragraph}\n\n", i + 1));
        }
        text
    }

    /// The body of one delegation's `PUT …/submissions/{code}`: its amendments, nodes named by
    /// reference.
    pub fn submission_body(&self, delegation: usize) -> Vec<u8> {
        let items: Vec<serde_json::Value> = self
            .amendments
            .iter()
            .filter(|a| a.delegation == delegation)
            .map(|a| {
                serde_json::json!({
                    "kind": "amend",
                    "node": format!("P{}", a.paragraph + 1),
                    "text": a.text,
                    "justification": "Clarity and consistency with agreed language.",
                })
            })
            .collect();
        serde_json::json!({ "items": items })
            .to_string()
            .into_bytes()
    }

    /// The engine's view: a version of operative paragraphs titled `title`, with node ids from
    /// `seed`, and one submission per delegation that amends something (by delegation code).
    pub fn engine(&self, title: &str, seed: u64) -> (Version, Vec<Submission>) {
        let mut ids = IdSource::new(seed, 1_700_000_000_000);
        let nodes: Vec<Node> = self
            .paragraphs
            .iter()
            .map(|text| Node::new(ids.next_id(), NodeKind::Operative, text.clone()))
            .collect();
        let keys: Vec<_> = nodes.iter().map(|n| n.id).collect();
        let version = Version::new(1, "Draft", None, Document::new(title, nodes));
        let mut items: Vec<Vec<Item>> = vec![Vec::new(); self.delegations];
        for amendment in &self.amendments {
            items[amendment.delegation].push(Item::Amend {
                iso: Default::default(),
                node: keys[amendment.paragraph],
                text: amendment.text.clone(),
                justification: None,
            });
        }
        let submissions = items
            .into_iter()
            .enumerate()
            .filter(|(_, items)| !items.is_empty())
            .map(|(d, items)| Submission {
                delegation: delegation_code(d),
                revision: 1,
                submitted_at: 1_700_000_000_000,
                items,
            })
            .collect();
        (version, submissions)
    }
}

/// `D0001`, `D0002`…: the code of the n-th generated delegation.
pub fn delegation_code(index: usize) -> String {
    format!("D{:04}", index + 1)
}

/// The edits of one amendment of `words`, given the amendments `earlier` made to the same
/// paragraph. With `never_empty`, a draw that edits nothing becomes a phrase added at the end.
fn amendment_edits(
    random: &mut Random,
    words: &[&'static str],
    earlier: &[Vec<Edit>],
    never_empty: bool,
) -> Vec<Edit> {
    let roll = random.below(100);
    if roll < 15 && !earlier.is_empty() {
        // Identical to another delegation's amendment.
        return earlier[random.below(earlier.len())].clone();
    }
    if roll < 35 && !earlier.is_empty() {
        // Overlapping another's edit, with different words.
        let other = &earlier[random.below(earlier.len())];
        if let Some(target) = other.get(random.below(other.len())) {
            let n = 1 + random.below(3);
            return vec![Edit {
                start: target.start,
                end: (target.end + random.below(2)).min(words.len()),
                words: random.words(n),
            }];
        }
    }
    let count = 1 + random.below(3);
    let mut edits = Vec::new();
    let mut at = 0;
    for _ in 0..count {
        let start = at + random.below(words.len() / count);
        if start >= words.len() {
            break;
        }
        let (end, new) = match random.below(3) {
            0 => {
                let n = 2 + random.below(4);
                (start, random.words(n))
            }
            1 => ((start + 1 + random.below(4)).min(words.len()), Vec::new()),
            _ => {
                let n = 1 + random.below(3);
                (
                    (start + 1 + random.below(3)).min(words.len()),
                    random.words(n),
                )
            }
        };
        edits.push(Edit {
            start,
            end,
            words: new,
        });
        at = end + 1;
    }
    if edits.is_empty() && never_empty {
        // A phrase at the paragraph's end.
        edits.push(Edit {
            start: words.len(),
            end: words.len(),
            words: random.words(3),
        });
    }
    edits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_delegation_amends_distinct_paragraphs() {
        let scenario = Scenario::generate(50, 7, 20, 3);
        assert_eq!(scenario.amendments.len(), 7 * 20);
        for delegation in 0..7 {
            let mine: HashSet<usize> = scenario
                .amendments
                .iter()
                .filter(|a| a.delegation == delegation)
                .map(|a| a.paragraph)
                .collect();
            assert_eq!(mine.len(), 20);
        }
    }

    #[test]
    fn amendments_change_their_paragraph_and_some_coincide() {
        let scenario = Scenario::generate(20, 30, 10, 9);
        let identical = scenario
            .amendments
            .iter()
            .filter(|a| {
                scenario.amendments.iter().any(|b| {
                    b.delegation != a.delegation && b.paragraph == a.paragraph && b.text == a.text
                })
            })
            .count();
        assert!(identical > 0, "some amendments coincide");
        let changed = scenario
            .amendments
            .iter()
            .filter(|a| a.text != scenario.paragraphs[a.paragraph])
            .count();
        assert!(
            changed * 10 >= scenario.amendments.len() * 9,
            "{changed} changed"
        );
    }

    #[test]
    fn the_same_seed_gives_the_same_scenario() {
        let a = Scenario::generate(30, 5, 4, 11);
        let b = Scenario::generate(30, 5, 4, 11);
        assert_eq!(a.paragraphs, b.paragraphs);
        assert_eq!(a.submission_body(3), b.submission_body(3));
    }

    #[test]
    fn a_submission_body_names_paragraphs_by_reference() {
        let scenario = Scenario::generate(10, 2, 3, 5);
        let body: serde_json::Value =
            serde_json::from_slice(&scenario.submission_body(1)).expect("json");
        let items = body["items"].as_array().expect("items");
        assert_eq!(items.len(), 3);
        assert!(
            items[0]["node"]
                .as_str()
                .is_some_and(|n| n.starts_with('P'))
        );
    }

    #[test]
    fn the_engine_view_has_every_amendment_on_a_node_of_the_version() {
        let scenario = Scenario::generate(30, 6, 5, 2);
        let (version, submissions) = scenario.engine("Generated", 1);
        let nodes: HashSet<_> = version.document.nodes.iter().map(|n| n.id).collect();
        let items: Vec<&Item> = submissions.iter().flat_map(|s| &s.items).collect();
        assert_eq!(items.len(), 30);
        assert!(
            items
                .iter()
                .all(|i| i.node().is_some_and(|n| nodes.contains(&n)))
        );
    }

    #[test]
    fn scattered_amendments_are_one_per_delegation_and_paragraph() {
        let scenario = Scenario::scattered(40, 12, 200, 0x5EED);
        assert_eq!(scenario.amendments.len(), 200);
        let pairs: HashSet<(usize, usize)> = scenario
            .amendments
            .iter()
            .map(|a| (a.paragraph, a.delegation))
            .collect();
        assert_eq!(pairs.len(), 200);
        assert!(
            scenario
                .amendments
                .iter()
                .all(|a| a.text != scenario.paragraphs[a.paragraph])
        );
    }
}
