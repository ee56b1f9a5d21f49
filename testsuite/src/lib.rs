//! testsuite (skeleton)
