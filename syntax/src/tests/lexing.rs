//! The lexer on its own: token kinds, line-break flags, `>` splitting, and `line_col`.

use crate::lexer::{TokenKind, lex};
use crate::line_col;

/// Renders tokens as their text, with `\n` before those preceded by a line break.
fn tokens(src: &str) -> String {
    let (tokens, _) = lex(src);
    tokens
        .iter()
        .filter(|t| t.kind != TokenKind::Eof)
        .map(|t| {
            let text = &src[t.span.start as usize..t.span.end as usize];
            if t.newline_before {
                format!("\\n{text}")
            } else {
                text.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn punctuators_and_line_breaks() {
    let cases: &[(&str, &str)] = &[
        (
            "a=>b ... ?. ?? ** **= === !==",
            "a => b ... ?. ?? ** **= === !==",
        ),
        ("a>>>=b>>c>=d", "a > > > = b > > c > = d"),
        ("a<<=b<=c", "a <<= b <= c"),
        ("x?.5:1", "x ? .5 : 1"),
        ("a\nb /* c\n */ d // e\nf", "a \\nb \\nd \\nf"),
        ("a /* one line */ b", "a b"),
        ("`x\ny` z", "`x\ny` z"),
        ("code`int x;`", "code `int x;`"),
        ("1.5.toFixed", "1.5 . toFixed"),
    ];
    for &(src, expected) in cases {
        assert_eq!(tokens(src), expected, "{src:?}");
    }
}

#[test]
fn numbers() {
    let (t, errors) = lex("0 42 0xff 0b11 0o7 9223372036854775807 1e3 1.25");
    assert!(errors.is_empty());
    let kinds: Vec<TokenKind> = t.into_iter().map(|t| t.kind).collect();
    assert_eq!(
        kinds,
        [
            TokenKind::Int(0),
            TokenKind::Int(42),
            TokenKind::Int(255),
            TokenKind::Int(3),
            TokenKind::Int(7),
            TokenKind::Int(i64::MAX),
            TokenKind::Float(1000f64.to_bits()),
            TokenKind::Float(1.25f64.to_bits()),
            TokenKind::Eof,
        ]
    );
}

#[test]
fn byte_order_mark_and_unicode_whitespace() {
    assert_eq!(tokens("\u{feff}a\u{a0}b\u{2028}c"), "a b \\nc");
}

#[test]
fn line_and_column() {
    let text = "ab\ncdé\nf";
    assert_eq!(line_col(text, 0), (1, 1));
    assert_eq!(line_col(text, 2), (1, 3));
    assert_eq!(line_col(text, 3), (2, 1));
    assert_eq!(line_col(text, 7), (2, 4)); // after the two-byte `é`
    assert_eq!(line_col(text, 6), (2, 3)); // inside `é`: counts from its start
    assert_eq!(line_col(text, 8), (3, 1));
    assert_eq!(line_col(text, 9), (3, 2));
    assert_eq!(line_col(text, 100), (3, 2));
}
