//! The plain text of a Council note that carries a ministerial declaration and its action plan,
//! such as note `8056/24` on the Budapest Process: two documents and the note's metadata.
//!
//! The note's layout, as the Council's registry produces it:
//! - a cover (place and date, number, classification, subject codes, `NOTE`, `From:`, `To:`,
//!   `Subject:`) and a background text: metadata, not part of either document;
//! - the declaration, from its title line (a line ending in `Declaration`): an opening clause
//!   (`WE, the Ministers …`), preambular paragraphs (opening with a participle or an adjective:
//!   `Recognising`, `Concerned`, `Conscious`), operative paragraphs (opening with a verb: `Adopt`,
//!   `Decide`), bullet lists under them, and footnotes whose definitions (`¹ Australia, …`) stand
//!   where the page broke, anchored to the paragraph whose text carries the marker;
//! - the action plan, from its title line (the line before `Priority Goal 1`): priority goals,
//!   each a derived heading `Priority Goal N`, a title line, and numbered actions `1.`, `2.`, ….
//!
//! Paragraphs are separated by blank lines. Text is kept verbatim, inline formatting and footnote
//! markers included; only what is derived from position is dropped (the `Priority Goal N`
//! headings, the action numbers, the bullet dashes and the markers opening footnote definitions).

use crate::ImportError;
use crate::draft::{Arena, Draft};
use penholder_core::{Document, IdSource, NodeKind};
use serde::{Deserialize, Serialize};

/// What the cover of a Council note says about it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteMetadata {
    /// `Brussels`.
    pub place: Option<String>,
    /// `8 May 2024`, as written.
    pub date: Option<String>,
    /// The original language, `OR. en`.
    pub original_language: Option<String>,
    /// The registry number, `8056/24`.
    pub number: Option<String>,
    /// The distribution marking, `LIMITE`.
    pub classification: Option<String>,
    /// The subject codes, `ASIM 31`, `MIGR 135`, ….
    pub codes: Vec<String>,
    /// The kind of document, `NOTE`.
    pub kind: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub subject: Option<String>,
    /// The paragraphs between the cover and the declaration, verbatim.
    pub background: Vec<String>,
}

/// A Council note read: its metadata and the two documents it carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CouncilNote {
    pub metadata: NoteMetadata,
    pub declaration: Document,
    pub call_for_action: Document,
}

const DECLARATION_TITLE: &str = "the title of the declaration, a line ending in `Declaration`";
const CALL_TITLE: &str = "the title of the action plan, a line followed by `Priority Goal 1`";

/// Reads a Council note. Ids come from `ids`: first the declaration's nodes, then the action
/// plan's, each in document order.
pub fn import_council_note(text: &str, ids: &mut IdSource) -> Result<CouncilNote, ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let normalised = text.replace("\r\n", "\n");
    let lines: Vec<Line> = normalised
        .split('\n')
        .enumerate()
        .map(|(index, text)| Line {
            number: index + 1,
            text: text.trim_end(),
        })
        .collect();
    let last_line = last_text_line(&lines);

    let declaration_start = lines
        .iter()
        .position(|line| is_title_line(&lines, line) && line.text.trim().ends_with("Declaration"))
        .ok_or_else(|| ImportError::end(last_line, DECLARATION_TITLE))?;
    let call_start = (declaration_start + 1..lines.len())
        .find(|&i| {
            is_title_line(&lines, &lines[i])
                && next_non_blank(&lines, i + 1)
                    .is_some_and(|next| goal_heading(next.text) == Some("1"))
        })
        .ok_or_else(|| ImportError::end(last_line, CALL_TITLE))?;

    let metadata = read_cover(&lines[..declaration_start]);
    let declaration = read_declaration(&lines[declaration_start..call_start])?;
    let call_for_action = read_call_for_action(&lines[call_start..])?;
    Ok(CouncilNote {
        metadata,
        declaration: declaration.into_document(ids),
        call_for_action: call_for_action.into_document(ids),
    })
}

#[derive(Clone, Copy, Debug)]
struct Line<'a> {
    number: usize,
    text: &'a str,
}

impl Line<'_> {
    fn is_blank(&self) -> bool {
        self.text.trim().is_empty()
    }
}

/// A line standing alone (blank lines around it), short, without closing punctuation.
fn is_title_line(lines: &[Line], line: &Line) -> bool {
    let text = line.text.trim();
    let index = line.number - 1;
    let alone = (index == 0 || lines[index - 1].is_blank())
        && lines.get(index + 1).is_none_or(|next| next.is_blank());
    alone
        && !text.is_empty()
        && text.chars().count() <= 120
        && !text.ends_with(['.', ';', ':', ','])
}

