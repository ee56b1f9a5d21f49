//! One module per `bs` subcommand.

pub mod add;
pub mod bench;
pub mod check;
pub mod new;
pub mod run;
