//! The catalog cache as users meet it (docs/catalog.md, "Cache"): a report from the cache is
//! byte for byte the report without it, and no change to the files is ever answered from it.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What one run printed: exit code, standard output, standard error.
type Run = (i32, String, String);

fn capplan(cache: &str, catalog: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_capplan"))
        .arg("--catalog")
        .arg(catalog)
        .args(args)
        .env("CAPPLAN_CACHE_DIR", cache)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// The run through the cache in `cache`, checked against the run without any cache.
fn same_as_uncached(cache: &Path, catalog: &Path, args: &[&str]) -> Run {
    let cached = capplan(cache.to_str().unwrap(), catalog, args);
    let plain = capplan("off", catalog, args);
    assert_eq!(cached, plain, "{args:?}");
    cached
}

/// The entries in the cache folder `cache`.
fn entries(cache: &Path) -> Vec<PathBuf> {
    match fs::read_dir(cache.join("catalog")) {
        Ok(dir) => dir.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    }
}

fn shipped_copy(into: &Path) -> PathBuf {
    let dir = into.join("shipped");
    fs::create_dir(&dir).unwrap();
    for entry in fs::read_dir("contracts").unwrap() {
        let path = entry.unwrap().path();
        fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
    }
    dir
}

fn contract(i: usize) -> String {
    let provider = ["Alpha", "Beta", "Gamma"][i % 3];
    format!(
        "id = \"gen-{i:03}\"\nprovider = \"{provider}\"\ntitle = \"generated contract {i}\"\n\
         start = 2026-01-01\nterm = \"4y\"\nvalue_usd = \"{}000000.00\"\n\n\
         [[tranche]]\nid = \"t0\"\nhardware = \"gb200\"\nunits = {}\n\
         online_from = 2026-03-01\nonline_by = 2026-12-01\n",
        100 + i,
        1000 + 10 * i
    )
}

/// The shipped portfolio with 40 small contracts.
fn generated(into: &Path) -> PathBuf {
    let dir = into.join("generated");
    fs::create_dir(&dir).unwrap();
    fs::copy("contracts/portfolio.toml", dir.join("portfolio.toml")).unwrap();
    for i in 0..40 {
        fs::write(dir.join(format!("gen-{i:03}.toml")), contract(i)).unwrap();
    }
    dir
}

const COMMANDS: &[&[&str]] = &[
    &["capacity", "--by", "quarter", "--group-by", "provider"],
    &["spend", "--by", "quarter", "--group-by", "provider"],
    &["plan"],
    &["contracts"],
    &["capacity", "--delay", "*=2m"],
    // Every tranche leaves its term: errors that point into the catalog's files.
    &["spend", "--delay", "*=30y"],
];

#[test]
fn a_report_from_the_cache_is_the_report_without_it() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    for catalog in [shipped_copy(tmp.path()), generated(tmp.path())] {
        for args in COMMANDS {
            // The first run stores the catalog, the second reads it back.
            same_as_uncached(&cache, &catalog, args);
            assert_eq!(entries(&cache).len(), 1, "{args:?}");
            same_as_uncached(&cache, &catalog, args);
        }
        let (code, _, stderr) = same_as_uncached(&cache, &catalog, &["spend", "--delay", "*=30y"]);
        assert_eq!(code, 1);
        assert!(
            stderr.contains(&format!("{}/", catalog.display())),
            "{stderr}"
        );
        fs::remove_dir_all(&cache).unwrap();
    }
}

/// Rewrites one contract's value to other digits of the same length, and gives the file back
/// its modification time.
fn same_size_edit(file: &Path) {
    let before = fs::metadata(file).unwrap().modified().unwrap();
    let text = fs::read_to_string(file).unwrap();
    let edited = text.replace("\"101000000.00\"", "\"909000000.00\"");
    assert_ne!(edited, text);
    assert_eq!(edited.len(), text.len());
    fs::write(file, edited).unwrap();
    fs::File::options()
        .write(true)
        .open(file)
        .unwrap()
        .set_modified(before)
        .unwrap();
    assert_eq!(fs::metadata(file).unwrap().modified().unwrap(), before);
}