fn next_non_blank<'a>(lines: &[Line<'a>], from: usize) -> Option<Line<'a>> {
    lines
        .iter()
        .skip(from)
        .find(|line| !line.is_blank())
        .copied()
}

/// `Priority Goal 3` → `3`.
fn goal_heading(text: &str) -> Option<&str> {
    let number = text.trim().strip_prefix("Priority Goal ")?;
    (!number.is_empty() && number.chars().all(|c| c.is_ascii_digit())).then_some(number)
}

fn read_cover(lines: &[Line]) -> NoteMetadata {
    let mut metadata = NoteMetadata::default();
    let mut paragraph: Vec<&str> = Vec::new();
    let mut after_subject = false;
    let flush = |paragraph: &mut Vec<&str>, metadata: &mut NoteMetadata| {
        if !paragraph.is_empty() {
            metadata.background.push(paragraph.join("\n"));
            paragraph.clear();
        }
    };
    for line in lines {
        if line.is_blank() {
            flush(&mut paragraph, &mut metadata);
            continue;
        }
        if after_subject {
            paragraph.push(line.text);
            continue;
        }
        let text = line.text.trim().trim_matches('*').trim();
        if text.is_empty() {
            continue;
        }
        let field = |name: &str| {
            text.strip_prefix(name)
                .map(|rest| rest.trim().to_string())
                .filter(|rest| !rest.is_empty())
        };
        if let Some(from) = field("From:") {
            metadata.from = Some(from);
        } else if let Some(to) = field("To:") {
            metadata.to = Some(to);
        } else if let Some(subject) = field("Subject:") {
            metadata.subject = Some(subject);
            after_subject = true;
        } else if let Some(language) = text.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
            metadata.original_language = Some(language.to_string());
        } else if is_registry_number(text) {
            metadata.number = Some(text.to_string());
        } else if let Some((place, date)) = place_and_date(text) {
            metadata.place = Some(place.to_string());
            metadata.date = Some(date.to_string());
        } else if text == "NOTE" || text.ends_with(" NOTE") {
            metadata.kind = Some(text.to_string());
        } else if is_subject_code(text) {
            metadata.codes.push(text.to_string());
        } else if text
            .chars()
            .all(|c| c.is_uppercase() || c == ' ' || c == '/')
        {
            metadata.classification = Some(text.to_string());
        } else {
            paragraph.push(line.text);
        }
    }
    flush(&mut paragraph, &mut metadata);
    metadata
}

/// `8056/24`.
fn is_registry_number(text: &str) -> bool {
    text.split_once('/').is_some_and(|(number, year)| {
        !number.is_empty()
            && number.chars().all(|c| c.is_ascii_digit())
            && year.len() == 2
            && year.chars().all(|c| c.is_ascii_digit())
    })
}

/// `ASIM 31`: an upper-case code and a number.
fn is_subject_code(text: &str) -> bool {
    text.split_once(' ').is_some_and(|(code, number)| {
        !code.is_empty()
            && code.chars().all(|c| c.is_ascii_uppercase())
            && !number.is_empty()
            && number.chars().all(|c| c.is_ascii_digit())
    })
}

/// `Brussels, 8 May 2024` → (`Brussels`, `8 May 2024`).
fn place_and_date(text: &str) -> Option<(&str, &str)> {
    let (place, date) = text.split_once(", ")?;
    let words: Vec<&str> = date.split(' ').collect();
    let is_date = words.len() == 3
        && words[0].chars().all(|c| c.is_ascii_digit())
        && words[1].chars().all(char::is_alphabetic)
        && words[2].len() == 4
        && words[2].chars().all(|c| c.is_ascii_digit());
    (is_date && !place.is_empty()).then_some((place, date))
}

/// A document under construction, with the source line of each node (footnotes are matched to
/// the nearest node carrying their marker).
struct Flat {
    title: String,
    arena: Arena,
    lines: Vec<usize>,
}

impl Flat {
    fn new(title: String) -> Self {
        Flat {
            title,
            arena: Arena::default(),
            lines: Vec::new(),
        }
    }

    fn push(&mut self, line: usize, parent: Option<usize>, draft: Draft) -> usize {
        self.lines.push(line);
        self.arena.push(parent, draft)
    }

    fn text_mut(&mut self, index: usize) -> Option<&mut String> {
        self.arena.draft_mut(index).map(|draft| &mut draft.text)
    }

