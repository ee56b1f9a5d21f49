//! device (skeleton)
