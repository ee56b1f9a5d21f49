//! `bs`: compile BlueScript on this computer and run it natively on a board.

mod artifacts;
mod board;
mod bsimg;
mod commands;
mod compile;
mod deps;
mod flash_image;
mod git;
mod interrupt;
mod lock;
mod manifest;
mod project;
mod report;
mod session;
mod store;

use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The compiler allocates and frees many small values (syntax trees, IR, salsa memos);
/// mimalloc makes a cold build of a large project about a third faster than the system
/// allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// BlueScript: a typed TypeScript subset compiled to native code for microcontrollers.
#[derive(Parser)]
#[command(name = "bs", version, about, long_about = None)]
#[command(
    after_help = "Examples:\n  bs new blink && cd blink && bs run\n  bs run examples/hello.bs\n  bs check"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a new project directory with a manifest, a hello-world program and an example test.
    #[command(after_help = "Example:\n  bs new blink")]
    New {
        /// The project (and directory) name.
        name: String,
    },
    /// Compile a project or a single `.bs` file and run it on a board.
    #[command(
        after_help = "Examples:\n  bs run                # the project in this directory\n  bs run demo/          # a project directory\n  bs run hello.bs       # a single file on the host board\n  bs run a.bs b.bs      # several programs, one after another, on the same device\n  bs run --heap-size 8192 --heap-stats gc.bs   # what is live after the program"
    )]
    Run {
        /// Project directories, manifests or `.bs` files (default: `.`). Several run one after
        /// another on the same device as one session: each sees the globals and functions of
        /// the ones before, and a function defined again replaces the earlier one; a run-time
        /// error in one does not stop the next.
        paths: Vec<PathBuf>,
        /// The board to run on (overrides the manifest): `host` or `esp32-sim` (the ESP32
        /// simulator, running the Xtensa code an ESP32 would get).
        #[arg(long)]
        board: Option<String>,
        /// Heap size in bytes (overrides the manifest).
        #[arg(long)]
        heap_size: Option<u32>,
        /// After each program, have the device collect garbage with only the permanent roots
        /// (the globals of every module) and print one line to standard error: the objects and
        /// bytes still live, the peak heap use, and the collections the program caused, as in
        /// `heap: 3 objects (112 bytes) live after collection; peak 8176 of 8192 bytes; 41
        /// collections`.
        #[arg(long)]
        heap_stats: bool,
        /// After the program ran, enter the REPL in the same session: its globals and
        /// functions are there to use and redefine.
        #[arg(long)]
        repl: bool,
        /// After each program, print the instructions it executed to standard error, as in
        /// `instructions: 123456` (boards that count them: esp32-sim).
        #[arg(long)]
        instructions: bool,
        /// Build the release image (`target/release/NAME.bsimg`) and boot it.
        #[arg(long)]
        release: bool,
        /// Collect garbage before every allocation and overwrite what is freed: slow, but a
        /// value the compiler forgot to keep alive shows at once (for testing `bs` itself).
        #[arg(long)]
        gc_stress: bool,
        #[command(flatten)]
        deps: deps::Options,
    },
    /// Type BlueScript a cell at a time; each cell runs natively on the board at once.
    #[command(after_help = "Examples:
  bs repl
  echo 'let x = 6 * 7\nprint(x)' | bs repl
  bs run --repl demo/    # run a project, then continue in the REPL

