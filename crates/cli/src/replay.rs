//! `penholder replay`: the Budapest Process negotiation replayed through the HTTP API, as its
//! participants would play it.
//!
//! The administrator sets up the process and its delegations; the chair (Türkiye) uploads the
//! zero drafts and opens each round; every delegation sends its feedback with its own token
//! (resubmissions included); the chair closes the round, a late delegation is refused; the chair
//! reads the compilation, records the fixture decisions and consolidates into the next
//! revision. Three rounds on each document, through Rev. 3. Every version, compilation, redline,
//! disposition table and "what happened to my proposals" report is fetched with `?format=` as a
//! user would, and written under `--out`.
//!
//! The fixtures' times are historical (December 2023 to June 2024): each round opens now, with a
//! window as long as the historical one, and the chair closes it by hand once the feedback is
//! in; the late attempt comes after that. The historical dates stay in labels and messages.

mod brackets;
mod expected;
mod fixtures;
mod http;
mod round;
mod state;
mod summary;
mod tokens;
mod views;
mod word;

use anyhow::{Context, bail, ensure};
use clap::Args;
use expected::ExpectedText;
use fixtures::Fixtures;
use http::{Api, Caller, Method};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Instant;
use summary::RoundSummary;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The penholder server to replay against; loopback only (`http://127.0.0.1:PORT`).
    #[arg(long, value_name = "URL", env = "PENHOLDER_SERVER")]
    server: String,
    /// The fixture folder (delegations, zero drafts, rounds, expected texts).
    #[arg(long, value_name = "DIR", default_value = "fixtures/budapest")]
    fixtures: PathBuf,
    /// Where to write every file fetched (created if missing).
    #[arg(long, value_name = "DIR", default_value = "out")]
    out: PathBuf,
    /// The key the server checks tokens with (the same settings as `penholder serve` and
    /// `penholder token`): the replay mints every participant's token with it.
    #[command(flatten)]
    keys: crate::serve::KeyArgs,
    /// How long to wait for the server to answer `GET /healthz` (seconds).
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    wait: u64,
    /// The slug of the process to create.
    #[arg(long, default_value = "budapest-7mc")]
    process: String,
    /// The renderings to fetch besides JSON (comma-separated: md, html, docx, akn, csv, xlsx).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "md,html,docx,akn,csv,xlsx"
    )]
    formats: Vec<String>,
    /// Where the expected final texts are (default: FIXTURES/expected). Each document's last
    /// version must equal `<document>.json` there; a difference fails the replay.
    #[arg(long, value_name = "DIR")]
    expected: Option<PathBuf>,
    /// Write the final texts into the expected folder instead of checking them (review the
    /// diff before committing).
    #[arg(long)]
    write_expected: bool,
}

/// The symbol of the Council note carrying both texts (`seed/budapest-process-8056-24.txt`),
/// printed in the footer of their Word files.
const COUNCIL_NOTE_SYMBOL: &str = "8056/24";

/// The process's chairmanship: Türkiye chairs the Budapest Process.
const CHAIR_DELEGATION: &str = "TR";

