//! Word documents (Office Open XML), written with `docx-rs`.
//!
//! Redlines and compilations are real tracked changes: `w:ins` and `w:del` whose `w:author` is
//! the delegation, or the delegations (`Hungary, Türkiye`), or the chair, and whose `w:date` is
//! when the change was proposed or made; a reviewer walks through them and accepts or rejects
//! them in Word or LibreOffice. Justifications and comments are Word comments anchored on the
//! words they are about; contested alternatives are consecutive insertions, each with a
//! comment saying which alternative it is, so that the reviewer keeps one and rejects the rest.
//!
//! The document's structure is Word's own: operative paragraphs and actions are automatically
//! numbered lists (`1.`, `(a)`), so accepting or rejecting a new paragraph renumbers the rest;
//! parts are headings, priority goals numbered headings (`Priority Goal 2`); preambular
//! paragraphs open with an italic word; footnotes are real footnotes whose reference stands
//! where the text carries the marker (`¹`); the classification (`LIMITE`) is in the page
//! header.
//!
//! Why `docx-rs` and not hand-written XML: it writes every part used here (tracked runs,
//! tracked paragraph marks, comments, footnotes, numbering, headers) correctly packaged. Its
//! one drawback is that `w:id` of tracked changes comes from a process-wide counter, so two
//! renderings of the same value differ in those ids (and only there); tests compare the text
//! as a reader sees it, never raw bytes.

use crate::RenderError;
use crate::context::{Context, rfc3339};
use crate::layout::{
    Entry, Label, Piece, Place, Presence, Side, entries, label, pair_footnotes, pieces,
    redline_places,
};
use crate::text::{first_word, local_marks, xml_text};
use docx_rs::{
    AbstractNumbering, AlignmentType, BreakType, Comment, Delete, Docx, FieldCharType, Footer,
    Footnote, Header, IndentLevel, Insert, InstrNUMPAGES, InstrPAGE, InstrText, Level, LevelJc,
    LevelOverride, LevelSuffixType, LevelText, LineSpacing, NumberFormat, Numbering, NumberingId,
    Paragraph, Run, RunFonts, RunProperty, SpecialIndentType, Start, Style, StyleType,
    VertAlignType,
};
use penholder_core::{Document, InlineMark, NodeId, NodeKind, References, Version, emphasis_runs};
use penholder_diff::{
    Change, Compilation, NodeCompilation, NodeRedline, NodeStatus, Origin, Redline, Scope,
    SegmentKind,
};

/// A version's clean text.
///
/// The file carries what penholder needs to read it back when a delegation returns it edited
/// (`penholder_import::docx`): each node's paragraph is wrapped in a bookmark named from its id
/// and the package has the version's number and hash as custom document properties
/// ([`embed_version_ids`]).
pub fn version(version: &Version, context: &Context) -> Result<Vec<u8>, RenderError> {
    let subtitle = format!("Version {} \u{2014} {}", version.number, version.label);
    document_with_subtitle(
        &version.document,
        context,
        &subtitle,
        &version.label,
        Some(version),
    )
}

/// A document's clean text.
pub fn document(document: &Document, context: &Context) -> Result<Vec<u8>, RenderError> {
    document_with_subtitle(document, context, "", "", None)
}

fn document_with_subtitle(
    document: &Document,
    context: &Context,
    subtitle: &str,
    footer_label: &str,
    ids_of: Option<&Version>,
) -> Result<Vec<u8>, RenderError> {
    let references = References::of(document);
    let mut writer = Writer::new(context, &document.title, subtitle);
    writer.footer_label = footer_label.to_string();
    if let Some(legend) = state_legend(context) {
        let note = writer.note(MARKS_AUTHOR, None, &legend);
        writer.title_comments.push(note);
    }
    if let Some(version) = ids_of {
        writer.docx = embed_version_ids(std::mem::take(&mut writer.docx), version);
        writer.node_bookmarks = true;
    }
    let walk = document.walk();
    let mut index = 0;
    while index < walk.len() {
        let visit = walk[index];
        index += 1;
        let node = visit.node;
        let reference = references
            .reference(node.id)
            .map(|r| r.0.clone())
            .unwrap_or_default();
        // Footnotes go with the paragraph whose text carries their marker (their parent).
        let mut footnotes = Vec::new();
        while index < walk.len()
            && walk[index].node.kind == NodeKind::Footnote
            && walk[index].parent.map(|p| p.id) == Some(node.id)
        {
            footnotes.push(walk[index].node);
            index += 1;
        }
        let shape = Shape {
            node: node.id,
            kind: node.kind,
            reference: &reference,
            mark: None,
            written: None,
        };
        let chunks = vec![Chunk::emphasized(&node.text, &node.marks)];
        let notes = footnotes
            .iter()
            .map(|f| Note {
                presence: Presence::Both,
                chunks: vec![Chunk::emphasized(&f.text, &f.marks)],
                mark: None,
            })
            .collect();
        // The state of the paragraph and its open brackets are Word comments beside it, by
        // penholder: visible in the margin, never read back as the paragraph's text nor as the
        // delegation's comments.
        let comments = state_notes(context, node.id)
            .into_iter()
            .map(|text| writer.note(MARKS_AUTHOR, None, &text))
            .collect();
        writer.paragraph(&shape, chunks, notes, comments);
    }
    writer.finish()
}

/// The author of the comments penholder writes beside a version's paragraphs (status,
/// reservations, open brackets) and of their legend: the Word reader leaves them out of a
/// delegation's submission (`penholder_negotiation::word`).
pub const MARKS_AUTHOR: &str = "penholder";

/// What a version's Word file says beside a paragraph: its status and standing reservations,
/// and each open bracket on it.
fn state_notes(context: &Context, node: penholder_core::NodeId) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(marks) = context.paragraphs.get(&node) {
        let mut line = format!("Status: {}", marks.status.label());
        if let Some(note) = &marks.note {
            line.push_str(&format!(" ({note})"));
        }
        if !marks.reservations.is_empty() {
            line.push_str(&format!(
                ". Reservations: {}",
                marks.reservations.join(", ")
            ));
        }
        notes.push(line);
    }
    for line in context.bracket_lines(node) {
        notes.push(format!("Open bracket {line}"));
    }
    notes
}

/// The legend of the marks a version's Word file carries, a comment on its title.
fn state_legend(context: &Context) -> Option<String> {
    let mut parts = Vec::new();
    if !context.paragraphs.is_empty() {
        parts.push(
            "Paragraph status (in the comment beside each paragraph): open, agreed ad ref., \
             agreed, adopted. Reservations: SR scrutiny, GR general, PR parliamentary, LR \
             linguistic, with the delegation that entered it."
                .to_string(),
        );
    }
    if !context.brackets.is_empty() {
        parts.push(
            "Open brackets: [wording of this version] / [alternative (proposers)], a change \
             left open at the last consolidation; the first wording stands until the chair \
             resolves it."
                .to_string(),
        );
    }
    (!parts.is_empty()).then(|| format!("Legend. {}", parts.join(" ")))
}

