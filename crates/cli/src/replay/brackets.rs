//! The replay's step for brackets (issue 16, item 2): after each consolidation, the brackets
//! it carried into the new version (the changes the chairmanship deferred: in the Budapest
//! fixtures, the Global Refugee Forum action and Ukraine's preambular paragraph, deferred to the
//! Reference Group), read back from the version's JSON and reported with their proposers; the
//! next round's compilation then brings them back, marked carried over.

use super::Replay;
use anyhow::ensure;

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
