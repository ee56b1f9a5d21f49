//! ir (skeleton)