/// A round's compilation as tracked changes: every proposal an insertion or deletion by its
/// delegations, contested alternatives one after another with comments, justifications and
/// comments as Word comments.
pub fn compilation(compilation: &Compilation, context: &Context) -> Result<Vec<u8>, RenderError> {
    let subtitle = format!(
        "Compilation of feedback on version {}: {} changes, {} contested",
        compilation.base_version,
        compilation.changes_count(),
        compilation.contested_count()
    );
    let mut writer = Writer::new(context, &compilation.document_title, &subtitle);
    writer.footer_label = writer.subtitle.clone();
    for comment in &compilation.general_comments {
        let note = writer.note(
            context.name(&comment.delegation),
            context.delegation_date(&comment.delegation),
            &comment.text,
        );
        writer.title_comments.push(note);
    }
    for flag in &compilation.general_flags {
        let note = writer.note(&context.chair, None, &flag_text(flag, context));
        writer.title_comments.push(note);
    }
    for entry in entries(compilation) {
        match entry {
            Entry::Node { node, footnotes } => compiled_node(&mut writer, node, &footnotes),
            Entry::New {
                anchor,
                change,
                reference,
                ..
            } => {
                let kind = change
                    .alternatives
                    .first()
                    .and_then(|a| a.kind)
                    .unwrap_or(anchor.kind);
                for alternative in &change.alternatives {
                    let who = alternative.delegations();
                    let mark = writer.mark(
                        &context.author(&who),
                        context.alternative_date(change, alternative),
                    );
                    let mut text = joint_line("", &who, context);
                    if change.contested {
                        if !text.is_empty() {
                            text.push('\n');
                        }
                        text.push_str(&format!(
                            "Alternative {} of {} for a new paragraph ({reference}, change {}): keep one, reject the others.",
                            alternative.id,
                            change.alternatives.len(),
                            change.id
                        ));
                    }
                    append_justifications(&mut text, alternative, context);
                    let mut comments = Vec::new();
                    if !text.is_empty() {
                        comments.push(writer.note(
                            &context.author(&who),
                            context.alternative_date(change, alternative),
                            &text,
                        ));
                    }
                    let shape = Shape {
                        node: change.node,
                        kind,
                        reference: &reference,
                        mark: Some(Track::Ins(mark.clone())),
                        written: None,
                    };
                    let chunks = vec![Chunk {
                        text: alternative.text.as_deref().unwrap_or(""),
                        track: Track::Ins(mark),
                        comments,
                        marks: Vec::new(),
                        italic_first: false,
                    }];
                    writer.paragraph(&shape, chunks, Vec::new(), Vec::new());
                }
            }
        }
    }
    if !compilation.unplaced.is_empty() {
        writer.plain_heading("Items that could not be placed");
        for unplaced in &compilation.unplaced {
            writer.plain_paragraph(&format!(
                "{}, item {}: {}",
                context.name(&unplaced.delegation),
                unplaced.item + 1,
                unplaced.reason
            ));
        }
    }
    // Who stands behind the changes a group or a co-sponsor supports ("EU (except HU)").
    let labels: Vec<(&str, &str, &str)> = compilation
        .nodes
        .iter()
        .flat_map(|node| context.support_labels_of(&node.changes))
        .collect();
    if !labels.is_empty() {
        writer.plain_heading("Supporters through groups and co-sponsors");
        for (change, alternative, label) in labels {
            writer.plain_paragraph(&format!(
                "Change {change}, alternative {alternative}: supported by {label}"
            ));
        }
    }
    writer.finish()
}

fn flag_text(flag: &penholder_diff::Flag, context: &Context) -> String {
    format!(
        "Hidden characters in the proposal of {} (item {}): {}. They can hide or reorder text.",
        context.name(&flag.delegation),
        flag.item + 1,
        flag.characters.join(" ")
    )
}

fn append_justifications(
    text: &mut String,
    alternative: &penholder_diff::Alternative,
    context: &Context,
) {
    for support in &alternative.supporters {
        if let Some(justification) = &support.justification {
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(&format!(
                "Justification ({}): {justification}",
                context.name(&support.delegation)
            ));
        }
    }
}

/// The chunks of a compiled node: base text, and per word-level change the deletion of its
/// base words and the insertion of each alternative.
fn compiled_chunks<'a>(writer: &mut Writer<'_>, node: &'a NodeCompilation) -> Vec<Chunk<'a>> {
    let context = writer.context;
    let mut chunks = Vec::new();
    let mut first = true;
    for piece in pieces(node) {
        match piece {
            Piece::Text(text, _) => chunks.push(Chunk {
                text,
                track: Track::None,
                comments: Vec::new(),
                marks: Vec::new(),
                italic_first: first,
            }),
            Piece::Change(change) => change_chunks(writer, change, &mut chunks, context),
        }
        first = false;
    }
    chunks
}

fn change_chunks<'a>(
    writer: &mut Writer<'_>,
    change: &'a Change,
    chunks: &mut Vec<Chunk<'a>>,
    context: &Context,
) {
    let everyone = change.delegations();
    if !change.base_text.is_empty() {
        let mut comments = Vec::new();
        // The deletion stands for every alternative that does not keep the base words; when
        // one alternative only deletes them, its comment goes on the deletion.
        for alternative in &change.alternatives {
            if alternative.text.as_deref().is_some_and(|t| t.is_empty()) {
                let text = alternative_comment(change, alternative, context);
                if !text.is_empty() {
                    comments.push(writer.note(
                        &context.author(&alternative.delegations()),
                        context.alternative_date(change, alternative),
                        &text,
                    ));
                }
            }
        }
        // One author for the deletion (the first proposer); when several delegations' proposals
        // replace or delete these words and no comment names them yet, one comment does.
        let author = context.author(&everyone);
        if comments.is_empty() && everyone.len() > 1 {
            let text = format!(
                "Replaced or deleted by the proposals of {}.",
                context.names(&everyone)
            );
            comments.push(writer.note(&author, context.proposed_at(change), &text));
        }
        let mark = writer.mark(&author, context.proposed_at(change));
        chunks.push(Chunk {
            text: &change.base_text,
            track: Track::Del(mark),
            comments,
            marks: Vec::new(),
            italic_first: false,
        });
    }
    for alternative in &change.alternatives {
        let Some(text) = alternative.text.as_deref().filter(|t| !t.is_empty()) else {
            continue;
        };
        let who = alternative.delegations();
        let date = context.alternative_date(change, alternative);
        let comment = alternative_comment(change, alternative, context);
        let comments = if comment.is_empty() {
            Vec::new()
        } else {
            vec![writer.note(&context.author(&who), date, &comment)]
        };
        let mark = writer.mark(&context.author(&who), date);
        chunks.push(Chunk {
            text,
            track: Track::Ins(mark),
            comments,
            marks: Vec::new(),
            italic_first: false,
        });
    }
}

/// What a comment on an alternative says: which alternative it is when contested, and the
/// supporters' justifications.
fn alternative_comment(
    change: &Change,
    alternative: &penholder_diff::Alternative,
    context: &Context,
) -> String {
    let mut text = String::new();
    if change.contested {
        let what = match alternative.text.as_deref() {
            Some("") => "delete these words".to_string(),
            Some(t) => format!("\u{201C}{t}\u{201D}"),
            None => "delete the paragraph".to_string(),
        };
        let others: Vec<String> = change
            .alternatives
            .iter()
            .filter(|a| a.id != alternative.id)
            .map(|a| format!("{} ({})", a.id, context.names(&a.delegations())))
            .collect();
        text.push_str(&format!(
            "Alternative {} of {} (change {}): {what}, proposed by {}. Other alternatives: {}. Keep one, reject the others.",
            alternative.id,
            change.alternatives.len(),
            change.id,
            context.names(&alternative.delegations()),
            others.join("; ")
        ));
        if let Some(family) = change.family_of(&alternative.id)
            && family.variants.len() > 1
        {
            // Variants differ only by case, punctuation, spacing, numerals or spelling.
            text.push_str(&format!(
                " Alternatives {} say the same words.",
                family.variants.join(", ")
            ));
        }
    }
    if !change.contested {
        let what = match alternative.text.as_deref() {
            None => "delete the paragraph",
            Some("") => "delete these words",
            Some(_) => "",
        };
        text.push_str(&joint_line(what, &alternative.delegations(), context));
    }
    append_justifications(&mut text, alternative, context);
    text
}

