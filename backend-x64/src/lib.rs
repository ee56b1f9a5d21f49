//! backend-x64 (skeleton)
