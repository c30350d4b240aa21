//! What a renderer needs besides the value it renders: titles, the classification, the names of
//! delegations, and when changes were made. Callers fill it from the store; nothing here reads
//! a clock.

use penholder_core::bracket::{Bracket, BracketSpan};
use penholder_core::negotiation::Delegation;
use penholder_core::state::{ParagraphStatus, TextState};
use penholder_core::{Document, Node, NodeId};
use penholder_diff::{Alternative, Change, Origin};
use std::collections::BTreeMap;

/// Titles, names and dates for one rendering.
#[derive(Clone, Debug)]
pub struct Context {
    /// Shown as the title; the document's own title when `None`.
    pub title: Option<String>,
    /// A line under the title: "Compilation of written feedback on Rev. 1", "Version 2 → 3".
    pub subtitle: Option<String>,
    /// The distribution marking (`LIMITE`), shown in the header of every page.
    pub classification: Option<String>,
    /// Delegation code → display name (`TR` → `Türkiye`).
    pub delegations: BTreeMap<String, String>,
    /// The name the chairmanship's own wording is attributed to.
    pub chair: String,
    pub dates: Dates,
    /// Numbers written verbatim in the source (`Art 93`, `4c.`), by node: they replace the
    /// derived numbering. Fill with [`Context::numbers_of`].
    pub numbers: BTreeMap<NodeId, String>,
    /// The language of the text, as a BCP 47 tag (`en`), for `lang` attributes.
    pub language: String,
    /// When the file was produced (Unix milliseconds), written in document properties.
    pub generated_at: Option<i64>,
    /// The audit head a published version carries (its footer in Word, `<meta>` in Akoma
    /// Ntoso, the last line in HTML and Markdown); `None` for what is not a version.
    pub audit: Option<AuditSeal>,
    /// The document's symbol (`8056/24`), printed in the footer of a Word file.
    pub symbol: Option<String>,
    /// The date the file is of (a version's publication), printed in the footer of a Word
    /// file beside the label (the subtitle).
    pub dated: Option<i64>,
    /// Justifications of accepted proposals, by round label and node (of the version the
    /// change produced): what a redline shows as comments beside the changes they explain.
    pub justifications: BTreeMap<(String, NodeId), Vec<Justification>>,
    /// The state of each paragraph (its status and the reservations that stand on it), shown
    /// beside it in a version's HTML; empty: nothing shown. Fill with [`Context::state_of`].
    pub paragraphs: BTreeMap<NodeId, ParagraphMarks>,
    /// How a compilation names the supporters of an alternative that a group or a co-sponsor
    /// supports, by change and alternative id ("EU (27)", "EU (except HU)", "FR, co-sponsored
    /// by NO"); empty: the supporters' codes alone. Fill with [`Context::support_label`].
    pub support_labels: BTreeMap<(String, String), String>,
    /// The open brackets of a version, by node, in the order of their spans; empty: none
    /// shown. Fill with [`Context::brackets_of`].
    pub brackets: BTreeMap<NodeId, Vec<Bracket>>,
    /// The life of the text up to the version rendered, oldest first: versions published,
    /// paragraph statuses set, the adoption (Akoma Ntoso's `lifecycle` and `workflow`). Fill
    /// with [`Context::events_of`].
    pub events: Vec<TextEvent>,
    /// What a screen reader says before each attributed insertion or deletion in HTML, in the
    /// reader's language (the web front's); `None`, the files' default, writes nothing more.
    pub spoken: Option<Spoken>,
    /// The words the HTML views write around the text (legends, captions), in the reader's
    /// language: English for the files, the interface's in the web front.
    pub captions: &'static crate::Captions,
}

/// One dated event in the life of a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TextEvent {
    /// A version was published (Unix milliseconds).
    Version { number: u32, label: String, at: i64 },
    /// The chair set a node's status, with a note.
    Status {
        node: NodeId,
        status: ParagraphStatus,
        note: String,
        at: i64,
    },
    /// The whole text was adopted at a version.
    Adoption { version: u32, note: String, at: i64 },
}