/// For a proposal several delegations made together: the line that names them all, since the
/// tracked change carries only its first proposer as author (`docs/word.md`); empty otherwise.
/// `what` says what was proposed when the tracked change alone does not (`delete the
/// paragraph`), else is empty.
fn joint_line<S: AsRef<str>>(what: &str, codes: &[S], context: &Context) -> String {
    if codes.len() < 2 {
        return String::new();
    }
    let what = if what.is_empty() {
        String::new()
    } else {
        format!(": {what}")
    };
    format!("Proposed jointly by {}{what}.", context.names(codes))
}

fn compiled_node(writer: &mut Writer<'_>, node: &NodeCompilation, footnotes: &[&NodeCompilation]) {
    let context = writer.context;
    // An uncontested node-level change is a proposal to delete the node: the whole paragraph
    // becomes a tracked deletion by its supporters.
    let deletion = node.changes.iter().find(|c| {
        c.scope == Scope::Node
            && !c.contested
            && c.alternatives.first().is_some_and(|a| a.text.is_none())
    });
    let mut paragraph_comments = Vec::new();
    let deletion = deletion.and_then(|c| c.alternatives.first().map(|a| (c, a)));
    let (chunks, mark) = if let Some((change, alternative)) = deletion {
        let who = context.author(&alternative.delegations());
        let date = context.alternative_date(change, alternative);
        let mut text = joint_line("delete the paragraph", &alternative.delegations(), context);
        append_justifications(&mut text, alternative, context);
        let mut comments = Vec::new();
        if !text.is_empty() {
            comments.push(writer.note(&who, date, &text));
        }
        let mark = writer.mark(&who, date);
        (
            vec![Chunk {
                text: &node.base_text,
                track: Track::Del(mark.clone()),
                comments,
                marks: Vec::new(),
                italic_first: true,
            }],
            Some(Track::Del(mark)),
        )
    } else {
        (compiled_chunks(writer, node), None)
    };
    for change in &node.changes {
        if change.scope == Scope::Node && change.contested {
            let mut text = format!("Proposals on the whole paragraph (change {}):", change.id);
            for alternative in &change.alternatives {
                let what = match &alternative.text {
                    None => "delete the paragraph".to_string(),
                    Some(t) => format!("\u{201C}{t}\u{201D}"),
                };
                text.push_str(&format!(
                    "\n{}) {}: {what}",
                    alternative.id,
                    context.names(&alternative.delegations())
                ));
                for support in &alternative.supporters {
                    if let Some(justification) = &support.justification {
                        text.push_str(&format!(
                            " (justification, {}: {justification})",
                            context.name(&support.delegation)
                        ));
                    }
                }
            }
            let who = context.author(&change.delegations());
            paragraph_comments.push(writer.note(&who, context.proposed_at(change), &text));
        }
    }
    for comment in &node.comments {
        paragraph_comments.push(writer.note(
            context.name(&comment.delegation),
            context.delegation_date(&comment.delegation),
            &comment.text,
        ));
    }
    for flag in &node.flags {
        let text = flag_text(flag, context);
        paragraph_comments.push(writer.note(&context.chair, None, &text));
    }
    let notes = footnotes
        .iter()
        .map(|footnote| {
            let chunks = compiled_chunks(writer, footnote);
            Note {
                presence: Presence::Both,
                chunks,
                mark: None,
            }
        })
        .collect();
    let shape = Shape {
        node: node.node,
        kind: node.kind,
        reference: &node.reference,
        mark,
        written: None,
    };
    writer.paragraph(&shape, chunks, notes, paragraph_comments);
}

/// The differences between two versions as tracked changes, each by the delegations (or the
/// chair) behind it, dated when its round was consolidated.
///
/// A moved paragraph appears deleted at its old place and inserted at its new one. Its old
/// place is inferred from its reference in the source version, which is right unless a
/// paragraph of another kind stood just before it (or it is the only one of its kind); pass
/// the source version to [`redline_from`] to place it exactly.
///
/// A number the text writes (`Art 21`, `(3)`) opens its paragraph as in the version; a changed
/// one is the deletion of the old and the insertion of the new, by the chair.
pub fn redline(redline: &Redline, context: &Context) -> Result<Vec<u8>, RenderError> {
    tracked_redline(redline, None, context)
}

/// [`redline`] with the version the redline starts from, so that moved paragraphs are shown
/// deleted exactly where they stood.
pub fn redline_from(
    redline: &Redline,
    source: &Document,
    context: &Context,
) -> Result<Vec<u8>, RenderError> {
    tracked_redline(redline, Some(source), context)
}

fn tracked_redline(
    redline: &Redline,
    source: Option<&Document>,
    context: &Context,
) -> Result<Vec<u8>, RenderError> {
    let mut writer = Writer::new(context, &redline.document_title, "Redline");
    writer.footer_label = writer.subtitle.clone();
    if let Some(legend) = state_legend(context) {
        let note = writer.note(MARKS_AUTHOR, None, &legend);
        writer.title_comments.push(note);
    }
    let nodes = &redline.nodes;
    // Moved nodes appear twice: deleted where they stood, inserted where they stand.
    let places = redline_places(nodes, source);
    // A moved node's old place is shown at its depth in the source, where its deleted
    // footnote (listed at its source depth) hangs under it.
    let source_depths: std::collections::HashMap<penholder_core::NodeId, usize> = source
        .map(|document| {
            document
                .walk()
                .iter()
                .map(|visit| (visit.node.id, visit.depth))
                .collect()
        })
        .unwrap_or_default();
    let depth_in = |node: &penholder_diff::NodeRedline, mode: Mode| match mode {
        Mode::Deleted => source_depths.get(&node.node).copied().unwrap_or(node.depth),
        _ => node.depth,
    };
    let mut at = 0;
    while at < places.len() {
        let place = places[at];
        at += 1;
        let (index, mode) = place_parts(place);
        let node = &nodes[index];
        let mut footnotes = Vec::new();
        if node.kind != NodeKind::Footnote {
            while let Some(&next) = places.get(at) {
                let (next_index, next_mode) = place_parts(next);
                let candidate = &nodes[next_index];
                if next_mode != mode
                    || candidate.kind != NodeKind::Footnote
                    || depth_in(candidate, next_mode) != depth_in(node, mode) + 1
                {
                    break;
                }
                footnotes.push((candidate, next_mode));
                at += 1;
            }
        }
        let reference = match mode {
            Mode::Deleted => node
                .reference_from
                .as_deref()
                .or(node.reference_to.as_deref()),
            _ => node
                .reference_to
                .as_deref()
                .or(node.reference_from.as_deref()),
        }
        .unwrap_or("");
        let chunks = place_chunks(&mut writer, node, mode);
        let mark = place_mark(&mut writer, node, mode);
        let notes = footnotes
            .iter()
            .map(|(footnote, footnote_mode)| Note {
                presence: match (footnote_mode, footnote.status) {
                    (Mode::Inserted, _) | (Mode::Normal, NodeStatus::Inserted) => Presence::NewOnly,
                    (Mode::Deleted, _) | (Mode::Normal, NodeStatus::Deleted) => Presence::OldOnly,
                    _ => Presence::Both,
                },
                chunks: place_chunks(&mut writer, footnote, *footnote_mode),
                mark: place_mark(&mut writer, footnote, *footnote_mode),
            })
            .collect();
        let mut comments = Vec::new();
        if node.status == NodeStatus::Moved {
            let text = match mode {
                Mode::Deleted => format!(
                    "Moved{}.",
                    node.reference_to
                        .as_deref()
                        .map(|r| format!(" to {r}"))
                        .unwrap_or_default()
                ),
                _ => format!(
                    "Moved{}.",
                    node.reference_from
                        .as_deref()
                        .map(|r| format!(" from {r}"))
                        .unwrap_or_default()
                ),
            };
            let origins = moved_origins(node);
            comments.push(writer.note(
                &context.origin_author(&origins),
                context.origins_date(&origins),
                &text,
            ));
        }
        if mode != Mode::Deleted {
            comments.extend(redline_comments(&mut writer, node));
            // The target version's state of the paragraph, as its own Word file shows it.
            if node.status != NodeStatus::Deleted {
                for text in state_notes(context, node.node) {
                    comments.push(writer.note(MARKS_AUTHOR, None, &text));
                }
            }
        }
        // A moved paragraph's old place writes its old number, its new place the new one.
        let (num_from, num_to) = (node.num_from.as_deref(), node.num_to.as_deref());
        let written = match mode {
            Mode::Deleted => Written {
                old: num_from,
                new: None,
            },
            Mode::Inserted => Written {
                old: None,
                new: num_to,
            },
            Mode::Normal => Written {
                old: num_from,
                new: num_to,
            },
        };
        let shape = Shape {
            node: node.node,
            kind: node.kind,
            reference,
            mark,
            written: Some(written),
        };
        writer.paragraph(&shape, chunks, notes, comments);
    }
    writer.finish()
}

