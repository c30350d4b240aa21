//! HTML pages a person reads in a browser: one self-contained file each (inline CSS, no
//! scripts, no external assets), readable when printed.
//!
//! Every page has the classification in its header, the title, a legend of the delegations it
//! mentions, a table of contents by reference and the text. Insertions and deletions are
//! `<ins>`/`<del>` with the delegations behind them in a superscript label and a `title`
//! attribute; contested changes are laid out side by side with their supporters.
//! Everything from a document or a delegation is escaped.

use crate::context::{Context, date_only};
use crate::dispositions::{COLUMNS, DelegationOutcomes, Disposition, rows};
use crate::layout::{
    Entry, Label, Piece, entries, label, pieces, redline_label, renumbering, shows_renumbering,
    written_renumbering,
};
use crate::text::{escape, escape_into, first_word, local_marks, xml_emphasis_into};
use penholder_core::state::ParagraphStatus;
use penholder_core::{Document, InlineMark, NodeKind, References, Version};
use penholder_diff::{
    Alternative, BlameView, Change, Comment, Compilation, Flag, NodeCompilation, NodeRedline,
    NodeStatus, Origin, Redline, Scope, SegmentKind,
};
use std::collections::BTreeSet;
use std::fmt::Write;

/// A version's clean text.
pub fn version(version: &Version, context: &Context) -> String {
    let subtitle = format!("Version {} \u{2014} {}", version.number, version.label);
    document_page(&version.document, context, &subtitle)
}

/// A document's clean text (for a document not stored as a version).
pub fn document(document: &Document, context: &Context) -> String {
    document_page(document, context, "")
}

fn document_page(document: &Document, context: &Context, subtitle: &str) -> String {
    let references = References::of(document);
    let mut body = String::new();
    let mut toc = Toc::default();
    for visit in document.walk() {
        let node = visit.node;
        let reference = references
            .reference(node.id)
            .map(|r| r.0.clone())
            .unwrap_or_default();
        toc.add(node.kind, &reference, false);
        let node_label = label(&context.numbers, node.id, node.kind, &reference);
        open_block(&mut body, node.kind, visit.depth, &reference, "");
        open_text(&mut body, node.kind, &node_label);
        // A node with open brackets shows them in its text (by position), without emphasis.
        if context.brackets.contains_key(&node.id) {
            plain_text(&mut body, node.kind, &context.shown_text(node), true);
        } else {
            emphasized_text(&mut body, node.kind, &node.text, &node.marks, true);
        }
        if let Some(marks) = context.paragraphs.get(&node.id) {
            paragraph_marks(&mut body, marks);
        }
        body.push_str("</p>");
        close_block(&mut body);
    }
    if let Some(seal) = &context.audit {
        body.push_str("<p class=\"audit-head\"><small>");
        escape_into(&mut body, &seal.line());
        body.push_str("</small></p>");
    }
    let mut legend = if context.paragraphs.is_empty() {
        String::new()
    } else {
        context.captions.state_legend_html.to_string()
    };
    if !context.brackets.is_empty() {
        legend.push_str(context.captions.brackets_legend_html);
    }
    page(
        context,
        &document.title,
        subtitle,
        &legend,
        &toc.html(),
        &body,
    )
}

/// A paragraph's status and standing reservations, after its text.
fn paragraph_marks(out: &mut String, marks: &crate::context::ParagraphMarks) {
    let _ = write!(
        out,
        " <span class=\"status status-{}\">[{}",
        marks.status.as_str(),
        marks.status.label()
    );
    if let Some(note) = &marks.note {
        out.push_str(": ");
        escape_into(out, note);
    }
    out.push_str("]</span>");
    for reservation in &marks.reservations {
        out.push_str(" <span class=\"reservation\">");
        escape_into(out, reservation);
        out.push_str("</span>");
    }
}

/// One line of a reservations annex: the reservation and its paragraph's reference in the
/// version the annex is about (`None`: the node is not in it).
pub struct AnnexLine<'a> {
    pub reference: Option<String>,
    pub reservation: &'a penholder_core::state::Reservation,
}

/// The reservations annex of a version: every reservation on its paragraphs, standing ones
/// first, each with its delegation, kind, text, and when it was entered and withdrawn.
pub fn reservations_annex(lines: &[AnnexLine<'_>], context: &Context) -> String {
    let mut body = String::from(
        "<table class=\"reservations\"><thead><tr><th>No.</th><th>Paragraph</th>\
         <th>Delegation</th><th>Kind</th><th>Reservation</th><th>Entered</th>\
         <th>Withdrawn</th></tr></thead><tbody>",
    );
    let mut ordered: Vec<&AnnexLine<'_>> = lines.iter().collect();
    ordered.sort_by_key(|line| (!line.reservation.stands(), line.reservation.number));
    for line in ordered {
        let reservation = line.reservation;
        let _ = write!(body, "<tr><td>{}</td><td>", reservation.number);
        escape_into(
            &mut body,
            line.reference.as_deref().unwrap_or("(not in this version)"),
        );
        body.push_str("</td><td>");
        escape_into(
            &mut body,
            context
                .delegations
                .get(&reservation.delegation)
                .map_or(reservation.delegation.as_str(), String::as_str),
        );
        let _ = write!(
            body,
            " ({})</td><td>{} ({})</td><td>",
            escape(&reservation.delegation),
            reservation.kind.as_str(),
            reservation.kind.mark()
        );
        escape_into(&mut body, &reservation.text);
        let _ = write!(
            body,
            "</td><td>{}</td><td>",
            date_only(reservation.entered_at)
        );
        match &reservation.withdrawn {
            Some(withdrawal) => {
                body.push_str(&date_only(withdrawal.withdrawn_at));
                if !withdrawal.note.is_empty() {
                    body.push_str(": ");
                    escape_into(&mut body, &withdrawal.note);
                }
            }
            None => body.push_str("standing"),
        }
        body.push_str("</td></tr>");
    }
    body.push_str("</tbody></table>");
    if lines.is_empty() {
        body.push_str("<p>No reservation was entered on this text.</p>");
    }
    page(
        context,
        "Reservations",
        "Annex: reservations",
        "",
        "",
        &body,
    )
}

/// One node of a document as [`version`] shows it (its open brackets and, when the context
/// carries them, its status and reservations), for pages that lay out each node with controls
/// of their own beside it (the web front's draft, where a delegation proposes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeBlock {
    pub node: penholder_core::NodeId,
    pub kind: NodeKind,
    /// `PP3`, `OP2.a`: the node's reference in this document.
    pub reference: String,
    /// The node's text as written (unescaped), for a form that edits it.
    pub text: String,
    /// The node's block as the version page writes it (escaped HTML).
    pub html: String,
}

