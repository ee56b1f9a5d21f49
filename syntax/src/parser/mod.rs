//! The recursive-descent parser: tokens to [`ast::SourceFile`].
//!
//! This module holds the token cursor, error reporting and recovery; the grammar lives in
//! [`item`] (top-level declarations), [`stmt`] (statements), [`expr`] (expressions) and
//! [`types`] (type annotations).
//!
//! Recovery rules: a parse function never fails; it records an error and returns an `Error` node.
//! Functions that cannot make sense of the current token do not consume it; loops that might
//! otherwise spin force progress, and statements resynchronize at `;`, `}` or the next line.

mod expr;
mod item;
mod stmt;
mod types;

use crate::diag::{self, Errors};
use crate::lexer::{Token, TokenKind};
use crate::{Span, SyntaxError, ast, line_col};

/// The deepest nesting of the recursive parse functions, in units: a level of expression or type
/// nesting costs one unit per recursive function on its path (three for parentheses), a
/// statement [`STMT_WEIGHT`]. This allows about 150 nested parentheses or blocks while keeping
/// the stack use near 1 MiB even in debug builds (measured: at most 2.7 KiB per unit).
const MAX_DEPTH: u32 = 450;

/// The cost of one level of statement nesting, in units of [`MAX_DEPTH`].
const STMT_WEIGHT: u32 = 3;

/// How far ahead the parser looks when classifying a construct by scanning tokens (`for (… of …)`).
const MAX_LOOKAHEAD: usize = 2000;

/// Words that cannot name a variable, function or class.
const RESERVED: &[&str] = &[
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "default",
    "delete",
    "do",
    "else",
    "enum",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "function",
    "if",
    "import",
    "in",
    "instanceof",
    "let",
    "new",
    "null",
    "return",
    "super",
    "switch",
    "this",
    "throw",
    "true",
    "try",
    "typeof",
    "var",
    "void",
    "while",
    "with",
];

/// Words that start a statement or declaration; recovery stops before them at the start of a line.
const STATEMENT_KEYWORDS: &[&str] = &[
    "let",
    "const",
    "var",
    "function",
    "class",
    "enum",
    "import",
    "export",
    "if",
    "while",
    "for",
    "do",
    "return",
    "break",
    "continue",
    "switch",
    "try",
    "throw",
    "interface",
];

/// Parses a whole file from its tokens, whose spans are `base` further on than their offsets
/// in `text`; `lex_errors` are merged into the result.
pub(crate) fn parse_tokens(
    text: &str,
    base: u32,
    tokens: Vec<Token>,
    lex_errors: Vec<SyntaxError>,
) -> crate::Parse {
    let mut p = Parser {
        text,
        base,
        tokens,
        pos: 0,
        errors: Errors::default(),
        depth: 0,
        speculating: 0,
    };
    let file = p.source_file();
    crate::Parse {
        file,
        errors: diag::finish(lex_errors, p.errors.into_vec()),
    }
}

/// A saved parser position for backtracking.
#[derive(Clone, Copy)]
struct Checkpoint {
    pos: usize,
    errors: usize,
    depth: u32,
}

struct Parser<'a> {
    text: &'a str,
    /// Where `text` starts in the positions of the spans (see [`crate::parse_at`]).
    base: u32,
    tokens: Vec<Token>,
    pos: usize,
    errors: Errors,
    depth: u32,
    /// Non-zero while trying a parse that may be undone (arrow function parameters).
    speculating: u32,
}

impl<'a> Parser<'a> {
    // ----- the token cursor -----

    fn tok(&self) -> &Token {
        &self.tokens[self.pos]
    }

    fn nth(&self, n: usize) -> &Token {
        let last = self.tokens.len() - 1;
        &self.tokens[(self.pos + n).min(last)]
    }

    fn at_eof(&self) -> bool {
        self.tok().kind == TokenKind::Eof
    }

    /// Whether the current token is the punctuator `p`.
    fn at(&self, p: &str) -> bool {
        is_punct(self.tok(), p)
    }