/// The comments beside a redline node's changes: for each accepted proposal behind them, the
/// delegations that proposed it jointly (the tracked change names only the first) and their
/// justifications, as the round recorded them ([`Context::justifications`]).
fn redline_comments(writer: &mut Writer<'_>, node: &NodeRedline) -> Vec<Comment> {
    let context = writer.context;
    let mut seen: Vec<&Origin> = Vec::new();
    let mut comments = Vec::new();
    for segment in node
        .segments
        .iter()
        .filter(|s| s.kind != SegmentKind::Equal)
    {
        for origin in &segment.attribution {
            let Origin::Accepted { round, delegations } = origin else {
                continue;
            };
            if seen.contains(&origin) {
                continue;
            }
            seen.push(origin);
            let mut text = joint_line("", delegations, context);
            let justifications = context.justifications.get(&(round.clone(), node.node));
            for justification in justifications.into_iter().flatten() {
                if !delegations.contains(&justification.delegation) {
                    continue;
                }
                if !text.is_empty() {
                    text.push('\n');
                }
                text.push_str(&format!(
                    "Justification ({}): {}",
                    context.name(&justification.delegation),
                    justification.text
                ));
            }
            if !text.is_empty() {
                let date = context.origins_date(std::slice::from_ref(origin));
                comments.push(writer.note(&context.author(delegations), date, &text));
            }
        }
    }
    comments
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Normal,
    Inserted,
    Deleted,
}

fn place_parts(place: Place) -> (usize, Mode) {
    match place {
        Place::Normal(index) => (index, Mode::Normal),
        Place::Inserted(index) => (index, Mode::Inserted),
        Place::Deleted(index) => (index, Mode::Deleted),
    }
}

/// Who a move is attributed to: the origins of the moved node's changed text, if any.
fn moved_origins(node: &NodeRedline) -> Vec<Origin> {
    let mut origins: Vec<Origin> = Vec::new();
    for segment in &node.segments {
        for origin in &segment.attribution {
            if !origins.contains(origin) {
                origins.push(origin.clone());
            }
        }
    }
    origins
}

/// A node's chunks: its own changes at its place; at a moved node's new place its target text
/// inserted, at its old place its source text deleted.
fn place_chunks<'a>(writer: &mut Writer<'_>, node: &'a NodeRedline, mode: Mode) -> Vec<Chunk<'a>> {
    let context = writer.context;
    let (kept, track) = match mode {
        Mode::Normal => return redline_chunks(writer, node),
        Mode::Inserted => (SegmentKind::Insert, true),
        Mode::Deleted => (SegmentKind::Delete, false),
    };
    let origins = moved_origins(node);
    let mark = writer.mark(
        &context.origin_author(&origins),
        context.origins_date(&origins),
    );
    node.segments
        .iter()
        .zip(segment_marks(node))
        .filter(|(s, _)| s.kind == SegmentKind::Equal || s.kind == kept)
        .enumerate()
        .map(|(index, (segment, marks))| Chunk {
            text: &segment.text,
            track: if track {
                Track::Ins(mark.clone())
            } else {
                Track::Del(mark.clone())
            },
            comments: Vec::new(),
            marks,
            italic_first: index == 0,
        })
        .collect()
}

/// The emphasis of each segment of a redline node (byte ranges of the segment's text): kept
/// and inserted words the target's, deleted words the source's.
fn segment_marks(node: &NodeRedline) -> Vec<Vec<InlineMark>> {
    let (mut source_at, mut target_at) = (0, 0);
    node.segments
        .iter()
        .map(|segment| {
            let length = segment.text.len();
            match segment.kind {
                SegmentKind::Equal => {
                    let marks = local_marks(&node.marks_to, target_at..target_at + length);
                    source_at += length;
                    target_at += length;
                    marks
                }
                SegmentKind::Insert => {
                    target_at += length;
                    local_marks(&node.marks_to, target_at - length..target_at)
                }
                SegmentKind::Delete => {
                    source_at += length;
                    local_marks(&node.marks_from, source_at - length..source_at)
                }
            }
        })
        .collect()
}

fn place_mark(writer: &mut Writer<'_>, node: &NodeRedline, mode: Mode) -> Option<Track> {
    let context = writer.context;
    match mode {
        Mode::Normal => node_mark(writer, node),
        Mode::Inserted | Mode::Deleted => {
            let origins = moved_origins(node);
            let mark = writer.mark(
                &context.origin_author(&origins),
                context.origins_date(&origins),
            );
            Some(if mode == Mode::Inserted {
                Track::Ins(mark)
            } else {
                Track::Del(mark)
            })
        }
    }
}

fn redline_chunks<'a>(writer: &mut Writer<'_>, node: &'a NodeRedline) -> Vec<Chunk<'a>> {
    let context = writer.context;
    let mut chunks = Vec::with_capacity(node.segments.len());
    for (index, (segment, marks)) in node.segments.iter().zip(segment_marks(node)).enumerate() {
        let track = match segment.kind {
            SegmentKind::Equal => Track::None,
            SegmentKind::Insert => Track::Ins(writer.mark(
                &context.origin_author(&segment.attribution),
                context.origins_date(&segment.attribution),
            )),
            SegmentKind::Delete => Track::Del(writer.mark(
                &context.origin_author(&segment.attribution),
                context.origins_date(&segment.attribution),
            )),
        };
        chunks.push(Chunk {
            text: &segment.text,
            track,
            comments: Vec::new(),
            marks,
            italic_first: index == 0,
        });
    }
    chunks
}

/// The tracked paragraph mark of an inserted or deleted node, by whoever inserted or deleted
/// its text.
fn node_mark(writer: &mut Writer<'_>, node: &NodeRedline) -> Option<Track> {
    let context = writer.context;
    let kind = match node.status {
        NodeStatus::Inserted => SegmentKind::Insert,
        NodeStatus::Deleted => SegmentKind::Delete,
        _ => return None,
    };
    let origins: Vec<Origin> = node
        .segments
        .iter()
        .filter(|s| s.kind == kind)
        .flat_map(|s| s.attribution.iter().cloned())
        .collect();
    let mark = writer.mark(
        &context.origin_author(&origins),
        context.origins_date(&origins),
    );
    Some(match kind {
        SegmentKind::Insert => Track::Ins(mark),
        _ => Track::Del(mark),
    })
}

