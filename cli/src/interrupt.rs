//! Ctrl-C while a program runs: the first one interrupts the program on the board (it stops at
//! its next loop iteration or call with an `Interrupted` run-time error, and the board stays
//! ready); a second one ends `bs` and the device process at once.

use device::client::Interrupter;
use std::process::ChildStdin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

/// The board that Ctrl-C interrupts: its interrupter and its device process.
struct Target {
    interrupter: Interrupter<ChildStdin>,
    process: Option<u32>,
}

static TARGET: Mutex<Option<Target>> = Mutex::new(None);
static PRESSES: AtomicU32 = AtomicU32::new(0);

/// Makes Ctrl-C interrupt the board whose device process is `process` through `interrupter`
/// (one board per `bs` process; a later call replaces the earlier board).
pub fn install(interrupter: Interrupter<ChildStdin>, process: Option<u32>) -> miette::Result<()> {
    let first = {
        let mut target = TARGET.lock().unwrap_or_else(|e| e.into_inner());
        let first = target.is_none();
        *target = Some(Target {
            interrupter,
            process,
        });
        first
    };
    if first {
        ctrlc::set_handler(on_ctrl_c).map_err(|e| miette::miette!("cannot catch Ctrl-C: {e}"))?;
    }
    Ok(())
}

/// The handler (on its own thread, not in signal context).
fn on_ctrl_c() {
    let target = TARGET.lock().unwrap_or_else(|e| e.into_inner());
    let Some(target) = target.as_ref() else {
        return;
    };
    if PRESSES.fetch_add(1, Ordering::SeqCst) == 0 && target.interrupter.interrupt().is_ok() {
        return;
    }
    if let Some(pid) = target.process {
        // SAFETY: `kill` only sends a signal; the pid is our own child's.
        unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
    }
    eprintln!("\n** killed");
    std::process::exit(130);
}