/// Every node of `document` in reading order, each as the version page renders it; style them
/// with [`stylesheet`].
pub fn node_blocks(document: &Document, context: &Context) -> Vec<NodeBlock> {
    let references = References::of(document);
    document
        .walk()
        .into_iter()
        .map(|visit| {
            let node = visit.node;
            let reference = references
                .reference(node.id)
                .map(|r| r.0.clone())
                .unwrap_or_default();
            let node_label = label(&context.numbers, node.id, node.kind, &reference);
            let mut html = String::new();
            open_block(&mut html, node.kind, visit.depth, &reference, "");
            open_text(&mut html, node.kind, &node_label);
            // As the version page: open brackets in the text, then the paragraph's marks.
            if context.brackets.contains_key(&node.id) {
                plain_text(&mut html, node.kind, &context.shown_text(node), true);
            } else {
                emphasized_text(&mut html, node.kind, &node.text, &node.marks, true);
            }
            if let Some(marks) = context.paragraphs.get(&node.id) {
                paragraph_marks(&mut html, marks);
            }
            html.push_str("</p>");
            close_block(&mut html);
            NodeBlock {
                node: node.id,
                kind: node.kind,
                reference,
                text: node.text.clone(),
                html,
            }
        })
        .collect()
}

/// The style sheet of every page here (for pages that embed [`node_blocks`]).
pub fn stylesheet() -> &'static str {
    STYLE
}

/// A round's compilation: every proposal at its place, attributed.
pub fn compilation(compilation: &Compilation, context: &Context) -> String {
    let view = compilation_view(compilation, context);
    let mut body = view.general;
    for block in &view.blocks {
        body.push_str(&block.html);
    }
    body.push_str(&view.unplaced);
    page(
        context,
        &compilation.document_title,
        &view.subtitle,
        &view.legend,
        &view.toc,
        &body,
    )
}

/// One block of a compilation as [`compilation`] writes it: a base node with its footnotes,
/// or a new node proposed next to one; with the ids of the changes it shows, for a page that
/// puts controls beside them (the web front's decisions).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompiledBlock {
    pub reference: String,
    /// Escaped HTML; style it with [`stylesheet`].
    pub html: String,
    pub changes: Vec<String>,
}

/// A compilation's parts as [`compilation`] lays them out, for a page of one's own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompilationView {
    pub subtitle: String,
    /// The delegations mentioned, with the key to the marks.
    pub legend: String,
    pub toc: String,
    /// Comments on the text as a whole (empty when there are none).
    pub general: String,
    pub blocks: Vec<CompiledBlock>,
    /// Items that could not be placed (empty when there are none).
    pub unplaced: String,
}

/// The parts of [`compilation`]'s page.
pub fn compilation_view(compilation: &Compilation, context: &Context) -> CompilationView {
    compilation_view_of(compilation, context, None)
}

/// The parts of [`compilation`]'s page with the HTML of the blocks in `wanted` only (by index;
/// `None`: all): the others keep their reference and changes, for a page that shows a round of
/// thousands of changes part by part without writing the rest.
pub fn compilation_view_of(
    compilation: &Compilation,
    context: &Context,
    wanted: Option<std::ops::Range<usize>>,
) -> CompilationView {
    let written = |index: usize| wanted.as_ref().is_none_or(|range| range.contains(&index));
    let mut general = String::new();
    let mut toc = Toc::default();
    let mut mentioned: BTreeSet<String> = BTreeSet::new();
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
    mentioned.extend(compilation.unplaced.iter().map(|u| u.delegation.clone()));

    if !compilation.general_comments.is_empty() || !compilation.general_flags.is_empty() {
        general.push_str("<section class=\"general\"><h2>On the text as a whole</h2>");
        comments(&mut general, &compilation.general_comments, context);
        flags(&mut general, &compilation.general_flags, context);
        general.push_str("</section>");
    }
    let mut blocks = Vec::new();
    for entry in entries(compilation) {
        let mut body = String::new();
        match entry {
            Entry::Node { node, footnotes } => {
                let has_feedback = !node.changes.is_empty() || !node.comments.is_empty();
                toc.add(node.kind, &node.reference, has_feedback);
                let write = written(blocks.len());
                if write {
                    compiled_node(&mut body, node, context);
                }
                // New nodes proposed next to this one are blocks of their own (`Entry::New`).
                let mut changes: Vec<String> = node
                    .changes
                    .iter()
                    .filter(|c| {
                        !matches!(
                            c.scope,
                            Scope::InsertBefore { .. } | Scope::InsertAfter { .. }
                        )
                    })
                    .map(|c| c.id.clone())
                    .collect();
                for footnote in footnotes {
                    toc.add(footnote.kind, &footnote.reference, false);
                    if write {
                        compiled_node(&mut body, footnote, context);
                    }
                    changes.extend(footnote.changes.iter().map(|c| c.id.clone()));
                }
                blocks.push(CompiledBlock {
                    reference: node.reference.clone(),
                    html: body,
                    changes,
                });
            }
            Entry::New {
                anchor,
                change,
                reference,
                depth,
            } => {
                toc.add(NodeKind::Paragraph, &reference, true);
                if !written(blocks.len()) {
                    blocks.push(CompiledBlock {
                        reference,
                        html: body,
                        changes: vec![change.id.clone()],
                    });
                    continue;
                }
                let kind = change
                    .alternatives
                    .first()
                    .and_then(|a| a.kind)
                    .unwrap_or(anchor.kind);
                open_block(&mut body, kind, depth, &reference, "new");
                if change.contested {
                    let _ = write!(
                        body,
                        "<p class=\"text\"><em>{}</em></p>",
                        context.captions.new_paragraph_proposed
                    );
                    alternatives(
                        &mut body,
                        change,
                        context.captions.alternatives_for_a_new_paragraph,
                        context,
                    );
                } else {
                    open_text(&mut body, kind, &Label::None);
                    for alternative in &change.alternatives {
                        inserted(
                            &mut body,
                            alternative.text.as_deref().unwrap_or(""),
                            &alternative.delegations(),
                            context.alternative_date(change, alternative),
                            context,
                        );
                    }
                    body.push_str("</p>");
                    justifications(&mut body, change, context);
                }
                close_block(&mut body);
                blocks.push(CompiledBlock {
                    reference,
                    html: body,
                    changes: vec![change.id.clone()],
                });
            }
        }
    }
    let mut unplaced_html = String::new();
    if !compilation.unplaced.is_empty() {
        unplaced_html
            .push_str("<section class=\"unplaced\"><h2>Items that could not be placed</h2><ul>");
        for unplaced in &compilation.unplaced {
            let _ = write!(
                unplaced_html,
                "<li><b>{}</b>, item {}: {}</li>",
                escape(context.name(&unplaced.delegation)),
                unplaced.item + 1,
                escape(&unplaced.reason)
            );
        }
        unplaced_html.push_str("</ul></section>");
    }
    let subtitle = format!(
        "Compilation of feedback on version {}: {} changes, {} contested, from {} delegations",
        compilation.base_version,
        compilation.changes_count(),
        compilation.contested_count(),
        mentioned.len()
    );
    CompilationView {
        subtitle,
        legend: legend(&mentioned, context),
        toc: toc.html(),
        general,
        blocks,
        unplaced: unplaced_html,
    }
}

