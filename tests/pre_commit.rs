//! The pre-commit hook of `.pre-commit-hooks.yaml`: the command it runs, run as pre-commit
//! runs it (from the root of a repository, with the hook's `args` and no file names), and, where
//! the `pre-commit` program is installed, the real thing: a scratch repository whose commits
//! the hook accepts or refuses. pre-commit builds capplan with `cargo install` (in release mode)
//! the first time; the build folder is kept under `target/pre-commit` so later runs are quick.
//! Without `pre-commit` on the `PATH` that test says it was skipped; with
//! `CAPPLAN_REQUIRE_PRECOMMIT=1` it fails instead.

use std::path::{Path, PathBuf};
use std::process::Command;

const MANIFEST: &str = ".pre-commit-hooks.yaml";

/// The value of `key: value` in the hook's entry of the manifest.
fn field(key: &str) -> String {
    let manifest = std::fs::read_to_string(MANIFEST).unwrap();
    let prefix = format!("{key}: ");
    manifest
        .lines()
        .map(|l| l.trim_start_matches("- ").trim())
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("`{MANIFEST}` has no `{key}`"))
        .to_owned()
}

#[test]
fn the_manifest_declares_the_capplan_validate_hook() {
    assert_eq!(field("id"), "capplan-validate");
    assert_eq!(field("language"), "rust");
    assert_eq!(field("entry"), "capplan validate");
    assert_eq!(field("files"), r"^contracts/.*\.toml$");
    assert_eq!(field("pass_filenames"), "false");
    assert_eq!(field("args"), "[contracts]");
}

/// A scratch repository with `contracts/` copied from a fixture catalog.
fn repository_with(fixture: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let contracts = dir.path().join("contracts");
    std::fs::create_dir(&contracts).unwrap();
    for entry in std::fs::read_dir(fixture).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, contracts.join(path.file_name().unwrap())).unwrap();
    }
    dir
}

/// Runs the hook's entry and arguments in `dir` as pre-commit does.
fn run_hook(dir: &Path) -> std::process::Output {
    let entry = field("entry");
    let mut words = entry.split_whitespace();
    assert_eq!(words.next(), Some("capplan"));
    let args = field("args");
    let args = args.trim_matches(['[', ']']).split(", ");
    Command::new(env!("CARGO_BIN_EXE_capplan"))
        .env("CAPPLAN_CACHE_DIR", "off")
        .args(words)
        .args(args)
        .current_dir(dir)
        .env_remove("CAPPLAN_CATALOG")
        .output()
        .unwrap()
}

#[test]
fn the_hook_command_passes_a_valid_catalog_and_fails_an_invalid_one() {
    let crate_root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let valid = repository_with(crate_root.join("examples/starter").to_str().unwrap());
    let out = run_hook(valid.path());
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let invalid = repository_with("tests/fixtures/codes/schedule-sum-mismatch");
    let out = run_hook(invalid.path());
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("error[schedule-sum-mismatch]"), "{text}");
    assert!(text.contains("contracts/acme.toml:7:13"), "{text}");
}

/// Where `pre-commit` is, if on the `PATH`.
fn pre_commit() -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("pre-commit"))
            .find(|p| p.is_file())
    })
}

fn git(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new("git")
        .args([
            "-c",
            "user.name=capplan",
            "-c",
            "user.email=capplan@example.org",
        ])
        .args(["-c", "commit.gpgsign=false"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

#[test]
fn pre_commit_refuses_a_commit_of_an_invalid_contract() {
    let Some(pre_commit) = pre_commit() else {
        assert!(
            std::env::var_os("CAPPLAN_REQUIRE_PRECOMMIT").is_none(),
            "CAPPLAN_REQUIRE_PRECOMMIT is set but `pre-commit` is not on the PATH"
        );
        eprintln!("skipped: `pre-commit` is not installed (pip install pre-commit)");
        return;
    };
    let crate_root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = crate_root.join("target/pre-commit");
    let repo = repository_with(crate_root.join("examples/starter").to_str().unwrap());
    let dir = repo.path();
    assert!(git(dir, &["init", "-q"]).status.success());
    // What a user adds to `.pre-commit-config.yaml`, with this crate as the hook's repository
    // (as it is now, committed or not: `try-repo` reads the working tree).
    let hook = |files: &[&str]| {
        let mut cmd = Command::new(&pre_commit);
        cmd.args([
            "try-repo",
            crate_root.to_str().unwrap(),
            "capplan-validate",
            "--files",
        ])
        .args(files)
        .current_dir(dir)
        .env("PRE_COMMIT_HOME", target.join("home"))
        .env("CARGO_TARGET_DIR", target.join("build"))
        .env_remove("CAPPLAN_CATALOG");
        cmd.output().unwrap()
    };
    assert!(git(dir, &["add", "-A"]).status.success());
    let out = hook(&["contracts/portfolio.toml"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("capplan validate") && text.contains("Passed"),
        "{text}"
    );
    // A contract whose schedule misses its value: refused, with the diagnostic.
    std::fs::copy(
        "tests/fixtures/codes/schedule-sum-mismatch/acme.toml",
        dir.join("contracts/acme.toml"),
    )
    .unwrap();
    assert!(git(dir, &["add", "-A"]).status.success());
    let out = hook(&["contracts/acme.toml"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("Failed"), "{text}");
    assert!(text.contains("error[schedule-sum-mismatch]"), "{text}");
    // A file outside the catalog does not run the hook.
    std::fs::write(dir.join("notes.toml"), "a = 1\n").unwrap();
    assert!(git(dir, &["add", "-A"]).status.success());
    let out = hook(&["notes.toml"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{text}");
    assert!(text.contains("(no files to check)Skipped"), "{text}");
}