impl TextEvent {
    pub fn at(&self) -> i64 {
        match self {
            TextEvent::Version { at, .. }
            | TextEvent::Status { at, .. }
            | TextEvent::Adoption { at, .. } => *at,
        }
    }
}

/// The words said before an attributed change, for those who do not see its marks:
/// "inserted, proposed by" + "France".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spoken {
    pub inserted_by: String,
    pub deleted_by: String,
}

/// A delegation's reason for a change it proposed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Justification {
    pub delegation: String,
    pub text: String,
}

/// What a version's rendering shows beside one paragraph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParagraphMarks {
    pub status: ParagraphStatus,
    /// The chair's note on the status in force ("Reference Group, 7 May 2024").
    pub note: Option<String>,
    /// `SR (HU)` for each reservation that stands.
    pub reservations: Vec<String>,
}

/// The audit entry that published a version, as its files print it: anyone holding the file
/// can later run `penholder audit verify --expect-head SEQ:HASH` to show that the database
/// still holds it (and check the signature with the server's public key). Data handed in by
/// the caller: rendering never reads a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditSeal {
    pub seq: u64,
    /// The entry's hash, hexadecimal.
    pub hash: String,
    /// The server's Ed25519 signature of the head, base64; `None` when it has no key.
    pub signature: Option<String>,
}

impl AuditSeal {
    /// `SEQ:HASH`, what `--expect-head` takes.
    pub fn head(&self) -> String {
        format!("{}:{}", self.seq, self.hash)
    }

    /// One line for a reader: `Audit head 12:ab… (signature …)`.
    pub fn line(&self) -> String {
        match &self.signature {
            Some(signature) => format!("Audit head {} signed {signature}", self.head()),
            None => format!("Audit head {}", self.head()),
        }
    }
}

impl Default for Context {
    fn default() -> Self {
        Context {
            title: None,
            subtitle: None,
            classification: None,
            delegations: BTreeMap::new(),
            chair: "Chair".to_string(),
            dates: Dates::default(),
            numbers: BTreeMap::new(),
            language: "en".to_string(),
            generated_at: None,
            audit: None,
            symbol: None,
            dated: None,
            justifications: BTreeMap::new(),
            paragraphs: BTreeMap::new(),
            support_labels: BTreeMap::new(),
            brackets: BTreeMap::new(),
            events: Vec::new(),
            spoken: None,
            captions: &crate::captions::ENGLISH,
        }
    }
}

/// When things happened, in Unix milliseconds: what `w:date` of a tracked change says.
#[derive(Clone, Debug, Default)]
pub struct Dates {
    /// Round label → when the round was consolidated (the date of changes accepted in it).
    pub rounds: BTreeMap<String, i64>,
    /// Delegation code → when its submission to the round was received.
    pub submissions: BTreeMap<String, i64>,
    /// Change id → when it was proposed, overriding the submission times.
    pub changes: BTreeMap<String, i64>,
    /// Used when nothing more precise is known.
    pub fallback: Option<i64>,
}

impl Context {
    pub fn new() -> Self {
        Context::default()
    }

    /// Names the supporters of `change`'s alternative `alternative` as coalitions make them.
    pub fn support_label(
        mut self,
        change: impl Into<String>,
        alternative: impl Into<String>,
        label: impl Into<String>,
    ) -> Self {
        self.support_labels
            .insert((change.into(), alternative.into()), label.into());
        self
    }

