//! The query language: PubMed's field tags mixed freely with medlit's native syntax.
//!
//! ```text
//! query  := or
//! or     := and ( "OR" and )*
//! and    := not ( ["AND"] not )*          adjacent terms: AND (OR with --any)
//! not    := unary ( "NOT" unary )*        PubMed's binary NOT: a NOT b = a AND NOT b
//! unary  := "-" atom | "+" atom | atom
//! atom   := "(" or ")" | field ":" value | group [ "[" tag "]" ]
//! group  := ( word | "phrase" )+          words up to the next operator, parenthesis or tag
//! value  := word | "phrase" | "[" from "TO" to "]"
//! ```
//!
//! A PubMed tag applies to the whole group of words before it, as in PubMed:
//! `breast neoplasms[mh]` is the heading "breast neoplasms". Without a tag, each word of a
//! group is its own term. Tags: `[ti]`, `[ab]`, `[tiab]`, `[tw]`/`[all]`, `[au]`, `[mh]`,
//! `[mh:noexp]`, `[majr]`, `[majr:noexp]`, `[sh]`, `[pt]`, `[la]`, `[ta]`/`[journal]`/`[jour]`,
//! `[dp]` (a year or `2015:2025`), `[pmid]`/`[uid]`, `[doi]`. A trailing `*` truncates a word
//! (`thromb*`). Native fields: `title:`, `abstract:`, `keywords:`, `mesh:` (exploded like
//! `[mh]`), `author:`, `affiliation:`, `journal:`, `year:` (`year:2020`,
//! `year:[2015 TO 2020]`), `id:`, `doi:`, `pmid:`. Operators are upper case, as in PubMed.
//!
//! Every error names what is wrong and its 1-based character column.

use std::fmt;

/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 10_000;
/// Deepest nesting of parentheses accepted.
pub const MAX_DEPTH: usize = 32;
/// Most terms a query may have.
pub const MAX_TERMS: usize = 1_024;

/// A PubMed field tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tag {
    /// `[ti]`: title.
    Title,
    /// `[ab]`: abstract.
    Abstract,
    /// `[tiab]`: title, abstract and keywords.
    TitleAbstract,
    /// `[tw]`, `[all]`: every default field.
    All,
    /// `[au]`: author.
    Author,
    /// `[mh]`: MeSH heading, exploded unless `noexp`.
    Mesh {
        /// `[mh:noexp]`.
        explode: bool,
    },
    /// `[majr]`: MeSH major topic, exploded unless `noexp`.
    Major {
        /// `[majr:noexp]`.
        explode: bool,
    },
    /// `[sh]`: MeSH qualifier (subheading).
    Qualifier,
    /// `[pt]`: publication type.
    PublicationType,
    /// `[la]`: language.
    Language,
    /// `[ta]`, `[journal]`, `[jour]`: journal title or ISO abbreviation.
    Journal,
    /// `[dp]`: publication year or range.
    Date,
    /// `[pmid]`, `[uid]`.
    Pmid,
    /// `[doi]`.
    Doi,
}

impl Tag {
    fn parse(text: &str) -> Option<Tag> {
        let lower = text.trim().to_ascii_lowercase();
        let (name, option) = match lower.split_once(':') {
            Some((name, option)) => (name.trim().to_string(), Some(option.trim().to_string())),
            None => (lower, None),
        };
        let explode = match option.as_deref() {
            None => true,
            Some("noexp") => false,
            Some(_) => return None,
        };
        let tag = match name.as_str() {
            "ti" | "title" => Tag::Title,
            "ab" | "abstract" => Tag::Abstract,
            "tiab" => Tag::TitleAbstract,
            "tw" | "all" | "all fields" => Tag::All,
            "au" | "author" => Tag::Author,
            "mh" | "mesh" | "mesh terms" => Tag::Mesh { explode },
            "majr" | "mesh major topic" => Tag::Major { explode },
            "sh" | "subheading" => Tag::Qualifier,
            "pt" | "publication type" => Tag::PublicationType,
            "la" | "language" => Tag::Language,
            "ta" | "journal" | "jour" => Tag::Journal,
            "dp" | "pdat" | "publication date" => Tag::Date,
            "pmid" | "uid" => Tag::Pmid,
            "doi" => Tag::Doi,
            _ => return None,
        };
        if option.is_some() && !matches!(tag, Tag::Mesh { .. } | Tag::Major { .. }) {
            return None;
        }
        Some(tag)
    }
}

