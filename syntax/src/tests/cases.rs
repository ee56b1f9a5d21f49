//! Every construct, precedence and automatic semicolon insertion, as tables of source text and the
//! S-expression of the resulting tree.

use super::check_table;

#[test]
fn literals() {
    check_table(
        &[
            ("1", "1"),
            ("0x1F; 0b101; 0o17; 0XfF", "31 5 15 255"),
            (
                "1.5; 1e3; 2.5e-3; .5; 1.; 3E+2",
                "1.5f 1000.0f 0.0025f 0.5f 1.0f 300.0f",
            ),
            ("1_000_000", "1000000"),
            ("4294967296", "4294967296"),
            (r#"'a' + "b""#, r#"(+ "a" "b")"#),
            (
                r#""\n\t\r\\\'\"\0\x41\u00e9\u{1F600}\uD83D\uDE00""#,
                r#""\n\t\r\\'\"\0Aé😀😀""#,
            ),
            ("'héllo wörld'", r#""héllo wörld""#),
            ("true; false; null; undefined", "true false null undefined"),
            ("this; super.m()", "this (call (. super m))"),
            ("[1, 2, 3,]; []; [[1], [2]]", "[1 2 3] [] [[1] [2]]"),
        ],
        false,
    );
}

#[test]
fn precedence() {
    check_table(
        &[
            ("a + b * c", "(+ a (* b c))"),
            ("a * b + c", "(+ (* a b) c)"),
            ("a - b - c", "(- (- a b) c)"),
            ("a ** b ** c", "(** a (** b c))"),
            ("(-a) ** b", "(** (- a) b)"),
            ("a * b ** c", "(* a (** b c))"),
            ("a = b = c", "(= a (= b c))"),
            ("a += b -= c", "(+= a (-= b c))"),
            ("a || b && c", "(|| a (&& b c))"),
            ("a && b || c", "(|| (&& a b) c)"),
            ("a | b ^ c & d", "(| a (^ b (& c d)))"),
            ("a == b < c", "(== a (< b c))"),
            ("a != b === c !== d", "(!== (=== (!= a b) c) d)"),
            ("a < b << c", "(< a (<< b c))"),
            ("a >> b >>> c", "(>>> (>> a b) c)"),
            ("a >= b > c <= d", "(<= (> (>= a b) c) d)"),
            ("a << b + c", "(<< a (+ b c))"),
            ("a % b / c", "(/ (% a b) c)"),
            ("a ? b : c ? d : e", "(? a b (? c d e))"),
            ("a ? b = 1 : c", "(? a (= b 1) c)"),
            ("x = a ? b : c", "(= x (? a b c))"),
            ("a || b ? c : d", "(? (|| a b) c d)"),
            ("-a + !b", "(+ (- a) (! b))"),
            (
                "- -a; ~~a; !!a; +-a",
                "(- (- a)) (~ (~ a)) (! (! a)) (+ (- a))",
            ),
            ("typeof a + 1", "(+ (typeof a) 1)"),
            ("typeof a === 'integer'", r#"(=== (typeof a) "integer")"#),
            ("-a.b[c](d)", "(- (call (idx (. a b) c) d))"),
            ("++a.b; a.b++", "(++pre (. a b)) (post++ (. a b))"),
            ("--a; a--", "(--pre a) (post-- a)"),
            ("-a++", "(- (post++ a))"),
            ("a as integer + 1", "(+ (as a integer) 1)"),
            ("a + b as float", "(as (+ a b) float)"),
            ("a as any as string", "(as (as a any) string)"),
            ("a < b as any", "(as (< a b) any)"),
            ("x instanceof C && y", "(&& (instanceof x C) y)"),
            ("a + b instanceof C", "(instanceof (+ a b) C)"),
            ("(a + b) * c", "(* (+ a b) c)"),
            ("((a))", "a"),
            ("a.b.c", "(. (. a b) c)"),
            ("a[b][c]", "(idx (idx a b) c)"),
            ("f(a)(b)", "(call (call f a) b)"),
            ("f(a, b,)", "(call f a b)"),
            (
                "a.delete(); a.new; a.if",
                "(call (. a delete)) (. a new) (. a if)",
            ),
        ],
        false,
    );
}

#[test]
fn assignment_operators() {
    check_table(
        &[
            ("a = 1", "(= a 1)"),
            (
                "a += 1; a -= 1; a *= 1; a /= 1; a %= 1",
                "(+= a 1) (-= a 1) (*= a 1) (/= a 1) (%= a 1)",
            ),
            (
                "a &= 1; a |= 1; a ^= 1; a <<= 1",
                "(&= a 1) (|= a 1) (^= a 1) (<<= a 1)",
            ),
            (
                "a >>= 1; a >>>= 1; a **= 2",
                "(>>= a 1) (>>>= a 1) (**= a 2)",
            ),
            ("a[i] = b.c = 3", "(= (idx a i) (= (. b c) 3))"),
            ("(a) = 1", "(= a 1)"),
        ],
        false,
    );
}

#[test]
fn new_and_generics() {
    check_table(
        &[
            ("new C()", "(new C)"),
            ("new C", "(new C)"),
            ("new C(1, 2).m()", "(call (. (new C 1 2) m))"),
            ("new Array<integer>(3, 0)", "(new Array<integer> 3 0)"),
            (
                "new Array<Array<integer>>(3, [])",
                "(new Array<Array<integer>> 3 [])",
            ),
            (
                "new Array<Array<Array<float>>>(1)",
                "(new Array<Array<Array<float>>> 1)",
            ),
            ("new Uint8Array(4, 0)", "(new Uint8Array 4 0)"),
            (
                "let a: Array<Array<integer>>= x",
                "(let a:Array<Array<integer>>=x)",
            ),
        ],
        false,
    );
}

#[test]
fn arrows() {
    check_table(
        &[
            ("x => x + 1", "(=> (x) (+ x 1))"),
            ("(a: integer, b) => a + b", "(=> (a:integer b) (+ a b))"),
            ("(): void => {}", "(=> () :void {})"),
            (
                "(a: integer): integer => { return a }",
                "(=> (a:integer) :integer {(return a)})",
            ),
            ("f((a) => a, 2)", "(call f (=> (a) a) 2)"),
            (
                "let f: (a: integer) => integer = (a) => a",
                "(let f:(fn (a:integer) integer)=(=> (a) a))",
            ),
            ("x => y => x + y", "(=> (x) (=> (y) (+ x y)))"),
            ("a = () => 1", "(= a (=> () 1))"),
            ("c ? (a) : b", "(? c a b)"),
            ("(a, b)", r#"(unsupported "comma operator")"#),
            ("(f)(x)", "(call f x)"),
            (
                "(a: integer[], f: (x: any) => void) => f(a)",
                "(=> (a:integer[] f:(fn (x:any) void)) (call f a))",
            ),
        ],
        false,
    );
}

#[test]
fn types() {
    check_table(
        &[
            ("let a: integer", "(let a:integer)"),
            ("let a: integer[][]", "(let a:integer[][])"),
            ("let a: string | null", "(let a:(| string null))"),
            ("let a: | C | undefined", "(let a:(| C undefined))"),
            ("let a: (integer | null)[]", "(let a:(| integer null)[])"),
            ("let f: () => void", "(let f:(fn () void))"),
            (
                "let f: (a: integer, b: float) => integer[]",
                "(let f:(fn (a:integer b:float) integer[]))",
            ),
            ("let f: (a) => void", "(let f:(fn (a) void))"),
            (
                "let f: ((a: integer) => void) | null",
                "(let f:(| (fn (a:integer) void) null))",
            ),
            (
                "let f: (x: integer) => (y: integer) => integer",
                "(let f:(fn (x:integer) (fn (y:integer) integer)))",
            ),
            ("let a: Map<string, integer>", "(let a:Map<string,integer>)"),
            ("let a: void", "(let a:void)"),
            ("type integer = number", "(type integer number)"),
            ("export type float = number", "(export type float number)"),
        ],
        false,
    );
}

#[test]
fn statements() {
    check_table(
        &[
            (
                "let a = 1, b: integer, c: float = 2.0;",
                "(let a=1 b:integer c:float=2.0f)",
            ),
            ("const x = 1; var y", "(const x=1) (let y)"),
            (
                "export let a = 1; export const b = 2",
                "(export let a=1) (export const b=2)",
            ),
            ("if (a) b(); else c()", "(if a (call b) (call c))"),
            (
                "if (a) { b } else if (c) { d } else { e }",
                "(if a {b} (if c {d} {e}))",
            ),
            ("if (a) if (b) c; else d", "(if a (if b c d))"),
            ("while (i < 10) i++", "(while (< i 10) (post++ i))"),
            ("do { i++ } while (i < 10)", "(do {(post++ i)} (< i 10))"),
            ("do x++; while (x) y()", "(do (post++ x) x) (call y)"),
            (
                "for (let i = 0; i < n; i++) { s += i }",
                "(for (let i=0) (< i n) (post++ i) {(+= s i)})",
            ),
            ("for (;;) {}", "(for _ _ _ {})"),
            ("for (i = 0; ; ) break", "(for (= i 0) _ _ break)"),
            (
                "while (1) { break; continue }",
                "(while 1 {break continue})",
            ),
            ("function f() { return; }", "(fn f () {(return)})"),
            (
                "function f() { return 1 + 2 }",
                "(fn f () {(return (+ 1 2))})",
            ),
            ("{ let a = 1 } ;", "{(let a=1)} ;"),
            (";;", "; ;"),
            ("{}", "{}"),
        ],
        false,
    );
}

#[test]
fn items() {
    check_table(
        &[
            (
                "function add(a: integer, b): float { return a + b }",
                "(fn add (a:integer b) :float {(return (+ a b))})",
            ),
            ("export function f(): void {}", "(export fn f () :void {})"),
            (
                "class C extends B { x: integer; y; static count: integer = 0\n constructor(x: integer) { super(x); this.x = x } m(): integer { return this.x } static s() {} }",
                "(class C extends B (field x:integer) (field y) (static field count:integer=0) (ctor (x:integer) {(call super x) (= (. this x) x)}) (method m () :integer {(return (. this x))}) (static method s () {}))",
            ),
            (
                "export class P { public x: integer; private readonly y: float; protected z }",
                "(export class P (field x:integer) (field y:float) (field z))",
            ),
            (
                "class A { static\n x: integer }",
                "(class A (static field x:integer))",
            ),
            (
                "class A { static: integer; static() {} }",
                "(class A (field static:integer) (method static () {}))",
            ),
            (
                "class A { x: integer\n y: integer\n }",
                "(class A (field x:integer) (field y:integer))",
            ),
            (
                "enum Color { Red = -1, Green = 0, Blue = 1, }",
                "(enum Color (Red (- 1)) (Green 0) (Blue 1))",
            ),
            ("export enum E { A = 1 }", "(export enum E (A 1))"),
            ("const enum E { A }", "(enum E A)"),
            (
                "import { a, b as c } from './util'",
                r#"(import a b:c from "./util")"#,
            ),
            (
                "import type { T } from 'pkg/sub';",
                r#"(import-type T from "pkg/sub")"#,
            ),
            ("import { type T, u } from 'x'", r#"(import T u from "x")"#),
            ("import './side'", r#"(import from "./side")"#),
            (
                "function f() { function g() {} }",
                "(fn f () {(nested (fn g () {}))})",
            ),
            ("if (a) { class C {} }", "(if a {(nested (class C))})"),
        ],
        false,
    );
}

#[test]
fn unsupported_constructs() {
    check_table(
        &[
            (
                "let s = `a ${b} c`",
                r#"(let s=(unsupported "template literal"))"#,
            ),
            (
                "let s = `a ${ `nested ${x}` } }`",
                r#"(let s=(unsupported "template literal"))"#,
            ),
            ("code`int x = 1;`", r#"(unsupported "inline C code")"#),
            (
                "let o = { a: 1, b: { c: 2 } }",
                r#"(let o=(unsupported "object literal"))"#,
            ),
            (
                "f(function (a) { return a })",
                r#"(call f (unsupported "`function` expression"))"#,
            ),
            ("a?.b.c", r#"(. (unsupported "optional chaining `?.`") c)"#),
            (
                "a ?? b",
                r#"(unsupported "nullish coalescing operator `??`")"#,
            ),
            (
                "f(...xs); [...a, 1]",
                r#"(call f (unsupported "spread `...`")) [(unsupported "spread `...`") 1]"#,
            ),
            (
                "switch (x) { case 1: break; default: f() }",
                r#"(unsupported "`switch` statement")"#,
            ),
            (
                "for (const x of xs) { f(x) }",
                r#"(unsupported "`for … of` loop")"#,
            ),
            (
                "for (let k in o) f(k)",
                r#"(unsupported "`for … in` loop")"#,
            ),
            (
                "try { f() } catch (e) { g() } finally { h() }",
                r#"(unsupported "`try` statement")"#,
            ),
            (
                "throw new Error('x')",
                r#"(unsupported "`throw` statement")"#,
            ),
            (
                "outer: while (1) { break outer }",
                r#"(unsupported "labeled statement")"#,
            ),
            (
                "delete a.b; void 0; await p",
                r#"(unsupported "`delete` operator") (unsupported "`void` operator") (unsupported "`await` operator")"#,
            ),
            ("x!.y", r#"(. (unsupported "non-null assertion `!`") y)"#),
            ("a &&= b", r#"(unsupported "logical assignment operator")"#),
            (
                "[a, b] = [b, a]",
                r#"(unsupported "destructuring assignment")"#,
            ),
            (
                "let [a, b] = xs",
                r#"(unsupported "destructuring declaration")"#,
            ),
            ("'k' in o", r#"(unsupported "`in` operator")"#),
            (
                "interface I { x: integer }\nlet a = 1",
                r#"(unsupported "`interface` declaration") (let a=1)"#,
            ),
            (
                "declare function f(): void;",
                r#"(unsupported "`declare` declaration")"#,
            ),
            ("export default f", r#"(unsupported "`export default`")"#),
            ("export { a, b }", r#"(unsupported "`export { … }` list")"#),
            (
                "import * as m from 'm'",
                r#"(unsupported "namespace import `* as`")"#,
            ),
            ("import d from 'm'", r#"(unsupported "default import")"#),
            ("abstract class A { }", r#"(unsupported "abstract class")"#),
            (
                "async function f() { await g() }",
                r#"(unsupported "`async` function")"#,
            ),
            (
                "let c = class { }",
                r#"(let c=(unsupported "`class` expression"))"#,
            ),
        ],
        false,
    );
}

#[test]
fn automatic_semicolon_insertion() {
    check_table(
        &[
            ("let a = 1\nlet b = 2", "(let a=1) (let b=2)"),
            ("return\nx", "(return) x"),
            ("function f() { return\n 1 }", "(fn f () {(return) 1})"),
            ("a\n++b", "a (++pre b)"),
            ("a\n--b", "a (--pre b)"),
            ("a++\nb", "(post++ a) b"),
            ("a = b\n(c)", "(= a (call b c))"),
            ("a = b\n[c]", "(= a (idx b c))"),
            ("a = b\n+ c", "(= a (+ b c))"),
            ("a\n.b()", "(call (. a b))"),
            ("x = 1\n!y", "(= x 1) (! y)"),
            ("while (a) { break\n b }", "(while a {break b})"),
            ("while (a) { continue\n b }", "(while a {continue b})"),
            ("{ a } b", "{a} b"),
            ("{ return 1 }", "{(return 1)}"),
            ("let a = 1;let b", "(let a=1) (let b)"),
            ("a\nas\nb", "a as b"),
            ("if (a) b\nelse c", "(if a b c)"),
            ("do a(); while (b) c()", "(do (call a) b) (call c)"),
            ("x\n/* comment\n */ y", "x y"),
            (
                "let t: integer\n[1].length",
                "(let t:integer) (. [1] length)",
            ),
            ("let x = 1 // comment\nx", "(let x=1) x"),
            ("type T = integer\nlet x: T", "(type T integer) (let x:T)"),
            (
                "class A { x: integer\n m() {} }",
                "(class A (field x:integer) (method m () {}))",
            ),
        ],
        false,
    );
}
