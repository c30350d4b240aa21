//! Markdown with CriticMarkup: insertions `{++ ++}`, deletions `{-- --}`, substitutions
//! `{~~ old ~> new ~~}`, highlights `{== ==}` and comments `{>> <<}` naming the delegations
//! behind each change. Text from documents and delegations is escaped so that it can neither
//! open Markdown structure nor close a CriticMarkup span.
//!
//! A version's clean text says each node's reference (`**OP1.a**`), its number and its text,
//! parts nested by heading level, so that `penholder_import::import_markdown` reads it back to
//! the same kinds, numbers, texts and nesting (`docs/markdown-format.md`).

use crate::context::{Context, date_only};
use crate::layout::{
    Entry, Label, Piece, entries, label, pieces, redline_label, renumbering, shows_renumbering,
    written_renumbering,
};
use crate::text::{local_marks, markdown_emphasis_into, markdown_escape_into};
use penholder_core::{Document, NodeId, NodeKind, References, Version};
use penholder_diff::{
    BlameView, Change, Comment, Compilation, Flag, NodeCompilation, NodeRedline, NodeStatus,
    Origin, Redline, Scope, SegmentKind,
};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// A version's clean text.
pub fn version(version: &Version, context: &Context) -> String {
    let subtitle = format!("Version {} \u{2014} {}", version.number, version.label);
    document_text(&version.document, context, &subtitle)
}

/// A document's clean text.
pub fn document(document: &Document, context: &Context) -> String {
    document_text(document, context, "")
}

fn document_text(document: &Document, context: &Context, subtitle: &str) -> String {
    let references = References::of(document);
    let mut out = header(context, &document.title, subtitle, &BTreeSet::new());
    // How many parts enclose each part: a part inside a part gets a deeper heading, so that
    // the text reads back with its nesting (`penholder_import::import_markdown`).
    let mut ancestors_are_parts: Vec<bool> = Vec::new();
    for visit in document.walk() {
        let node = visit.node;
        ancestors_are_parts.truncate(visit.depth);
        let parts_above = ancestors_are_parts.iter().filter(|part| **part).count();
        ancestors_are_parts.push(node.kind == NodeKind::Part);
        let reference = references
            .reference(node.id)
            .map(|r| r.0.clone())
            .unwrap_or_default();
        if node.kind == NodeKind::Part {
            // `open_node` writes `## `; at most `######`.
            out.push_str(&"#".repeat(parts_above.min(4)));
        }
        open_node(&mut out, context, node.id, node.kind, &reference);
        // The text is escaped as if it began a line, and an opening parenthesis too, so that
        // text that starts like a number (`1. `, `(a) `) is not read back as the node's number.
        let text_start = out.len();
        // A node with open brackets shows them in its text (by position), without emphasis.
        if context.brackets.contains_key(&node.id) {
            markdown_escape_into(&mut out, &context.shown_text(node), true);
        } else {
            markdown_emphasis_into(&mut out, &node.text, &node.marks, 0..node.text.len(), true);
        }
        if out[text_start..].starts_with('(') {
            out.insert(text_start, '\\');
        }
        out.push_str("\n\n");
    }
    if let Some(seal) = &context.audit {
        out.push_str("---\n\n");
        escaped(&mut out, &seal.line());
        out.push('\n');
    }
    out
}

