//! The command line, as users run it: each `tests/cmd/*.toml` holds the arguments, the exit code
//! and the expected output of one `capplan` run. `TRYCMD=overwrite cargo test --test cli`
//! rewrites the expected output; read the diff before keeping it.

#[test]
fn cli_cases() {
    trycmd::TestCases::new().case("tests/cmd/*.toml");
}
