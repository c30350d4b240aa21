//! The compilation as plain text, in the style of UN compilation texts.
//!
//! One block per node that has feedback, or every node with [`TextOptions::all_nodes`]:
//! - the node's reference, then its text with every change at its place: a contested change as
//!   `[shall → should (AT, HU) / must (FR)]`, its alternatives separated by ` / `, each followed
//!   by the codes of the delegations that proposed it, in the marshalled order (see the
//!   `family` module), variants of one family joined by ` ≈ `
//!   (`[thirty → 30 (HU) ≈ Thirty (AT) / fifty (DE)]`); an uncontested change in braces
//!   (already in the merged text); the base words a change replaces come first, with an arrow
//!   (`{shall → should (HU)}`), an insertion of words is marked `+` (`{+ fully (AT)}`), a
//!   deletion of words reads `{very → <delete> (HU)}`; characters that can hide text (bidi
//!   controls, zero-width characters) are shown as `⟨U+202E⟩`;
//! - a node-level change on its own line: `OP2 [<delete paragraph> (UK) / "…" (HU)]`;
//! - new nodes proposed after (before) the node on lines of their own, numbered the UN way:
//!   `OP2 bis`, `OP2 ter`… (`OP1 pre` for a node before the first one);
//! - comments as `  - FR: text`, and flags as `  ! HU item 3: hidden characters U+202E`.

use crate::model::*;
use penholder_core::latin_ordinal;
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
        let _ = writeln!(
            out,
            "  - {}: {}",
            comment.delegation,
            visible(&comment.text)
        );
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
            let _ = writeln!(
                out,
                "{indent}  - {}: {}",
                comment.delegation,
                visible(&comment.text)
            );
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
        out.push_str(&visible(kept));
        out.push_str(&bracket(change, false));
        at = end_byte;
    }
    out.push_str(&visible(base.get(at..).unwrap_or_default()));
    out
}

/// `[base → a (X) / b (Y)]` for a contested change, `{base → a (X)}` for an uncontested one,
/// `[+ a (X) / b (Y)]` for insertions of words; spacing shared by every text stays outside.
fn bracket(change: &Change, quote: bool) -> String {
    let words = matches!(change.scope, Scope::Words { .. });
    let texts: Vec<&str> = change
        .alternatives
        .iter()
        .filter_map(|a| a.text.as_deref())
        .chain(words.then_some(change.base_text.as_str()))
        .filter(|t| !t.trim().is_empty())
        .collect();
    let lead = if words && texts.iter().all(|t| t.starts_with(char::is_whitespace)) {
        texts
            .first()
            .map(|t| &t[..t.len() - t.trim_start().len()])
            .unwrap_or_default()
    } else {
        ""
    };
    let trail = if words && texts.iter().all(|t| t.ends_with(char::is_whitespace)) {
        texts
            .first()
            .map(|t| &t[t.trim_end().len()..])
            .unwrap_or_default()
    } else {
        ""
    };
    let trim = |text: &str| -> String {
        let text = text.strip_prefix(lead).unwrap_or(text);
        visible(text.strip_suffix(trail).unwrap_or(text))
    };
    let alternatives: Vec<String> = change
        .choices()
        .into_iter()
        .map(|family| {
            let variants: Vec<String> = family
                .into_iter()
                .map(|alternative| {
                    let text = match &alternative.text {
                        None => "<delete paragraph>".to_string(),
                        Some(text) if words && text.trim().is_empty() => "<delete>".to_string(),
                        Some(text) if quote => format!("\"{}\"", visible(text)),
                        Some(text) => trim(text),
                    };
                    format!("{text} ({})", alternative.delegations().join(", "))
                })
                .collect();
            variants.join(" ≈ ")
        })
        .collect();
    let (open, close) = if change.contested {
        ('[', ']')
    } else {
        ('{', '}')
    };
    let base = if !words {
        String::new()
    } else if change.base_text.trim().is_empty() {
        "+ ".to_string()
    } else {
        format!("{} → ", trim(&change.base_text))
    };
    format!(
        "{lead}{open}{base}{}{close}{trail}",
        alternatives.join(" / ")
    )
}

/// The text with characters that hide or reorder text shown as `⟨U+202E⟩`.
fn visible(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if crate::compile::is_hidden(c) {
            out.push_str(&format!("⟨U+{:04X}⟩", c as u32));
        } else {
            out.push(c);
        }
    }
    out
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