/// A native `field:` prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// `title:`
    Title,
    /// `abstract:`
    Abstract,
    /// `keywords:`
    Keywords,
    /// `mesh:` (exploded like `[mh]` when a vocabulary knows the heading)
    Mesh,
    /// `author:`
    Author,
    /// `affiliation:`
    Affiliation,
    /// `journal:`
    Journal,
    /// `year:`
    Year,
    /// `id:`
    Id,
    /// `doi:`
    Doi,
    /// `pmid:`
    Pmid,
}

impl Field {
    fn parse(name: &str) -> Option<Field> {
        Some(match name {
            "title" => Field::Title,
            "abstract" => Field::Abstract,
            "keywords" | "keyword" => Field::Keywords,
            "mesh" => Field::Mesh,
            "author" => Field::Author,
            "affiliation" => Field::Affiliation,
            "journal" => Field::Journal,
            "year" => Field::Year,
            "id" => Field::Id,
            "doi" => Field::Doi,
            "pmid" => Field::Pmid,
            _ => return None,
        })
    }
}

/// Where a term applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The default fields.
    Default,
    /// A PubMed tag.
    Tag(Tag),
    /// A native field.
    Field(Field),
}

/// One searchable term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// The text as typed (without quotes, tag or field prefix).
    pub text: String,
    /// Written in quotes.
    pub phrase: bool,
    /// Ends in `*` (truncation).
    pub prefix: bool,
    /// Where it applies.
    pub target: Target,
    /// `[from TO to]` for `year:`.
    pub range: Option<(String, String)>,
    /// 1-based column where it starts.
    pub column: usize,
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// All must match (`not` lists what must not).
    And {
        /// Required.
        must: Vec<Node>,
        /// Excluded.
        not: Vec<Node>,
    },
    /// Any may match.
    Or(Vec<Node>),
    /// One term.
    Term(Term),
}

/// A query that does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// 1-based character column.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at column {}", self.message, self.column)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Open,
    Close,
    And,
    Or,
    Not,
    Minus,
    Word(String),
    Phrase(String),
    Tag(String),
    /// `field:` followed by its value token.
    Field(String),
    Range(String, String),
}

fn error<T>(column: usize, message: impl Into<String>) -> Result<T, SyntaxError> {
    Err(SyntaxError {
        column,
        message: message.into(),
    })
}

