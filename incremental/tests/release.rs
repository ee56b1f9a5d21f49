//! Release links keep only what the program can reach: an `any` adapter stays only when a
//! call through `any` in the program can reach it.

mod common;

use device::memory::MemoryMap;
use incremental::db::{Compiler, SourceFile};
use incremental::link::LinkTarget;
use incremental::release::Release;

/// The release link of `program` for the host board.
fn release(program: &str) -> Release {
    let db = Compiler::default();
    let file = SourceFile::new(&db, "main.bs".into(), program.into(), 0);
    let target = LinkTarget {
        memory: MemoryMap::host(1 << 20),
        slots: 4096,
    };
    common::release_of(&db, file, &target)
}

/// The program's own functions (not the built-in adapters) kept in `r`, sorted.
fn kept(r: &Release) -> Vec<String> {
    let mut names: Vec<String> = r
        .functions
        .iter()
        .map(|(n, _, _)| n.clone())
        .filter(|n| n.contains("@main.bs"))
        .collect();
    names.sort();
    names
}

const CLASS: &str = "class P {\n  x: integer\n  constructor() { this.x = 1 }\n  \
    get(): integer { return this.x }\n  add(n: integer): integer { return this.x + n }\n}\n";

#[test]
fn typed_code_alone_keeps_no_adapter() {
    let r = release(&format!(
        "{CLASS}const p = new P()\nconst f = (n: integer) => n + p.get()\nprint(f(p.add(2)))\n"
    ));
    assert_eq!(
        kept(&r),
        ["<main>@main.bs/0"],
        "the constructor and the methods (no virtual call reaches them) are inlined into \
         `<main>`, and `<main>` into `<start>`; the closure's descriptor names its body"
    );
    for adapter in [
        "P.get@main.bs<any>",
        "P.add@main.bs<any>",
        "<main>@main.bs/0<any>",
    ] {
        assert!(
            r.dropped.iter().any(|d| d == adapter),
            "{adapter}: {:?}",
            r.dropped
        );
    }
}

#[test]
fn a_method_called_through_any_keeps_the_adapters_of_its_name_only() {
    let r = release(&format!("{CLASS}const p: any = new P()\nprint(p.add(2))\n"));
    let names = kept(&r);
    assert!(
        names.contains(&"P.add@main.bs<any>".to_string()),
        "{names:?}"
    );
    assert!(
        !names.contains(&"P.get@main.bs<any>".to_string()),
        "{names:?}"
    );
}

#[test]
fn a_function_value_called_through_any_keeps_function_adapters() {
    let r = release("const f = (n: integer) => n + 1\nconst g: any = f\nprint(g(2))\n");
    assert!(
        kept(&r).contains(&"<main>@main.bs/0<any>".to_string()),
        "{:?}",
        kept(&r)
    );
}

#[test]
fn built_in_method_adapters_stay_only_for_the_names_called_through_any() {
    let names = |r: &Release| -> Vec<String> {
        r.functions
            .iter()
            .map(|(n, _, _)| n.clone())
            .filter(|n| n.starts_with("<array.") || n.starts_with("<string."))
            .collect()
    };
    let typed = release("const xs: string[] = []\nxs.push(\"a\")\nprint(xs.length)\n");
    assert!(names(&typed).is_empty(), "{:?}", names(&typed));
    let dynamic = release("const xs: any = [\"a\"]\nxs.push(\"b\")\nprint(xs.length)\n");
    assert_eq!(names(&dynamic), ["<array.push>"]);
}

#[test]
fn small_functions_are_inlined_into_their_callers_and_dropped() {
    let r = release(
        "function twice(x: integer): integer { return x * 2 }\n\
         function down(n: integer): integer { if (n <= 0) return 0\n return down(n - 1) }\n\
         let s = 0\nfor (let i = 0; i < 3; i++) { s += twice(i) }\nprint(s + down(3))\n",
    );
    // `twice` lives on in `<main>` only, and `<main>` in `<start>`; `down` calls itself, so it
    // stays a function.
    assert_eq!(kept(&r), ["down@main.bs"]);
    assert!(
        r.dropped.iter().any(|d| d == "twice@main.bs"),
        "{:?}",
        r.dropped
    );
}

/// A method that a virtual call can reach stays, with every override at its index in the
/// method table; a method that only direct calls reach is inlined and dropped.
#[test]
fn virtually_called_methods_stay_and_directly_called_ones_go() {
    let r = release(
        "class A {\n  constructor() {}\n  m(): integer { return 1 }\n  k(): integer { return 3 }\n}\n\
         class B extends A {\n  constructor() { super() }\n  m(): integer { return 2 }\n}\n\
         let xs: A[] = [new A(), new B()]\nlet s = 0\n\
         for (let i = 0; i < 2; i++) { s += xs[i].m() }\nprint(s + new B().k())\n",
    );
    let names = kept(&r);
    assert!(names.contains(&"A.m@main.bs".to_string()), "{names:?}");
    assert!(names.contains(&"B.m@main.bs".to_string()), "{names:?}");
    assert!(!names.contains(&"A.k@main.bs".to_string()), "{names:?}");
}
