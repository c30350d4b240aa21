//! Editing operations: each takes a document and gives a new one, or says exactly what is wrong.

use crate::{Document, Node, NodeId};
use serde::{Deserialize, Serialize};

/// Where a node goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    Before(NodeId),
    After(NodeId),
    FirstChildOf(NodeId),
    LastChildOf(NodeId),
    /// At the very end of the document's top level.
    End,
}

/// One change to a document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Edit {
    ReplaceText {
        node: NodeId,
        text: String,
    },
    /// Inserts a new node (with any children it carries); its ids must be new to the document.
    Insert {
        node: Node,
        at: Position,
    },
    /// Deletes a node and everything under it.
    Delete {
        node: NodeId,
    },
    /// Moves a node, with everything under it, to a new position.
    Move {
        node: NodeId,
        to: Position,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("node {0} is not in this document")]
    UnknownNode(NodeId),
    #[error("node {0} is already in this document; an inserted node needs a new id")]
    DuplicateId(NodeId),
    #[error("node {node} cannot move to {target}: {target} is inside it")]
    Cycle { node: NodeId, target: NodeId },
}

impl Position {
    fn anchor(self) -> Option<NodeId> {
        match self {
            Position::Before(id)
            | Position::After(id)
            | Position::FirstChildOf(id)
            | Position::LastChildOf(id) => Some(id),
            Position::End => None,
        }
    }
}

fn detach(nodes: &mut Vec<Node>, id: NodeId) -> Option<Node> {
    if let Some(index) = nodes.iter().position(|n| n.id == id) {
        return Some(nodes.remove(index));
    }
    nodes.iter_mut().find_map(|n| detach(&mut n.children, id))
}

/// Puts `node` at `at`; gives the node back if the anchor is not found (boxed: a node is too
/// large to travel in an `Err` by value).
fn attach(nodes: &mut Vec<Node>, node: Node, at: Position) -> Result<(), Box<Node>> {
    match at {
        Position::End => {
            nodes.push(node);
            Ok(())
        }
        Position::Before(anchor) | Position::After(anchor) => {
            if let Some(index) = nodes.iter().position(|n| n.id == anchor) {
                let index = if matches!(at, Position::After(_)) {
                    index + 1
                } else {
                    index
                };
                nodes.insert(index, node);
                return Ok(());
            }
            let mut node = node;
            for child in nodes.iter_mut() {
                match attach(&mut child.children, node, at) {
                    Ok(()) => return Ok(()),
                    Err(back) => node = *back,
                }
            }
            Err(Box::new(node))
        }
        Position::FirstChildOf(anchor) | Position::LastChildOf(anchor) => {
            let mut node = node;
            for candidate in nodes.iter_mut() {
                if candidate.id == anchor {
                    if matches!(at, Position::FirstChildOf(_)) {
                        candidate.children.insert(0, node);
                    } else {
                        candidate.children.push(node);
                    }
                    return Ok(());
                }
                match attach(&mut candidate.children, node, at) {
                    Ok(()) => return Ok(()),
                    Err(back) => node = *back,
                }
            }
            Err(Box::new(node))
        }
    }
}

impl Document {
    /// Applies one edit, giving the new document; `self` is unchanged.
    pub fn apply(&self, edit: &Edit) -> Result<Document, EditError> {
        let mut next = self.clone();
        match edit {
            Edit::ReplaceText { node, text } => {
                let found = next.find_mut(*node).ok_or(EditError::UnknownNode(*node))?;
                // Emphasis on the words left unchanged stays (the rule of `crate::marks`).
                found.marks = crate::marks::carry_marks_by_affixes(&found.text, &found.marks, text);
                found.text = text.clone();
            }
            Edit::Insert { node, at } => {
                let mut incoming = Document::new("", vec![node.clone()]);
                if let Some(dup) = incoming.duplicate_id() {
                    return Err(EditError::DuplicateId(dup));
                }
                if let Some(existing) = incoming
                    .walk()
                    .into_iter()
                    .find(|v| self.find(v.node.id).is_some())
                {
                    return Err(EditError::DuplicateId(existing.node.id));
                }
                let node = incoming.nodes.pop().expect("one node");
                attach(&mut next.nodes, node, *at)
                    .map_err(|_| EditError::UnknownNode(at.anchor().expect("End never fails")))?;
            }
            Edit::Delete { node } => {
                detach(&mut next.nodes, *node).ok_or(EditError::UnknownNode(*node))?;
            }
            Edit::Move { node, to } => {
                let moving = self.find(*node).ok_or(EditError::UnknownNode(*node))?;
                if let Some(target) = to.anchor() {
                    if target == *node
                        || Document::new("", vec![moving.clone()])
                            .find(target)
                            .is_some()
                    {
                        return Err(EditError::Cycle {
                            node: *node,
                            target,
                        });
                    }
                    if self.find(target).is_none() {
                        return Err(EditError::UnknownNode(target));
                    }
                }
                let moving = detach(&mut next.nodes, *node).expect("found above");
                attach(&mut next.nodes, moving, *to)
                    .map_err(|_| EditError::UnknownNode(to.anchor().expect("End never fails")))?;
            }
        }
        Ok(next)
    }

