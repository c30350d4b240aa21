//! `penholder import`: reads a Council note, a Markdown / plain-text document or an Akoma Ntoso
//! document, prints what it read (documents, nodes by kind, references) and writes the structured-Markdown and JSON forms.

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use penholder_core::{Document, IdSource, References};
use penholder_import::{CouncilNote, NoteMetadata};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// What the file holds.
    #[arg(long, value_enum)]
    from: Source,
    /// The file to read.
    file: PathBuf,
    /// The folder to write the forms into (created if missing). Without it nothing is written.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// The seed of the ids given to nodes that have none (default: from the clock). With
    /// --id-time, the same file always gets the same ids.
    #[arg(long, value_name = "SEED")]
    id_seed: Option<u64>,
    /// The Unix time in milliseconds carried by the new ids (default: now).
    #[arg(long, value_name = "MILLIS")]
    id_time: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Source {
    /// The plain text of a Council note carrying a declaration and its action plan (writes
    /// declaration.*, call-for-action.* and note.json).
    CouncilNote,
    /// Markdown or plain text as people write it, or the structured form (whose ids are kept);
    /// writes FILE-STEM.md and FILE-STEM.json.
    Markdown,
    /// An Akoma Ntoso 3.0 (or 2.0) XML document, its eId/wId kept as external ids; writes
    /// FILE-STEM.md, FILE-STEM.json and FILE-STEM.akn-meta.json (its FRBR metadata).
    Akn,
}

pub fn run(args: ImportArgs) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let mut ids = id_source(&args)?;
    let mut report = String::new();
    let mut outputs: Vec<(String, String)> = Vec::new();
    match args.from {
        Source::CouncilNote => {
            let note =
                penholder_import::import_council_note(&text, &mut ids).with_context(|| {
                    format!("{} is not a Council note as expected", args.file.display())
                })?;
            describe_note(&note.metadata, &args.file, &mut report);
            let CouncilNote {
                metadata,
                declaration,
                call_for_action,
            } = note;
            for (slug, document) in [
                ("declaration", &declaration),
                ("call-for-action", &call_for_action),
            ] {
                describe(document, &mut report);
                push_forms(slug, document, &mut outputs);
            }
            let mut metadata_json = serde_json::to_string_pretty(&metadata)?;
            metadata_json.push('\n');
            outputs.push(("note.json".to_string(), metadata_json));
        }
        Source::Markdown => {
            let imported = penholder_import::import_any_markdown(&text, &mut ids)
                .with_context(|| format!("cannot import {}", args.file.display()))?;
            let form = if imported.structured {
                "structured Markdown (ids kept)"
            } else {
                "Markdown / plain text"
            };
            let _ = writeln!(report, "Read {} from {}", form, args.file.display());
            if let Some(front_matter) = &imported.front_matter {
                let keys: Vec<&str> = front_matter
                    .fields
                    .iter()
                    .map(|(k, _)| k.as_str())
                    .collect();
                let _ = writeln!(report, "  front matter (kept aside): {}", keys.join(", "));
            }
            describe(&imported.document, &mut report);
            push_forms(file_stem(&args.file), &imported.document, &mut outputs);
        }
        Source::Akn => {
            let imported = penholder_import::import_akn(&text, &mut ids)
                .with_context(|| format!("cannot import {}", args.file.display()))?;
            let metadata = &imported.metadata;
            let _ = writeln!(
                report,
                "Read Akoma Ntoso ({} {}) from {}",
                metadata.document_type,
                metadata.namespace,
                args.file.display()
            );
            if let Some(work) = &metadata.work {
                let _ = writeln!(report, "  work: {work}");
            }
            describe(&imported.document, &mut report);
            let stem = file_stem(&args.file);
            push_forms(stem, &imported.document, &mut outputs);
            let mut metadata_json = serde_json::to_string_pretty(metadata)?;
            metadata_json.push('\n');
            outputs.push((format!("{stem}.akn-meta.json"), metadata_json));
        }
    }
    match &args.out {
        Some(out) => {
            std::fs::create_dir_all(out)
                .with_context(|| format!("cannot create {}", out.display()))?;
            if let Some((name, _)) = outputs
                .iter()
                .find(|(name, _)| same_file(&out.join(name), &args.file))
            {
                bail!(
                    "{} would overwrite the file being imported; choose another --out",
                    out.join(name).display()
                );
            }
            for (name, contents) in &outputs {
                let path = out.join(name);
                std::fs::write(&path, contents)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                let _ = writeln!(report, "wrote {}", path.display());
            }
        }
        None => {
            let names: Vec<&str> = outputs.iter().map(|(n, _)| n.as_str()).collect();
            let _ = writeln!(
                report,
                "nothing written (pass --out DIR to write {})",
                names.join(", ")
            );
        }
    }
    print!("{report}");
    Ok(())
}