// ---------------------------------------------------------------------------------------------
// The writer.
// ---------------------------------------------------------------------------------------------

/// Who made a tracked change, and when (`w:author`, `w:date`).
#[derive(Clone, Debug)]
struct Mark {
    author: String,
    date: String,
}

#[derive(Clone, Debug)]
enum Track {
    None,
    Ins(Mark),
    Del(Mark),
}

impl Track {
    fn side(&self) -> Side {
        match self {
            Track::None => Side::Both,
            Track::Ins(_) => Side::New,
            Track::Del(_) => Side::Old,
        }
    }
}

/// A run of a paragraph's text, tracked or not, with comments anchored on it.
struct Chunk<'a> {
    text: &'a str,
    track: Track,
    comments: Vec<Comment>,
    /// Bold and italic over ranges of `text` (byte offsets into it).
    marks: Vec<InlineMark>,
    /// For preambular paragraphs: this chunk opens the paragraph, set its first word in italics.
    italic_first: bool,
}

impl<'a> Chunk<'a> {
    /// A node's whole text with its emphasis.
    fn emphasized(text: &'a str, marks: &[InlineMark]) -> Self {
        Chunk {
            marks: marks.to_vec(),
            ..Chunk::plain(text)
        }
    }

    fn plain(text: &'a str) -> Self {
        Chunk {
            text,
            track: Track::None,
            comments: Vec::new(),
            marks: Vec::new(),
            italic_first: true,
        }
    }
}

/// A footnote of a paragraph: its text, and whether it is in the old text, the new, or both.
struct Note<'a> {
    presence: Presence,
    chunks: Vec<Chunk<'a>>,
    /// Tracked insertion or deletion of the whole footnote.
    mark: Option<Track>,
}

/// What a paragraph is: it decides its style and numbering.
struct Shape<'a> {
    node: NodeId,
    kind: NodeKind,
    reference: &'a str,
    /// A tracked insertion or deletion of the whole paragraph (its paragraph mark).
    mark: Option<Track>,
    /// In a redline, the numbers the paragraph writes before and after (`None` elsewhere: the
    /// context's numbers of the version apply).
    written: Option<Written<'a>>,
}

/// The numbers a redline paragraph writes in the source and in the target (`None`: derived
/// numbering, or absent on that side); a difference is a tracked change of the number.
#[derive(Clone, Copy)]
struct Written<'a> {
    old: Option<&'a str>,
    new: Option<&'a str>,
}

/// Numbering instances: operative paragraphs and their items, bullets, and one instance per
/// priority goal so that its actions start again at 1. docx-rs always writes a default list
/// with ids 1 (abstract and instance), so ours start at 10.
const NUM_OPERATIVE: usize = 10;
const NUM_BULLET: usize = 11;
const NUM_GOALS: usize = 12;
const NUM_FIRST_ACTIONS: usize = 20;
const ABSTRACT_OPERATIVE: usize = 10;
const ABSTRACT_BULLET: usize = 11;
const ABSTRACT_GOALS: usize = 12;
const ABSTRACT_ACTIONS: usize = 13;

/// The first comment id. Comment and footnote ids are separate in OOXML, but LibreOffice's
/// import mixes up a footnote with the comment of the same id (a compilation showed the Silk
/// Routes footnote as note 1, notes 2 and 5 empty, the EUR-Lex URL twice); comments are
/// therefore numbered from far above any footnote's id.
const FIRST_COMMENT_ID: usize = 1_000_000;

struct Writer<'c> {
    context: &'c Context,
    docx: Docx,
    title: String,
    subtitle: String,
    /// Comments anchored on the title: on the text as a whole.
    title_comments: Vec<Comment>,
    body: Vec<Paragraph>,
    next_comment: usize,
    next_footnote: usize,
    /// The numbering instance of the current goal's actions.
    actions_num: Option<usize>,
    action_nums: usize,
    fallback_date: String,
    /// The numbering instances paragraphs use: only their definitions are written.
    numbered: std::collections::BTreeSet<usize>,
    /// What the footer names the file's text by (`Rev. 3`, `Zero draft → Rev. 3`).
    footer_label: String,
    /// Whether each node's paragraph is wrapped in a bookmark named from its id.
    node_bookmarks: bool,
}

impl<'c> Writer<'c> {
    fn new(context: &'c Context, document_title: &str, subtitle: &str) -> Self {
        let fallback_date = rfc3339(context.dates.fallback.or(context.generated_at).unwrap_or(0));
        Writer {
            context,
            docx: Docx::new(),
            title: context.title_or(document_title).to_string(),
            subtitle: context
                .subtitle
                .clone()
                .unwrap_or_else(|| subtitle.to_string()),
            title_comments: Vec::new(),
            body: Vec::new(),
            next_comment: FIRST_COMMENT_ID,
            next_footnote: 1,
            actions_num: None,
            action_nums: 0,
            fallback_date,
            numbered: std::collections::BTreeSet::new(),
            footer_label: String::new(),
            node_bookmarks: false,
        }
    }

    fn mark(&self, author: &str, date: Option<i64>) -> Mark {
        Mark {
            author: clean(author),
            date: date
                .map(rfc3339)
                .unwrap_or_else(|| self.fallback_date.clone()),
        }
    }

    /// A Word comment by `author`; each line of `text` on a line of its own.
    fn note(&mut self, author: &str, date: Option<i64>, text: &str) -> Comment {
        let id = self.next_comment;
        self.next_comment += 1;
        let comment = Comment::new(id).author(clean(author)).date(
            date.map(rfc3339)
                .unwrap_or_else(|| self.fallback_date.clone()),
        );
        // One paragraph with line breaks: docx-rs writes a comment into comments.xml once per
        // paragraph it holds, so a comment of several paragraphs would be duplicated.
        comment.add_paragraph(Paragraph::new().add_run(text_run(text, false)))
    }

    fn plain_heading(&mut self, text: &str) {
        self.body.push(
            Paragraph::new()
                .style("Heading1")
                .add_run(Run::new().add_text(clean(text))),
        );
    }

    fn plain_paragraph(&mut self, text: &str) {
        self.body
            .push(Paragraph::new().add_run(Run::new().add_text(clean(text))));
    }

