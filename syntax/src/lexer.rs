//! The lexer: source text to tokens.
//!
//! Every token records whether a line break preceded it, which the parser needs for automatic
//! semicolon insertion. `>` is always its own token (never `>>`, `>=`, …): the parser joins
//! adjacent `>` and `=` tokens into shift and comparison operators where an expression needs them,
//! which lets `Array<Array<integer>>` close two type argument lists without re-scanning.

use crate::diag::{self, Errors};
use crate::{Span, SyntaxError};

/// What kind of token a [`Token`] is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenKind {
    /// An identifier or a keyword; its text is the source text of its span.
    Word,
    /// An integer literal (decimal, `0x`, `0b`, `0o`).
    Int(i64),
    /// A float literal (with `.` or an exponent), as the bits of an `f64`.
    Float(u64),
    /// A string literal with its escapes resolved.
    Str(Vec<u8>),
    /// A whole template literal `` `…` ``, including any `${…}` parts.
    Template,
    /// A punctuator such as `(`, `=>` or `>>>=`-less operators (see the module docs for `>`).
    Punct(&'static str),
    /// The end of the input.
    Eof,
}

/// One token of the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// What it is.
    pub kind: TokenKind,
    /// Where it is.
    pub span: Span,
    /// Whether a line break (possibly inside a comment) comes between the previous token and this one.
    pub newline_before: bool,
}

/// Punctuators, longest first so that the first match is the longest one. `>`-compounds are
/// deliberately missing (see the module docs).
const PUNCTS: &[&str] = &[
    "...", "===", "!==", "**=", "<<=", "&&=", "||=", "??=", "=>", "==", "!=", "<=", "&&", "||",
    "??", "?.", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "**", "<<", "{", "}",
    "(", ")", "[", "]", ";", ",", "<", ">", "+", "-", "*", "/", "%", "&", "|", "^", "!", "~", "?",
    ":", "=", ".",
];

/// Splits `text` into tokens, always ending with one [`TokenKind::Eof`]. Never fails: malformed
/// pieces are reported in the returned errors and skipped or approximated.
pub fn lex(text: &str) -> (Vec<Token>, Vec<SyntaxError>) {
    let mut lexer = Lexer {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        tokens: Vec::new(),
        errors: Errors::default(),
    };
    lexer.run();
    (lexer.tokens, lexer.errors.into_vec())
}

/// Whether `b` may start an identifier.
pub(crate) fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b'$'
}

/// Whether `b` may continue an identifier.
pub(crate) fn is_ident_continue(b: u8) -> bool {
    is_ident_start(b) || b.is_ascii_digit()
}

struct Lexer<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    tokens: Vec<Token>,
    errors: Errors,
}

