//! Documents and their versions: creating one from a source text, reading it (its versions,
//! one version, where every word comes from, a redline between two versions), and the
//! chairmanship's upload of a text revised elsewhere, aligned to the previous version and, when
//! it answers a round, to that round's proposals.
//!
//! Reading a document is decided by its classification (a `LIMITE` text only for the process's
//! delegations); every read here checks it on the snapshot it reads.

use crate::access::{authorize, read_action};
use crate::caller::Caller;
use crate::chain::{VersionChain, blame_of};
use crate::error::{Error, FieldProblem};
use crate::input::{check_text, valid_slug};
use crate::policy::{Action, Phase};
use crate::round::RoundMaterial;
use penholder_core::negotiation::Delegation;
use penholder_core::{Document, IdSource, NodeId, NodeKind, Version};
use penholder_diff::{Alignment, Blame, Compilation, Match};
use penholder_store::{DocumentInfo, NewDocument, NewVersion, Reader, VersionInfo, Writer};
use std::collections::HashMap;

/// A text as a person sends it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// Markdown or plain text as people write it; penholder's structured Markdown (with node
    /// ids) is recognised by its header.
    Markdown(String),
    /// The JSON form of a document tree, or a version as the API gives it (`GET …/versions/{n}`:
    /// the tree under `document`), so that a version read can be sent back as it is.
    Json(String),
    /// An Akoma Ntoso document (3.0, or 2.0): its `eId` and `wId` kept as external ids, our
    /// own export read back with its node ids.
    Akn(String),
    /// The plain text of a Council note carrying a declaration and a call for action, and
    /// which of the two is meant (`None`: not said, which is refused).
    CouncilNote {
        text: String,
        part: Option<CouncilPart>,
    },
}

/// The tree of a version as the API gives it (`{"number": …, "document": {…}, …}`), if `text`
/// is one.
fn document_of_version_view(text: &str) -> Option<Document> {
    #[derive(serde::Deserialize)]
    struct VersionView {
        document: Box<serde_json::value::RawValue>,
    }
    let view: VersionView = serde_json::from_str(text).ok()?;
    penholder_import::from_json(view.document.get()).ok()
}

/// The two texts of a Council note.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CouncilPart {
    Declaration,
    CallForAction,
}

impl Source {
    /// Reads the text into a document tree; invalid (naming the fault) when it cannot.
    pub fn import(&self, ids: &mut IdSource) -> Result<Document, Error> {
        let imported = match self {
            Source::Markdown(text) => {
                penholder_import::import_any_markdown(text, ids).map(|m| m.document)
            }
            Source::Json(text) => penholder_import::from_json(text)
                .or_else(|error| document_of_version_view(text).ok_or(error)),
            Source::Akn(text) => penholder_import::import_akn(text, ids).map(|akn| akn.document),
            Source::CouncilNote { text, part } => {
                let part = part.ok_or_else(|| {
                    Error::invalid_field(
                        "/source/part",
                        "a council note carries two texts: say which with part (declaration or call_for_action)",
                    )
                })?;
                penholder_import::import_council_note(text, ids).map(|note| match part {
                    CouncilPart::Declaration => note.declaration,
                    CouncilPart::CallForAction => note.call_for_action,
                })
            }
        };
        let document = imported.map_err(|error| Error::Invalid {
            detail: format!("the source text cannot be read: {error}"),
            problems: vec![FieldProblem {
                pointer: "/source/text".into(),
                item: None,
                reference: None,
                detail: error.to_string(),
            }],
        })?;
        if document.nodes.is_empty() {
            return Err(Error::invalid_field(
                "/source/text",
                "the source text holds no paragraphs",
            ));
        }
        if let Some(id) = document.duplicate_id() {
            return Err(Error::invalid_field(
                "/source/text",
                format!("node id {id} is used twice"),
            ));
        }
        Ok(document)
    }
}

/// A new document as requested.
#[derive(Clone, Debug)]
pub struct DocumentPlan {
    pub slug: String,
    pub title: String,
    /// `LIMITE`: only the process's delegations may read it. `None`: public.
    pub classification: Option<String>,
    /// The label of version 1 ("Zero draft" when `None`).
    pub label: Option<String>,
    pub source: Source,
}

