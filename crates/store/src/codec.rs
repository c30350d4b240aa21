//! How the store keeps its typed values in bytes, defined once: a submission's resolved items
//! (beside the body as received), a version's provenance (blame) and the changes applied to
//! reach it. No other crate knows these encodings; callers hand in and get back typed values.
//!
//! Every encoding written from now on starts with a format tag, one byte below 0x20 that is
//! not JSON whitespace, so that it can never be mistaken for the untagged JSON written before
//! tags existed, and so that a format can evolve: a new tag, and every earlier one still read.
//!
//! | tag | what | written by |
//! |---|---|---|
//! | none, `{"items": […], "hunks": […]}` | submission: resolved items whole, named hunk fields | the first servers ("Whole") |
//! | none, `{"nodes": […], "hunks": […]}` | submission: the node of each item, hunks as arrays | until the typed store ("Compact") |
//! | none, JSON | provenance, applied changes: serde JSON of diff's types | until the typed store |
//! | `0x02` | submission: item count (u32 LE), then per item `0x00` (no node) or `0x01` + 16 bytes of node id | today |
//! | `0x02` | provenance, applied changes: serde JSON of diff's types | today |
//! | `0x03` | submission with flags (a Word file's): as `0x02`, each item's node followed by one byte of [`ItemFlag`] bits (bit i: `ItemFlag::ALL[i]`) | today, when an item has a flag |
//! | `0x02` | a version's brackets: serde JSON of core's `Bracket`s | since migration 6 |
//!
//! **Hunks are no longer stored.** The compilation recomputes every amendment's word hunks: it
//! diffs on token buffers it shares between the proposals of a node, and it needs the
//! proposals' tokens anyway. `cargo bench -p penholder-diff --bench stored_hunks` (4,000
//! amendments, one thread) puts the compilation at 36 ms and the bare word diffs of every
//! amendment at 30 ms; a profile of the compilation puts its own diffing at about 44 % of it
//! (~16 ms), of which reading stored hunks would still cost their decoding (0.5 ms binary,
//! 4.9 ms as the compact JSON) and the tokenizing of their texts (0.9 ms), plus 1.1 MB more
//! read from the database. Using them would also make a compilation depend on which
//! penholder stored each revision, where today it is a pure function of the base and the
//! items. Nobody read them (the compilation never did; the submission view recomputes the
//! hunks of one submission in about 0.15 ms), so new revisions store none, and those of old
//! revisions are skipped unread. See BENCHMARKS.md, "Stored hunks".

use penholder_core::negotiation::{Anchor, IsoAnnotation, IsoCommentType, Item, ItemFlag};
use penholder_core::{NodeId, NodeKind};
use penholder_diff::{AppliedChange, Blame};
use serde::Deserialize;
use serde::de::IgnoredAny;

/// The format every encoding is written in today.
pub(crate) const FORMAT: u8 = 0x02;

// ---- submissions --------------------------------------------------------------------------

/// The format of a submission's resolution whose items carry flags (how each was found in a
/// Word file).
pub(crate) const FORMAT_FLAGGED: u8 = 0x03;

/// [`encode_items`] with each item's flags (`flags[i]` for item i; missing: none). Without any
/// flag it is exactly [`encode_items`], so that what JSON submissions store never changes.
pub(crate) fn encode_flagged_items(items: &[Item], flags: &[Vec<ItemFlag>]) -> Vec<u8> {
    if flags.iter().all(Vec::is_empty) {
        return encode_items(items);
    }
    let mut out = Vec::with_capacity(5 + items.len() * 18);
    out.push(FORMAT_FLAGGED);
    out.extend_from_slice(&(items.len() as u32).to_le_bytes());
    for (index, item) in items.iter().enumerate() {
        match item.node() {
            Some(node) => {
                out.push(1);
                out.extend_from_slice(node.0.as_bytes());
            }
            None => out.push(0),
        }
        let bits = flags
            .get(index)
            .into_iter()
            .flatten()
            .fold(0u8, |bits, flag| {
                bits | ItemFlag::ALL
                    .iter()
                    .position(|f| f == flag)
                    .map_or(0, |i| 1 << i)
            });
        out.push(bits);
    }
    out
}

