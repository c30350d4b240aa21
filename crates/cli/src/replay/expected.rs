//! The expected final texts (`fixtures/budapest/expected/<document>.json`): a version as nested
//! nodes with derived references, kinds and texts, no ids (ids of inserted nodes are minted by
//! the server and differ from run to run). Compared node by node, so a difference names the
//! paragraph.

use anyhow::Context;
use penholder_core::{Document, MarkKind, Node, References};
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedText {
    pub document: String,
    /// The version's label as the fixtures name it (`Rev. 3`).
    pub version: String,
    pub nodes: Vec<ExpectedNode>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedNode {
    #[serde(rename = "ref")]
    pub reference: String,
    pub kind: String,
    pub text: String,
    /// The stretches of the text in bold and in italics (`Priority 1:`), in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bold: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub italic: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<ExpectedNode>,
}

/// The stretches of a node's text that carry `kind`.
fn marked(node: &Node, kind: MarkKind) -> Vec<String> {
    node.marks
        .iter()
        .filter(|mark| mark.kind == kind)
        .map(|mark| node.text[mark.range()].to_string())
        .collect()
}

impl ExpectedText {
    pub fn of(slug: &str, version: &str, document: &Document) -> ExpectedText {
        let references = References::of(document);
        fn convert(nodes: &[Node], references: &References) -> Vec<ExpectedNode> {
            nodes
                .iter()
                .map(|node| ExpectedNode {
                    reference: references
                        .reference(node.id)
                        .map(|r| r.0.clone())
                        .unwrap_or_default(),
                    kind: node.kind.as_str().to_string(),
                    text: node.text.clone(),
                    bold: marked(node, MarkKind::Bold),
                    italic: marked(node, MarkKind::Italic),
                    children: convert(&node.children, references),
                })
                .collect()
        }
        ExpectedText {
            document: slug.to_string(),
            version: version.to_string(),
            nodes: convert(&document.nodes, &references),
        }
    }

    pub fn read(path: &Path) -> anyhow::Result<ExpectedText> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        serde_json::from_str(&text)
            .with_context(|| format!("{} is not an expected text", path.display()))
    }

    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        let mut json = serde_json::to_string_pretty(self)?;
        json.push('\n');
        std::fs::write(path, json).with_context(|| format!("cannot write {}", path.display()))
    }

    /// Every node in document order with its depth.
    fn flat(&self) -> Vec<(usize, &ExpectedNode)> {
        fn go<'a>(
            nodes: &'a [ExpectedNode],
            depth: usize,
            out: &mut Vec<(usize, &'a ExpectedNode)>,
        ) {
            for node in nodes {
                out.push((depth, node));
                go(&node.children, depth + 1, out);
            }
        }
        let mut out = Vec::new();
        go(&self.nodes, 0, &mut out);
        out
    }

    /// The differences between `self` (what was expected) and `actual`, one line each; empty
    /// when they are equal.
    pub fn differences(&self, actual: &ExpectedText) -> Vec<String> {
        let expected = self.flat();
        let got = actual.flat();
        let mut out = Vec::new();
        for index in 0..expected.len().max(got.len()) {
            match (expected.get(index), got.get(index)) {
                (Some((d1, e)), Some((d2, g))) => {
                    if e.reference != g.reference || e.kind != g.kind || d1 != d2 {
                        out.push(format!(
                            "node {index}: expected {} ({}, depth {d1}), got {} ({}, depth {d2})",
                            e.reference, e.kind, g.reference, g.kind
                        ));
                    } else if e.text != g.text {
                        let (want, got) = focus(&e.text, &g.text);
                        out.push(format!(
                            "{}: expected {want:?}\n{}      got {got:?}",
                            e.reference,
                            " ".repeat(e.reference.len()),
                        ));
                    } else if e.bold != g.bold || e.italic != g.italic {
                        out.push(format!(
                            "{}: expected bold {:?} and italic {:?}, got bold {:?} and italic {:?}",
                            e.reference, e.bold, e.italic, g.bold, g.italic
                        ));
                    }
                }
                (Some((_, e)), None) => out.push(format!("{}: expected, missing", e.reference)),
                (None, Some((_, g))) => out.push(format!("{}: not expected, present", g.reference)),
                (None, None) => {}
            }
        }
        out
    }
}

/// The part of two texts that differs, with a little context either side and `…` where text
/// is left out, so that one changed word in a long paragraph is easy to see.
fn focus(expected: &str, actual: &str) -> (String, String) {
    const CONTEXT: usize = 24;
    let a: Vec<char> = expected.chars().collect();
    let b: Vec<char> = actual.chars().collect();
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let show = |chars: &[char]| {
        let start = prefix.saturating_sub(CONTEXT);
        let end = (chars.len() - suffix + CONTEXT).min(chars.len());
        format!(
            "{}{}{}",
            if start > 0 { "…" } else { "" },
            chars[start..end].iter().collect::<String>(),
            if end < chars.len() { "…" } else { "" }
        )
    };
    (show(&a), show(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use penholder_core::{IdSource, NodeKind};

    #[test]
    fn differences_name_the_paragraph() {
        let mut ids = IdSource::new(3, 0);
        let footnote = Node::new(ids.next_id(), NodeKind::Footnote, "Note.");
        let pp1 = Node::new(
            ids.next_id(),
            NodeKind::Preambular,
            "Bosnia and Herzegovina",
        )
        .with_children(vec![footnote]);
        let document = Document::new("D", vec![pp1]);
        let expected = ExpectedText::of("d", "Rev. 3", &document);
        assert_eq!(expected.nodes[0].children[0].reference, "FN1");
        assert!(expected.differences(&expected).is_empty());

        let mut changed = document.clone();
        changed.nodes[0].text = "BosniaandHerzegovina".into();
        let actual = ExpectedText::of("d", "Rev. 3", &changed);
        let differences = expected.differences(&actual);
        assert_eq!(differences.len(), 1);
        assert_eq!(
            differences[0],
            "PP1: expected \"Bosnia and Herzegovina\"\n         got \"BosniaandHerzegovina\""
        );

        let json = serde_json::to_string(&expected).unwrap();
        assert!(json.contains(r#""ref":"PP1""#), "{json}");
        assert_eq!(
            serde_json::from_str::<ExpectedText>(&json).unwrap(),
            expected
        );
    }

    #[test]
    fn a_long_paragraph_shows_only_what_differs() {
        let long = "x".repeat(100);
        let (want, got) = focus(
            &format!("{long} Bosnia-Herzegovina, {long}"),
            &format!("{long} Bosnia and Herzegovina, {long}"),
        );
        let (before, after) = ("x".repeat(17), "x".repeat(11));
        assert_eq!(want, format!("…{before} Bosnia-Herzegovina, {after}…"));
        assert_eq!(got, format!("…{before} Bosnia and Herzegovina, {after}…"));
        assert_eq!(focus("same", "same"), ("same".into(), "same".into()));
        assert_eq!(focus("ab", "abc"), ("ab".into(), "abc".into()));
    }
}