    /// Applies edits in order; stops at the first that fails, naming its index.
    pub fn apply_all(&self, edits: &[Edit]) -> Result<Document, (usize, EditError)> {
        let mut current = self.clone();
        for (index, edit) in edits.iter().enumerate() {
            current = current.apply(edit).map_err(|e| (index, e))?;
        }
        Ok(current)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{IdSource, NodeKind, References};

    fn sample() -> (Document, Vec<NodeId>, IdSource) {
        let mut ids = IdSource::new(9, 0);
        let a = Node::new(ids.next_id(), NodeKind::Preambular, "A");
        let b = Node::new(ids.next_id(), NodeKind::Preambular, "B");
        let item = Node::new(ids.next_id(), NodeKind::Item, "i");
        let c =
            Node::new(ids.next_id(), NodeKind::Operative, "C").with_children(vec![item.clone()]);
        let keys = vec![a.id, b.id, c.id, item.id];
        (Document::new("D", vec![a, b, c]), keys, ids)
    }

    fn refs(doc: &Document) -> Vec<String> {
        References::of(doc)
            .in_order()
            .iter()
            .map(|(_, r)| r.0.clone())
            .collect()
    }

    #[test]
    fn insert_renumbers_but_keeps_ids() {
        let (doc, keys, mut ids) = sample();
        let new = Node::new(ids.next_id(), NodeKind::Preambular, "new");
        let next = doc
            .apply(&Edit::Insert {
                node: new.clone(),
                at: Position::Before(keys[0]),
            })
            .unwrap();
        assert_eq!(refs(&next), ["PP1", "PP2", "PP3", "OP1", "OP1.a"]);
        assert_eq!(References::of(&next).resolve("PP2"), Some(keys[0]));
        assert_eq!(doc.node_count(), 4, "the original is untouched");
    }

    #[test]
    fn every_edit_kind() {
        let (doc, keys, _) = sample();
        let replaced = doc
            .apply(&Edit::ReplaceText {
                node: keys[3],
                text: "ii".into(),
            })
            .unwrap();
        assert_eq!(replaced.find(keys[3]).unwrap().text, "ii");
        let deleted = doc.apply(&Edit::Delete { node: keys[2] }).unwrap();
        assert_eq!(
            deleted.node_count(),
            2,
            "a delete takes the children with it"
        );
        let moved = doc
            .apply(&Edit::Move {
                node: keys[3],
                to: Position::LastChildOf(keys[0]),
            })
            .unwrap();
        assert_eq!(refs(&moved), ["PP1", "PP1.a", "PP2", "OP1"]);
        let moved_top = doc
            .apply(&Edit::Move {
                node: keys[0],
                to: Position::End,
            })
            .unwrap();
        assert_eq!(moved_top.nodes.last().unwrap().id, keys[0]);
    }

    #[test]
    fn invalid_edits_say_which_node() {
        let (doc, keys, mut ids) = sample();
        let stranger = ids.next_id();
        assert_eq!(
            doc.apply(&Edit::Delete { node: stranger }),
            Err(EditError::UnknownNode(stranger))
        );
        assert_eq!(
            doc.apply(&Edit::Move {
                node: keys[2],
                to: Position::After(keys[3])
            }),
            Err(EditError::Cycle {
                node: keys[2],
                target: keys[3]
            })
        );
        assert_eq!(
            doc.apply(&Edit::Insert {
                node: Node::new(keys[1], NodeKind::Item, "dup"),
                at: Position::End
            }),
            Err(EditError::DuplicateId(keys[1]))
        );
        let orphan = Node::new(ids.next_id(), NodeKind::Item, "x");
        assert_eq!(
            doc.apply(&Edit::Insert {
                node: orphan,
                at: Position::After(stranger)
            }),
            Err(EditError::UnknownNode(stranger))
        );
        assert_eq!(
            doc.apply_all(&[
                Edit::Delete { node: keys[0] },
                Edit::Delete { node: keys[0] }
            ]),
            Err((1, EditError::UnknownNode(keys[0])))
        );
    }
}
