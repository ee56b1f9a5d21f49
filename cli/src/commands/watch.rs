//! `bs watch [PATH]`: runs a project, then watches its files (with `notify`). On every save the
//! change is compiled against the shadow machine and only the functions that changed are
//! patched into the program, while it runs, with its state intact:
//! `patched 2 functions (316 bytes) in 4.2 ms`. A change that cannot be patched (a global's
//! type, a class layout, the top-level statements) restarts the program and says why; a
//! compile error is shown and the old program keeps running.

use crate::board;
use crate::compile::Program;
use crate::deps;
use crate::project::{self, Target};
use crate::session::{Compiled, Live, Session, State};
use device::patcher::PatchOutcome;
use incremental::check::items::qualify;
use incremental::db::MAIN;
use incremental::link::Image;
use incremental::shadow::Shadow;
use notify::{RecursiveMode, Watcher};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// How long the files must stay quiet after a change before it is read: editors save in
/// several steps (truncate, write, rename), whose events come within microseconds.
const QUIET: Duration = Duration::from_millis(2);

/// What the watch loop waits for.
enum Event {
    /// Files in a watched directory changed.
    Changed(Vec<PathBuf>),
    /// The program stopped running.
    RunEnded,
}

/// How a run of the program ended, as far as watching goes.
enum Ended {
    /// By itself (or interrupted with Ctrl-C); `pending` when a change arrived too late to be
    /// patched into it.
    ByItself { pending: bool },
    /// It was stopped to start again, for this reason.
    ForRestart(String),
}

/// What a change leads to.
enum Change {
    /// Nothing to do (the texts are the same, or they do not compile; the old version runs).
    Nothing,
    /// A patch, the shadow machine after it, and the start of the work on it.
    Patch(Box<(Image, Shadow)>, Instant),
    /// The program must start again, for this reason.
    Restart(String),
}

/// Runs the project or file at `path` (default: the current directory) and patches it on
/// every save until interrupted twice (Ctrl-C; once stops the program, which a save then
/// patches and runs again).
pub fn run(
    path: Option<&Path>,
    board_name: Option<&str>,
    heap_size: Option<u32>,
) -> miette::Result<bool> {
    let target = project::resolve(path, false, &mut deps::Resolver::new(Default::default()))?;
    let board = board::start(
        board_name.unwrap_or(&target.board),
        heap_size.or(target.heap_size),
    )?;
    board.interrupt_on_ctrl_c()?;
    let link_target = target.link_target(board.link_target());
    let mut session = Session::start(board, link_target);
    let (events, rx) = mpsc::channel::<Event>();
    let changes = events.clone();
    let mut watcher = notify::recommended_watcher(move |e: notify::Result<notify::Event>| {
        if let Ok(e) = e
            && (e.kind.is_modify() || e.kind.is_create())
        {
            let _ = changes.send(Event::Changed(e.paths));
        }
    })
    .map_err(|e| miette::miette!("cannot watch files: {e}"))?;
    let mut program = Program::load(&target)?;
    for dir in program.directories() {
        watcher
            .watch(&dir, RecursiveMode::NonRecursive)
            .map_err(|e| miette::miette!("cannot watch `{}`: {e}", dir.display()))?;
    }
    eprintln!(
        "watching {}; save a file to patch the running program",
        target.display
    );
    let mut image = load_fresh(&mut session, program, &target, &rx)?;
    loop {
        let on_end = {
            let events = events.clone();
            move || {
                let _ = events.send(Event::RunEnded);
            }
        };
        let (_, ended) = session.execute_while(&image, on_end, |live| watch_running(live, &rx))?;
        let mut pending = match ended {
            Ended::ForRestart(reason) => {
                eprintln!("restarting: {reason}");
                session.reset()?;
                image = load_fresh(&mut session, Program::load(&target)?, &target, &rx)?;
                continue;
            }
            Ended::ByItself { pending } => pending,
        };
        // The program ended: the next change that compiles is patched in, and it runs again.
        image = loop {
            let saved = if pending {
                None
            } else {
                Some(wait_for_change(&rx))
            };
            pending = false;
            program = session.take_last().expect("the program was loaded");
            match change(session.state(), &mut program, saved.as_deref()) {
                Change::Nothing => session.put_back(program),
                Change::Restart(reason) => {
                    eprintln!("restarting: {reason}");
                    session.reset()?;
                    break load_fresh(&mut session, Program::load(&target)?, &target, &rx)?;
                }
                Change::Patch(patch, started) => {
                    let (patch_image, next) = *patch;
                    session.apply(program, &patch_image, next)?;
                    report_patch(&patch_image, started);
                    break patch_image;
                }
            }
        };
    }
}

