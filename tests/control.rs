//! Untrusted text stays text: a control character (C0, DEL, C1) or a bidirectional override
//! in any string of a catalog, scenario or demand file is a located `control-character` error,
//! and no output (a terminal's diagnostics, GitHub annotations, JSON, a report) ever carries one
//! raw, including a source line quoted under a diagnostic.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_capplan");

const PORTFOLIO: &str = "[portfolio]\nname = \"Control\"\nhorizon = { start = 2026-01-01, end = 2028-01-01 }\npue = 1\n\n[[hardware]]\nid = \"gb200\"\nkind = \"gpu\"\nwatts_per_unit = 1000\nrate_usd_per_hour = \"4.00\"\n";

fn contract(provider: &str, title: &str, comment: &str) -> String {
    format!(
        "id = \"acme\"\nprovider = \"{provider}\"\ntitle = \"{title}\" # {comment}\nstart = 2026-01-01\nterm = \"1y\"\nvalue_usd = \"5M\"\n\n[[tranche]]\nid = \"a\"\nhardware = \"gb200\"\nunits = 100\nonline_from = 2026-01-01\nonline_by = 2026-02-01\n"
    )
}

/// The characters an output must never carry raw.
fn raw_unsafe(text: &str) -> Option<char> {
    text.chars()
        .find(|&c| c != '\n' && c != '\t' && capplan::diagnostic::is_unsafe_char(c))
}

fn run(dir: &std::path::Path, args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(BIN)
        .env("CAPPLAN_CACHE_DIR", "off")
        .arg("--catalog")
        .arg(dir)
        .args(args)
        .env_remove("CAPPLAN_CATALOG")
        .output()
        .expect("capplan runs");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code(), text)
}

#[test]
fn control_characters_in_names_are_refused_where_written_and_shown_escaped() {
    // TOML escapes for C0, DEL and C1; raw characters for the bidirectional overrides, which
    // TOML allows as they are.
    let cases = [
        ("Acme\\u001b]0;pwned\\u0007", "a title", "\\u{1b}"),
        ("Acme\\u0000", "a title", "\\u{0}"),
        ("Acme\\u007f", "a title", "\\u{7f}"),
        ("Acme\\u009b31m", "a title", "\\u{9b}"),
        ("Acme", "deal \u{202e}lanigiro", "\\u{202e}"),
        ("Acme", "deal \u{2066}isolated", "\\u{2066}"),
    ];
    for (provider, title, shown) in cases {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("portfolio.toml"), PORTFOLIO).unwrap();
        std::fs::write(
            dir.path().join("acme.toml"),
            contract(provider, title, "ok"),
        )
        .unwrap();
        for args in [
            &["validate"][..],
            &["validate", "--format", "github"],
            &["validate", "--format", "json"],
            &["plan"],
            &["--format", "csv", "contracts"],
        ] {
            let (code, text) = run(dir.path(), args);
            assert_eq!(code, Some(1), "{provider} {title} {args:?}: {text}");
            assert!(text.contains("control-character"), "{args:?}: {text}");
            assert_eq!(
                raw_unsafe(&text),
                None,
                "{args:?} printed a raw control: {text:?}"
            );
            if args.len() == 1 {
                assert!(text.contains(shown), "{args:?}: expected {shown} in {text}");
            }
        }
    }
}

#[test]
fn a_source_line_under_a_diagnostic_is_shown_with_its_controls_masked() {
    // A bidirectional override in a comment is valid TOML; the line is quoted under the
    // diagnostic of the invalid value beside it.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("portfolio.toml"), PORTFOLIO).unwrap();
    let text = contract("Acme", "deal", "\u{202e} reversed \u{2067}").replace(
        "value_usd = \"5M\"",
        "value_usd = \"5 million\" # \u{202e}here",
    );
    std::fs::write(dir.path().join("acme.toml"), text).unwrap();
    for args in [
        &["validate"][..],
        &["validate", "--format", "github"],
        &["plan"],
    ] {
        let (code, out) = run(dir.path(), args);
        assert_eq!(code, Some(1), "{out}");
        assert!(out.contains("invalid-money"), "{out}");
        assert_eq!(raw_unsafe(&out), None, "{args:?}: {out:?}");
    }
    let (_, out) = run(dir.path(), &["validate"]);
    assert!(
        out.contains("# ???here"),
        "the override is masked in place: {out}"
    );
}

#[test]
fn scenario_and_demand_strings_are_held_to_the_same_rule() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("portfolio.toml"), PORTFOLIO).unwrap();
    std::fs::write(dir.path().join("acme.toml"), contract("Acme", "deal", "ok")).unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let scenario = elsewhere.path().join("s.toml");
    std::fs::write(
        &scenario,
        "[scenario]\nname = \"x\"\ndescription = \"bad \\u001b[2J\"\n",
    )
    .unwrap();
    let (code, out) = run(
        dir.path(),
        &["--scenario", scenario.to_str().unwrap(), "plan"],
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("control-character"), "{out}");
    assert_eq!(raw_unsafe(&out), None, "{out:?}");
    let demand = elsewhere.path().join("d.toml");
    std::fs::write(
        &demand,
        "[[workload]]\nid = \"w\"\ntitle = \"t\\u009b\"\nlevel = [{ from = 2026-01-01, h100e = 1 }]\n",
    )
    .unwrap();
    let (code, out) = run(dir.path(), &["--demand", demand.to_str().unwrap(), "plan"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("control-character"), "{out}");
    assert_eq!(raw_unsafe(&out), None, "{out:?}");
}
