//! Test support: a small IR builder and an in-process machine that runs compiled functions with
//! a context block, an arena, a trampoline that sets `r14`/`r15`, and escape stubs for natives
//! that never return.

#![allow(dead_code, unused_imports)]

pub mod machine;
pub mod parse;

pub use ir::builder::Builder;
pub use machine::{Arg, Machine, Outcome};
