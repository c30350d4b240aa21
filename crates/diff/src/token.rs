//! Lossless tokens: words, runs of spaces, punctuation, footnote markers.
//!
//! Tokens are the segments between Unicode word boundaries (UAX #29, as `unicode-segmentation`
//! finds them), so joining them gives back the input exactly, in any script. Two refinements:
//! a run of superscript digits (`¹`, `¹²`) is a footnote marker and always a token of its own,
//! and ASCII stretches take a fast path that yields exactly the boundaries UAX #29 would (a
//! property test holds the two paths together).
//!
//! Why the fast path is sound: UAX #29 always breaks before a run of U+0020 SPACE and after it
//! unless the next character is an Extend, Format or ZWJ character (WB4), none of which is
//! ASCII; and no rule joins characters across a space. So the text is cut after every space
//! run that is followed by an ASCII character, and each piece is segmented on its own: pure
//! ASCII pieces by the fast path, the others by `unicode-segmentation`.

use unicode_segmentation::UnicodeSegmentation;

/// Splits `text` into tokens; `tokenize(t).concat() == t` for every string.
pub fn tokenize(text: &str) -> Vec<&str> {
    let mut tokens = Vec::with_capacity(text.len() / 3 + 1);
    tokenize_into(text, &mut tokens);
    tokens
}

/// Appends the tokens of `text` to `tokens` (reuses the caller's buffer).
pub fn tokenize_into<'a>(text: &'a str, tokens: &mut Vec<&'a str>) {
    for_each_token(text, &mut |token| tokens.push(token));
}

/// Calls `sink` with every token of `text`, in order, without collecting them.
pub(crate) fn for_each_token<'a>(text: &'a str, sink: &mut impl FnMut(&'a str)) {
    if text.is_ascii() {
        ascii_segments(text, sink);
        return;
    }
    let bytes = text.as_bytes();
    let mut piece_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b' ' {
            let run_start = i;
            while i < bytes.len() && bytes[i] == b' ' {
                i += 1;
            }
            if i == bytes.len() || bytes[i] < 0x80 {
                segment_piece(&text[piece_start..run_start], sink);
                sink(&text[run_start..i]);
                piece_start = i;
            }
        } else {
            i += 1;
        }
    }
    segment_piece(&text[piece_start..], sink);
}

/// True for a token made only of whitespace (spaces, tabs, line breaks, no-break spaces…).
pub fn is_whitespace_token(token: &str) -> bool {
    token.chars().all(char::is_whitespace)
}

fn segment_piece<'a>(piece: &'a str, sink: &mut impl FnMut(&'a str)) {
    if piece.is_empty() {
        return;
    }
    if piece.is_ascii() {
        ascii_segments(piece, sink);
        return;
    }
    // Token ends as byte offsets in `piece`: UAX #29 boundaries, plus a cut wherever a run of
    // superscript digits starts or stops inside a segment (a combining mark after a marker
    // would otherwise glue it to its neighbour through WB4).
    let mut ends: Vec<(usize, bool)> = Vec::new();
    for (at, segment) in piece.split_word_bound_indices() {
        let mut previous: Option<bool> = None;
        for (offset, c) in segment.char_indices() {
            let marker = is_superscript_digit(c);
            if let Some(previous) = previous
                && previous != marker
            {
                ends.push((at + offset, previous));
            }
            previous = Some(marker);
        }
        ends.push((at + segment.len(), previous.unwrap_or(false)));
    }
    // Neighbouring marker segments join: `¹` `²` is footnote 12.
    let mut start = 0;
    let mut index = 0;
    while index < ends.len() {
        let (mut end, marker) = ends[index];
        index += 1;
        if marker {
            while index < ends.len() && ends[index].1 {
                end = ends[index].0;
                index += 1;
            }
        }
        sink(&piece[start..end]);
        start = end;
    }
}

/// Superscript digits used as footnote markers.
pub(crate) fn is_superscript_digit(c: char) -> bool {
    matches!(
        c,
        '\u{00B9}' | '\u{00B2}' | '\u{00B3}' | '\u{2070}' | '\u{2074}'..='\u{2079}'
    )
}