/// The name the written forms take after the file read (`document` when it has none).
fn file_stem(file: &Path) -> &str {
    file.file_stem()
        .and_then(|s| s.to_str())
        .filter(|s| !s.is_empty())
        .unwrap_or("document")
}

fn id_source(args: &ImportArgs) -> anyhow::Result<IdSource> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .context("the system clock is before 1970")?;
    let millis = args
        .id_time
        .unwrap_or_else(|| u64::try_from(now.as_millis()).unwrap_or(u64::MAX));
    // Without a seed, the clock's nanoseconds and the process id keep two imports in the same
    // millisecond apart.
    let seed = args
        .id_seed
        .unwrap_or_else(|| u64::from(now.subsec_nanos()) ^ (u64::from(std::process::id()) << 32));
    Ok(IdSource::new(seed, millis))
}

fn push_forms(stem: &str, document: &Document, outputs: &mut Vec<(String, String)>) {
    outputs.push((
        format!("{stem}.md"),
        penholder_import::export_structured(document),
    ));
    outputs.push((format!("{stem}.json"), penholder_import::to_json(document)));
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn describe_note(metadata: &NoteMetadata, file: &Path, report: &mut String) {
    let mut heading = String::from("Read Council note");
    for part in [&metadata.number, &metadata.kind, &metadata.classification]
        .into_iter()
        .flatten()
    {
        let _ = write!(heading, " {part}");
    }
    let when: Vec<&str> = [&metadata.place, &metadata.date]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    if !when.is_empty() {
        let _ = write!(heading, " ({})", when.join(", "));
    }
    let _ = writeln!(report, "{heading} from {}", file.display());
    for (label, value) in [
        ("from", &metadata.from),
        ("to", &metadata.to),
        ("subject", &metadata.subject),
    ] {
        if let Some(value) = value {
            let _ = writeln!(report, "  {label}: {value}");
        }
    }
    if !metadata.codes.is_empty() {
        let _ = writeln!(report, "  codes: {}", metadata.codes.join(", "));
    }
    let _ = writeln!(
        report,
        "  background (not part of the documents): {} paragraphs",
        metadata.background.len()
    );
}

/// At most this many references are listed; a longer document shows the first ones and a count.
const REFERENCES_SHOWN: usize = 200;

fn describe(document: &Document, report: &mut String) {
    let _ = writeln!(
        report,
        "document \"{}\": {} nodes",
        document.title,
        document.node_count()
    );
    let counts: Vec<String> = document
        .count_by_kind()
        .into_iter()
        .map(|(kind, count)| format!("{kind} {count}"))
        .collect();
    let _ = writeln!(report, "  {}", counts.join(", "));
    let references = References::of(document);
    let all: Vec<&str> = references
        .in_order()
        .iter()
        .map(|(_, r)| r.as_str())
        .collect();
    let shown = &all[..all.len().min(REFERENCES_SHOWN)];
    let mut line = String::from("  references:");
    for reference in shown {
        if line.len() + reference.len() > 98 {
            let _ = writeln!(report, "{line}");
            line = String::from("   ");
        }
        let _ = write!(line, " {reference}");
    }
    if all.len() > shown.len() {
        let _ = write!(line, " … and {} more", all.len() - shown.len());
    }
    let _ = writeln!(report, "{line}");
}