    /// Whether the `n`th token ahead is the punctuator `p`.
    fn nth_at(&self, n: usize, p: &str) -> bool {
        is_punct(self.nth(n), p)
    }

    /// The text of `token`.
    fn text_of(&self, token: &Token) -> &'a str {
        self.source(token.span)
    }

    /// The source text of `span`.
    fn source(&self, span: Span) -> &'a str {
        let text: &'a str = self.text;
        &text[(span.start - self.base) as usize..(span.end - self.base) as usize]
    }

    /// Whether the current token is the word `w`.
    fn at_word(&self, w: &str) -> bool {
        self.nth_word(0) == Some(w)
    }

    /// The `n`th token ahead if it is a word.
    fn nth_word(&self, n: usize) -> Option<&'a str> {
        let t = self.nth(n);
        (t.kind == TokenKind::Word).then(|| self.text_of(t))
    }

    /// Whether the current token is a word that can be a name (not reserved).
    fn at_name(&self) -> bool {
        self.nth_word(0).is_some_and(|w| !is_reserved(w))
    }

    /// Whether a line break precedes the current token.
    fn newline_before(&self) -> bool {
        self.tok().newline_before
    }

    /// Start offset of the current token.
    fn start(&self) -> u32 {
        self.tok().span.start
    }

    /// End offset of the last consumed token (the start of the current one if none).
    fn prev_end(&self) -> u32 {
        if self.pos == 0 {
            self.start()
        } else {
            self.tokens[self.pos - 1].span.end
        }
    }

    /// The span from `start` to the end of the last consumed token.
    fn span_from(&self, start: u32) -> Span {
        Span::new(start, self.prev_end().max(start))
    }

    /// Consumes the current token (never the end of input).
    fn bump(&mut self) {
        if !self.at_eof() {
            self.pos += 1;
        }
    }

    fn eat(&mut self, p: &str) -> bool {
        let found = self.at(p);
        if found {
            self.bump();
        }
        found
    }

    fn eat_word(&mut self, w: &str) -> bool {
        let found = self.at_word(w);
        if found {
            self.bump();
        }
        found
    }

    /// Whether the `n`th token directly follows the token before it, with no space between.
    fn nth_glued(&self, n: usize) -> bool {
        let i = (self.pos + n).min(self.tokens.len() - 1);
        i > 0 && self.tokens[i - 1].span.end == self.tokens[i].span.start
    }

    // ----- errors -----

    fn error_at(&mut self, code: &'static str, message: String, span: Span, hint: Option<String>) {
        self.errors.push(SyntaxError {
            code,
            message,
            span,
            hint,
        });
    }

    /// A description of the current token for messages: "`;`", "`foo`", "end of file".
    fn describe(&self) -> String {
        describe(self.text_of(self.tok()), &self.tok().kind)
    }

    /// Reports that `what` was expected at the current token.
    fn expected(&mut self, code: &'static str, what: &str) {
        if !self.errors.accepts(self.start()) {
            return;
        }
        let message = format!("expected {what} but found {}", self.describe());
        let span = self.tok().span;
        self.error_at(code, message, span, None);
    }

    /// Consumes the punctuator `p` or reports it missing.
    fn expect(&mut self, p: &str) -> bool {
        if self.eat(p) {
            return true;
        }
        self.expected(diag::EXPECTED_TOKEN, &format!("`{p}`"));
        false
    }

    /// Consumes the closing `close` of a bracket opened at `open`, or reports it missing with a
    /// hint pointing at the opening bracket.
    fn expect_close(&mut self, close: &str, open: Span) -> bool {
        if self.eat(close) {
            return true;
        }
        if !self.errors.accepts(self.start()) {
            return false;
        }
        let open_text = self.source(open);
        let (line, col) = line_col(self.text, open.start - self.base);
        let span = self.tok().span;
        if self.at_eof() {
            let message = format!(
                "expected `{close}` to close the `{open_text}` at {line}:{col} but found end of file"
            );
            let hint = format!(
                "add `{close}` to match the `{open_text}` opened at line {line}, column {col}"
            );
            self.error_at(diag::UNCLOSED_DELIMITER, message, span, Some(hint));
        } else {
            let message = format!("expected `{close}` but found {}", self.describe());
            let hint = format!("to match the `{open_text}` opened at line {line}, column {col}");
            self.error_at(diag::EXPECTED_TOKEN, message, span, Some(hint));
        }
        false
    }

    /// Closes a bracketed list (arguments, parameters, elements, a condition): consumes `close`,
    /// or reports it missing and skips ahead to it, stopping early (without consuming) at another
    /// closer, a `;`, a statement keyword at the start of a line, or with `stop_at_brace` a `{`.
    fn close_list(&mut self, close: &str, open: Span, stop_at_brace: bool) {
        if self.expect_close(close, open) {
            return;
        }
        loop {
            if self.at_eof() || self.at(";") || (stop_at_brace && self.at("{")) {
                return;
            }
            if self.eat(close) {
                return;
            }
            let keyword = self
                .nth_word(0)
                .is_some_and(|w| STATEMENT_KEYWORDS.contains(&w));
            if is_closer(self.tok()) || (self.newline_before() && keyword) {
                return;
            }
            if is_opener(self.tok()) {
                self.skip_balanced();
            } else {
                self.bump();
            }
        }
    }

    /// Reports TypeScript syntax that the language does not have a place for.
    fn unsupported_syntax(&mut self, what: &str, span: Span) {
        let message = format!(
            "{what} {} not supported",
            if what.ends_with('s') { "are" } else { "is" }
        );
        self.error_at(diag::UNSUPPORTED_SYNTAX, message, span, None);
    }

    // ----- nesting depth -----

    /// Enters one level of expression or type nesting; reports and returns `false` when that
    /// would be too deep.
    fn enter(&mut self) -> bool {
        self.enter_weighted(1)
    }

    /// Enters one level of nesting that costs `weight` units of [`MAX_DEPTH`] (statements use
    /// more stack per level than expressions).
    fn enter_weighted(&mut self, weight: u32) -> bool {
        if self.depth + weight > MAX_DEPTH {
            let span = self.tok().span;
            self.error_at(
                diag::TOO_DEEP,
                "this is nested too deeply for the parser".into(),
                span,
                Some("split the expression or statement into smaller parts".into()),
            );
            return false;
        }
        self.depth += weight;
        true
    }

    /// Leaves a level entered with [`Parser::enter_weighted`].
    fn leave_weighted(&mut self, weight: u32) {
        self.depth -= weight;
    }

    /// Leaves a level entered with [`Parser::enter`].
    fn leave(&mut self) {
        self.leave_weighted(1);
    }

    /// After [`Parser::enter`] failed: skips the construct at the current token without recursing
    /// (a whole bracketed group, or one token) and returns its span.
    fn skip_too_deep(&mut self) -> Span {
        let start = self.start();
        if self.speculating > 0 || self.at_closer() {
            return Span::new(start, start);
        }
        if is_opener(self.tok()) {
            self.skip_balanced()
        } else {
            self.bump()
        }
        self.span_from(start)
    }

    // ----- backtracking -----

    fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            pos: self.pos,
            errors: self.errors.len(),
            depth: self.depth,
        }
    }

    fn restore(&mut self, cp: Checkpoint) {
        self.pos = cp.pos;
        self.errors.truncate(cp.errors);
        self.depth = cp.depth;
    }

    // ----- skipping -----

    /// Whether the current token closes something or ends a statement (`)`, `]`, `}`, `;`, end).
    fn at_closer(&self) -> bool {
        self.at_eof() || self.at(")") || self.at("]") || self.at("}") || self.at(";")
    }

    /// Skips a bracketed group starting at the current opener, up to and including its closer (or
    /// to the end of the file), without recursion. Does nothing if not at an opener.
    fn skip_balanced(&mut self) {
        if !is_opener(self.tok()) {
            return;
        }
        let mut depth = 0usize;
        loop {
            let t = self.tok();
            if t.kind == TokenKind::Eof {
                return;
            }
            if is_opener(t) {
                depth += 1;
            } else if is_closer(t) {
                depth = depth.saturating_sub(1);
            }
            self.bump();
            if depth == 0 {
                return;
            }
        }
    }

    /// Resynchronizes after an error inside a statement: skips tokens (whole bracketed groups at a
    /// time) until just after a `;`, or before a `}` or a token that starts a new line.
    /// Consumes at least one token unless at `}` or the end of input.
    fn recover_statement(&mut self) {
        let mut first = true;
        loop {
            if self.at_eof() || self.at("}") || (!first && self.newline_before()) {
                return;
            }
            if self.eat(";") {
                return;
            }
            if is_opener(self.tok()) {
                self.skip_balanced();
            } else {
                self.bump();
            }
            first = false;
        }
    }

    /// Ends a statement: a `;`, or an inserted semicolon before `}`, at the end of input or after a
    /// line break. Otherwise reports the missing `;` (unless the statement already had an error
    /// since `errors_at_start`) and resynchronizes.
    fn end_statement(&mut self, errors_at_start: usize) {
        if self.eat(";") || self.at("}") || self.at_eof() || self.newline_before() {
            return;
        }
        if self.errors.len() == errors_at_start && (self.at(")") || self.at("]")) {
            self.error_stray_closer();
        } else if self.errors.len() == errors_at_start {
            self.expected(diag::EXPECTED_TOKEN, "`;` or a line break");
        }
        self.recover_statement();
    }

    /// Reads a name, reporting `what` was expected when the current token is not one. A missing
    /// name is returned empty, spanning nothing at the current token.
    fn name(&mut self, what: &str) -> ast::Ident {
        if self.at_name() {
            return self.any_word_ident();
        }
        if let Some(w) = self.nth_word(0) {
            let message = format!("expected {what} but found the reserved word `{w}`");
            let span = self.tok().span;
            self.error_at(
                diag::EXPECTED_NAME,
                message,
                span,
                Some("choose a different name".into()),
            );
            return self.any_word_ident();
        }
        self.expected(diag::EXPECTED_NAME, what);
        let start = self.start();
        ast::Ident {
            name: String::new(),
            span: Span::new(start, start),
        }
    }

    /// Consumes the current token, which must be a word, as an identifier.
    fn any_word_ident(&mut self) -> ast::Ident {
        let t = self.tok();
        let ident = ast::Ident {
            name: self.text_of(t).to_string(),
            span: t.span,
        };
        self.bump();
        ident
    }
}

