//! The parser never panics, never hangs and never overflows the stack, whatever the input:
//! truncations, mutations and shuffles of realistic programs, random text, and deep nesting.

use super::walk;
use crate::lexer::{TokenKind, lex};
use crate::{Parse, parse};

/// Realistic, well-formed BlueScript programs.
pub(super) const PROGRAMS: &[&str] = &[
    r#"import { Led, blink as flash } from './led'
import type { Pin } from 'gpio/types'

type integer = number

enum State { Off = 0, On = 1, Error = -1 }

export class Counter {
    count: integer
    static instances: integer
    constructor(start: integer) {
        this.count = start
        Counter.instances += 1
    }
    next(): integer { return ++this.count }
}

export function fib(n: integer): integer {
    if (n < 2) return n
    else return fib(n - 1) + fib(n - 2)
}

let total = 0, names: string[] = ['a', "b"]
for (let i = 0; i < 10; i++) {
    total += i * 2 ** 3 % 7
    if (total > 100 && !(i & 1)) { break }
}
const f = (x: float, y): float => x * 1.5e2 + y
print(f(2.0, 3) as integer)
console.log("total:", total >>> 1, typeof names)
"#,
    r#"class Shape {
    name: string;
    constructor(name: string) { this.name = name; }
    area(): float { return 0.0; }
    describe(): string { return this.name + " " + this.area(); }
}

class Circle extends Shape {
    r: float;
    constructor(r: float) { super("circle"); this.r = r; }
    area(): float { return Math.PI * this.r * this.r; }
}

function sum(xs: float[]): float {
    let s = 0.0;
    let i = 0;
    while (i < xs.length) { s += xs[i]; i++; }
    do { s -= 0.5 } while (s > 100.0);
    return s;
}

const shapes: Shape[] = [new Circle(1.0), new Circle(2.5)];
let areas = new Array<float>(shapes.length, 0.0);
for (let i = 0; i < shapes.length; i++) {
    const s = shapes[i];
    areas[i] = s instanceof Circle ? s.area() : -1.0;
}
let maybe: Shape | null = null;
let cb: ((x: integer) => void) | undefined = undefined;
print(sum(areas) >= 3 ? 'big' : 'small');
"#,
    r#"let buf = new Uint8Array(16, 0)
let fixed = new FixedArray(4, null)
let grid: integer[][] = [[1, 2], [3, 4],]
let acc: any = 0
function apply(f: (a: integer) => integer, v: integer): integer { return f(v) }
let adder = (n: integer) => (m: integer) => n + m
let inc = adder(1)
acc = apply(x => x * 2, inc(20))
let bits = ~acc | 0xF0 ^ 0b1010 & 0o7 << 2 >> 1
let cond = acc === 42 || acc !== 41 && acc != null
while (true) {
    time.delay(100)
    if (time.now() > 1000.0) break
    else continue
}
export const greeting = 'caf\u00e9 \x41\n'
grid[0][1] -= buf[3]--
"#,
];

/// A small xorshift PRNG, so that the test is reproducible without external crates.
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

/// Parses `src` and checks the invariants that hold for every input.
fn check(src: &str) -> Parse {
    let p = parse(src);
    let len = src.len() as u32;
    assert!(p.errors.len() <= 51, "too many errors for {src:?}");
    for e in &p.errors {
        assert!(
            e.span.start <= e.span.end && e.span.end <= len,
            "bad error span {e:?} in {src:?}"
        );
        assert!(e.code.starts_with("E01"), "{e:?}");
    }
    let nodes = walk::collect(&p.file);
    for (what, span) in &nodes.spans {
        assert!(
            span.start <= span.end && span.end <= len,
            "bad {what} span {span:?} in {src:?}"
        );
    }
    if nodes.has_error_node {
        assert!(
            !p.errors.is_empty(),
            "error node without an error in {src:?}"
        );
    }
    if bracket_balance(src) != 0 {
        assert!(
            !p.errors.is_empty(),
            "unbalanced brackets without an error in {src:?}"
        );
    }
    p
}

/// Openers minus closers among the tokens of `src`.
fn bracket_balance(src: &str) -> i64 {
    let (tokens, _) = lex(src);
    tokens
        .iter()
        .map(|t| match t.kind {
            TokenKind::Punct("(" | "[" | "{") => 1,
            TokenKind::Punct(")" | "]" | "}") => -1,
            _ => 0,
        })
        .sum()
}

/// The source text of each token of `src`.
fn token_texts(src: &str) -> Vec<&str> {
    let (tokens, _) = lex(src);
    tokens
        .iter()
        .map(|t| &src[t.span.start as usize..t.span.end as usize])
        .collect()
}