/// The flags [`encode_flagged_items`] kept, one list per item; empty lists for what an
/// earlier format stored (no item had flags).
pub(crate) fn decode_flags(stored: &[u8]) -> Result<Vec<Vec<ItemFlag>>, String> {
    if stored.first() != Some(&FORMAT_FLAGGED) {
        return Ok(Vec::new());
    }
    Ok(decode_nodes_flagged(&stored[1..])?
        .into_iter()
        .map(|(_, flags)| flags)
        .collect())
}

/// One item of [`FORMAT_FLAGGED`]: the node it was resolved to, and its flags.
type FlaggedNode = (Option<NodeId>, Vec<ItemFlag>);

fn decode_nodes_flagged(bytes: &[u8]) -> Result<Vec<FlaggedNode>, String> {
    let mut at = 0;
    let mut take = |n: usize| -> Result<&[u8], String> {
        let slice = bytes.get(at..at + n).ok_or("truncated")?;
        at += n;
        Ok(slice)
    };
    let count = u32::from_le_bytes(take(4)?.try_into().map_err(|_| "truncated")?) as usize;
    let mut out = Vec::with_capacity(count.min(bytes.len()));
    for _ in 0..count {
        let node = match take(1)?[0] {
            0 => None,
            1 => {
                let id: [u8; 16] = take(16)?.try_into().map_err(|_| "truncated")?;
                Some(NodeId(uuid::Uuid::from_bytes(id)))
            }
            other => return Err(format!("node marker {other}")),
        };
        let bits = take(1)?[0];
        if bits >> ItemFlag::ALL.len() != 0 {
            return Err(format!("flag bits {bits:#04x}"));
        }
        let flags = ItemFlag::ALL
            .iter()
            .enumerate()
            .filter(|(i, _)| bits & (1 << i) != 0)
            .map(|(_, f)| *f)
            .collect();
        out.push((node, flags));
    }
    if at != bytes.len() {
        return Err(format!("{} bytes after the last item", bytes.len() - at));
    }
    Ok(out)
}

/// What resolving a submission added to its body, for the `submission_revisions.hunks` column
/// (named after what it first held): the node of each item (an insertion's anchor, `None` for
/// a general comment). The body holds everything else.
pub(crate) fn encode_items(items: &[Item]) -> Vec<u8> {
    let mut out = Vec::with_capacity(5 + items.len() * 17);
    out.push(FORMAT);
    out.extend_from_slice(&(items.len() as u32).to_le_bytes());
    for item in items {
        match item.node() {
            Some(node) => {
                out.push(1);
                out.extend_from_slice(node.0.as_bytes());
            }
            None => out.push(0),
        }
    }
    out
}

/// Reads back the resolved items of `body` from what [`encode_items`] (or an earlier
/// penholder) stored beside it.
pub(crate) fn decode_items(body: &[u8], stored: &[u8]) -> Result<Vec<Item>, String> {
    match stored.first() {
        Some(&FORMAT_FLAGGED) => {
            let nodes: Vec<Option<NodeId>> = decode_nodes_flagged(&stored[1..])?
                .into_iter()
                .map(|(node, _)| node)
                .collect();
            if nodes.is_empty() {
                return Ok(Vec::new());
            }
            with_nodes(body, nodes)
        }
        Some(&FORMAT) => {
            let nodes = decode_nodes(&stored[1..])?;
            if nodes.is_empty() {
                return Ok(Vec::new());
            }
            with_nodes(body, nodes)
        }
        Some(b'{') | Some(b' ') | Some(b'\n') | Some(b'\t') | Some(b'\r') => {
            let legacy: Legacy =
                serde_json::from_slice(stored).map_err(|e| format!("untagged JSON: {e}"))?;
            match (legacy.items, legacy.nodes) {
                (Some(items), None) => Ok(items),
                (None, Some(nodes)) => with_nodes(body, nodes),
                _ => Err("untagged JSON with neither (or both) of items and nodes".into()),
            }
        }
        Some(tag) => Err(format!("unknown format tag {tag:#04x}")),
        None => Err("empty".into()),
    }
}