    /// One node as a paragraph (two for a priority goal: its numbered heading, then its title).
    fn paragraph(
        &mut self,
        shape: &Shape<'_>,
        chunks: Vec<Chunk<'_>>,
        notes: Vec<Note<'_>>,
        comments: Vec<Comment>,
    ) {
        let node_label = match shape.written {
            Some(written) => Label::of(shape.kind, shape.reference, written.new.or(written.old)),
            None => label(
                &self.context.numbers,
                shape.node,
                shape.kind,
                shape.reference,
            ),
        };
        let mut paragraph = Paragraph::new();
        match (&node_label, shape.kind) {
            (Label::Verbatim(num), _) => {
                paragraph = match shape.written {
                    Some(written) => self.written_number(paragraph, written, shape.mark.as_ref()),
                    None => paragraph.add_run(number_run(num)),
                };
                if shape.kind == NodeKind::Part {
                    paragraph = paragraph.style("Heading1");
                }
            }
            (_, NodeKind::Part) => paragraph = paragraph.style("Heading1"),
            (_, NodeKind::Goal) => {
                // The goal's number is a heading of its own, numbered by Word.
                self.next_actions_num();
                let mut heading = Paragraph::new()
                    .style("Heading2")
                    .numbering(NumberingId::new(NUM_GOALS), IndentLevel::new(0))
                    .keep_next(true);
                self.numbered.insert(NUM_GOALS);
                heading = mark_paragraph(heading, shape.mark.as_ref());
                self.body.push(heading);
                paragraph = paragraph.style("GoalTitle").keep_next(true);
            }
            (_, NodeKind::Operative) => {
                paragraph =
                    paragraph.numbering(NumberingId::new(NUM_OPERATIVE), IndentLevel::new(0));
                self.numbered.insert(NUM_OPERATIVE);
            }
            (Label::Number(_), NodeKind::Action) => {
                let num = match self.actions_num {
                    Some(num) => num,
                    None => self.next_actions_num(),
                };
                paragraph = paragraph.numbering(NumberingId::new(num), IndentLevel::new(0));
                self.numbered.insert(num);
            }
            (Label::Letter(_), NodeKind::Item) => {
                let num = if shape.reference.starts_with("PG") {
                    self.actions_num.unwrap_or(NUM_OPERATIVE)
                } else {
                    NUM_OPERATIVE
                };
                paragraph = paragraph.numbering(NumberingId::new(num), IndentLevel::new(1));
                self.numbered.insert(num);
            }
            (Label::Bullet, _) => {
                paragraph = paragraph.numbering(NumberingId::new(NUM_BULLET), IndentLevel::new(0));
                self.numbered.insert(NUM_BULLET);
            }
            (_, NodeKind::Footnote) => {
                paragraph = paragraph.style("FootnoteText");
            }
            _ => {}
        }
        paragraph = mark_paragraph(paragraph, shape.mark.as_ref());
        if shape.kind != NodeKind::Footnote && !shape.reference.is_empty() {
            paragraph = add_reference(paragraph, shape.reference, shape.mark.as_ref());
        }
        let italic = shape.kind == NodeKind::Preambular;

        // Footnotes take the markers in the text; those without a marker go at the end.
        let sides: Vec<(&str, Side)> = chunks.iter().map(|c| (c.text, c.track.side())).collect();
        let presences: Vec<Presence> = notes.iter().map(|n| n.presence).collect();
        let pairs = pair_footnotes(&sides, &presences);
        let mut footnotes: Vec<(Footnote, Track)> = Vec::with_capacity(notes.len());
        for note in notes {
            let track = note.mark.clone().unwrap_or(Track::None);
            footnotes.push((self.footnote(note), track));
        }
        let mut at_marker: Vec<Vec<(std::ops::Range<usize>, usize)>> =
            vec![Vec::new(); chunks.len()];
        let mut at_end = Vec::new();
        for (index, pair) in pairs.iter().enumerate() {
            match pair {
                Some((chunk, range)) => at_marker[*chunk].push((range.clone(), index)),
                None => at_end.push(index),
            }
        }

        let mut paragraph_comment_ids = Vec::new();
        for comment in comments {
            paragraph_comment_ids.push(comment.id);
            paragraph = paragraph.add_comment_start(comment);
        }
        for (index, chunk) in chunks.into_iter().enumerate() {
            let mut ids = Vec::new();
            for comment in chunk.comments {
                ids.push(comment.id);
                paragraph = paragraph.add_comment_start(comment);
            }
            let mut at = 0;
            let markers = &at_marker[index];
            for (range, footnote) in markers {
                if range.start > at {
                    paragraph = add_text(
                        paragraph,
                        &chunk.text[at..range.start],
                        &local_marks(&chunk.marks, at..range.start),
                        &chunk.track,
                        italic && chunk.italic_first && at == 0,
                    );
                }
                paragraph =
                    add_footnote_reference(paragraph, footnotes[*footnote].0.clone(), &chunk.track);
                at = range.end;
            }
            if at < chunk.text.len() {
                paragraph = add_text(
                    paragraph,
                    &chunk.text[at..],
                    &local_marks(&chunk.marks, at..chunk.text.len()),
                    &chunk.track,
                    italic && chunk.italic_first && at == 0,
                );
            }
            for id in ids {
                paragraph = paragraph.add_comment_end(id);
            }
        }
        for index in at_end {
            let (footnote, track) = footnotes[index].clone();
            paragraph = add_footnote_reference(paragraph, footnote, &track);
        }
        for id in paragraph_comment_ids {
            paragraph = paragraph.add_comment_end(id);
        }
        if self.node_bookmarks {
            paragraph = with_node_bookmark(paragraph, shape.node, self.body.len() + 1);
        }
        self.body.push(paragraph);
    }

    /// A redline paragraph's written number: tracked with the paragraph when the whole
    /// paragraph is inserted or deleted; a changed number as the deletion of the old and the
    /// insertion of the new, by the chair (numbering is the editor's), so that accepting every
    /// change gives the target's numbers and rejecting every one the source's.
    fn written_number(
        &self,
        mut paragraph: Paragraph,
        written: Written<'_>,
        mark: Option<&Track>,
    ) -> Paragraph {
        let track = |paragraph: Paragraph, num: &str, track: &Track| match track {
            Track::None => paragraph.add_run(number_run(num)),
            Track::Ins(mark) => paragraph.add_insert(
                Insert::new(number_run(num))
                    .author(mark.author.clone())
                    .date(mark.date.clone()),
            ),
            Track::Del(mark) => paragraph.add_delete(
                Delete::new()
                    .add_run(deleted_number_run(num))
                    .author(mark.author.clone())
                    .date(mark.date.clone()),
            ),
        };
        if let Some(whole) = mark {
            if let Some(num) = written.new.or(written.old) {
                paragraph = track(paragraph, num, whole);
            }
            return paragraph;
        }
        if written.old == written.new {
            if let Some(num) = written.new {
                paragraph = track(paragraph, num, &Track::None);
            }
            return paragraph;
        }
        let editor = self.mark(&self.context.chair, None);
        if let Some(old) = written.old {
            paragraph = track(paragraph, old, &Track::Del(editor.clone()));
        }
        if let Some(new) = written.new {
            paragraph = track(paragraph, new, &Track::Ins(editor));
        }
        paragraph
    }

    fn next_actions_num(&mut self) -> usize {
        let num = NUM_FIRST_ACTIONS + self.action_nums;
        self.action_nums += 1;
        self.actions_num = Some(num);
        num
    }

    fn footnote(&mut self, note: Note<'_>) -> Footnote {
        let id = self.next_footnote;
        self.next_footnote += 1;
        let mut paragraph = Paragraph::new().style("FootnoteText");
        paragraph = mark_paragraph(paragraph, note.mark.as_ref());
        for chunk in note.chunks {
            paragraph = add_text(paragraph, chunk.text, &chunk.marks, &chunk.track, false);
        }
        // The id is set here, not drawn from docx-rs's process-wide counter, so that
        // footnote ids are 1, 2, 3… in every document.
        Footnote {
            id,
            content: vec![paragraph],
        }
    }

