//! Heap objects and the value model: `any` words, strings, arrays, and their text.

pub mod any;
pub mod array;
pub mod ops;
pub mod string;
pub mod text;
