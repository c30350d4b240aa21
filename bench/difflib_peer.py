#!/usr/bin/env python3
"""The difflib peer of crates/diff/benches/compile.rs: the same consolidation in Python.

Reads the scenario the Rust benchmark wrote (JSON: paragraphs, and amendments as
[paragraph, delegation, text]) and does what penholder's compile() does at its core:
tokenize every base paragraph and amendment into words (whitespace ignored), diff each
amendment against its paragraph with difflib.SequenceMatcher, turn the opcodes into hunks,
coalesce identical hunks of different delegations, and group hunks that overlap or touch into
contested changes with one alternative per distinct reading. Prints the best and the median of
several runs as `PEER_MS <milliseconds>` and `PEER_MEDIAN_MS <milliseconds>`.

Usage: python3 bench/difflib_peer.py SCENARIO.json [RUNS]
"""

import difflib
import json
import re
import statistics
import sys
import time
from collections import defaultdict

# Words, or single non-space characters (punctuation), like Unicode word segmentation does for
# these texts; whitespace is dropped since whitespace-only differences are not changes.
TOKEN = re.compile(r"\w+(?:[.'’:]\w+)*|[^\w\s]")


def words(text):
    return TOKEN.findall(text)


def hunks(base, proposal):
    """(start, end, replacement tuple) for every difference of `proposal` against `base`."""
    matcher = difflib.SequenceMatcher(None, base, proposal, autojunk=False)
    return [
        (i1, i2, tuple(proposal[j1:j2]))
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


def compile_paragraph(base, amendments):
    """The changes of one paragraph: [(start, end, {reading: [delegations]}, contested)]."""
    supporters = defaultdict(list)  # coalescing: identical hunks
    own = defaultdict(dict)  # delegation -> {(start, end): replacement}
    for delegation, text in amendments:
        for start, end, replacement in hunks(base, words(text)):
            supporters[(start, end, replacement)].append(delegation)
            own[delegation][(start, end)] = replacement
    changes = []
    group, group_end = [], -1
    for hunk in sorted(supporters):
        start, end, _ = hunk
        if group and start <= group_end:
            group.append(hunk)
            group_end = max(group_end, end)
        else:
            if group:
                changes.append(close(base, group, supporters, own))
            group, group_end = [hunk], end
    if group:
        changes.append(close(base, group, supporters, own))
    return changes


def close(base, group, supporters, own):
    start = min(h[0] for h in group)
    end = max(h[1] for h in group)
    if len(group) == 1:
        hunk = group[0]
        return (start, end, {hunk[2]: sorted(supporters[hunk])}, False)
    readings = defaultdict(list)
    involved = sorted({d for h in group for d in supporters[h]})
    for delegation in involved:
        reading, at = [], start
        for (s, e), replacement in sorted(own[delegation].items()):
            if start <= s and e <= end:
                reading.extend(base[at:s])
                reading.extend(replacement)
                at = e
        reading.extend(base[at:end])
        readings[tuple(reading)].append(delegation)
    return (start, end, dict(readings), len(readings) > 1)


def consolidate(paragraphs, amendments):
    by_paragraph = defaultdict(list)
    for paragraph, delegation, text in amendments:
        by_paragraph[paragraph].append((delegation, text))
    compilation = {}
    for paragraph, proposals in by_paragraph.items():
        base = words(paragraphs[paragraph])
        compilation[paragraph] = compile_paragraph(base, sorted(proposals))
    return compilation


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        scenario = json.load(f)
    paragraphs, amendments = scenario["paragraphs"], scenario["amendments"]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else (3 if len(amendments) > 10_000 else 5)
    times = []
    for _ in range(max(runs, 1)):
        start = time.perf_counter()
        compilation = consolidate(paragraphs, amendments)
        times.append(time.perf_counter() - start)
    best = min(times)
    median = statistics.median(times)
    changes = sum(len(c) for c in compilation.values())
    contested = sum(1 for c in compilation.values() for change in c if change[3])
    print(f"PEER_CHANGES {changes} {contested}")
    print(f"PEER_MS {best * 1000:.1f}")
    print(f"PEER_MEDIAN_MS {median * 1000:.1f}")


if __name__ == "__main__":
    main()