fn compiled_node(out: &mut String, node: &NodeCompilation, context: &Context) {
    let feedback = !node.changes.is_empty() || !node.comments.is_empty();
    open_block(
        out,
        node.kind,
        node.depth,
        &node.reference,
        if feedback { "changed" } else { "" },
    );
    let node_label = label(&context.numbers, node.node, node.kind, &node.reference);
    open_text(out, node.kind, &node_label);
    let mut first = true;
    let mut contested = Vec::new();
    for piece in pieces(node) {
        match piece {
            Piece::Text(text, at) => emphasized_stretch(
                out,
                node.kind,
                &node.base_text,
                &node.base_marks,
                at..at + text.len(),
                first,
            ),
            Piece::Change(change) if change.contested => {
                let _ = write!(
                    out,
                    "<span class=\"contested\" title=\"contested: {} alternatives\">",
                    change.alternatives.len()
                );
                if change.base_text.is_empty() {
                    out.push('\u{2038}');
                } else {
                    escape_into(out, &change.base_text);
                }
                let _ = write!(
                    out,
                    "</span><sup class=\"by\"><a href=\"#chg-{}\">[{}]</a></sup>",
                    escape(&change.id),
                    change
                        .alternatives
                        .iter()
                        .map(|a| a.id.as_str())
                        .collect::<Vec<_>>()
                        .join("/")
                );
                contested.push(change);
            }
            Piece::Change(change) => {
                let Some(alternative) = change.alternatives.first() else {
                    continue;
                };
                let who = alternative.delegations();
                let date = context.alternative_date(change, alternative);
                if !change.base_text.is_empty() {
                    deleted(out, &change.base_text, &who, date, context, false);
                }
                let text = alternative.text.as_deref().unwrap_or("");
                if !text.is_empty() {
                    inserted(out, text, &who, date, context);
                } else {
                    by_label(out, &who, date, context);
                }
            }
        }
        first = false;
    }
    out.push_str("</p>");
    for change in &node.changes {
        if change.scope == Scope::Node {
            if change.contested {
                alternatives(
                    out,
                    change,
                    context.captions.on_the_whole_paragraph,
                    context,
                );
            } else if let Some(alternative) = change.alternatives.first() {
                let who = alternative.delegations();
                out.push_str("<p class=\"node-change\">");
                match &alternative.text {
                    None => out.push_str(context.captions.proposed_deletion_html),
                    Some(text) => {
                        out.push_str(&escape(context.captions.proposed_text));
                        inserted(out, text, &[], None, context);
                    }
                }
                by_label(
                    out,
                    &who,
                    context.alternative_date(change, alternative),
                    context,
                );
                out.push_str("</p>");
                justifications(out, change, context);
            }
        }
    }
    for change in contested {
        let caption = if change.base_text.is_empty() {
            context.captions.insertion_here.to_string()
        } else {
            format!(
                "{} \u{201C}{}\u{201D}",
                context.captions.instead_of,
                change.base_text.trim()
            )
        };
        alternatives(out, change, &caption, context);
    }
    for change in &node.changes {
        if matches!(change.scope, Scope::Words { .. }) && !change.contested {
            justifications(out, change, context);
        }
    }
    coalitions(out, &node.changes, context);
    comments(out, &node.comments, context);
    flags(out, &node.flags, context);
    close_block(out);
}

/// Who stands behind each change a group or a co-sponsor supports: "EU (except HU)".
fn coalitions(out: &mut String, changes: &[Change], context: &Context) {
    for (change, alternative, label) in context.support_labels_of(changes) {
        let _ = write!(
            out,
            "<p class=\"coalition\">{} {} {}: {} {}</p>",
            escape(context.captions.change),
            escape(change),
            escape(alternative),
            escape(context.captions.supported_by),
            escape(label)
        );
    }
}

/// A contested change's alternatives side by side, each with its supporters.
fn alternatives(out: &mut String, change: &Change, caption: &str, context: &Context) {
    let _ = write!(
        out,
        "<div class=\"alternatives\" id=\"chg-{}\"><p class=\"caption\">{} <span class=\"change-id\">(change {})</span></p><div class=\"row\">",
        escape(&change.id),
        escape(caption),
        escape(&change.id)
    );
    // In the marshalled order, variants of one family together (penholder_diff::family).
    for alternative in change.choices().into_iter().flatten() {
        alternative_box(out, change, alternative, context);
    }
    out.push_str("</div></div>");
}

fn alternative_box(
    out: &mut String,
    change: &Change,
    alternative: &Alternative,
    context: &Context,
) {
    let who = alternative.delegations();
    let _ = write!(
        out,
        "<div class=\"alternative\"><p class=\"who\"><span class=\"alt-id\">{}</span> {}</p>",
        escape(&alternative.id),
        escape(&context.names(&who))
    );
    if let Some(family) = change.family_of(&alternative.id)
        && family.variants.len() > 1
    {
        let _ = write!(
            out,
            "<p class=\"family\">{}: {}</p>",
            escape(context.captions.one_wording),
            escape(&family.variants.join(" ≈ "))
        );
    }
    out.push_str("<p>");
    match alternative.text.as_deref() {
        None => {
            let _ = write!(
                out,
                "<del>{}</del>",
                escape(context.captions.delete_the_paragraph)
            );
        }
        Some(text) if text.trim().is_empty() => {
            let _ = write!(
                out,
                "<del>{}</del>",
                escape(context.captions.delete_these_words)
            );
        }
        Some(text) => {
            spoken(out, context, true, &context.names(&who));
            out.push_str("<ins>");
            escape_into(out, text);
            out.push_str("</ins>");
        }
    }
    out.push_str("</p>");
    if let Some(date) = context.alternative_date(change, alternative) {
        let _ = write!(
            out,
            "<p class=\"date\">{} {}</p>",
            escape(context.captions.proposed_on),
            date_only(date)
        );
    }
    for support in &alternative.supporters {
        if let Some(justification) = &support.justification {
            let _ = write!(
                out,
                "<p class=\"why\"><b>{}</b>: {}</p>",
                escape(context.name(&support.delegation)),
                escape(justification)
            );
        }
    }
    out.push_str("</div>");
}

fn justifications(out: &mut String, change: &Change, context: &Context) {
    for alternative in &change.alternatives {
        for support in &alternative.supporters {
            if let Some(justification) = &support.justification {
                let _ = write!(
                    out,
                    "<p class=\"why\">{}, <b>{}</b>: {}</p>",
                    escape(context.captions.justification),
                    escape(context.name(&support.delegation)),
                    escape(justification)
                );
            }
        }
    }
}

fn comments(out: &mut String, comments: &[Comment], context: &Context) {
    for comment in comments {
        let _ = write!(
            out,
            "<aside class=\"comment\"><b title=\"{}\">{}</b>: {}</aside>",
            escape(&comment.delegation),
            escape(context.name(&comment.delegation)),
            escape(&comment.text)
        );
    }
}

fn flags(out: &mut String, flags: &[Flag], context: &Context) {
    for flag in flags {
        let _ = write!(
            out,
            "<p class=\"flag\">{} {} ({} {}): {} \u{2014} {}</p>",
            escape(context.captions.hidden_characters_of),
            escape(context.name(&flag.delegation)),
            escape(context.captions.item),
            flag.item + 1,
            escape(&flag.characters.join(" ")),
            escape(context.captions.hidden_characters_why)
        );
    }
}

/// The differences between two versions, every insertion and deletion attributed; every node
/// with its number as the version shows it, a renumbering and a move each said apart.
pub fn redline(redline: &Redline, context: &Context) -> String {
    let view = redline_view(redline, context);
    page(
        context,
        &redline.document_title,
        &view.subtitle,
        &view.legend,
        &view.toc,
        &view.body,
    )
}

