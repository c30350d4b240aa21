//! The replay's step for brackets (issue 16, item 2): after each consolidation, the brackets
//! it carried into the new version (the changes the chairmanship deferred: in the Budapest
//! fixtures, the Global Refugee Forum action and Ukraine's preambular paragraph, deferred to the
//! Reference Group), read back from the version's JSON and reported with their proposers; the
//! next round's compilation then brings them back, marked carried over. In that round the
//! delegations act on them (support an alternative, propose a new wording of one, withdraw
//! their own support: [`Replay::bracket_acts`]) and the chair's decisions resolve them
//! ([`Replay::brackets_resolved`]).

use super::Replay;
use super::fixtures::{RoundFixture, WireItem};
use super::http::Method;
use anyhow::{Context, bail, ensure};
use std::collections::BTreeMap;

impl Replay {
    /// Reads the brackets of version `number` of `document` and reports each; every one must
    /// hold alternatives, each with a supporter. Returns how many there are.
    pub(super) fn brackets_carried(
        &mut self,
        document: &str,
        number: u32,
    ) -> anyhow::Result<usize> {
        let path = format!("{}/documents/{document}/versions/{number}", self.p());
        let version: serde_json::Value = self.api.get_json(&path, &self.chair)?;
        let brackets = version["brackets"].as_array().cloned().unwrap_or_default();
        for bracket in &brackets {
            let alternatives = bracket["alternatives"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            ensure!(
                !alternatives.is_empty()
                    && alternatives
                        .iter()
                        .all(|a| a["supporters"].as_array().is_some_and(|s| !s.is_empty())),
                "{document} v{number}: bracket {} has an alternative nobody supports",
                bracket["id"]
            );
            self.progress(format!(
                "{document} v{number} carries bracket {} on {} (deferred in {}): {}",
                bracket["id"].as_str().unwrap_or_default(),
                bracket["reference"].as_str().unwrap_or_default(),
                bracket["round"].as_str().unwrap_or_default(),
                bracket["label"].as_str().unwrap_or_default(),
            ));
        }
        Ok(brackets.len())
    }
}

/// The delegation that supports the carried alternative on the declaration's Ukraine paragraph
/// in the Reference Group round (it sends feedback there anyway, and was not among its
/// proposers).
const SUPPORTING: &str = "GR";
/// The delegation that proposes a new wording of that alternative in the same round.
const AMENDING: &str = "SE";
/// The document whose brackets the delegations act on.
const DOCUMENT: &str = "declaration";

/// One alternative of an open bracket, as a version's JSON names it.
#[derive(Clone, Debug)]
struct OpenAlternative {
    bracket: String,
    reference: String,
    alternative: String,
    text: Option<String>,
    supporters: Vec<String>,
}

impl OpenAlternative {
    fn first_of(brackets: &[serde_json::Value]) -> Option<OpenAlternative> {
        let bracket = brackets.first()?;
        let alternative = bracket["alternatives"].as_array()?.first()?;
        Some(OpenAlternative {
            bracket: bracket["id"].as_str()?.to_string(),
            reference: bracket["reference"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            alternative: alternative["id"].as_str()?.to_string(),
            text: alternative["text"].as_str().map(str::to_string),
            supporters: alternative["supporters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect(),
        })
    }

    fn describe(&self) -> String {
        format!(
            "alternative {} of bracket {} on {}",
            self.alternative, self.bracket, self.reference
        )
    }
}

impl Replay {
    /// In the Reference Group round (the first on a version that carries brackets), the
    /// delegations act on the declaration's bracket on the Ukraine paragraph as issue 16 lets
    /// them: Greece supports the carried alternative, Sweden proposes a new wording of it, and
    /// one of its proposers that sends nothing else withdraws its support. Each act is a
    /// submission item (a revision of the delegation's feedback, or its only item), and the
    /// compilation must show it: the supporter among the alternative's, the new wording beside
    /// it in the same change, the withdrawn one no longer. The chair's decision on that change
    /// then resolves the bracket ([`Replay::brackets_resolved`]). (The Call for Action's
    /// bracket, a new action, is resolved by the chair's rewording without acts on it.)
    pub(super) fn bracket_acts(
        &mut self,
        fixture: &RoundFixture,
        round_path: &str,
        base_number: u32,
        sent: &mut BTreeMap<String, (u32, Vec<WireItem>)>,
    ) -> anyhow::Result<()> {
        if !fixture.folder.starts_with("2-") || fixture.document != DOCUMENT {
            return Ok(());
        }
        let document = fixture.document.as_str();
        let path = format!("{}/documents/{document}/versions/{base_number}", self.p());
        let version: serde_json::Value = self.api.get_json(&path, &self.chair)?;
        let brackets = version["brackets"].as_array().cloned().unwrap_or_default();
        let Some(open) = OpenAlternative::first_of(&brackets) else {
            return Ok(());
        };
        let mut acts: Vec<String> = Vec::new();
        ensure!(
            !open
                .supporters
                .iter()
                .any(|s| s == SUPPORTING || s == AMENDING),
            "{SUPPORTING} or {AMENDING} already supports {}",
            open.describe()
        );
        self.add_item(
            round_path,
            SUPPORTING,
            sent,
            WireItem::Support {
                iso: Default::default(),
                bracket: open.bracket.clone(),
                alternative: open.alternative.clone(),
                justification: Some(
                    "Greece joins the proposal carried over from the zero draft.".into(),
                ),
            },
        )?;
        acts.push(format!("{SUPPORTING} supported {}", open.describe()));
        let text = open
            .text
            .as_deref()
            .context("the carried alternative deletes a node: nothing to reword")?;
        ensure!(
            text.contains("Russia’s"),
            "the carried alternative {text:?} no longer names Russia's war"
        );
        self.add_item(
            round_path,
            AMENDING,
            sent,
            WireItem::AmendAlternative {
                iso: Default::default(),
                bracket: open.bracket.clone(),
                alternative: open.alternative.clone(),
                text: text.replacen("Russia’s", "the Russian Federation’s", 1),
                justification: Some("Sweden prefers the State's full name.".into()),
            },
        )?;
        acts.push(format!(
            "{AMENDING} proposed a new wording of {}",
            open.describe()
        ));
        let withdrawing = open
            .supporters
            .iter()
            .find(|s| !sent.contains_key(*s))
            .cloned()
            .with_context(|| format!("every proposer of {} sends feedback", open.describe()))?;
        self.add_item(
            round_path,
            &withdrawing,
            sent,
            WireItem::WithdrawAlternative {
                iso: Default::default(),
                bracket: open.bracket.clone(),
                alternative: open.alternative.clone(),
                justification: Some(
                    "Left to the delegations that repeat the proposal in this round.".into(),
                ),
            },
        )?;
        acts.push(format!(
            "{withdrawing} withdrew its support of {}",
            open.describe()
        ));
        let supporters = self.compiled_supporters(round_path, &open)?;
        ensure!(
            supporters.iter().any(|s| s == SUPPORTING)
                && supporters.iter().any(|s| s == AMENDING)
                && !supporters.contains(&withdrawing),
            "round 2's compilation of {document}: the change carrying {} is supported by \
             {supporters:?}, expected {SUPPORTING} and {AMENDING} among them and not \
             {withdrawing}",
            open.describe()
        );
        for act in &acts {
            self.progress(format!("{document}, round 2: {act}"));
        }
        self.state_notes.push(format!(
            "Brackets acted on in round 2 ({document}): {}",
            acts.join("; ")
        ));
        Ok(())
    }

    /// Sends `item` as the last item of a new revision of `code`'s feedback (its first when it
    /// sent none), and keeps what was sent for the round's checks.
    fn add_item(
        &mut self,
        round_path: &str,
        code: &str,
        sent: &mut BTreeMap<String, (u32, Vec<WireItem>)>,
        item: WireItem,
    ) -> anyhow::Result<()> {
        let (revision, mut items) = sent.get(code).cloned().unwrap_or((0, Vec::new()));
        items.push(item);
        let body = serde_json::to_vec_pretty(&serde_json::json!({ "items": items }))?;
        let delegate = self.delegate(code)?;
        let receipt: serde_json::Value = self
            .api
            .expect(
                Method::Put,
                &format!("{round_path}/submissions/{code}"),
                Some(&delegate),
                Some(&body),
                &[201],
            )?
            .json()?;
        ensure!(
            receipt["revision"] == revision + 1,
            "{code}'s act on a bracket was recorded as revision {}, expected {}",
            receipt["revision"],
            revision + 1
        );
        sent.insert(code.to_string(), (revision + 1, items));
        Ok(())
    }

    /// Every delegation supporting some alternative of the change of the round's compilation
    /// that holds the carried-over `open` alternative.
    fn compiled_supporters(
        &self,
        round_path: &str,
        open: &OpenAlternative,
    ) -> anyhow::Result<Vec<String>> {
        let compilation: serde_json::Value = self
            .api
            .get_json(&format!("{round_path}/compilation"), &self.chair)?;
        let mark = format!("({}, alternative {})", open.bracket, open.alternative);
        let changes = compilation["compilation"]["nodes"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|n| n["changes"].as_array().into_iter().flatten());
        for change in changes {
            let supporters: Vec<&serde_json::Value> = change["alternatives"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|a| a["supporters"].as_array().into_iter().flatten())
                .collect();
            let carried = supporters.iter().any(|s| {
                s["justification"]
                    .as_str()
                    .is_some_and(|j| j.ends_with(&mark))
            });
            if carried {
                return Ok(supporters
                    .iter()
                    .filter_map(|s| s["delegation"].as_str().map(str::to_string))
                    .collect());
            }
        }
        bail!(
            "round 2's compilation holds no change carrying {} over",
            open.describe()
        )
    }

    /// Before the Reference Group round is consolidated, the chair decides every change that
    /// still holds only proposals carried over from Rev. 1 and that the fixture's decisions
    /// left open (on the Call for Action, Switzerland's first Global Refugee Forum action,
    /// which the chair's new PG5.6 takes up): rejected with a note, so that the bracket is
    /// resolved by decision rather than carried into Rev. 2 again.
    pub(super) fn resolve_carried(
        &mut self,
        fixture: &RoundFixture,
        round_path: &str,
    ) -> anyhow::Result<()> {
        if !fixture.folder.starts_with("2-") {
            return Ok(());
        }
        let compilation: serde_json::Value = self
            .api
            .get_json(&format!("{round_path}/compilation"), &self.chair)?;
        // A round's decisions fit one page of the largest size (the fixtures hold a few).
        let decisions: serde_json::Value = self
            .api
            .get_json(&format!("{round_path}/decisions?limit=1000"), &self.chair)?;
        let decided: Vec<String> = decisions["decisions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| d["change"].as_str().map(str::to_string))
            .collect();
        let carried_only = |change: &serde_json::Value| {
            let mut supporters = change["alternatives"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|a| a["supporters"].as_array().into_iter().flatten())
                .peekable();
            supporters.peek().is_some()
                && supporters.all(|s| {
                    s["justification"]
                        .as_str()
                        .is_some_and(|j| j.starts_with("Carried over from "))
                })
        };
        let open: Vec<(String, String)> = compilation["compilation"]["nodes"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|n| n["changes"].as_array().into_iter().flatten())
            .filter(|c| carried_only(c))
            .filter_map(|c| {
                let id = c["id"].as_str()?.to_string();
                (!decided.contains(&id))
                    .then(|| (id, c["reference"].as_str().unwrap_or_default().to_string()))
            })
            .collect();
        let chair = self.chair.clone();
        for (change, reference) in open {
            self.api.expect(
                Method::Put,
                &format!("{round_path}/decisions/{change}"),
                Some(&chair),
                Some(&serde_json::to_vec(&serde_json::json!({
                    "decision": "reject",
                    "note": "Taken up in the chair's wording of this round: the bracket is closed.",
                }))?),
                &[200, 201],
            )?;
            self.progress(format!(
                "{}: rejected change {change} on {reference}, carried over from Rev. 1, to close its bracket",
                chair.name
            ));
            self.state_notes.push(format!(
                "Bracket on {reference} ({}) carried over from Rev. 1 and closed by the chair's decision in round 2",
                fixture.document
            ));
        }
        Ok(())
    }

    /// After a round that acted on brackets, the chair's decisions resolved them: the new
    /// version carries none of them, and the dispositions give each act a decision.
    pub(super) fn brackets_resolved(
        &mut self,
        fixture: &RoundFixture,
        round_path: &str,
        next: u32,
    ) -> anyhow::Result<()> {
        if !fixture.folder.starts_with("2-") {
            return Ok(());
        }
        let document = fixture.document.as_str();
        let dispositions: serde_json::Value = self
            .api
            .get_json(&format!("{round_path}/dispositions"), &self.chair)?;
        let acts: Vec<&serde_json::Value> = dispositions["rows"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|row| {
                row["reference"]
                    .as_str()
                    .is_some_and(|r| r.starts_with("bracket "))
            })
            .collect();
        if acts.is_empty() {
            return Ok(());
        }
        let path = format!("{}/documents/{document}/versions/{next}", self.p());
        let version: serde_json::Value = self.api.get_json(&path, &self.chair)?;
        let still_open = version["brackets"].as_array().map_or(0, Vec::len);
        ensure!(
            still_open == 0,
            "{document} v{next}: {still_open} brackets are still open after the chair's decisions"
        );
        let decided: Vec<String> = acts
            .iter()
            .map(|row| {
                format!(
                    "{} {}",
                    row["id"].as_str().unwrap_or_default(),
                    row["status"].as_str().unwrap_or_default()
                )
            })
            .collect();
        ensure!(
            acts.iter().all(|row| row["status"] != "pending"),
            "{document}: an act on a bracket was left undecided: {decided:?}"
        );
        self.state_notes.push(format!(
            "Brackets resolved by the chair's decisions in round 2 ({document}): v{next} carries none open ({})",
            decided.join(", ")
        ));
        Ok(())
    }
}