/// A round's compilation in CriticMarkup.
pub fn compilation(compilation: &Compilation, context: &Context) -> String {
    let mut mentioned = BTreeSet::new();
    for change in compilation.changes() {
        mentioned.extend(change.delegations());
    }
    for node in &compilation.nodes {
        mentioned.extend(node.comments.iter().map(|c| c.delegation.clone()));
    }
    mentioned.extend(
        compilation
            .general_comments
            .iter()
            .map(|c| c.delegation.clone()),
    );
    let subtitle = format!(
        "Compilation of feedback on version {}: {} changes, {} contested",
        compilation.base_version,
        compilation.changes_count(),
        compilation.contested_count()
    );
    let mut out = header(context, &compilation.document_title, &subtitle, &mentioned);
    if !compilation.general_comments.is_empty() || !compilation.general_flags.is_empty() {
        out.push_str("## On the text as a whole\n\n");
        comments(&mut out, &compilation.general_comments, context);
        flags(&mut out, &compilation.general_flags, context);
    }
    for entry in entries(compilation) {
        match entry {
            Entry::Node { node, footnotes } => {
                compiled_node(&mut out, node, context);
                for footnote in footnotes {
                    compiled_node(&mut out, footnote, context);
                }
            }
            Entry::New {
                change, reference, ..
            } => {
                let _ = write!(out, "**{}** ", reference_text(&reference));
                if change.contested {
                    out.push_str("*new paragraph proposed*\n\n");
                    alternatives(
                        &mut out,
                        change,
                        "Alternatives for a new paragraph here",
                        context,
                    );
                } else {
                    for alternative in &change.alternatives {
                        out.push_str("{++");
                        escaped(&mut out, alternative.text.as_deref().unwrap_or(""));
                        out.push_str("++}");
                        critic_comment(&mut out, &who(change, &alternative.delegations(), context));
                        justifications_inline(&mut out, change, context);
                    }
                    out.push_str("\n\n");
                }
            }
        }
    }
    if !compilation.unplaced.is_empty() {
        out.push_str("## Items that could not be placed\n\n");
        for unplaced in &compilation.unplaced {
            out.push_str("- ");
            escaped(&mut out, context.name(&unplaced.delegation));
            let _ = write!(out, ", item {}: ", unplaced.item + 1);
            escaped(&mut out, &unplaced.reason);
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

fn compiled_node(out: &mut String, node: &NodeCompilation, context: &Context) {
    open_node(out, context, node.node, node.kind, &node.reference);
    let mut contested = Vec::new();
    for piece in pieces(node) {
        match piece {
            Piece::Text(text, _) => escaped(out, text),
            Piece::Change(change) if change.contested => {
                out.push_str("{==");
                if change.base_text.is_empty() {
                    out.push('\u{2038}');
                } else {
                    escaped(out, &change.base_text);
                }
                out.push_str("==}");
                let labels: Vec<&str> = change.alternatives.iter().map(|a| a.id.as_str()).collect();
                critic_comment(
                    out,
                    &format!(
                        "contested: alternatives {} below (change {})",
                        labels.join(", "),
                        change.id
                    ),
                );
                contested.push(change);
            }
            Piece::Change(change) => {
                let Some(alternative) = change.alternatives.first() else {
                    continue;
                };
                let text = alternative.text.as_deref().unwrap_or("");
                match (change.base_text.is_empty(), text.is_empty()) {
                    (true, _) => {
                        out.push_str("{++");
                        escaped(out, text);
                        out.push_str("++}");
                    }
                    (false, true) => {
                        out.push_str("{--");
                        escaped(out, &change.base_text);
                        out.push_str("--}");
                    }
                    (false, false) => {
                        out.push_str("{~~");
                        escaped(out, &change.base_text);
                        out.push_str("~>");
                        escaped(out, text);
                        out.push_str("~~}");
                    }
                }
                critic_comment(out, &who(change, &alternative.delegations(), context));
                justifications_inline(out, change, context);
            }
        }
    }
    out.push_str("\n\n");
    for change in &node.changes {
        if change.scope != Scope::Node {
            continue;
        }
        if change.contested {
            alternatives(out, change, "On the whole paragraph", context);
        } else if let Some(alternative) = change.alternatives.first() {
            out.push_str("> Proposed: ");
            match &alternative.text {
                None => out.push_str("{--delete this paragraph--}"),
                Some(text) => {
                    out.push_str("new text {++");
                    escaped(out, text);
                    out.push_str("++}");
                }
            }
            critic_comment(out, &who(change, &alternative.delegations(), context));
            justifications_inline(out, change, context);
            out.push_str("\n\n");
        }
    }
    for change in contested {
        let caption = if change.base_text.is_empty() {
            "Insertion here".to_string()
        } else {
            format!("Instead of \u{201C}{}\u{201D}", change.base_text.trim())
        };
        alternatives(out, change, &caption, context);
    }
    for (change, alternative, label) in context.support_labels_of(&node.changes) {
        critic_comment(
            out,
            &format!("change {change} {alternative}: supported by {label}"),
        );
        out.push_str("\n\n");
    }
    comments(out, &node.comments, context);
    flags(out, &node.flags, context);
}

/// `> caption` then one line per alternative, with its supporters.
fn alternatives(out: &mut String, change: &Change, caption: &str, context: &Context) {
    out.push_str("> ");
    escaped(out, caption);
    let _ = writeln!(out, " (change {}):", change.id);
    // In the marshalled order, variants of one family together (penholder_diff::family).
    for alternative in change.choices().into_iter().flatten() {
        let _ = write!(out, "> - **{}** ", alternative.id);
        if let Some(family) = change.family_of(&alternative.id)
            && family.variants.len() > 1
        {
            let _ = write!(out, "_(one wording: {})_ ", family.variants.join(" ≈ "));
        }
        match alternative.text.as_deref() {
            None => out.push_str("{--delete the paragraph--}"),
            Some(text) if text.trim().is_empty() => out.push_str("{--delete these words--}"),
            Some(text) => {
                out.push_str("{++");
                escaped(out, text);
                out.push_str("++}");
            }
        }
        let mut comment = context.names(&alternative.delegations());
        for support in &alternative.supporters {
            if let Some(justification) = &support.justification {
                let _ = write!(
                    comment,
                    "; {}: {}",
                    context.name(&support.delegation),
                    justification
                );
            }
        }
        critic_comment(out, &comment);
        out.push('\n');
    }
    out.push('\n');
}

fn justifications_inline(out: &mut String, change: &Change, context: &Context) {
    for alternative in &change.alternatives {
        for support in &alternative.supporters {
            if let Some(justification) = &support.justification {
                critic_comment(
                    out,
                    &format!(
                        "justification, {}: {}",
                        context.name(&support.delegation),
                        justification
                    ),
                );
            }
        }
    }
}

fn who(change: &Change, delegations: &[String], context: &Context) -> String {
    let mut text = format!(
        "{} ({})",
        context.names(delegations),
        delegations.join(", ")
    );
    if let Some(date) = context.proposed_at(change) {
        let _ = write!(text, ", {}", date_only(date));
    }
    text
}

fn comments(out: &mut String, comments: &[Comment], context: &Context) {
    for comment in comments {
        critic_comment(
            out,
            &format!(
                "{} ({}): {}",
                context.name(&comment.delegation),
                comment.delegation,
                comment.text
            ),
        );
        out.push_str("\n\n");
    }
}

fn flags(out: &mut String, flags: &[Flag], context: &Context) {
    for flag in flags {
        out.push_str("> **Warning:** hidden characters in the proposal of ");
        escaped(out, context.name(&flag.delegation));
        let _ = write!(out, " (item {}): ", flag.item + 1);
        escaped(out, &flag.characters.join(" "));
        out.push_str("\n\n");
    }
}

/// The differences between two versions in CriticMarkup, each change attributed; every node
/// with its number as the version shows it (a changed written number as a substitution), a
/// renumbering and a move each in a comment of its own.
pub fn redline(redline: &Redline, context: &Context) -> String {
    let mut mentioned = BTreeSet::new();
    for node in &redline.nodes {
        for segment in &node.segments {
            mentioned.extend(context.origin_codes(&segment.attribution));
        }
    }
    let mut out = header(context, &redline.document_title, "Redline", &mentioned);
    for node in &redline.nodes {
        let reference = node
            .reference_to
            .as_deref()
            .or(node.reference_from.as_deref())
            .unwrap_or("");
        if node.status == NodeStatus::Deleted {
            // Its reference and derived number are the source's: another node may carry them
            // now. A number it writes goes with it.
            let _ = write!(out, "**was {}** ", reference_text(reference));
            if let Some(num) = &node.num_from {
                out.push_str("{--");
                escaped(&mut out, num);
                out.push_str("--} ");
            }
        } else {
            let number = match written_renumbering(node) {
                Some((from, to)) => Number::Renumbered { from, to },
                None => Number::Shown(redline_label(node)),
            };
            open_numbered(&mut out, node.kind, reference, &number);
        }
        segments(&mut out, node, context);
        match node.status {
            NodeStatus::Inserted => critic_comment(&mut out, "new paragraph"),
            NodeStatus::Deleted => critic_comment(&mut out, "paragraph deleted"),
            NodeStatus::Moved => critic_comment(
                &mut out,
                &format!(
                    "moved from {}",
                    node.reference_from.as_deref().unwrap_or("elsewhere")
                ),
            ),
            NodeStatus::Changed | NodeStatus::Unchanged => {}
        }
        if shows_renumbering(node)
            && let Some(renumbering) = renumbering(node)
        {
            critic_comment(&mut out, &format!("renumbered {renumbering}"));
        }
        // The target version's state of the paragraph: its status, reservations, brackets.
        if node.status != NodeStatus::Deleted {
            if let Some(marks) = context.paragraphs.get(&node.node) {
                let mut line = format!("status: {}", marks.status.label());
                if let Some(note) = &marks.note {
                    line.push_str(&format!(" ({note})"));
                }
                if !marks.reservations.is_empty() {
                    line.push_str(&format!(
                        "; reservations: {}",
                        marks.reservations.join(", ")
                    ));
                }
                critic_comment(&mut out, &line);
            }
            for line in context.bracket_lines(node.node) {
                critic_comment(&mut out, &format!("open bracket {line}"));
            }
        }
        out.push_str("\n\n");
    }
    out
}

/// Segments in order; a deletion directly followed by an insertion with the same attribution
/// is one substitution. Kept and inserted words show the target's emphasis, deleted ones the
/// source's, as `**bold**` and `*italic*`.
fn segments(out: &mut String, node: &NodeRedline, context: &Context) {
    let segments = &node.segments;
    // Where each segment starts in the source text (Equal + Delete) and the target (Equal +
    // Insert), for its marks.
    let mut starts = Vec::with_capacity(segments.len());
    let (mut source_at, mut target_at) = (0, 0);
    for segment in segments {
        starts.push((source_at, target_at));
        let length = segment.text.len();
        match segment.kind {
            SegmentKind::Equal => {
                source_at += length;
                target_at += length;
            }
            SegmentKind::Delete => source_at += length,
            SegmentKind::Insert => target_at += length,
        }
    }
    let write = |out: &mut String, at: usize| {
        let segment = &segments[at];
        let (source_at, target_at) = starts[at];
        let length = segment.text.len();
        let marks = match segment.kind {
            SegmentKind::Delete => local_marks(&node.marks_from, source_at..source_at + length),
            _ => local_marks(&node.marks_to, target_at..target_at + length),
        };
        markdown_emphasis_into(out, &segment.text, &marks, 0..length, false);
    };
    let mut index = 0;
    while index < segments.len() {
        let segment = &segments[index];
        index += 1;
        if segment.text.is_empty() {
            continue;
        }
        match segment.kind {
            SegmentKind::Equal => write(out, index - 1),
            SegmentKind::Delete => {
                let substituted = segments.get(index).is_some_and(|n| {
                    n.kind == SegmentKind::Insert
                        && n.attribution == segment.attribution
                        && !n.text.is_empty()
                });
                if substituted {
                    index += 1;
                    out.push_str("{~~");
                    write(out, index - 2);
                    out.push_str("~>");
                    write(out, index - 1);
                    out.push_str("~~}");
                } else {
                    out.push_str("{--");
                    write(out, index - 1);
                    out.push_str("--}");
                }
                critic_comment(out, &origins_text(&segment.attribution, context));
            }
            SegmentKind::Insert => {
                out.push_str("{++");
                write(out, index - 1);
                out.push_str("++}");
                critic_comment(out, &origins_text(&segment.attribution, context));
            }
        }
    }
}

fn origins_text(origins: &[Origin], context: &Context) -> String {
    let mut text = context.origin_authors(origins);
    let rounds: Vec<&str> = origins
        .iter()
        .filter_map(|o| match o {
            Origin::Accepted { round, .. } | Origin::Chair { round } => Some(round.as_str()),
            Origin::Base { .. } => None,
        })
        .collect();
    if !rounds.is_empty() {
        let _ = write!(text, ", {}", rounds.join(", "));
    }
    if let Some(date) = context.origins_date(origins) {
        let _ = write!(text, ", {}", date_only(date));
    }
    text
}

/// One version with its provenance: text from accepted proposals and the chair highlighted.
pub fn blame(view: &BlameView, context: &Context) -> String {
    let mut mentioned = BTreeSet::new();
    for node in &view.nodes {
        for span in &node.spans {
            mentioned.extend(context.origin_codes(std::slice::from_ref(&span.origin)));
        }
    }
    mentioned.retain(|code| !code.starts_with('v'));
    let mut out = header(
        context,
        &view.document_title,
        "Provenance of the text",
        &mentioned,
    );
    for node in &view.nodes {
        open_node(&mut out, context, node.node, node.kind, &node.reference);
        for span in &node.spans {
            match &span.origin {
                Origin::Base { .. } => escaped(&mut out, &span.text),
                origin => {
                    out.push_str("{==");
                    escaped(&mut out, &span.text);
                    out.push_str("==}");
                    critic_comment(
                        &mut out,
                        &origins_text(std::slice::from_ref(origin), context),
                    );
                }
            }
        }
        out.push_str("\n\n");
    }
    out
}

/// The numbering concordance as a Markdown table: one column per version, one row per node.
pub fn concordance(concordance: &crate::concordance::Concordance, context: &Context) -> String {
    let mut out = header(
        context,
        &concordance.document_title,
        "Numbering concordance",
        &BTreeSet::new(),
    );
    let headings = concordance.headings();
    let cell = |out: &mut String, text: &str| {
        out.push_str("| ");
        escaped(out, &text.replace('|', "/"));
        out.push(' ');
    };
    for heading in &headings {
        cell(&mut out, heading);
    }
    out.push_str("|\n");
    out.push_str(&"|---".repeat(headings.len()));
    out.push_str("|\n");
    for row in crate::concordance::cells(concordance) {
        for reference in row {
            cell(&mut out, reference);
        }
        out.push_str("|\n");
    }
    out
}

fn header(context: &Context, title: &str, subtitle: &str, mentioned: &BTreeSet<String>) -> String {
    let mut out = String::new();
    if let Some(classification) = &context.classification {
        out.push_str("**");
        escaped(&mut out, classification);
        out.push_str("**\n\n");
    }
    out.push_str("# ");
    escaped(&mut out, context.title_or(title));
    out.push_str("\n\n");
    let subtitle = context.subtitle.as_deref().unwrap_or(subtitle);
    if !subtitle.is_empty() {
        out.push('*');
        escaped(&mut out, subtitle);
        out.push_str("*\n\n");
    }
    if !mentioned.is_empty() {
        out.push_str("Delegations:");
        let names: BTreeMap<&str, &str> = mentioned
            .iter()
            .map(|code| (code.as_str(), context.name(code)))
            .collect();
        for (index, (code, name)) in names.into_iter().enumerate() {
            out.push_str(if index == 0 { " " } else { " \u{00B7} " });
            out.push_str("**");
            escaped(&mut out, code);
            out.push_str("**");
            if name != code {
                out.push(' ');
                escaped(&mut out, name);
            }
        }
        out.push_str("\n\n");
    }
    out.push_str("---\n\n");
    out
}

/// The start of a node's paragraph: a heading line for parts and goals, then the reference
/// in bold and the number as the document shows it.
fn open_node(out: &mut String, context: &Context, node: NodeId, kind: NodeKind, reference: &str) {
    let number = Number::Shown(label(&context.numbers, node, kind, reference));
    open_numbered(out, kind, reference, &number);
}

/// The number a node opens with.
enum Number<'a> {
    Shown(Label),
    /// A written number that changed, shown as a substitution (`{~~(3)~>(5)~~}`).
    Renumbered {
        from: Option<&'a str>,
        to: Option<&'a str>,
    },
}

impl Number<'_> {
    /// Writes the number; false when there is none.
    fn write(&self, out: &mut String) -> bool {
        match self {
            Number::Shown(label) => match label.text() {
                Some(text) => escaped(out, &text),
                None => return false,
            },
            Number::Renumbered { from, to } => match (from, to) {
                (Some(from), Some(to)) => {
                    out.push_str("{~~");
                    escaped(out, from);
                    out.push_str("~>");
                    escaped(out, to);
                    out.push_str("~~}");
                }
                (Some(from), None) => {
                    out.push_str("{--");
                    escaped(out, from);
                    out.push_str("--}");
                }
                (None, Some(to)) => {
                    out.push_str("{++");
                    escaped(out, to);
                    out.push_str("++}");
                }
                (None, None) => return false,
            },
        }
        true
    }
}

fn open_numbered(out: &mut String, kind: NodeKind, reference: &str, number: &Number<'_>) {
    match kind {
        NodeKind::Part => out.push_str("## "),
        NodeKind::Goal => {
            out.push_str("### ");
            if number.write(out) {
                out.push_str("\n\n");
            }
        }
        _ => {}
    }
    if !reference.is_empty() {
        let _ = write!(out, "**{}** ", reference_text(reference));
    }
    if kind != NodeKind::Goal && number.write(out) {
        out.push(' ');
    }
}

fn reference_text(reference: &str) -> String {
    let mut out = String::new();
    markdown_escape_into(&mut out, reference, false);
    out
}

fn escaped(out: &mut String, text: &str) {
    markdown_escape_into(out, text, false);
}

fn critic_comment(out: &mut String, text: &str) {
    out.push_str("{>>");
    escaped(out, text);
    out.push_str("<<}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use penholder_core::{IdSource, InlineMark, MarkKind, Node};

    #[test]
    fn a_redline_shows_kept_and_inserted_words_with_the_target_s_emphasis_deleted_with_the_source_s()
     {
        let id = IdSource::new(1, 0).next_id();
        let from = Document::new(
            "T",
            vec![
                Node::new(id, NodeKind::Operative, "Act on the old priorities now").with_marks(
                    vec![
                        InlineMark::new(0..3, MarkKind::Bold),
                        InlineMark::new(11..14, MarkKind::Italic),
                    ],
                ),
            ],
        );
        let to = Document::new(
            "T",
            vec![
                Node::new(id, NodeKind::Operative, "Act on the new priorities now").with_marks(
                    vec![
                        InlineMark::new(0..3, MarkKind::Bold),
                        InlineMark::new(11..14, MarkKind::Bold),
                    ],
                ),
            ],
        );
        let redline = penholder_diff::redline(&from, &to, &[]);
        let text = super::redline(&redline, &Context::new());
        assert!(
            text.contains("**Act** on the {~~*old*~>**new**~~}"),
            "{text}"
        );
    }

    #[test]
    fn text_cannot_close_critic_markup_or_open_blocks() {
        let mut ids = IdSource::new(1, 0);
        let document = Document::new(
            "T",
            vec![Node::new(
                ids.next_id(),
                NodeKind::Operative,
                "Text ++} with <<} and ~> and\n# heading",
            )],
        );
        let text = super::document(&document, &Context::new());
        assert!(
            text.contains("**OP1** 1. Text ++\\} with \\<\\<\\} and \\~\\> and\\\n\\# heading")
        );
    }
}