In the REPL: :help, :mem, :reset, :quit. A cell with an open `{` continues on the next line.")]
    Repl {
        /// The board to run on: `host`.
        #[arg(long)]
        board: Option<String>,
        /// Heap size in bytes.
        #[arg(long)]
        heap_size: Option<u32>,
    },
    /// Run a project, then patch it on every save while it runs, keeping its state.
    #[command(
        after_help = "Examples:\n  bs watch              # the project in this directory\n  bs watch demo/main.bs\n\nEach save prints one line such as `patched 2 functions (316 bytes) in 4.2 ms`. A change\nthat cannot be patched (a global's type, a class layout, the top-level statements)\nrestarts the program and says why; a compile error is shown and the old program keeps\nrunning. Ctrl-C stops the program (a save patches and runs it again); twice quits."
    )]
    Watch {
        /// A project directory, its `bluescript.toml`, or a `.bs` file (default: `.`).
        path: Option<PathBuf>,
        /// The board to run on (overrides the manifest): `host` or `esp32-sim`.
        #[arg(long)]
        board: Option<String>,
        /// Heap size in bytes (overrides the manifest).
        #[arg(long)]
        heap_size: Option<u32>,
    },
    /// Run the project's tests on a board: `test("name", () => { … })` calls in `*.test.bs`
    /// files and in the files under `tests/`, each test alone, reported like `cargo test`.
    #[command(
        after_help = "Examples:\n  bs test                      # every test of the project here\n  bs test parse                # the tests whose name contains `parse`\n  bs test --timeout 2 --junit report.xml"
    )]
    Test {
        /// Run only the tests whose `file::name` contains this text.
        filter: Option<String>,
        /// The board to run on (overrides the manifest): `host`.
        #[arg(long)]
        board: Option<String>,
        /// Seconds a test may run before it is interrupted and fails.
        #[arg(long, default_value_t = 10.0)]
        timeout: f64,
        /// Also write the results as JUnit XML to this file.
        #[arg(long)]
        junit: Option<PathBuf>,
    },
    /// Report compile errors without running anything.
    #[command(after_help = "Example:\n  bs check src/main.bs")]
    Check {
        /// A project directory, its `bluescript.toml`, or a `.bs` file (default: `.`).
        path: Option<PathBuf>,
        #[command(flatten)]
        deps: deps::Options,
    },
    /// Compile and link a project, reusing the compiled modules the store holds.
    #[command(
        after_help = "Examples:\n  bs build\n  bs build --verbose   # which modules came from the store"
    )]
    Build {
        /// A project directory or its `bluescript.toml` (default: `.`).
        path: Option<PathBuf>,
        /// Write the release image `target/release/NAME.bsimg`: the whole program at fixed
        /// addresses, direct calls, no unreachable functions, byte-identical for the same
        /// inputs.
        #[arg(long)]
        release: bool,
        #[command(flatten)]
        deps: deps::Options,
    },
    /// Show what is inside a release image: sections, functions and their sizes, input hashes;
    /// or inside a flashable image: partitions, firmware segments and the release image.
    #[command(
        after_help = "Examples:\n  bs inspect target/release/blink.bsimg\n  bs inspect target/release/blink.flash.bin"
    )]
    Inspect {
        /// A `.bsimg` or `.flash.bin` file.
        image: PathBuf,
    },
    /// Build a project's release image and write it with the runtime firmware (`board.firmware`)
    /// to an `esp32`/`esp32s3` board over serial, with espflash.
    #[command(
        after_help = "Examples:\n  bs flash                         # the project here, on the only USB-serial device\n  bs flash demo/ --port /dev/ttyUSB1"
    )]
    Flash {
        /// A project directory or its `bluescript.toml` (default: `.`).
        path: Option<PathBuf>,
        /// The board's serial port (default: the only /dev/ttyUSB* or /dev/ttyACM* device).
        #[arg(long)]
        port: Option<PathBuf>,
        #[command(flatten)]
        deps: deps::Options,
    },
    /// Delete from the store what no registered project's lock or last build still needs.
    #[command(after_help = "Example:\n  bs gc")]
    Gc,
    /// Run the benchmarks on the host board and compare them with their C versions at gcc -O2.
    #[command(
        after_help = "Examples:\n  bs bench                   # every benchmark in testsuite/benchmarks\n  bs bench richards nbody    # some of them\n  bs bench --dir DIR --runs 1"
    )]
    Bench {
        /// Benchmark names (default: all), such as `richards` or `crc32`.
        names: Vec<String>,
        /// The benchmark directory (default: `testsuite/benchmarks` here or in a parent).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Timed runs of each program; the best one counts.
        #[arg(long, default_value_t = 3)]
        runs: u32,
        /// Heap size in bytes for the host board.
        #[arg(long)]
        heap_size: Option<u32>,
    },
    /// Print the machine code of a program's functions with their source lines.
    #[command(
        after_help = "Examples:\n  bs disasm fib.bs --board esp32-sim       # every function, as Xtensa code\n  bs disasm fib.bs fib '<main>' --board esp32-sim\n  bs disasm my-project --release --board esp32-sim   # the release image's code"
    )]
    Disasm {
        /// A `.bs` file, a project directory or its `bluescript.toml`.
        file: PathBuf,
        /// Function names (default: all): `fib`, `Point.area`, `<main>`.
        functions: Vec<String>,
        /// The board whose code to show (overrides the manifest): `esp32-sim`, `esp32`,
        /// `esp32s3` (Xtensa); x86-64 for `host` is not supported yet.
        #[arg(long)]
        board: Option<String>,
        /// List the code of the release image (a project's; also written, as by `bs build
        /// --release`): inlined, with direct calls, at the addresses it loads at.
        #[arg(long)]
        release: bool,
        #[command(flatten)]
        deps: deps::Options,
    },
    /// Add a dependency to the project in this directory (or replace it) and lock it.
    #[command(
        after_help = "Examples:\n  bs add geometry --path ../geometry\n  bs add sensors --git https://example.org/sensors.git --tag v1.2.0\n  bs add log --git file:///srv/git/log --branch main"
    )]
    Add {
        /// The name imports use: `import { f } from 'NAME'`.
        name: String,
        /// A package directory, relative to the manifest.
        #[arg(long, conflicts_with = "git", required_unless_present = "git")]
        path: Option<String>,
        /// A git repository URL (`file://…` included).
        #[arg(long)]
        git: Option<String>,
        /// A commit of the git repository.
        #[arg(long, requires = "git", conflicts_with_all = ["tag", "branch"])]
        rev: Option<String>,
        /// A tag of the git repository.
        #[arg(long, requires = "git", conflicts_with = "branch")]
        tag: Option<String>,
        /// A branch of the git repository (default: its default branch).
        #[arg(long, requires = "git")]
        branch: Option<String>,
        #[command(flatten)]
        deps: deps::Options,
    },
    /// Remove a dependency from the project in this directory.
    #[command(after_help = "Example:\n  bs remove geometry")]
    Remove {
        /// The dependency's name under `[dependencies]`.
        name: String,
    },
    /// Serve the device protocol on stdin/stdout as the host board (used by `bs` itself).
    #[command(name = "device-host", hide = true)]
    DeviceHost {
        /// Heap size in bytes.
        #[arg(long)]
        heap_size: Option<u32>,
    },
    /// Serve the device protocol on stdin/stdout as the esp32-sim board (used by `bs` itself).
    #[command(name = "device-esp32-sim", hide = true)]
    DeviceEsp32Sim {
        /// Heap size in bytes.
        #[arg(long)]
        heap_size: Option<u32>,
    },
}

