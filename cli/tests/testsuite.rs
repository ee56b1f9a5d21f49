//! Runs every conformance program in `testsuite/programs` through the real `bs` binary on the
//! host board and compares the whole output.

#[test]
fn conformance_programs_on_host() {
    let bs = std::path::Path::new(env!("CARGO_BIN_EXE_bs"));
    let cases = testsuite::discover(&testsuite::programs_dir())
        .expect("the programs directory is readable");
    assert!(
        cases.len() >= 80,
        "only {} conformance programs",
        cases.len()
    );
    let failures = testsuite::run_all(bs, &cases, "host");
    for (program, problem) in &failures {
        eprintln!("FAILED {}\n{problem}\n", program.display());
    }
    assert!(
        failures.is_empty(),
        "{} of {} conformance programs failed",
        failures.len(),
        cases.len()
    );
}

#[test]
fn conformance_programs_on_esp32_sim() {
    let bs = std::path::Path::new(env!("CARGO_BIN_EXE_bs"));
    let cases = testsuite::discover(&testsuite::programs_dir())
        .expect("the programs directory is readable");
    let failures = testsuite::run_all(bs, &cases, "esp32-sim");
    for (program, problem) in &failures {
        eprintln!("FAILED {}\n{problem}\n", program.display());
    }
    assert!(
        failures.is_empty(),
        "{} of {} conformance programs failed on esp32-sim",
        failures.len(),
        cases.len()
    );
}
