//! Node spans cover exactly their text.

use super::{parse_ok, walk};
use crate::ast::{Expr, Item, Stmt};

/// The source text of every statement and expression of a one-statement file.
fn top_span_text(src: &str) -> String {
    let p = parse_ok(src);
    let span = p.file.items[0].span();
    src[span.start as usize..span.end as usize].to_string()
}

#[test]
fn spans_cover_exactly_the_construct() {
    let cases: &[&str] = &[
        "(a + b) * c",
        "a = (b)",
        "f(a, (b))",
        "x => (x)",
        "new Array<integer>(3)",
        "a[(i)]++",
        "-(a)",
        "let a: integer[] = [1, 2];",
        "if (a) { b } else c",
        "function f(a: integer): void { return }",
        "class C { x: integer; m() {} }",
        "enum E { A = 1 }",
        "import { a } from 'b';",
        "for (;;) {}",
        "do x(); while (y);",
        "return;",
        "type T = integer | null;",
    ];
    for src in cases {
        assert_eq!(top_span_text(src), *src);
    }
}

#[test]
fn inner_spans() {
    let src = "let x = (a + b) * c.d";
    let p = parse_ok(src);
    let Item::Stmt(Stmt::VarDecl { decls, .. }) = &p.file.items[0] else {
        panic!()
    };
    let init = decls[0].init.as_ref().unwrap();
    let Expr::Binary(_, l, r, _) = init else {
        panic!()
    };
    let text = |e: &Expr| &src[e.span().start as usize..e.span().end as usize];
    assert_eq!(text(init), "(a + b) * c.d");
    assert_eq!(text(l), "a + b");
    assert_eq!(text(r), "c.d");
    assert_eq!(
        &src[decls[0].span.start as usize..decls[0].span.end as usize],
        "x = (a + b) * c.d"
    );
}

/// In a well-formed program no non-empty span starts or ends with whitespace, and every span
/// lies inside the file.
#[test]
fn no_span_has_surrounding_whitespace() {
    for src in super::robustness::PROGRAMS {
        let p = parse_ok(src);
        let nodes = walk::collect(&p.file);
        for (what, span) in nodes.spans {
            assert!(
                span.start <= span.end && span.end as usize <= src.len(),
                "{what} {span:?}"
            );
            let text = &src[span.start as usize..span.end as usize];
            assert_eq!(
                text,
                text.trim(),
                "{what} span {span:?} has surrounding whitespace"
            );
        }
    }
}

#[test]
fn parsing_at_an_offset_shifts_every_span_and_nothing_else() {
    let cases: &[&str] = &[
        "function f(a: integer): integer { return (a + 1) * 2 }",
        "let s = \"é\" + 'x'; print(s)",
        "class C { x: integer; constructor() { this.x = -(1) ** 2 } }",
        "let a = [1, 2",
        "let b = -2 ** 2",
        "print(`t ${x}`)",
        "let c = 0x",
    ];
    for src in cases {
        for base in [0u32, 1, 37] {
            let padded = format!("{}{src}", " ".repeat(base as usize));
            let (at, whole) = (crate::parse_at(src, base), crate::parse(&padded));
            assert_eq!(at.file, whole.file, "{src} at {base}");
            let spans = |p: &crate::Parse| p.errors.iter().map(|e| e.span).collect::<Vec<_>>();
            assert_eq!(spans(&at), spans(&whole), "{src} at {base}");
        }
    }
}
