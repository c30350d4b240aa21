//! The Budapest fixtures as a replay reads them (`fixtures/budapest/README-rounds.md`): the
//! delegations, the zero drafts, and for every round folder the round, the submissions in the
//! order they are sent, the late attempts and the chairmanship's decisions.
//!
//! Reading and resolving only: turning `edits` into full texts, naming the compilation's change
//! a decision is about, moving historical times to today. No HTTP here, so all of it is tested
//! with plain values.

use anyhow::{Context, bail};
use penholder_core::negotiation::Ruling;
use penholder_core::{Document, References};
use penholder_diff::{Change, Compilation, Scope};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Everything under `fixtures/budapest/` a replay needs.
#[derive(Debug)]
pub struct Fixtures {
    pub root: PathBuf,
    /// `delegations.json` as written: each entry is already the API's delegation body.
    pub delegations: Vec<serde_json::Value>,
    pub documents: Vec<DocumentFixture>,
    /// In replay order: round folders in name order, and in each the declaration before the
    /// call for action.
    pub rounds: Vec<RoundFixture>,
}

/// A zero draft: its slug, its title and its structured Markdown (ids kept).
#[derive(Debug)]
pub struct DocumentFixture {
    pub slug: String,
    pub title: String,
    pub markdown: String,
    pub markdown_path: PathBuf,
}

/// One round on one document: `rounds/<folder>/<document>/`.
#[derive(Debug)]
pub struct RoundFixture {
    /// `1-zero-draft`.
    pub folder: String,
    pub path: PathBuf,
    pub document: String,
    pub label: String,
    pub opens_at: OffsetDateTime,
    pub closes_at: OffsetDateTime,
    /// First submissions (by delegation code), then `CODE.revN.json` by N, then by code.
    pub sends: Vec<Send>,
    pub late: Vec<LateAttempt>,
    pub decisions: DecisionsFile,
}

/// One `PUT …/submissions/CODE` of the replay.
#[derive(Debug)]
pub struct Send {
    pub delegation: String,
    /// 1 for `CODE.json`, N for `CODE.revN.json`: the revision the server must answer with.
    pub revision: u32,
    pub file: PathBuf,
    pub submission: SubmissionFixture,
}

/// An attempt after the deadline, which the server must refuse.
#[derive(Debug)]
pub struct LateAttempt {
    pub delegation: String,
    pub file: PathBuf,
    /// The historical time of the attempt (after `closes_at`).
    pub at: OffsetDateTime,
    pub submission: SubmissionFixture,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmissionFixture {
    pub items: Vec<FixtureItem>,
}

/// An item as the fixtures write it: the API's wire format, except that an amendment may carry
/// `edits` on the base text instead of the full `text`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum FixtureItem {
    Amend {
        node: String,
        #[serde(default)]
        text: Option<String>,
        #[serde(default)]
        edits: Vec<TextEdit>,
        #[serde(default)]
        justification: Option<String>,
        #[serde(flatten)]
        iso: IsoAnnotation,
    },
    Insert {
        after: String,
        text: String,
        #[serde(default)]
        justification: Option<String>,
        #[serde(flatten)]
        iso: IsoAnnotation,
    },
    Delete {
        node: String,
        #[serde(default)]
        justification: Option<String>,
        #[serde(flatten)]
        iso: IsoAnnotation,
    },
    Comment {
        node: Option<String>,
        text: String,
        #[serde(flatten)]
        iso: IsoAnnotation,
    },
}

/// Replace the one occurrence of `find` in the base text by `replace`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextEdit {
    pub find: String,
    pub replace: String,
}

use penholder_core::negotiation::IsoAnnotation;
/// An item in the API's wire format (`PUT …/submissions/{delegation}`): the one type for it.
pub use penholder_core::negotiation::ItemByReference as WireItem;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WireSubmission {
    pub items: Vec<WireItem>,
}

/// `decisions.json`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionsFile {
    pub accept_uncontested: bool,
    pub decisions: Vec<FixtureDecision>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FixtureRuling {
    Accept,
    Reject,
    Reword,
    Defer,
}

impl FixtureRuling {
    pub fn as_str(self) -> &'static str {
        match self {
            FixtureRuling::Accept => "accept",
            FixtureRuling::Reject => "reject",
            FixtureRuling::Reword => "reword",
            FixtureRuling::Defer => "defer",
        }
    }
}