    /// The tree, each text's Markdown emphasis (the note's `**Priority 1:**`) read into marks.
    fn into_document(self, ids: &mut IdSource) -> Document {
        fn emphasize(drafts: &mut [Draft]) {
            for draft in drafts {
                let (text, marks) = crate::emphasis::read_emphasis(&draft.text);
                draft.text = text;
                draft.marks = marks;
                emphasize(&mut draft.children);
            }
        }
        let mut drafts = self.arena.into_drafts();
        emphasize(&mut drafts);
        Document::new(self.title, Draft::into_nodes(drafts, ids))
    }
}

fn is_superscript_digit(c: char) -> bool {
    matches!(c, '⁰' | '¹' | '²' | '³' | '⁴' | '⁵' | '⁶' | '⁷' | '⁸' | '⁹')
}

/// `¹ Australia, …` → (`¹`, `Australia, …`).
fn footnote_definition(text: &str) -> Option<(&str, &str)> {
    let marker_end = text
        .char_indices()
        .find(|&(_, c)| !is_superscript_digit(c))
        .map_or(text.len(), |(i, _)| i);
    let (marker, rest) = text.split_at(marker_end);
    let body = rest.trim_start();
    (!marker.is_empty() && body.len() < rest.len() && !body.is_empty()).then_some((marker, body))
}

/// Whether `text` carries the footnote marker `marker` (a run of superscript digits that is not
/// part of a longer run: `¹` is not in `¹²`).
fn carries_marker(text: &str, marker: &str) -> bool {
    text.match_indices(marker).any(|(start, _)| {
        let before = text[..start].chars().next_back();
        let after = text[start + marker.len()..].chars().next();
        !before.is_some_and(is_superscript_digit) && !after.is_some_and(is_superscript_digit)
    })
}

fn bullet(text: &str) -> Option<&str> {
    ["- ", "• ", "* ", "– "]
        .iter()
        .find_map(|b| text.strip_prefix(b))
}

/// `12. Strengthen …` → (`12.`, `Strengthen …`).
fn numbered(text: &str) -> Option<(&str, &str)> {
    let digits = text.len() - text.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 {
        return None;
    }
    let rest = text[digits..].strip_prefix('.')?;
    let body = rest.trim_start();
    (body.len() < rest.len()).then(|| (&text[..=digits], body))
}

/// The first word of a paragraph, without punctuation.
fn first_words(text: &str) -> (String, String) {
    let mut words = text
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphabetic()).to_lowercase());
    (
        words.next().unwrap_or_default(),
        words.next().unwrap_or_default(),
    )
}

/// Whether a paragraph opens the way preambular paragraphs do: with a participle
/// (`Recognising`, `Gathered`) or one of the adjectives of the preamble (`Conscious`).
fn is_preambular_opening(text: &str) -> bool {
    const ADJECTIVES: [&str; 10] = [
        "conscious",
        "aware",
        "mindful",
        "cognizant",
        "cognisant",
        "desirous",
        "keen",
        "alarmed",
        "grateful",
        "eager",
    ];
    const ADVERBS: [&str; 6] = ["deeply", "further", "also", "fully", "firmly", "gravely"];
    let participle_or_adjective = |word: &str| {
        word.chars().count() > 4 && (word.ends_with("ing") || word.ends_with("ed"))
            || ADJECTIVES.contains(&word)
    };
    let (first, second) = first_words(text);
    participle_or_adjective(&first)
        || ADVERBS.contains(&first.as_str()) && participle_or_adjective(&second)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    Opening,
    Preamble,
    Operative,
}