pub fn run(args: ReplayArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let fixtures = Fixtures::load(&args.fixtures)?;
    let api = Api::new(&args.server)?;
    let formats: Vec<String> = args
        .formats
        .iter()
        .map(|f| f.trim().to_ascii_lowercase())
        .filter(|f| !f.is_empty())
        .collect();
    if let Some(unknown) = formats.iter().find(|f| known_format(f) == "other") {
        bail!("--formats: unknown format {unknown:?}; use md, html, docx, akn, csv, xlsx");
    }
    // The same code as `penholder token`: the key settings of the server, in-process.
    let minter = args
        .keys
        .minter()
        .context("cannot mint the participants' tokens")?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let tokens = tokens::Tokens::new(minter);
    let mut replay = Replay {
        chair: tokens.chair(CHAIR_DELEGATION)?,
        admin: tokens.admin()?,
        delegates: HashMap::new(),
        tokens,
        api,
        process: args.process.clone(),
        out: args.out.clone(),
        formats,
        step: 0,
        files: Vec::new(),
        summaries: Vec::new(),
        latest: BTreeMap::new(),
        state_notes: Vec::new(),
    };
    replay.healthz(std::time::Duration::from_secs(args.wait))?;
    replay.set_up(&fixtures)?;
    for round in &fixtures.rounds {
        replay.state_before_round(round)?;
        replay.round(round)?;
    }
    replay.adopt_declaration()?;
    replay.word_round(&fixtures)?;
    replay.redlines(&fixtures)?;
    replay.views(&fixtures)?;
    let expected_dir = args
        .expected
        .clone()
        .unwrap_or_else(|| fixtures.root.join("expected"));
    // Printed before the verdict on the final texts, so that a difference still shows the rest.
    let verdict = replay.final_texts(&expected_dir, args.write_expected);

    println!();
    println!("Summary per round");
    print!("{}", summary::table(&replay.summaries));
    println!();
    println!("State of the text and coalitions");
    for note in &replay.state_notes {
        println!("  {note}");
    }
    println!();
    println!("Files written under {}:", args.out.display());
    replay
        .files
        .sort_by(|a, b| (&a.folder, &a.stems).cmp(&(&b.folder, &b.stems)));
    for group in &replay.files {
        println!("  {:<72} {}", group.paths(), group.what);
    }
    println!();
    println!(
        "Replayed {} rounds on {} documents through {} in {:.1} s.",
        fixtures.rounds.len(),
        fixtures.documents.len(),
        replay.api.base(),
        started.elapsed().as_secs_f64()
    );
    verdict
}

/// The replay's state: who is who, what was written, where each document stands.
struct Replay {
    api: Api,
    tokens: tokens::Tokens,
    admin: Caller,
    chair: Caller,
    delegates: HashMap<String, Caller>,
    process: String,
    out: PathBuf,
    formats: Vec<String>,
    step: usize,
    /// What was written, for the closing list.
    files: Vec<FileGroup>,
    summaries: Vec<RoundSummary>,
    /// The latest version number of each document.
    latest: BTreeMap<String, u32>,
    /// What the state and coalition steps did, for the summary (`state.rs`).
    state_notes: Vec<String>,
}

/// Files written together: one output in several formats, or one report per delegation.
struct FileGroup {
    /// The folder, under `--out`.
    folder: PathBuf,
    /// File names without their extension (one, or one per delegation).
    stems: Vec<String>,
    extensions: Vec<String>,
    what: String,
}

impl FileGroup {
    /// `out/declaration/1-zero-draft.{json,md,html}`, shell-brace style.
    fn paths(&self) -> String {
        fn braces(items: &[String]) -> String {
            match items {
                [one] => one.clone(),
                many => format!("{{{}}}", many.join(",")),
            }
        }
        format!(
            "{}.{}",
            self.folder.join(braces(&self.stems)).display(),
            braces(&self.extensions)
        )
    }
}

/// The file extension of a `?format=`.
/// The delegation whose changes the replay's filtered redlines show.
pub const FILTERED_DELEGATION: &str = "DE";

fn extension(format: &str) -> &str {
    match format {
        "akn" => "akn.xml",
        other => other,
    }
}

fn extensions(formats: &[&str]) -> Vec<String> {
    formats.iter().map(|f| extension(f).to_string()).collect()
}

/// The formats the replay knows, as static names.
fn known_format(format: &str) -> &'static str {
    ["json", "md", "html", "docx", "akn", "csv", "xlsx"]
        .into_iter()
        .find(|known| *known == format)
        .unwrap_or("other")
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn rfc3339(at: OffsetDateTime) -> anyhow::Result<String> {
    Ok(at
        .replace_nanosecond(0)
        .context("a time without its fraction")?
        .format(&Rfc3339)?)
}

/// `zero-draft` for version 1, `rev-N` for the version consolidating the N-th round.
fn version_name(number: u32) -> String {
    if number <= 1 {
        "zero-draft".to_string()
    } else {
        format!("rev-{}", number - 1)
    }
}

/// `Zero draft`, `Rev. N`.
fn version_title(number: u32) -> String {
    if number <= 1 {
        "Zero draft".to_string()
    } else {
        format!("Rev. {}", number - 1)
    }
}

