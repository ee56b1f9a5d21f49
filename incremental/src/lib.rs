//! The BlueScript compiler as a salsa database: source files are inputs; parsing, item
//! signatures, per-function checking, lowering and per-function code generation are tracked
//! queries; the linker turns compiled functions into a load plan for a device.

pub mod build;
pub mod check;
pub mod db;
pub mod diagnostic;
pub mod hir;
pub mod link;
pub mod lower;
pub mod modules;
pub mod origin;
pub mod release;
pub mod session;
pub mod shadow;
pub mod target;
pub mod types;