impl DocumentPlan {
    /// Checks the request and reads its source (CPU work on a large text: call it off the
    /// async workers): the document and its first version, ready to be created.
    pub fn prepare(self, ids: &mut IdSource) -> Result<NewDocument, Error> {
        if !valid_slug(&self.slug) {
            return Err(Error::invalid_field(
                "/slug",
                "a document slug is 1 to 64 lower-case letters, digits, '-', '_' or '.'",
            ));
        }
        check_text("/title", &self.title, 500)?;
        if let Some(classification) = &self.classification {
            check_text("/classification", classification, 64)?;
        }
        let label = self.label.unwrap_or_else(|| "Zero draft".into());
        check_text("/label", &label, 300)?;
        let mut tree = self.source.import(ids)?;
        tree.title = self.title.clone();
        Ok(NewDocument {
            slug: self.slug,
            title: self.title,
            classification: self.classification,
            label,
            tree,
        })
    }
}

/// Creates a prepared document with its first version.
pub fn create(
    w: &Writer<'_>,
    caller: &Caller,
    process: &str,
    new: &NewDocument,
    now: i64,
) -> Result<(DocumentInfo, VersionInfo), Error> {
    create_with_symbol(w, caller, process, new, None, now)
}

/// [`create`], with the document's symbol when given (checked with [`check_symbol`]).
pub fn create_with_symbol(
    w: &Writer<'_>,
    caller: &Caller,
    process: &str,
    new: &NewDocument,
    symbol: Option<&str>,
    now: i64,
) -> Result<(DocumentInfo, VersionInfo), Error> {
    crate::process::authorize_on(w, caller, process, Action::CreateDocument)?;
    let created = w.create_document(process, new, &caller.actor(), now)?;
    if let Some(symbol) = symbol {
        check_symbol(symbol)?;
        w.set_document_symbol(process, &new.slug, symbol.trim(), &caller.actor(), now)?;
    }
    Ok(created)
}

/// A document's symbol as people write it (`8056/24`, `A/RES/78/1`): 1 to 64 characters, no
/// line break.
pub fn check_symbol(symbol: &str) -> Result<(), Error> {
    if symbol.trim().is_empty() {
        return Err(Error::invalid_field(
            "/symbol",
            "a symbol is the document's reference number, such as 8056/24: it cannot be empty",
        ));
    }
    check_text("/symbol", symbol.trim(), 64)
}

/// Sets the symbol of a document the caller may read and publish (the chairmanship, the
/// secretariat), from `now` on; every setting is kept, the latest in force.
pub fn set_symbol(
    w: &Writer<'_>,
    caller: &Caller,
    process: &str,
    document: &str,
    symbol: &str,
    now: i64,
) -> Result<String, Error> {
    check_symbol(symbol)?;
    may_upload(w, caller, process, document, None, now)?;
    let symbol = symbol.trim().to_string();
    w.set_document_symbol(process, document, &symbol, &caller.actor(), now)?;
    Ok(symbol)
}

/// A document the caller may read, and the process's delegations (whose names its renderings
/// show).
#[derive(Clone, Debug)]
pub struct Readable {
    pub document: DocumentInfo,
    pub delegations: Vec<Delegation>,
    /// When its texts changed, read by the use cases whose files date their changes (a
    /// version, a redline); `None` elsewhere.
    pub history: Option<History>,
    /// Its symbol in force (`8056/24`), printed in its Word files' footer.
    pub symbol: Option<String>,
}

/// When each text of a document was made, from its records (never the clock): what the tracked
/// changes of a Word file are dated with, as `penholder export` dates them.
#[derive(Clone, Debug, Default)]
pub struct History {
    /// Round label → when the version consolidating the round was published.
    pub rounds: Vec<(String, i64)>,
    /// Every version: its label and when it was published.
    pub versions: Vec<VersionInfo>,
    /// Justifications of the changes a redline shows: (round label, node, delegation, text).
    pub justifications: Vec<(String, NodeId, String, String)>,
}

impl History {
    /// The versions and the rounds they consolidated.
    pub fn read(r: &Reader<'_>, process: &str, document: &str) -> Result<History, Error> {
        let versions = r.versions(process, document)?;
        let mut rounds = Vec::new();
        for round in r.rounds(process)? {
            if let Some(version) = versions.iter().find(|v| v.round == Some(round.number)) {
                rounds.push((round.label.clone(), version.created_at));
            }
        }
        Ok(History {
            rounds,
            versions,
            justifications: Vec::new(),
        })
    }

    /// A version's label, or `version N` when unknown.
    pub fn label(&self, number: u32) -> String {
        self.versions
            .iter()
            .find(|v| v.number == number)
            .map_or_else(|| format!("version {number}"), |v| v.label.clone())
    }
}