/// A page's parts: the line under its title, the legend, the contents and the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct View {
    pub subtitle: String,
    pub legend: String,
    pub toc: String,
    pub body: String,
}

/// The parts of [`redline`]'s page, for a page of one's own.
pub fn redline_view(redline: &Redline, context: &Context) -> View {
    let mut body = String::new();
    let mut toc = Toc::default();
    let mut mentioned: BTreeSet<String> = BTreeSet::new();
    let (mut inserted_count, mut deleted_count) = (0usize, 0usize);
    for node in &redline.nodes {
        let changed = node.status != NodeStatus::Unchanged;
        let reference = node
            .reference_to
            .as_deref()
            .or(node.reference_from.as_deref())
            .unwrap_or("");
        let anchor = match node.status {
            NodeStatus::Deleted => format!("was {reference}"),
            _ => reference.to_string(),
        };
        toc.add(node.kind, &anchor, changed);
        let status_class = match node.status {
            NodeStatus::Unchanged => "",
            NodeStatus::Changed => "changed",
            NodeStatus::Inserted => "changed inserted",
            NodeStatus::Deleted => "changed deleted",
            NodeStatus::Moved => "changed moved",
        };
        open_block(&mut body, node.kind, node.depth, &anchor, status_class);
        open_redline_text(&mut body, node);
        let mut first = true;
        // Kept and inserted words show the target's emphasis, deleted ones the source's.
        let (mut target_at, mut source_at) = (0, 0);
        for (index, segment) in node.segments.iter().enumerate() {
            let length = segment.text.len();
            match segment.kind {
                SegmentKind::Equal => emphasized_text(
                    &mut body,
                    node.kind,
                    &segment.text,
                    &local_marks(&node.marks_to, target_at..target_at + length),
                    first,
                ),
                SegmentKind::Insert => {
                    inserted_count += 1;
                    mentioned.extend(context.origin_codes(&segment.attribution));
                    let span = Span::new("ins", &segment.text, &segment.attribution)
                        .with_marks(local_marks(&node.marks_to, target_at..target_at + length));
                    attributed(&mut body, span, context, true);
                }
                SegmentKind::Delete => {
                    deleted_count += 1;
                    mentioned.extend(context.origin_codes(&segment.attribution));
                    // A replacement (deletion then insertion by the same delegations) is
                    // labelled once, after the inserted words.
                    let replaced = node.segments.get(index + 1).is_some_and(|next| {
                        next.kind == SegmentKind::Insert && next.attribution == segment.attribution
                    });
                    let span = Span::new("del", &segment.text, &segment.attribution)
                        .with_marks(local_marks(&node.marks_from, source_at..source_at + length));
                    attributed(&mut body, span, context, !replaced);
                }
            }
            match segment.kind {
                SegmentKind::Equal => {
                    target_at += length;
                    source_at += length;
                }
                SegmentKind::Insert => target_at += length,
                SegmentKind::Delete => source_at += length,
            }
            first = false;
        }
        // The target version's state of the paragraph, as its own page shows it.
        let present = node.status != NodeStatus::Deleted;
        if present && let Some(marks) = context.paragraphs.get(&node.node) {
            paragraph_marks(&mut body, marks);
        }
        body.push_str("</p>");
        if present {
            for line in context.bracket_lines(node.node) {
                let _ = write!(
                    body,
                    "<p class=\"status brackets\">{} ",
                    escape(context.captions.open_bracket)
                );
                escape_into(&mut body, &line);
                body.push_str("</p>");
            }
        }
        match node.status {
            NodeStatus::Moved => {
                let _ = write!(
                    body,
                    "<p class=\"status\">{}{}</p>",
                    escape(context.captions.moved),
                    node.reference_from
                        .as_deref()
                        .map(|r| format!(" {} {}", escape(context.captions.from), escape(r)))
                        .unwrap_or_default()
                );
            }
            NodeStatus::Inserted => {
                let _ = write!(
                    body,
                    "<p class=\"status\">{}</p>",
                    escape(context.captions.new_paragraph)
                );
            }
            NodeStatus::Deleted => {
                let _ = write!(
                    body,
                    "<p class=\"status\">{}</p>",
                    escape(context.captions.deleted_paragraph)
                );
            }
            NodeStatus::Changed | NodeStatus::Unchanged => {}
        }
        if shows_renumbering(node)
            && let Some(renumbering) = renumbering(node)
        {
            let _ = write!(
                body,
                "<p class=\"status\">{} {}</p>",
                escape(context.captions.renumbered),
                escape(&renumbering)
            );
        }
        close_block(&mut body);
    }
    let subtitle = format!("Redline: {inserted_count} insertions, {deleted_count} deletions");
    let mut legend = legend(&mentioned, context);
    if !context.paragraphs.is_empty() {
        legend.push_str(context.captions.state_legend_html);
    }
    if !context.brackets.is_empty() {
        legend.push_str(context.captions.brackets_legend_html);
    }
    View {
        subtitle,
        legend,
        toc: toc.html(),
        body,
    }
}

/// One version with the provenance of every span.
pub fn blame(view: &BlameView, context: &Context) -> String {
    let mut body = String::new();
    let mut toc = Toc::default();
    let mut mentioned: BTreeSet<String> = BTreeSet::new();
    for node in &view.nodes {
        let attributed_here = node
            .spans
            .iter()
            .any(|s| !matches!(s.origin, Origin::Base { .. }));
        toc.add(node.kind, &node.reference, attributed_here);
        open_block(&mut body, node.kind, node.depth, &node.reference, "");
        let node_label = label(&context.numbers, node.node, node.kind, &node.reference);
        open_text(&mut body, node.kind, &node_label);
        let mut first = true;
        for span in &node.spans {
            match &span.origin {
                Origin::Base { version } => {
                    let _ = write!(body, "<span class=\"base\" title=\"version {version}\">");
                    plain_text(&mut body, node.kind, &span.text, first);
                    body.push_str("</span>");
                }
                origin => {
                    let origins = std::slice::from_ref(origin);
                    mentioned.extend(context.origin_codes(origins));
                    attributed(
                        &mut body,
                        Span::new("mark", &span.text, origins),
                        context,
                        true,
                    );
                }
            }
            first = false;
        }
        body.push_str("</p>");
        close_block(&mut body);
    }
    page(
        context,
        &view.document_title,
        "Provenance of the text",
        &legend(&mentioned, context),
        &toc.html(),
        &body,
    )
}

/// A round's disposition table.
pub fn dispositions(dispositions: &[Disposition], context: &Context) -> String {
    let mut body = String::from("<table class=\"dispositions\"><thead><tr>");
    for column in COLUMNS {
        let _ = write!(body, "<th>{}</th>", escape(column));
    }
    body.push_str("</tr></thead><tbody>");
    for (row, disposition) in rows(dispositions).iter().zip(dispositions) {
        let _ = write!(
            body,
            "<tr class=\"{}\" id=\"{}\">",
            status_class(disposition),
            escape(&anchor_id(&disposition.id))
        );
        for cell in row {
            body.push_str("<td>");
            escape_into(&mut body, cell);
            body.push_str("</td>");
        }
        body.push_str("</tr>");
    }
    body.push_str("</tbody></table>");
    let mentioned: BTreeSet<String> = dispositions.iter().map(|d| d.delegation.clone()).collect();
    page(
        context,
        context.title.as_deref().unwrap_or("Dispositions"),
        &format!("Disposition of {} proposals", dispositions.len()),
        &legend(&mentioned, context),
        "",
        &body,
    )
}

