//! The markup of one PubMed XML record, read token by token: what the record parser needs
//! of an XML reader and no more.
//!
//! quick-xml's general reader built an event for every tag and copied each open element's
//! name into a stack of its own: with the subtrees medlit steps over, a quarter of the
//! parsing thread's time (perf, 20k generated real-size records). Here a bare tag name is
//! read eight bytes at a time (a `>` outside quotes is searched for only when attributes
//! follow), the indentation between tags is counted rather than searched through, an
//! end tag is first compared with the open element's name, open elements are spans of the
//! record, and attributes are left to quick-xml, parsed only for the few elements whose
//! attributes medlit reads. `parse_record` over 20k real-size records, one thread: 691 →
//! 608 ms (fastest of 7 runs, −12%).
//!
//! Well-formedness is checked as quick-xml (with `check_end_names`) checked it, with its
//! messages: an end tag must close the element open, and tags, comments, CDATA sections,
//! processing instructions and DOCTYPE declarations must be closed; quotes in a tag hide
//! `>`. Elements nested deeper than [`MAX_DEPTH`] are refused. The subtrees medlit steps
//! over ([`Tokens::skip_element`]) are only searched for their end tag.

use memchr::{memchr, memchr2, memchr3, memmem};

use super::MAX_DEPTH;

/// One piece of a record's markup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token<'a> {
    /// `<name …>`, or `<name …/>` when `empty`: `tag` is what lies between `<` and `>` (or
    /// `/>`), its first `name_len` bytes the element's name.
    Start {
        tag: &'a [u8],
        name_len: usize,
        empty: bool,
    },
    /// `</name>`, checked to close the element open.
    End { name: &'a [u8] },
    /// Character data between markup, as written (entities not expanded), starting at byte
    /// `at` of the record; `escaped` when it holds a `&` (an entity or character reference
    /// to expand), found by the same search as its end.
    Text {
        text: &'a [u8],
        at: usize,
        escaped: bool,
    },
    /// What a `<![CDATA[…]]>` section holds.
    CData(&'a [u8]),
}

/// Where a record's markup stops being well-formed, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    /// Byte of the record where the faulty markup starts.
    pub at: usize,
    /// What is wrong, in quick-xml's words.
    pub reason: String,
}

/// A reader of a record's markup (see the module docs).
pub struct Tokens<'a> {
    bytes: &'a [u8],
    /// The next byte to read.
    at: usize,
    /// Where the names of the elements open now lie in `bytes`, outermost first.
    open: Vec<(usize, usize)>,
}

