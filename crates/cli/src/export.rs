//! `penholder export`: writes a version, a redline, a blame view, a round's compilation, its
//! dispositions or its outcomes report from a database file, in any format the renderer offers
//! for it (json, html, md, docx, csv, xlsx, akn).
//!
//! Everything is read in one snapshot of the database (opened read-only, so a running server
//! is not disturbed); the engine and the renderer then work on plain values. Dates in the
//! files come from the records (when a round was consolidated, when each submission arrived,
//! when a version was made), never from the clock, so exporting twice gives the same text.

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use penholder_core::Version;
use penholder_core::negotiation::Delegation;
use penholder_diff::{Compilation, Redline};
use penholder_negotiation::chain::{VersionChain, blame_of};
use penholder_negotiation::disposition::Review;
use penholder_render::{Context, Format, Output};
use penholder_server::seal::seal;
use penholder_store::{DocumentInfo, Reader, Store, StoreError};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The SQLite database file.
    #[arg(long, env = "PENHOLDER_DB", value_name = "FILE")]
    db: PathBuf,
    /// The process's slug.
    #[arg(long, short = 'p', value_name = "SLUG")]
    process: String,
    /// json, html, md, docx, csv, xlsx or akn (which ones depends on what is exported).
    #[arg(long, short = 'f', default_value = "html", global = true)]
    format: Format,
    /// Where to write; `-` for standard output. Default: standard output for text formats, a
    /// file named after what is exported (in the current folder) for docx and xlsx.
    #[arg(long, short = 'o', value_name = "FILE", global = true)]
    out: Option<PathBuf>,
    /// The Ed25519 key (PKCS#8 PEM) that signs the audit head a version's files carry, as
    /// `penholder serve --audit-key` does; without it the head is printed unsigned.
    #[arg(long, env = "PENHOLDER_AUDIT_KEY", value_name = "FILE", global = true)]
    audit_key: Option<PathBuf>,
    #[command(subcommand)]
    what: What,
}

#[derive(Debug, Subcommand)]
enum What {
    /// One version's clean text.
    Version {
        /// The document's slug.
        #[arg(long, short = 'd')]
        document: String,
        /// The version's number (default: the latest).
        #[arg(long, short = 'n')]
        number: Option<u32>,
    },
    /// The differences between two versions, each attributed to the delegations behind it.
    Redline {
        #[arg(long, short = 'd')]
        document: String,
        #[arg(long)]
        from: u32,
        #[arg(long)]
        to: u32,
    },
    /// A version with the provenance of every span.
    Blame {
        #[arg(long, short = 'd')]
        document: String,
        #[arg(long, short = 'n')]
        number: Option<u32>,
    },
    /// A round's compilation: every proposal, attributed.
    Compilation {
        /// The round's number.
        #[arg(long, short = 'r')]
        round: u32,
    },
    /// A round's disposition table: one row per proposal.
    Dispositions {
        #[arg(long, short = 'r')]
        round: u32,
    },
    /// What happened to each delegation's proposals in a round.
    Outcomes {
        #[arg(long, short = 'r')]
        round: u32,
        /// Only this delegation's proposals.
        #[arg(long)]
        delegation: Option<String>,
    },
}

