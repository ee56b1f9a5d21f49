//! One module per `bs` subcommand.

pub mod bench;
pub mod check;
pub mod disasm;
pub mod new;
pub mod run;
pub mod test;
