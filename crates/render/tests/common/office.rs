//! The real reader: LibreOffice converts our files headless, and we read what it understood
//! from its flat ODT (or CSV) output — tracked changes with their authors, the text with every
//! change accepted and with every change rejected, footnotes, comments, the page header.
#![allow(dead_code)] // each test binary uses a different part of the helpers

use quick_xml::events::Event;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The name LibreOffice gives penholder's character style of node references
/// (`NodeReference`, shown as "Node reference").
pub const REFERENCE_STYLE: &str = "Node_20_reference";

/// Whether LibreOffice can be used. On CI (`CI=true`) a missing `soffice` fails the test;
/// locally the test is skipped with a message saying how to install it.
pub fn soffice_available() -> bool {
    let found = Command::new("soffice")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if found {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!(
            "soffice (LibreOffice) is required on CI: install Debian package libreoffice-writer-nogui"
        );
    }
    eprintln!(
        "SKIPPED: soffice not found; install libreoffice-writer-nogui to check Word output with LibreOffice"
    );
    false
}

/// Converts `files` (name, bytes) with `soffice --convert-to <to>` in a private profile and
/// returns the outputs by input name. Panics with LibreOffice's output when a file fails.
pub fn convert(files: &[(&str, &[u8])], to: &str, out_extension: &str) -> HashMap<String, Vec<u8>> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let profile = dir.path().join("profile");
    let out = dir.path().join("out");
    let mut inputs: Vec<PathBuf> = Vec::new();
    for (name, bytes) in files {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write the input");
        inputs.push(path);
    }
    let output = Command::new("timeout")
        .arg("180")
        .arg("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args([
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            to,
            "--outdir",
        ])
        .arg(&out)
        .args(&inputs)
        .output()
        .expect("run soffice");
    let mut results = HashMap::new();
    for (name, _) in files {
        let stem = Path::new(name)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or(name);
        let path = out.join(format!("{stem}.{out_extension}"));
        let bytes = std::fs::read(&path).unwrap_or_else(|_| {
            panic!(
                "LibreOffice did not convert {name} (status {:?}):\n{}\n{}",
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            )
        });
        results.insert(name.to_string(), bytes);
    }
    results
}

// ---------------------------------------------------------------------------------------------
// A small DOM over quick-xml.
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub enum XNode {
    Element(Element),
    Text(String),
}

#[derive(Debug, Clone, Default)]
pub struct Element {
    pub name: String,
    pub attributes: Vec<(String, String)>,
    pub children: Vec<XNode>,
}

impl Element {
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every descendant element named `name`, in document order.
    pub fn descendants(&self, name: &str) -> Vec<&Element> {
        let mut out = Vec::new();
        fn go<'a>(element: &'a Element, name: &str, out: &mut Vec<&'a Element>) {
            for child in &element.children {
                if let XNode::Element(e) = child {
                    if e.name == name {
                        out.push(e);
                    }
                    go(e, name, out);
                }
            }
        }
        go(self, name, &mut out);
        out
    }

    /// All text below, in order.
    pub fn text(&self) -> String {
        let mut out = String::new();
        fn go(element: &Element, out: &mut String) {
            for child in &element.children {
                match child {
                    XNode::Text(t) => out.push_str(t),
                    XNode::Element(e) => go(e, out),
                }
            }
        }
        go(self, &mut out);
        out
    }
}

pub fn parse(xml: &str) -> Element {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack: Vec<Element> = vec![Element::default()];
    let element = |start: &quick_xml::events::BytesStart<'_>| Element {
        name: start.name().as_ref().to_string(),
        attributes: start
            .attributes()
            .filter_map(Result::ok)
            .map(|a| {
                (
                    a.key.as_ref().to_string(),
                    a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map(|v| v.into_owned())
                        .unwrap_or_default(),
                )
            })
            .collect(),
        children: Vec::new(),
    };
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(start) => stack.push(element(&start)),
            Event::Empty(start) => {
                let e = element(&start);
                stack
                    .last_mut()
                    .expect("a parent")
                    .children
                    .push(XNode::Element(e));
            }
            Event::End(_) => {
                let done = stack.pop().expect("an open element");
                stack
                    .last_mut()
                    .expect("a parent")
                    .children
                    .push(XNode::Element(done));
            }
            Event::Text(text) => {
                let text = text.xml10_content().into_owned();
                stack
                    .last_mut()
                    .expect("a parent")
                    .children
                    .push(XNode::Text(text));
            }
            Event::CData(data) => {
                let text = data.into_inner().into_owned();
                stack
                    .last_mut()
                    .expect("a parent")
                    .children
                    .push(XNode::Text(text));
            }
            Event::GeneralRef(reference) => {
                let text = match reference.resolve_char_ref().ok().flatten() {
                    Some(c) => c.to_string(),
                    None => match &*reference {
                        "amp" => "&".into(),
                        "lt" => "<".into(),
                        "gt" => ">".into(),
                        "quot" => "\"".into(),
                        "apos" => "'".into(),
                        other => format!("&{other};"),
                    },
                };
                stack
                    .last_mut()
                    .expect("a parent")
                    .children
                    .push(XNode::Text(text));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    stack.pop().expect("the root")
}

