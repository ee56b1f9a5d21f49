//! Feeds truncated, mutated, shuffled and random inputs through parsing and checking: every
//! input must either produce at least one diagnostic or compile all the way to verified IR and
//! machine code, and nothing may panic.

use incremental::db::{self, Compiler, FunctionName, SourceFile};
use std::path::Path;

/// Parses and checks `src`; when it has no errors, lowers, verifies and compiles every function.
fn check_input(src: &str) {
    let db = Compiler::default();
    let file = SourceFile::new(&db, "fuzz.bs".into(), src.into(), 0);
    if !db::diagnostics(&db, file).is_empty() {
        return;
    }
    for name in db::function_names(&db, file) {
        let n = FunctionName::new(&db, name.clone());
        let f = db::lower_function(&db, file, n)
            .as_ref()
            .unwrap_or_else(|| panic!("{name} not lowered:\n{src}"));
        if let Err(e) = ir::verify::verify(f) {
            panic!("invalid IR for {name}: {e}\n{f}\nsource:\n{src}");
        }
        let code = db::compile_function(&db, file, n)
            .as_ref()
            .expect("compiled");
        assert!(code.is_ok(), "codegen failed: {code:?}\nsource:\n{src}");
    }
}

fn corpus() -> Vec<String> {
    let mut out = Vec::new();
    for dir in ["../testsuite/programs", "../examples"] {
        collect(&Path::new(env!("CARGO_MANIFEST_DIR")).join(dir), &mut out);
    }
    out.sort();
    assert!(out.len() >= 10, "the corpus is too small: {}", out.len());
    out
}

fn collect(dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "bs")
            && let Ok(t) = std::fs::read_to_string(&p)
        {
            out.push(t);
        }
    }
}

/// A reproducible xorshift generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Cuts at a char boundary at or before `i`.
fn cut(s: &str, mut i: usize) -> &str {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    &s[..i]
}

#[test]
fn truncated_programs() {
    for src in corpus() {
        for i in (0..src.len()).step_by(5) {
            check_input(cut(&src, i));
        }
    }
}

#[test]
fn mutated_programs() {
    let corpus = corpus();
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    const PIECES: &[&str] = &[
        "(",
        ")",
        "{",
        "}",
        "[",
        "]",
        ";",
        "\n",
        "let ",
        "x",
        "1",
        "1.5",
        "\"s\"",
        "+",
        "=",
        "==",
        "as any",
        ":",
        "integer",
        "float[]",
        "any",
        "return ",
        "function f(",
        "if (",
        "while (",
        "?",
        "!",
        ".length",
        "[0]",
        "++",
        "--",
        "null",
        "print(",
        "break",
        "continue",
        "new Array<integer>(2, 0)",
        "typeof ",
        "<<",
        "/",
    ];
    for _ in 0..1500 {
        let src = &corpus[rng.below(corpus.len())];
        let mut s = src.clone();
        for _ in 0..1 + rng.below(3) {
            let at = cut(&s, rng.below(s.len() + 1)).len();
            match rng.below(3) {
                0 => s.insert_str(at, PIECES[rng.below(PIECES.len())]),
                1 => {
                    let end = cut(&s, (at + 1 + rng.below(8)).min(s.len())).len();
                    s.replace_range(at..end.max(at), "");
                }
                _ => {
                    let end = cut(&s, (at + 1 + rng.below(8)).min(s.len())).len();
                    s.replace_range(at..end.max(at), PIECES[rng.below(PIECES.len())]);
                }
            }
        }
        check_input(&s);
    }
}

#[test]
fn shuffled_lines_and_random_text() {
    let corpus = corpus();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for src in corpus.iter().take(60) {
        let mut lines: Vec<&str> = src.lines().collect();
        for i in (1..lines.len()).rev() {
            lines.swap(i, rng.below(i + 1));
        }
        check_input(&lines.join("\n"));
    }
    const ALPHABET: &[u8] = b"abcxyz019 \n\t(){}[];:,.+-*/%<>=!&|^~?'\"`\\#@$_";
    for _ in 0..400 {
        let len = rng.below(120);
        let s: String = (0..len)
            .map(|_| ALPHABET[rng.below(ALPHABET.len())] as char)
            .collect();
        check_input(&s);
    }
    for depth in [100, 2000, 50_000] {
        for open in ["(", "[", "{", "!", "-", "a = "] {
            check_input(&open.repeat(depth));
        }
    }
}

#[test]
fn garbage_always_gets_a_diagnostic() {
    let db = Compiler::default();
    for src in [
        "let = ;",
        "function (",
        "}}}",
        "print(\"unterminated",
        "let x: = 1",
        "1 +",
        "@#$",
    ] {
        let file = SourceFile::new(&db, "g.bs".into(), src.into(), 0);
        assert!(
            !db::diagnostics(&db, file).is_empty(),
            "no diagnostic for {src:?}"
        );
    }
}
