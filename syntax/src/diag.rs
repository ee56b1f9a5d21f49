//! Syntax error codes and the error list with de-duplication and a cap.
//!
//! Every kind of syntax error has its own stable code, listed here; the crate docs repeat the table.

use crate::SyntaxError;

/// A token that fits nowhere (a stray `}` or `)`).
pub(crate) const UNEXPECTED_TOKEN: &str = "E0101";
/// A specific token was expected (`;`, `)`, `=>`, …) but another was found.
pub(crate) const EXPECTED_TOKEN: &str = "E0102";
/// A string literal runs to the end of its line or of the file.
pub(crate) const UNTERMINATED_STRING: &str = "E0103";
/// A `/*` comment has no `*/`.
pub(crate) const UNTERMINATED_COMMENT: &str = "E0104";
/// A malformed number literal (`0x`, `1e`, `3px`).
pub(crate) const INVALID_NUMBER: &str = "E0105";
/// A character that cannot start any token (`@`, `#`, non-ASCII outside strings).
pub(crate) const UNKNOWN_CHAR: &str = "E0106";
/// Expressions, statements or types nested deeper than the parser allows.
pub(crate) const TOO_DEEP: &str = "E0107";
/// A template literal has no closing backtick.
pub(crate) const UNTERMINATED_TEMPLATE: &str = "E0108";
/// An integer literal that does not fit in 64 bits.
pub(crate) const INTEGER_TOO_LARGE: &str = "E0109";
/// A malformed escape sequence in a string (`\xZZ`, `\u{}`).
pub(crate) const INVALID_ESCAPE: &str = "E0110";
/// `export` somewhere other than before a top-level declaration.
pub(crate) const MISPLACED_EXPORT: &str = "E0111";
/// The left side of `=`, `+=`, `++`, `--` is not a variable, property or element.
pub(crate) const INVALID_ASSIGN_TARGET: &str = "E0112";
/// An expression was expected.
pub(crate) const EXPECTED_EXPR: &str = "E0113";
/// A type was expected.
pub(crate) const EXPECTED_TYPE: &str = "E0114";
/// A name (identifier) was expected.
pub(crate) const EXPECTED_NAME: &str = "E0115";
/// The file ends while a bracket is still open.
pub(crate) const UNCLOSED_DELIMITER: &str = "E0116";
/// TypeScript syntax that has no place in the tree (optional or default parameters, accessors,
/// generic parameters, object and tuple types, …).
pub(crate) const UNSUPPORTED_SYNTAX: &str = "E0117";
/// `-x ** y` is ambiguous and needs parentheses.
pub(crate) const AMBIGUOUS_UNARY_POW: &str = "E0118";
/// More errors than are worth reporting; the rest are dropped.
pub(crate) const TOO_MANY_ERRORS: &str = "E0119";

/// The most errors reported for one file.
pub(crate) const MAX_ERRORS: usize = 50;

/// An error list that drops a second error at the position of the previous one (the usual
/// cascade) and stops growing far beyond [`MAX_ERRORS`].
#[derive(Debug, Default)]
pub(crate) struct Errors {
    list: Vec<SyntaxError>,
}

impl Errors {
    /// Whether an error starting at `start` would be recorded (so that callers can skip
    /// building its message).
    pub(crate) fn accepts(&self, start: u32) -> bool {
        self.list.len() < MAX_ERRORS * 4
            && self.list.last().is_none_or(|last| last.span.start != start)
    }

    /// Records `error` unless the previous error starts at the same place or there are far too
    /// many already.
    pub(crate) fn push(&mut self, error: SyntaxError) {
        if self.accepts(error.span.start) {
            self.list.push(error);
        }
    }

    /// How many errors have been recorded.
    pub(crate) fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether an error with `code` starting at or after offset `from` has been recorded.
    pub(crate) fn contains_since(&self, code: &str, from: u32) -> bool {
        self.list
            .iter()
            .rev()
            .take_while(|e| e.span.start >= from)
            .any(|e| e.code == code)
    }

    /// Forgets the errors recorded after the first `len` (used when backtracking).
    pub(crate) fn truncate(&mut self, len: usize) {
        self.list.truncate(len);
    }

    /// The recorded errors.
    pub(crate) fn into_vec(self) -> Vec<SyntaxError> {
        self.list
    }
}

/// Merges lexer and parser errors into source order, capped at [`MAX_ERRORS`] plus one final
/// "too many errors" note.
pub(crate) fn finish(mut errors: Vec<SyntaxError>, more: Vec<SyntaxError>) -> Vec<SyntaxError> {
    errors.extend(more);
    errors.sort_by_key(|e| (e.span.start, e.span.end));
    errors.dedup_by(|b, a| a.span.start == b.span.start && a.code == b.code);
    if errors.len() > MAX_ERRORS {
        let span = errors[MAX_ERRORS].span;
        errors.truncate(MAX_ERRORS);
        errors.push(SyntaxError {
            code: TOO_MANY_ERRORS,
            message: format!("too many syntax errors; only the first {MAX_ERRORS} are shown"),
            span,
            hint: None,
        });
    }
    errors
}