/// The two untagged forms written before format tags: "Whole" (`items`) and "Compact"
/// (`nodes`). Their hunks are skipped unread.
#[derive(Deserialize)]
struct Legacy {
    #[serde(default)]
    items: Option<Vec<Item>>,
    #[serde(default)]
    nodes: Option<Vec<Option<NodeId>>>,
    #[serde(default, rename = "hunks")]
    _hunks: IgnoredAny,
}

fn decode_nodes(bytes: &[u8]) -> Result<Vec<Option<NodeId>>, String> {
    let mut at = 0;
    let mut take = |n: usize| -> Result<&[u8], String> {
        let slice = bytes.get(at..at + n).ok_or("truncated")?;
        at += n;
        Ok(slice)
    };
    let count = u32::from_le_bytes(take(4)?.try_into().map_err(|_| "truncated")?) as usize;
    // Each item takes at least one byte: a count beyond that is a lie, not an allocation.
    let mut nodes = Vec::with_capacity(count.min(bytes.len()));
    for _ in 0..count {
        nodes.push(match take(1)?[0] {
            0 => None,
            1 => {
                let id: [u8; 16] = take(16)?.try_into().map_err(|_| "truncated")?;
                Some(NodeId(uuid::Uuid::from_bytes(id)))
            }
            other => return Err(format!("node marker {other}")),
        });
    }
    if at != bytes.len() {
        return Err(format!("{} bytes after the last item", bytes.len() - at));
    }
    Ok(nodes)
}

/// The body's items (checked when it was received) with the node each was resolved to.
fn with_nodes(body: &[u8], nodes: Vec<Option<NodeId>>) -> Result<Vec<Item>, String> {
    #[derive(Deserialize)]
    struct Body {
        items: Vec<Flat>,
    }
    let wire = serde_json::from_slice::<Body>(body)
        .map_err(|e| format!("the body: {e}"))?
        .items;
    if wire.len() != nodes.len() {
        return Err(format!(
            "{} items in the body, {} resolved",
            wire.len(),
            nodes.len()
        ));
    }
    wire.into_iter()
        .zip(nodes)
        .enumerate()
        .map(|(index, (item, node))| {
            with_node(item, node).ok_or_else(|| format!("item {index} does not fit its node"))
        })
        .collect()
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    Amend,
    Insert,
    Delete,
    Comment,
    Support,
    AmendAlternative,
    WithdrawAlternative,
}

/// A body's item (`ItemByReference`, checked when the body was received) read flat: serde
/// reads an internally tagged enum by buffering every item first, which made reading a round's
/// submissions cost as much as compiling them. The names of nodes are skipped: the resolved
/// ids are stored beside the body.
#[derive(Deserialize)]
struct Flat {
    kind: Kind,
    #[serde(default)]
    node: Option<IgnoredAny>,
    #[serde(default)]
    after: Option<IgnoredAny>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    node_kind: Option<String>,
    #[serde(default)]
    justification: Option<String>,
    #[serde(default)]
    bracket: Option<String>,
    #[serde(default)]
    alternative: Option<String>,
    /// The ISO annotation (absent from every body stored before delegations could give it).
    #[serde(default)]
    iso_type: Option<IsoCommentType>,
    #[serde(default)]
    locator: Option<String>,
}

