//! Benchmark of the compilation of a large round, beside its floor (the bare word diffs) and a
//! peer (Python's difflib doing the same consolidation, `bench/difflib_peer.py`).
//!
//! `cargo bench -p penholder-diff --bench compile` runs every scenario, each in a fresh process
//! (so that its peak memory, VmHWM from /proc/self/status, is its own), then the difflib peer on
//! the same generated data, and prints one table. `-- --scenario NAME` runs one scenario in this
//! process; `-- --quick` runs only the smaller one.
//!
//! Scenarios, generated deterministically by `penholder-scenario`: a document of N paragraphs of 40–80 words; D
//! delegations; A amendments spread over the paragraphs, each one to three edits (phrase
//! insertions, deletions, rewordings); 15 % of them identical to another delegation's amendment
//! of the same paragraph, 20 % overlapping another's edit with different words.

use penholder_core::Version;
use penholder_core::negotiation::Submission;
use penholder_diff::{compile, compile_with_threads, tokenize};
use std::collections::HashMap;
use std::time::{Duration, Instant};

// The same allocator as the `penholder` binary, so the figures are the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Scenario {
    name: &'static str,
    paragraphs: usize,
    delegations: usize,
    amendments: usize,
}

const SCENARIOS: [Scenario; 2] = [
    Scenario {
        name: "eu-file",
        paragraphs: 1_000,
        delegations: 60,
        amendments: 4_000,
    },
    Scenario {
        name: "un-scale",
        paragraphs: 5_000,
        delegations: 190,
        amendments: 40_000,
    },
];

struct Data {
    version: Version,
    submissions: Vec<Submission>,
    /// (paragraph index, delegation, text) of every amendment, for the peer.
    amendments: Vec<(usize, String, String)>,
}

/// The scenario's text and amendments (`penholder-scenario`, amendments scattered at random
/// over paragraphs and delegations, as in a large file's round), as the engine takes them.
fn generate(scenario: &Scenario) -> Data {
    let generated = penholder_scenario::Scenario::scattered(
        scenario.paragraphs,
        scenario.delegations,
        scenario.amendments,
        0x5EED_0000 + scenario.amendments as u64,
    );
    let (version, submissions) = generated.engine("Regulation", 42);
    let amendments = generated
        .amendments
        .iter()
        .map(|a| {
            (
                a.paragraph,
                penholder_scenario::delegation_code(a.delegation),
                a.text.clone(),
            )
        })
        .collect();
    Data {
        version,
        submissions,
        amendments,
    }
}

/// The floor: every amendment tokenized, its words interned with its paragraph's, and diffed
/// with `similar`'s Myers; each base paragraph tokenized once.
fn bare_diffs(data: &Data) -> usize {
    struct Count(usize);
    impl similar::algorithms::DiffHook for Count {
        type Error = std::convert::Infallible;
        fn equal(&mut self, _: usize, _: usize, len: usize) -> Result<(), Self::Error> {
            self.0 += len;
            Ok(())
        }
    }
    let mut by_paragraph: HashMap<usize, Vec<&str>> = HashMap::new();
    for (paragraph, _, text) in &data.amendments {
        by_paragraph
            .entry(*paragraph)
            .or_default()
            .push(text.as_str());
    }
    let nodes = &data.version.document.nodes;
    let mut total = 0;
    for (paragraph, texts) in by_paragraph {
        let mut interner: FastMap<&str, u32> = FastMap::default();
        let base = intern(tokenize(&nodes[paragraph].text), &mut interner);
        for text in texts {
            let words = intern(tokenize(text), &mut interner);
            let mut count = Count(0);
            let Ok(()) = similar::algorithms::diff_slices(
                similar::Algorithm::Myers,
                &mut count,
                &base,
                &words,
            );
            total += count.0;
        }
    }
    total
}

/// The same fast string hash the engine interns with (FxHash's step), so that the floor is not
/// slowed down by SipHash.
#[derive(Default, Clone, Copy)]
struct Fx(u64);

impl std::hash::Hasher for Fx {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word))
                .wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn write_u8(&mut self, byte: u8) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(byte)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<Fx>>;

fn intern<'a>(tokens: Vec<&'a str>, interner: &mut FastMap<&'a str, u32>) -> Vec<u32> {
    tokens
        .into_iter()
        .filter(|t| !t.trim().is_empty())
        .map(|t| {
            let next = interner.len() as u32;
            *interner.entry(t).or_insert(next)
        })
        .collect()
}

fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Nanoseconds this thread has run on a CPU (from /proc/thread-self/schedstat): on a machine
/// shared with other work, CPU time is the fairer measure; wall time is reported beside it.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: u64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// The best of `runs` timings (the least disturbed by the other processes of the machine), as
/// (wall, CPU) time.
fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> ((Duration, Duration), T) {
    let mut best_wall = Duration::MAX;
    let mut best_cpu = Duration::MAX;
    let mut out = None;
    for _ in 0..runs {
        let cpu_start = cpu_time();
        let start = Instant::now();
        let value = f();
        let wall = start.elapsed();
        let cpu = match (cpu_start, cpu_time()) {
            (Some(a), Some(b)) => b.saturating_sub(a),
            _ => wall,
        };
        best_wall = best_wall.min(wall);
        best_cpu = best_cpu.min(cpu);
        out = Some(value);
    }
    ((best_wall, best_cpu), out.expect("at least one run"))
}

/// Where the floor's time goes: tokenizing only, then tokenizing and interning.
fn breakdown(data: &Data) {
    let ((_, tokenizing), count) = best(15, || {
        data.amendments
            .iter()
            .map(|(_, _, text)| tokenize(text).len())
            .sum::<usize>()
    });
    let ((_, interning), _) = best(15, || {
        let mut total = 0;
        for (paragraph, _, text) in &data.amendments {
            let mut interner: FastMap<&str, u32> = FastMap::default();
            total += intern(
                tokenize(&data.version.document.nodes[*paragraph].text),
                &mut interner,
            )
            .len();
            total += intern(tokenize(text), &mut interner).len();
        }
        total
    });
    println!(
        "breakdown: {count} tokens; tokenize {:.2} ms; tokenize + intern (base and amendment) {:.2} ms",
        tokenizing.as_secs_f64() * 1e3,
        interning.as_secs_f64() * 1e3
    );
}

fn run_scenario(scenario: &Scenario) {
    let data = generate(scenario);
    if std::env::args().any(|a| a == "--breakdown") {
        breakdown(&data);
    }
    if std::env::args().any(|a| a == "--profile") {
        // Only the compilation, many times over: for `perf record`.
        let ((_, cpu), _) = best(50, || compile(&data.version, &data.submissions));
        println!("compilation {:.2} ms", cpu.as_secs_f64() * 1e3);
        return;
    }
    let runs = if scenario.amendments > 10_000 { 5 } else { 15 };
    let ((bare_wall, bare), _) = best(runs, || bare_diffs(&data));
    // The work: the compilation on one thread, its CPU time (comparable with the bare diffs,
    // which run on one thread too). Then the compilation as the server runs it, shared among
    // the cores: its wall time is how long a chair waits.
    let ((one_thread_wall, compilation_time), compilation) = best(runs, || {
        compile_with_threads(
            &data.version.document,
            data.version.number,
            &data.submissions,
            Some(1),
        )
    });
    let ((compile_wall, _), shared) = best(runs, || compile(&data.version, &data.submissions));
    assert_eq!(shared, compilation, "threads never change the compilation");
    let threads = if data
        .submissions
        .iter()
        .map(|s| s.items.len())
        .sum::<usize>()
        < 1_000
    {
        1
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get().min(4))
    };
    let peak = peak_memory_kib().unwrap_or(0);
    // One machine-readable line for the parent process.
    println!(
        "RESULT {} {} {} {} {} {} {} {} {} {} {} {}",
        scenario.name,
        data.amendments.len(),
        bare.as_secs_f64() * 1e3,
        compilation_time.as_secs_f64() * 1e3,
        peak,
        compilation.changes_count(),
        compilation.contested_count(),
        data.version.document.nodes.len(),
        bare_wall.as_secs_f64() * 1e3,
        compile_wall.as_secs_f64() * 1e3,
        one_thread_wall.as_secs_f64() * 1e3,
        threads,
    );
    if let Ok(path) = std::env::var("PENHOLDER_BENCH_DUMP") {
        let nodes = &data.version.document.nodes;
        let mut json = String::from("{\"paragraphs\":[");
        for (i, node) in nodes.iter().enumerate() {
            if i > 0 {
                json.push(',');
            }
            json.push_str(&json_string(&node.text));
        }
        json.push_str("],\"amendments\":[");
        for (i, (paragraph, delegation, text)) in data.amendments.iter().enumerate() {
            if i > 0 {
                json.push(',');
            }
            json.push_str(&format!(
                "[{paragraph},{},{}]",
                json_string(delegation),
                json_string(text)
            ));
        }
        json.push_str("]}");
        if let Err(error) = std::fs::write(&path, json) {
            eprintln!("cannot write {path}: {error}");
        }
    }
}

fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

struct Row {
    name: String,
    amendments: usize,
    bare_ms: f64,
    compile_ms: f64,
    peak_kib: u64,
    changes: usize,
    contested: usize,
    bare_wall_ms: f64,
    compile_wall_ms: f64,
    peer_ms: Option<f64>,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(position) = args.iter().position(|a| a == "--scenario") {
        let name = args.get(position + 1).map(String::as_str).unwrap_or("");
        match SCENARIOS.iter().find(|s| s.name == name) {
            Some(scenario) => run_scenario(scenario),
            None => eprintln!("unknown scenario {name:?}"),
        }
        return;
    }
    let quick = args.iter().any(|a| a == "--quick");
    let Ok(me) = std::env::current_exe() else {
        eprintln!("cannot find this benchmark's executable");
        return;
    };
    let peer = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/difflib_peer.py");
    let scratch = std::env::temp_dir().join(format!("penholder-bench-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&scratch);
    let mut rows = Vec::new();
    for scenario in SCENARIOS
        .iter()
        .take(if quick { 1 } else { SCENARIOS.len() })
    {
        let dump = scratch.join(format!("{}.json", scenario.name));
        let output = std::process::Command::new(&me)
            .args(["--scenario", scenario.name])
            .env("PENHOLDER_BENCH_DUMP", &dump)
            .output();
        let Ok(output) = output else {
            eprintln!("cannot run scenario {}", scenario.name);
            continue;
        };
        let stdout = String::from_utf8_lossy(&output.stdout);
        let Some(fields) = stdout
            .lines()
            .find_map(|l| l.strip_prefix("RESULT "))
            .map(|l| l.split(' ').map(str::to_string).collect::<Vec<_>>())
        else {
            eprintln!(
                "scenario {} gave no result: {}",
                scenario.name,
                String::from_utf8_lossy(&output.stderr)
            );
            continue;
        };
        let number = |i: usize| {
            fields
                .get(i)
                .and_then(|f| f.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        let peer_ms = std::process::Command::new("python3")
            .arg(&peer)
            .arg(&dump)
            .output()
            .ok()
            .and_then(|o| {
                String::from_utf8_lossy(&o.stdout).lines().find_map(|l| {
                    l.strip_prefix("PEER_MS ")
                        .and_then(|v| v.trim().parse().ok())
                })
            });
        let _ = std::fs::remove_file(&dump);
        rows.push(Row {
            name: scenario.name.to_string(),
            amendments: number(1) as usize,
            bare_ms: number(2),
            compile_ms: number(3),
            peak_kib: number(4) as u64,
            changes: number(5) as usize,
            contested: number(6) as usize,
            bare_wall_ms: number(8),
            compile_wall_ms: number(9),
            peer_ms,
        });
    }
    let _ = std::fs::remove_dir(&scratch);
    println!("CPU time (best of several runs; wall time in parentheses), peak resident memory:");
    println!(
        "{:<9} {:>10} {:>20} {:>20} {:>6} {:>9} {:>8} {:>9} {:>14} {:>10}",
        "scenario",
        "amendments",
        "bare diffs",
        "compilation",
        "ratio",
        "peak RSS",
        "changes",
        "contested",
        "difflib peer",
        "vs difflib"
    );
    for row in rows {
        let (peer, speedup) = match row.peer_ms {
            Some(ms) => (
                format!("{ms:.1} ms"),
                format!("{:.1}x", ms / row.compile_ms.max(1e-9)),
            ),
            None => ("n/a".to_string(), "n/a".to_string()),
        };
        println!(
            "{:<9} {:>10} {:>20} {:>20} {:>5.2}x {:>6.1} MB {:>8} {:>9} {:>14} {:>10}",
            row.name,
            row.amendments,
            format!("{:.2} ms ({:.2})", row.bare_ms, row.bare_wall_ms),
            format!("{:.2} ms ({:.2})", row.compile_ms, row.compile_wall_ms),
            row.compile_ms / row.bare_ms.max(1e-9),
            row.peak_kib as f64 / 1024.0,
            row.changes,
            row.contested,
            peer,
            speedup
        );
    }
}