impl Readable {
    pub fn read(
        r: &Reader<'_>,
        caller: &Caller,
        process: &str,
        document: &str,
    ) -> Result<Readable, Error> {
        let info = r.document(process, document)?;
        let delegations = r.delegations(process)?;
        authorize(
            caller,
            &delegations,
            None,
            read_action(&info),
            Phase::NoRound,
            None,
        )?;
        let symbol = r.document_symbol(process, document)?;
        Ok(Readable {
            document: info,
            delegations,
            history: None,
            symbol,
        })
    }

    /// The rendering context: title, classification, names; with the history read, every
    /// change dated by the round that made it (the document's creation for what no round
    /// made), never by `now` (which is only when the file was produced).
    pub fn context(&self, now: i64) -> penholder_render::Context {
        let mut context = crate::round::context_of(&self.document, &self.delegations, now);
        context.symbol = self.symbol.clone();
        if let Some(history) = &self.history {
            context = context.fallback_date(self.document.created_at);
            for (round, at) in &history.rounds {
                context = context.round_date(round.clone(), *at);
            }
            for (round, node, delegation, text) in &history.justifications {
                context =
                    context.justification(round.clone(), *node, delegation.clone(), text.clone());
            }
        }
        context
    }

    /// The context of version `info`'s files: its label as the subtitle, dated when it was
    /// published.
    pub fn version_context(&self, info: &VersionInfo, now: i64) -> penholder_render::Context {
        self.context(now)
            .subtitle(format!("Version {}: {}", info.number, info.label))
            .dated(info.created_at)
    }

    /// The context of a redline's files: "Zero draft → Rev. 3" as the subtitle, dated when the
    /// target was published.
    pub fn redline_context(&self, from: u32, to: u32, now: i64) -> penholder_render::Context {
        let context = self.context(now);
        match &self.history {
            Some(history) => {
                let context = context.subtitle(format!(
                    "{} \u{2192} {}",
                    history.label(from),
                    history.label(to)
                ));
                match history.versions.iter().find(|v| v.number == to) {
                    Some(target) => context.dated(target.created_at),
                    None => context,
                }
            }
            None => context.subtitle(format!("Version {from} \u{2192} version {to}")),
        }
    }
}

/// A document and all its versions, oldest first.
pub fn view(
    r: &Reader<'_>,
    caller: &Caller,
    process: &str,
    document: &str,
) -> Result<(Readable, Vec<VersionInfo>), Error> {
    let readable = Readable::read(r, caller, process, document)?;
    Ok((readable, r.versions(process, document)?))
}

/// Version `number` of a document.
pub fn version(
    r: &Reader<'_>,
    caller: &Caller,
    process: &str,
    document: &str,
    number: u32,
) -> Result<(Readable, VersionInfo, Version), Error> {
    let mut readable = Readable::read(r, caller, process, document)?;
    readable.history = Some(History::read(r, process, document)?);
    Ok((
        readable,
        r.version_info(process, document, number)?,
        r.version(process, document, number)?,
    ))
}

/// A version as its outputs show it: the text, with the state of its paragraphs as it stands
/// now (statuses and reservations change after publication) and the brackets it carries.
#[derive(Clone, Debug)]
pub struct ShownVersion {
    pub readable: Readable,
    pub info: VersionInfo,
    pub version: Version,
    pub state: penholder_core::state::TextState,
    pub brackets: Vec<penholder_core::bracket::Bracket>,
}

/// Version `number` with its paragraphs' state and its brackets, for the caller.
pub fn shown_version(
    r: &Reader<'_>,
    caller: &Caller,
    process: &str,
    document: &str,
    number: u32,
) -> Result<ShownVersion, Error> {
    let (readable, info, version) = self::version(r, caller, process, document, number)?;
    Ok(ShownVersion {
        readable,
        info,
        version,
        state: crate::state::of_document(r, process, document)?,
        brackets: crate::bracket::of_version(r, process, document, number)?,
    })
}

/// Version `number` and where every word of it comes from.
pub fn blame(
    r: &Reader<'_>,
    caller: &Caller,
    process: &str,
    document: &str,
    number: u32,
) -> Result<(Readable, Version, Blame), Error> {
    let readable = Readable::read(r, caller, process, document)?;
    let version = r.version(process, document, number)?;
    let blame = blame_of(r, process, document, &version)?;
    Ok((readable, version, blame))
}

/// The versions from `from` to `to` as a redline needs them.
pub fn redline(
    r: &Reader<'_>,
    caller: &Caller,
    process: &str,
    document: &str,
    from: u32,
    to: u32,
) -> Result<(Readable, VersionChain), Error> {
    let mut readable = Readable::read(r, caller, process, document)?;
    let chain = VersionChain::load(r, process, document, from, to)?;
    let mut history = History::read(r, process, document)?;
    history.justifications = chain.justifications(r, process, document)?;
    readable.history = Some(history);
    Ok((readable, chain))
}