pub fn run(args: ExportArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.db.exists(), "{} does not exist", args.db.display());
    let store = Store::open_read_only(&args.db)
        .with_context(|| format!("cannot open the database {}", args.db.display()))?;
    let audit_key = args
        .audit_key
        .as_deref()
        .map(crate::serve::read_audit_key)
        .transpose()?;
    let process = args.process.clone();
    let format = args.format;
    let (bytes, stem) = match args.what {
        What::Version { document, number } => {
            Output::Version.check(format)?;
            let (info, version, context, head) = store
                .read(move |r| {
                    let info = r.document(&process, &document)?;
                    let number = number.unwrap_or(info.latest_version);
                    let version = r.version(&process, &document, number)?;
                    let version_info = r.version_info(&process, &document, number)?;
                    let context = context_for(r, &process, &info)?
                        .generated_at(version_info.created_at)
                        .dated(version_info.created_at);
                    Ok((info, version, context, version_info.published))
                })
                .wait()?;
            let context = context.audit(seal(audit_key.as_ref(), head).for_render());
            let stem = format!("{}-{}-v{}", args.process, info.slug, version.number);
            (render_version(&version, &context, format)?, stem)
        }
        What::Redline { document, from, to } => {
            Output::Redline.check(format)?;
            let (info, (source, redline), context) = store
                .read(move |r| {
                    let info = r.document(&process, &document)?;
                    let (source, redline, justifications) =
                        redline_between(r, &process, &document, from, to)?;
                    let target = r.version_info(&process, &document, to)?;
                    let source_label = r.version_info(&process, &document, from)?.label;
                    // Named by their labels ("Zero draft → Rev. 3"), as the API names them.
                    let mut context = context_for(r, &process, &info)?
                        .subtitle(format!("{source_label} \u{2192} {}", target.label))
                        .generated_at(target.created_at)
                        .dated(target.created_at);
                    for (round, node, delegation, text) in justifications {
                        context = context.justification(round, node, delegation, text);
                    }
                    Ok((info, (source, redline), context))
                })
                .wait()?;
            let stem = format!("{}-{}-v{from}-v{to}-redline", args.process, info.slug);
            (render_redline(&redline, &source, &context, format)?, stem)
        }
        What::Blame { document, number } => {
            Output::Blame.check(format)?;
            let (info, version, blame, context) = store
                .read(move |r| {
                    let info = r.document(&process, &document)?;
                    let number = number.unwrap_or(info.latest_version);
                    let version = r.version(&process, &document, number)?;
                    let blame = blame_of(r, &process, &document, &version)?;
                    let context = context_for(r, &process, &info)?;
                    Ok((info, version, blame, context))
                })
                .wait()?;
            let view = penholder_diff::blame_view(&version.document, &blame);
            let stem = format!("{}-{}-v{}-blame", args.process, info.slug, version.number);
            let bytes = match format {
                Format::Json => json(&view)?,
                Format::Html => penholder_render::html::blame(&view, &context).into_bytes(),
                Format::Markdown => penholder_render::markdown::blame(&view, &context).into_bytes(),
                _ => unreachable_format(Output::Blame, format)?,
            };
            (bytes, stem)
        }
        What::Compilation { round } => {
            Output::Compilation.check(format)?;
            let material = store
                .read(move |r| Ok(round_material(r, &process, round)))
                .wait()??;
            let compilation = material.compile();
            let stem = format!("{}-round-{round}-compilation", args.process);
            let context = material.context.clone().subtitle(format!(
                "{}: compilation of feedback on version {}",
                material.review.material.round.label, material.review.material.round.base_version
            ));
            let bytes = match format {
                Format::Json => json(&compilation)?,
                Format::Html => {
                    penholder_render::html::compilation(&compilation, &context).into_bytes()
                }
                Format::Markdown => {
                    penholder_render::markdown::compilation(&compilation, &context).into_bytes()
                }
                Format::Docx => penholder_render::docx::compilation(&compilation, &context)?,
                _ => unreachable_format(Output::Compilation, format)?,
            };
            (bytes, stem)
        }
        What::Dispositions { round } => {
            Output::Dispositions.check(format)?;
            let material = store
                .read(move |r| Ok(round_material(r, &process, round)))
                .wait()??;
            let compilation = material.compile();
            let rows = material
                .review
                .dispositions(&compilation, &material.context);
            let context = material.context.clone().title(format!(
                "Dispositions: {}",
                material.review.material.round.label
            ));
            let stem = format!("{}-round-{round}-dispositions", args.process);
            let bytes = match format {
                Format::Json => json(&rows)?,
                Format::Html => penholder_render::html::dispositions(&rows, &context).into_bytes(),
                Format::Csv => penholder_render::dispositions::csv(&rows)?,
                Format::Xlsx => penholder_render::dispositions::xlsx(
                    &rows,
                    &context,
                    &format!("Round {round}"),
                )?,
                _ => unreachable_format(Output::Dispositions, format)?,
            };
            (bytes, stem)
        }
        What::Outcomes { round, delegation } => {
            Output::Outcomes.check(format)?;
            let material = store
                .read(move |r| Ok(round_material(r, &process, round)))
                .wait()??;
            let compilation = material.compile();
            let mut outcomes = material
                .review
                .all_outcomes(&compilation, &material.context);
            if let Some(code) = &delegation {
                // As the API answers it: its own proposals, then those it is counted as
                // supporting (its groups' items, what it co-sponsored).
                let own = material
                    .review
                    .outcomes(&compilation, &material.context, code);
                if own.proposals.is_empty() {
                    bail!("{code} made no proposal in round {round}");
                }
                outcomes = vec![own];
            }
            let context = material.context.clone().title(format!(
                "What happened to the proposals: {}",
                material.review.material.round.label
            ));
            let stem = match &delegation {
                Some(code) => format!("{}-round-{round}-outcomes-{code}", args.process),
                None => format!("{}-round-{round}-outcomes", args.process),
            };
            let bytes = match format {
                Format::Json => {
                    penholder_render::dispositions::outcomes_json(&outcomes)?.into_bytes()
                }
                Format::Html => penholder_render::html::outcomes(&outcomes, &context).into_bytes(),
                _ => unreachable_format(Output::Outcomes, format)?,
            };
            (bytes, stem)
        }
    };
    write_out(args.out.as_deref(), format, &stem, &bytes)
}