impl Lexer<'_> {
    fn peek(&self, ahead: usize) -> u8 {
        self.bytes.get(self.pos + ahead).copied().unwrap_or(0)
    }

    fn span_from(&self, start: usize) -> Span {
        Span::new(start as u32, self.pos as u32)
    }

    fn error(&mut self, code: &'static str, message: String, span: Span) {
        self.errors.push(SyntaxError {
            code,
            message,
            span,
            hint: None,
        });
    }

    fn run(&mut self) {
        if self.text.starts_with('\u{feff}') {
            self.pos = 3;
        }
        loop {
            let newline_before = self.skip_trivia();
            let start = self.pos;
            if start >= self.bytes.len() {
                let span = self.span_from(start);
                self.tokens.push(Token {
                    kind: TokenKind::Eof,
                    span,
                    newline_before,
                });
                return;
            }
            if let Some(kind) = self.token() {
                let span = self.span_from(start);
                self.tokens.push(Token {
                    kind,
                    span,
                    newline_before,
                });
            }
        }
    }

    /// Skips whitespace and comments; returns whether a line break was among them.
    fn skip_trivia(&mut self) -> bool {
        let mut newline = false;
        while self.pos < self.bytes.len() {
            match self.bytes[self.pos] {
                b'\n' => {
                    newline = true;
                    self.pos += 1;
                }
                b' ' | b'\t' | b'\r' | 0x0b | 0x0c => self.pos += 1,
                b'/' if self.peek(1) == b'/' => {
                    while self.pos < self.bytes.len() && self.bytes[self.pos] != b'\n' {
                        self.pos += 1;
                    }
                }
                b'/' if self.peek(1) == b'*' => newline |= self.block_comment(),
                b if b >= 0x80 => {
                    let c = self.text[self.pos..].chars().next().unwrap_or(' ');
                    if !c.is_whitespace() && c != '\u{feff}' {
                        break;
                    }
                    newline |= matches!(c, '\u{2028}' | '\u{2029}');
                    self.pos += c.len_utf8();
                }
                _ => break,
            }
        }
        newline
    }

    /// Skips a `/* … */` comment; returns whether it contains a line break.
    fn block_comment(&mut self) -> bool {
        let start = self.pos;
        self.pos += 2;
        let mut newline = false;
        while self.pos < self.bytes.len() {
            if self.bytes[self.pos] == b'*' && self.peek(1) == b'/' {
                self.pos += 2;
                return newline;
            }
            newline |= self.bytes[self.pos] == b'\n';
            self.pos += 1;
        }
        let span = Span::new(start as u32, start as u32 + 2);
        self.errors.push(SyntaxError {
            code: diag::UNTERMINATED_COMMENT,
            message: "unterminated block comment".into(),
            span,
            hint: Some("close the comment with `*/`".into()),
        });
        newline
    }

    /// Scans one token starting at a non-trivia byte; `None` when the byte was skipped as unknown.
    fn token(&mut self) -> Option<TokenKind> {
        let b = self.bytes[self.pos];
        if is_ident_start(b) {
            while self.pos < self.bytes.len() && is_ident_continue(self.bytes[self.pos]) {
                self.pos += 1;
            }
            return Some(TokenKind::Word);
        }
        if b.is_ascii_digit() || (b == b'.' && self.peek(1).is_ascii_digit()) {
            return Some(self.number());
        }
        match b {
            b'"' | b'\'' => return Some(self.string(b)),
            b'`' => return Some(self.template()),
            b'?' if self.peek(1) == b'.' && self.peek(2).is_ascii_digit() => {
                // `a?.5:1` is a conditional, not optional chaining.
                self.pos += 1;
                return Some(TokenKind::Punct("?"));
            }
            _ => {}
        }
        let rest = &self.bytes[self.pos..];
        if let Some(p) = PUNCTS.iter().find(|p| rest.starts_with(p.as_bytes())) {
            self.pos += p.len();
            return Some(TokenKind::Punct(p));
        }
        let start = self.pos;
        let c = self.text[self.pos..].chars().next().unwrap_or('\u{fffd}');
        self.pos += c.len_utf8().max(1);
        let span = self.span_from(start);
        self.error(
            diag::UNKNOWN_CHAR,
            format!("unknown character `{}`", c.escape_debug()),
            span,
        );
        None
    }

    fn number(&mut self) -> TokenKind {
        let start = self.pos;
        let radix = match (self.peek(0), self.peek(1) | 0x20) {
            (b'0', b'x') => 16,
            (b'0', b'b') => 2,
            (b'0', b'o') => 8,
            _ => 10,
        };
        if radix != 10 {
            self.pos += 2;
            return self.radix_int(start, radix);
        }
        let mut is_float = false;
        self.digits();
        if self.peek(0) == b'.' {
            is_float = true;
            self.pos += 1;
            self.digits();
        }
        let mut valid = true;
        if self.peek(0) | 0x20 == b'e' {
            is_float = true;
            self.pos += 1;
            if matches!(self.peek(0), b'+' | b'-') {
                self.pos += 1;
            }
            valid = self.peek(0).is_ascii_digit();
            self.digits();
        }
        valid &= !self.trailing_ident_chars();
        let text: String = self.text[start..self.pos]
            .chars()
            .filter(|&c| c != '_')
            .collect();
        let span = self.span_from(start);
        if !valid {
            self.invalid_number(span);
            return TokenKind::Int(0);
        }
        if is_float {
            let value: f64 = text.parse().unwrap_or(0.0);
            return TokenKind::Float(value.to_bits());
        }
        let mut value: i64 = 0;
        for d in text.bytes() {
            match value
                .checked_mul(10)
                .and_then(|v| v.checked_add(i64::from(d - b'0')))
            {
                Some(v) => value = v,
                None => return self.too_large(span),
            }
        }
        TokenKind::Int(value)
    }

    /// Scans `0x…`, `0b…`, `0o…` digits after the prefix.
    fn radix_int(&mut self, start: usize, radix: u32) -> TokenKind {
        let digits_start = self.pos;
        while self.pos < self.bytes.len() && is_ident_continue(self.bytes[self.pos]) {
            self.pos += 1;
        }
        let span = self.span_from(start);
        let digits: Vec<u8> = self.bytes[digits_start..self.pos]
            .iter()
            .copied()
            .filter(|&b| b != b'_')
            .collect();
        if digits.is_empty() || self.peek(0) == b'.' {
            self.invalid_number(span);
            return TokenKind::Int(0);
        }
        let mut value: i64 = 0;
        for d in digits {
            let Some(digit) = char::from(d).to_digit(radix) else {
                self.invalid_number(span);
                return TokenKind::Int(0);
            };
            match value
                .checked_mul(i64::from(radix))
                .and_then(|v| v.checked_add(i64::from(digit)))
            {
                Some(v) => value = v,
                None => return self.too_large(span),
            }
        }
        TokenKind::Int(value)
    }

    fn digits(&mut self) {
        while self.pos < self.bytes.len()
            && (self.bytes[self.pos].is_ascii_digit() || self.bytes[self.pos] == b'_')
        {
            self.pos += 1;
        }
    }

    /// Consumes letters glued to a number (`3px`); returns whether there were any.
    fn trailing_ident_chars(&mut self) -> bool {
        let start = self.pos;
        while self.pos < self.bytes.len() && is_ident_continue(self.bytes[self.pos]) {
            self.pos += 1;
        }
        self.pos > start
    }

    fn invalid_number(&mut self, span: Span) {
        let text = &self.text[span.start as usize..span.end as usize];
        self.error(
            diag::INVALID_NUMBER,
            format!("invalid number literal `{text}`"),
            span,
        );
    }

    fn too_large(&mut self, span: Span) -> TokenKind {
        let text = &self.text[span.start as usize..span.end as usize];
        self.errors.push(SyntaxError {
            code: diag::INTEGER_TOO_LARGE,
            message: format!("integer literal `{text}` is too large"),
            span,
            hint: Some(
                "integers are 32 bits wide; use a float literal such as `1e20` for large values"
                    .into(),
            ),
        });
        TokenKind::Int(i64::MAX)
    }

    fn string(&mut self, quote: u8) -> TokenKind {
        let start = self.pos;
        self.pos += 1;
        let mut value = Vec::new();
        while let Some(&b) = self.bytes.get(self.pos) {
            match b {
                b'\n' => break,
                b'\\' => self.escape(&mut value),
                _ if b == quote => {
                    self.pos += 1;
                    return TokenKind::Str(value);
                }
                _ => {
                    value.push(b);
                    self.pos += 1;
                }
            }
        }
        let span = self.span_from(start);
        self.errors.push(SyntaxError {
            code: diag::UNTERMINATED_STRING,
            message: "unterminated string literal".into(),
            span,
            hint: Some(format!(
                "close the string with `{}` before the end of the line",
                char::from(quote)
            )),
        });
        TokenKind::Str(value)
    }

    /// Decodes one escape sequence starting at the backslash, appending its UTF-8 bytes to `out`.
    fn escape(&mut self, out: &mut Vec<u8>) {
        let start = self.pos;
        self.pos += 1;
        let Some(&b) = self.bytes.get(self.pos) else {
            return;
        };
        self.pos += 1;
        let simple = match b {
            b'n' => Some(b'\n'),
            b't' => Some(b'\t'),
            b'r' => Some(b'\r'),
            b'b' => Some(8),
            b'f' => Some(12),
            b'v' => Some(11),
            b'0' if !self.peek(0).is_ascii_digit() => Some(0),
            b'\n' => return,
            b'\r' => {
                if self.peek(0) == b'\n' {
                    self.pos += 1;
                }
                return;
            }
            _ => None,
        };
        if let Some(byte) = simple {
            out.push(byte);
            return;
        }
        let code = match b {
            b'x' => self.hex_digits(2),
            b'u' if self.peek(0) == b'{' => self.braced_code_point(),
            b'u' => self.unicode_escape(),
            b if b >= 0x80 => {
                // An escaped non-ASCII character stands for itself.
                self.pos -= 1;
                let c = self.text[self.pos..].chars().next().unwrap_or('\u{fffd}');
                self.pos += c.len_utf8();
                Some(u32::from(c))
            }
            b if b.is_ascii_digit() => None,
            b => Some(u32::from(b)),
        };
        match code.and_then(char::from_u32) {
            Some(c) => out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
            None => {
                let span = self.span_from(start);
                let text = self.text.get(start..self.pos).unwrap_or("\\");
                self.errors.push(SyntaxError {
                    code: diag::INVALID_ESCAPE,
                    message: format!("invalid escape sequence `{text}`"),
                    span,
                    hint: Some(
                        "use `\\xHH`, `\\uHHHH` or `\\u{H…}` with hexadecimal digits".into(),
                    ),
                });
            }
        }
    }

    /// Reads exactly `n` hex digits.
    fn hex_digits(&mut self, n: usize) -> Option<u32> {
        let mut value = 0;
        for _ in 0..n {
            let digit = char::from(self.peek(0)).to_digit(16)?;
            value = value * 16 + digit;
            self.pos += 1;
        }
        Some(value)
    }

    /// `\u{1F600}` after the `u`.
    fn braced_code_point(&mut self) -> Option<u32> {
        self.pos += 1;
        let mut value: u32 = 0;
        let mut any = false;
        while let Some(d) = char::from(self.peek(0)).to_digit(16) {
            value = value.saturating_mul(16).saturating_add(d);
            any = true;
            self.pos += 1;
        }
        if self.peek(0) != b'}' || !any {
            return None;
        }
        self.pos += 1;
        Some(value)
    }

    /// `\uHHHH` after the `u`, combining a surrogate pair written as two escapes.
    fn unicode_escape(&mut self) -> Option<u32> {
        let high = self.hex_digits(4)?;
        if !(0xd800..0xdc00).contains(&high) {
            return Some(if (0xdc00..0xe000).contains(&high) {
                0xfffd
            } else {
                high
            });
        }
        if self.peek(0) == b'\\' && self.peek(1) == b'u' {
            let save = self.pos;
            self.pos += 2;
            match self.hex_digits(4) {
                Some(low) if (0xdc00..0xe000).contains(&low) => {
                    return Some(0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00));
                }
                _ => self.pos = save,
            }
        }
        Some(0xfffd)
    }

    /// Scans a whole template literal, including nested `${ … }` code with its own strings and
    /// templates, with an explicit stack so that nesting cannot overflow the call stack.
    fn template(&mut self) -> TokenKind {
        let start = self.pos;
        self.pos += 1;
        // `true` = inside template text, `false` = inside `${ … }` code (or a `{` within it).
        let mut stack = vec![true];
        while let Some(&in_text) = stack.last() {
            let Some(&b) = self.bytes.get(self.pos) else {
                break;
            };
            if in_text {
                match b {
                    b'\\' => self.pos += 1,
                    b'`' => {
                        stack.pop();
                    }
                    b'$' if self.peek(1) == b'{' => {
                        stack.push(false);
                        self.pos += 1;
                    }
                    _ => {}
                }
                self.pos = (self.pos + 1).min(self.bytes.len());
                continue;
            }
            match b {
                b'{' => stack.push(false),
                b'}' => {
                    stack.pop();
                }
                b'`' => stack.push(true),
                b'"' | b'\'' => {
                    self.skip_string_in_template(b);
                    continue;
                }
                b'/' if self.peek(1) == b'/' => {
                    while self.pos < self.bytes.len() && self.bytes[self.pos] != b'\n' {
                        self.pos += 1;
                    }
                    continue;
                }
                b'/' if self.peek(1) == b'*' => {
                    self.block_comment();
                    continue;
                }
                _ => {}
            }
            self.pos += 1;
        }
        if !stack.is_empty() {
            self.pos = self.bytes.len();
            let span = Span::new(start as u32, start as u32 + 1);
            self.errors.push(SyntaxError {
                code: diag::UNTERMINATED_TEMPLATE,
                message: "unterminated template literal".into(),
                span,
                hint: Some("close the template literal with a backtick".into()),
            });
        }
        TokenKind::Template
    }

    fn skip_string_in_template(&mut self, quote: u8) {
        self.pos += 1;
        while let Some(&b) = self.bytes.get(self.pos) {
            self.pos += 1;
            if b == b'\\' {
                self.pos = (self.pos + 1).min(self.bytes.len());
            } else if b == quote || b == b'\n' {
                return;
            }
        }
    }
}