impl<'a> Tokens<'a> {
    /// A reader at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Tokens<'a> {
        Tokens {
            bytes,
            at: 0,
            open: Vec::with_capacity(16),
        }
    }

    /// The next token, `None` at the end of the record. Comments, processing instructions
    /// and DOCTYPE declarations are checked and stepped over.
    #[inline(always)]
    pub fn next_token(&mut self) -> Result<Option<Token<'a>>, Malformed> {
        loop {
            let bytes = self.bytes;
            let start = self.at;
            let Some(&first) = bytes.get(start) else {
                return Ok(None);
            };
            if first != b'<' {
                let indentation = match first {
                    b'\n' => indentation_before_tag(bytes, start + 1),
                    _ => None,
                };
                if let Some(end) = indentation {
                    self.at = end;
                    return Ok(Some(Token::Text {
                        text: &bytes[start..end],
                        at: start,
                        escaped: false,
                    }));
                }
                let rest = &bytes[start..];
                let (end, escaped) = match memchr2(b'<', b'&', rest) {
                    Some(amp) if rest[amp] == b'&' => {
                        let lt = memchr(b'<', &rest[amp..]).map(|n| amp + n);
                        (lt.map_or(bytes.len(), |n| start + n), true)
                    }
                    Some(lt) => (start + lt, false),
                    None => (bytes.len(), false),
                };
                self.at = end;
                return Ok(Some(Token::Text {
                    text: &bytes[start..end],
                    at: start,
                    escaped,
                }));
            }
            let token = match bytes.get(start + 1) {
                Some(b'/') => Some(self.end_tag(start)?),
                Some(b'!') => self.bang(start)?,
                Some(b'?') => {
                    self.step_past(start, b"?>", start + 2, UNCLOSED_PI)?;
                    None
                }
                _ => Some(self.start_tag(start)?),
            };
            if token.is_some() {
                return Ok(token);
            }
        }
    }

    /// Steps over the element whose start tag was just read (not an empty one), to the end of
    /// the end tag that closes it. Only that end tag is looked for, from one `<` to the next:
    /// elements of the same name nested inside are counted, and comments, CDATA sections and
    /// processing instructions are stepped over whole, but no other markup inside is checked
    /// (in well-formed XML no `<` hides in an attribute value). Checking it as
    /// [`Self::next_token`] does cost 9% of the parsing of a generated PubMed record.
    pub fn skip_element(&mut self) -> Result<(), Malformed> {
        let Some((from, to)) = self.open.pop() else {
            return Ok(());
        };
        let bytes = self.bytes;
        let name = &bytes[from..to];
        let mut nested = 0usize;
        let mut at = self.at;
        loop {
            let start = at + memchr(b'<', &bytes[at..]).ok_or_else(|| never_closed(from, name))?;
            match bytes.get(start + 1) {
                Some(b'/') if !names_element(bytes, start + 2, name) => at = start + 2,
                Some(b'/') => {
                    let after = start + 2 + name.len();
                    let close = after
                        + memchr(b'>', &bytes[after..])
                            .ok_or_else(|| syntax_error(start, UNCLOSED_TAG))?;
                    if nested == 0 {
                        self.at = close + 1;
                        return Ok(());
                    }
                    nested -= 1;
                    at = close + 1;
                }
                Some(b'!') => {
                    self.bang(start)?;
                    at = self.at;
                }
                Some(b'?') => {
                    self.step_past(start, b"?>", start + 2, UNCLOSED_PI)?;
                    at = self.at;
                }
                Some(_) if names_element(bytes, start + 1, name) => {
                    let close = tag_end(bytes, start + 1)
                        .ok_or_else(|| syntax_error(start, UNCLOSED_TAG))?;
                    if bytes[close - 1] != b'/' {
                        nested += 1;
                    }
                    at = close + 1;
                }
                _ => at = start + 1,
            }
        }
    }

    /// `<name …>` or `<name …/>` at `start`.
    #[inline(always)]
    fn start_tag(&mut self, start: usize) -> Result<Token<'a>, Malformed> {
        let bytes = self.bytes;
        // Most tags are a bare name (`<Year>`, `<ReferenceList/>`): read it a word at a time,
        // and search for a `>` outside quotes only when something else follows it.
        let bare_end = bare_name_end(bytes, start + 1);
        let close = match bytes.get(bare_end) {
            Some(b'>') => bare_end,
            _ => tag_end(bytes, start + 1).ok_or_else(|| syntax_error(start, UNCLOSED_TAG))?,
        };
        self.at = close + 1;
        let content = &bytes[start + 1..close];
        let (tag, empty) = match content.strip_suffix(b"/") {
            Some(tag) => (tag, true),
            None => (content, false),
        };
        let name_len = if close == bare_end {
            tag.len()
        } else {
            tag.iter()
                .position(|&b| is_whitespace(b))
                .unwrap_or(tag.len())
        };
        if !empty {
            if self.open.len() >= MAX_DEPTH {
                return Err(Malformed {
                    at: start,
                    reason: format!("elements nested deeper than {MAX_DEPTH} levels"),
                });
            }
            self.open.push((start + 1, start + 1 + name_len));
        }
        Ok(Token::Start {
            tag,
            name_len,
            empty,
        })
    }

    /// `</name>` at `start`, which must close the element open.
    #[inline(always)]
    fn end_tag(&mut self, start: usize) -> Result<Token<'a>, Malformed> {
        let bytes = self.bytes;
        if let Some(&(from, to)) = self.open.last() {
            // The usual case, `</name>` of the element open, without a search.
            let name = &bytes[from..to];
            let after = start + 2 + name.len();
            if bytes.get(after) == Some(&b'>') && same_name(&bytes[start + 2..after], name) {
                self.open.pop();
                self.at = after + 1;
                return Ok(Token::End { name });
            }
        }
        let close = memchr(b'>', &bytes[start..])
            .map(|n| start + n)
            .ok_or_else(|| syntax_error(start, UNCLOSED_TAG))?;
        self.at = close + 1;
        let written = &bytes[start + 2..close];
        let name_end = written
            .iter()
            .rposition(|&b| !is_whitespace(b))
            .map_or(written.len(), |last| last + 1);
        let name = &written[..name_end];
        match self.open.pop() {
            Some((from, to)) if &bytes[from..to] == name => Ok(Token::End { name }),
            Some((from, to)) => Err(Malformed {
                at: start,
                reason: format!(
                    "ill-formed document: expected `</{}>`, but `</{}>` was found",
                    String::from_utf8_lossy(&bytes[from..to]),
                    String::from_utf8_lossy(name)
                ),
            }),
            None => Err(Malformed {
                at: start,
                reason: format!(
                    "ill-formed document: close tag `</{}>` does not match any open tag",
                    String::from_utf8_lossy(name)
                ),
            }),
        }
    }

    /// `<!` at `start`: a comment or a DOCTYPE declaration (stepped over, `None`) or a CDATA
    /// section.
    fn bang(&mut self, start: usize) -> Result<Option<Token<'a>>, Malformed> {
        let rest = &self.bytes[start..];
        if rest.starts_with(b"<!--") {
            self.step_past(start, b"-->", start + 4, UNCLOSED_COMMENT)?;
            Ok(None)
        } else if rest.starts_with(b"<![CDATA[") {
            let from = start + 9;
            self.step_past(start, b"]]>", from, UNCLOSED_CDATA)?;
            Ok(Some(Token::CData(&self.bytes[from..self.at - 3])))
        } else if rest.len() >= 9 && rest[2..9].eq_ignore_ascii_case(b"DOCTYPE") {
            self.at = doctype_end(self.bytes, start + 9)
                .ok_or_else(|| syntax_error(start, UNCLOSED_DOCTYPE))?
                + 1;
            Ok(None)
        } else {
            Err(syntax_error(start, "unknown or missed symbol in markup"))
        }
    }

    /// Moves past the first `closing` at or after `from`; `unclosed` is the syntax error
    /// when there is none, reported at `start`.
    fn step_past(
        &mut self,
        start: usize,
        closing: &[u8],
        from: usize,
        unclosed: &str,
    ) -> Result<(), Malformed> {
        let found = self
            .bytes
            .get(from..)
            .and_then(|rest| memmem::find(rest, closing));
        match found {
            Some(n) => {
                self.at = from + n + closing.len();
                Ok(())
            }
            None => Err(syntax_error(start, unclosed)),
        }
    }
}