fn is_punct(token: &Token, p: &str) -> bool {
    matches!(token.kind, TokenKind::Punct(q) if q == p)
}

fn is_opener(token: &Token) -> bool {
    matches!(token.kind, TokenKind::Punct("(" | "[" | "{"))
}

fn is_closer(token: &Token) -> bool {
    matches!(token.kind, TokenKind::Punct(")" | "]" | "}"))
}

/// Whether `word` is reserved and cannot be a name.
fn is_reserved(word: &str) -> bool {
    RESERVED.contains(&word)
}

/// A description for messages of a token of kind `kind` and text `source`: "`;`", "`foo`", "a
/// string literal", "end of file".
fn describe(source: &str, kind: &TokenKind) -> String {
    match kind {
        TokenKind::Eof => "end of file".into(),
        TokenKind::Str(_) if source.len() > 24 => "a string literal".into(),
        TokenKind::Template if source.len() > 24 => "a template literal".into(),
        _ if source.len() > 24 => format!("`{}…`", source.chars().take(20).collect::<String>()),
        _ => format!("`{source}`"),
    }
}

impl Parser<'_> {
    /// Reports the current token, a closing bracket with nothing open, as unexpected; returns its
    /// span (the caller decides whether to skip it).
    fn error_stray_closer(&mut self) -> crate::Span {
        let message = format!("unexpected {}", self.describe());
        let span = self.tok().span;
        self.error_at(
            diag::UNEXPECTED_TOKEN,
            message,
            span,
            Some("there is no open bracket to close here".into()),
        );
        span
    }
}
