//! syntax (skeleton)