    fn finish(self) -> Result<Vec<u8>, RenderError> {
        let Writer {
            context,
            mut docx,
            title,
            subtitle,
            title_comments,
            body,
            numbered,
            footer_label,
            ..
        } = self;
        docx = docx
            .default_fonts(
                RunFonts::new()
                    .ascii("Times New Roman")
                    .hi_ansi("Times New Roman")
                    .cs("Times New Roman")
                    .east_asia("Times New Roman"),
            )
            .default_size(24)
            .add_style(
                Style::new("Heading1", StyleType::Paragraph)
                    .name("heading 1")
                    .based_on("Normal")
                    .next("Normal")
                    .bold()
                    .size(28)
                    .outline_lvl(0),
            )
            .add_style(
                Style::new("Heading2", StyleType::Paragraph)
                    .name("heading 2")
                    .based_on("Normal")
                    .next("Normal")
                    .bold()
                    .size(24)
                    .outline_lvl(1),
            )
            .add_style(
                Style::new("GoalTitle", StyleType::Paragraph)
                    .name("Goal title")
                    .based_on("Normal")
                    .bold(),
            )
            .add_style(
                Style::new("Title", StyleType::Paragraph)
                    .name("Title")
                    .based_on("Normal")
                    .bold()
                    .size(32)
                    .align(AlignmentType::Center),
            )
            .add_style(
                Style::new("Subtitle", StyleType::Paragraph)
                    .name("Subtitle")
                    .based_on("Normal")
                    .italic()
                    .align(AlignmentType::Center),
            )
            .add_style(
                Style::new("FootnoteText", StyleType::Paragraph)
                    .name("footnote text")
                    .based_on("Normal")
                    .size(20),
            )
            .add_style({
                let mut style = Style::new("FootnoteReference", StyleType::Character)
                    .name("footnote reference");
                style.run_property = RunProperty::new().vert_align(VertAlignType::SuperScript);
                style
            })
            .default_line_spacing(LineSpacing::new().after(120));
        docx = numbering(docx, &numbered)
            .add_style(reference_style())
            .footer(footer(context, &footer_label));
        if let Some(classification) = &context.classification {
            docx = docx.header(
                Header::new().add_paragraph(
                    Paragraph::new()
                        .align(AlignmentType::Right)
                        .add_run(Run::new().add_text(clean(classification)).bold()),
                ),
            );
        }
        if let Some(at) = context.generated_at {
            let date = rfc3339(at);
            docx = docx.created_at(&date).updated_at(&date);
        }
        let mut heading = Paragraph::new().style("Title");
        let ids: Vec<usize> = title_comments.iter().map(|c| c.id).collect();
        for comment in title_comments {
            heading = heading.add_comment_start(comment);
        }
        heading = heading.add_run(Run::new().add_text(clean(&title)));
        for id in ids {
            heading = heading.add_comment_end(id);
        }
        docx = docx.add_paragraph(heading);
        if !subtitle.is_empty() {
            docx = docx.add_paragraph(
                Paragraph::new()
                    .style("Subtitle")
                    .add_run(Run::new().add_text(clean(&subtitle))),
            );
        }
        for paragraph in body {
            docx = docx.add_paragraph(paragraph);
        }
        let mut bytes = std::io::Cursor::new(Vec::new());
        docx.build()
            .pack(&mut bytes)
            .map_err(|e| RenderError::Docx(e.to_string()))?;
        let facts = crate::docx_package::Facts {
            title: &title,
            creator: &context.chair,
            language: &context.language,
        };
        deflate(&bytes.into_inner(), &facts)
    }
}

/// The numbering definitions: `1.` / `(a)` for operative paragraphs and actions, a dash for
/// other lists, `Priority Goal N` for goals; one instance of the actions' list per goal.
fn numbering(mut docx: Docx, used: &std::collections::BTreeSet<usize>) -> Docx {
    let numbered = |id: usize| {
        AbstractNumbering::new(id)
            .add_level(
                Level::new(
                    0,
                    Start::new(1),
                    NumberFormat::new("decimal"),
                    LevelText::new("%1."),
                    LevelJc::new("left"),
                )
                .indent(
                    Some(567),
                    Some(SpecialIndentType::Hanging(567)),
                    None,
                    None,
                ),
            )
            .add_level(
                Level::new(
                    1,
                    Start::new(1),
                    NumberFormat::new("lowerLetter"),
                    LevelText::new("(%2)"),
                    LevelJc::new("left"),
                )
                .indent(
                    Some(1134),
                    Some(SpecialIndentType::Hanging(567)),
                    None,
                    None,
                ),
            )
    };
    let actions: Vec<usize> = used
        .iter()
        .copied()
        .filter(|num| *num >= NUM_FIRST_ACTIONS)
        .collect();
    if used.contains(&NUM_OPERATIVE) {
        docx = docx
            .add_abstract_numbering(numbered(ABSTRACT_OPERATIVE))
            .add_numbering(Numbering::new(NUM_OPERATIVE, ABSTRACT_OPERATIVE));
    }
    if !actions.is_empty() {
        docx = docx.add_abstract_numbering(numbered(ABSTRACT_ACTIONS));
    }
    if used.contains(&NUM_BULLET) {
        docx = docx
            .add_abstract_numbering(
                AbstractNumbering::new(ABSTRACT_BULLET).add_level(
                    Level::new(
                        0,
                        Start::new(1),
                        NumberFormat::new("bullet"),
                        LevelText::new("\u{2013}"),
                        LevelJc::new("left"),
                    )
                    .indent(
                        Some(567),
                        Some(SpecialIndentType::Hanging(283)),
                        None,
                        None,
                    ),
                ),
            )
            .add_numbering(Numbering::new(NUM_BULLET, ABSTRACT_BULLET));
    }
    if used.contains(&NUM_GOALS) {
        docx = docx
            .add_abstract_numbering(
                AbstractNumbering::new(ABSTRACT_GOALS).add_level(
                    Level::new(
                        0,
                        Start::new(1),
                        NumberFormat::new("decimal"),
                        LevelText::new("Priority Goal %1"),
                        LevelJc::new("left"),
                    )
                    .suffix(LevelSuffixType::Nothing),
                ),
            )
            .add_numbering(Numbering::new(NUM_GOALS, ABSTRACT_GOALS));
    }
    for num in actions {
        docx = docx.add_numbering(
            Numbering::new(num, ABSTRACT_ACTIONS).add_override(LevelOverride::new(0).start(1)),
        );
    }
    docx
}

/// The character style of a node's reference (`PP1`, `OP2`, `PG1.4`) at the start of its
/// paragraph: small and grey, as the HTML shows it in the margin, so that a reviewer cites the
/// paragraph as everyone else does.
fn reference_style() -> Style {
    let mut style = Style::new(REFERENCE_STYLE, StyleType::Character).name("Node reference");
    style.run_property = RunProperty::new().size(16).color("767676");
    style
}

/// The style id of [`reference_style`].
pub const REFERENCE_STYLE: &str = "NodeReference";

/// A node's reference and a space, tracked with its paragraph when the whole paragraph is
/// inserted or deleted (so that rejecting or accepting it leaves no stray reference).
fn add_reference(paragraph: Paragraph, reference: &str, mark: Option<&Track>) -> Paragraph {
    let text = format!("{reference} ");
    let track = mark.cloned().unwrap_or(Track::None);
    let run = text_run(&text, matches!(track, Track::Del(_))).style(REFERENCE_STYLE);
    match track {
        Track::None => paragraph.add_run(run),
        Track::Ins(mark) => {
            paragraph.add_insert(Insert::new(run).author(mark.author).date(mark.date))
        }
        Track::Del(mark) => paragraph.add_delete(
            Delete::new()
                .add_run(run)
                .author(mark.author)
                .date(mark.date),
        ),
    }
}

/// The footer of every page: the document's symbol, the label and date of the text, the page
/// number of the page count; under it, small, the audit head a published version carries
/// (whoever holds a printout can check it too).
fn footer(context: &Context, label: &str) -> Footer {
    let mut parts: Vec<String> = Vec::new();
    if let Some(symbol) = &context.symbol {
        parts.push(symbol.clone());
    }
    if !label.is_empty() {
        parts.push(label.to_string());
    }
    if let Some(dated) = context.dated {
        parts.push(crate::context::date_only(dated));
    }
    let mut line = Paragraph::new().align(AlignmentType::Left);
    if !parts.is_empty() {
        line = line.add_run(Run::new().add_text(clean(&format!("{}\t", parts.join(" \u{2014} ")))));
    }
    line = line
        .add_run(Run::new().add_text("Page "))
        .add_run(field_run(InstrText::PAGE(InstrPAGE::new())))
        .add_run(Run::new().add_text(" of "))
        .add_run(field_run(InstrText::NUMPAGES(InstrNUMPAGES::new())));
    let mut footer = Footer::new().add_paragraph(line);
    if let Some(seal) = &context.audit {
        footer = footer.add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Left)
                .add_run(Run::new().add_text(clean(&seal.line())).size(14)),
        );
    }
    footer
}

