//! Merge laws checked exhaustively on every tiny input: every base of up to three words over
//! {a, b} and every pair of proposals of up to three words over {a, b, c} (15 × 40 × 40 =
//! 24,000 cases), in the manner of `similar`'s own exhaustive merge test.

mod common;

use common::*;
use penholder_core::negotiation::Submission;
use penholder_diff::*;

fn sequences(alphabet: &[&str], max: usize) -> Vec<String> {
    let mut all = vec![Vec::<&str>::new()];
    let mut frontier = all.clone();
    for _ in 0..max {
        let mut next = Vec::new();
        for sequence in &frontier {
            for letter in alphabet {
                let mut longer = sequence.clone();
                longer.push(letter);
                next.push(longer);
            }
        }
        all.extend(next.iter().cloned());
        frontier = next;
    }
    all.into_iter().map(|s| s.join(" ")).collect()
}

/// (contested?, merged text, sorted (base span, alternative texts)) of a compilation's only node.
type Shape = (usize, Option<String>, Vec<(String, Vec<Option<String>>)>);

fn shape(compilation: &Compilation) -> Shape {
    let node = &compilation.nodes[0];
    let mut changes: Vec<(String, Vec<Option<String>>)> = node
        .changes
        .iter()
        .map(|c| {
            let mut texts: Vec<Option<String>> =
                c.alternatives.iter().map(|a| a.text.clone()).collect();
            texts.sort();
            (c.base_text.clone(), texts)
        })
        .collect();
    changes.sort();
    (
        compilation.contested_count(),
        node.merged_text.clone(),
        changes,
    )
}

fn touches(a: &Hunk, b: &Hunk) -> bool {
    a.start_word <= b.end_word && b.start_word <= a.end_word
}

fn words(text: &str) -> Vec<&str> {
    text.split_whitespace().collect()
}

/// The merge of two proposals worked out independently of the engine: hunks of both sides
/// linked by touching or overlapping form components; a component is contested when the two
/// sides read its span differently; the merge applies the uncontested components.
/// Returns (contested components, merged text).
fn brute_force(base: &str, a: &[Hunk], b: &[Hunk]) -> (usize, String) {
    let all: Vec<(usize, &Hunk)> = a
        .iter()
        .map(|h| (0, h))
        .chain(b.iter().map(|h| (1, h)))
        .collect();
    // Union-find over hunks.
    let mut parent: Vec<usize> = (0..all.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            i = parent[i];
        }
        i
    }
    for i in 0..all.len() {
        for j in 0..i {
            if touches(all[i].1, all[j].1) {
                let (ri, rj) = (root(&mut parent, i), root(&mut parent, j));
                parent[ri] = rj;
            }
        }
    }
    let mut components: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for i in 0..all.len() {
        let r = root(&mut parent, i);
        components.entry(r).or_default().push(i);
    }
    let mut contested = 0;
    let mut pieces: Vec<(usize, usize, String)> = Vec::new();
    for members in components.values() {
        let start = members.iter().map(|&i| all[i].1.start_byte).min().unwrap();
        let end = members.iter().map(|&i| all[i].1.end_byte).max().unwrap();
        let reading = |side: usize| -> Option<String> {
            let mut own: Vec<&Hunk> = members
                .iter()
                .filter(|&&i| all[i].0 == side)
                .map(|&i| all[i].1)
                .collect();
            if own.is_empty() {
                return None;
            }
            own.sort_by_key(|h| h.start_byte);
            let shifted: Vec<Hunk> = own
                .iter()
                .map(|h| Hunk {
                    start_byte: h.start_byte - start,
                    end_byte: h.end_byte - start,
                    ..(*h).clone()
                })
                .collect();
            Some(apply_hunks(&base[start..end], &shifted))
        };
        match (reading(0), reading(1)) {
            (Some(x), Some(y)) if words(&x) != words(&y) => contested += 1,
            (Some(x), _) | (None, Some(x)) => pieces.push((start, end, x)),
            (None, None) => {}
        }
    }
    pieces.sort_by_key(|p| p.0);
    let mut merged = String::new();
    let mut at = 0;
    for (start, end, text) in pieces {
        merged.push_str(&base[at..start]);
        merged.push_str(&text);
        at = end;
    }
    merged.push_str(&base[at..]);
    (contested, merged)
}

#[test]
fn merge_laws_hold_on_every_tiny_input() {
    let bases = sequences(&["a", "b"], 3);
    let proposals = sequences(&["a", "b", "c"], 3);
    let mut cases = 0;
    let mut contested_cases = 0;
    for base in &bases {
        let (version, keys) = version(&[base.as_str()]);
        let node = keys[0];
        let run = |subs: &[(&str, &str)]| -> Compilation {
            let submissions: Vec<Submission> = subs
                .iter()
                .map(|(code, text)| submission(code, vec![amend(node, text)]))
                .collect();
            compile(&version, &submissions)
        };
        // Identity: proposing the base changes nothing.
        let identity = run(&[("X", base)]);
        assert_eq!(identity.changes_count(), 0, "base {base:?}");
        for a in &proposals {
            let single = run(&[("X", a)]);
            // One proposal alone is its own merge, uncontested.
            assert_eq!(single.contested_count(), 0);
            assert_eq!(single.nodes[0].merged_text.as_deref(), Some(a.as_str()));
            // Idempotence: the same proposal twice coalesces.
            let twice = run(&[("X", a), ("Y", a)]);
            assert_eq!(shape(&twice), shape(&single), "{base:?} {a:?}");
            assert!(
                twice
                    .changes()
                    .all(|c| c.alternatives[0].supporters.len() == 2)
            );
            // A proposal of the base alongside changes nothing.
            assert_eq!(run(&[("X", a), ("Y", base)]), single);

            let hunks_a = hunks(base, a);
            for b in &proposals {
                cases += 1;
                let ab = run(&[("X", a), ("Y", b)]);
                // Commutativity: which delegation proposes which text does not matter.
                let ba = run(&[("X", b), ("Y", a)]);
                assert_eq!(shape(&ab), shape(&ba), "{base:?} {a:?} {b:?}");
                // Contested exactly when hunks of the two sides overlap or touch and read
                // their span differently; the merged text applies everything else.
                let hunks_b = hunks(base, b);
                let (contested, merged) = brute_force(base, &hunks_a, &hunks_b);
                assert_eq!(
                    ab.contested_count(),
                    contested,
                    "{base:?} {a:?} {b:?}: {:#?}",
                    ab.nodes[0].changes
                );
                assert_eq!(
                    ab.nodes[0].merged_text.as_deref(),
                    Some(merged.as_str()),
                    "{base:?} {a:?} {b:?}"
                );
                if contested > 0 {
                    contested_cases += 1;
                }
            }
        }
    }
    assert_eq!(cases, 15 * 40 * 40);
    assert!(contested_cases > 1000, "the laws saw contested cases too");
}
