//! Presenting compile errors and run-time errors to people: miette reports with the file, line,
//! column, the source line underlined and a hint.

use incremental::diagnostic::Diagnostic;
use miette::{LabeledSpan, MietteDiagnostic, NamedSource, Report};
use std::io::IsTerminal;

/// Installs miette's report handler: colours and Unicode only on a terminal, so that piped output
/// (and the test suite) sees stable plain text.
pub fn install_handler() {
    let tty = std::io::stderr().is_terminal();
    let _ = miette::set_hook(Box::new(move |_| {
        Box::new(
            miette::MietteHandlerOpts::new()
                .terminal_links(false)
                .color(tty)
                .unicode(tty)
                .width(100)
                .build(),
        )
    }));
}

/// A compile error as a miette report over its file's text.
pub fn diagnostic(d: &Diagnostic, text: &str) -> Report {
    let (line, col) = syntax::line_col(text, d.span.start);
    let start = (d.span.start as usize).min(text.len());
    let len = (d.span.end.saturating_sub(d.span.start) as usize).min(text.len() - start);
    let mut m = MietteDiagnostic::new(d.message.clone())
        .with_code(d.code)
        .with_label(LabeledSpan::at(
            start..start + len,
            format!("{}:{line}:{col}", d.file),
        ));
    if let Some(h) = &d.hint {
        m = m.with_help(h.clone());
    }
    Report::new(m).with_source_code(NamedSource::new(d.file.clone(), text.to_string()))
}

/// Prints every diagnostic of `program` to standard error, each over the text of its own file
/// (`text_of` gives a file's text by path), followed by a count.
pub fn print_diagnostics<'a>(
    program: &str,
    diags: &[Diagnostic],
    text_of: impl Fn(&str) -> &'a str,
) {
    for d in diags {
        eprintln!("{:?}", diagnostic(d, text_of(&d.file)));
    }
    let n = diags.len();
    eprintln!(
        "error: could not compile `{program}` due to {n} error{}",
        if n == 1 { "" } else { "s" }
    );
}

/// The text of a run-time error: the message, `at file:line:col`, then the source line with
/// the faulting expression underlined.
pub fn runtime_error(message: &str, location: Option<(&str, &str, u32, u32)>) -> String {
    let Some((file, text, start, end)) = location else {
        return format!("** runtime error: {message}\n");
    };
    let (line, col) = syntax::line_col(text, start);
    let line_text = text.lines().nth(line as usize - 1).unwrap_or("");
    let width = line_text.chars().count() as u32;
    let underline = (end.saturating_sub(start)).clamp(1, width.saturating_sub(col - 1).max(1));
    let gutter = line.to_string().len();
    format!(
        "** runtime error: {message} at {file}:{line}:{col}\n{:gutter$} |\n{line} | {line_text}\n{:gutter$} | {}{}\n",
        "",
        "",
        " ".repeat(col as usize - 1),
        "^".repeat(underline as usize),
    )
}
