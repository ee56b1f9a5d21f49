//! `bs new NAME`: a project directory with a manifest, a hello-world entry file, a module with
//! its test, and a .gitignore.

use crate::manifest::{MANIFEST, is_valid_name};
use std::path::Path;

const MAIN_BS: &str = r#"// The entry point of your program: top-level statements run in order.
import { greet } from './greet'

let total = 0
for (let i = 1; i <= 10; i++) {
    total += i
}

print(greet("BlueScript"))
console.log("1 + 2 + ... + 10 =", total)
"#;

const GREET_BS: &str = r#"// A module: `export` what other files may import.

export function greet(name: string): string {
    return "Hello, " + name + "!"
}
"#;

const GREET_TEST_BS: &str = r#"// Tests: `bs test` runs every `test` of the `*.test.bs` files and of `tests/`.
import { greet } from './greet'

test("greets by name", () => {
    assertEqual(greet("Ada"), "Hello, Ada!")
})
"#;

/// Creates the project `name` in the current directory.
pub fn run(name: &str) -> miette::Result<()> {
    if !is_valid_name(name) {
        return Err(miette::miette!(
            help = "use letters, digits, `-` and `_`, for example `bs new blink`",
            "`{name}` is not a valid project name"
        ));
    }
    let dir = Path::new(name);
    if dir.exists() {
        return Err(miette::miette!(
            help = "choose another name or remove it",
            "`{name}` already exists"
        ));
    }
    let manifest = format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nentry = \"src/main.bs\"\n\n[board]\n# The board to run on: \"host\" needs no hardware.\nname = \"host\"\n"
    );
    let write = |path: &Path, text: &str| {
        std::fs::write(path, text)
            .map_err(|e| miette::miette!("cannot write `{}`: {e}", path.display()))
    };
    std::fs::create_dir_all(dir.join("src"))
        .map_err(|e| miette::miette!("cannot create `{name}`: {e}"))?;
    write(&dir.join(MANIFEST), &manifest)?;
    write(&dir.join("src/main.bs"), MAIN_BS)?;
    write(&dir.join("src/greet.bs"), GREET_BS)?;
    write(&dir.join("src/greet.test.bs"), GREET_TEST_BS)?;
    write(&dir.join(".gitignore"), "/target\n")?;
    println!(
        "Created project `{name}`. Run it and its tests with:\n    cd {name} && bs run && bs test"
    );
    Ok(())
}
