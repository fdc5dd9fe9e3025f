//! Replays the fuzz corpus (fuzz/corpus/TARGET) and every input a fuzzer found a bug with
//! (fuzz/regressions/TARGET) through the same checks as the fuzz targets, so that a fixed bug
//! stays fixed without a fuzzer installed. scripts/fuzz.sh runs the fuzzers themselves.

use std::fs;
use std::path::Path;

use capplan::fuzzing;

fn replay(target: &str, check: fn(&[u8])) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut inputs = 0;
    for folder in ["corpus", "regressions"] {
        let Ok(entries) = fs::read_dir(root.join(folder).join(target)) else {
            continue;
        };
        let mut paths: Vec<_> = entries
            .map(|e| e.expect("a readable entry").path())
            .collect();
        paths.sort();
        for path in paths {
            let data = fs::read(&path).expect("a readable input");
            let outcome = std::panic::catch_unwind(|| check(&data));
            assert!(outcome.is_ok(), "{} fails its check", path.display());
            inputs += 1;
        }
    }
    assert!(inputs > 0, "no corpus for fuzz target `{target}`");
}

#[test]
fn catalog_file() {
    replay("catalog_file", fuzzing::catalog_file);
}

#[test]
fn catalog() {
    replay("catalog", fuzzing::catalog);
}

#[test]
fn scenario() {
    replay("scenario", fuzzing::scenario);
}

#[test]
fn money() {
    replay("money", fuzzing::money);
}

#[test]
fn duration() {
    replay("duration", fuzzing::duration);
}

#[test]
fn period() {
    replay("period", fuzzing::period);
}

#[test]
fn distribution() {
    replay("distribution", fuzzing::distribution);
}

#[test]
fn fail_if() {
    replay("fail_if", fuzzing::fail_if);
}