/// Splits a query into tokens with their columns.
fn lex(query: &str) -> Result<Vec<(Token, usize)>, SyntaxError> {
    let chars: Vec<char> = query.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                tokens.push((Token::Open, column));
                i += 1;
            }
            ')' => {
                tokens.push((Token::Close, column));
                i += 1;
            }
            '"' => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|&c| c == '"')
                    .map(|p| p + i + 1)
                    .ok_or(SyntaxError {
                        column,
                        message: "unclosed quote".into(),
                    })?;
                tokens.push((Token::Phrase(chars[i + 1..end].iter().collect()), column));
                i = end + 1;
            }
            '[' => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|&c| c == ']')
                    .map(|p| p + i + 1)
                    .ok_or(SyntaxError {
                        column,
                        message: "unclosed '['".into(),
                    })?;
                let inside: String = chars[i + 1..end].iter().collect();
                if matches!(tokens.last(), Some((Token::Field(_), _))) {
                    let Some((from, to)) = inside.split_once(" TO ") else {
                        return error(column, "a range is written [from TO to]");
                    };
                    tokens.push((Token::Range(from.trim().into(), to.trim().into()), column));
                } else {
                    tokens.push((Token::Tag(inside), column));
                }
                i = end + 1;
            }
            '-' if tokens_allow_operator(&tokens)
                && chars
                    .get(i + 1)
                    .is_some_and(|n| !n.is_whitespace() && !n.is_ascii_digit()) =>
            {
                tokens.push((Token::Minus, column));
                i += 1;
            }
            '+' if chars.get(i + 1).is_some_and(|n| !n.is_ascii_digit()) => i += 1,
            _ => {
                let start = i;
                while i < chars.len() && !chars[i].is_whitespace() && !"()\"[".contains(chars[i]) {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                let value_column =
                    column + word.find(':').map_or(0, |p| word[..=p].chars().count());
                let token = match word.as_str() {
                    "AND" | "&&" => Token::And,
                    "OR" | "||" => Token::Or,
                    "NOT" => Token::Not,
                    _ => match field_prefix(&word) {
                        Some((field, rest)) => {
                            tokens.push((Token::Field(field.to_string()), column));
                            if rest.is_empty() {
                                continue;
                            }
                            Token::Word(rest.to_string())
                        }
                        None => Token::Word(word),
                    },
                };
                let token_column = if matches!(tokens.last(), Some((Token::Field(_), _))) {
                    value_column
                } else {
                    column
                };
                tokens.push((token, token_column));
            }
        }
    }
    Ok(tokens)
}

/// `-` is an operator at the start of a term, not inside a word.
fn tokens_allow_operator(tokens: &[(Token, usize)]) -> bool {
    !matches!(tokens.last(), Some((Token::Field(_), _)))
}

/// `title:rest` → `("title", "rest")` when the prefix names a field.
fn field_prefix(word: &str) -> Option<(&str, &str)> {
    let (name, rest) = word.split_once(':')?;
    let is_name = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphabetic());
    is_name.then_some((name, rest))
}

struct Parser {
    tokens: Vec<(Token, usize)>,
    position: usize,
    depth: usize,
    terms: usize,
    any: bool,
    end_column: usize,
}