/// One decision of the chairmanship, naming its change by node, supporter and words.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixtureDecision {
    /// The node the change is on (for an insertion: its anchor), as a reference in the base.
    pub node: String,
    /// A delegation supporting one of the change's alternatives.
    pub by: String,
    /// Words of that alternative (of the deleted base words, for a deletion).
    #[serde(default)]
    pub contains: Option<String>,
    pub decision: FixtureRuling,
    /// For a reword of words: the change's base words, exactly.
    #[serde(default)]
    pub base_text: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// A decision resolved against a compilation: the change it is about and the ruling.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedDecision {
    pub change: String,
    /// The alternative `by` supports.
    pub alternative: String,
    pub ruling: Ruling,
}

/// The body of `PUT …/decisions/{change}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DecisionBody {
    pub decision: FixtureRuling,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alternative: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The two documents, in the order the replay runs them within a round folder.
pub const DOCUMENTS: [&str; 2] = ["declaration", "call-for-action"];

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> anyhow::Result<T> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not as expected", path.display()))
}

fn parse_time(text: &str, path: &Path) -> anyhow::Result<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339)
        .with_context(|| format!("{}: {text:?} is not an RFC 3339 time", path.display()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoundFile {
    label: String,
    document: String,
    opens_at: String,
    closes_at: String,
    #[serde(default)]
    late: Vec<LateFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LateFile {
    delegation: String,
    file: String,
    at: String,
}

#[derive(Deserialize)]
struct DocumentTitle {
    title: String,
}

impl Fixtures {
    pub fn load(root: &Path) -> anyhow::Result<Fixtures> {
        if !root.is_dir() {
            bail!(
                "{} is not a folder; pass --fixtures fixtures/budapest",
                root.display()
            );
        }
        let delegations: Vec<serde_json::Value> = read_json(&root.join("delegations.json"))?;
        let mut documents = Vec::new();
        for slug in DOCUMENTS {
            let markdown_path = root.join(format!("{slug}.md"));
            let markdown = std::fs::read_to_string(&markdown_path)
                .with_context(|| format!("cannot read {}", markdown_path.display()))?;
            let DocumentTitle { title } = read_json(&root.join(format!("{slug}.json")))?;
            documents.push(DocumentFixture {
                slug: slug.to_string(),
                title,
                markdown,
                markdown_path,
            });
        }
        let rounds_dir = root.join("rounds");
        let mut folders: Vec<String> = std::fs::read_dir(&rounds_dir)
            .with_context(|| format!("cannot list {}", rounds_dir.display()))?
            .filter_map(|entry| entry.ok())
            .filter(|entry| entry.path().is_dir())
            .filter_map(|entry| entry.file_name().into_string().ok())
            // Round folders start with their number (`1-zero-draft`); `expected/` does not.
            .filter(|name| name.starts_with(|c: char| c.is_ascii_digit()))
            .collect();
        folders.sort_by_key(|name| folder_number(name));
        let mut rounds = Vec::new();
        for folder in folders {
            for slug in DOCUMENTS {
                let path = rounds_dir.join(&folder).join(slug);
                if path.is_dir() {
                    rounds.push(RoundFixture::load(&folder, &path)?);
                }
            }
        }
        if rounds.is_empty() {
            bail!("no round folders under {}", rounds_dir.display());
        }
        Ok(Fixtures {
            root: root.to_path_buf(),
            delegations,
            documents,
            rounds,
        })
    }
}

/// `12-foo` → 12, so that folder 10 comes after folder 9.
fn folder_number(name: &str) -> u32 {
    name.split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|digits| digits.parse().ok())
        .unwrap_or(u32::MAX)
}

/// `DE.json` → (`DE`, 1); `DE.rev2.json` → (`DE`, 2); anything else → `None`.
pub fn submission_file_name(name: &str) -> Option<(String, u32)> {
    let stem = name.strip_suffix(".json")?;
    let (code, revision) = match stem.split_once(".rev") {
        Some((code, n)) => (code, n.parse::<u32>().ok().filter(|n| *n >= 2)?),
        None => (stem, 1),
    };
    let is_code = !code.is_empty()
        && code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-' || c == '_');
    is_code.then(|| (code.to_string(), revision))
}

impl RoundFixture {
    fn load(folder: &str, path: &Path) -> anyhow::Result<RoundFixture> {
        let round_path = path.join("round.json");
        let round: RoundFile = read_json(&round_path)?;
        let opens_at = parse_time(&round.opens_at, &round_path)?;
        let closes_at = parse_time(&round.closes_at, &round_path)?;
        if closes_at <= opens_at {
            bail!("{}: closes_at is not after opens_at", round_path.display());
        }
        let mut sends = Vec::new();
        for entry in
            std::fs::read_dir(path).with_context(|| format!("cannot list {}", path.display()))?
        {
            let entry = entry?;
            let Some(name) = entry.file_name().into_string().ok() else {
                continue;
            };
            let Some((delegation, revision)) = submission_file_name(&name) else {
                continue;
            };
            let file = entry.path();
            let submission = read_json(&file)?;
            sends.push(Send {
                delegation,
                revision,
                file,
                submission,
            });
        }
        // README-rounds.md: every first submission, then every CODE.revN.json in increasing N.
        sends.sort_by(|a, b| (a.revision, &a.delegation).cmp(&(b.revision, &b.delegation)));
        for send in &sends {
            if send.revision > 1
                && !sends
                    .iter()
                    .any(|s| s.delegation == send.delegation && s.revision == send.revision - 1)
            {
                bail!(
                    "{} has no revision {} before it",
                    send.file.display(),
                    send.revision - 1
                );
            }
        }
        let mut late = Vec::new();
        for attempt in round.late {
            let file = path.join(&attempt.file);
            let at = parse_time(&attempt.at, &round_path)?;
            if at <= closes_at {
                bail!(
                    "{}: the late attempt of {} is not after the deadline",
                    round_path.display(),
                    attempt.delegation
                );
            }
            late.push(LateAttempt {
                delegation: attempt.delegation,
                submission: read_json(&file)?,
                file,
                at,
            });
        }
        let decisions = read_json(&path.join("decisions.json"))?;
        Ok(RoundFixture {
            folder: folder.to_string(),
            path: path.to_path_buf(),
            document: round.document,
            label: round.label,
            opens_at,
            closes_at,
            sends,
            late,
            decisions,
        })
    }

    /// How long the historical round was open.
    pub fn window(&self) -> time::Duration {
        self.closes_at - self.opens_at
    }
}

/// The text of the node `reference` names in `document`.
pub fn node_text<'a>(
    document: &'a Document,
    references: &References,
    reference: &str,
) -> anyhow::Result<&'a str> {
    let id = references
        .resolve_id_or_reference(reference)
        .with_context(|| format!("{reference} is not a node of the base version"))?;
    document
        .find(id)
        .map(|node| node.text.as_str())
        .with_context(|| format!("{reference} is not a node of the base version"))
}