/// `Output::check` ran first; this only answers the formats it let through but a branch
/// does not list, which would be a mistake here, reported rather than panicking.
fn unreachable_format(output: Output, format: Format) -> anyhow::Result<Vec<u8>> {
    bail!("{} cannot be written as {format} yet", output.as_str())
}

fn render_version(version: &Version, context: &Context, format: Format) -> anyhow::Result<Vec<u8>> {
    Ok(match format {
        Format::Json => json(version)?,
        Format::Html => penholder_render::html::version(version, context).into_bytes(),
        Format::Markdown => penholder_render::markdown::version(version, context).into_bytes(),
        Format::Docx => penholder_render::docx::version(version, context)?,
        Format::Akn => penholder_render::akn::version(version, context).into_bytes(),
        _ => unreachable_format(Output::Version, format)?,
    })
}

fn render_redline(
    redline: &Redline,
    source: &Version,
    context: &Context,
    format: Format,
) -> anyhow::Result<Vec<u8>> {
    Ok(match format {
        Format::Json => json(redline)?,
        Format::Html => penholder_render::html::redline(redline, context).into_bytes(),
        Format::Markdown => penholder_render::markdown::redline(redline, context).into_bytes(),
        Format::Docx => penholder_render::docx::redline_from(redline, &source.document, context)?,
        _ => unreachable_format(Output::Redline, format)?,
    })
}

fn json<T: serde::Serialize>(value: &T) -> anyhow::Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(value)?;
    bytes.push(b'\n');
    Ok(bytes)
}

fn write_out(out: Option<&Path>, format: Format, stem: &str, bytes: &[u8]) -> anyhow::Result<()> {
    let path = match out {
        Some(path) if path == Path::new("-") => None,
        Some(path) => Some(path.to_path_buf()),
        None if format.is_text() => None,
        None => Some(PathBuf::from(format.file_name(stem))),
    };
    match path {
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(bytes)
                .context("cannot write to standard output")?;
            stdout.flush().context("cannot write to standard output")?;
        }
        Some(path) => {
            std::fs::write(&path, bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("wrote {} ({} bytes)", path.display(), bytes.len());
        }
    }
    Ok(())
}

/// Names and dates every rendering of a process needs: the delegations' names, the
/// document's title and classification, and when each round was consolidated.
fn context_for(
    r: &Reader<'_>,
    process: &str,
    document: &DocumentInfo,
) -> Result<Context, StoreError> {
    let delegations: Vec<Delegation> = r.delegations(process)?;
    let mut context = Context::new()
        .title(document.title.clone())
        .delegations_from(&delegations)
        .fallback_date(document.created_at);
    if let Some(classification) = &document.classification {
        context = context.classification(classification.clone());
    }
    let versions = r.versions(process, &document.slug)?;
    for round in r.rounds(process)? {
        if let Some(version) = versions.iter().find(|v| v.round == Some(round.number)) {
            context = context.round_date(round.label.clone(), version.created_at);
        }
    }
    Ok(context)
}