    /// The coalition labels of a node's changes, in order: `(change, alternative, label)`.
    pub fn support_labels_of<'a>(
        &'a self,
        changes: &'a [Change],
    ) -> impl Iterator<Item = (&'a str, &'a str, &'a str)> {
        changes.iter().flat_map(move |change| {
            change.alternatives.iter().filter_map(move |alternative| {
                self.support_labels
                    .get(&(change.id.clone(), alternative.id.clone()))
                    .map(|label| (change.id.as_str(), alternative.id.as_str(), label.as_str()))
            })
        })
    }

    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    pub fn subtitle(mut self, subtitle: impl Into<String>) -> Self {
        self.subtitle = Some(subtitle.into());
        self
    }

    pub fn classification(mut self, classification: impl Into<String>) -> Self {
        let classification = classification.into();
        self.classification = (!classification.trim().is_empty()).then_some(classification);
        self
    }

    pub fn delegation(mut self, code: impl Into<String>, name: impl Into<String>) -> Self {
        self.delegations.insert(code.into(), name.into());
        self
    }

    /// Takes the names of a process's delegations.
    pub fn delegations_from(mut self, delegations: &[Delegation]) -> Self {
        for delegation in delegations {
            self.delegations
                .insert(delegation.code.clone(), delegation.name.clone());
        }
        self
    }

    pub fn chair(mut self, name: impl Into<String>) -> Self {
        self.chair = name.into();
        self
    }

    /// Takes the life of the text up to version `up_to`: `versions` (number, label, when
    /// published), and the status changes and adoption of `state` made at or before it.
    pub fn events_of(
        mut self,
        versions: &[(u32, String, i64)],
        state: &TextState,
        up_to: u32,
    ) -> Self {
        let mut events: Vec<TextEvent> = versions
            .iter()
            .filter(|(number, _, _)| *number <= up_to)
            .map(|(number, label, at)| TextEvent::Version {
                number: *number,
                label: label.clone(),
                at: *at,
            })
            .collect();
        events.extend(
            state
                .changes
                .iter()
                .filter(|change| change.version <= up_to)
                .map(|change| TextEvent::Status {
                    node: change.node,
                    status: change.status,
                    note: change.note.clone(),
                    at: change.set_at,
                }),
        );
        if let Some(adoption) = state.adoption.as_ref().filter(|a| a.version <= up_to) {
            events.push(TextEvent::Adoption {
                version: adoption.version,
                note: adoption.note.clone(),
                at: adoption.adopted_at,
            });
        }
        // Stable: a status set in the same millisecond as its version comes after it.
        events.sort_by_key(TextEvent::at);
        self.events = events;
        self
    }

    /// Takes a version's open brackets: each is shown on its node.
    pub fn brackets_of(mut self, brackets: &[Bracket]) -> Self {
        for bracket in brackets {
            self.brackets
                .entry(bracket.node)
                .or_default()
                .push(bracket.clone());
        }
        self
    }

    /// The node's text as a reader of the version sees it: each open bracket on a span of it
    /// printed in place (`by [20] / [30 (DE, FR)] / [40 (PK)] per cent`), and each new node
    /// proposed beside it after the text. The node's own text when it has no bracket.
    pub fn shown_text<'n>(&self, node: &'n Node) -> std::borrow::Cow<'n, str> {
        let Some(brackets) = self.brackets.get(&node.id) else {
            return std::borrow::Cow::Borrowed(&node.text);
        };
        let mut text = node.text.clone();
        // A whole node's bracket replaces the text; spans are printed from the last one back,
        // so that the earlier ones' byte ranges still hold.
        if let Some(whole) = brackets
            .iter()
            .find(|b| b.span == BracketSpan::Node && b.fits(&node.text))
        {
            text = whole.label();
        } else {
            let mut spans: Vec<&Bracket> = brackets
                .iter()
                .filter(|b| matches!(b.span, BracketSpan::Words { .. }) && b.fits(&node.text))
                .collect();
            spans.sort_by_key(|b| match b.span {
                BracketSpan::Words { start, .. } => std::cmp::Reverse(start),
                _ => std::cmp::Reverse(0),
            });
            for bracket in spans {
                if let Some(shown) = bracket.apply_label(&text) {
                    text = shown;
                }
            }
        }
        for bracket in brackets {
            if let BracketSpan::NewNode { after } = bracket.span {
                let place = if after { "after" } else { "before" };
                text.push_str(&format!(
                    " [new paragraph {place} this one: {}]",
                    bracket.label()
                ));
            }
        }
        std::borrow::Cow::Owned(text)
    }

    /// Each open bracket on a node as one line: `B1 (open since Round 1): [20] / [30 (DE, FR)]`.
    pub fn bracket_lines(&self, node: NodeId) -> Vec<String> {
        self.brackets
            .get(&node)
            .map(|list| {
                list.iter()
                    .map(|b| format!("{} (open since {}): {}", b.id, b.origin.round, b.label()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Takes the state of the text: every node of `document` with a status other than open, a
    /// note, or a standing reservation gets its marks.
    pub fn state_of(mut self, state: &TextState, document: &Document) -> Self {
        let reservations = state.standing_reservations(document);
        for (node, status) in state.statuses(document) {
            let marks: Vec<String> = reservations
                .get(&node)
                .map(|list| list.iter().map(|r| r.mark()).collect())
                .unwrap_or_default();
            let note = status
                .change
                .as_ref()
                .filter(|_| !status.inherited)
                .map(|c| c.note.clone())
                .filter(|n| !n.is_empty());
            if status.status != ParagraphStatus::Open || note.is_some() || !marks.is_empty() {
                self.paragraphs.insert(
                    node,
                    ParagraphMarks {
                        status: status.status,
                        note,
                        reservations: marks,
                    },
                );
            }
        }
        self
    }

    pub fn round_date(mut self, round: impl Into<String>, unix_millis: i64) -> Self {
        self.dates.rounds.insert(round.into(), unix_millis);
        self
    }

    pub fn submitted(mut self, delegation: impl Into<String>, unix_millis: i64) -> Self {
        self.dates
            .submissions
            .insert(delegation.into(), unix_millis);
        self
    }

    pub fn change_date(mut self, change: impl Into<String>, unix_millis: i64) -> Self {
        self.dates.changes.insert(change.into(), unix_millis);
        self
    }

    pub fn fallback_date(mut self, unix_millis: i64) -> Self {
        self.dates.fallback = Some(unix_millis);
        self
    }

    pub fn generated_at(mut self, unix_millis: i64) -> Self {
        self.generated_at = Some(unix_millis);
        self
    }

    /// The audit head of the version being rendered.
    pub fn audit(mut self, seal: AuditSeal) -> Self {
        self.audit = Some(seal);
        self
    }

    /// The document's symbol (`8056/24`), for the footer of Word files.
    pub fn symbol(mut self, symbol: impl Into<String>) -> Self {
        let symbol = symbol.into();
        self.symbol = (!symbol.trim().is_empty()).then_some(symbol);
        self
    }

    /// The date the rendered text is of (Unix milliseconds), for the footer of Word files.
    pub fn dated(mut self, unix_millis: i64) -> Self {
        self.dated = Some(unix_millis);
        self
    }

    /// Records a delegation's justification of a change accepted in `round` on `node`.
    pub fn justification(
        mut self,
        round: impl Into<String>,
        node: NodeId,
        delegation: impl Into<String>,
        text: impl Into<String>,
    ) -> Self {
        let justification = Justification {
            delegation: delegation.into(),
            text: text.into(),
        };
        let list = self.justifications.entry((round.into(), node)).or_default();
        if !list.contains(&justification) {
            list.push(justification);
        }
        self
    }

    /// The author of a change proposed jointly by `codes`, as Word's filter by reviewer needs
    /// one name: the first proposer — the delegation whose submission arrived first (when the
    /// submission times are known), else the first in the order given. Every supporter is
    /// named in the change's comment (see `docs/word.md`).
    pub fn first_proposer<'a, S: AsRef<str>>(&'a self, codes: &'a [S]) -> Option<&'a str> {
        codes
            .iter()
            .enumerate()
            .min_by_key(|(index, code)| {
                (
                    self.dates
                        .submissions
                        .get(code.as_ref())
                        .copied()
                        .unwrap_or(i64::MAX),
                    *index,
                )
            })
            .map(|(_, code)| code.as_ref())
    }

    /// The display name of the first proposer of `codes` (see [`Context::first_proposer`]).
    pub fn author<S: AsRef<str>>(&self, codes: &[S]) -> String {
        self.first_proposer(codes)
            .map(|code| self.name(code).to_string())
            .unwrap_or_else(|| "Not attributed".to_string())
    }

    /// One author for a span with these origins: the first proposer of the first origin that
    /// names one (the chair for its own wording); [`Context::origin_authors`] names them all.
    pub fn origin_author(&self, origins: &[Origin]) -> String {
        match significant(origins).next() {
            Some(Origin::Accepted { delegations, .. }) if !delegations.is_empty() => {
                self.author(delegations)
            }
            Some(Origin::Chair { .. }) => self.chair.clone(),
            Some(Origin::Base { version }) => format!("Version {version}"),
            _ => "Not attributed".to_string(),
        }
    }

    pub fn language(mut self, tag: impl Into<String>) -> Self {
        self.language = tag.into();
        self
    }

    /// Records the verbatim numbers of a document's nodes (see [`Context::numbers`]).
    pub fn numbers_of(mut self, document: &Document) -> Self {
        for visit in document.walk() {
            if let Some(num) = &visit.node.num {
                self.numbers.insert(visit.node.id, num.clone());
            }
        }
        self
    }

    /// The title to show: the context's, else the document's.
    pub fn title_or<'a>(&'a self, document_title: &'a str) -> &'a str {
        self.title.as_deref().unwrap_or(document_title)
    }

    /// A delegation's display name, or its code when the name is unknown.
    pub fn name<'a>(&'a self, code: &'a str) -> &'a str {
        self.delegations
            .get(code)
            .map(String::as_str)
            .unwrap_or(code)
    }

    /// Display names joined as Word shows several authors: `Hungary, Türkiye`.
    pub fn names<S: AsRef<str>>(&self, codes: &[S]) -> String {
        let mut seen: Vec<&str> = Vec::with_capacity(codes.len());
        for code in codes {
            let name = self.name(code.as_ref());
            if !seen.contains(&name) {
                seen.push(name);
            }
        }
        seen.join(", ")
    }

    /// Who an inserted or deleted span is attributed to, as one author string.
    pub fn origin_authors(&self, origins: &[Origin]) -> String {
        let mut parts: Vec<String> = Vec::new();
        for origin in significant(origins) {
            let names: Vec<String> = match origin {
                Origin::Accepted { delegations, .. } => delegations
                    .iter()
                    .map(|code| self.name(code).to_string())
                    .collect(),
                Origin::Chair { .. } => vec![self.chair.clone()],
                Origin::Base { version } => vec![format!("Version {version}")],
            };
            for name in names {
                if !parts.contains(&name) {
                    parts.push(name);
                }
            }
        }
        if parts.is_empty() {
            "Not attributed".to_string()
        } else {
            parts.join(", ")
        }
    }

    /// The codes behind a list of origins (`Chair` for the chairmanship), for short labels.
    pub fn origin_codes(&self, origins: &[Origin]) -> Vec<String> {
        let mut codes: Vec<String> = Vec::new();
        for origin in significant(origins) {
            let add: Vec<String> = match origin {
                Origin::Accepted { delegations, .. } => delegations.clone(),
                Origin::Chair { .. } => vec![self.chair.clone()],
                Origin::Base { version } => vec![format!("v{version}")],
            };
            for code in add {
                if !codes.contains(&code) {
                    codes.push(code);
                }
            }
        }
        codes
    }

    /// When a span with these origins was made: the latest consolidation among them.
    pub fn origins_date(&self, origins: &[Origin]) -> Option<i64> {
        origins
            .iter()
            .filter_map(|origin| match origin {
                Origin::Accepted { round, .. } | Origin::Chair { round } => {
                    self.dates.rounds.get(round).copied()
                }
                Origin::Base { .. } => None,
            })
            .max()
            .or(self.dates.fallback)
    }

    /// When an alternative was proposed: the change's own date, else the earliest submission
    /// of its supporters.
    pub fn alternative_date(&self, change: &Change, alternative: &Alternative) -> Option<i64> {
        self.dates
            .changes
            .get(&change.id)
            .copied()
            .or_else(|| {
                alternative
                    .supporters
                    .iter()
                    .filter_map(|s| self.dates.submissions.get(&s.delegation).copied())
                    .min()
            })
            .or(self.dates.fallback)
    }

    /// When any alternative of a change was first proposed.
    pub fn proposed_at(&self, change: &Change) -> Option<i64> {
        change
            .alternatives
            .iter()
            .filter_map(|a| self.alternative_date(change, a))
            .min()
            .or(self.dates.fallback)
    }

    /// When a delegation's comment or item was received.
    pub fn delegation_date(&self, delegation: &str) -> Option<i64> {
        self.dates
            .submissions
            .get(delegation)
            .copied()
            .or(self.dates.fallback)
    }
}

/// The origins worth naming: base text next to accepted or chair's text is only the spacing
/// or punctuation around them, not an author.
fn significant(origins: &[Origin]) -> impl Iterator<Item = &Origin> {
    let attributed = origins.iter().any(|o| !matches!(o, Origin::Base { .. }));
    origins
        .iter()
        .filter(move |o| !attributed || !matches!(o, Origin::Base { .. }))
}

/// Unix milliseconds as `YYYY-MM-DDTHH:MM:SSZ` (UTC), the form `w:date` and FRBR dates take.
pub fn rfc3339(unix_millis: i64) -> String {
    let seconds = unix_millis.div_euclid(1000);
    let days = seconds.div_euclid(86_400);
    let second_of_day = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        second_of_day / 3600,
        second_of_day % 3600 / 60,
        second_of_day % 60
    )
}

/// `YYYY-MM-DD` of a Unix time.
pub(crate) fn date_only(unix_millis: i64) -> String {
    let (year, month, day) = civil_from_days(unix_millis.div_euclid(86_400_000));
    format!("{year:04}-{month:02}-{day:02}")
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar
/// (H. Hinnant's algorithm; exact for every `i64` day count that fits a year in `i64`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days.saturating_add(719_468);
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_715_162_400_000), "2024-05-08T10:00:00Z");
        assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
        assert_eq!(date_only(1_703_980_799_000), "2023-12-30");
        // Extreme values give some date, never a panic.
        let _ = rfc3339(i64::MAX);
        let _ = rfc3339(i64::MIN);
    }

    #[test]
    fn several_supporters_make_one_author() {
        let context = Context::new()
            .delegation("HU", "Hungary")
            .delegation("TR", "Türkiye");
        assert_eq!(context.names(&["HU", "TR", "HU"]), "Hungary, Türkiye");
        assert_eq!(context.names(&["XX"]), "XX");
        let origins = [
            Origin::Accepted {
                round: "R1".into(),
                delegations: vec!["HU".into(), "TR".into()],
            },
            Origin::Chair { round: "R1".into() },
        ];
        assert_eq!(context.origin_authors(&origins), "Hungary, Türkiye, Chair");
        assert_eq!(context.origin_authors(&[]), "Not attributed");
        assert_eq!(context.origin_author(&origins), "Hungary");
        assert_eq!(context.origin_author(&[]), "Not attributed");
    }

    #[test]
    fn a_joint_proposal_is_authored_by_its_first_proposer() {
        let context = Context::new()
            .delegation("CH", "Switzerland")
            .delegation("NO", "Norway")
            .delegation("UK", "United Kingdom")
            .submitted("UK", 2_000)
            .submitted("NO", 1_000);
        // Norway's submission arrived first.
        assert_eq!(context.author(&["CH", "NO", "UK"]), "Norway");
        // Without submission times, the first named.
        assert_eq!(Context::new().author(&["UK", "CH"]), "UK");
        assert_eq!(context.author::<&str>(&[]), "Not attributed");
        let origins = [Origin::Accepted {
            round: "R1".into(),
            delegations: vec!["CH".into(), "UK".into()],
        }];
        assert_eq!(context.origin_author(&origins), "United Kingdom");
    }
}