/// quick-xml's syntax errors for markup that is never closed.
const UNCLOSED_TAG: &str = "tag not closed: `>` not found before end of input";
const UNCLOSED_PI: &str =
    "processing instruction or xml declaration not closed: `?>` not found before end of input";
const UNCLOSED_COMMENT: &str = "comment not closed: `-->` not found before end of input";
const UNCLOSED_CDATA: &str = "CDATA not closed: `]]>` not found before end of input";
const UNCLOSED_DOCTYPE: &str = "DOCTYPE not closed: `>` not found before end of input";

/// The syntax error `what` at byte `at`, in quick-xml's words.
fn syntax_error(at: usize, what: &str) -> Malformed {
    Malformed {
        at,
        reason: format!("syntax error: {what}"),
    }
}

/// XML's white space.
pub(super) const fn is_whitespace(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\r' | b'\n')
}

/// The error for an element whose name starts at `name_at` and that is not closed before the
/// end of the record.
fn never_closed(name_at: usize, name: &[u8]) -> Malformed {
    Malformed {
        at: name_at - 1,
        reason: format!(
            "ill-formed document: `<{}>` is not closed before the end of the record",
            String::from_utf8_lossy(name)
        ),
    }
}

/// The first byte from `from` on that is white space, `>` or a quote (`bytes.len()` if
/// none): where the name of a tag starting at `from` ends, or where its bare form stops.
/// Eight bytes are looked at a time, the usual name in one or two words, rather than byte by
/// byte.
#[inline(always)]
fn bare_name_end(bytes: &[u8], from: usize) -> usize {
    let is_end = |b: u8| is_whitespace(b) || matches!(b, b'>' | b'"' | b'\'');
    let mut at = from;
    while let Some(word) = bytes.get(at..).and_then(|rest| rest.first_chunk::<8>()) {
        let candidates = name_end_candidates(u64::from_le_bytes(*word));
        if candidates != 0 {
            // Little-endian: the lowest flagged byte is the first candidate.
            let first = at + (candidates.trailing_zeros() / 8) as usize;
            if is_end(bytes[first]) {
                return first;
            }
            // A control byte, which is part of the name: the byte-by-byte walk decides.
            at = first;
            break;
        }
        at += 8;
    }
    at + bytes[at..]
        .iter()
        .position(|&b| is_end(b))
        .unwrap_or(bytes.len() - at)
}