/// Parses a query; `any` makes adjacent terms alternatives instead of requirements.
pub fn parse(query: &str, any: bool) -> Result<Node, SyntaxError> {
    let length = query.chars().count();
    if length > MAX_QUERY_CHARS {
        return error(
            MAX_QUERY_CHARS,
            format!("the query is longer than {MAX_QUERY_CHARS} characters"),
        );
    }
    let mut parser = Parser {
        tokens: lex(query)?,
        position: 0,
        depth: 0,
        terms: 0,
        any,
        end_column: length + 1,
    };
    if parser.tokens.is_empty() {
        return Ok(Node::And {
            must: Vec::new(),
            not: Vec::new(),
        });
    }
    let node = parser.or()?;
    if let Some((token, column)) = parser.tokens.get(parser.position) {
        let message = match token {
            Token::Close => "unmatched ')'".to_string(),
            other => format!("unexpected {other:?}"),
        };
        return error(*column, message);
    }
    Ok(node)
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.position).map(|(t, _)| t)
    }

    fn column(&self) -> usize {
        self.tokens
            .get(self.position)
            .map_or(self.end_column, |(_, c)| *c)
    }

    fn or(&mut self) -> Result<Node, SyntaxError> {
        let mut alternatives = vec![self.and()?];
        while self.peek() == Some(&Token::Or) {
            self.position += 1;
            self.expect_operand("OR")?;
            alternatives.push(self.and()?);
        }
        Ok(if alternatives.len() == 1 {
            alternatives.remove(0)
        } else {
            Node::Or(alternatives)
        })
    }

    fn and(&mut self) -> Result<Node, SyntaxError> {
        let mut must = Vec::new();
        let mut not = Vec::new();
        let mut implicit = Vec::new();
        loop {
            match self.peek() {
                None | Some(Token::Or) | Some(Token::Close) => break,
                Some(Token::And) => {
                    self.position += 1;
                    self.expect_operand("AND")?;
                }
                Some(Token::Not) => {
                    let column = self.column();
                    self.position += 1;
                    self.expect_operand("NOT")?;
                    if must.is_empty() && implicit.is_empty() {
                        return error(column, "NOT needs a term before it (use -term to exclude)");
                    }
                    not.push(self.negated_atom()?);
                }
                Some(_) => {
                    let node = self.unary(&mut not)?;
                    match node_if_any(node) {
                        // A group of untagged words joins this AND instead of nesting.
                        Some(Node::And {
                            must: words,
                            not: none,
                        }) if none.is_empty() && !self.any => must.extend(words),
                        Some(node) if self.any => implicit.push(node),
                        Some(node) => must.push(node),
                        None => {}
                    }
                }
            }
        }
        if !implicit.is_empty() {
            must.push(if implicit.len() == 1 {
                implicit.remove(0)
            } else {
                Node::Or(implicit)
            });
        }
        if must.is_empty() && !not.is_empty() {
            return error(
                self.column(),
                "a query cannot only exclude: add a term to search for",
            );
        }
        Ok(if must.len() == 1 && not.is_empty() {
            must.remove(0)
        } else {
            Node::And { must, not }
        })
    }

    fn expect_operand(&self, operator: &str) -> Result<(), SyntaxError> {
        match self.peek() {
            None | Some(Token::Close) | Some(Token::Or) | Some(Token::And) => {
                error(self.column(), format!("{operator} has nothing after it"))
            }
            _ => Ok(()),
        }
    }

    /// One operand; a leading `-` sends it to `excluded` and yields an empty node.
    fn unary(&mut self, excluded: &mut Vec<Node>) -> Result<Node, SyntaxError> {
        if self.peek() == Some(&Token::Minus) {
            self.position += 1;
            let node = self.negated_atom()?;
            excluded.push(node);
            return Ok(Node::And {
                must: Vec::new(),
                not: Vec::new(),
            });
        }
        self.atom()
    }

    /// The operand of `NOT` or `-`: an untagged group gives up all but its first word, which
    /// go back to the surrounding AND (`itp NOT children adults` = itp, adults, not children).
    fn negated_atom(&mut self) -> Result<Node, SyntaxError> {
        if !matches!(self.peek(), Some(Token::Word(_)) | Some(Token::Phrase(_))) {
            return self.atom();
        }
        let start = self.position;
        let mut end = start;
        while matches!(
            self.tokens.get(end).map(|(t, _)| t),
            Some(Token::Word(_)) | Some(Token::Phrase(_))
        ) {
            end += 1;
        }
        let tagged = matches!(self.tokens.get(end).map(|(t, _)| t), Some(Token::Tag(_)));
        if tagged || end - start == 1 {
            return self.atom();
        }
        let (token, column) = self.tokens[start].clone();
        self.position = start + 1;
        match token {
            Token::Word(word) => self.term(word, false, Target::Default, None, column),
            Token::Phrase(phrase) => self.term(phrase, true, Target::Default, None, column),
            _ => error(column, "a term was expected"),
        }
    }

    fn atom(&mut self) -> Result<Node, SyntaxError> {
        let column = self.column();
        match self.peek().cloned() {
            Some(Token::Open) => {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return error(
                        column,
                        format!("parentheses nested deeper than {MAX_DEPTH}"),
                    );
                }
                self.position += 1;
                let inner = self.or()?;
                if self.peek() != Some(&Token::Close) {
                    return error(column, "unclosed '('");
                }
                self.position += 1;
                self.depth -= 1;
                Ok(inner)
            }
            Some(Token::Field(name)) => self.field(&name, column),
            Some(Token::Word(_)) | Some(Token::Phrase(_)) => self.group(),
            Some(Token::Tag(tag)) => error(column, format!("tag [{tag}] has no term before it")),
            Some(Token::Range(..)) => error(
                column,
                "a range belongs after a field, as in year:[2015 TO 2020]",
            ),
            Some(token) => error(column, format!("unexpected {token:?}")),
            None => error(column, "the query ends where a term was expected"),
        }
    }

    fn field(&mut self, name: &str, column: usize) -> Result<Node, SyntaxError> {
        let field = Field::parse(name).ok_or_else(|| SyntaxError {
            column,
            message: format!(
                "unknown field {name:?}; fields are title, abstract, keywords, mesh, author, affiliation, journal, year, id, doi, pmid"
            ),
        })?;
        self.position += 1;
        let value_column = self.column();
        let (text, phrase, range) = match self.peek().cloned() {
            Some(Token::Word(word)) => (word, false, None),
            Some(Token::Phrase(phrase)) => (phrase, true, None),
            Some(Token::Range(from, to)) => (format!("{from} TO {to}"), false, Some((from, to))),
            _ => return error(value_column, format!("field {name}: has no value")),
        };
        self.position += 1;
        self.term(text, phrase, Target::Field(field), range, value_column)
    }

    /// Words and phrases up to an operator, parenthesis or tag; a tag applies to all of them.
    fn group(&mut self) -> Result<Node, SyntaxError> {
        let mut parts: Vec<(String, bool, usize)> = Vec::new();
        while let Some((token, column)) = self.tokens.get(self.position).cloned() {
            match token {
                Token::Word(word) => parts.push((word, false, column)),
                Token::Phrase(phrase) => parts.push((phrase, true, column)),
                _ => break,
            }
            self.position += 1;
        }
        if let Some(Token::Tag(tag)) = self.peek().cloned() {
            let tag_column = self.column();
            let tag = Tag::parse(&tag).ok_or_else(|| SyntaxError {
                column: tag_column,
                message: format!("unknown field tag [{tag}]"),
            })?;
            self.position += 1;
            let text = parts
                .iter()
                .map(|(t, _, _)| t.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            let phrase = parts.len() == 1 && parts[0].1;
            let column = parts.first().map_or(tag_column, |p| p.2);
            return self.term(text, phrase, Target::Tag(tag), None, column);
        }
        let mut nodes = Vec::new();
        for (text, phrase, column) in parts {
            nodes.push(self.term(text, phrase, Target::Default, None, column)?);
        }
        Ok(if nodes.len() == 1 {
            nodes.remove(0)
        } else if self.any {
            Node::Or(nodes)
        } else {
            Node::And {
                must: nodes,
                not: Vec::new(),
            }
        })
    }

    fn term(
        &mut self,
        text: String,
        phrase: bool,
        target: Target,
        range: Option<(String, String)>,
        column: usize,
    ) -> Result<Node, SyntaxError> {
        self.terms += 1;
        if self.terms > MAX_TERMS {
            return error(column, format!("more than {MAX_TERMS} terms"));
        }
        let prefix = !phrase && text.len() > 1 && text.ends_with('*');
        let text = if prefix {
            text.trim_end_matches('*').to_string()
        } else {
            text
        };
        if text.trim().is_empty() {
            return error(column, "empty term");
        }
        Ok(Node::Term(Term {
            text,
            phrase,
            prefix,
            target,
            range,
            column,
        }))
    }
}