/// The source version and the redline from it to `to`, attributed through the chain of
/// versions from `from` to `to` when `from` is an ancestor of `to` (otherwise exact but
/// unattributed), with the justifications of the changes along the chain.
fn redline_between(
    r: &Reader<'_>,
    process: &str,
    document: &str,
    from: u32,
    to: u32,
) -> Result<(Version, Redline, Justifications), StoreError> {
    let chain = VersionChain::load(r, process, document, from, to)?;
    let redline = chain.redline();
    let justifications = chain.justifications(r, process, document)?;
    Ok((chain.source, redline, justifications))
}

/// (round label, node, delegation, text), as `VersionChain::justifications` reads them.
type Justifications = Vec<(String, penholder_core::NodeId, String, String)>;

/// A round as the application layer reads it, with what it produced once consolidated, and the
/// rendering context of an export (dates from the records, never from the clock).
struct RoundExport {
    review: Review,
    context: Context,
}

impl RoundExport {
    fn compile(&self) -> Compilation {
        self.review.material.compile(None)
    }
}

fn round_material(
    r: &Reader<'_>,
    process: &str,
    number: u32,
) -> Result<RoundExport, penholder_negotiation::Error> {
    let review = Review::load(r, process, number)?;
    let material = &review.material;
    let mut context = context_for(r, process, &material.document)?.generated_at(
        review
            .result
            .as_ref()
            .map_or(material.round.closes_at, |result| result.version.created_at),
    );
    for submission in &material.submissions {
        context = context.submitted(submission.delegation.clone(), submission.submitted_at);
    }
    Ok(RoundExport { review, context })
}

#[cfg(test)]
mod tests {
    use super::*;
    use penholder_core::negotiation::{Decision, DelegationKind, Item, Participation, Ruling};
    use penholder_core::{Document, IdSource, Node, NodeKind};
    use penholder_diff::ConsolidateOptions;
    use penholder_store::{Actor, NewDocument, NewRound, NewVersion};

    const T0: i64 = 1_703_062_800_000;

