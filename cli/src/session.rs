//! A session on one board: programs (the files of `bs run a.bs b.bs`, REPL cells, the saves of
//! `bs watch`) are compiled against the shadow machine, the host's mirror of the device, so
//! that each loads only what is new and links against what the device already holds. The
//! shadow machine is replaced by the one the patch leads to only after the device has
//! acknowledged every message of the patch; so is the device input of the program's database,
//! over which the patch is a query (`incremental::build::plan`).

use crate::board::{self, Board};
use crate::commands::run;
use crate::compile::Program;
use crate::report;
use device::client::RunOutcome;
use device::patcher::{PatchOutcome, Patcher};
use incremental::build::{self, BuildError, ModuleArtifact};
use incremental::link::{Image, LinkTarget};
use incremental::shadow::Shadow;
use incremental::target::Target;
use std::io::Write;
use std::process::ChildStdin;

/// A board and what the host knows it holds.
pub struct Session {
    board: Board,
    /// What the board offers, narrowed by the project's manifest.
    link_target: LinkTarget,
    state: State,
}

/// What the host knows about a session's device, apart from the connection.
pub struct State {
    shadow: Shadow,
    /// The number of `shadow` among the device states of the session (each acknowledged
    /// patch and each reset gives a new one), to tell whether a program's database holds it.
    generation: u64,
    /// Every program loaded since the last reset (their files explain run-time errors).
    programs: Vec<Program>,
    /// The number the next program's first file gets.
    next_file: u32,
    /// The board's instruction set, which every program is compiled for.
    code: Target,
}

/// What compiling a program against the session gave.
pub enum Compiled {
    /// The patch that makes the device run it, and the shadow machine after it.
    Patch(Image, Box<Shadow>),
    /// It cannot be patched in: the reason (a global's type or a class layout changed).
    Unpatchable(String),
    /// It has compile errors (already printed).
    Failed,
}

impl Session {
    /// A session on `board`, which holds nothing yet, linking for `link_target`.
    pub fn start(board: Board, link_target: LinkTarget) -> Session {
        let shadow = Shadow::new(link_target);
        let code = run::code_target(&board);
        Session {
            board,
            link_target,
            state: State {
                shadow,
                generation: 0,
                programs: Vec::new(),
                next_file: 0,
                code,
            },
        }
    }

    /// The board.
    pub fn board(&mut self) -> &mut Board {
        &mut self.board
    }

    /// What the host knows the device holds.
    pub fn shadow(&self) -> &Shadow {
        &self.state.shadow
    }

    /// Clears the device and forgets everything loaded.
    pub fn reset(&mut self) -> miette::Result<()> {
        self.board.reset().map_err(|e| board::device_error(&e))?;
        self.state = State {
            shadow: Shadow::new(self.link_target),
            generation: self.state.generation + 1,
            programs: Vec::new(),
            next_file: 0,
            code: self.state.code,
        };
        Ok(())
    }

    /// Compiles `program` against the session; see [`State::compile`].
    pub fn compile(&mut self, program: &mut Program) -> miette::Result<Compiled> {
        self.state.compile(program)
    }

    /// Sends the patch `image` of `program` to the device; once the device has acknowledged
    /// all of it, `next` becomes the shadow machine.
    pub fn apply(&mut self, program: Program, image: &Image, next: Shadow) -> miette::Result<()> {
        // On failure the shadow machine stays as it was, which is what the device still runs:
        // the code and data sent went where nothing refers to them, and no slot was swapped.
        self.board.load(image).map_err(|e| {
            miette::miette!(
                help = "the device still runs the previous program; save again to retry",
                "the patch was not applied: {e}"
            )
        })?;
        self.state.commit(program, next);
        Ok(())
    }

    /// The session's state (to compile against it).
    pub fn state(&mut self) -> &mut State {
        &mut self.state
    }

    /// Takes back the program loaded last (to compile an edit of it against the session and
    /// [`Session::apply`] it again).
    pub fn take_last(&mut self) -> Option<Program> {
        self.state.programs.pop()
    }

