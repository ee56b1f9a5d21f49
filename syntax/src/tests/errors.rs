//! Each kind of syntax error: its code, message and (where there is one) hint, plus recovery.

use crate::parse;

/// `(source, code, message, hint)`: the first error of `source` must match exactly (`hint` is
/// only compared when given).
const FIRST_ERRORS: &[(&str, &str, &str, Option<&str>)] = &[
    (
        "let a = 1 }",
        "E0101",
        "unexpected `}`",
        Some("there is no open bracket to close here"),
    ),
    ("f())", "E0101", "unexpected `)`", None),
    (
        "f(a;",
        "E0102",
        "expected `)` but found `;`",
        Some("to match the `(` opened at line 1, column 2"),
    ),
    (
        "let a = 1 2",
        "E0102",
        "expected `;` or a line break but found `2`",
        None,
    ),
    ("if a) b", "E0102", "expected `(` but found `a`", None),
    (
        "let a = 'abc",
        "E0103",
        "unterminated string literal",
        Some("close the string with `'` before the end of the line"),
    ),
    (
        "let a = \"abc\nlet b",
        "E0103",
        "unterminated string literal",
        None,
    ),
    (
        "/* no end",
        "E0104",
        "unterminated block comment",
        Some("close the comment with `*/`"),
    ),
    ("let a = 0x", "E0105", "invalid number literal `0x`", None),
    ("let a = 3px", "E0105", "invalid number literal `3px`", None),
    ("let a = 1e", "E0105", "invalid number literal `1e`", None),
    (
        "let a = 0b102",
        "E0105",
        "invalid number literal `0b102`",
        None,
    ),
    ("let a = 1 @ 2", "E0106", "unknown character `@`", None),
    ("let é = 1", "E0106", "unknown character `é`", None),
    (
        "let a = `abc",
        "E0108",
        "unterminated template literal",
        None,
    ),
    (
        "let a = 99999999999999999999",
        "E0109",
        "integer literal `99999999999999999999` is too large",
        None,
    ),
    (
        "let a = '\\xZZ'",
        "E0110",
        "invalid escape sequence `\\x`",
        None,
    ),
    (
        "function f() { export let a = 1 }",
        "E0111",
        "`export` is only allowed at the top level of a file",
        None,
    ),
    (
        "1 = 2",
        "E0112",
        "the left side of an assignment must be a variable, a property or an array element",
        None,
    ),
    (
        "f()++",
        "E0112",
        "the operand of `++` must be a variable, a property or an array element",
        None,
    ),
    (
        "let a = )",
        "E0113",
        "expected an expression but found `)`",
        None,
    ),
    (
        "let a = if",
        "E0113",
        "expected an expression but found `if`",
        None,
    ),
    (
        "let a = /re/",
        "E0113",
        "expected an expression but found `/`",
        Some("regular expressions are not supported"),
    ),
    ("let a: = 1", "E0114", "expected a type but found `=`", None),
    (
        "let 1 = 2",
        "E0115",
        "expected a variable name but found `1`",
        None,
    ),
    (
        "let if = 2",
        "E0115",
        "expected a variable name but found the reserved word `if`",
        None,
    ),
    (
        "a.(b)",
        "E0115",
        "expected a property name after `.` but found `(`",
        None,
    ),
    (
        "x instanceof 3",
        "E0115",
        "expected a class name after `instanceof` but found `3`",
        None,
    ),
    (
        "function f() {\n  let a = 1",
        "E0116",
        "expected `}` to close the `{` at 1:14 but found end of file",
        Some("add `}` to match the `{` opened at line 1, column 14"),
    ),
    (
        "function f(a?: integer) {}",
        "E0117",
        "optional parameters are not supported",
        None,
    ),
    (
        "function f(a = 1) {}",
        "E0117",
        "default parameter values are not supported",
        None,
    ),
    (
        "class A { get x() { return 1 } }",
        "E0117",
        "`get` and `set` accessors are not supported",
        None,
    ),
    (
        "function id<T>(x: T): T { return x }",
        "E0117",
        "generic type parameters are not supported",
        None,
    ),
    (
        "let a: { x: integer }",
        "E0117",
        "object types are not supported",
        None,
    ),
    (
        "-2 ** 2",
        "E0118",
        "a unary operator cannot be applied directly to the left side of `**`",
        None,
    ),
];

#[test]
fn first_error_of_each_kind() {
    let mut failures = Vec::new();
    for &(src, code, message, hint) in FIRST_ERRORS {
        let p = parse(src);
        let Some(e) = p.errors.first() else {
            failures.push(format!("{src:?}: no error"));
            continue;
        };
        let hint_ok = hint.is_none_or(|h| e.hint.as_deref() == Some(h));
        if e.code != code || e.message != message || !hint_ok {
            failures.push(format!(
                "{src:?}:\n  expected {code} {message:?} hint {hint:?}\n  got      {e:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn nesting_too_deep() {
    for src in [
        "(".repeat(1000),
        "[".repeat(1000),
        "{".repeat(1000),
        "- ".repeat(1000) + "x",
    ] {
        let p = parse(&src);
        assert!(
            p.errors.iter().any(|e| e.code == "E0107"),
            "{:?}",
            &p.errors
        );
    }
}

#[test]
fn too_many_errors_are_capped() {
    let src = "let = ;\n".repeat(500);
    let p = parse(&src);
    assert_eq!(p.errors.len(), 51);
    assert_eq!(p.errors.last().unwrap().code, "E0119");
}

#[test]
fn one_error_per_mistake() {
    // (source, number of errors): recovery does not cascade.
    let cases: &[(&str, usize)] = &[
        ("let a = ;\nlet b = 2", 1),
        ("f(a b c)\nlet x = 1", 1),
        ("let a = (1 + \nlet b = 2", 1),
        ("if (x { y }\nlet z = 1", 1),
        ("function f(a { }\nlet z = 1", 1),
        ("let a = 1 2 3 4\nlet b = 2", 1),
        ("class A { x: integer y: integer }\nlet z = 1", 1),
        ("let a = [1, 2\nlet b = 3", 1),
        ("f(;\ng(;", 2),
    ];
    for &(src, n) in cases {
        let p = parse(src);
        assert_eq!(p.errors.len(), n, "{src:?}: {:#?}", p.errors);
    }
}

#[test]
fn recovery_keeps_later_statements() {
    let p = parse("let a = ;\nlet b = 2\nfunction f() { let = 3; return 4 }\nlet c = 5");
    let s = super::sexpr::file(&p.file);
    assert_eq!(
        s,
        "(let a=error) (let b=2) (fn f () {(let) (return 4)}) (let c=5)"
    );
}

#[test]
fn errors_are_in_source_order() {
    let p = parse("let a = 'x\nlet b = ;\nlet c = 0x");
    let starts: Vec<u32> = p.errors.iter().map(|e| e.span.start).collect();
    let mut sorted = starts.clone();
    sorted.sort();
    assert_eq!(starts, sorted);
    assert_eq!(
        p.errors.iter().map(|e| e.code).collect::<Vec<_>>(),
        ["E0103", "E0113", "E0105"]
    );
}