/// A Word field (page number, page count): Word and LibreOffice compute it on every page.
fn field_run(instruction: InstrText) -> Run {
    Run::new()
        .add_field_char(FieldCharType::Begin, false)
        .add_instr_text(instruction)
        .add_field_char(FieldCharType::Separate, false)
        .add_text("1")
        .add_field_char(FieldCharType::End, false)
}

/// The package again with every part deflated: docx-rs stores its parts uncompressed, which
/// makes a redline of a thousand paragraphs five to seven times larger than it needs to be.
/// Entries keep their order and their fixed 1980 timestamp.
pub(crate) fn deflate(
    stored: &[u8],
    facts: &crate::docx_package::Facts<'_>,
) -> Result<Vec<u8>, RenderError> {
    use std::io::{Read, Write};
    use zip::write::SimpleFileOptions;
    let error = |e: zip::result::ZipError| RenderError::Docx(e.to_string());
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(stored)).map_err(error)?;
    let mut writer =
        zip::ZipWriter::new(std::io::Cursor::new(Vec::with_capacity(stored.len() / 4)));
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    let mut buffer = Vec::new();
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(error)?;
        let name = entry.name().to_string();
        if entry.is_dir() {
            writer.add_directory(name, options).map_err(error)?;
            continue;
        }
        buffer.clear();
        entry
            .read_to_end(&mut buffer)
            .map_err(|e| RenderError::Docx(e.to_string()))?;
        // The touches docx-rs's API cannot make (see `docx_package`).
        if name.ends_with(".xml") {
            let xml = String::from_utf8(std::mem::take(&mut buffer))
                .map_err(|e| RenderError::Docx(e.to_string()))?;
            buffer = crate::docx_package::touch(&name, xml, facts)?.into_bytes();
        }
        writer.start_file(name, options).map_err(error)?;
        writer
            .write_all(&buffer)
            .map_err(|e| RenderError::Docx(e.to_string()))?;
    }
    Ok(writer.finish().map_err(error)?.into_inner())
}

/// The version a file was written from, as custom document properties (File › Properties ›
/// Custom in Word and LibreOffice, both of which keep them through an edit-and-save):
/// [`VERSION_PROPERTY`] holds its number, [`HASH_PROPERTY`] its tree's hash.
fn embed_version_ids(docx: Docx, version: &Version) -> Docx {
    docx.custom_property(VERSION_PROPERTY, version.number.to_string())
        .custom_property(HASH_PROPERTY, version.hash.to_hex())
}

/// The custom property holding the number of the version a DOCX was written from.
pub const VERSION_PROPERTY: &str = "PenholderVersion";
/// The custom property holding the hash of that version's tree.
pub const HASH_PROPERTY: &str = "PenholderVersionHash";
/// What starts the name of the bookmark around a node's paragraph; 32 hexadecimal digits of the
/// node's id follow (35 characters: Word allows 40, a letter first, letters, digits and `_`).
pub const NODE_BOOKMARK_PREFIX: &str = "ph_";

/// The paragraph wrapped in a bookmark named from its node's id, so that an edited copy still
/// says which node each paragraph is (bookmarks survive Word's and LibreOffice's tracked
/// edits; `bookmark_id` only has to be unique in the file).
fn with_node_bookmark(mut paragraph: Paragraph, node: NodeId, bookmark_id: usize) -> Paragraph {
    let name = format!("{NODE_BOOKMARK_PREFIX}{}", node.as_uuid().simple());
    paragraph.children.insert(
        0,
        docx_rs::ParagraphChild::BookmarkStart(docx_rs::BookmarkStart::new(bookmark_id, name)),
    );
    paragraph.add_bookmark_end(bookmark_id)
}

/// Text as XML can carry it.
pub(crate) fn clean(text: &str) -> String {
    xml_text(text).into_owned()
}

fn mark_paragraph(paragraph: Paragraph, mark: Option<&Track>) -> Paragraph {
    match mark {
        Some(Track::Ins(mark)) => paragraph.insert(mark.author.clone(), mark.date.clone()),
        Some(Track::Del(mark)) => paragraph.delete(mark.author.clone(), mark.date.clone()),
        _ => paragraph,
    }
}

/// A run of text (line breaks as Word line breaks), tracked as `track` says.
/// A written number as the version shows it: bold, then a tab.
fn number_run(num: &str) -> Run {
    Run::new().add_text(format!("{}\t", clean(num))).bold()
}

/// The same, deleted (Word keeps deleted text in `w:delText`).
fn deleted_number_run(num: &str) -> Run {
    text_run(&format!("{num}\t"), true).bold()
}

/// `text` as runs (bold and italic where `marks`, byte ranges of `text`, say; a preambular
/// paragraph's first word in italics), tracked as `track` says.
fn add_text(
    paragraph: Paragraph,
    text: &str,
    marks: &[InlineMark],
    track: &Track,
    italic_first_word: bool,
) -> Paragraph {
    if text.is_empty() {
        return paragraph;
    }
    let deleted = matches!(track, Track::Del(_));
    let first_word_end = if italic_first_word {
        first_word(text).0.len()
    } else {
        0
    };
    let mut cuts = vec![0..first_word_end, first_word_end..text.len()];
    cuts.retain(|range| !range.is_empty());
    let runs: Vec<Run> = cuts
        .into_iter()
        .flat_map(|cut| {
            let first = cut.start == 0 && first_word_end > 0;
            emphasis_runs(marks, cut)
                .into_iter()
                .map(move |(range, emphasis)| (range, emphasis, first))
        })
        .map(|(range, emphasis, first)| {
            let mut run = text_run(&text[range], deleted);
            if emphasis.bold {
                run = run.bold();
            }
            if emphasis.italic || first {
                run = run.italic();
            }
            run
        })
        .collect();
    let mut paragraph = paragraph;
    for run in runs {
        paragraph = match track {
            Track::None => paragraph.add_run(run),
            Track::Ins(mark) => paragraph.add_insert(
                Insert::new(run)
                    .author(mark.author.clone())
                    .date(mark.date.clone()),
            ),
            Track::Del(mark) => paragraph.add_delete(
                Delete::new()
                    .add_run(run)
                    .author(mark.author.clone())
                    .date(mark.date.clone()),
            ),
        };
    }
    paragraph
}

fn text_run(text: &str, deleted: bool) -> Run {
    let text = clean(text);
    let mut run = Run::new();
    for (index, line) in text.split('\n').enumerate() {
        if index > 0 {
            run = run.add_break(BreakType::TextWrapping);
        }
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            continue;
        }
        run = if deleted {
            run.add_delete_text(line)
        } else {
            run.add_text(line)
        };
    }
    run
}

fn add_footnote_reference(paragraph: Paragraph, footnote: Footnote, track: &Track) -> Paragraph {
    let run = Run::new().add_footnote_reference(footnote);
    match track {
        Track::None => paragraph.add_run(run),
        Track::Ins(mark) => paragraph.add_insert(
            Insert::new(run)
                .author(mark.author.clone())
                .date(mark.date.clone()),
        ),
        Track::Del(mark) => paragraph.add_delete(
            Delete::new()
                .add_run(run)
                .author(mark.author.clone())
                .date(mark.date.clone()),
        ),
    }
}