/// `None` for the empty placeholder a `-term` leaves behind.
fn node_if_any(node: Node) -> Option<Node> {
    match &node {
        Node::And { must, not } if must.is_empty() && not.is_empty() => None,
        _ => Some(node),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(text: &str, target: Target, column: usize) -> Node {
        Node::Term(Term {
            text: text.into(),
            phrase: false,
            prefix: false,
            target,
            range: None,
            column,
        })
    }

    #[test]
    fn pubmed_query_from_the_issue() {
        let node = parse(
            "(thrombocytopenia[mh] OR ITP[tiab]) AND rituximab[tiab] AND 2010:2025[dp]",
            false,
        )
        .expect("parses");
        assert_eq!(
            node,
            Node::And {
                must: vec![
                    Node::Or(vec![
                        term(
                            "thrombocytopenia",
                            Target::Tag(Tag::Mesh { explode: true }),
                            2
                        ),
                        term("ITP", Target::Tag(Tag::TitleAbstract), 26),
                    ]),
                    term("rituximab", Target::Tag(Tag::TitleAbstract), 41),
                    term("2010:2025", Target::Tag(Tag::Date), 61),
                ],
                not: vec![],
            }
        );
    }

    #[test]
    fn a_tag_takes_the_whole_group_before_it() {
        let node = parse("breast neoplasms[mh:noexp]", false).expect("parses");
        assert_eq!(
            node,
            term(
                "breast neoplasms",
                Target::Tag(Tag::Mesh { explode: false }),
                1
            )
        );
    }

    #[test]
    fn untagged_words_are_anded_or_ored() {
        let node = parse("il-6 tocilizumab", false).expect("parses");
        assert!(matches!(node, Node::And { ref must, .. } if must.len() == 2));
        let node = parse("il-6 tocilizumab", true).expect("parses");
        assert!(matches!(node, Node::Or(ref alternatives) if alternatives.len() == 2));
    }

    #[test]
    fn native_fields_phrases_ranges_and_truncation() {
        let node = parse(
            "title:\"immune thrombocytopenia\" year:[2015 TO 2020] thromb* -covid",
            false,
        )
        .expect("parses");
        let Node::And { must, not } = node else {
            panic!("and")
        };
        assert_eq!(must.len(), 3);
        assert!(
            matches!(&must[0], Node::Term(t) if t.phrase && t.target == Target::Field(Field::Title))
        );
        assert!(
            matches!(&must[1], Node::Term(t) if t.range == Some(("2015".into(), "2020".into())))
        );
        assert!(matches!(&must[2], Node::Term(t) if t.prefix && t.text == "thromb"));
        assert!(matches!(&not[0], Node::Term(t) if t.text == "covid"));
    }

    #[test]
    fn not_is_binary_and_biomedical_tokens_survive() {
        let node = parse("itp NOT children IL-6 CD34+ +60 99.8%", false).expect("parses");
        let Node::And { must, not } = node else {
            panic!("and")
        };
        let texts: Vec<&str> = must
            .iter()
            .map(|n| match n {
                Node::Term(t) => t.text.as_str(),
                _ => "",
            })
            .collect();
        assert_eq!(texts, ["itp", "IL-6", "CD34+", "+60", "99.8%"]);
        assert_eq!(not.len(), 1);
    }

    #[test]
    fn errors_name_what_and_where() {
        let cases = [
            ("\"unclosed", "unclosed quote at column 1"),
            ("(a OR b", "unclosed '(' at column 1"),
            ("a OR b)", "unmatched ')' at column 7"),
            ("itp AND", "AND has nothing after it at column 8"),
            ("itp[xx]", "unknown field tag [xx] at column 4"),
            ("foo:bar", "unknown field \"foo\"; fields are title, abstract, keywords, mesh, author, affiliation, journal, year, id, doi, pmid at column 1"),
            ("title:", "field title: has no value at column 7"),
            ("[mh]", "tag [mh] has no term before it at column 1"),
            ("NOT itp", "NOT needs a term before it (use -term to exclude) at column 1"),
            ("-itp", "a query cannot only exclude: add a term to search for at column 5"),
        ];
        for (query, expected) in cases {
            let error = parse(query, false).expect_err(query);
            assert_eq!(error.to_string(), expected, "{query}");
        }
    }

    #[test]
    fn limits_are_enforced() {
        let deep = format!("{}a{}", "(".repeat(40), ")".repeat(40));
        assert!(parse(&deep, false)
            .expect_err("deep")
            .message
            .contains("nested deeper"));
        let many = "a ".repeat(MAX_TERMS + 1);
        assert!(parse(&many, false)
            .expect_err("many")
            .message
            .contains("more than"));
        let long = "a".repeat(MAX_QUERY_CHARS + 1);
        assert!(parse(&long, false).is_err());
    }

    #[test]
    fn empty_query_is_an_empty_and() {
        assert_eq!(
            parse("   ", false).expect("parses"),
            Node::And {
                must: vec![],
                not: vec![]
            }
        );
    }
}