/// A body's item with the node it was resolved to (`None` for a general comment only).
fn with_node(item: Flat, node: Option<NodeId>) -> Option<Item> {
    let Flat {
        kind,
        node: named,
        after,
        text,
        node_kind,
        justification,
        bracket,
        alternative,
        iso_type,
        locator,
    } = item;
    let iso = IsoAnnotation { iso_type, locator };
    // An act on an open bracket names the bracket, not a node.
    if matches!(
        kind,
        Kind::Support | Kind::AmendAlternative | Kind::WithdrawAlternative
    ) && node.is_some()
    {
        return None;
    }
    Some(match kind {
        Kind::Support => Item::Support {
            iso,
            bracket: bracket?,
            alternative: alternative?,
            justification,
        },
        Kind::AmendAlternative => Item::AmendAlternative {
            iso,
            bracket: bracket?,
            alternative: alternative?,
            text: text?,
            justification,
        },
        Kind::WithdrawAlternative => Item::WithdrawAlternative {
            iso,
            bracket: bracket?,
            alternative: alternative?,
            justification,
        },
        Kind::Amend => Item::Amend {
            iso,
            node: node?,
            text: text?,
            justification,
        },
        Kind::Delete => Item::Delete {
            iso,
            node: node?,
            justification,
        },
        Kind::Insert => Item::Insert {
            iso,
            at: if after.is_some() {
                Anchor::After(node?)
            } else {
                Anchor::Before(node?)
            },
            node_kind: match node_kind {
                Some(name) => Some(NodeKind::parse(&name)?),
                None => None,
            },
            text: text?,
            justification,
        },
        Kind::Comment => Item::Comment {
            iso,
            node: match (named, node) {
                (Some(_), Some(node)) => Some(node),
                (None, None) => None,
                _ => return None,
            },
            text: text?,
        },
    })
}

// ---- versions -----------------------------------------------------------------------------

fn tagged_json<T: serde::Serialize + ?Sized>(value: &T) -> Vec<u8> {
    let mut out = vec![FORMAT];
    // Serializing diff's plain values (maps with string keys, numbers, strings) cannot fail.
    serde_json::to_writer(&mut out, value).expect("a plain value serializes");
    out
}

fn read_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    let json = match bytes.first() {
        Some(&FORMAT) => &bytes[1..],
        Some(tag) if *tag < 0x20 && !matches!(tag, b'\t' | b'\n' | b'\r') => {
            return Err(format!("unknown format tag {tag:#04x}"));
        }
        // Untagged: the JSON written before format tags.
        _ => bytes,
    };
    serde_json::from_slice(json).map_err(|e| e.to_string())
}

/// A version's provenance, for the `versions.provenance` column.
pub(crate) fn encode_blame(blame: &Blame) -> Vec<u8> {
    tagged_json(blame)
}

pub(crate) fn decode_blame(bytes: &[u8]) -> Result<Blame, String> {
    read_json(bytes)
}

/// The changes applied to reach a version, for the `versions.changes` column.
pub(crate) fn encode_applied(applied: &[AppliedChange]) -> Vec<u8> {
    tagged_json(applied)
}

pub(crate) fn decode_applied(bytes: &[u8]) -> Result<Vec<AppliedChange>, String> {
    read_json(bytes)
}

/// The brackets carried into a version, for the `version_brackets.brackets` column.
pub(crate) fn encode_brackets(brackets: &[penholder_core::bracket::Bracket]) -> Vec<u8> {
    tagged_json(brackets)
}

