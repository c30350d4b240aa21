#!/usr/bin/env python3
"""Turns the `BENCH {json}` lines of bench/bench.sh into one table: printed, and written with
the machine, the date and the command to BENCHMARKS.md (make bench) or
target/bench/BENCHMARKS-quick.md (make bench-quick).

Every figure is the median of its runs (the engine's own timings are, per run, the best of
several repetitions inside one process: see crates/diff/benches/compile.rs). Targets are from
issues 3, 7 and 13; a target is checked only on the full run.

Usage: python3 bench/report.py RESULTS.jsonl OUT.md SECONDS
"""

import json
import os
import statistics
import sys
from collections import defaultdict


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def ms(value):
    if value is None:
        return "n/a"
    if value >= 100:
        return f"{value:,.0f} ms"
    if value >= 10:
        return f"{value:.1f} ms"
    return f"{value:.2f} ms"


def rate(value):
    return "n/a" if value is None else f"{value:,.0f}/s"


def mib(kib):
    return f"{kib / 1024:.0f} MB"


def verdict(ok, full):
    if not full:
        return "(quick run)"
    return "✔" if ok else "✘ missed"


def main():
    results_path, out_path, elapsed = sys.argv[1], sys.argv[2], sys.argv[3]
    rows = [json.loads(line) for line in open(results_path, encoding="utf-8") if line.strip()]
    by_kind = defaultdict(list)
    for row in rows:
        by_kind[row["kind"]].append(row)
    machine = by_kind["machine"][0]
    full = machine["mode"] == "full"
    table = []  # (area, measure, figure, comparison, target)

    # ---- engine and peers ----
    engine = defaultdict(list)
    for row in by_kind["engine"]:
        engine[row["scenario"]].append(row)
    difflib = {row["scenario"]: row for row in by_kind["difflib"]}
    per_amendment_ms = None
    limits = {"eu-file": (25.0, 100 * 1024), "un-scale": (300.0, None)}
    for scenario, runs in engine.items():
        first = runs[0]
        # The work: CPU time of the compilation on one thread (the bare diffs run on one
        # thread too). The time a chair waits: wall time as the server runs it, on its cores.
        cpu = median([r["compile_cpu_ms"] for r in runs])
        wall = median([r["compile_wall_ms"] for r in runs])
        threads = first.get("threads", 1)
        bare = median([r["bare_cpu_ms"] for r in runs])
        peak = max(r["peak_kib"] for r in runs)
        ratio = cpu / bare if bare else None
        if scenario == "eu-file":
            per_amendment_ms = cpu / first["amendments"]
        limit_ms, limit_kib = limits.get(scenario, (None, None))
        checks = [ratio is not None and ratio <= 2.0]
        target = "≤ 2x bare"
        if limit_ms:
            checks.append(wall <= limit_ms)
            target += f", ≤ {limit_ms:.0f} ms"
        if limit_kib:
            checks.append(peak <= limit_kib)
            target += f", ≤ {limit_kib // 1024} MB"
        table.append((
            "engine",
            f"compilation of {first['amendments']:,} amendments ({first['paragraphs']:,} paragraphs), "
            f"{first['changes']:,} changes, {first['contested']:,} contested",
            f"{ms(wall)} on {threads} thread{'s' if threads != 1 else ''} ({ms(cpu)} CPU on one)",
            f"{ratio:.2f}x the bare word diffs ({ms(bare)}); peak RSS {mib(peak)}",
            f"{target}: {verdict(all(checks), full)}",
        ))
        peer = difflib.get(scenario)
        if peer:
            speedup = peer["best_ms"] / cpu if cpu else None
            table.append((
                "peer",
                f"Python difflib, same consolidation ({first['amendments']:,} amendments; "
                f"{peer['changes']:,} changes, {peer['contested']:,} contested)",
                f"{ms(peer['best_ms'])} best, {ms(peer['median_ms'])} median",
                f"penholder {speedup:.1f}x faster (best vs best)",
                f"≥ 5x: {verdict(speedup is not None and speedup >= 5, full)}",
            ))
    for peer in by_kind["peer"]:
        name = {"wdiff": "GNU wdiff", "git": "git diff --word-diff --no-index"}.get(peer["tool"], peer["tool"])
        speedup = peer["per_pair_ms"] / per_amendment_ms if per_amendment_ms else None
        own = peer["per_pair_ms"] - peer["spawn_ms"]
        table.append((
            "peer",
            f"{name}, one process per pair, {peer['pairs']} pairs of the 4,000-amendment scenario",
            f"{ms(peer['per_pair_ms'])} per pair ({ms(own)} beyond starting a process)",
            f"penholder {speedup:,.0f}x faster per amendment ({per_amendment_ms * 1000:.1f} µs, whole compilation)"
            if speedup else "n/a",
            "",
        ))

    # ---- alignment of a revision made elsewhere (issue 13, item 8) ----
    align_limits = {1000: 50.0, 5000: 300.0}
    for row in by_kind["align"]:
        limit = align_limits.get(row["paragraphs"])
        table.append((
            "alignment",
            f"aligning a revised {row['paragraphs']:,}-paragraph text made elsewhere "
            f"({row['nodes']:,} nodes) with the previous version",
            f"{ms(row['best_ms'])} best, {ms(row['median_ms'])} median of {row['runs']} "
            f"({ms(row.get('best_cpu_ms'))} CPU)",
            f"{row['ids_kept']:,} of {row['ids_expected']:,} paragraphs kept their id",
            f"≤ {limit:.0f} ms: {verdict(row['best_ms'] <= limit, full)}" if limit else "",
        ))

    # ---- a delegation's Word file read into items (issue 14, item 6) ----
    for row in by_kind["docx_read"]:
        table.append((
            "Word in",
            f"reading a {row['paragraphs']:,}-paragraph DOCX ({row['words']:,} words, about 100 pages) "
            f"with {row['tracked_changes']:,} tracked changes into {row['items']:,} items",
            f"{ms(row['best_ms'])} best, {ms(row['median_ms'])} median of {row['runs']} "
            f"({ms(row.get('best_cpu_ms'))} CPU)",
            "",
            f"≤ 200 ms: {verdict(row['best_ms'] <= 200.0, full)}",
        ))

    # ---- a redline narrowed to one delegation (issue 17: within 1.2x the whole one) ----
    for row in by_kind["filtered_redline"]:
        table.append((
            "redline",
            f"redline of two {row['paragraphs']:,}-paragraph versions narrowed to one delegation "
            f"({row['own_changed_nodes']:,} of {row['changed_nodes']:,} changed paragraphs its own)",
            f"{ms(row['filtered_median_ms'])} median vs {ms(row['whole_median_ms'])} whole",
            f"{row['ratio']:.2f}x the whole redline (median of {row['runs']} runs' ratios)",
            f"≤ 1.2x: {verdict(row['ratio'] <= 1.2, full)}",
        ))

    # ---- redline ----
    for red in by_kind["redline"]:
        table.append((
            "redline",
            f"redline of two {red['paragraphs']:,}-paragraph versions ({red['amendments']:,} amendments "
            f"consolidated, {red['changed_nodes']:,} paragraphs changed)",
            ms(red["redline_ms"]), "", ""))
        table.append(("redline", "→ HTML", ms(red["html_ms"]), f"{red['html_bytes'] / 1e6:.1f} MB", ""))
        table.append(("redline", "→ DOCX (tracked changes by delegation)", ms(red["docx_ms"]),
                      f"{red['docx_bytes'] / 1e6:.1f} MB", ""))

    # ---- server ----
    setups = {row["slug"]: row for row in by_kind["setup"]}
    rush = defaultdict(list)
    for row in by_kind["rush"]:
        rush[(row["slug"], row["mode"], row["offered_per_s"])].append(row)
    # SQLite first (the embedded default), then PostgreSQL with one and with two servers.
    order = lambda kv: (kv[1][0].get("backend", ""), kv[1][0]["clients"], kv[0][1] != "open", -kv[0][2])
    for (slug, mode, offered), runs in sorted(rush.items(), key=order):
        first = runs[0]
        setup = setups.get(slug, {})
        backend = first.get("backend")
        section = f"server ({backend})" if backend else "server (SQLite)"
        clients = first["clients"]
        durable = median([r["durable_per_s"] for r in runs])
        p50 = median([r["put"]["p50_ms"] for r in runs])
        p99 = median([r["put"]["p99_ms"] for r in runs])
        worst = max(r["put"]["max_ms"] for r in runs)
        failures = sum(sum(r["put_failures"].values()) for r in runs)
        unsent = sum(r.get("unsent", 0) for r in runs)
        cpu = median([r.get("server_cpu_ms_per_submission") for r in runs])
        cpu_text = f"; server CPU {cpu:.2f} ms per submission" if cpu is not None else ""
        gets = sum(r["get"]["count"] for r in runs)
        g50 = median([r["get"]["p50_ms"] for r in runs])
        g99 = median([r["get"]["p99_ms"] for r in runs])
        gmax = max(r["get"]["max_ms"] for r in runs)
        gfail = sum(sum(r["get_failures"].values()) for r in runs)
        if mode == "open":
            what = (f"{clients:,} delegations × {first['amendments'] // max(clients, 1)} items, "
                    f"{first['offered_per_s']:,.0f} submissions/s offered (open loop)")
            target = ""
            if clients == 200 and offered >= 2000:
                ok = durable >= 2000 * 0.98 and p99 <= 50 and failures == 0
                target = f"≥ 2,000/s, p99 ≤ 50 ms: {verdict(ok, full)}"
        else:
            what = f"{clients:,} delegations, each resubmitting as soon as acknowledged (closed loop: capacity)"
            target = ""
            if clients == 200:
                target = f"≥ 2,000/s: {verdict(durable >= 2000 and failures == 0, full)}"
        table.append((
            section, what,
            f"{rate(durable)} durable",
            f"PUT p50 {ms(p50)}, p99 {ms(p99)}, max {ms(worst)}; {failures} failed"
            + (f", {unsent:,} due but unsent (server behind)" if unsent else "") + cpu_text,
            target,
        ))
        get_target = ""
        if clients == 200 and mode == "open" and offered >= 2000:
            get_target = f"p99 ≤ 100 ms: {verdict(g99 <= 100 and gfail == 0, full)}"
        table.append((
            section,
            f"  … meanwhile {first.get('chairs', '')} chairs GET the live compilation, "
            f"{first.get('chair_rate', 0):g}/s each ({first['amendments']:,} amendments, "
            f"{setup.get('compilation_bytes', 0) / 1e6:.1f} MB JSON), {gets} GETs in all",
            f"p50 {ms(g50)}, p99 {ms(g99)}",
            f"max {ms(gmax)}; {gfail} failed",
            get_target,
        ))
    for exact in by_kind["exact"]:
        table.append((
            "server", f"the chair's exact compilation of a closed round of {exact['amendments']:,} "
            f"amendments through the API, first request ({exact['changes']:,} changes, "
            f"{exact['compilation_bytes'] / 1e6:.1f} MB JSON; {exact['runs']} rounds)",
            f"{ms(exact['api_median_ms'])}",
            f"{exact['ratio']:.2f}x the in-process compilation of the same round, run for run "
            f"({ms(exact['engine_median_ms'])} on 2 threads)",
            f"≤ 2x: {verdict(exact['ratio'] <= 2.0, full)}"))
    for search in by_kind["search"]:
        table.append((
            "server", f"search over {search['versions']} versions of {search['paragraphs']:,} "
            f"paragraphs through the API, {search['queries']} queries one after another "
            f"({search.get('backend', 'sqlite')})",
            f"p99 {ms(search['p99_ms'])}",
            f"p50 {ms(search['p50_ms'])}, max {ms(search['max_ms'])}; {search['mean_hits']:.1f} texts "
            f"per answer; the versions uploaded in {search['setup_s']:.1f} s",
            f"≤ 20 ms p99: {verdict(search['p99_ms'] <= 20.0, full)}"))
    for synoptic in by_kind["synoptic"]:
        table.append((
            "server", f"synoptic table of {synoptic['versions']} versions of "
            f"{synoptic['paragraphs']:,} paragraphs through the API ({synoptic['rows']:,} rows, "
            f"{synoptic['changed_cells']:,} changed cells), {synoptic['requests']} requests, JSON and HTML "
            f"({synoptic.get('backend', 'sqlite')})",
            f"p99 {ms(max(synoptic['json_p99_ms'], synoptic['html_p99_ms']))}",
            f"JSON p50 {ms(synoptic['json_p50_ms'])} / p99 {ms(synoptic['json_p99_ms'])} "
            f"({synoptic['json_bytes'] / 1e6:.1f} MB); HTML p50 {ms(synoptic['html_p50_ms'])} / "
            f"p99 {ms(synoptic['html_p99_ms'])}",
            f"≤ 200 ms: {verdict(max(synoptic['json_p99_ms'], synoptic['html_p99_ms']) <= 200.0, full)}"))
    for page in by_kind["web_first_page"]:
        draft = page.get("draft_bytes")
        table.append((
            "web", "the first page transferred (the sign-in link's; a round's draft page"
            f"{', ' + page['draft_path'] if page.get('draft_path') else ''}), Chromium",
            f"{page['sign_in_bytes'] / 1e3:.1f} KB",
            f"draft page {draft / 1e3:.1f} KB" if draft is not None else "",
            f"< 100 KB: {verdict(page['sign_in_bytes'] < 100_000 and (draft or 0) < 100_000, full)}"))
    for web in by_kind["web_compilation"]:
        table.append((
            "web", f"the chair's compilation page of a closed round of {web['amendments']:,} "
            f"amendments in Chromium, navigation to the first decision answering the keyboard "
            f"({web['decision_forms']:,} decision forms, {web['html_bytes'] / 1e6:.1f} MB HTML, "
            f"{web['transfer_bytes'] / 1e6:.2f} MB transferred; {web['runs']} loads)",
            f"{ms(web['usable_first_ms'])} first load, {ms(web['usable_again_median_ms'])} again"
            if web.get('usable_again_median_ms') is not None else f"{ms(web['usable_median_ms'])}",
            f"first load on a server started afresh (it compiles the round), then the server's "
            f"kept compilation; median of all: {ms(web['usable_median_ms'])}; response end "
            f"{ms(web['response_end_median_ms'])}, DOM interactive "
            f"{ms(web['dom_interactive_median_ms'])}, load {ms(web['load_median_ms'])}",
            f"≤ 1 s: {verdict(max(web['usable_median_ms'], web.get('usable_first_ms', 0)) <= 1000.0, full)}"))
    hello = by_kind["hello"]
    if hello:
        table.append((
            "ceiling", f"axum hello world, {hello[0]['clients']} connections, same client",
            f"{rate(median([h['rps'] for h in hello]))}",
            f"p50 {ms(median([h['p50_ms'] for h in hello]))}, p99 {ms(median([h['p99_ms'] for h in hello]))}",
            ""))
    sqlite = by_kind["sqlite"]
    if sqlite:
        table.append((
            "ceiling", f"raw SQLite durable single-row commits (WAL, synchronous=FULL, {sqlite[0]['row_bytes']} B rows)",
            f"{rate(median([s['commits_per_s'] for s in sqlite]))}",
            "one transaction and one fsync per row: a server without group commit could not do more", ""))
    for pg in by_kind["pgbench"]:
        table.append((
            "ceiling", f"raw PostgreSQL durable single-row commits (pgbench, {pg['clients']} clients, "
            f"{pg['row_bytes']} B rows, synchronous_commit=on)",
            f"{rate(pg['commits_per_s'])}",
            "one INSERT per transaction, PostgreSQL's own group commit; same machine", ""))
    # The SQLite database's revisions (the PostgreSQL rushes write elsewhere).
    revisions = (sum(s["delegations"] for s in by_kind["setup"] if not s.get("backend"))
                 + sum(r["durable"] for r in by_kind["rush"] if not r.get("backend")))
    for cold in by_kind["coldstart"]:
        size = f"database {cold['db_bytes'] / 1e6:,.1f} MB"
        if cold["label"] != "empty database" and revisions:
            size += (f" for {revisions:,} stored submission revisions "
                     f"({cold['db_bytes'] / revisions / 1024:.0f} KiB each)")
        table.append((
            "cold start", f"`penholder serve` → first 200 on /healthz ({cold['label']})",
            f"{ms(cold['median_ms'])}", size, ""))

    header = ("area", "measure", "figure", "comparison", "target")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in table:
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    table_text = "\n".join(lines)
    print(table_text)

    doc = [
        "# penholder benchmarks",
        "",
        f"Measured by `{machine['command']}` (bench/bench.sh) on {machine['date']}, commit "
        f"{machine['commit']}, in {elapsed} s.",
        "",
        f"Machine: {machine['nproc']} cores ({machine['model']}), {machine['memory']} of memory, "
        f"Linux {machine['kernel']}, database on {machine['disk']}. The load generator runs on the "
        "same machine (one thread), so every server figure shares the 2 cores with its client. "
        f"Load average (1, 5, 15 min) before the run: {machine.get('load_before', 'n/a')}; after: "
        f"{by_kind['load'][0]['after'] if by_kind['load'] else 'n/a'} (other work on the machine "
        "takes its share of the cores: see the server's CPU time per submission, which it does not change much).",
        "",
        "Every figure below was measured in the same run; each is the median of its runs. "
        "Ratios matter more than absolute times: the machine is shared and noisy.",
        "",
        table_text,
        "",
    ]
    notes = os.path.join(os.path.dirname(os.path.abspath(__file__)), "NOTES.md")
    if os.path.exists(notes):
        doc.append(open(notes, encoding="utf-8").read().rstrip() + "\n")
    with open(out_path, "w", encoding="utf-8") as f:
        f.write("\n".join(doc))


if __name__ == "__main__":
    main()