    /// A database with one document, one consolidated round (two delegations, a contested
    /// change decided, a new paragraph) and its Rev. 1.
    fn database(path: &Path) {
        let store = Store::open(path).expect("a new database");
        let admin = Actor::new("admin", None, "admin");
        let mut ids = IdSource::new(1, T0 as u64);
        let op1 = Node::new(
            ids.next_id(),
            NodeKind::Operative,
            "Decide to strengthen cooperation.",
        );
        let op2 = Node::new(
            ids.next_id(),
            NodeKind::Operative,
            "Invite the Secretariat to report.",
        );
        let (op1_id, op2_id) = (op1.id, op2.id);
        let zero = Document::new("Declaration", vec![op1, op2]);
        let setup = admin.clone();
        store
            .write(move |w| {
                w.create_process("p", "Process", &setup, T0)?;
                for (code, name) in [("HU", "Hungary"), ("TR", "Türkiye")] {
                    let delegation = Delegation {
                        code: code.into(),
                        name: name.into(),
                        kind: DelegationKind::State,
                        participation: Participation::Participant,
                        function: None,
                        members: Vec::new(),
                    };
                    w.add_delegation("p", &delegation, &setup, T0)?;
                }
                let document = NewDocument {
                    slug: "d".into(),
                    title: "Declaration".into(),
                    classification: Some("LIMITE".into()),
                    label: "Zero draft".into(),
                    tree: zero,
                };
                w.create_document("p", &document, &setup, T0)?;
                let round = NewRound {
                    document: "d".into(),
                    base_version: 1,
                    label: "Round 1".into(),
                    opens_at: T0,
                    closes_at: T0 + 1_000,
                };
                w.create_round("p", &round, &setup, T0)?;
                Ok(())
            })
            .wait()
            .expect("setup");
        let submissions = [
            (
                "HU",
                vec![Item::Amend {
                    iso: Default::default(),
                    node: op1_id,
                    text: "Decide to enhance cooperation.".into(),
                    justification: Some("Agreed language.".into()),
                }],
            ),
            (
                "TR",
                vec![
                    Item::Amend {
                        iso: Default::default(),
                        node: op1_id,
                        text: "Decide to deepen cooperation.".into(),
                        justification: None,
                    },
                    Item::Insert {
                        iso: Default::default(),
                        at: penholder_core::negotiation::Anchor::After(op2_id),
                        node_kind: None,
                        text: "Welcome the offer of Hungary.".into(),
                        justification: None,
                    },
                ],
            ),
        ];
        for (code, items) in submissions {
            let actor = Actor::new(code, Some(code), "delegate");
            // The body as a client sends it: nodes by id; an insertion's anchor at the top.
            let wire: Vec<serde_json::Value> = items
                .iter()
                .map(|item| {
                    let mut value = serde_json::to_value(item).expect("json");
                    if let Some(serde_json::Value::Object(at)) =
                        value.as_object_mut().and_then(|o| o.remove("at"))
                    {
                        value.as_object_mut().expect("an object").extend(at);
                    }
                    value
                })
                .collect();
            let body = serde_json::to_vec(&serde_json::json!({ "items": wire })).expect("json");
            store
                .write(move |w| {
                    w.put_submission("p", 1, code, &body, &items, None, &actor, T0 + 10)
                })
                .wait()
                .expect("a submission");
        }
        // Decide, close, consolidate and publish Rev. 1 as the server does.
        let material = store
            .read(|r| Ok(round_material(r, "p", 1)))
            .wait()
            .expect("read")
            .expect("round");
        let compilation = material.compile();
        let contested = compilation
            .changes()
            .find(|c| c.contested)
            .expect("a contested change");
        let accept = Decision {
            change: contested.id.clone(),
            ruling: Ruling::Accept {
                alternative: contested
                    .alternatives
                    .iter()
                    .find(|a| a.text.as_deref() == Some("enhance"))
                    .map(|a| a.id.clone()),
            },
            note: Some("Closer to agreed language.".into()),
        };
        let blame = penholder_diff::Blame::initial(&material.review.material.base.document, 1);
        let consolidation = penholder_diff::consolidate(
            &material.review.material.base,
            &blame,
            &compilation,
            std::slice::from_ref(&accept),
            &ConsolidateOptions {
                round: "Round 1".into(),
                accept_uncontested: true,
            },
            &mut ids,
        )
        .expect("consolidation");
        let version = NewVersion {
            label: "Rev. 1".into(),
            tree: consolidation.document,
            round: Some(1),
            provenance: Some(consolidation.blame),
            changes: Some(consolidation.applied),
        };
        store
            .write(move |w| {
                w.close_round("p", 1, &admin, T0 + 400)?;
                w.record_decision("p", 1, &accept, &admin, T0 + 500)?;
                w.publish_version("p", "d", &version, &admin, T0 + 3_000)?;
                Ok(())
            })
            .wait()
            .expect("Rev. 1");
    }

    fn export(db: &Path, out: &Path, format: Format, what: What) -> Vec<u8> {
        run(ExportArgs {
            db: db.to_path_buf(),
            process: "p".into(),
            format,
            out: Some(out.to_path_buf()),
            what,
            audit_key: None,
        })
        .expect("export");
        std::fs::read(out).expect("the exported file")
    }

