//! Generated projects for the compile and live-patching benchmarks: `main.bs` importing modules
//! of about 200 lines each, so that a project of any size is made of ordinary files.

/// Lines of one generated function.
const FUNCTION_LINES: usize = 10;
/// Functions of one module.
const FUNCTIONS_PER_MODULE: usize = 20;

/// The text of function `f{i}` of a module, exactly [`FUNCTION_LINES`] lines; `seed` is its
/// first constant (an edit changes it).
pub fn function(i: usize, seed: usize) -> String {
    format!(
        "function f{i}(n: integer, xs: integer[]): integer {{\n\
         \x20   let total = {seed}\n\
         \x20   for (let k = 0; k < n; k++) {{\n\
         \x20       if (k % 3 == 0) total += xs[k % xs.length] * 2\n\
         \x20       else total -= k >> 1\n\
         \x20   }}\n\
         \x20   let label = \"f{i}:\" + total\n\
         \x20   if (label.length > 100) return -1\n\
         \x20   return total + (n as float * 1.5) as integer\n\
         }}\n"
    )
}

/// Module number `m`: its functions and an exported `run{m}` that calls them all.
pub fn module(m: usize) -> String {
    let mut s = String::new();
    for i in 0..FUNCTIONS_PER_MODULE {
        s.push_str(&function(i, i));
    }
    s.push_str(&format!("export function run{m}(n: integer): integer {{\n"));
    s.push_str("    const xs = [1, 2, 3, 4]\n    let sum = 0\n");
    for i in 0..FUNCTIONS_PER_MODULE {
        s.push_str(&format!("    sum += f{i}(n, xs)\n"));
    }
    s.push_str("    return sum\n}\n");
    s
}

/// A project of about `lines` lines: `(path, text)` of `main.bs` and its modules `mN.bs`.
/// `main.bs` prints `ready`, then calls every module forever, every `delay_ms` milliseconds
/// (never, with `None`: then it prints the sum once and ends).
pub fn project(lines: usize, delay_ms: Option<u32>) -> Vec<(String, String)> {
    let per_module = FUNCTIONS_PER_MODULE * FUNCTION_LINES + 5 + FUNCTIONS_PER_MODULE;
    let modules = lines.div_ceil(per_module).max(1);
    let mut main = String::new();
    for m in 0..modules {
        main.push_str(&format!("import {{ run{m} }} from './m{m}'\n"));
    }
    main.push_str("function all(): integer {\n    let sum = 0\n");
    for m in 0..modules {
        main.push_str(&format!("    sum += run{m}(3)\n"));
    }
    main.push_str("    return sum\n}\nprint(\"ready\")\n");
    match delay_ms {
        Some(ms) => main.push_str(&format!("while (true) {{ all(); time.delay({ms}) }}\n")),
        None => main.push_str("print(all())\n"),
    }
    let mut files = vec![("main.bs".to_string(), main)];
    files.extend((0..modules).map(|m| (format!("m{m}.bs"), module(m))));
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_project_has_about_the_lines_asked_for() {
        for lines in [2_000, 20_000] {
            let files = project(lines, None);
            let total: usize = files.iter().map(|(_, t)| t.lines().count()).sum();
            assert!(
                total >= lines && total < lines + lines / 10 + 300,
                "{total}"
            );
        }
        assert_eq!(function(3, 7).lines().count(), FUNCTION_LINES);
    }
}