#[test]
fn no_change_to_the_files_is_answered_from_the_cache() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let catalog = generated(tmp.path());
    let contracts = ["contracts"];
    let first = same_as_uncached(&cache, &catalog, &contracts);
    assert!(first.1.contains("101"), "{}", first.1);

    same_size_edit(&catalog.join("gen-001.toml"));
    let edited = same_as_uncached(&cache, &catalog, &contracts);
    assert_ne!(edited.1, first.1);
    assert!(edited.1.contains("909"), "{}", edited.1);

    fs::write(catalog.join("gen-100.toml"), contract(100)).unwrap();
    let added = same_as_uncached(&cache, &catalog, &contracts);
    assert!(added.1.contains("gen-100"));

    fs::remove_file(catalog.join("gen-002.toml")).unwrap();
    let removed = same_as_uncached(&cache, &catalog, &contracts);
    assert!(!removed.1.contains("gen-002"));

    // The same contents under another name: the files, and so the ids of diagnostics, differ.
    fs::rename(catalog.join("gen-003.toml"), catalog.join("zz-003.toml")).unwrap();
    same_as_uncached(&cache, &catalog, &contracts);
    let late = same_as_uncached(&cache, &catalog, &["spend", "--delay", "*=30y"]);
    assert!(late.2.contains("zz-003.toml"), "{}", late.2);
    same_as_uncached(&cache, &catalog, &["spend", "--delay", "*=30y"]);
}

#[test]
fn a_damaged_entry_is_a_silent_miss() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let catalog = generated(tmp.path());
    let args = ["spend", "--by", "quarter"];
    same_as_uncached(&cache, &catalog, &args);
    let [entry] = &entries(&cache)[..] else {
        panic!("one entry")
    };
    let whole = fs::read(entry).unwrap();
    let damaged: [(&str, Vec<u8>); 6] = [
        ("empty", Vec::new()),
        // A header that claims a catalog of an exabyte: a miss, not an allocation of it.
        ("a catalog length past the file", {
            let mut b = whole.clone();
            b[40..48].copy_from_slice(&(1u64 << 60).to_le_bytes());
            b
        }),
        ("cut short", whole[..whole.len() / 2].to_vec()),
        ("garbage", vec![0x5a; whole.len()]),
        ("one byte more", [whole.as_slice(), b"x"].concat()),
        ("a byte flipped in the catalog", {
            let mut b = whole.clone();
            // The stored catalog follows the header (magic, four numbers, the table's length,
            // two more) and the file table.
            let table: [u8; 8] = whole[32..40].try_into().unwrap();
            let at = 56 + u64::from_le_bytes(table) as usize + 100;
            b[at] ^= 0x01;
            b
        }),
    ];
    for (what, bytes) in damaged {
        fs::write(entry, bytes).unwrap();
        let (code, _, stderr) = same_as_uncached(&cache, &catalog, &args);
        assert_eq!((code, stderr.as_str()), (0, ""), "{what}");
    }
}

#[test]
fn a_cache_that_cannot_be_written_is_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    // A file where the cache folder would be.
    let cache = tmp.path().join("not-a-folder");
    fs::write(&cache, "").unwrap();
    let catalog = generated(tmp.path());
    for args in COMMANDS {
        same_as_uncached(&cache, &catalog, args);
    }
}

#[test]
fn a_catalog_with_errors_is_reported_as_ever_and_not_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let catalog = generated(tmp.path());
    fs::write(
        catalog.join("gen-004.toml"),
        contract(4).replace("term = \"4y\"", "term = \"4 years\""),
    )
    .unwrap();
    for args in COMMANDS {
        let (code, _, stderr) = same_as_uncached(&cache, &catalog, args);
        assert_eq!(code, 1, "{args:?}");
        assert!(stderr.contains("gen-004.toml"), "{stderr}");
    }
    assert_eq!(entries(&cache), Vec::<PathBuf>::new());
}

#[test]
fn warnings_of_a_stored_load_are_given_again() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let catalog = generated(tmp.path());
    // A gpu profile without `tflops` raises a warning even where only errors are checked.
    let portfolio = fs::read_to_string(catalog.join("portfolio.toml")).unwrap();
    fs::write(
        catalog.join("portfolio.toml"),
        format!(
            "{portfolio}\n[[hardware]]\nid = \"no-figures\"\nname = \"x\"\nkind = \"gpu\"\n\
             watts_per_unit = 1000\nrate_usd_per_hour = 2\n"
        ),
    )
    .unwrap();
    for args in COMMANDS {
        same_as_uncached(&cache, &catalog, args);
    }
    assert_eq!(entries(&cache).len(), 1);
}

#[test]
fn validate_never_uses_the_cache() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let catalog = generated(tmp.path());
    same_as_uncached(&cache, &catalog, &["validate"]);
    assert_eq!(entries(&cache), Vec::<PathBuf>::new());
    // With an entry in place, `validate` still reads the files: it sees the edit.
    same_as_uncached(&cache, &catalog, &["contracts"]);
    same_size_edit(&catalog.join("gen-001.toml"));
    fs::write(catalog.join("gen-005.toml"), "id = ").unwrap();
    let (code, stdout, stderr) = same_as_uncached(&cache, &catalog, &["validate"]);
    assert_eq!(code, 1);
    assert!(
        format!("{stdout}{stderr}").contains("gen-005.toml"),
        "{stdout}{stderr}"
    );
}
