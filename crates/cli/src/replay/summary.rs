//! What each round came to, counted from what the server answered: submissions, items, the
//! compilation's changes, the chairmanship's decisions and the version they produced; printed
//! as one table.

use super::fixtures::{FixtureRuling, WireItem};
use penholder_diff::Compilation;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The counts of one round on one document.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoundSummary {
    /// `1-zero-draft`.
    pub folder: String,
    pub document: String,
    /// Delegations with a submission (final revisions).
    pub submissions: usize,
    /// Submission files sent, revisions included.
    pub files: usize,
    pub late_refused: usize,
    /// Items of the final revisions, by kind.
    pub items: BTreeMap<&'static str, usize>,
    pub changes: usize,
    /// Changes with an alternative that several delegations proposed word for word.
    pub coalesced: usize,
    pub uncontested: usize,
    pub contested: usize,
    /// The chairmanship's rulings, one per change decided (the last when it changed its mind).
    pub decisions: BTreeMap<FixtureRuling, usize>,
    /// Changes that altered the text / left it as it was.
    pub applied: usize,
    pub kept: usize,
    /// The version the round produced (`Rev. 1`, number 2).
    pub result_label: String,
    pub result_version: u32,
}

/// An item's kind as the API names it.
pub fn item_kind(item: &WireItem) -> &'static str {
    match item {
        WireItem::Amend { .. } => "amend",
        WireItem::Insert { .. } => "insert",
        WireItem::Delete { .. } => "delete",
        WireItem::Comment { .. } => "comment",
        WireItem::Support { .. } => "support",
        WireItem::AmendAlternative { .. } => "amend_alternative",
        WireItem::WithdrawAlternative { .. } => "withdraw_alternative",
    }
}

impl RoundSummary {
    /// Counts the compilation's changes.
    pub fn count_changes(&mut self, compilation: &Compilation) {
        self.changes = compilation.changes_count();
        self.contested = compilation.contested_count();
        self.uncontested = compilation.uncontested_count();
        self.coalesced = compilation
            .changes()
            .filter(|change| {
                change
                    .alternatives
                    .iter()
                    .any(|alternative| alternative.delegations().len() > 1)
            })
            .count();
    }

    pub fn items_total(&self) -> usize {
        self.items.values().sum()
    }

    pub fn decided(&self, ruling: FixtureRuling) -> usize {
        self.decisions.get(&ruling).copied().unwrap_or(0)
    }

    /// One paragraph for the progress log.
    pub fn describe(&self) -> String {
        let items = self
            .items
            .iter()
            .map(|(kind, n)| format!("{n} {kind}"))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "{} submissions ({} files, {} late attempt(s) refused); {} items ({items}); \
             {} changes: {} coalesced, {} uncontested, {} contested; decisions: {} accepted, \
             {} rejected, {} reworded, {} deferred; {} changes applied, {} kept",
            self.submissions,
            self.files,
            self.late_refused,
            self.items_total(),
            self.changes,
            self.coalesced,
            self.uncontested,
            self.contested,
            self.decided(FixtureRuling::Accept),
            self.decided(FixtureRuling::Reject),
            self.decided(FixtureRuling::Reword),
            self.decided(FixtureRuling::Defer),
            self.applied,
            self.kept,
        )
    }
}

/// The summary table of every round, one line each.
pub fn table(rounds: &[RoundSummary]) -> String {
    const HEADERS: [&str; 16] = [
        "round",
        "document",
        "subm.",
        "files",
        "late",
        "items",
        "changes",
        "coalesced",
        "uncontested",
        "contested",
        "accepted",
        "rejected",
        "reworded",
        "deferred",
        "applied",
        "result",
    ];
    let rows: Vec<[String; 16]> = rounds
        .iter()
        .map(|r| {
            [
                r.folder.clone(),
                r.document.clone(),
                r.submissions.to_string(),
                r.files.to_string(),
                r.late_refused.to_string(),
                r.items_total().to_string(),
                r.changes.to_string(),
                r.coalesced.to_string(),
                r.uncontested.to_string(),
                r.contested.to_string(),
                r.decided(FixtureRuling::Accept).to_string(),
                r.decided(FixtureRuling::Reject).to_string(),
                r.decided(FixtureRuling::Reword).to_string(),
                r.decided(FixtureRuling::Defer).to_string(),
                r.applied.to_string(),
                format!("{} (v{})", r.result_label, r.result_version),
            ]
        })
        .collect();
    let mut widths = HEADERS.map(|h| h.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[String]| {
        let mut text = String::new();
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            // Names left-aligned, numbers right-aligned.
            if i < 2 || i == 15 {
                let _ = write!(text, "{cell:<width$}  ");
            } else {
                let _ = write!(text, "{cell:>width$}  ");
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(&HEADERS.map(str::to_owned));
    line(&widths.map(|w| "-".repeat(w)));
    for row in &rows {
        line(row);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_lines_up() {
        let mut round = RoundSummary {
            folder: "1-zero-draft".into(),
            document: "declaration".into(),
            submissions: 26,
            files: 27,
            late_refused: 1,
            changes: 26,
            coalesced: 9,
            uncontested: 21,
            contested: 5,
            applied: 20,
            kept: 6,
            result_label: "Rev. 1".into(),
            result_version: 2,
            ..RoundSummary::default()
        };
        round.items.insert("amend", 37);
        round.items.insert("comment", 22);
        round.decisions.insert(FixtureRuling::Reword, 3);
        let table = table(&[round.clone()]);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(
            lines[0].starts_with("round         document     subm."),
            "{table}"
        );
        assert!(lines[2].ends_with("Rev. 1 (v2)"), "{table}");
        assert!(lines[2].contains("  59  "), "{table}");
        assert!(round.describe().contains("3 reworded"));
    }
}
