//! Limits: input far larger than any real catalog gets a clear message, not an out-of-memory.

use std::process::Command;

#[test]
fn a_file_over_the_size_cap_is_refused_by_name_without_reading_it_all() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        "contracts/portfolio.toml",
        dir.path().join("portfolio.toml"),
    )
    .unwrap();
    let cap = capplan::catalog::load::MAX_FILE_BYTES as usize;
    std::fs::write(dir.path().join("dump.toml"), vec![b'#'; cap + 1]).unwrap();
    for args in [vec!["validate"], vec!["plan"]] {
        let out = Command::new(env!("CARGO_BIN_EXE_capplan"))
            .arg("--catalog")
            .arg(dir.path())
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("dump.toml` is larger than 16 MiB"), "{err}");
    }
    // One byte under the cap is read (and is a comment-only, empty contract file).
    std::fs::write(dir.path().join("dump.toml"), vec![b'#'; cap]).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_capplan"))
        .arg("validate")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("empty-file"));
}