pub(crate) fn decode_brackets(
    bytes: &[u8],
) -> Result<Vec<penholder_core::bracket::Bracket>, String> {
    read_json(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use penholder_core::negotiation::ItemByReference;
    use penholder_core::{Document, IdSource, Node};
    use proptest::prelude::*;
    use serde_json::json;

    fn id(n: u128) -> NodeId {
        NodeId(uuid::Uuid::from_u128(n))
    }

    /// A body as a client sends it, naming every node by id.
    fn body_of(items: &[Item]) -> Vec<u8> {
        let wire: Vec<_> = items
            .iter()
            .map(|item| match item {
                Item::Amend {
                    iso,
                    node,
                    text,
                    justification,
                } => ItemByReference::Amend {
                    iso: iso.clone(),
                    node: node.0.to_string(),
                    text: text.clone(),
                    justification: justification.clone(),
                },
                Item::Insert {
                    iso,
                    at,
                    node_kind,
                    text,
                    justification,
                } => ItemByReference::Insert {
                    iso: iso.clone(),
                    after: matches!(at, Anchor::After(_)).then(|| at.node().0.to_string()),
                    before: matches!(at, Anchor::Before(_)).then(|| at.node().0.to_string()),
                    node_kind: node_kind.map(|k| k.as_str().to_string()),
                    text: text.clone(),
                    justification: justification.clone(),
                },
                Item::Delete {
                    iso,
                    node,
                    justification,
                } => ItemByReference::Delete {
                    iso: iso.clone(),
                    node: node.0.to_string(),
                    justification: justification.clone(),
                },
                Item::Comment { iso, node, text } => ItemByReference::Comment {
                    iso: iso.clone(),
                    node: node.map(|n| n.0.to_string()),
                    text: text.clone(),
                },
                Item::Support {
                    iso,
                    bracket,
                    alternative,
                    justification,
                } => ItemByReference::Support {
                    iso: iso.clone(),
                    bracket: bracket.clone(),
                    alternative: alternative.clone(),
                    justification: justification.clone(),
                },
                Item::AmendAlternative {
                    iso,
                    bracket,
                    alternative,
                    text,
                    justification,
                } => ItemByReference::AmendAlternative {
                    iso: iso.clone(),
                    bracket: bracket.clone(),
                    alternative: alternative.clone(),
                    text: text.clone(),
                    justification: justification.clone(),
                },
                Item::WithdrawAlternative {
                    iso,
                    bracket,
                    alternative,
                    justification,
                } => ItemByReference::WithdrawAlternative {
                    iso: iso.clone(),
                    bracket: bracket.clone(),
                    alternative: alternative.clone(),
                    justification: justification.clone(),
                },
            })
            .collect();
        serde_json::to_vec(&json!({ "items": wire })).unwrap()
    }

    fn sample() -> Vec<Item> {
        vec![
            Item::Amend {
                iso: Default::default(),
                node: id(1),
                text: "Agree to meet again soon, in 2027.".into(),
                justification: Some("Sooner.".into()),
            },
            Item::Comment {
                iso: Default::default(),
                node: None,
                text: "Fine.".into(),
            },
            Item::Insert {
                iso: Default::default(),
                at: Anchor::Before(id(1)),
                node_kind: Some(NodeKind::Preambular),
                text: "Noting,".into(),
                justification: None,
            },
            Item::Insert {
                iso: Default::default(),
                at: Anchor::After(id(2)),
                node_kind: None,
                text: "Also,".into(),
                justification: None,
            },
            Item::Comment {
                iso: Default::default(),
                node: Some(id(2)),
                text: "Why?".into(),
            },
            Item::Delete {
                iso: Default::default(),
                node: id(2),
                justification: None,
            },
        ]
    }

    #[test]
    fn today_s_form_is_tagged_small_and_reads_back() {
        let items = sample();
        let body = body_of(&items);
        let stored = encode_items(&items);
        assert_eq!(stored[0], FORMAT);
        // 5 bytes of header, 17 per item with a node, 1 without.
        assert_eq!(stored.len(), 5 + 5 * 17 + 1);
        assert_eq!(decode_items(&body, &stored).unwrap(), items);
        // No item: the body is not even read (the store's own tests keep any bytes there).
        assert_eq!(decode_items(b"not json", &encode_items(&[])).unwrap(), []);
    }

    #[test]
    fn acts_on_brackets_read_back_from_the_body_and_name_no_node() {
        let items = vec![
            Item::Support {
                iso: Default::default(),
                bracket: "B1".into(),
                alternative: "b".into(),
                justification: Some("Closer.".into()),
            },
            Item::AmendAlternative {
                iso: Default::default(),
                bracket: "B1".into(),
                alternative: "a".into(),
                text: "45".into(),
                justification: None,
            },
            Item::WithdrawAlternative {
                iso: Default::default(),
                bracket: "B2".into(),
                alternative: "a".into(),
                justification: None,
            },
            Item::Comment {
                iso: Default::default(),
                node: Some(id(2)),
                text: "Why?".into(),
            },
        ];
        let stored = encode_items(&items);
        assert_eq!(
            stored.len(),
            5 + 3 + 17,
            "no node stored for an act on a bracket"
        );
        assert_eq!(decode_items(&body_of(&items), &stored).unwrap(), items);
        // An act stored with a node does not fit it.
        let wrong = encode_items(&[Item::Comment {
            iso: Default::default(),
            node: Some(id(1)),
            text: "x".into(),
        }]);
        assert!(decode_items(&body_of(&items[..1]), &wrong).is_err());
    }

    /// What `Resolved::to_stored` of penholder-negotiation wrote until the typed store, and
    /// what the first servers wrote before that.
    #[test]
    fn flags_of_a_word_file_s_items_read_back_and_json_submissions_store_as_before() {
        let items = sample();
        let body = body_of(&items);
        let none = vec![Vec::new(); items.len()];
        assert_eq!(encode_flagged_items(&items, &none), encode_items(&items));
        assert_eq!(
            decode_flags(&encode_items(&items)).unwrap(),
            Vec::<Vec<ItemFlag>>::new()
        );
        let mut flags = none.clone();
        flags[0] = vec![ItemFlag::Tracked];
        flags[2] = vec![ItemFlag::Untracked];
        flags[3] = vec![ItemFlag::Tracked, ItemFlag::MatchedByText];
        let stored = encode_flagged_items(&items, &flags);
        assert_eq!(stored[0], FORMAT_FLAGGED);
        assert_eq!(stored.len(), 5 + 5 * 18 + 2);
        assert_eq!(decode_items(&body, &stored).unwrap(), items);
        assert_eq!(decode_flags(&stored).unwrap(), flags);
        let mut unknown = stored.clone();
        let last = unknown.len() - 1;
        unknown[last] = 0x80;
        assert!(decode_flags(&unknown).is_err());
        assert!(decode_items(&body, &stored[..stored.len() - 1]).is_err());
    }

    #[test]
    fn the_untagged_forms_written_before_read_the_same() {
        let items = sample();
        let body = body_of(&items);
        let hunk = json!([4, 5, 8, 10, 19, 26, "soon, in 2027"]);
        let compact = json!({
            "nodes": [id(1), null, id(1), id(2), id(2), id(2)],
            "hunks": [[0, id(1), [hunk]]],
        });
        let compact = serde_json::to_vec(&compact).unwrap();
        assert_eq!(decode_items(&body, &compact).unwrap(), items);
        let whole = json!({
            "items": items,
            "hunks": [{"item": 0, "node": id(1), "hunks": [{
                "start_word": 4, "end_word": 5, "start_token": 8, "end_token": 10,
                "start_byte": 19, "end_byte": 26, "text": "soon, in 2027",
            }]}],
        });
        let whole = serde_json::to_vec(&whole).unwrap();
        // The whole form does not need the body.
        assert_eq!(decode_items(b"", &whole).unwrap(), items);
    }

    #[test]
    fn what_does_not_fit_is_an_error_not_a_guess() {
        let items = sample();
        let stored = encode_items(&items);
        assert!(decode_items(br#"{"items":[]}"#, &stored).is_err());
        assert!(decode_items(&body_of(&items), &stored[..stored.len() - 1]).is_err());
        assert!(decode_items(&body_of(&items), &[stored.as_slice(), &[0]].concat()).is_err());
        assert!(decode_items(&body_of(&items), b"[1,2]").is_err());
        assert!(decode_items(&body_of(&items), b"").is_err());
        assert!(decode_items(&body_of(&items), &[0x07, 0, 0, 0, 0]).is_err());
        // A general comment stored against a node, or a node comment without one.
        let comment = vec![Item::Comment {
            iso: Default::default(),
            node: None,
            text: "x".into(),
        }];
        let named = vec![Item::Comment {
            iso: Default::default(),
            node: Some(id(3)),
            text: "x".into(),
        }];
        assert!(decode_items(&body_of(&comment), &encode_items(&named)).is_err());
        assert!(decode_items(&body_of(&named), &encode_items(&comment)).is_err());
        // A count that promises more than the bytes hold allocates nothing much and fails.
        assert!(decode_items(b"{}", &[FORMAT, 0xff, 0xff, 0xff, 0xff]).is_err());
    }

    #[test]
    fn provenance_and_applied_changes_read_in_both_forms() {
        let mut ids = IdSource::new(1, 1_700_000_000_000);
        let document = Document::new(
            "T",
            vec![Node::new(
                ids.next_id(),
                NodeKind::Operative,
                "Agree to meet.",
            )],
        );
        let blame = Blame::initial(&document, 1);
        let stored = encode_blame(&blame);
        assert_eq!(stored[0], FORMAT);
        assert_eq!(decode_blame(&stored).unwrap(), blame);
        let untagged = serde_json::to_vec(&blame).unwrap();
        assert_eq!(decode_blame(&untagged).unwrap(), blame);
        assert!(decode_blame(&[0x05, b'{', b'}']).is_err());

        let applied: Vec<AppliedChange> = Vec::new();
        assert_eq!(decode_applied(&encode_applied(&applied)).unwrap(), applied);
        assert_eq!(decode_applied(b"[]").unwrap(), applied);
        assert!(decode_applied(b"{").is_err());
    }

    fn node() -> impl Strategy<Value = NodeId> {
        (1u128..6).prop_map(id)
    }

    fn text() -> impl Strategy<Value = String> + Clone {
        "[a-zA-Z0-9 ,.;\u{e9}\u{201c}\u{201d}\"\\\\]{1,30}"
    }

    fn item() -> impl Strategy<Value = Item> {
        let justification = proptest::option::of(text());
        prop_oneof![
            (node(), text(), justification.clone()).prop_map(|(node, text, justification)| {
                Item::Amend {
                    iso: Default::default(),
                    node,
                    text,
                    justification,
                }
            }),
            (
                node(),
                any::<bool>(),
                proptest::option::of(proptest::sample::select(NodeKind::ALL.to_vec())),
                text(),
                justification.clone()
            )
                .prop_map(|(node, after, node_kind, text, justification)| {
                    Item::Insert {
                        iso: Default::default(),
                        at: if after {
                            Anchor::After(node)
                        } else {
                            Anchor::Before(node)
                        },
                        node_kind,
                        text,
                        justification,
                    }
                }),
            (node(), justification).prop_map(|(node, justification)| Item::Delete {
                iso: Default::default(),
                node,
                justification
            }),
            (proptest::option::of(node()), text()).prop_map(|(node, text)| Item::Comment {
                iso: Default::default(),
                node,
                text
            }),
        ]
    }

    /// An item with or without the ISO annotation a delegation may give.
    fn annotated_item() -> impl Strategy<Value = Item> {
        let iso_type = proptest::option::of(proptest::sample::select(IsoCommentType::ALL.to_vec()));
        (item(), iso_type, proptest::option::of(text())).prop_map(|(item, iso_type, locator)| {
            item.with_iso(IsoAnnotation { iso_type, locator })
        })
    }

    proptest! {
        #[test]
        fn every_submission_round_trips(items in proptest::collection::vec(annotated_item(), 0..12)) {
            let body = body_of(&items);
            prop_assert_eq!(decode_items(&body, &encode_items(&items)).unwrap(), items);
        }
    }
}
