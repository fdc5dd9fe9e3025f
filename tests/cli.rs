//! The command line, as users run it: each `tests/cmd/*.toml` holds the arguments, the exit code
//! and the expected output of one `capplan` run. `TRYCMD=overwrite cargo test --test cli`
//! rewrites the expected output; read the diff before keeping it.

#[test]
fn cli_cases() {
    trycmd::TestCases::new().case("tests/cmd/*.toml");
}

/// The README's examples run as written, against the shipped catalog, so they cannot go stale.
#[test]
fn readme_examples() {
    trycmd::TestCases::new().case("README.md");
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
