//! Compiles the shipped catalog (`contracts/*.toml`) into the binary, so that `capplan plan`
//! works on a machine that has only the binary, and names the build's sources for the caches.

use std::fs;
use std::path::Path;

fn main() {
    // Read when the script runs, not when it is compiled: a build folder shared by two
    // checkouts (`CARGO_TARGET_DIR`, a CI cache) reuses the compiled script for both.
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&manifest_dir).join("contracts");
    println!("cargo::rerun-if-changed={}", dir.display());
    let mut names: Vec<String> = fs::read_dir(&dir)
        .expect("the shipped catalog `contracts/` is part of the source")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    names.sort();
    let mut out = String::from("&[\n");
    for name in &names {
        println!("cargo::rerun-if-changed={}", dir.join(name).display());
        out.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            dir.join(name).display().to_string()
        ));
    }
    out.push_str("]\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("builtin_catalog.rs");
    fs::write(dest, out).unwrap();
    source_hash(Path::new(&manifest_dir));
    browser_cfg();
}

/// `CAPPLAN_SOURCE_HASH`: a hash of every file under `src/` (names and bytes, in name order) and
/// of `Cargo.lock`. The caches keep what one build computed from a file; two builds of the same
/// version from other sources may compute it otherwise, so an entry is only served to the build
/// whose sources wrote it (docs/catalog.md, "Cache").
fn source_hash(root: &Path) {
    use std::hash::{DefaultHasher, Hasher};
    fn walk(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, files);
            } else {
                files.push(path);
            }
        }
    }
    let src = root.join("src");
    println!("cargo::rerun-if-changed={}", src.display());
    println!(
        "cargo::rerun-if-changed={}",
        root.join("Cargo.lock").display()
    );
    let mut files = Vec::new();
    walk(&src, &mut files);
    files.sort();
    files.push(root.join("Cargo.lock"));
    let mut h = DefaultHasher::new();
    for path in &files {
        let name = path.strip_prefix(root).unwrap_or(path);
        h.write(name.to_string_lossy().as_bytes());
        h.write_u8(0);
        h.write(&fs::read(path).unwrap_or_default());
        h.write_u8(0);
    }
    println!("cargo::rustc-env=CAPPLAN_SOURCE_HASH={:016x}", h.finish());
}

/// Marks a build without Chromium (`cfg(capplan_no_browser)`), so that the browser test shows
/// as ignored in the test summary rather than as passed. `CAPPLAN_REQUIRE_BROWSER` (set by
/// `.ci/run`) never ignores it. Chromium is looked for when the script runs: after installing
/// it, set `CAPPLAN_CHROMIUM` or `CAPPLAN_REQUIRE_BROWSER` to run the test.
fn browser_cfg() {
    println!("cargo::rustc-check-cfg=cfg(capplan_no_browser)");
    println!("cargo::rerun-if-env-changed=CAPPLAN_CHROMIUM");
    println!("cargo::rerun-if-env-changed=CAPPLAN_REQUIRE_BROWSER");
    if std::env::var_os("CAPPLAN_REQUIRE_BROWSER").is_some() {
        return;
    }
    let given = std::env::var_os("CAPPLAN_CHROMIUM").map(std::path::PathBuf::from);
    let on_path = std::env::var_os("PATH").and_then(|path| {
        ["chromium", "chromium-browser", "google-chrome"]
            .iter()
            .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
            .find(|p| p.is_file())
    });
    if !given.or(on_path).is_some_and(|p| p.is_file()) {
        println!("cargo::rustc-cfg=capplan_no_browser");
    }
}