fn read_declaration(lines: &[Line]) -> Result<Flat, ImportError> {
    let mut flat = Flat::new(
        lines
            .first()
            .map(|l| l.text.trim().to_string())
            .unwrap_or_default(),
    );
    let mut stage = Stage::Opening;
    let mut footnotes: Vec<(usize, String, String)> = Vec::new();
    // The node the current line continues, and the last paragraph (which bullets go under).
    let mut current: Option<Current> = None;
    let mut last_paragraph: Option<usize> = None;
    let mut previous_blank = true;
    for line in lines.iter().skip(1) {
        if line.is_blank() {
            previous_blank = true;
            continue;
        }
        let text = line.text.trim();
        if let Some((marker, body)) = footnote_definition(text) {
            footnotes.push((line.number, marker.to_string(), body.to_string()));
            current = Some(Current::Footnote(footnotes.len() - 1));
        } else if let Some(body) = bullet(text) {
            let Some(parent) = last_paragraph else {
                return Err(ImportError::unexpected(
                    line.number,
                    "a paragraph before the first bullet",
                    text,
                ));
            };
            let index = flat.push(line.number, Some(parent), Draft::new(NodeKind::Item, body));
            current = Some(Current::Entry(index));
        } else if !previous_blank && current.is_some() {
            match current {
                Some(Current::Entry(index)) => {
                    if let Some(previous) = flat.text_mut(index) {
                        push_line(previous, text);
                    }
                }
                Some(Current::Footnote(index)) => push_line(&mut footnotes[index].2, text),
                None => {}
            }
        } else {
            let preambular = is_preambular_opening(text);
            stage = match (stage, preambular) {
                (Stage::Opening, true) => Stage::Preamble,
                (Stage::Preamble, false) => Stage::Operative,
                (stage, _) => stage,
            };
            let kind = match stage {
                Stage::Opening => NodeKind::Paragraph,
                Stage::Preamble => NodeKind::Preambular,
                Stage::Operative => NodeKind::Operative,
            };
            let index = flat.push(line.number, None, Draft::new(kind, text));
            last_paragraph = Some(index);
            current = Some(Current::Entry(index));
        }
        previous_blank = false;
    }
    if flat.arena.is_empty() {
        return Err(ImportError::end(
            last_text_line(lines),
            "the paragraphs of the declaration",
        ));
    }
    for (line, marker, text) in footnotes {
        let carriers: Vec<(usize, usize)> = flat
            .arena
            .drafts()
            .filter(|(_, d)| d.kind != NodeKind::Footnote && carries_marker(&d.text, &marker))
            .map(|(index, _)| (index, flat.lines[index]))
            .collect();
        let before = carriers.iter().rfind(|(_, at)| *at < line);
        let after = || carriers.iter().find(|(_, at)| *at > line);
        let Some(&(parent, _)) = before.or_else(after) else {
            return Err(ImportError::FootnoteWithoutMarker { line, marker });
        };
        flat.push(line, Some(parent), Draft::new(NodeKind::Footnote, text));
    }
    Ok(flat)
}

/// The number of the last line with text (the line an error at the end points at).
fn last_text_line(lines: &[Line]) -> usize {
    lines
        .iter()
        .rev()
        .find(|line| !line.is_blank())
        .or(lines.last())
        .map_or(1, |line| line.number)
}

#[derive(Clone, Copy)]
enum Current {
    Entry(usize),
    Footnote(usize),
}

fn push_line(text: &mut String, line: &str) {
    text.push('\n');
    text.push_str(line);
}