    #[test]
    fn every_output_in_every_format_it_offers() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let db = dir.path().join("penholder.sqlite");
        database(&db);
        let whats = || {
            [
                (
                    Output::Version,
                    What::Version {
                        document: "d".into(),
                        number: None,
                    },
                ),
                (
                    Output::Redline,
                    What::Redline {
                        document: "d".into(),
                        from: 1,
                        to: 2,
                    },
                ),
                (
                    Output::Blame,
                    What::Blame {
                        document: "d".into(),
                        number: Some(2),
                    },
                ),
                (Output::Compilation, What::Compilation { round: 1 }),
                (Output::Dispositions, What::Dispositions { round: 1 }),
                (
                    Output::Outcomes,
                    What::Outcomes {
                        round: 1,
                        delegation: None,
                    },
                ),
            ]
        };
        let mut written = 0;
        for format in Format::ALL {
            for (output, what) in whats() {
                let out = dir.path().join(format!(
                    "{}.{}",
                    output.as_str().replace(' ', "-"),
                    format.extension()
                ));
                if !output.supports(format) {
                    let error = run(ExportArgs {
                        db: db.clone(),
                        process: "p".into(),
                        format,
                        out: Some(out),
                        what,
                        audit_key: None,
                    })
                    .expect_err("an unsupported format is refused");
                    assert!(error.to_string().contains("not available"), "{error}");
                    continue;
                }
                let bytes = export(&db, &out, format, what);
                assert!(!bytes.is_empty(), "{} as {format}", output.as_str());
                if matches!(format, Format::Docx | Format::Xlsx) {
                    assert!(bytes.starts_with(b"PK"), "a zip package");
                }
                written += 1;
            }
        }
        assert_eq!(written, 22);

        let text = |format: Format, what: What| {
            let out = dir.path().join(format!("check.{}", format.extension()));
            String::from_utf8(export(&db, &out, format, what)).expect("UTF-8")
        };
        let version = text(
            Format::Markdown,
            What::Version {
                document: "d".into(),
                number: None,
            },
        );
        assert!(version.contains("**LIMITE**"));
        assert!(
            version.contains("Decide to enhance cooperation."),
            "{version}"
        );
        assert!(version.contains("Welcome the offer of Hungary."));
        let redline = text(
            Format::Markdown,
            What::Redline {
                document: "d".into(),
                from: 1,
                to: 2,
            },
        );
        assert!(
            redline.contains("{~~strengthen~>enhance~~}{>>Hungary, Round 1"),
            "{redline}"
        );
        let csv = text(Format::Csv, What::Dispositions { round: 1 });
        assert!(
            csv.contains("HU-1,Hungary,,OP1,,te (inferred),Agreed language.,"),
            "{csv}"
        );
        assert!(csv.contains(
            "TR-1,Türkiye,,OP1,,te (inferred),,“strengthen” → “deepen”,Closer to agreed language.,not retained"
        ));
        assert!(csv.contains("TR-2,Türkiye,,after OP2,,te (inferred),,insert: Welcome"));
        let outcomes = text(
            Format::Json,
            What::Outcomes {
                round: 1,
                delegation: Some("TR".into()),
            },
        );
        let outcomes: serde_json::Value = serde_json::from_str(&outcomes).expect("JSON");
        assert_eq!(outcomes[0]["delegation"], "TR");
        assert_eq!(outcomes[0]["proposals"][1]["status"], "retained_verbatim");
        assert_eq!(outcomes[0]["proposals"][1]["resulting_reference"], "OP3");
        let akn = text(
            Format::Akn,
            What::Version {
                document: "d".into(),
                number: Some(1),
            },
        );
        assert!(
            akn.contains("<akomaNtoso xmlns=\"http://docs.oasis-open.org/legaldocml/ns/akn/3.0\">")
        );
    }

    #[test]
    fn missing_things_are_errors_that_say_what() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let db = dir.path().join("penholder.sqlite");
        database(&db);
        let error = run(ExportArgs {
            db: db.clone(),
            process: "p".into(),
            format: Format::Html,
            out: Some(dir.path().join("x.html")),
            what: What::Version {
                document: "d".into(),
                number: Some(9),
            },
            audit_key: None,
        })
        .expect_err("no version 9");
        assert!(error.to_string().contains("version 9"), "{error}");
        let error = run(ExportArgs {
            db: dir.path().join("absent.sqlite"),
            process: "p".into(),
            format: Format::Html,
            out: None,
            what: What::Compilation { round: 1 },
            audit_key: None,
        })
        .expect_err("no database");
        assert!(error.to_string().contains("does not exist"));
    }
}
