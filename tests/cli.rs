//! The command line, as users run it: each `tests/cmd/*.toml` holds the arguments, the exit code
//! and the expected output of one `capplan` run. `TRYCMD=overwrite cargo test --test cli`
//! rewrites the expected output; read the diff before keeping it.

#[test]
fn cli_cases() {
    // Runs leave nothing behind: the actuals cache is off.
    trycmd::TestCases::new()
        .env("CAPPLAN_CACHE_DIR", "off")
        .case("tests/cmd/*.toml");
}

/// The README's examples run as written, against the shipped catalog, so they cannot go stale.
#[test]
fn readme_examples() {
    trycmd::TestCases::new()
        .env("CAPPLAN_CACHE_DIR", "off")
        .case("README.md");
}

/// The README documents every diagnostic code users can meet.
#[test]
fn readme_lists_every_diagnostic_code() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    for code in capplan::diagnostic::Code::ALL {
        let row = format!(
            "| `{}` | {} | {} |",
            code.name(),
            code.severity(),
            code.description()
        );
        assert!(readme.contains(&row), "README.md lacks the row `{row}`");
    }
}

/// The README's CI step holds the shipped catalog to gates that pass, and names gates that trip:
/// a step copied from it stays green until a change breaks it.
#[test]
fn the_readme_ci_gates_pass_on_the_shipped_catalog_and_the_named_ones_trip() {
    let readme = std::fs::read_to_string("README.md").expect("the README");
    for gate in [
        "plan --fail-if 'gw@2028Q4<20'",
        "risk --samples 100000 --fail-if 'probability@2030Q4<0.02'",
    ] {
        assert!(readme.contains(gate), "the README no longer shows `{gate}`");
    }
    let code = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_capplan"))
            .env("CAPPLAN_CACHE_DIR", "off")
            .args(args)
            .env_remove("CAPPLAN_CATALOG")
            .output()
            .expect("capplan runs")
            .status
            .code()
    };
    let risk = [
        "--scenario",
        "examples/scenarios/delivery-risk.toml",
        "risk",
        "--samples",
        "20000",
    ];
    assert_eq!(code(&["plan", "--fail-if", "gw@2028Q4<20"]), Some(0));
    assert_eq!(
        code(&[&risk[..], &["--fail-if", "probability@2030Q4<0.02"]].concat()),
        Some(0)
    );
    assert_eq!(code(&["plan", "--fail-if", "target-met>2033Q4"]), Some(3));
    assert_eq!(
        code(&[&risk[..], &["--fail-if", "probability@2030Q4<0.5"]].concat()),
        Some(3)
    );
}
