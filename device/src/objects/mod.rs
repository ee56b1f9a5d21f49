//! Heap objects and the value model: `any` words, strings, arrays, instances, closures, cells,
//! the static descriptors they point at, run-time types, dynamic access, and text.

pub mod any;
pub mod array;
pub mod cell;
pub mod class;
pub mod closure;
pub mod dispatch;
pub mod instance;
pub mod ops;
pub mod property;
pub mod runtime_type;
#[cfg(test)]
pub(crate) mod statics;
pub mod string;
pub mod text;
