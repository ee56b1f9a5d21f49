//! Source text through checking, lowering (verified IR) and x86-64 code generation.

use incremental::db::{self, Compiler, FunctionName, SourceFile};

fn compile_all(src: &str) -> Vec<String> {
    let db = Compiler::default();
    let file = SourceFile::new(&db, "main.bs".into(), src.into(), 0);
    let diags = db::diagnostics(&db, file);
    assert!(diags.is_empty(), "unexpected diagnostics: {diags:#?}");
    let mut listings = Vec::new();
    for name in db::function_names(&db, file) {
        let n = FunctionName::new(&db, name.clone());
        let f = db::lower_function(&db, file, n).as_ref().expect("lowered");
        ir::verify::verify(f).unwrap_or_else(|e| panic!("{e}\n{f}"));
        let code = db::compile_function(&db, file, n)
            .as_ref()
            .expect("compiled");
        assert!(code.is_ok(), "{code:?}");
        listings.push(f.to_string());
    }
    listings
}

#[test]
fn every_construct_lowers_to_valid_ir() {
    compile_all(
        r#"
function fib(n: integer): integer { if (n < 2) return n; return fib(n - 1) + fib(n - 2) }
let s = "a" + 1 + 2.5 + true
let xs = [1, 2, 3]
let ys: float[] = [1, 2.5]
let zs = new Array<string>(3, "x")
zs.push("y")
let a: any = 3
a = a + 1.5
let i = 0
while (i < xs.length) { xs[i] += i; i++ }
for (let j = 0; j < 10; j = j + 1) { if (j % 2 == 0) continue; else break }
do { i-- } while (i > 0 && !(i == 5) || false)
console.log(fib(10), s, xs, ys[1], a, zs.length, a as integer, typeof a)
print(s.startsWith("a") ? 1 : 2.5)
"#,
    );
}

/// A cast of a reference (here `Node | null` to `Node`) tests for null, the object kind and the
/// class inline; a reference is never a tagged number, so its low bits are not tested.
#[test]
fn reference_casts_do_not_test_number_tags() {
    let listings = compile_all(
        r#"
class Node { next: Node | null; constructor() { this.next = null } }
function second(n: Node | null): Node | null { return (n as Node).next }
"#,
    );
    let second = listings
        .iter()
        .find(|l| l.starts_with("fn second"))
        .expect("second");
    assert!(second.contains("branch.GeU"), "{second}");
    assert!(!second.contains("And v"), "{second}");
}
