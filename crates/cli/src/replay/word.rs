//! The Word round of the replay (issue 14): a delegation and the chairmanship who work in Word.
//!
//! The chair uploads the Declaration's zero draft a second time, as its own document
//! (`declaration-word`, so that the three rounds of the Declaration keep their fixtures), and
//! opens a round on it. Austria sends the file it edited in LibreOffice with change tracking
//! on (`fixtures/docx/declaration-at-tracked.docx`): first with `?dry_run=true` to see the items
//! penholder understood, then for real. The chair closes the round and uploads its revised text
//! as a Word file (`fixtures/docx/declaration-rev1-chair.docx`, edited without tracking), which
//! becomes version 2 and consolidates the round. The files were made once with LibreOffice by
//! `scripts/make-docx-fixtures.py`; the replay needs no LibreOffice.

use super::fixtures::Fixtures;
use super::http::Method;
use super::{Replay, rfc3339, views};
use anyhow::{Context, ensure};
use std::path::PathBuf;
use time::OffsetDateTime;

/// The document the Word round is played on: the Declaration's zero draft again.
pub(super) const WORD_DOCUMENT: &str = "declaration-word";
/// The delegation that works in Word.
const DELEGATION: &str = "AT";
const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
/// The delegation's file, edited from version 1's DOCX with change tracking on.
pub(super) const DELEGATION_FILE: &str = "declaration-at-tracked.docx";
/// The chair's revised text, edited from version 1's DOCX without tracking.
pub(super) const CHAIR_FILE: &str = "declaration-rev1-chair.docx";

impl Replay {
    /// Plays the Word round; its answers go under `word/` in `--out`.
    pub(super) fn word_round(&mut self, fixtures: &Fixtures) -> anyhow::Result<()> {
        let folder = fixtures.root.join("../docx");
        let read = |name: &str| -> anyhow::Result<Vec<u8>> {
            let path = folder.join(name);
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))
        };
        let (delegation_file, chair_file) = (read(DELEGATION_FILE)?, read(CHAIR_FILE)?);
        let declaration = fixtures
            .documents
            .iter()
            .find(|d| d.slug == "declaration")
            .context("the fixtures have no declaration")?;
        let chair = self.chair.clone();
        // The same title and tree as the Declaration's zero draft: the same version hash, which
        // the files name.
        let body = serde_json::json!({
            "slug": WORD_DOCUMENT,
            "title": declaration.title,
            "classification": "LIMITE",
            "label": "Zero draft",
            "source": {"format": "markdown", "text": declaration.markdown},
            "symbol": super::COUNCIL_NOTE_SYMBOL,
        });
        self.api.expect(
            Method::Post,
            &format!("{}/documents", self.p()),
            Some(&chair),
            Some(&serde_json::to_vec(&body)?),
            &[201],
        )?;
        self.version_files(WORD_DOCUMENT, 1)?;
        let now = OffsetDateTime::now_utc();
        let body = serde_json::json!({
            "document": WORD_DOCUMENT,
            "base_version": 1,
            "label": "Written feedback in Word",
            "opens_at": rfc3339(now)?,
            "closes_at": rfc3339(now + time::Duration::hours(1))?,
        });
        let mut round: views::RoundView = self
            .api
            .expect(
                Method::Post,
                &format!("{}/rounds", self.p()),
                Some(&chair),
                Some(&serde_json::to_vec(&body)?),
                &[201],
            )?
            .json()?;
        let path = format!("{}/rounds/{}", self.p(), round.number);
        if round.state == "planned" {
            round = self
                .api
                .expect(
                    Method::Post,
                    &format!("{path}/open"),
                    Some(&chair),
                    None,
                    &[200],
                )?
                .json()?;
        }
        ensure!(round.state == "open", "the Word round is {}", round.state);
        self.progress(format!(
            "{}: uploaded the Declaration's zero draft as {WORD_DOCUMENT} v1 and opened round {} on it for feedback in Word",
            chair.name, round.number
        ));

        let delegate = self.delegate(DELEGATION)?;
        let submission = format!("{path}/submissions/{DELEGATION}");
        let dry_run = self.api.expect_as(
            Method::Put,
            &format!("{submission}?dry_run=true"),
            Some(&delegate),
            Some(&delegation_file),
            DOCX,
            &[200],
        )?;
        let understood: serde_json::Value = dry_run.json()?;
        let items = understood["items"].as_array().map_or(0, Vec::len);
        self.write_file(&word_stem("at-dry-run"), "json", &dry_run.body)?;
        let receipt = self.api.expect_as(
            Method::Put,
            &submission,
            Some(&delegate),
            Some(&delegation_file),
            DOCX,
            &[201],
        )?;
        self.write_file(&word_stem("at-receipt"), "json", &receipt.body)?;
        let receipt: serde_json::Value = receipt.json()?;
        ensure!(
            receipt["items"] == items,
            "Austria's Word file: {items} items in the dry run, {} submitted",
            receipt["items"]
        );
        self.progress(format!(
            "{}: sent {DELEGATION_FILE} (edited in LibreOffice with change tracking on): {items} items understood, each flagged {}",
            delegate.name, receipt["flags"]
        ));
        self.record(
            &word_stem("at-dry-run"),
            vec!["json".into()],
            "Austria's Word file: the items understood (dry run)".into(),
            false,
        );
        self.record(
            &word_stem("at-receipt"),
            vec!["json".into()],
            "Austria's Word file: the receipt, with how each item was found".into(),
            false,
        );

        self.api.expect(
            Method::Post,
            &format!("{path}/close"),
            Some(&chair),
            None,
            &[200],
        )?;
        let uploaded = self.api.expect_as(
            Method::Post,
            &format!(
                "{}/documents/{WORD_DOCUMENT}/versions?label=Rev.%201%20(Word)&round={}",
                self.p(),
                round.number
            ),
            Some(&chair),
            Some(&chair_file),
            DOCX,
            &[201],
        )?;
        self.write_file(&word_stem("rev1-upload"), "json", &uploaded.body)?;
        let uploaded: serde_json::Value = uploaded.json()?;
        let number = uploaded["version"]["number"]
            .as_u64()
            .context("the upload's answer names no version")? as u32;
        self.latest.insert(WORD_DOCUMENT.to_string(), number);
        self.progress(format!(
            "{}: closed round {} and uploaded {CHAIR_FILE} as {WORD_DOCUMENT} v{number}, consolidating it ({} proposals carried out)",
            chair.name,
            round.number,
            uploaded["alignment"]["fulfilled"]
                .as_array()
                .map_or(0, Vec::len)
        ));
        self.record(
            &word_stem("rev1-upload"),
            vec!["json".into()],
            "the chair's revised Word file: the version made and its alignment".into(),
            false,
        );
        self.version_files(WORD_DOCUMENT, number)
    }
}

fn word_stem(name: &str) -> PathBuf {
    PathBuf::from("word").join(name)
}