impl Replay {
    fn progress(&mut self, message: impl AsRef<str>) {
        self.step += 1;
        println!("[{:>3}] {}", self.step, message.as_ref());
    }

    fn delegate(&mut self, code: &str) -> anyhow::Result<Caller> {
        if let Some(caller) = self.delegates.get(code) {
            return Ok(caller.clone());
        }
        let caller = self.tokens.delegate(code)?;
        self.delegates.insert(code.to_string(), caller.clone());
        Ok(caller)
    }

    fn p(&self) -> String {
        format!("/v1/processes/{}", self.process)
    }

    /// Writes `<stem>.<extension>` under `--out`.
    fn write_file(&self, stem: &Path, extension: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let mut name = self.out.join(stem).into_os_string();
        name.push(format!(".{extension}"));
        let path = PathBuf::from(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))
    }

    /// Records files written, joining a per-delegation report to the group of its folder.
    fn record(&mut self, stem: &Path, extensions: Vec<String>, what: String, per_delegation: bool) {
        let folder = self.out.join(stem.parent().unwrap_or(Path::new("")));
        let name = stem
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if per_delegation
            && let Some(group) = self.files.last_mut().filter(|g| {
                g.folder == folder
                    && g.extensions == extensions
                    && !g.stems.is_empty()
                    && g.what == what
            })
        {
            group.stems.push(name);
            return;
        }
        self.files.push(FileGroup {
            folder,
            stems: vec![name],
            extensions,
            what,
        });
    }

    /// Fetches `path` in every requested format among `formats` (JSON always) and writes
    /// `<stem>.<extension>`. A format the server does not offer is an error: the replay checks
    /// the whole API.
    fn fetch_all(
        &mut self,
        path: &str,
        caller: &Caller,
        formats: &[&str],
        stem: &Path,
        what: &str,
    ) -> anyhow::Result<()> {
        let written = self.fetch_formats(path, caller, formats, stem)?;
        self.record(stem, extensions(&written), what.to_string(), false);
        self.progress(format!(
            "{}: fetched {what} as {}",
            caller.name,
            written.join(", ")
        ));
        Ok(())
    }

    /// One delegation's "what happened to my proposals", listed with the others of its round.
    fn fetch_report(
        &mut self,
        path: &str,
        delegate: &Caller,
        stem: &Path,
        round: u32,
    ) -> anyhow::Result<()> {
        let written = self.fetch_formats(path, delegate, &["html"], stem)?;
        self.record(
            stem,
            extensions(&written),
            format!("what happened to each delegation's proposals in round {round}"),
            true,
        );
        self.progress(format!(
            "{}: fetched what happened to its proposals in round {round} as {}",
            delegate.name,
            written.join(", ")
        ));
        Ok(())
    }

    /// Fetches `path` as JSON and in each of `formats` the replay was asked for, and writes
    /// `<stem>.<extension>`; returns the formats written. A format the server does not offer
    /// is an error: the replay checks the whole API.
    fn fetch_formats(
        &self,
        path: &str,
        caller: &Caller,
        formats: &[&str],
        stem: &Path,
    ) -> anyhow::Result<Vec<&'static str>> {
        let separator = if path.contains('?') { '&' } else { '?' };
        let mut written = Vec::new();
        for format in std::iter::once(&"json").chain(formats) {
            if *format != "json" && !self.formats.iter().any(|f| f == format) {
                continue;
            }
            let reply = self
                .api
                .get(&format!("{path}{separator}format={format}"), caller)?;
            ensure!(
                !reply.body.is_empty(),
                "GET {path}?format={format}: the server sent an empty file"
            );
            self.write_file(stem, extension(format), &reply.body)?;
            written.push(known_format(format));
        }
        Ok(written)
    }

    /// Waits until the server answers `GET /healthz` with 200, for at most `wait`.
    fn healthz(&mut self, wait: std::time::Duration) -> anyhow::Result<()> {
        let deadline = Instant::now() + wait;
        let reply = loop {
            match self.api.expect(Method::Get, "/healthz", None, None, &[200]) {
                Ok(reply) => break reply,
                Err(error) if Instant::now() >= deadline => {
                    return Err(error.context(format!(
                        "the server at {} is not healthy after {} s",
                        self.api.base(),
                        wait.as_secs()
                    )));
                }
                Err(_) => std::thread::sleep(std::time::Duration::from_millis(100)),
            }
        };
        self.progress(format!(
            "server {} is healthy: {}",
            self.api.base(),
            String::from_utf8_lossy(&reply.body).trim()
        ));
        Ok(())
    }

    /// The administrator creates the process with its delegations; the chair uploads the zero
    /// drafts.
    fn set_up(&mut self, fixtures: &Fixtures) -> anyhow::Result<()> {
        let body = serde_json::json!({
            "slug": self.process,
            "title": "Budapest Process: 7th Ministerial Conference (Budapest, November 2024)",
            "delegations": fixtures.delegations,
        });
        let admin = self.admin.clone();
        self.api.expect(
            Method::Post,
            "/v1/processes",
            Some(&admin),
            Some(&serde_json::to_vec(&body)?),
            &[201],
        )?;
        self.progress(format!(
            "admin: created process {} with {} delegations (delegations.json)",
            self.process,
            fixtures.delegations.len()
        ));
        for document in &fixtures.documents {
            let body = serde_json::json!({
                "slug": document.slug,
                "title": document.title,
                "classification": "LIMITE",
                "label": "Zero draft (presented at the Senior Officials Meeting, Istanbul, 5 December 2023)",
                "source": {"format": "markdown", "text": document.markdown},
                "symbol": COUNCIL_NOTE_SYMBOL,
            });
            let chair = self.chair.clone();
            let created: views::CreatedDocument = self
                .api
                .expect(
                    Method::Post,
                    &format!("{}/documents", self.p()),
                    Some(&chair),
                    Some(&serde_json::to_vec(&body)?),
                    &[201],
                )?
                .json()?;
            self.latest
                .insert(document.slug.clone(), created.version.number);
            self.progress(format!(
                "{}: uploaded {} ({}) as {} v{}: {:?}{}",
                chair.name,
                document.slug,
                document.markdown_path.display(),
                document.slug,
                created.version.number,
                created.version.label,
                created
                    .nodes
                    .map(|n| format!(", {n} nodes"))
                    .unwrap_or_default()
            ));
            self.version_files(&document.slug, created.version.number)?;
        }
        Ok(())
    }

    /// Writes one version in every format: `<document>/<n>-<name>.<ext>`.
    fn version_files(&mut self, document: &str, number: u32) -> anyhow::Result<()> {
        let path = format!("{}/documents/{document}/versions/{number}", self.p());
        let stem = PathBuf::from(document).join(format!("{number}-{}", version_name(number)));
        let chair = self.chair.clone();
        self.fetch_all(
            &path,
            &chair,
            &["md", "html", "docx", "akn"],
            &stem,
            &format!("{document} {}", version_title(number)),
        )
    }

    fn version(&self, document: &str, number: u32) -> anyhow::Result<views::VersionView> {
        self.api.get_json(
            &format!("{}/documents/{document}/versions/{number}", self.p()),
            &self.chair,
        )
    }

    /// "What happened to my proposals", fetched by the delegation itself with its own token.
    fn outcomes(&mut self, r: &str, round: u32, code: &str, folder: &Path) -> anyhow::Result<()> {
        let delegate = self.delegate(code)?;
        let stem = folder.join("outcomes").join(code);
        self.fetch_report(&format!("{r}/outcomes/{code}"), &delegate, &stem, round)
    }

    /// Redlines from each version to the next, and from the zero draft to the last.
    fn redlines(&mut self, fixtures: &Fixtures) -> anyhow::Result<()> {
        for document in &fixtures.documents {
            let slug = document.slug.as_str();
            let last = self.latest.get(slug).copied().unwrap_or(1);
            let mut pairs: Vec<(u32, u32)> = (1..last).map(|n| (n, n + 1)).collect();
            if last > 2 {
                pairs.push((1, last));
            }
            for (from, to) in pairs {
                let path = format!("{}/documents/{slug}/redline?from={from}&to={to}", self.p());
                let stem = PathBuf::from(slug).join(format!(
                    "redline-{}-to-{}",
                    version_name(from),
                    version_name(to)
                ));
                let chair = self.chair.clone();
                self.fetch_all(
                    &path,
                    &chair,
                    &["html", "docx", "md"],
                    &stem,
                    &format!(
                        "redline of {slug}, {} → {}",
                        version_title(from),
                        version_title(to)
                    ),
                )?;
            }
        }
        Ok(())
    }

    /// Each document's numbering concordance, its synoptic table (every version side by side),
    /// and its redline from the zero draft to the last version narrowed to the changes [`FILTERED_DELEGATION`] proposed or supported.
    fn views(&mut self, fixtures: &Fixtures) -> anyhow::Result<()> {
        for document in &fixtures.documents {
            let slug = document.slug.as_str();
            let last = self.latest.get(slug).copied().unwrap_or(1);
            let chair = self.chair.clone();
            self.fetch_all(
                &format!("{}/documents/{slug}/concordance", self.p()),
                &chair,
                &["html", "md", "csv", "xlsx"],
                &PathBuf::from(slug).join("concordance"),
                &format!("numbering concordance of {slug}, every version"),
            )?;
            self.fetch_all(
                &format!("{}/documents/{slug}/synoptic", self.p()),
                &chair,
                &["html", "docx", "xlsx"],
                &PathBuf::from(slug).join("synoptic"),
                &format!("synoptic table of {slug}, every version side by side"),
            )?;
            if last > 1 {
                self.fetch_all(
                    &format!(
                        "{}/documents/{slug}/redline?from=1&to={last}&delegation={FILTERED_DELEGATION}",
                        self.p()
                    ),
                    &chair,
                    &["html", "docx", "md"],
                    &PathBuf::from(slug).join(format!(
                        "redline-{}-to-{}-{FILTERED_DELEGATION}",
                        version_name(1),
                        version_name(last)
                    )),
                    &format!(
                        "redline of {slug}, {} → {}, only {FILTERED_DELEGATION}'s changes",
                        version_title(1),
                        version_title(last)
                    ),
                )?;
            }
        }
        Ok(())
    }

    /// Checks each document's last version against the expected text (or writes it).
    fn final_texts(&mut self, expected_dir: &Path, write: bool) -> anyhow::Result<()> {
        let documents: Vec<(String, u32)> =
            self.latest.iter().map(|(d, n)| (d.clone(), *n)).collect();
        let mut failures = Vec::new();
        for (slug, number) in documents {
            let version = self.version(&slug, number)?;
            ensure!(
                version.number == number,
                "asked for {slug} version {number}, got version {}",
                version.number
            );
            let actual = ExpectedText::of(&slug, &version_title(number), &version.document);
            let path = expected_dir.join(format!("{slug}.json"));
            if write {
                std::fs::create_dir_all(expected_dir)
                    .with_context(|| format!("cannot create {}", expected_dir.display()))?;
                actual.write(&path)?;
                self.progress(format!(
                    "wrote the final text of {slug} ({}) to {}",
                    version.label,
                    path.display()
                ));
                continue;
            }
            if !path.exists() {
                self.progress(format!(
                    "no expected text at {}: the final text of {slug} is not checked",
                    path.display()
                ));
                continue;
            }
            let expected = ExpectedText::read(&path)?;
            let differences = expected.differences(&actual);
            if differences.is_empty() {
                self.progress(format!(
                    "{slug} {} equals the expected text {}",
                    version_title(number),
                    path.display()
                ));
            } else {
                failures.push(format!(
                    "{slug} {} differs from {} in {} place(s):\n  {}",
                    version_title(number),
                    path.display(),
                    differences.len(),
                    differences.join("\n  ")
                ));
            }
        }
        if !failures.is_empty() {
            bail!("{}", failures.join("\n"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_named_after_the_round_they_close() {
        assert_eq!(version_name(1), "zero-draft");
        assert_eq!(version_name(4), "rev-3");
        assert_eq!(version_title(1), "Zero draft");
        assert_eq!(version_title(2), "Rev. 1");
    }

    #[test]
    fn times_go_out_in_whole_seconds() {
        let at = OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_456_789).unwrap();
        assert_eq!(rfc3339(at).unwrap(), "2023-11-14T22:13:20Z");
    }
}