fn status_class(disposition: &Disposition) -> &'static str {
    use crate::ProposalStatus::*;
    match disposition.status {
        RetainedVerbatim | MergedWithOthers => "retained",
        RewordedByChair | PartlyRetained => "partly",
        NotRetained | NotPlaced => "not-retained",
        Deferred | Pending | Noted => "open",
    }
}

/// "What happened to my proposals": per delegation, each proposal and its fate.
pub fn outcomes(outcomes: &[DelegationOutcomes], context: &Context) -> String {
    let mut body = String::new();
    let mut toc = String::new();
    if outcomes.len() > 1 {
        toc.push_str("<nav class=\"toc\"><h2>Delegations</h2><ol>");
        for outcome in outcomes {
            let _ = write!(
                toc,
                "<li><a href=\"#{}\">{}</a></li>",
                escape(&anchor_id(&format!("del-{}", outcome.delegation))),
                escape(&outcome.delegation_name)
            );
        }
        toc.push_str("</ol></nav>");
    }
    for outcome in outcomes {
        let _ = write!(
            body,
            "<section class=\"outcomes\" id=\"{}\"><h2>{} <span class=\"code\">({})</span></h2><p class=\"round\">{}</p><table><thead><tr><th>Proposal</th><th>Reference</th><th>Proposed</th><th>What happened</th><th>Chair's note</th><th>Now</th></tr></thead><tbody>",
            escape(&anchor_id(&format!("del-{}", outcome.delegation))),
            escape(&outcome.delegation_name),
            escape(&outcome.delegation),
            escape(&outcome.round)
        );
        for proposal in &outcome.proposals {
            let mut what = proposal.status.as_str().to_string();
            if !proposal.merged_with.is_empty() {
                what.push_str(&format!(" ({})", context.names(&proposal.merged_with)));
            }
            // The decision in words under the status, unless it already starts with it.
            let detail = if proposal.decision.starts_with(proposal.status.as_str()) {
                what = proposal.decision.clone();
                String::new()
            } else {
                format!("<br>{}", escape(&proposal.decision))
            };
            let proposed = if proposal.proposed_change.is_empty() {
                &proposal.comment
            } else {
                &proposal.proposed_change
            };
            // A coalition's item counted for this delegation says how (`via EU`); a paragraph
            // that is no longer simply open says where it stands (`agreed ad ref.; SR (HU)`).
            let behalf = proposal.on_behalf.as_ref().map_or_else(String::new, |b| {
                format!(
                    "<br><span class=\"behalf {}\">{}</span>",
                    relation_class(b.relation),
                    escape(&b.label())
                )
            });
            let standing = paragraph_standing(proposal);
            let _ = write!(
                body,
                "<tr class=\"{}\"><td>{}{behalf}</td><td>{}{standing}</td><td>{}</td><td><b>{}</b>{detail}</td><td>{}</td><td>{}</td></tr>",
                status_class(proposal),
                escape(&proposal.id),
                escape(&proposal.reference),
                escape(proposed),
                escape(&what),
                escape(&proposal.observations),
                escape(&proposal.resulting_reference)
            );
        }
        body.push_str("</tbody></table>");
        outcome_reservations(&mut body, outcome);
        outcome_paragraphs(&mut body, outcome);
        body.push_str("</section>");
    }
    page(
        context,
        context
            .title
            .as_deref()
            .unwrap_or("What happened to the proposals"),
        outcomes.first().map_or("", |o| o.round.as_str()),
        "",
        &toc,
        &body,
    )
}

fn relation_class(relation: crate::dispositions::Relation) -> &'static str {
    use crate::dispositions::Relation::*;
    match relation {
        ViaGroup => "via-group",
        Dissociated => "dissociated",
        Cosponsored => "cosponsored",
    }
}

/// Under a proposal's reference: its paragraph's status unless open, and the reservations
/// standing on it.
fn paragraph_standing(proposal: &Disposition) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(status) = proposal
        .paragraph_status
        .as_deref()
        .and_then(ParagraphStatus::parse)
        .filter(|s| *s != ParagraphStatus::Open)
    {
        parts.push(status.label().to_string());
    }
    parts.extend(proposal.reservations.iter().cloned());
    if parts.is_empty() {
        String::new()
    } else {
        format!(
            "<br><span class=\"paragraph-state\">{}</span>",
            escape(&parts.join("; "))
        )
    }
}

/// A delegation's reservations on the round's text, in its outcomes.
fn outcome_reservations(body: &mut String, outcome: &DelegationOutcomes) {
    if outcome.reservations.is_empty() {
        return;
    }
    body.push_str("<h3>Its reservations</h3><table class=\"outcome-reservations\"><thead><tr><th>No.</th><th>Paragraph</th><th>Kind</th><th>Reservation</th><th>Entered on</th><th>Now</th></tr></thead><tbody>");
    for reservation in &outcome.reservations {
        let mut now = reservation.standing.as_str().to_string();
        if !reservation.withdrawal_note.is_empty() {
            now.push_str(": ");
            now.push_str(&reservation.withdrawal_note);
        }
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{} ({})</td><td>{}</td><td>version {}</td><td>{}</td></tr>",
            reservation.number,
            escape(&reservation.reference),
            escape(&reservation.kind),
            escape(&reservation.mark),
            escape(&reservation.text),
            reservation.version,
            escape(&now)
        );
    }
    body.push_str("</tbody></table>");
}

/// Where each paragraph its proposals touch stands, in its outcomes.
fn outcome_paragraphs(body: &mut String, outcome: &DelegationOutcomes) {
    if outcome.paragraphs.is_empty() {
        return;
    }
    body.push_str("<h3>Where its paragraphs stand</h3><table class=\"outcome-paragraphs\"><thead><tr><th>Paragraph</th><th>Status</th><th>Reservations held</th></tr></thead><tbody>");
    for paragraph in &outcome.paragraphs {
        let status: &str = match ParagraphStatus::parse(&paragraph.status) {
            Some(status) => status.label(),
            None => &paragraph.status,
        };
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&paragraph.reference),
            escape(status),
            escape(&paragraph.reservations.join("; "))
        );
    }
    body.push_str("</tbody></table>");
}

// ---------------------------------------------------------------------------------------------
// Pieces of pages.
// ---------------------------------------------------------------------------------------------