/// The ASCII subset of UAX #29's word boundary rules.
///
/// | class | ASCII |
/// |---|---|
/// | CR, LF, Newline | `\r`, `\n`, VT and FF |
/// | WSegSpace | space |
/// | ALetter, Numeric, ExtendNumLet | letters, digits, `_` (they join: WB5, 8–10, 13a/b) |
/// | MidLetter | `:` (joins two letters: WB6/7) |
/// | MidNumLet, Single_Quote | `.` and `'` (join two letters, or two digits: WB6/7, 11/12) |
/// | MidNum | `,` and `;` (join two digits: WB11/12) |
///
/// Everything else (tab, `"`, other punctuation) is a token of one byte (WB999).
fn ascii_segments<'a>(piece: &'a str, sink: &mut impl FnMut(&'a str)) {
    let bytes = piece.as_bytes();
    let core = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut start = 0;
    while start < bytes.len() {
        let b = bytes[start];
        let mut end = start + 1;
        if b == b' ' {
            while end < bytes.len() && bytes[end] == b' ' {
                end += 1;
            }
        } else if core(b) {
            while end < bytes.len() {
                let next = bytes[end];
                if core(next) {
                    end += 1;
                    continue;
                }
                let (prev, after) = (bytes[end - 1], bytes.get(end + 1).copied());
                let joins = match (next, after) {
                    (b'.' | b'\'' | b':', Some(after))
                        if prev.is_ascii_alphabetic() && after.is_ascii_alphabetic() =>
                    {
                        true
                    }
                    (b'.' | b'\'' | b',' | b';', Some(after))
                        if prev.is_ascii_digit() && after.is_ascii_digit() =>
                    {
                        true
                    }
                    _ => false,
                };
                if joins {
                    end += 2;
                } else {
                    break;
                }
            }
        } else if b == b'\r' && bytes.get(end) == Some(&b'\n') {
            end += 1;
        }
        sink(&piece[start..end]);
        start = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn uax29(text: &str) -> Vec<&str> {
        text.split_word_bounds().collect()
    }

    #[test]
    fn words_spaces_and_punctuation() {
        assert_eq!(
            tokenize("States shall, by 2030, co-operate."),
            [
                "States", " ", "shall", ",", " ", "by", " ", "2030", ",", " ", "co", "-",
                "operate", "."
            ]
        );
        assert_eq!(
            tokenize("e.g. 1,000.5 don't  x\r\ny\t"),
            [
                "e.g", ".", " ", "1,000.5", " ", "don't", "  ", "x", "\r\n", "y", "\t"
            ]
        );
    }

    #[test]
    fn footnote_markers_are_tokens_of_their_own() {
        assert_eq!(
            tokenize("migration¹ and asylum¹² policies"),
            [
                "migration",
                "¹",
                " ",
                "and",
                " ",
                "asylum",
                "¹²",
                " ",
                "policies"
            ]
        );
        assert_eq!(tokenize("a¹\u{301}b"), ["a", "¹", "\u{301}", "b"]);
    }

    #[test]
    fn other_scripts() {
        assert_eq!(
            tokenize("Будапештский процесс"),
            ["Будапештский", " ", "процесс"]
        );
        assert_eq!(
            tokenize("مهاجرت و پناهندگی"),
            ["مهاجرت", " ", "و", " ", "پناهندگی"]
        );
        assert_eq!(tokenize("移民 問題").concat(), "移民 問題");
        assert_eq!(tokenize("café ünd"), ["café", " ", "ünd"]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn lossless_for_any_string(text in any::<String>()) {
            prop_assert_eq!(tokenize(&text).concat(), text);
        }

        #[test]
        fn no_empty_tokens(text in any::<String>()) {
            prop_assert!(tokenize(&text).iter().all(|t| !t.is_empty()));
        }

        #[test]
        fn ascii_fast_path_matches_uax29(text in "[ a-zA-Z0-9_.,;:'\"\t\r\n\x0b\x0c()-]{0,40}") {
            prop_assert_eq!(tokenize(&text), uax29(&text));
        }

        #[test]
        fn mixed_text_matches_uax29_without_markers(
            text in "([ a-z0-9.,:'\t]|é|ü|\u{301}|\u{200d}|\u{2019}|д|ß|中|\u{1F600}|\u{a0}){0,40}"
        ) {
            prop_assert_eq!(tokenize(&text), uax29(&text));
        }
    }
}