/// The redline from `from` to `to`, marking every change, or with `delegation` only the
/// changes that delegation proposed or supported (a group's with its members', a member's with
/// its groups': [`crate::chain::whose`]). A code the process does not have is refused, naming
/// it and the codes it has.
pub fn redline_of(
    r: &Reader<'_>,
    caller: &Caller,
    process: &str,
    document: &str,
    from: u32,
    to: u32,
    delegation: Option<&str>,
) -> Result<(Readable, crate::chain::RedlineOf), Error> {
    let (readable, chain) = redline(r, caller, process, document, from, to)?;
    let only = match delegation {
        None => None,
        Some(code) => Some(
            crate::chain::whose(&readable.delegations, code).ok_or_else(|| {
                let known: Vec<&str> = readable
                    .delegations
                    .iter()
                    .map(|d| d.code.as_str())
                    .collect();
                Error::Malformed(format!(
                    "unknown delegation {code:?} in ?delegation=: this process has {}",
                    known.join(", ")
                ))
            })?,
        ),
    };
    Ok((
        readable,
        crate::chain::RedlineOf {
            chain,
            only,
            nodes: None,
        },
    ))
}

/// What an uploaded text is aligned with: the version it revises (the document's latest, or
/// the base of the round it answers) and, for a round, the round's inputs.
#[derive(Clone, Debug)]
pub struct UploadBasis {
    pub process: String,
    pub document: String,
    /// The document's latest version when the basis was read: an upload that is not about a
    /// round is refused if another version lands meanwhile.
    pub latest: u32,
    pub previous: Version,
    pub previous_blame: Blame,
    pub round: Option<RoundMaterial>,
}

/// Checks that the caller may upload a revised text of the document, and consolidate round
/// `round` with it when given, at `now` (two small reads: an edge asks it before reading the
/// request's body; [`upload_basis`] asks it again).
pub fn may_upload(
    r: &Reader<'_>,
    caller: &Caller,
    process: &str,
    document: &str,
    round: Option<u32>,
    now: i64,
) -> Result<Readable, Error> {
    let readable = Readable::read(r, caller, process, document)?;
    // Reading comes first: a caller who may not read the text learns nothing more here.
    authorize(
        caller,
        &readable.delegations,
        None,
        Action::UploadVersion,
        Phase::NoRound,
        None,
    )?;
    if let Some(number) = round {
        let scope = crate::lifecycle::Scope::read(r, caller, process, number, None)?;
        if scope.round.document != document {
            return Err(Error::invalid_field(
                "/round",
                format!(
                    "round {number} is about document {}, not {document}",
                    scope.round.document
                ),
            ));
        }
        scope.authorize(caller, Action::Consolidate, None, now)?;
    }
    Ok(readable)
}

/// Checks that the caller may upload a revised text of the document (and consolidate round
/// `round` with it, when given) at `now`, and reads what the text will be aligned with.
pub fn upload_basis(
    r: &Reader<'_>,
    caller: &Caller,
    process: &str,
    document: &str,
    round: Option<u32>,
    now: i64,
) -> Result<UploadBasis, Error> {
    let readable = may_upload(r, caller, process, document, round, now)?;
    let material = match round {
        Some(number) => Some(RoundMaterial::load(r, process, number)?),
        None => None,
    };
    let (previous, previous_blame) = match &material {
        Some(material) => (material.base.clone(), material.base_blame.clone()),
        None => {
            let latest = r.latest_version(process, document)?;
            let blame = blame_of(r, process, document, &latest)?;
            (latest, blame)
        }
    };
    Ok(UploadBasis {
        process: process.to_string(),
        document: document.to_string(),
        latest: readable.document.latest_version,
        previous,
        previous_blame,
        round: material,
    })
}

