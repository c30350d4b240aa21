//! Benchmark of reading a delegation's Word file into submission items (issue 14, item 6: a
//! 100-page DOCX with 500 tracked changes in ≤ 200 ms, release build).
//!
//! `cargo bench -p penholder-negotiation --bench word_read` (`-- --quick`: fewer runs).
//! The file: penholder's own DOCX of a version of 800 paragraphs of 40–80 words
//! (`penholder-scenario`'s, about 48,000 words: 100 pages at about 480 words a page), in which
//! 250 paragraphs carry a word replaced with change tracking on, as Word writes it (a `w:del`
//! of the word and a `w:ins` of its replacement: 500 tracked changes). Measured: the whole of
//! `word::understand` — unzipping, parsing the XML, matching each paragraph with its node by
//! its bookmark, and turning the changes into items (250 amendments), single-threaded.
//!
//! Prints one `BENCH {json}` line (wall time, best and median of the runs, and the best CPU
//! time of the thread), which `bench/bench.sh` records for `bench/report.py`.

use penholder_core::NodeId;
use penholder_negotiation::word::understand;
use penholder_render::Context;
use penholder_scenario::Scenario;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

// The same allocator as the `penholder` binary, so the figures are the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const PARAGRAPHS: usize = 800;
const EDITED_PARAGRAPHS: usize = 250;

/// Replaces, in the paragraph of each node of `edited`, the first word after its first space
/// by a tracked deletion and insertion.
fn with_tracked_changes(xml: &str, edited: &[NodeId]) -> (String, usize) {
    let mut xml = xml.to_string();
    let mut changes = 0;
    for (index, id) in edited.iter().enumerate() {
        let bookmark = format!("w:name=\"ph_{}\"", id.as_uuid().simple());
        let Some(at) = xml.find(&bookmark) else {
            continue;
        };
        let Some(open) = xml[at..]
            .find("<w:t xml:space=\"preserve\">")
            .map(|i| at + i)
        else {
            continue;
        };
        let start = open + "<w:t xml:space=\"preserve\">".len();
        let Some(end) = xml[start..].find("</w:t></w:r>").map(|i| start + i) else {
            continue;
        };
        let text = &xml[start..end];
        let Some(space) = text.find(' ') else {
            continue;
        };
        let rest = &text[space + 1..];
        let word_end = rest.find(' ').unwrap_or(rest.len());
        let (head, word, tail) = (&text[..=space], &rest[..word_end], &rest[word_end..]);
        let date = "2024-01-05T10:00:00Z";
        let replacement = format!(
            "{head}</w:t></w:r><w:del w:id=\"{d}\" w:author=\"Austria\" w:date=\"{date}\"><w:r><w:delText>{word}</w:delText></w:r></w:del><w:ins w:id=\"{i}\" w:author=\"Austria\" w:date=\"{date}\"><w:r><w:t>revised</w:t></w:r></w:ins><w:r><w:t xml:space=\"preserve\">{tail}",
            d = 900_000 + 2 * index,
            i = 900_001 + 2 * index,
        );
        xml.replace_range(start..end, &replacement);
        changes += 2;
    }
    (xml, changes)
}

fn edited_package(bytes: &[u8], edit: impl Fn(&str) -> String) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a package");
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).expect("an entry");
        let name = entry.name().to_string();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).expect("read");
        if name == "word/document.xml" {
            content = edit(&String::from_utf8(content).expect("UTF-8")).into_bytes();
        }
        out.start_file(name, options).expect("start");
        out.write_all(&content).expect("write");
    }
    out.finish().expect("finish").into_inner()
}

fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: u64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let runs = if quick { 3 } else { 15 };
    let scenario = Scenario::generate(PARAGRAPHS, 1, 0, 14);
    let (version, _) = scenario.engine("A hundred pages", 14);
    let words: usize = scenario
        .paragraphs
        .iter()
        .map(|p| p.split_whitespace().count())
        .sum();
    let docx = penholder_render::docx::version(&version, &Context::new()).expect("DOCX");
    let step = PARAGRAPHS / EDITED_PARAGRAPHS;
    let edited: Vec<NodeId> = version
        .document
        .nodes
        .iter()
        .step_by(step)
        .take(EDITED_PARAGRAPHS)
        .map(|n| n.id)
        .collect();
    let file = edited_package(&docx, |xml| with_tracked_changes(xml, &edited).0);
    let read = penholder_import::docx::read_docx(&file).expect("the file reads");
    let changes = read.pending_changes().count();
    assert_eq!(
        changes,
        2 * EDITED_PARAGRAPHS,
        "tracked changes in the file"
    );
    let understood = understand(&file, &version).expect("understood");
    assert_eq!(
        understood.items.len(),
        EDITED_PARAGRAPHS,
        "one amendment per edited paragraph"
    );

    let mut walls = Vec::with_capacity(runs);
    let mut best_cpu = Duration::MAX;
    for _ in 0..runs {
        let cpu_start = cpu_time();
        let started = Instant::now();
        let understood = understand(&file, &version).expect("understood");
        walls.push(started.elapsed());
        std::hint::black_box(understood);
        if let (Some(a), Some(b)) = (cpu_start, cpu_time()) {
            best_cpu = best_cpu.min(b.saturating_sub(a));
        }
    }
    walls.sort();
    println!(
        "BENCH {{\"kind\":\"docx_read\",\"paragraphs\":{PARAGRAPHS},\"words\":{words},\"bytes\":{},\"tracked_changes\":{changes},\"items\":{},\"runs\":{runs},\"best_ms\":{:.3},\"median_ms\":{:.3},\"best_cpu_ms\":{:.3}}}",
        file.len(),
        understood.items.len(),
        ms(walls[0]),
        ms(walls[runs / 2]),
        if best_cpu == Duration::MAX {
            0.0
        } else {
            ms(best_cpu)
        },
    );
}