/// The high bit of each byte of `word` (little-endian) that is a space or below it, `>`, `"`
/// or `'`, exact up to the first such byte (see [`bytes_below`]).
#[inline(always)]
fn name_end_candidates(word: u64) -> u64 {
    bytes_below(word, b' ' + 1)
        | bytes_equal(word, b'>')
        | bytes_equal(word, b'"')
        | bytes_equal(word, b'\'')
}

/// Ones in each byte of a word.
const ONES: u64 = u64::from_le_bytes([1; 8]);
/// The high bit of each byte of a word.
const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);

/// The high bit of each byte of `word` below `limit` (at most 0x80): exact up to the first
/// such byte, and zero when there is none; bits above the first may be set wrongly, by the
/// borrows of the subtraction (SWAR), so only the lowest is read, or whether any is.
#[inline(always)]
fn bytes_below(word: u64, limit: u8) -> u64 {
    word.wrapping_sub(ONES * u64::from(limit)) & !word & HIGHS
}

/// The high bit of each byte of `word` equal to `byte`, exact as [`bytes_below`] is.
#[inline(always)]
pub(super) fn bytes_equal(word: u64, byte: u8) -> u64 {
    bytes_below(word ^ (ONES * u64::from(byte)), 1)
}

/// Where the spaces from `at` end, if a tag follows them: the end of the indentation that
/// makes up most texts between tags (a line break, then spaces). Counting the spaces eight at
/// a time spares the call to `memchr2`, whose set-up outweighs its search on a dozen bytes
/// (tokenizing a record: -7% instructions, -4% time). `None` sends any other text, and the
/// last few bytes of a record, to the general search.
#[inline(always)]
fn indentation_before_tag(bytes: &[u8], at: usize) -> Option<usize> {
    const SPACES: u64 = u64::from_le_bytes([b' '; 8]);
    let mut end = at;
    loop {
        let word = bytes.get(end..)?.first_chunk::<8>()?;
        let not_spaces = u64::from_le_bytes(*word) ^ SPACES;
        if not_spaces != 0 {
            // Little-endian: the lowest nonzero byte is the first byte that is not a space.
            end += (not_spaces.trailing_zeros() / 8) as usize;
            break;
        }
        end += 8;
    }
    (bytes.get(end) == Some(&b'<')).then_some(end)
}

/// Whether the tag name at `at` of `bytes` is `name`: `name`, then white space, `>` or `/`.
fn names_element(bytes: &[u8], at: usize, name: &[u8]) -> bool {
    let after = at + name.len();
    bytes
        .get(at..after)
        .is_some_and(|written| same_name(written, name))
        && bytes
            .get(after)
            .is_some_and(|&b| is_whitespace(b) || matches!(b, b'>' | b'/'))
}

/// Whether two element names are the same. Names are short: two overlapping loads of 8 (or
/// 4) bytes from each compare them without the call `==` makes to `memcmp`, which every end
/// tag paid (2% of parsing).
#[inline(always)]
fn same_name(a: &[u8], b: &[u8]) -> bool {
    fn word<const N: usize>(bytes: &[u8], at: usize) -> [u8; N] {
        bytes[at..at + N].try_into().expect("N bytes")
    }
    let len = a.len();
    if len != b.len() {
        return false;
    }
    match len {
        8..=16 => {
            word::<8>(a, 0) == word::<8>(b, 0) && word::<8>(a, len - 8) == word::<8>(b, len - 8)
        }
        4..=7 => {
            word::<4>(a, 0) == word::<4>(b, 0) && word::<4>(a, len - 4) == word::<4>(b, len - 4)
        }
        _ => a == b,
    }
}

