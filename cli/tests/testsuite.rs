//! Runs every conformance program in `testsuite/programs` through the real `bs` binary on the
//! host board and on esp32-sim (also from release images there, and under `--gc-stress`) and
//! compares the whole output.

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
    let failures = testsuite::run_all(bs, &cases, "host", &[]);
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
    let failures = testsuite::run_all(bs, &cases, "esp32-sim", &[]);
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

/// The conformance programs give the same output from release images (direct calls, only the
/// reachable functions) on esp32-sim as in development; sessions of several programs, which a
/// release image cannot hold, are left out.
#[test]
fn conformance_programs_from_release_images_on_esp32_sim() {
    let bs = std::path::Path::new(env!("CARGO_BIN_EXE_bs"));
    let cases: Vec<_> = testsuite::discover(&testsuite::programs_dir())
        .expect("the programs directory is readable")
        .into_iter()
        .filter(testsuite::runs_in_release)
        .collect();
    assert!(cases.len() >= 80, "only {} programs", cases.len());
    let scratch = std::env::temp_dir().join(format!("bs-release-suite-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let failures = testsuite::run_all_release(bs, &cases, "esp32-sim", &[], &scratch);
    for (program, problem) in &failures {
        eprintln!("FAILED {}\n{problem}\n", program.display());
    }
    let _ = std::fs::remove_dir_all(&scratch);
    assert!(
        failures.is_empty(),
        "{} of {} conformance programs failed from release images on esp32-sim",
        failures.len(),
        cases.len()
    );
}

/// Under `--gc-stress` (a collection before every allocation, what it frees overwritten) every
/// conformance program gives the same output on both boards, in development and from release
/// images: generated code keeps every object it still needs in a GC root, whichever of caller
/// and callee the calling convention makes responsible. Programs that print heap statistics
/// are left out (stress changes the number of collections and the peak).
#[test]
fn conformance_programs_under_gc_stress() {
    let bs = std::path::Path::new(env!("CARGO_BIN_EXE_bs"));
    let cases: Vec<_> = testsuite::discover(&testsuite::programs_dir())
        .expect("the programs directory is readable")
        .into_iter()
        .filter(|c| !c.args.iter().any(|a| a == "--heap-stats"))
        .collect();
    let scratch = std::env::temp_dir().join(format!("bs-stress-suite-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let stress = ["--gc-stress"];
    let mut failures = Vec::new();
    for board in ["host", "esp32-sim"] {
        let runs = [
            testsuite::run_all(bs, &cases, board, &stress),
            testsuite::run_all_release(
                bs,
                &cases
                    .iter()
                    .filter(|c| testsuite::runs_in_release(c))
                    .cloned()
                    .collect::<Vec<_>>(),
                board,
                &stress,
                &scratch.join(board),
            ),
        ];
        for (program, problem) in runs.into_iter().flatten() {
            eprintln!("FAILED on {board}: {}\n{problem}\n", program.display());
            failures.push(program);
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    assert!(
        failures.is_empty(),
        "{} conformance runs failed under --gc-stress",
        failures.len()
    );
}