// ---------------------------------------------------------------------------------------------
// What a flat ODT says.
// ---------------------------------------------------------------------------------------------

/// One tracked change as LibreOffice read it.
#[derive(Debug, Clone)]
pub struct Tracked {
    pub id: String,
    /// `insertion`, `deletion` or `format-change`.
    pub kind: String,
    pub author: String,
    pub date: String,
    /// For deletions: the deleted content.
    content: Option<Element>,
}

pub struct Odt {
    pub root: Element,
    pub changes: HashMap<String, Tracked>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// Every change accepted.
    Accepted,
    /// Every change rejected.
    Rejected,
}

impl Odt {
    pub fn parse(bytes: &[u8]) -> Odt {
        let root = parse(std::str::from_utf8(bytes).expect("UTF-8 flat ODT"));
        let mut changes = HashMap::new();
        for region in root.descendants("text:changed-region") {
            let id = region
                .attribute("text:id")
                .or(region.attribute("xml:id"))
                .unwrap_or_default()
                .to_string();
            for child in &region.children {
                let XNode::Element(change) = child else {
                    continue;
                };
                let kind = change.name.trim_start_matches("text:").to_string();
                let info = change.descendants("office:change-info");
                let info = info.first();
                let author = info
                    .and_then(|i| i.descendants("dc:creator").first().map(|c| c.text()))
                    .unwrap_or_default();
                let date = info
                    .and_then(|i| i.descendants("dc:date").first().map(|c| c.text()))
                    .unwrap_or_default();
                let content = (kind == "deletion").then(|| change.clone());
                changes.insert(
                    id.clone(),
                    Tracked {
                        id: id.clone(),
                        kind,
                        author,
                        date,
                        content,
                    },
                );
            }
        }
        Odt { root, changes }
    }

    pub fn body(&self) -> &Element {
        self.root
            .descendants("office:text")
            .first()
            .copied()
            .expect("office:text")
    }

    /// The text's paragraphs as a reader sees them with every change accepted (or rejected),
    /// without footnotes, comments or list numbers; empty paragraphs left out.
    pub fn paragraphs(&self, view: View) -> Vec<String> {
        let mut walker = Walker {
            odt: self,
            view,
            paragraphs: Vec::new(),
            current: String::new(),
            suppressed: Vec::new(),
            in_paragraph: 0,
        };
        walker.walk(self.body());
        walker.end_paragraph(true);
        walker
            .paragraphs
            .into_iter()
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect()
    }

    /// The footnotes' texts as a reader sees them with every change accepted.
    pub fn footnotes_accepted(&self) -> Vec<String> {
        self.body()
            .descendants("text:note")
            .iter()
            .filter_map(|note| note.descendants("text:note-body").first().copied())
            .map(|body| {
                let mut walker = Walker {
                    odt: self,
                    view: View::Accepted,
                    paragraphs: Vec::new(),
                    current: String::new(),
                    suppressed: Vec::new(),
                    in_paragraph: 0,
                };
                walker.walk(body);
                walker.end_paragraph(true);
                walker.paragraphs.join("\n").trim().to_string()
            })
            .collect()
    }

    /// Comments: (author, text).
    pub fn comments(&self) -> Vec<(String, String)> {
        self.root
            .descendants("office:annotation")
            .iter()
            .map(|a| {
                let author = a
                    .descendants("dc:creator")
                    .first()
                    .map(|c| c.text())
                    .unwrap_or_default();
                let text: Vec<String> = a.descendants("text:p").iter().map(|p| p.text()).collect();
                (author, text.join("\n"))
            })
            .collect()
    }

    /// The node references (`PP1`, `OP2`, `PG1.4`) in front of the paragraphs, in order.
    pub fn references(&self) -> Vec<String> {
        self.body()
            .descendants("text:span")
            .iter()
            .filter(|span| span.attribute("text:style-name") == Some(REFERENCE_STYLE))
            .map(|span| span.text().trim().to_string())
            .collect()
    }