fn read_call_for_action(lines: &[Line]) -> Result<Flat, ImportError> {
    let mut flat = Flat::new(
        lines
            .first()
            .map(|l| l.text.trim().to_string())
            .unwrap_or_default(),
    );
    let mut goal: Option<usize> = None;
    let mut goals = 0usize;
    let mut actions = 0usize;
    let mut current: Option<usize> = None;
    let mut previous_blank = true;
    for line in lines.iter().skip(1) {
        if line.is_blank() {
            previous_blank = true;
            continue;
        }
        let text = line.text.trim();
        if let Some(number) = goal_heading(text) {
            let expected = (goals + 1).to_string();
            if number != expected {
                return Err(ImportError::unexpected(
                    line.number,
                    format!("`Priority Goal {expected}`"),
                    text,
                ));
            }
            if let Some(index) = goal
                && flat.text_mut(index).is_some_and(|t| t.is_empty())
            {
                return Err(ImportError::unexpected(
                    line.number,
                    format!("the title line of Priority Goal {goals}"),
                    text,
                ));
            }
            goals += 1;
            actions = 0;
            goal = Some(flat.push(line.number, None, Draft::new(NodeKind::Goal, "")));
            current = None;
        } else if let Some(goal_index) = goal {
            let title = flat.text_mut(goal_index);
            if title.as_ref().is_some_and(|t| t.is_empty()) {
                if numbered(text).is_some() {
                    return Err(ImportError::unexpected(
                        line.number,
                        format!("the title line of Priority Goal {goals} before its actions"),
                        text,
                    ));
                }
                if let Some(title) = title {
                    *title = text.to_string();
                }
                current = Some(goal_index);
            } else if let Some((number, body)) = numbered(text) {
                actions += 1;
                // An action numbered as its position says keeps no number of its own; any
                // other numbering is kept verbatim rather than lost.
                let num = (number != format!("{actions}.")).then(|| number.to_string());
                let draft = Draft::new(NodeKind::Action, body).with_num(num);
                current = Some(flat.push(line.number, Some(goal_index), draft));
            } else if let (false, Some(previous)) = (
                previous_blank,
                current.and_then(|index| flat.text_mut(index)),
            ) {
                push_line(previous, text);
            } else {
                return Err(ImportError::unexpected(
                    line.number,
                    format!(
                        "a numbered action of Priority Goal {goals}, such as `{}. …`",
                        actions + 1
                    ),
                    text,
                ));
            }
        } else {
            return Err(ImportError::unexpected(
                line.number,
                "`Priority Goal 1`",
                text,
            ));
        }
        previous_blank = false;
    }
    if let Some(index) = goal
        && flat.text_mut(index).is_some_and(|t| t.is_empty())
    {
        return Err(ImportError::end(
            last_text_line(lines),
            format!("the title line of Priority Goal {goals}"),
        ));
    }
    Ok(flat)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn import(text: &str) -> Result<CouncilNote, ImportError> {
        import_council_note(text, &mut IdSource::new(1, 0))
    }

    const SMALL: &str = "8056/24\n\nLIMITE\n\nNOTE\n\nSubject:\tA test\n\nSome background.\n\nThe Ministerial Declaration\n\nWE, the Ministers of Ruritania¹;\n\nRecognising the work²;\n\n¹ Observers.\n\n² A second note.\n\nAdopt the plan:\n\n- one;\n- two.\n\nThe Call for Action\n\nPriority Goal 1\n\nPrevent things\n\n1. Do a;\n2. Do b.\n";

    #[test]
    fn a_small_note_gives_both_documents() {
        let note = import(SMALL).unwrap();
        assert_eq!(note.metadata.number.as_deref(), Some("8056/24"));
        assert_eq!(note.metadata.classification.as_deref(), Some("LIMITE"));
        assert_eq!(note.metadata.background, vec!["Some background."]);
        let d = &note.declaration;
        assert_eq!(d.title, "The Ministerial Declaration");
        let kinds: Vec<_> = d.walk().iter().map(|v| v.node.kind).collect();
        use NodeKind::*;
        assert_eq!(
            kinds,
            [
                Paragraph, Footnote, Preambular, Footnote, Operative, Item, Item
            ]
        );
        assert_eq!(d.nodes[0].children[0].text, "Observers.");
        let c = &note.call_for_action;
        assert_eq!(c.nodes[0].text, "Prevent things");
        assert_eq!(c.nodes[0].children[1].text, "Do b.");
        assert_eq!(c.nodes[0].children[1].num, None);
    }

    fn check_error(text: &str, line: usize, fragment: &str) {
        let error = import(text).unwrap_err();
        assert_eq!(error.line(), line, "{error}");
        assert!(error.to_string().contains(fragment), "{error}");
    }

    #[test]
    fn errors_name_the_line_and_what_was_expected() {
        check_error("", 1, "a line ending in `Declaration`");
        check_error(
            "The Declaration\n\nWE;\n",
            3,
            "followed by `Priority Goal 1`",
        );
        check_error(
            "The Declaration\n\n- bullet\n\nPlan\n\nPriority Goal 1\n\nT\n",
            3,
            "a paragraph before",
        );
        check_error(
            "The Declaration\n\nWE⁷;\n\n⁸ Note.\n\nPlan\n\nPriority Goal 1\n\nT\n",
            5,
            "marker ⁸",
        );
        check_error(
            "The Declaration\n\nWE;\n\nPlan\n\nPriority Goal 1\n\nT\n\nPriority Goal 3\n",
            11,
            "`Priority Goal 2`",
        );
        check_error(
            "The Declaration\n\nWE;\n\nPlan\n\nPriority Goal 1\n\n1. Act\n",
            9,
            "title line",
        );
        check_error(
            "The Declaration\n\nWE;\n\nPlan\n\nPriority Goal 1\n",
            7,
            "title line",
        );
        check_error(
            "The Declaration\n\nWE;\n\nPlan\n\nPriority Goal 1\n\nT\n\nloose\n",
            11,
            "numbered action",
        );
    }

    #[test]
    fn markers_are_matched_as_whole_runs() {
        assert!(carries_marker("Region²;", "²"));
        assert!(!carries_marker("Region¹²;", "²"));
        assert!(carries_marker("a¹² b", "¹²"));
        assert_eq!(footnote_definition("¹² Text"), Some(("¹²", "Text")));
        assert_eq!(footnote_definition("¹²Text"), None);
        assert_eq!(footnote_definition("Text"), None);
    }

    #[test]
    fn preambular_openings() {
        for text in [
            "Recognising x",
            "Gathered in",
            "Conscious that",
            "Taking into account",
            "Deeply concerned",
            "Concerned about",
        ] {
            assert!(is_preambular_opening(text), "{text}");
        }
        for text in [
            "Adopt the",
            "Agree equally",
            "Decide to",
            "Commit ourselves",
            "WE, the",
        ] {
            assert!(!is_preambular_opening(text), "{text}");
        }
    }
}