/// The `>` that closes the tag whose content starts at `from`: the first one outside quoted
/// attribute values.
fn tag_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    loop {
        let found = at + memchr3(b'>', b'"', b'\'', &bytes[at..])?;
        let quote = bytes[found];
        if quote == b'>' {
            return Some(found);
        }
        at = found + 1 + memchr(quote, &bytes[found + 1..])? + 1;
    }
}

/// The `>` that closes a DOCTYPE declaration whose body starts at `from`: the first one
/// outside its internal subset (`[…]`) and quoted strings.
fn doctype_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut subset_depth = 0usize;
    let mut quote = None;
    for (i, &b) in bytes.iter().enumerate().skip(from) {
        match (quote, b) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(b),
            (None, b'[') => subset_depth += 1,
            (None, b']') => subset_depth = subset_depth.saturating_sub(1),
            (None, b'>') if subset_depth == 0 => return Some(i),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str) -> Result<Vec<Token<'_>>, Malformed> {
        let mut tokens = Tokens::new(text.as_bytes());
        let mut out = Vec::new();
        while let Some(token) = tokens.next_token()? {
            out.push(token);
        }
        Ok(out)
    }

    fn start(tag: &str, name_len: usize, empty: bool) -> Token<'_> {
        Token::Start {
            tag: tag.as_bytes(),
            name_len,
            empty,
        }
    }

    #[test]
    fn tags_texts_and_sections_are_read_in_order() {
        let text = "<a x=\"1>2\" y='>'>t&amp;<!-- c -->u<b/><c >v</c ><?pi x?><![CDATA[<w>]]></a>";
        assert_eq!(
            all(text),
            Ok(vec![
                start("a x=\"1>2\" y='>'", 1, false),
                Token::Text {
                    text: b"t&amp;",
                    at: 17,
                    escaped: true
                },
                Token::Text {
                    text: b"u",
                    at: 33,
                    escaped: false
                },
                start("b", 1, true),
                start("c ", 1, false),
                Token::Text {
                    text: b"v",
                    at: 42,
                    escaped: false
                },
                Token::End { name: b"c" },
                Token::CData(b"<w>"),
                Token::End { name: b"a" },
            ])
        );
        let doctype = "<!DOCTYPE a [<!ENTITY e \"]>\">]><a/>";
        assert_eq!(all(doctype), Ok(vec![start("a", 1, true)]));
    }

    #[test]
    fn names_end_where_the_byte_by_byte_walk_ends_them() {
        let ends = [
            " ", "\t", "\n", "\r", ">", "/>", "\"", "'", "\u{1}", "\u{b}", "é", "",
        ];
        for length in 0..20 {
            for end in ends {
                let tag = format!("<{}{end}x>", "N".repeat(length));
                let bytes = tag.as_bytes();
                let walked = 1 + bytes[1..]
                    .iter()
                    .position(|&b| is_whitespace(b) || matches!(b, b'>' | b'"' | b'\''))
                    .unwrap_or(bytes.len() - 1);
                assert_eq!(bare_name_end(bytes, 1), walked, "{tag:?}");
            }
            let unclosed = format!("<{}", "N".repeat(length));
            assert_eq!(bare_name_end(unclosed.as_bytes(), 1), unclosed.len());
        }
    }

    #[test]
    fn indentation_reads_as_the_general_search_reads_it() {
        // The text between `<a>` and what follows, read by the indentation path where it
        // applies, must be what one search for `<` or `&` finds.
        let tails = [
            "<b/></a>",
            "x<b/></a>",
            "&amp;<b/></a>",
            "\t<b/></a>",
            "</a>",
            "",
        ];
        for spaces in 0..20 {
            for tail in tails {
                let text = format!("<a>\n{}{tail}", " ".repeat(spaces));
                let body = &text.as_bytes()[3..];
                let end = memchr2(b'<', b'&', body).map_or(body.len(), |n| {
                    if body[n] == b'&' {
                        memchr(b'<', &body[n..]).map_or(body.len(), |m| n + m)
                    } else {
                        n
                    }
                });
                let mut tokens = Tokens::new(text.as_bytes());
                assert!(matches!(tokens.next_token(), Ok(Some(Token::Start { .. }))));
                let expected = Token::Text {
                    text: &body[..end],
                    at: 3,
                    escaped: body[..end].contains(&b'&'),
                };
                assert_eq!(tokens.next_token(), Ok(Some(expected)), "{text:?}");
            }
        }
    }

    #[test]
    fn end_tags_must_close_the_element_open() {
        let error = all("<a><b></a>").err();
        assert_eq!(
            error,
            Some(Malformed {
                at: 6,
                reason: "ill-formed document: expected `</b>`, but `</a>` was found".into()
            })
        );
        let error = all("<a></a></b>").err().map(|e| (e.at, e.reason));
        assert_eq!(
            error,
            Some((
                7,
                "ill-formed document: close tag `</b>` does not match any open tag".into()
            ))
        );
    }

    #[test]
    fn unclosed_markup_is_reported_where_it_starts() {
        for (text, at, reason) in [
            ("<a>x<b", 4, "tag not closed"),
            ("<a x='>", 0, "tag not closed"),
            ("<a></a", 3, "tag not closed"),
            ("<a><!-- x", 3, "comment not closed"),
            ("<a><![CDATA[x]>", 3, "CDATA not closed"),
            ("<a><?pi", 3, "`?>` not found"),
            ("<a><!DOCTYPE a [>", 3, "DOCTYPE not closed"),
            ("<a><!x></a>", 3, "unknown or missed symbol"),
        ] {
            let error = all(text).err();
            assert!(
                error
                    .as_ref()
                    .is_some_and(|e| e.at == at && e.reason.contains(reason)),
                "{text}: {error:?}"
            );
        }
    }

    #[test]
    fn names_are_the_same_as_by_slice_equality() {
        let names: Vec<Vec<u8>> = (0..24)
            .flat_map(|len| {
                let base: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
                let mut variants = vec![base.clone()];
                for at in 0..len {
                    let mut changed = base.clone();
                    changed[at] = b'Z';
                    variants.push(changed);
                }
                variants
            })
            .collect();
        for a in &names {
            for b in &names {
                assert_eq!(same_name(a, b), a == b, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn elements_are_stepped_over_to_their_end() {
        let text = "<r><skip><skip>in</skip><skipped/><x a='>'/><!-- </skip> --><![CDATA[</skip>]]><?pi </skip>?><skip\n/></skip ><next/></r>";
        let mut tokens = Tokens::new(text.as_bytes());
        assert_eq!(tokens.next_token(), Ok(Some(start("r", 1, false))));
        assert_eq!(tokens.next_token(), Ok(Some(start("skip", 4, false))));
        assert_eq!(tokens.skip_element(), Ok(()));
        assert_eq!(tokens.next_token(), Ok(Some(start("next", 4, true))));
        assert_eq!(tokens.next_token(), Ok(Some(Token::End { name: b"r" })));
        assert_eq!(tokens.next_token(), Ok(None));
    }

    #[test]
    fn a_stepped_over_element_must_be_closed_but_is_not_checked_inside() {
        let mut unchecked = Tokens::new(b"<r><skip><a></b></skip></r>");
        let _ = unchecked.next_token();
        let _ = unchecked.next_token();
        assert_eq!(unchecked.skip_element(), Ok(()));
        assert_eq!(unchecked.next_token(), Ok(Some(Token::End { name: b"r" })));
        let mut unclosed = Tokens::new(b"<r><skip><skip></skip></r>");
        let _ = unclosed.next_token();
        let _ = unclosed.next_token();
        assert_eq!(
            unclosed.skip_element(),
            Err(Malformed {
                at: 3,
                reason: "ill-formed document: `<skip>` is not closed before the end of the record"
                    .into()
            })
        );
        let mut unclosed_comment = Tokens::new(b"<r><skip><!-- </skip></r>");
        let _ = unclosed_comment.next_token();
        let _ = unclosed_comment.next_token();
        assert!(unclosed_comment
            .skip_element()
            .is_err_and(|e| e.reason.contains("comment not closed")));
    }

    /// A token in a form both readers can give: start tags with their content, end tags,
    /// texts and CDATA sections; comments and processing instructions are left out.
    #[derive(Debug, PartialEq, Eq)]
    enum Seen {
        Start(Vec<u8>, usize, bool),
        End(Vec<u8>),
        Text(Vec<u8>),
        CData(Vec<u8>),
    }

    /// What quick-xml's reader, with the end-name checks the record parser used, reads:
    /// the tokens, and `Err` after them if it stops on an error.
    fn read_with_quick_xml(text: &[u8]) -> (Vec<Seen>, Result<(), ()>) {
        use quick_xml::events::Event;
        let mut reader = quick_xml::Reader::from_reader(text);
        reader.config_mut().check_end_names = true;
        let mut seen = Vec::new();
        loop {
            match reader.read_event() {
                Ok(Event::Start(e)) => {
                    seen.push(Seen::Start(e.to_vec(), e.name().as_ref().len(), false))
                }
                Ok(Event::Empty(e)) => {
                    seen.push(Seen::Start(e.to_vec(), e.name().as_ref().len(), true))
                }
                Ok(Event::End(e)) => seen.push(Seen::End(e.name().as_ref().to_vec())),
                Ok(Event::Text(e)) => seen.push(Seen::Text(e.to_vec())),
                Ok(Event::CData(e)) => seen.push(Seen::CData(e.to_vec())),
                Ok(Event::Eof) => return (seen, Ok(())),
                Ok(_) => {}
                Err(_) => return (seen, Err(())),
            }
        }
    }

    /// The same with [`Tokens`].
    fn read_with_tokens(text: &[u8]) -> (Vec<Seen>, Result<(), ()>) {
        let mut tokens = Tokens::new(text);
        let mut seen = Vec::new();
        loop {
            match tokens.next_token() {
                Ok(Some(Token::Start {
                    tag,
                    name_len,
                    empty,
                })) => seen.push(Seen::Start(tag.to_vec(), name_len, empty)),
                Ok(Some(Token::End { name })) => seen.push(Seen::End(name.to_vec())),
                Ok(Some(Token::Text { text, .. })) => seen.push(Seen::Text(text.to_vec())),
                Ok(Some(Token::CData(data))) => seen.push(Seen::CData(data.to_vec())),
                Ok(None) => return (seen, Ok(())),
                Err(_) => return (seen, Err(())),
            }
        }
    }

    /// Pieces of markup, well-formed or not (DOCTYPE declarations and quotes in end tags
    /// left out: there the two readers refuse the same input at different places).
    const PIECES: &[&str] = &[
        "<a>",
        "<b>",
        "<x:y>",
        "<a k=\"v>w\">",
        "<b k='1' j=\"2\">",
        "<a/>",
        "<b k='/>'/>",
        "</a>",
        "</b>",
        "</x:y>",
        "</a >",
        "t",
        " ",
        "&amp;",
        "\n  ",
        "caf\u{e9}",
        "<!-- c -->",
        "<![CDATA[<z>]]>",
        "<?p x?>",
        "<",
        ">",
        "<!x>",
        "\"",
        "'",
        "/",
        "<>",
        "</>",
    ];

    proptest::proptest! {
        #[test]
        fn tokens_read_what_quick_xml_reads(
            picks in proptest::collection::vec(0..PIECES.len(), 0..24),
        ) {
            let text: String = picks.iter().map(|&i| PIECES[i]).collect();
            let expected = read_with_quick_xml(text.as_bytes());
            proptest::prop_assert_eq!(read_with_tokens(text.as_bytes()), expected, "{}", text);
        }
    }

    #[test]
    fn nesting_is_bounded_even_where_nothing_is_read() {
        let deep = format!("<r>{}{}</r>", "<x>".repeat(100), "</x>".repeat(100));
        let error = all(&deep).err();
        assert!(
            error.is_some_and(|e| e.reason.contains("nested deeper than 64")),
            "deep"
        );
        let empties = format!("<r>{}</r>", "<x/>".repeat(1000));
        assert!(all(&empties).is_ok());
    }
}