    /// The text of the page footers, fields (page number, page count) as their markers
    /// `{page}` and `{pages}`.
    pub fn footer_text(&self) -> String {
        fn go(element: &Element, out: &mut String) {
            for child in &element.children {
                match child {
                    XNode::Text(t) => out.push_str(t),
                    XNode::Element(e) => match e.name.as_str() {
                        "text:page-number" => out.push_str("{page}"),
                        "text:page-count" => out.push_str("{pages}"),
                        "text:s" => out.push(' '),
                        "text:tab" => out.push('\t'),
                        "text:p" => {
                            go(e, out);
                            out.push('\n');
                        }
                        _ => go(e, out),
                    },
                }
            }
        }
        let mut out = String::new();
        for footer in self.root.descendants("style:footer") {
            go(footer, &mut out);
        }
        out
    }

    /// The text of the page headers.
    pub fn header_text(&self) -> String {
        self.root
            .descendants("style:header")
            .iter()
            .map(|h| h.text())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The text between each change's start and end marks in the body (inserted text, and
    /// deleted text as LibreOffice keeps it), by change id.
    fn marked_texts(&self) -> HashMap<String, String> {
        let mut texts: HashMap<String, String> = HashMap::new();
        let mut open: Vec<String> = Vec::new();
        fn go(
            element: &Element,
            in_paragraph: bool,
            open: &mut Vec<String>,
            texts: &mut HashMap<String, String>,
        ) {
            for child in &element.children {
                match child {
                    XNode::Text(t) if in_paragraph => {
                        for id in open.iter() {
                            texts.entry(id.clone()).or_default().push_str(t);
                        }
                    }
                    XNode::Text(_) => {}
                    XNode::Element(e) => match e.name.as_str() {
                        "text:change-start" => {
                            if let Some(id) = e.attribute("text:change-id") {
                                open.push(id.to_string());
                            }
                        }
                        "text:change-end" => {
                            if let Some(id) = e.attribute("text:change-id") {
                                open.retain(|o| o != id);
                            }
                        }
                        "text:s" if in_paragraph => {
                            let count: usize = e
                                .attribute("text:c")
                                .and_then(|c| c.parse().ok())
                                .unwrap_or(1);
                            for id in open.iter() {
                                texts
                                    .entry(id.clone())
                                    .or_default()
                                    .push_str(&" ".repeat(count));
                            }
                        }
                        "office:annotation" | "text:tracked-changes" | "text:note" => {}
                        "text:p" | "text:h" => go(e, true, open, texts),
                        _ => go(e, in_paragraph, open, texts),
                    },
                }
            }
        }
        go(self.body(), false, &mut open, &mut texts);
        texts
    }

    /// Tracked changes of one kind (`insertion`, `deletion`) as (author, text), sorted.
    pub fn tracked(&self, kind: &str) -> Vec<(String, String)> {
        let texts = self.marked_texts();
        let mut out: Vec<(String, String)> = self
            .changes
            .values()
            .filter(|c| c.kind == kind)
            .map(|c| {
                let mut text = texts.get(&c.id).cloned().unwrap_or_default();
                if let Some(content) = &c.content {
                    let old: Vec<String> = content
                        .descendants("text:p")
                        .iter()
                        .map(|p| p.text())
                        .collect();
                    text.push_str(&old.join("\n"));
                }
                (c.author.clone(), text)
            })
            .collect();
        out.sort();
        out
    }
}

struct Walker<'a> {
    odt: &'a Odt,
    view: View,
    paragraphs: Vec<String>,
    current: String,
    /// Changes we are inside of whose text this view drops: insertions when rejecting,
    /// deletions when accepting.
    suppressed: Vec<String>,
    /// Inside a paragraph (text between block elements is only indentation).
    in_paragraph: usize,
}