    /// Puts back a program taken with [`Session::take_last`] that was not patched in.
    pub fn put_back(&mut self, program: Program) {
        self.state.programs.push(program);
    }

    /// Compiles `program` against the session, loads it and runs it; returns whether it
    /// compiled and ran without error.
    pub fn run(&mut self, mut program: Program) -> miette::Result<bool> {
        match self.compile(&mut program)? {
            Compiled::Patch(image, next) => {
                self.apply(program, &image, *next)?;
                self.execute(&image)
            }
            Compiled::Unpatchable(reason) => {
                eprintln!("error: {reason}; run it on its own or restart the session");
                Ok(false)
            }
            Compiled::Failed => Ok(false),
        }
    }

    /// Runs the entry point of `image` (already applied), printing its output as it arrives
    /// and a run-time error with its source location; returns whether it completed.
    pub fn execute(&mut self, image: &Image) -> miette::Result<bool> {
        let outcome = self
            .board
            .run(image, print_output)
            .map_err(|e| board::device_error(&e))?;
        Ok(self.state.report(outcome))
    }

    /// Like [`Session::execute`], but runs the program on another thread while `meanwhile`
    /// runs on this one, with a [`Live`] handle that patches the running program; `on_end` is
    /// called on the run's thread once the program stopped.
    pub fn execute_while<T>(
        &mut self,
        image: &Image,
        on_end: impl FnOnce() + Send,
        meanwhile: impl FnOnce(&mut Live<'_>) -> T,
    ) -> miette::Result<(bool, T)> {
        let patcher = self.board.patcher();
        let interrupter = self.board.interrupter();
        let max_payload = self.board.max_payload();
        let board = &mut self.board;
        let state = &mut self.state;
        let (outcome, result) = std::thread::scope(|s| {
            let run = s.spawn(move || {
                let outcome = board.run(image, print_output);
                on_end();
                outcome
            });
            let mut live = Live {
                state: &mut *state,
                patcher: &patcher,
                interrupter: &interrupter,
                max_payload,
            };
            let result = meanwhile(&mut live);
            let outcome = run.join().expect("the run thread does not panic");
            (outcome, result)
        });
        let outcome = outcome.map_err(|e| board::device_error(&e))?;
        Ok((state.report(outcome), result))
    }
}

impl State {
    /// Compiles `program` against the session (it sees what earlier programs defined) and
    /// plans its patch; compile errors are printed.
    pub fn compile(&mut self, program: &mut Program) -> miette::Result<Compiled> {
        self.join(program);
        let planned = build::plan(&program.db, program.entry)
            .map(|patch| (patch.image.clone(), patch.after.clone()));
        Self::planned(program, planned)
    }

    /// Whether nothing was loaded in the session yet.
    pub fn is_fresh(&self) -> bool {
        self.programs.is_empty() && self.next_file == 0
    }

    /// Like [`State::compile`], from the modules of `program` compiled elsewhere (through the
    /// project's store); only for the first program of a fresh session, whose modules are
    /// numbered and named as if compiled alone.
    pub fn compile_from(
        &mut self,
        program: &mut Program,
        artifacts: &[ModuleArtifact],
    ) -> miette::Result<Compiled> {
        self.join(program);
        let (db, entry) = (&program.db, program.entry);
        let planned =
            build::link_modules_onto(db, entry, &program.modules, artifacts, &self.shadow);
        Self::planned(program, planned)
    }

    /// Makes `program` a program of the session: it sees the names earlier ones defined, and
    /// its database's device input is what the device holds.
    fn join(&mut self, program: &mut Program) {
        program.db.set_target(self.code);
        let end = program.join_session(self.shadow.names(), self.next_file);
        self.next_file = self.next_file.max(end);
        program.sync_device(&self.shadow, self.generation);
    }

