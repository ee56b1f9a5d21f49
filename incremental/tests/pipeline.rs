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

/// A cast of a reference (here `Node | null` to `Node`) tests for null and the class inline; a
/// reference of a class type is never a tagged number nor another kind of object, so neither
/// its low bits nor its kind are tested.
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
    // The null test leaves for the runtime's check, which raises.
    assert!(second.contains("branch.Eq"), "{second}");
    assert!(second.contains("raise native#"), "{second}");
    assert!(!second.contains("And v"), "{second}");
    assert!(!second.contains("load.u8"), "{second}");
}

/// Every loop back-edge polls the board's interrupt flag, once per loop however many
/// `continue`s it has; calls do not (the board diverts the function table instead), and the
/// optimizer keeps the polls inside the loops.
#[test]
fn interrupt_polls_guard_every_loop_and_no_call() {
    let listings = compile_all(
        r#"
function spin(n: integer): integer {
    let t = 0
    while (t < n) { t++ }
    for (let i = 0; i < n; i++) { if (i == 3) continue; t += i }
    return t
}
function leaf(): integer { return 1 }
function twice(n: integer): integer {
    if (n < 2) return n
    return leaf() + twice(n - 1)
}
"#,
    );
    let find = |name: &str| {
        listings
            .iter()
            .find(|l| l.starts_with(&format!("fn {name}@")))
            .expect(name)
    };
    let polls = |l: &str| l.matches("symaddr InterruptFlag").count();
    assert_eq!(polls(find("spin")), 2, "{}", find("spin"));
    assert_eq!(polls(find("leaf")), 0, "{}", find("leaf"));
    assert_eq!(polls(find("twice")), 0, "{}", find("twice"));
    let raise = format!(
        "raise native#{} ()",
        device::abi::Native::RaiseInterrupted as u32
    );
    assert_eq!(find("spin").matches(&raise).count(), 2);

    let db = Compiler::default();
    let file = SourceFile::new(
        &db,
        "main.bs".into(),
        "let t = 0\nwhile (t < 10) { t++ }\n".into(),
        0,
    );
    let main = db::function_names(&db, file)
        .iter()
        .find(|n| n.starts_with("<main>"))
        .expect("<main>")
        .clone();
    let n = FunctionName::new(&db, main);
    let mut f: ir::Function = (**db::lower_function(&db, file, n).as_ref().unwrap()).clone();
    ir::opt::optimize(&mut f);
    let volatile = f.volatile_addresses();
    let polls = |b: &ir::Block| {
        b.insts
            .iter()
            .any(|i| matches!(i, ir::Inst::Load { addr, .. } if volatile[addr.0 as usize]))
    };
    // Some block that polls lies on a cycle: it reaches itself.
    let on_cycle = |start: usize| {
        let mut seen = vec![false; f.blocks.len()];
        let mut work = f.blocks[start].term.successors();
        while let Some(b) = work.pop() {
            if b.0 as usize == start {
                return true;
            }
            if !std::mem::replace(&mut seen[b.0 as usize], true) {
                work.extend(f.block(b).term.successors());
            }
        }
        false
    };
    let poll_in_loop = (0..f.blocks.len()).any(|b| polls(&f.blocks[b]) && on_cycle(b));
    assert!(poll_in_loop, "{f}");
}

/// `test`, `assert` and `assertEqual` are checked like functions with fixed signatures.
#[test]
fn test_api_calls_are_checked() {
    let db = Compiler::default();
    let src = "test(\"a\", (x: integer) => {})\nassert(1)\nassertEqual(1)\ntest(\"b\", () => { assertEqual([1], 1) })\n";
    let file = SourceFile::new(&db, "main.bs".into(), src.into(), 0);
    let messages: Vec<String> = db::diagnostics(&db, file)
        .iter()
        .map(|d| d.message.clone())
        .collect();
    assert_eq!(messages.len(), 3, "{messages:#?}");
    assert!(
        messages[2].contains("`assertEqual` takes 2 arguments but 1 was given"),
        "{messages:#?}"
    );
}