/// Takes out of a revised text the line that only repeats the document's title: plain text
/// starts with it (the importer reads it as a paragraph, or as a heading holding the whole
/// text), and aligned with the text it would pass for its first paragraph. A heading's
/// children take its place. The title is compared without case and runs of spaces; a node the
/// previous version holds (a source that kept ids) is never taken out.
fn without_title_line(revised: &mut Document, previous: &Document) {
    let title = previous.title.as_str();
    let normalised = |text: &str| {
        text.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    let Some(first) = revised.nodes.first() else {
        return;
    };
    let repeats_title = matches!(first.kind, NodeKind::Paragraph | NodeKind::Part)
        && first.num.is_none()
        && previous.find(first.id).is_none()
        && !title.trim().is_empty()
        && normalised(&first.text) == normalised(title);
    if repeats_title {
        let heading = revised.nodes.remove(0);
        revised.nodes.splice(0..0, heading.children);
    }
}

/// A revised text aligned with its basis, ready to publish.
#[derive(Clone, Debug)]
pub struct AlignedUpload {
    pub alignment: Alignment,
    pub version: NewVersion,
}

impl UploadBasis {
    /// Reads a revised text sent as a Word file (`crate::word::revised_text`: refused while it
    /// holds tracked changes; our bookmarks give ids, words the rest), to [`Self::align`].
    pub fn revised_docx(&self, bytes: &[u8], ids: &mut IdSource) -> Result<Document, Error> {
        crate::word::revised_text(bytes, &self.previous, ids)
    }

    /// Aligns the revised text with the previous version and, for a round, with its
    /// `compilation` (pure and CPU-heavy: call it off the async workers). Nodes of a generic
    /// kind (paragraph, part, item: what a plain text gives) take the kind of the previous node
    /// they are matched to, or of their new siblings (see `penholder_core::carry_kinds`).
    pub fn align(
        &self,
        label: String,
        mut revised: Document,
        compilation: Option<&Compilation>,
    ) -> Result<AlignedUpload, Error> {
        check_text("/label", &label, 300)?;
        without_title_line(&mut revised, &self.previous.document);
        revised.title = self.previous.document.title.clone();
        let origin = self
            .round
            .as_ref()
            .map(|m| m.round.label.clone())
            .unwrap_or_else(|| label.clone());
        let mut alignment = penholder_diff::align(&self.previous.document, &revised, compilation);
        // A text read from plain Markdown calls every paragraph a paragraph: matched nodes get
        // their kinds back, and new ones the kind of their neighbours, so that references (PP3,
        // OP2, PG1.4) keep naming what they named (`penholder_core::carry_kinds`).
        let counterparts: HashMap<NodeId, NodeId> = alignment
            .nodes
            .iter()
            .filter(|node| node.how != Match::New)
            .filter_map(|node| Some((node.node, *node.previous.first()?)))
            .collect();
        penholder_core::carry_kinds(&self.previous.document, &mut alignment.document, |id| {
            counterparts.get(&id).copied()
        });
        let adopted = penholder_diff::adopt(
            &self.previous,
            &self.previous_blame,
            &alignment,
            compilation,
            &origin,
        );
        Ok(AlignedUpload {
            alignment,
            version: NewVersion {
                label,
                tree: adopted.document,
                round: self.round.as_ref().map(|m| m.round.number),
                provenance: Some(adopted.blame),
                changes: Some(adopted.applied),
            },
        })
    }

    /// Publishes the aligned text, if the caller may still do so and the basis still holds:
    /// an upload about no round is refused if another version landed since the basis was
    /// read (the store refuses a second version of a consolidated round).
    pub fn publish(
        &self,
        w: &Writer<'_>,
        caller: &Caller,
        upload: &AlignedUpload,
        now: i64,
    ) -> Result<VersionInfo, Error> {
        let current = may_upload(
            w,
            caller,
            &self.process,
            &self.document,
            self.round.as_ref().map(|m| m.round.number),
            now,
        )?;
        if self.round.is_none() && current.document.latest_version != self.latest {
            return Err(Error::Conflict(format!(
                "document {} got a new version while this upload was being aligned; send it again",
                self.document
            )));
        }
        let published = w.publish_version(
            &self.process,
            &self.document,
            &upload.version,
            &caller.actor(),
            now,
        )?;
        crate::events::version_published(w, &self.process, &published, now)?;
        Ok(published)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use penholder_core::Node;

    #[test]
    fn a_line_repeating_the_title_is_not_a_node_but_a_kept_node_stays() {
        let mut ids = IdSource::new(1, 0);
        let kept = Node::new(ids.next_id(), NodeKind::Paragraph, "The Declaration");
        let previous = Document::new("The  declaration", vec![kept.clone()]);
        let body = Node::new(ids.next_id(), NodeKind::Paragraph, "Recalling");
        let heading = Node::new(ids.next_id(), NodeKind::Part, "THE DECLARATION")
            .with_children(vec![body.clone()]);
        let mut revised = Document::new("T", vec![heading]);
        without_title_line(&mut revised, &previous);
        assert_eq!(revised.nodes, std::slice::from_ref(&body));
        let mut revised = Document::new("T", vec![kept.clone(), body.clone()]);
        without_title_line(&mut revised, &previous);
        assert_eq!(revised.nodes, [kept, body]);
    }
}
