//! One module per `bs` subcommand.

pub mod add;
pub mod bench;
pub mod build;
pub mod check;
pub mod disasm;
pub mod flash;
pub mod gc;
pub mod inspect;
pub mod new;
pub mod repl;
pub mod run;
pub mod test;
pub mod watch;
