//! incremental (skeleton)