#[test]
fn realistic_programs_parse_cleanly() {
    for src in PROGRAMS {
        let p = parse(src);
        assert!(p.errors.is_empty(), "{:#?}", p.errors);
        assert!(!p.file.items.is_empty());
    }
}

#[test]
fn every_truncation() {
    for src in PROGRAMS {
        for end in (0..=src.len()).filter(|&i| src.is_char_boundary(i)) {
            check(&src[..end]);
        }
    }
}

#[test]
fn random_mutations() {
    const INSERTS: &[&str] = &[
        "(", ")", "[", "]", "{", "}", ";", ",", "=>", "=", "<", ">", "'", "\"", "`", "/*", "//",
        "\n", "let", "if", "else", "class", "function", "return", "new", "?", ":", ".", "...",
        "0x", "1e", "@", "é", "\\", "++", "as",
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..2000 {
        let src = PROGRAMS[round % PROGRAMS.len()];
        let mut tokens: Vec<String> = token_texts(src).into_iter().map(String::from).collect();
        for _ in 0..1 + rng.below(3) {
            let i = rng.below(tokens.len());
            match rng.below(4) {
                0 => {
                    tokens.remove(i);
                }
                1 => tokens.insert(i, INSERTS[rng.below(INSERTS.len())].to_string()),
                2 => {
                    let j = rng.below(tokens.len());
                    tokens.swap(i, j);
                }
                _ => {
                    // A byte-level change inside a token.
                    let t = &mut tokens[i];
                    if !t.is_empty() && t.is_char_boundary(1) {
                        t.remove(0);
                    }
                }
            }
        }
        let sep = if round % 2 == 0 { " " } else { "\n" };
        check(&tokens.join(sep));
    }
}

#[test]
fn token_shuffles() {
    let mut rng = Rng(12345);
    for round in 0..60 {
        let mut tokens = token_texts(PROGRAMS[round % PROGRAMS.len()]);
        for i in (1..tokens.len()).rev() {
            let j = rng.below(i + 1);
            tokens.swap(i, j);
        }
        check(&tokens.join(" "));
    }
}

#[test]
fn random_ascii() {
    const ALPHABET: &[u8] = b"abcxyz019 \n\t(){}[];,.:?=<>+-*/%&|^!~'\"`\\@#$_";
    let mut rng = Rng(0xdead_beef);
    for _ in 0..600 {
        let len = rng.below(120);
        let src: String = (0..len)
            .map(|_| char::from(ALPHABET[rng.below(ALPHABET.len())]))
            .collect();
        check(&src);
    }
}

#[test]
fn deep_nesting() {
    const N: usize = 20_000;
    // 100,000 brackets; other patterns 20,000 times, which is just as deep for the parser.
    let deep = [
        "(".repeat(100_000),
        "[".repeat(100_000),
        "{".repeat(100_000),
        "-".repeat(N),
        "!".repeat(N) + "x",
        "a=".repeat(N) + "1",
        "x=>".repeat(N) + "1",
        "a?b:".repeat(N) + "c",
        "a**".repeat(N) + "a",
        "if(x)".repeat(N) + "y",
        "let a: ".to_string() + &"Array<".repeat(N),
        "let a: ".to_string() + &"(a:".repeat(N),
        "f(".repeat(N),
        "(a,".repeat(N),
        "new ".repeat(N),
        "function f(){".repeat(N),
        "class A{m(){".repeat(N),
        "(".repeat(N) + &")".repeat(N),
        "`${".repeat(N),
        "a+".repeat(N) + "a",
        "a.".repeat(N) + "a",
        "f()".repeat(N),
        "x[0]".repeat(N),
        "let a: integer".to_string() + &"[]".repeat(N),
    ];
    for src in &deep {
        let t0 = std::time::Instant::now();
        let p = parse(src);
        eprintln!("deep: {:?} {:?}", &src[..12], t0.elapsed());
        assert!(
            !p.errors.is_empty(),
            "no error for deep input starting {:?}",
            &src[..20]
        );
        check(src);
    }
}

#[test]
fn long_chains_are_bounded_and_later_items_survive() {
    let src = format!("let a = {}a\nlet b = 1", "a + ".repeat(2000));
    let p = parse(&src);
    assert_eq!(
        p.errors.iter().map(|e| e.code).collect::<Vec<_>>(),
        ["E0107"]
    );
    assert_eq!(super::sexpr::file(&p.file), "error (let b=1)");
    // Just below the bound, a long chain is fine.
    let src = format!("let a = {}a", "a + ".repeat(400));
    assert!(parse(&src).errors.is_empty());
}
