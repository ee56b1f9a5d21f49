//! Compile errors as plain data: a stable code, a message, a span in one file and a hint.
//! The CLI turns them into `miette` reports; this crate stays free of presentation.

use syntax::Span;

/// One compile error in one file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    /// A stable code: `E01xx` syntax, `E02xx` types and names, `E03xx` not supported yet.
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
    /// The file it is in (the path as given to the compiler).
    pub file: String,
    /// Where in that file.
    pub span: Span,
    /// What to do about it, where that helps.
    pub hint: Option<String>,
}

/// Collects diagnostics for one file while checking.
#[derive(Debug, Default)]
pub(crate) struct Sink {
    /// The file the diagnostics are about.
    pub file: String,
    /// What was reported, in order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Sink {
    /// A sink for diagnostics about `file`.
    pub fn new(file: &str) -> Sink {
        Sink {
            file: file.to_string(),
            diagnostics: Vec::new(),
        }
    }

    /// Reports an error.
    pub fn error(&mut self, code: &'static str, span: Span, message: impl Into<String>) {
        self.push(code, span, message.into(), None);
    }

    /// Reports an error with a hint.
    pub fn error_hint(
        &mut self,
        code: &'static str,
        span: Span,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.push(code, span, message.into(), Some(hint.into()));
    }

    /// Reports a construct this compiler does not support yet.
    pub fn unsupported(&mut self, span: Span, what: &str) {
        self.push(
            "E0300",
            span,
            format!("{what} is not supported yet"),
            Some("this construct is part of BlueScript but this compiler version does not implement it".into()),
        );
    }

    fn push(&mut self, code: &'static str, span: Span, message: String, hint: Option<String>) {
        // One diagnostic per place: later errors at the same span are usually consequences.
        if self
            .diagnostics
            .iter()
            .any(|d| d.span == span && d.code == code)
        {
            return;
        }
        self.diagnostics.push(Diagnostic {
            code,
            message,
            file: self.file.clone(),
            span,
            hint,
        });
    }
}