impl Walker<'_> {
    fn end_paragraph(&mut self, force: bool) {
        // A paragraph break inside an insertion is itself inserted: rejecting it joins the
        // paragraphs around it.
        if !force && !self.suppressed.is_empty() {
            return;
        }
        let text = std::mem::take(&mut self.current);
        self.paragraphs.push(without_markers(&text));
    }

    fn text(&mut self, text: &str) {
        if self.suppressed.is_empty() && self.in_paragraph > 0 {
            self.current.push_str(text);
        }
    }

    fn walk(&mut self, element: &Element) {
        for child in &element.children {
            match child {
                XNode::Text(t) => self.text(t),
                XNode::Element(e) => self.element(e),
            }
        }
    }

    fn element(&mut self, e: &Element) {
        match e.name.as_str() {
            "text:tracked-changes"
            | "office:annotation"
            | "office:annotation-end"
            | "text:note"
            | "text:number"
            | "text:bookmark"
            | "text:bookmark-start"
            | "text:bookmark-end"
            | "text:soft-page-break"
            | "office:forms"
            | "text:sequence-decls" => {}
            // A node's reference (`OP1`) in front of its text, in the style penholder gives it:
            // not part of the text (see `references`).
            "text:span" if e.attribute("text:style-name") == Some(REFERENCE_STYLE) => {}
            "text:p" | "text:h" => {
                self.in_paragraph += 1;
                self.walk(e);
                self.in_paragraph -= 1;
                self.end_paragraph(false);
            }
            "text:s" => {
                let count: usize = e
                    .attribute("text:c")
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(1);
                self.text(&" ".repeat(count));
            }
            "text:tab" => self.text("\t"),
            "text:line-break" => self.text("\n"),
            "text:change-start" => {
                let dropped = match self.view {
                    View::Accepted => "deletion",
                    View::Rejected => "insertion",
                };
                if let Some(id) = e.attribute("text:change-id")
                    && self.odt.changes.get(id).is_some_and(|c| c.kind == dropped)
                {
                    self.suppressed.push(id.to_string());
                }
            }
            "text:change-end" => {
                if let Some(id) = e.attribute("text:change-id") {
                    self.suppressed.retain(|s| s != id);
                }
            }
            "text:change" => {
                if self.view == View::Rejected
                    && let Some(id) = e.attribute("text:change-id")
                    && let Some(content) = self.odt.changes.get(id).and_then(|c| c.content.clone())
                {
                    let mut first = true;
                    for child in &content.children {
                        let XNode::Element(p) = child else { continue };
                        if p.name != "text:p" && p.name != "text:h" {
                            continue;
                        }
                        if !first {
                            self.end_paragraph(false);
                        }
                        first = false;
                        self.in_paragraph += 1;
                        self.walk(p);
                        self.in_paragraph -= 1;
                    }
                }
            }
            _ => self.walk(e),
        }
    }
}

/// Text without footnote markers (superscript digits), which Word shows as footnote
/// references and our documents keep as characters.
pub fn without_markers(text: &str) -> String {
    text.chars()
        .filter(|c| {
            !matches!(
                c,
                '\u{00B9}' | '\u{00B2}' | '\u{00B3}' | '\u{2070}' | '\u{2074}'..='\u{2079}'
            )
        })
        .collect()
}

/// The cells of the first sheet of a workbook, read from its XML parts (shared strings and
/// inline strings), row by row; rows padded to the same width.
pub fn xlsx_cells(bytes: &[u8]) -> Vec<Vec<String>> {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("an xlsx package");
    let mut part = |name: &str| -> Option<String> {
        let mut file = archive.by_name(name).ok()?;
        let mut text = String::new();
        file.read_to_string(&mut text).ok()?;
        Some(text)
    };
    let shared: Vec<String> = part("xl/sharedStrings.xml")
        .map(|xml| {
            parse(&xml)
                .descendants("si")
                .iter()
                .map(|si| si.descendants("t").iter().map(|t| t.text()).collect())
                .collect()
        })
        .unwrap_or_default();
    let sheet = parse(&part("xl/worksheets/sheet1.xml").expect("the first sheet"));
    let mut rows: Vec<Vec<String>> = Vec::new();
    for row in sheet.descendants("row") {
        let mut cells: Vec<String> = Vec::new();
        for cell in row.descendants("c") {
            let reference = cell.attribute("r").unwrap_or_default();
            let column = reference
                .chars()
                .take_while(|c| c.is_ascii_uppercase())
                .fold(0usize, |n, c| n * 26 + (c as usize - 'A' as usize + 1))
                - 1;
            let value = match cell.attribute("t") {
                Some("s") => cell
                    .descendants("v")
                    .first()
                    .and_then(|v| v.text().parse::<usize>().ok())
                    .and_then(|i| shared.get(i).cloned())
                    .unwrap_or_default(),
                Some("inlineStr") => cell.descendants("t").iter().map(|t| t.text()).collect(),
                _ => cell
                    .descendants("v")
                    .first()
                    .map(|v| v.text())
                    .unwrap_or_default(),
            };
            if cells.len() <= column {
                cells.resize(column + 1, String::new());
            }
            cells[column] = value;
        }
        rows.push(cells);
    }
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    for row in &mut rows {
        row.resize(width, String::new());
    }
    rows
}
