//! Compiles the shipped catalog (`contracts/*.toml`) into the binary, so that `capplan plan`
//! works on a machine that has only the binary.

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
}
