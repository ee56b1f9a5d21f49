//! Unit tests of the lexer and parser. Most are tables of source text and expected output.

mod cases;
mod errors;
mod lexing;
mod robustness;
mod sexpr;
mod spans;
mod walk;

use crate::{Parse, parse};

/// Checks every `(source, expected)` pair of a table, printing all mismatches at once.
/// With `expect_errors == false` a case must also parse without errors.
fn check_table(cases: &[(&str, &str)], expect_errors: bool) {
    let mut failures = Vec::new();
    for (src, expected) in cases {
        let p = parse(src);
        let got = sexpr::file(&p.file);
        if got != *expected {
            failures.push(format!(
                "source:   {src:?}\nexpected: {expected}\ngot:      {got}\nerrors:   {:?}",
                p.errors
            ));
        } else if !expect_errors && !p.errors.is_empty() {
            failures.push(format!(
                "source:   {src:?}\nunexpected errors: {:#?}",
                p.errors
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

/// Parses `src`, asserting there are no errors.
fn parse_ok(src: &str) -> Parse {
    let p = parse(src);
    assert!(
        p.errors.is_empty(),
        "unexpected errors in {src:?}: {:#?}",
        p.errors
    );
    p
}