const STYLE: &str = r#"
:root{--ins:#0b6b2e;--ins-bg:#e3f3e8;--del:#a0161b;--del-bg:#fbe7e9;--muted:#5b5b5b;--line:#d0d0d0}
*{box-sizing:border-box}
body{font:17px/1.55 Georgia,"Times New Roman",serif;color:#151515;max-width:54rem;margin:1.5rem auto 4rem;padding:0 1rem}
header{border-bottom:1px solid var(--line);margin-bottom:1rem}
.classification{float:right;font:700 .8rem/1 system-ui,sans-serif;letter-spacing:.12em;color:var(--del);border:2px solid currentColor;padding:.25rem .5rem;margin-left:1rem}
h1{font-size:1.6rem;line-height:1.25;margin:.2rem 0}
h2{font:600 1.05rem system-ui,sans-serif;margin:1.5rem 0 .5rem}
.subtitle{color:var(--muted);margin:.2rem 0 .8rem;font:.95rem system-ui,sans-serif}
.legend,.key{font:.85rem system-ui,sans-serif;margin:.3rem 0}
.legend ul{list-style:none;padding:0;margin:0;display:flex;flex-wrap:wrap;gap:.2rem 1rem}
.legend .code{font-weight:700}
nav.toc{font:.82rem system-ui,sans-serif;border:1px solid var(--line);padding:.4rem .8rem;margin:1rem 0}
nav.toc ol{list-style:none;padding:0;margin:0;columns:6 5rem}
nav.toc li.changed a{font-weight:700}
nav.toc a{color:#1a4f8b;text-decoration:none}
.node{display:grid;grid-template-columns:6.5rem 1fr;column-gap:.8rem;margin:.55rem 0}
.ref{font:.78rem/1.9 system-ui,sans-serif;color:var(--muted);text-align:right;text-decoration:none;word-break:break-word}
.body{min-width:0}
.d1 .body{padding-left:1.6rem}.d2 .body{padding-left:3.2rem}.d3 .body,.d4 .body,.d5 .body{padding-left:4.8rem}
.text{margin:0}
.num{font-weight:700;margin-right:.45em}
.part .text{font-size:1.2rem;font-weight:700}
.goal .text{font-weight:700}
.goal .num{display:block}
.footnote .text{font-size:.85rem}
.pp-first{font-style:italic}
.new .text,.inserted .text{border-left:3px solid var(--ins);padding-left:.5rem}
.deleted .text{border-left:3px solid var(--del);padding-left:.5rem}
ins{color:var(--ins);background:var(--ins-bg);text-decoration:underline}
del{color:var(--del);background:var(--del-bg);text-decoration:line-through}
mark{background:#fff2c4;color:inherit}
sup.by{font:600 .62rem system-ui,sans-serif;color:var(--muted);margin:0 .15em;white-space:nowrap}
sup.by a{color:inherit}
.contested{background:#fff0c2;border-bottom:2px dotted #9a6b00}
.alternatives{margin:.4rem 0;font-size:.95rem}
.alternatives .caption{font:.8rem system-ui,sans-serif;color:var(--muted);margin:.2rem 0}
.change-id{font-family:ui-monospace,monospace}
.alternatives .row{display:flex;flex-wrap:wrap;gap:.5rem}
.alternative{flex:1 1 13rem;border:1px solid var(--line);border-radius:4px;padding:.35rem .6rem;background:#fafafa}
.alternative p{margin:.15rem 0}
.alternative .who{font:600 .8rem system-ui,sans-serif}
.alt-id{display:inline-block;min-width:1.3rem;text-align:center;background:#333;color:#fff;border-radius:3px;margin-right:.3rem}
.date{font:.75rem system-ui,sans-serif;color:var(--muted)}
.why,.node-change,.status{font:.85rem system-ui,sans-serif;color:#333;margin:.2rem 0}
.comment{font:.88rem system-ui,sans-serif;border-left:3px solid #8c8c8c;padding:.1rem .6rem;margin:.3rem 0;background:#f5f5f5}
.flag{font:.85rem system-ui,sans-serif;color:#7a4b00;background:#fff4dc;padding:.2rem .5rem;margin:.3rem 0}
table{border-collapse:collapse;width:100%;font:.85rem/1.4 system-ui,sans-serif}
th,td{border:1px solid var(--line);padding:.3rem .4rem;vertical-align:top;text-align:left;white-space:pre-wrap}
th{background:#eef1f7}
tr.retained td:first-child{border-left:4px solid var(--ins)}
tr.not-retained td:first-child{border-left:4px solid var(--del)}
tr.partly td:first-child{border-left:4px solid #b8860b}
.code{color:var(--muted);font-weight:400}
@media print{
 body{max-width:none;margin:0;font-size:11pt}
 .classification{position:fixed;top:0;right:0}
 nav.toc{break-after:page}
 .node,.alternatives,.alternative,tr{break-inside:avoid}
 a{color:inherit;text-decoration:none}
 ins,del,mark,.contested,.alt-id{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
.status{font:600 .72rem/1 system-ui,sans-serif;padding:.1rem .35rem;border-radius:.2rem;white-space:nowrap}.status-open{background:#fff;border:1px solid var(--line)}.status-agreed_ad_ref{background:#fff6c2}.status-agreed{background:#d9f2dc}.status-adopted{background:#bfe3c4}.reservation{font:700 .72rem/1 system-ui,sans-serif;color:var(--del);border:1px solid currentColor;padding:.05rem .3rem;margin-left:.2rem}table.reservations td{vertical-align:top;padding:.3rem .5rem;border-bottom:1px solid var(--line)}
"#;

/// The numbering concordance as a table: one column per version, one row per node.
pub fn concordance(concordance: &crate::concordance::Concordance, context: &Context) -> String {
    let mut body = String::from("<table class=\"concordance\"><thead><tr>");
    for heading in concordance.headings() {
        let _ = write!(body, "<th>{}</th>", escape(&heading));
    }
    body.push_str("</tr></thead><tbody>");
    for row in crate::concordance::cells(concordance) {
        body.push_str("<tr>");
        for cell in row {
            let _ = write!(body, "<td>{}</td>", escape(cell));
        }
        body.push_str("</tr>");
    }
    body.push_str("</tbody></table>");
    page(
        context,
        &concordance.document_title,
        &format!(
            "Numbering concordance of {} versions",
            concordance.versions.len()
        ),
        "",
        "",
        &body,
    )
}

fn page(
    context: &Context,
    document_title: &str,
    subtitle: &str,
    legend: &str,
    toc: &str,
    body: &str,
) -> String {
    let title = context.title_or(document_title);
    let subtitle = context.subtitle.as_deref().unwrap_or(subtitle);
    let mut out = String::with_capacity(body.len() + STYLE.len() + legend.len() + toc.len() + 512);
    out.push_str("<!DOCTYPE html>\n<html lang=\"");
    escape_into(&mut out, &context.language);
    out.push_str("\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
    escape_into(&mut out, title);
    out.push_str("</title>\n<style>");
    out.push_str(STYLE);
    out.push_str("</style>\n</head>\n<body>\n<header>");
    if let Some(classification) = &context.classification {
        out.push_str("<div class=\"classification\">");
        escape_into(&mut out, classification);
        out.push_str("</div>");
    }
    out.push_str("<h1>");
    escape_into(&mut out, title);
    out.push_str("</h1>");
    if !subtitle.is_empty() {
        out.push_str("<p class=\"subtitle\">");
        escape_into(&mut out, subtitle);
        out.push_str("</p>");
    }
    out.push_str(legend);
    out.push_str("</header>\n");
    out.push_str(toc);
    out.push_str("\n<main>\n");
    out.push_str(body);
    out.push_str("\n</main>\n</body>\n</html>\n");
    out
}

fn legend(codes: &BTreeSet<String>, context: &Context) -> String {
    if codes.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "<div class=\"legend\"><p class=\"key\">{}</p><ul>",
        context.captions.key_html
    );
    for code in codes {
        let name = context.name(code);
        if name == code {
            let _ = write!(out, "<li><span class=\"code\">{}</span></li>", escape(code));
        } else {
            let _ = write!(
                out,
                "<li><span class=\"code\">{}</span> {}</li>",
                escape(code),
                escape(name)
            );
        }
    }
    out.push_str("</ul></div>");
    out
}

/// The table of contents: every node's reference except list items and footnotes.
#[derive(Default)]
struct Toc {
    items: String,
}

impl Toc {
    fn add(&mut self, kind: NodeKind, reference: &str, changed: bool) {
        if matches!(kind, NodeKind::Item | NodeKind::Footnote) || reference.is_empty() {
            return;
        }
        let _ = write!(
            self.items,
            "<li{}><a href=\"#{}\">{}</a></li>",
            if changed { " class=\"changed\"" } else { "" },
            escape(&anchor_id(reference)),
            escape(reference)
        );
    }

    fn html(&self) -> String {
        if self.items.is_empty() {
            return String::new();
        }
        format!(
            "<nav class=\"toc\" aria-label=\"Contents\"><ol>{}</ol></nav>",
            self.items
        )
    }
}

/// An `id` made of characters safe in a URL fragment.
/// The `id` of a node's block on a version's page (`ref-OP3`), for links to a paragraph.
pub fn anchor_id(reference: &str) -> String {
    let mut id = String::from("ref-");
    for c in reference.chars() {
        id.push(
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            },
        );
    }
    id
}

fn kind_class(kind: NodeKind) -> &'static str {
    kind.as_str()
}

fn open_block(out: &mut String, kind: NodeKind, depth: usize, reference: &str, extra: &str) {
    let id = anchor_id(reference);
    let _ = write!(
        out,
        "<div class=\"node {} d{}{}{}\" id=\"{}\"><a class=\"ref\" href=\"#{}\">{}</a><div class=\"body\">",
        kind_class(kind),
        depth.min(5),
        if extra.is_empty() { "" } else { " " },
        extra,
        escape(&id),
        escape(&id),
        escape(reference)
    );
}

fn close_block(out: &mut String) {
    out.push_str("</div></div>\n");
}

fn open_text(out: &mut String, _kind: NodeKind, label: &Label) {
    out.push_str("<p class=\"text\">");
    if let Some(text) = label.text() {
        out.push_str("<span class=\"num\">");
        escape_into(out, &text);
        out.push_str("</span> ");
    }
}

/// A redline node's text opens with its number as the version view shows it: a written number
/// that changed as its deletion and insertion, a deleted node's written number deleted (its
/// derived number is left out: another node may carry it now).
fn open_redline_text(out: &mut String, node: &NodeRedline) {
    if node.status == NodeStatus::Deleted {
        out.push_str("<p class=\"text\">");
        if let Some(num) = &node.num_from {
            out.push_str("<span class=\"num\"><del>");
            escape_into(out, num);
            out.push_str("</del></span> ");
        }
        return;
    }
    match written_renumbering(node) {
        Some((from, to)) => {
            out.push_str("<p class=\"text\"><span class=\"num\">");
            if let Some(from) = from {
                out.push_str("<del>");
                escape_into(out, from);
                out.push_str("</del>");
            }
            if let Some(to) = to {
                if from.is_some() {
                    out.push(' ');
                }
                out.push_str("<ins>");
                escape_into(out, to);
                out.push_str("</ins>");
            }
            out.push_str("</span> ");
        }
        None => open_text(out, node.kind, &redline_label(node)),
    }
}

/// Unchanged text; a preambular paragraph's first word in italics.
/// A node's text as [`plain_text`] writes it, its emphasis as `<strong>` and `<em>`.
fn emphasized_text(
    out: &mut String,
    kind: NodeKind,
    text: &str,
    marks: &[InlineMark],
    first: bool,
) {
    if marks.is_empty() {
        return plain_text(out, kind, text, first);
    }
    if first && kind == NodeKind::Preambular {
        let (word, _) = first_word(text);
        if !word.trim().is_empty() {
            out.push_str("<span class=\"pp-first\">");
            xml_emphasis_into(out, text, marks, 0..word.len(), "strong", "em");
            out.push_str("</span>");
            xml_emphasis_into(out, text, marks, word.len()..text.len(), "strong", "em");
            return;
        }
    }
    xml_emphasis_into(out, text, marks, 0..text.len(), "strong", "em");
}

/// A stretch of a text with its emphasis ([`emphasized_text`] for a part of it).
fn emphasized_stretch(
    out: &mut String,
    kind: NodeKind,
    text: &str,
    marks: &[InlineMark],
    range: std::ops::Range<usize>,
    first: bool,
) {
    if marks.is_empty() {
        return plain_text(out, kind, &text[range], first);
    }
    if first && kind == NodeKind::Preambular {
        let (word, _) = first_word(&text[range.clone()]);
        if !word.trim().is_empty() {
            let split = range.start + word.len();
            out.push_str("<span class=\"pp-first\">");
            xml_emphasis_into(out, text, marks, range.start..split, "strong", "em");
            out.push_str("</span>");
            xml_emphasis_into(out, text, marks, split..range.end, "strong", "em");
            return;
        }
    }
    xml_emphasis_into(out, text, marks, range, "strong", "em");
}

fn plain_text(out: &mut String, kind: NodeKind, text: &str, first: bool) {
    if first && kind == NodeKind::Preambular {
        let (word, rest) = first_word(text);
        if !word.trim().is_empty() {
            out.push_str("<span class=\"pp-first\">");
            escape_into(out, word);
            out.push_str("</span>");
            escape_into(out, rest);
            return;
        }
    }
    escape_into(out, text);
}

fn attribution_title(names: &str, date: Option<i64>) -> String {
    match date {
        Some(date) => format!("{names} \u{2014} {}", date_only(date)),
        None => names.to_string(),
    }
}

/// The words a screen reader says before an attributed change, when the context asks for them.
fn spoken(out: &mut String, context: &Context, insertion: bool, names: &str) {
    if let Some(spoken) = &context.spoken
        && !names.is_empty()
    {
        let words = if insertion {
            &spoken.inserted_by
        } else {
            &spoken.deleted_by
        };
        let _ = write!(
            out,
            "<span class=\"visually-hidden\">{} {}: </span>",
            escape(words),
            escape(names)
        );
    }
}

fn inserted(out: &mut String, text: &str, who: &[String], date: Option<i64>, context: &Context) {
    let names = context.names(who);
    if !who.is_empty() {
        spoken(out, context, true, &names);
    }
    let _ = write!(
        out,
        "<ins title=\"{}\">",
        escape(&attribution_title(&names, date))
    );
    escape_into(out, text);
    out.push_str("</ins>");
    if !who.is_empty() {
        by_label(out, who, date, context);
    }
}

fn deleted(
    out: &mut String,
    text: &str,
    who: &[String],
    date: Option<i64>,
    context: &Context,
    label: bool,
) {
    let names = context.names(who);
    if !who.is_empty() {
        spoken(out, context, false, &names);
    }
    let _ = write!(
        out,
        "<del title=\"{}\">",
        escape(&attribution_title(&names, date))
    );
    escape_into(out, text);
    out.push_str("</del>");
    if label {
        by_label(out, who, date, context);
    }
}

/// The superscript naming who is behind a change: `HU TR`.
fn by_label(out: &mut String, who: &[String], date: Option<i64>, context: &Context) {
    let _ = write!(
        out,
        "<sup class=\"by\" title=\"{}\">{}</sup>",
        escape(&attribution_title(&context.names(who), date)),
        escape(&who.join(" "))
    );
}

/// A redline or blame span: the tag (`ins`, `del`, `mark`), its text and its origins.
struct Span<'a> {
    tag: &'static str,
    text: &'a str,
    origins: &'a [Origin],
    /// Emphasis over the span's text (byte ranges of `text`).
    marks: Vec<InlineMark>,
}

impl<'a> Span<'a> {
    fn new(tag: &'static str, text: &'a str, origins: &'a [Origin]) -> Self {
        Span {
            tag,
            text,
            origins,
            marks: Vec::new(),
        }
    }

    fn with_marks(mut self, marks: Vec<InlineMark>) -> Self {
        self.marks = marks;
        self
    }
}

/// A span with its origins in a `title`, and (with `label`) their codes in a superscript.
fn attributed(out: &mut String, span: Span<'_>, context: &Context, label: bool) {
    let Span {
        tag,
        text,
        origins,
        marks,
    } = span;
    let names = context.origin_authors(origins);
    let rounds: Vec<&str> = origins
        .iter()
        .filter_map(|o| match o {
            Origin::Accepted { round, .. } | Origin::Chair { round } => Some(round.as_str()),
            Origin::Base { .. } => None,
        })
        .collect();
    let mut title = names.clone();
    if !rounds.is_empty() {
        title.push_str(" \u{2014} ");
        title.push_str(&rounds.join(", "));
    }
    if let Some(date) = context.origins_date(origins) {
        title.push_str(&format!(" ({})", date_only(date)));
    }
    if matches!(tag, "ins" | "del") {
        spoken(out, context, tag == "ins", &names);
    }
    let _ = write!(out, "<{tag} title=\"{}\">", escape(&title));
    xml_emphasis_into(out, text, &marks, 0..text.len(), "strong", "em");
    let _ = write!(out, "</{tag}>");
    let codes = context.origin_codes(origins);
    if label && !codes.is_empty() && !text.trim().is_empty() {
        let _ = write!(
            out,
            "<sup class=\"by\" title=\"{}\">{}</sup>",
            escape(&names),
            escape(&codes.join(" "))
        );
    }
}

/// A synoptic table (`crate::synoptic`): one column per text, one row per node, each cell's
/// changes against the column to its left as `<ins>`/`<del>` with the delegations behind them.
pub fn synoptic(synoptic: &crate::synoptic::Synoptic, context: &Context) -> String {
    let view = synoptic_view(synoptic, context);
    page(
        context,
        &synoptic.document_title,
        &view.subtitle,
        &view.legend,
        "",
        &format!("<style>{SYNOPTIC_STYLE}</style>{}", view.body),
    )
}

/// The synoptic table's own styles (in [`synoptic`]'s page; a page of one's own that shows
/// [`synoptic_view`] carries them in its style sheet).
pub const SYNOPTIC_STYLE: &str = "table.synoptic{border-collapse:collapse;width:100%;table-layout:fixed}table.synoptic th,table.synoptic td{vertical-align:top;border:1px solid var(--line);padding:.4rem .5rem;text-align:left}table.synoptic th{background:#eef2f8}table.synoptic .cellref{display:block;font:600 .75rem/1.2 system-ui,sans-serif;color:#555;margin-bottom:.2rem}table.synoptic td.deleted{background:#fdf1f1}table.synoptic td.inserted{background:#f1f8f1}";

/// The parts of [`synoptic`]'s page (the table as `body`, without its styles), for a page of
/// one's own.
pub fn synoptic_view(synoptic: &crate::synoptic::Synoptic, context: &Context) -> View {
    let mut mentioned: BTreeSet<String> = BTreeSet::new();
    let mut body = String::from("<table class=\"synoptic\"><thead><tr>");
    for column in &synoptic.columns {
        let _ = write!(
            body,
            "<th scope=\"col\">{}<br><span class=\"cellref\">v{}{}</span></th>",
            escape(&column.label),
            column.version,
            if column.attributed {
                ""
            } else {
                " (changes not attributed)"
            }
        );
    }
    body.push_str("</tr></thead><tbody>");
    for row in &synoptic.rows {
        let _ = write!(
            body,
            "<tr class=\"{} d{}\">",
            kind_class(row.kind),
            row.depth.min(5)
        );
        for cell in &row.cells {
            let Some(cell) = cell else {
                body.push_str("<td class=\"absent\"></td>");
                continue;
            };
            let class = match cell.status {
                NodeStatus::Inserted => " class=\"inserted\"",
                NodeStatus::Deleted => " class=\"deleted\"",
                _ => "",
            };
            let _ = write!(
                body,
                "<td{class}><span class=\"cellref\">{}</span>",
                escape(&crate::synoptic::cell_heading(cell))
            );
            let mut first = true;
            for (index, segment) in cell.segments.iter().enumerate() {
                match segment.kind {
                    SegmentKind::Equal => plain_text(&mut body, row.kind, &segment.text, first),
                    SegmentKind::Insert => {
                        mentioned.extend(context.origin_codes(&segment.attribution));
                        let span = Span::new("ins", &segment.text, &segment.attribution);
                        attributed(&mut body, span, context, true);
                    }
                    SegmentKind::Delete => {
                        mentioned.extend(context.origin_codes(&segment.attribution));
                        let replaced = cell.segments.get(index + 1).is_some_and(|next| {
                            next.kind == SegmentKind::Insert
                                && next.attribution == segment.attribution
                        });
                        let span = Span::new("del", &segment.text, &segment.attribution);
                        attributed(&mut body, span, context, !replaced);
                    }
                }
                first = false;
            }
            body.push_str("</td>");
        }
        body.push_str("</tr>\n");
    }
    body.push_str("</tbody></table>");
    View {
        subtitle: format!("Synoptic table: {}", synoptic.headings().join(" | ")),
        legend: legend(&mentioned, context),
        toc: String::new(),
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use penholder_core::{IdSource, Node};

    #[test]
    fn untrusted_text_is_escaped_everywhere() {
        let mut ids = IdSource::new(1, 0);
        let document = Document::new(
            "<script>alert(1)</script>",
            vec![Node::new(
                ids.next_id(),
                NodeKind::Preambular,
                "Recognising <img src=x onerror=alert(1)> & \"quotes\"\u{0}",
            )],
        );
        let context = Context::new().classification("LIMITE <b>");
        let html = super::document(&document, &context);
        assert!(!html.contains("<script>"));
        assert!(!html.contains("<img"));
        assert!(!html.contains("<b>"));
        assert!(
            html.contains("&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot;\u{FFFD}")
        );
        assert!(html.contains("<span class=\"pp-first\">Recognising</span>"));
        assert!(html.contains("LIMITE &lt;b&gt;"));
    }

    #[test]
    fn anchors_are_fragment_safe() {
        assert_eq!(anchor_id("OP2 bis"), "ref-OP2-bis");
        assert_eq!(anchor_id("PG1.4"), "ref-PG1.4");
        assert_eq!(anchor_id("\"><x"), "ref----x");
    }
}
