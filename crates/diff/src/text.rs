//! The compilation as plain text, in the style of UN compilation texts.
//!
//! One block per node that has feedback, or every node with [`TextOptions::all_nodes`]:
//! - the node's reference, then its text with every change at its place: a contested change as
//!   `[should (AT, HU) / must (FR)]`, its alternatives separated by ` / `, each followed by the
//!   codes of the delegations that proposed it; an uncontested change as `{should (AT, HU)}`
//!   (already in the merged text); a proposal to delete words as `<delete "very">`;
//! - a node-level change on its own line: `OP2 [<delete paragraph> (UK) / "…" (HU)]`;
//! - new nodes proposed after (before) the node on lines of their own, numbered the UN way:
//!   `OP2 bis`, `OP2 ter`… (`OP1 pre` for a node before the first one);
//! - comments as `  - FR: text`, and flags as `  ! HU item 3: hidden characters U+202E`.

use crate::model::*;
use std::fmt::Write;

/// What the text view shows.
#[derive(Clone, Copy, Debug, Default)]
pub struct TextOptions {
    /// Also list nodes nobody commented on or amended.
    pub all_nodes: bool,
}

/// The compilation text of a round (see the module docs for the notation).
pub fn compilation_text(compilation: &Compilation, options: TextOptions) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} — compilation of feedback on version {}: {} changes, {} contested",
        compilation.document_title,
        compilation.base_version,
        compilation.changes_count(),
        compilation.contested_count()
    );
    for comment in &compilation.general_comments {
        let _ = writeln!(out, "  - {}: {}", comment.delegation, comment.text);
    }
    for flag in &compilation.general_flags {
        write_flag(&mut out, flag);
    }
    for node in &compilation.nodes {
        let has_feedback =
            !node.changes.is_empty() || !node.comments.is_empty() || !node.flags.is_empty();
        if !has_feedback && !options.all_nodes {
            continue;
        }
        out.push('\n');
        let indent = "  ".repeat(node.depth);
        let mut before = 0;
        for change in &node.changes {
            if let Scope::InsertBefore { .. } = change.scope {
                before += 1;
                let _ = writeln!(
                    out,
                    "{indent}{} pre{} {}",
                    node.reference,
                    if before > 1 {
                        format!(" {before}")
                    } else {
                        String::new()
                    },
                    bracket(change, true)
                );
            }
        }
        let _ = writeln!(
            out,
            "{indent}{} {}",
            node.reference,
            inline_text(&node.base_text, &node.changes)
        );
        for change in &node.changes {
            if change.scope == Scope::Node {
                let _ = writeln!(out, "{indent}{} {}", node.reference, bracket(change, true));
            }
        }
        let mut after = 0;
        for change in &node.changes {
            if let Scope::InsertAfter { .. } = change.scope {
                after += 1;
                let _ = writeln!(
                    out,
                    "{indent}{} {} {}",
                    node.reference,
                    latin_ordinal(after + 1),
                    bracket(change, true)
                );
            }
        }
        for comment in &node.comments {
            let _ = writeln!(out, "{indent}  - {}: {}", comment.delegation, comment.text);
        }
        for flag in &node.flags {
            out.push_str(&indent);
            write_flag(&mut out, flag);
        }
    }
    out
}

fn write_flag(out: &mut String, flag: &Flag) {
    let _ = writeln!(
        out,
        "  ! {} item {}: hidden characters {}",
        flag.delegation,
        flag.item,
        flag.characters.join(" ")
    );
}

/// The base text with its word-level changes marked at their places.
fn inline_text(base: &str, changes: &[Change]) -> String {
    let mut out = String::with_capacity(base.len() + 32);
    let mut at = 0;
    for change in changes {
        let Scope::Words {
            start_byte,
            end_byte,
            ..
        } = change.scope
        else {
            continue;
        };
        let (Some(kept), true) = (base.get(at..start_byte), end_byte >= start_byte) else {
            continue;
        };
        out.push_str(kept);
        out.push_str(&bracket(change, false));
        at = end_byte;
    }
    out.push_str(base.get(at..).unwrap_or_default());
    out
}

/// `[a (X) / b (Y)]` for a contested change, `{a (X)}` for an uncontested one.
fn bracket(change: &Change, quote: bool) -> String {
    let alternatives: Vec<String> = change
        .alternatives
        .iter()
        .map(|alternative| {
            let text = match (&alternative.text, &change.scope) {
                (None, _) => "<delete paragraph>".to_string(),
                (Some(text), Scope::Words { .. }) if text.trim().is_empty() => {
                    format!("<delete {:?}>", change.base_text.trim())
                }
                (Some(text), _) if quote => format!("{text:?}"),
                (Some(text), _) => text.clone(),
            };
            format!("{text} ({})", alternative.delegations().join(", "))
        })
        .collect();
    let (open, close) = if change.contested {
        ('[', ']')
    } else {
        ('{', '}')
    };
    format!("{open}{}{close}", alternatives.join(" / "))
}

/// `bis`, `ter`, `quater`… for the 2nd, 3rd, 4th… node at one place.
fn latin_ordinal(n: usize) -> String {
    const NAMES: [&str; 9] = [
        "bis",
        "ter",
        "quater",
        "quinquies",
        "sexies",
        "septies",
        "octies",
        "novies",
        "decies",
    ];
    n.checked_sub(2)
        .and_then(|i| NAMES.get(i))
        .map(|s| s.to_string())
        .unwrap_or_else(|| format!("new {n}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinals() {
        assert_eq!(latin_ordinal(2), "bis");
        assert_eq!(latin_ordinal(4), "quater");
        assert_eq!(latin_ordinal(12), "new 12");
    }
}