    /// What a planned patch of `program` gives; compile errors are printed.
    fn planned(
        program: &Program,
        planned: Result<(Image, Shadow), BuildError>,
    ) -> miette::Result<Compiled> {
        match planned {
            Ok((image, next)) => Ok(Compiled::Patch(image, Box::new(next))),
            Err(BuildError::Unpatchable(reason)) => Ok(Compiled::Unpatchable(reason)),
            Err(e) => run::report_build_error(program, e).map(|()| Compiled::Failed),
        }
    }

    /// What the host knows the device holds.
    pub fn shadow(&self) -> &Shadow {
        &self.shadow
    }

    /// The device acknowledged the patch of `program`: `next` is what it holds now (for the
    /// session and as the device input of the program's database).
    fn commit(&mut self, mut program: Program, next: Shadow) {
        self.generation += 1;
        program.sync_device(&next, self.generation);
        self.shadow = next;
        self.programs.push(program);
    }

    /// Prints a run-time error with its source location (from everything loaded so far, so
    /// that code patched in during the run is found too); returns whether the run completed.
    fn report(&self, outcome: RunOutcome) -> bool {
        match outcome {
            RunOutcome::Completed => true,
            RunOutcome::RuntimeError {
                code_addr, message, ..
            } => {
                let source_map = self.shadow.source_map();
                let owner = source_map
                    .lookup(code_addr)
                    .and_then(|loc| self.programs.iter().find(|p| p.module(loc.file).is_some()));
                match owner {
                    Some(p) => {
                        let text = run::runtime_error_text(p, source_map, &message, code_addr);
                        eprint!("{text}")
                    }
                    None => eprint!("{}", report::runtime_error(&message, None)),
                }
                false
            }
        }
    }
}

/// The session while a program runs on another thread: compiles against it, patches the
/// running program, or interrupts it.
pub struct Live<'s> {
    state: &'s mut State,
    patcher: &'s Patcher<ChildStdin>,
    interrupter: &'s device::client::Interrupter<ChildStdin>,
    max_payload: usize,
}

impl Live<'_> {
    /// The session's state (to compile against it).
    pub fn state(&mut self) -> &mut State {
        self.state
    }

    /// Takes back the program loaded last.
    pub fn take_last(&mut self) -> Option<Program> {
        self.state.programs.pop()
    }

    /// Puts back a program taken with [`Live::take_last`] that was not patched in.
    pub fn put_back(&mut self, program: Program) {
        self.state.programs.push(program);
    }

    /// Patches the running program with `image` (code and data loads and slot swaps only:
    /// nothing that needs new roots); once the device acknowledged all of it, `next` is the
    /// shadow machine and `program` the session's last. Functions running now finish in
    /// their old version. Otherwise `program` is put back as the last program unchanged (its
    /// old version is what the device runs).
    pub fn patch(
        &mut self,
        program: Program,
        image: &Image,
        next: Shadow,
    ) -> miette::Result<PatchOutcome> {
        let loads: Vec<(u32, &[u8])> = image
            .loads
            .iter()
            .map(|(a, b)| (*a, b.as_slice()))
            .collect();
        let result = self.patcher.apply(&loads, &image.slots, self.max_payload);
        if let Ok(PatchOutcome::Applied) = result {
            self.state.commit(program, next);
        } else {
            self.state.programs.push(program);
        }
        result.map_err(|e| {
            miette::miette!(
                help = "the device still runs the previous version; save again to retry",
                "the patch was not applied: {e}"
            )
        })
    }

    /// Asks the running program to stop.
    pub fn interrupt(&self) {
        let _ = self.interrupter.interrupt();
    }
}

/// Prints a program's output as it arrives (a closed pipe is no reason to stop the device).
pub fn print_output(stream: u8, bytes: &[u8]) {
    let _ = if stream == device::abi::STREAM_STDERR as u8 {
        std::io::stderr().lock().write_all(bytes)
    } else {
        let mut out = std::io::stdout().lock();
        out.write_all(bytes).and_then(|()| out.flush())
    };
}