/// Applies `edits` one after the other to `base`. Each `find` must occur exactly once in the
/// base text (README-rounds.md), so an edit can never land on words an earlier edit wrote.
pub fn apply_edits(base: &str, edits: &[TextEdit]) -> anyhow::Result<String> {
    let mut text = base.to_string();
    for edit in edits {
        let count = base.matches(edit.find.as_str()).count();
        if count != 1 {
            bail!(
                "{:?} occurs {count} times in the base text {base:?}; an edit needs exactly one",
                edit.find
            );
        }
        let Some(at) = text.find(edit.find.as_str()) else {
            bail!("{:?} was overwritten by an earlier edit", edit.find);
        };
        text.replace_range(at..at + edit.find.len(), &edit.replace);
    }
    Ok(text)
}

impl SubmissionFixture {
    /// The submission in the API's wire format, with every `edits` amendment turned into its
    /// full text on the base version.
    pub fn to_wire(
        &self,
        base: &Document,
        references: &References,
    ) -> anyhow::Result<WireSubmission> {
        let items = self
            .items
            .iter()
            .enumerate()
            .map(|(index, item)| {
                Ok(match item {
                    FixtureItem::Amend {
                        node,
                        text,
                        edits,
                        justification,
                        iso,
                    } => {
                        let text = match (text, edits.is_empty()) {
                            (Some(text), true) => text.clone(),
                            (None, false) => {
                                let base_text = node_text(base, references, node)?;
                                apply_edits(base_text, edits)
                                    .with_context(|| format!("item {index} on {node}"))?
                            }
                            _ => bail!(
                                "item {index} on {node}: an amendment carries either text or edits"
                            ),
                        };
                        WireItem::Amend {
                            iso: iso.clone(),
                            node: node.clone(),
                            text,
                            justification: justification.clone(),
                        }
                    }
                    FixtureItem::Insert {
                        after,
                        text,
                        justification,
                        iso,
                    } => WireItem::Insert {
                        iso: iso.clone(),
                        after: Some(after.clone()),
                        before: None,
                        text: text.clone(),
                        node_kind: None,
                        justification: justification.clone(),
                    },
                    FixtureItem::Delete {
                        node,
                        justification,
                        iso,
                    } => WireItem::Delete {
                        iso: iso.clone(),
                        node: node.clone(),
                        justification: justification.clone(),
                    },
                    FixtureItem::Comment { node, text, iso } => WireItem::Comment {
                        iso: iso.clone(),
                        node: node.clone(),
                        text: text.clone(),
                    },
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(WireSubmission { items })
    }
}

/// Whether `change` is on `node` as README-rounds.md means it: a word-level or node-level
/// change of the node, or an insertion after it.
fn is_on(change: &Change, node: penholder_core::NodeId) -> bool {
    match &change.scope {
        Scope::Words { .. } | Scope::Node => change.node == node,
        Scope::InsertAfter { anchor, .. } => *anchor == node,
        Scope::InsertBefore { .. } => false,
    }
}

/// Names the change of `compilation` a fixture decision is about (README-rounds.md, "Decisions").
pub fn resolve_decision(
    decision: &FixtureDecision,
    compilation: &Compilation,
    references: &References,
) -> anyhow::Result<ResolvedDecision> {
    let node = references.resolve(&decision.node).with_context(|| {
        format!(
            "decision on {}: not a reference of the base version",
            decision.node
        )
    })?;
    let mut found: Vec<(&Change, &str)> = Vec::new();
    let mut carried: Vec<(&Change, &str)> = Vec::new();
    for change in compilation.changes().filter(|c| is_on(c, node)) {
        for alternative in &change.alternatives {
            let Some(support) = alternative
                .supporters
                .iter()
                .find(|s| s.delegation == decision.by)
            else {
                continue;
            };

            // A deletion's alternative is empty: its words are the base words it deletes.
            let words = match alternative.text.as_deref() {
                Some(text) if !text.is_empty() => text,
                _ => change.base_text.as_str(),
            };
            if decision
                .contains
                .as_deref()
                .is_some_and(|contains| !words.contains(contains))
            {
                continue;
            }
            // A proposal deferred in an earlier round comes back carried over: the decision
            // names this round's own proposal when there is one.
            if penholder_negotiation::bracket::is_carried_over(support) {
                carried.push((change, alternative.id.as_str()));
                continue;
            }
            found.push((change, alternative.id.as_str()));
        }
    }
    if found.is_empty() {
        found = carried;
    }
    // A delegation that amends a paragraph others want deleted supports both the word-level
    // change and the node-level one: the decision is about its words.
    if found.len() > 1 {
        let words: Vec<(&Change, &str)> = found
            .iter()
            .copied()
            .filter(|(c, _)| matches!(c.scope, Scope::Words { .. }))
            .collect();
        let insertions = found
            .iter()
            .any(|(c, _)| matches!(c.scope, Scope::InsertAfter { .. }));
        if !words.is_empty() && words.len() < found.len() && !insertions {
            found = words;
        }
    }
    let describe = || {
        format!(
            "decision on {} by {}{}",
            decision.node,
            decision.by,
            decision
                .contains
                .as_deref()
                .map(|c| format!(" containing {c:?}"))
                .unwrap_or_default()
        )
    };
    let (change, alternative) = match found.as_slice() {
        [one] => *one,
        [] => bail!("{}: no change of the compilation matches", describe()),
        many => bail!(
            "{}: {} changes match ({}); the fixture should say which with `contains`",
            describe(),
            many.len(),
            many.iter()
                .map(|(c, _)| c.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let ruling = match decision.decision {
        FixtureRuling::Accept => Ruling::Accept {
            alternative: Some(alternative.to_string()),
        },
        FixtureRuling::Reject => Ruling::Reject,
        FixtureRuling::Defer => Ruling::Defer,
        FixtureRuling::Reword => {
            let text = decision
                .text
                .clone()
                .with_context(|| format!("{}: a reword carries the chair's text", describe()))?;
            if matches!(change.scope, Scope::Words { .. })
                && let Some(base_text) = &decision.base_text
                && *base_text != change.base_text
            {
                bail!(
                    "{}: the fixture rewords {base_text:?}, but change {} is about {:?}",
                    describe(),
                    change.id,
                    change.base_text
                );
            }
            Ruling::Reword { text }
        }
    };
    Ok(ResolvedDecision {
        change: change.id.clone(),
        alternative: alternative.to_string(),
        ruling,
    })
}

impl ResolvedDecision {
    pub fn body(&self, note: Option<&str>) -> DecisionBody {
        let (decision, alternative, text) = match &self.ruling {
            Ruling::Accept { alternative } => (FixtureRuling::Accept, alternative.clone(), None),
            Ruling::Reject => (FixtureRuling::Reject, None, None),
            Ruling::Reword { text } => (FixtureRuling::Reword, None, Some(text.clone())),
            Ruling::Defer => (FixtureRuling::Defer, None, None),
            Ruling::Withdraw => {
                unreachable!(
                    "resolve() builds a fixture's ruling from FixtureRuling, which has no withdrawal"
                )
            }
        };
        DecisionBody {
            decision,
            alternative,
            text,
            note: note.map(str::to_owned),
        }
    }
}

/// A historical date as people write it: `31 December 2023`.
pub fn long_date(at: OffsetDateTime) -> String {
    format!("{} {} {}", at.day(), at.month(), at.year())
}

#[cfg(test)]
mod tests {
    use super::*;
    use penholder_core::{IdSource, Node, NodeKind};
    use penholder_diff::{Alternative, NodeCompilation, Support};

    #[test]
    fn submission_files_name_their_delegation_and_revision() {
        assert_eq!(submission_file_name("DE.json"), Some(("DE".into(), 1)));
        assert_eq!(submission_file_name("DE.rev2.json"), Some(("DE".into(), 2)));
        assert_eq!(
            submission_file_name("ICMPD.rev10.json"),
            Some(("ICMPD".into(), 10))
        );
        for not_a_submission in [
            "round.json",
            "decisions.json",
            "DE.rev1.json",
            "DE.revx.json",
            "DE.md",
        ] {
            assert_eq!(
                submission_file_name(not_a_submission),
                None,
                "{not_a_submission}"
            );
        }
    }

    #[test]
    fn folders_sort_by_their_number() {
        let mut folders = vec!["10-x", "2-reference-group", "1-zero-draft"];
        folders.sort_by_key(|f| folder_number(f));
        assert_eq!(folders, ["1-zero-draft", "2-reference-group", "10-x"]);
    }

    fn edit(find: &str, replace: &str) -> TextEdit {
        TextEdit {
            find: find.into(),
            replace: replace.into(),
        }
    }

    #[test]
    fn edits_apply_in_order_and_need_one_occurrence() {
        let base = "made at all earlier conferences, all of them";
        assert_eq!(
            apply_edits(base, &[edit("at all earlier", "at the six earlier")]).unwrap(),
            "made at the six earlier conferences, all of them"
        );
        assert_eq!(
            apply_edits(base, &[edit("made", "taken"), edit("of them", "of these")]).unwrap(),
            "taken at all earlier conferences, all of these"
        );
        let twice = apply_edits(base, &[edit("all", "every")]).unwrap_err();
        assert!(twice.to_string().contains("2 times"), "{twice}");
        let absent = apply_edits(base, &[edit("never", "x")]).unwrap_err();
        assert!(absent.to_string().contains("0 times"), "{absent}");
        // Counted on the base: an edit cannot reach words a previous edit wrote.
        let overwritten =
            apply_edits(base, &[edit("made at", "made by"), edit("at all", "x")]).unwrap_err();
        assert!(
            overwritten.to_string().contains("overwritten"),
            "{overwritten}"
        );
    }

    /// A base with PP1 (a node with words), PP2 and an insertion point after PP2.
    fn compilation() -> (Compilation, References, Document) {
        let mut ids = IdSource::new(7, 0);
        let pp1 = Node::new(
            ids.next_id(),
            NodeKind::Preambular,
            "Returns of own nationals",
        );
        let pp2 = Node::new(ids.next_id(), NodeKind::Preambular, "Other text");
        let document = Document::new("D", vec![pp1.clone(), pp2.clone()]);
        let references = References::of(&document);
        let support = |delegation: &str| Support {
            delegation: delegation.into(),
            item: 0,
            justification: None,
        };
        let alternative = |id: &str, text: Option<&str>, who: &[&str]| Alternative {
            id: id.into(),
            text: text.map(str::to_owned),
            kind: None,
            supporters: who.iter().map(|d| support(d)).collect(),
        };
        let words = |id: &str, base: &str, alternatives: Vec<Alternative>| Change {
            id: id.into(),
            node: pp1.id,
            reference: "PP1".into(),
            scope: Scope::Words {
                start_token: 0,
                end_token: 1,
                start_byte: 0,
                end_byte: 7,
            },
            base_text: base.into(),
            contested: alternatives.len() > 1,
            marshalled: Vec::new(),
            families: Vec::new(),
            alternatives,
        };
        let changes = [
            Change {
                id: "node".into(),
                node: pp1.id,
                reference: "PP1".into(),
                scope: Scope::Node,
                base_text: pp1.text.clone(),
                alternatives: vec![
                    alternative("a", Some("Safe returns of own nationals"), &["PT"]),
                    alternative("b", None, &["CZ", "PL"]),
                ],
                contested: true,
                marshalled: Vec::new(),
                families: Vec::new(),
            },
            words(
                "w1",
                "",
                vec![
                    alternative("a", Some(" safe"), &["PT"]),
                    alternative("b", Some(" dignified"), &["PK"]),
                ],
            ),
            words(
                "w2",
                " of own nationals",
                vec![alternative("a", Some(""), &["LB"])],
            ),
            Change {
                id: "ins".into(),
                node: pp2.id,
                reference: "PP2".into(),
                scope: Scope::InsertAfter {
                    anchor: pp2.id,
                    ordinal: 1,
                },
                base_text: String::new(),
                alternatives: vec![alternative("a", Some("New paragraph"), &["LB"])],
                contested: false,
                marshalled: Vec::new(),
                families: Vec::new(),
            },
        ];
        let node = |n: &Node, changes: Vec<Change>| NodeCompilation {
            node: n.id,
            reference: references
                .reference(n.id)
                .map(|r| r.0.clone())
                .unwrap_or_default(),
            kind: n.kind,
            depth: 0,
            base_text: n.text.clone(),
            base_marks: vec![],
            merged_text: Some(n.text.clone()),
            changes,
            comments: vec![],
            flags: vec![],
        };
        let compilation = Compilation {
            document_title: "D".into(),
            base_version: 1,
            nodes: vec![
                node(&pp1, changes[..3].to_vec()),
                node(&pp2, changes[3..].to_vec()),
            ],
            general_comments: vec![],
            general_flags: vec![],
            unplaced: vec![],
        };
        (compilation, references, document)
    }

    fn decision(
        node: &str,
        by: &str,
        contains: Option<&str>,
        ruling: FixtureRuling,
    ) -> FixtureDecision {
        FixtureDecision {
            node: node.into(),
            by: by.into(),
            contains: contains.map(str::to_owned),
            decision: ruling,
            base_text: None,
            text: None,
            note: None,
        }
    }

    #[test]
    fn decisions_name_their_change() {
        let (compilation, references, _) = compilation();
        // PT supports the node-level amendment and the word change: the words win.
        let pt = resolve_decision(
            &decision("PP1", "PT", None, FixtureRuling::Accept),
            &compilation,
            &references,
        )
        .unwrap();
        assert_eq!((pt.change.as_str(), pt.alternative.as_str()), ("w1", "a"));
        assert_eq!(
            pt.ruling,
            Ruling::Accept {
                alternative: Some("a".into())
            }
        );
        // The deleting delegation names the node-level change.
        let pl = resolve_decision(
            &decision("PP1", "PL", None, FixtureRuling::Reject),
            &compilation,
            &references,
        )
        .unwrap();
        assert_eq!((pl.change.as_str(), pl.alternative.as_str()), ("node", "b"));
        // LB has a word deletion on PP1 and an insertion after PP2: `contains` reads the
        // deleted base words; the insertion is named by its anchor.
        let lb = resolve_decision(
            &decision("PP1", "LB", Some("own nationals"), FixtureRuling::Reject),
            &compilation,
            &references,
        )
        .unwrap();
        assert_eq!(lb.change, "w2");
        let insertion = resolve_decision(
            &decision("pp2", "LB", None, FixtureRuling::Defer),
            &compilation,
            &references,
        )
        .unwrap();
        assert_eq!(
            (insertion.change.as_str(), insertion.ruling.clone()),
            ("ins", Ruling::Defer)
        );
    }

    #[test]
    fn unresolvable_decisions_say_why() {
        let (compilation, references, _) = compilation();
        let nobody = resolve_decision(
            &decision("PP1", "FR", None, FixtureRuling::Accept),
            &compilation,
            &references,
        )
        .unwrap_err();
        assert!(nobody.to_string().contains("no change"), "{nobody}");
        let unknown = resolve_decision(
            &decision("PP9", "PT", None, FixtureRuling::Accept),
            &compilation,
            &references,
        )
        .unwrap_err();
        assert!(unknown.to_string().contains("not a reference"), "{unknown}");
        let mut reword = decision("PP1", "PK", None, FixtureRuling::Reword);
        reword.text = Some(" and dignified".into());
        reword.base_text = Some("something else".into());
        let mismatch = resolve_decision(&reword, &compilation, &references).unwrap_err();
        assert!(mismatch.to_string().contains("rewords"), "{mismatch}");
        reword.base_text = Some(String::new());
        let ok = resolve_decision(&reword, &compilation, &references).unwrap();
        assert_eq!(
            ok.ruling,
            Ruling::Reword {
                text: " and dignified".into()
            }
        );
        assert_eq!(
            serde_json::to_value(ok.body(Some("n"))).unwrap(),
            serde_json::json!({"decision": "reword", "text": " and dignified", "note": "n"})
        );
    }

    #[test]
    fn edits_become_full_texts_on_the_wire() {
        let (_, references, document) = compilation();
        let submission: SubmissionFixture = serde_json::from_value(serde_json::json!({"items": [
            {"kind": "amend", "node": "PP1", "edits": [{"find": "own", "replace": "their own"}], "justification": "j"},
            {"kind": "insert", "after": "PP2", "text": "New."},
            {"kind": "delete", "node": "PP2"},
            {"kind": "comment", "node": null, "text": "General."}
        ]}))
        .unwrap();
        let wire =
            serde_json::to_value(submission.to_wire(&document, &references).unwrap()).unwrap();
        assert_eq!(
            wire,
            serde_json::json!({"items": [
                {"kind": "amend", "node": "PP1", "text": "Returns of their own nationals", "justification": "j"},
                {"kind": "insert", "after": "PP2", "text": "New."},
                {"kind": "delete", "node": "PP2"},
                {"kind": "comment", "node": null, "text": "General."}
            ]})
        );
        let both: SubmissionFixture = serde_json::from_value(serde_json::json!({"items": [
            {"kind": "amend", "node": "PP1", "text": "T", "edits": [{"find": "own", "replace": "x"}]}
        ]}))
        .unwrap();
        assert!(both.to_wire(&document, &references).is_err());
    }

    #[test]
    fn the_budapest_fixtures_load_in_replay_order() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/budapest");
        let fixtures = Fixtures::load(&root).unwrap();
        assert_eq!(fixtures.delegations.len(), 59);
        assert_eq!(fixtures.rounds.len(), 6);
        let first = &fixtures.rounds[0];
        assert_eq!(
            (first.folder.as_str(), first.document.as_str()),
            ("1-zero-draft", "declaration")
        );
        assert_eq!(first.sends.len(), 27);
        let last = first.sends.last().unwrap();
        assert_eq!((last.delegation.as_str(), last.revision), ("DE", 2));
        let delegations: std::collections::BTreeSet<&str> =
            first.sends.iter().map(|s| s.delegation.as_str()).collect();
        assert_eq!(delegations.len(), 26);
        assert_eq!(first.late.len(), 1);
        assert_eq!(long_date(first.closes_at), "31 December 2023");
        for round in &fixtures.rounds {
            assert!(round.window().is_positive());
            assert!(round.late.iter().all(|late| late.at > round.closes_at));
        }
    }
}