fn main() -> ExitCode {
    report::install_handler();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::New { name } => commands::new::run(&name).map(|()| true),
        Command::Run {
            paths,
            board,
            heap_size,
            repl: true,
            ..
        } => match paths.as_slice() {
            [] | [_] => commands::repl::run(
                Some(
                    paths
                        .first()
                        .map_or(std::path::Path::new("."), |p| p.as_path()),
                ),
                board.as_deref(),
                heap_size,
            ),
            _ => Err(miette::miette!(
                help = "name one project or file",
                "`bs run --repl` runs one program before the REPL"
            )),
        },
        Command::Run {
            paths,
            board,
            heap_size,
            heap_stats,
            repl: false,
            instructions,
            release,
            gc_stress,
            deps,
        } => {
            let reports = commands::run::Reports {
                heap_stats,
                instructions,
            };
            commands::run::run(
                &paths,
                board.as_deref(),
                heap_size,
                reports,
                release,
                gc_stress,
                deps,
            )
        }
        Command::Check { path, deps } => commands::check::run(path.as_deref(), deps),
        Command::Build {
            path,
            release,
            deps,
        } => commands::build::run(path.as_deref(), release, deps),
        Command::Inspect { image } => commands::inspect::run(&image).map(|()| true),
        Command::Flash { path, port, deps } => {
            commands::flash::run(path.as_deref(), port.as_deref(), deps)
        }
        Command::Gc => commands::gc::run().map(|()| true),
        Command::Repl { board, heap_size } => {
            commands::repl::run(None, board.as_deref(), heap_size)
        }
        Command::Watch {
            path,
            board,
            heap_size,
        } => commands::watch::run(path.as_deref(), board.as_deref(), heap_size),
        Command::Test {
            filter,
            board,
            timeout,
            junit,
        } => match std::time::Duration::try_from_secs_f64(timeout) {
            Ok(timeout) => commands::test::run(
                filter.as_deref(),
                board.as_deref(),
                timeout,
                junit.as_deref(),
            ),
            Err(_) => Err(miette::miette!(
                help = "give a number of seconds, such as `--timeout 2.5`",
                "`--timeout {timeout}` is not a duration"
            )),
        },
        Command::Bench {
            names,
            dir,
            runs,
            heap_size,
        } => commands::bench::run(&names, dir.as_deref(), runs, heap_size),
        Command::Disasm {
            file,
            functions,
            board,
            release,
            deps,
        } => commands::disasm::run(&file, &functions, board.as_deref(), release, deps),
        Command::Add {
            name,
            path,
            git,
            rev,
            tag,
            branch,
            deps,
        } => {
            let source = commands::add::source(path, git, rev, tag, branch);
            commands::add::add(Path::new("."), &name, &source, deps).map(|()| true)
        }
        Command::Remove { name } => commands::add::remove(Path::new("."), &name).map(|()| true),
        Command::DeviceHost { heap_size } => board::serve_host(heap_size).map(|()| true),
        Command::DeviceEsp32Sim { heap_size } => board::serve_esp32_sim(heap_size).map(|()| true),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(report) => {
            eprintln!("{report:?}");
            ExitCode::FAILURE
        }
    }
}