/// Loads `program` into the (fresh) session; while it does not compile, waits for a change
/// and reads it again. Returns its image.
fn load_fresh(
    session: &mut Session,
    mut program: Program,
    target: &Target,
    rx: &Receiver<Event>,
) -> miette::Result<Image> {
    loop {
        match session.compile(&mut program)? {
            Compiled::Patch(image, next) => {
                session.apply(program, &image, *next)?;
                return Ok(image);
            }
            Compiled::Unpatchable(reason) => eprintln!("error: {reason}"),
            Compiled::Failed => {}
        }
        wait_for_change(rx);
        program = Program::load(target)?;
    }
}

/// Patches the running program on every change until it stops; stops it when a change needs
/// a restart.
fn watch_running(live: &mut Live<'_>, rx: &Receiver<Event>) -> Ended {
    loop {
        let mut saved = match rx.recv() {
            Ok(Event::RunEnded) | Err(_) => return Ended::ByItself { pending: false },
            Ok(Event::Changed(paths)) => paths,
        };
        if let Quiet::RunEnded = wait_for_quiet(rx, &mut saved) {
            return Ended::ByItself { pending: true };
        }
        let Some(mut program) = live.take_last() else {
            return Ended::ByItself { pending: true };
        };
        match change(live.state(), &mut program, Some(&saved)) {
            Change::Nothing => live.put_back(program),
            Change::Restart(reason) => {
                live.put_back(program);
                live.interrupt();
                wait_for_end(rx);
                return Ended::ForRestart(reason);
            }
            Change::Patch(patch, started) => {
                let (image, next) = *patch;
                match live.patch(program, &image, next) {
                    Ok(PatchOutcome::Applied) => report_patch(&image, started),
                    Ok(PatchOutcome::NotRunning | PatchOutcome::RunEnded) => {
                        wait_for_end(rx);
                        return Ended::ByItself { pending: true };
                    }
                    Err(e) => eprintln!("{e:?}"),
                }
            }
        }
    }
}

/// Reads the program's files among `saved` (all of them with `None`) again and compiles what
/// changed against `state`.
fn change(state: &mut State, program: &mut Program, saved: Option<&[PathBuf]>) -> Change {
    if !program.refresh(saved) {
        return Change::Nothing;
    }
    let started = Instant::now();
    match state.compile(program) {
        Ok(Compiled::Failed) => Change::Nothing,
        Ok(Compiled::Unpatchable(reason)) => Change::Restart(reason),
        Err(e) => {
            eprintln!("{e:?}");
            Change::Nothing
        }
        Ok(Compiled::Patch(image, next)) => {
            if let Some(reason) = unpatchable(state.shadow(), &next, program, &image) {
                return Change::Restart(reason);
            }
            Change::Patch(Box::new((image, *next)), started)
        }
    }
}

/// Why a patch cannot go into the running program: its top-level statements changed (they
/// ran already), or it needs new global roots.
fn unpatchable(
    before: &Shadow,
    after: &Shadow,
    program: &Program,
    image: &Image,
) -> Option<String> {
    let main_changed = program.modules.iter().any(|m| {
        let name = qualify(MAIN, m.path(&program.db));
        before.loaded(&name).map(|l| l.version) != after.loaded(&name).map(|l| l.version)
    });
    if main_changed {
        return Some("the top-level statements changed".into());
    }
    (!image.roots.is_empty()).then(|| "there are new global variables".into())
}

/// Prints the one line a patch gets.
fn report_patch(image: &Image, started: Instant) {
    let n = image.slots.len();
    eprintln!(
        "patched {n} function{} ({} bytes) in {:.1} ms",
        if n == 1 { "" } else { "s" },
        image.code_bytes,
        started.elapsed().as_secs_f64() * 1000.0
    );
}

/// Blocks until files change and are quiet again, and returns which (while nothing runs: an
/// end of a run that is over already is no change).
fn wait_for_change(rx: &Receiver<Event>) -> Vec<PathBuf> {
    while let Ok(event) = rx.recv() {
        if let Event::Changed(mut saved) = event {
            wait_for_quiet(rx, &mut saved);
            return saved;
        }
    }
    Vec::new()
}

/// How waiting for the files to settle ended.
enum Quiet {
    /// No event for [`QUIET`].
    Settled,
    /// The program stopped meanwhile (a change of files meanwhile may have come too).
    RunEnded,
}

/// Blocks until no file changed for [`QUIET`], or the program stopped; adds the files that
/// changed meanwhile to `saved`.
fn wait_for_quiet(rx: &Receiver<Event>, saved: &mut Vec<PathBuf>) -> Quiet {
    loop {
        match rx.recv_timeout(QUIET) {
            Ok(Event::Changed(paths)) => saved.extend(paths),
            Ok(Event::RunEnded) => return Quiet::RunEnded,
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {
                return Quiet::Settled;
            }
        }
    }
}

/// Blocks until the running program stopped (changes meanwhile are read again afterwards).
fn wait_for_end(rx: &Receiver<Event>) {
    while let Ok(event) = rx.recv() {
        if matches!(event, Event::RunEnded) {
            return;
        }
    }
}
