//! `capplan diff`, checked against figures computed another way and against real git
//! repositories made here.
//!
//! `tests/fixtures/diff/base` is a small catalog ("GPUs" of 1 MW at PUE 1, so 1,000 draw 1 GW):
//!
//! | contract | units | online | value |
//! |---|---|---|---|
//! | alpha | 4,000 | all on 2026-10-01 (step) | $73M straight-line over 2026-2027 |
//! | bravo | 10,000 | all on 2026-01-01 (step) | $146M straight-line over 2026-2027 |
//! | charlie (non-binding) | 7,300 | linear 2026-07-01 to 2027-07-01 | $54.9M capacity-linked, 2026-07-01 to 2028-01-01 |
//!
//! and the folders beside it make one change each: `value` (bravo's value to $160.6M), `delay`
//! (charlie's tranche a quarter later), `added` (a contract `delta`), `removed` (no alpha),
//! `status` (charlie signed) and `invalid` (alpha on unknown hardware). What users see of each is
//! pinned by `tests/cmd/diff-*.toml`; here, the figures are checked against `plan` on each side,
//! `--git` runs on temporary repositories, and the pull-request comment is pinned by a snapshot
//! (`tests/snapshots/diff__*.snap`; regenerate with `INSTA_UPDATE=always cargo test --test diff`
//! and read the diff before keeping it).

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use capplan::cli::{self, Cli};
use clap::{CommandFactory, Parser};
use common::git;
use rust_decimal::Decimal;
use serde_json::{Value, json};

const FIXTURES: &str = "tests/fixtures/diff";

fn fixture(name: &str) -> String {
    format!("{FIXTURES}/{name}")
}

/// Runs capplan in-process: `(exit code, stdout, stderr)`. Arguments clap refuses give its exit
/// code and message.
fn run(args: &[&str]) -> (u8, String, String) {
    // In-process runs read this process's environment: keep them out of the user's cache.
    capplan::cache_dir::turn_off();
    let cli = match Cli::try_parse_from(std::iter::once("capplan").chain(args.iter().copied())) {
        Ok(cli) => cli,
        Err(e) => return (e.exit_code() as u8, String::new(), e.to_string()),
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = match cli::run(cli, &mut out, &mut err) {
        Ok(code) => code,
        Err(e) => {
            err.extend_from_slice(format!("error: {:#}\n", anyhow_like(&e)).as_bytes());
            cli::EXIT_USAGE
        }
    };
    let text = |b: Vec<u8>| String::from_utf8(b).expect("UTF-8 output");
    (code, text(out), text(err))
}

/// An error and its causes, as `main` prints them.
fn anyhow_like(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(&format!(": {c}"));
        cause = c.source();
    }
    text
}

/// Runs capplan with `--format json` and parses the output; the run must succeed.
fn json_of(args: &[&str]) -> Value {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let (code, out, err) = run(&all);
    assert_eq!(code, 0, "{args:?}: {err}");
    serde_json::from_str(&out).expect("JSON output")
}

/// The binary, run in `dir` with no catalog from the environment.
fn capplan(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_capplan"))
        .env("CAPPLAN_CACHE_DIR", "off")
        .args(args)
        .current_dir(dir)
        .env_remove("CAPPLAN_CATALOG")
        .env("NO_COLOR", "1")
        .output()
        .expect("capplan runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Copies the `*.toml` files of a folder.
fn copy_catalog(from: &str, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
        }
    }
}

/// A temporary folder outside any git repository.
fn temp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// A repository in `dir` with `contracts/` holding the base fixture, committed on `main`.
fn repository(dir: &Path) -> PathBuf {
    let contracts = dir.join("contracts");
    copy_catalog(&fixture("base"), &contracts);
    git(dir, &["init", "-q"]);
    git(dir, &["add", "."]);
    git(dir, &["commit", "-q", "-m", "base"]);
    contracts
}

fn changes(doc: &Value) -> Vec<Value> {
    doc["summary"]["contracts"]["changes"]
        .as_array()
        .expect("changes")
        .clone()
}

fn rows(doc: &Value) -> &Vec<Value> {
    doc["rows"].as_array().expect("rows")
}

/// A figure of a row as a decimal, whether a JSON integer or a string.
fn figure(row: &Value, key: &str) -> Decimal {
    match &row[key] {
        Value::Number(n) => Decimal::from(n.as_i64().unwrap()),
        Value::String(s) => s.parse().unwrap(),
        other => panic!("{key}: {other}"),
    }
}

#[test]
fn an_unchanged_catalog_gives_an_empty_diff() {
    let copy = temp();
    copy_catalog(&fixture("base"), copy.path());
    let copy = copy.path().to_str().unwrap();
    for (old, new) in [
        (fixture("base"), fixture("base")),
        (fixture("base"), copy.to_owned()),
        ("contracts".to_owned(), "contracts".to_owned()),
    ] {
        let doc = json_of(&["diff", &old, &new]);
        assert!(rows(&doc).is_empty(), "{old} {new}");
        assert!(changes(&doc).is_empty(), "{old} {new}");
        let c = &doc["summary"]["contracts"];
        for kind in ["added", "removed", "changed"] {
            assert_eq!(c[kind], json!([]), "{old} {new} {kind}");
        }
        assert_eq!(c["portfolio_changed"], false);
        assert_eq!(doc["summary"]["spend"]["periods"], json!([]));
        assert_eq!(doc["summary"]["periods"]["changed"], 0);
        let (code, out, err) = run(&["--format", "github-comment", "diff", &old, &new]);
        assert_eq!(code, 0, "{err}");
        assert!(
            out.contains("**no changes: the catalogs are the same**"),
            "{out}"
        );
        assert!(!out.contains("<details>"), "{out}");
    }
}

#[test]
fn each_change_shows_exactly_its_rows() {
    let cases = [
        (
            "value",
            json!([{"contract": "bravo", "change": "changed", "field": "value_usd",
                "old": "146000000.00", "new": "160600000.00"}]),
        ),
        (
            "delay",
            json!([
                {"contract": "charlie", "change": "changed", "field": "tranche.g.online_from",
                    "old": "2026-07-01", "new": "2026-10-01"},
                {"contract": "charlie", "change": "changed", "field": "tranche.g.online_by",
                    "old": "2027-07-01", "new": "2027-10-01"}
            ]),
        ),
        (
            "added",
            json!([{"contract": "delta", "change": "added", "field": null, "old": null,
                "new": "Delta, signed, $3.65M, 2026-12-01 to 2027-12-01, 1 tranche"}]),
        ),
        (
            "removed",
            json!([{"contract": "alpha", "change": "removed", "field": null,
                "old": "Alpha, signed, $73.00M, 2026-01-01 to 2028-01-01, 1 tranche", "new": null}]),
        ),
        (
            "status",
            json!([{"contract": "charlie", "change": "changed", "field": "status",
                "old": "non-binding", "new": "signed"}]),
        ),
    ];
    for (name, expected) in cases {
        let doc = json_of(&["diff", &fixture("base"), &fixture(name)]);
        assert_eq!(Value::Array(changes(&doc)), expected, "{name}");
        let ids = |kind: &str| doc["summary"]["contracts"][kind].clone();
        let kind = expected[0]["change"].as_str().unwrap();
        assert_eq!(ids(kind), json!([expected[0]["contract"]]), "{name}");
    }
}

/// Checks every row of a diff against `plan` on each side: OLD's and NEW's figures, and their
/// difference.
fn deltas_match_plan(old: &str, new: &str, extra: &[&str]) {
    let plan = |catalog: &str| {
        let mut args = vec!["--catalog", catalog, "plan"];
        args.extend_from_slice(extra);
        json_of(&args)
    };
    let (before, after) = (plan(old), plan(new));
    let mut args = vec!["diff", old, new, "--all-periods"];
    args.extend_from_slice(extra);
    let doc = json_of(&args);
    assert_eq!(rows(&doc).len(), rows(&before).len());
    let keys = [
        ("gpus", "gpus"),
        ("cpus", "cpus"),
        ("power_mw", "power_mw"),
        ("spend_usd", "spend_usd"),
        ("cumulative_spend_usd", "cumulative_spend_usd"),
    ];
    for ((row, b), a) in rows(&doc).iter().zip(rows(&before)).zip(rows(&after)) {
        assert_eq!(row["period"], b["period"]);
        assert_eq!(row["period"], a["period"]);
        for (key, plan_key) in keys {
            let (o, n) = (
                figure(row, &format!("old_{key}")),
                figure(row, &format!("new_{key}")),
            );
            assert_eq!(o, figure(b, plan_key), "{new} {} old {key}", row["period"]);
            assert_eq!(n, figure(a, plan_key), "{new} {} new {key}", row["period"]);
            assert_eq!(
                figure(row, &format!("delta_{key}")),
                n - o,
                "{new} {} delta {key}",
                row["period"]
            );
        }
    }
}

#[test]
fn period_figures_are_each_side_s_plan_and_their_difference() {
    for name in ["value", "delay", "added", "removed", "status"] {
        deltas_match_plan(&fixture("base"), &fixture(name), &[]);
    }
    deltas_match_plan(&fixture("base"), &fixture("status"), &["--signed-only"]);
    deltas_match_plan(&fixture("base"), &fixture("delay"), &["--by", "year"]);
}

#[test]
fn only_changed_periods_are_shown_unless_all_periods_is_given() {
    let doc = json_of(&["diff", &fixture("base"), &fixture("delay")]);
    let shown: Vec<&str> = rows(&doc)
        .iter()
        .map(|r| r["period"].as_str().unwrap())
        .collect();
    // charlie's capacity moves from 2026Q3 to 2027Q3 and its spend with it, to the end of 2027.
    assert_eq!(
        shown,
        ["2026Q3", "2026Q4", "2027Q1", "2027Q2", "2027Q3", "2027Q4"]
    );
    assert_eq!(
        doc["summary"]["periods"],
        json!({"changed": 6, "total": 8,
        "all_shown": false, "figures_changed": true})
    );
    let all = json_of(&["diff", &fixture("base"), &fixture("delay"), "--all-periods"]);
    assert_eq!(rows(&all).len(), 8);
    // A status change from non-binding to signed changes no figure: letters of intent count.
    let status = json_of(&["diff", &fixture("base"), &fixture("status")]);
    assert!(rows(&status).is_empty());
}

#[test]
fn the_change_in_when_targets_are_met_is_reported() {
    let doc = json_of(&["diff", &fixture("base"), &fixture("delay")]);
    let power = &doc["summary"]["targets_met:power"];
    assert_eq!(power["old"]["met_in"], "2027Q2");
    assert_eq!(power["new"]["met_in"], "2027Q3");
    assert_eq!(power["changed"], true);
    let goal = &doc["summary"]["targets_met:goal"];
    assert_eq!(goal["old"]["met_in"], goal["new"]["met_in"]);
    assert_eq!(goal["changed"], false);
    // `--target` keeps one.
    let doc = json_of(&[
        "diff",
        &fixture("base"),
        &fixture("removed"),
        "--target",
        "goal",
    ]);
    assert_eq!(
        doc["summary"]["targets_met:goal"]["old"]["met_in"],
        "2027Q4"
    );
    assert_eq!(
        doc["summary"]["targets_met:goal"]["new"]["met_in"],
        Value::Null
    );
    assert!(doc["summary"].get("targets_met:power").is_none());
}

#[test]
fn a_delay_moves_spend_later_by_the_peak_of_the_cumulative_difference() {
    let doc = json_of(&["diff", &fixture("base"), &fixture("delay")]);
    let spend = &doc["summary"]["spend"];
    assert_eq!(spend["net_usd"], "0.00");
    let shift = &spend["shift"];
    assert_eq!(shift["direction"], "later");
    let peak = rows(&doc)
        .iter()
        .map(|r| figure(r, "delta_cumulative_spend_usd"))
        .min()
        .unwrap();
    assert_eq!(figure(shift, "amount_usd"), -peak);
    assert_eq!(shift["peak"], "2027Q2");
    assert_eq!(
        shift["from"],
        json!(["2026Q3", "2026Q4", "2027Q1", "2027Q2"])
    );
    assert_eq!(shift["to"], json!(["2027Q3", "2027Q4"]));
    // A changed value is no shift: the total moves.
    let doc = json_of(&["diff", &fixture("base"), &fixture("value")]);
    assert_eq!(doc["summary"]["spend"]["net_usd"], "14600000.00");
    assert_eq!(doc["summary"]["spend"]["shift"], Value::Null);
}

#[test]
fn portfolio_tranche_and_schedule_changes_are_listed_field_by_field() {
    let dir = temp();
    let new = dir.path();
    copy_catalog(&fixture("base"), new);
    let edit = |file: &str, from: &str, to: &str| {
        let path = new.join(file);
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file}: {from}");
        fs::write(&path, text.replacen(from, to, 1)).unwrap();
    };
    edit(
        "portfolio.toml",
        "watts_per_unit = 1_000_000",
        "watts_per_unit = 900_000",
    );
    edit(
        "portfolio.toml",
        "spend_usd = \"250M\"",
        "spend_usd = \"260M\"",
    );
    edit("portfolio.toml", "pue = 1\n", "pue = 1.1\n");
    // bravo: its tranche given in MW, a second tranche, and a schedule instead of straight-line.
    edit("bravo.toml", "units = 10_000", "power_mw = 11_000");
    edit(
        "bravo.toml",
        "value_usd = \"146M\"",
        "value_usd = \"146M\"\nspend = \"schedule\"",
    );
    let mut bravo = fs::read_to_string(new.join("bravo.toml")).unwrap();
    bravo.push_str(
        "\n[[tranche]]\nid = \"extra\"\nhardware = \"g1\"\nunits = 500\nonline_from = 2027-01-01\nonline_by = 2027-01-01\nramp = \"step\"\n\n[[spend_schedule]]\nfrom = 2026-01-01\nto = 2027-01-01\namount_usd = \"100M\"\n\n[[spend_schedule]]\nfrom = 2027-01-01\nto = 2028-01-01\namount_usd = \"46M\"\n",
    );
    fs::write(new.join("bravo.toml"), bravo).unwrap();
    let doc = json_of(&["diff", &fixture("base"), new.to_str().unwrap()]);
    let rows: Vec<(String, String, String, String)> = changes(&doc)
        .iter()
        .map(|c| {
            let s = |k: &str| c[k].as_str().unwrap_or("-").to_owned();
            (s("contract"), s("field"), s("old"), s("new"))
        })
        .collect();
    let expected = [
        ("bravo", "spend", "straight-line", "schedule"),
        ("bravo", "tranche.g.units", "10000", "-"),
        ("bravo", "tranche.g.power_mw", "-", "11000"),
        (
            "bravo",
            "tranche.extra",
            "-",
            "500 units of g1, online 2027-01-01 to 2027-01-01, step",
        ),
        (
            "bravo",
            "spend_schedule[1]",
            "-",
            "100000000.00 from 2026-01-01 to 2027-01-01",
        ),
        (
            "bravo",
            "spend_schedule[2]",
            "-",
            "46000000.00 from 2027-01-01 to 2028-01-01",
        ),
        ("portfolio.toml", "pue", "1", "1.1"),
        (
            "portfolio.toml",
            "target.goal.spend_usd",
            "250000000.00",
            "260000000.00",
        ),
        (
            "portfolio.toml",
            "hardware.g1.watts_per_unit",
            "1000000",
            "900000",
        ),
    ];
    let expected: Vec<(String, String, String, String)> = expected
        .iter()
        .map(|(a, b, c, d)| ((*a).into(), (*b).into(), (*c).into(), (*d).into()))
        .collect();
    assert_eq!(rows, expected);
    assert_eq!(doc["summary"]["contracts"]["portfolio_changed"], true);
    assert_eq!(doc["summary"]["contracts"]["changed"], json!(["bravo"]));
}

#[test]
fn git_reads_old_from_a_revision_of_a_temporary_repository() {
    let dir = temp();
    let contracts = repository(dir.path());
    // Nothing changed since the commit: an empty diff.
    let (code, out, err) = capplan(dir.path(), &["--format", "json", "diff", "--git", "HEAD"]);
    assert_eq!(code, 0, "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert!(changes(&doc).is_empty());
    assert_eq!(doc["summary"]["old"], "HEAD:contracts");
    assert_eq!(doc["summary"]["new"], "contracts");
    // Delay charlie in the work tree, uncommitted: NEW is the folder on disk.
    fs::copy(
        fixture("delay") + "/charlie.toml",
        contracts.join("charlie.toml"),
    )
    .unwrap();
    let from_dirs = json_of(&["diff", &fixture("base"), &fixture("delay")]);
    for (cwd, args) in [
        (dir.path().to_path_buf(), vec!["diff", "--git", "HEAD"]),
        (
            dir.path().to_path_buf(),
            vec!["--catalog", "contracts", "diff", "--git", "main"],
        ),
        (contracts.clone(), vec!["diff", "--git", "HEAD", "."]),
    ] {
        let mut all = vec!["--format", "json"];
        all.extend(args.iter().copied());
        let (code, out, err) = capplan(&cwd, &all);
        assert_eq!(code, 0, "{args:?}: {err}");
        let doc: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(changes(&doc), changes(&from_dirs), "{args:?}");
        assert_eq!(doc["rows"], from_dirs["rows"], "{args:?}");
    }
    // Once committed, the previous commit is OLD.
    git(dir.path(), &["commit", "-q", "-am", "delay charlie"]);
    let (code, out, _) = capplan(dir.path(), &["--format", "json", "diff", "--git", "HEAD~1"]);
    assert_eq!(code, 0);
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(changes(&doc), changes(&from_dirs));
    assert_eq!(doc["summary"]["old"], "HEAD~1:contracts");
}

#[test]
fn the_workflow_s_commands_work_on_a_pull_request_clone() {
    // As in examples/github-workflow.yml: a clone with the base branch as `origin/main`, the
    // pull request's change checked out, then validate and diff from the repository's root.
    let dir = temp();
    let origin = dir.path().join("origin");
    fs::create_dir(&origin).unwrap();
    repository(&origin);
    let work = dir.path().join("work");
    git(
        dir.path(),
        &["clone", "-q", origin.to_str().unwrap(), "work"],
    );
    git(&work, &["checkout", "-q", "-b", "delay-charlie"]);
    fs::copy(
        fixture("delay") + "/charlie.toml",
        work.join("contracts/charlie.toml"),
    )
    .unwrap();
    git(&work, &["commit", "-q", "-am", "delay charlie"]);

    // The fixture's contracts pass its spend target: a warning annotation, not a failure.
    let (code, out, err) = capplan(&work, &["validate", "--format", "github"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with(
            "::warning file=contracts/portfolio.toml,line=14,col=13,title=above-target::"
        ),
        "{out}"
    );
    let (code, out, err) = capplan(
        &work,
        &[
            "diff",
            "--git",
            "origin/main",
            "--format",
            "github-comment",
            "-o",
            "diff.md",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "");
    let comment = fs::read_to_string(work.join("diff.md")).unwrap();
    assert!(comment.starts_with("<!-- capplan-diff -->\n"), "{comment}");
    assert!(
        comment.contains("**1 contract changed: `charlie`;"),
        "{comment}"
    );
    assert!(
        comment.contains("`origin/main:contracts` → `contracts`"),
        "{comment}"
    );
}

#[test]
fn git_problems_are_usage_errors_with_a_clear_message() {
    let dir = temp();
    // Not in a repository: the temporary folder, with git told not to look above it.
    let plain = dir.path().join("plain");
    copy_catalog(&fixture("base"), &plain.join("contracts"));
    let ceiling = |cmd: &mut Command| {
        cmd.env("GIT_CEILING_DIRECTORIES", dir.path());
    };
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_capplan"));
    cmd.env("CAPPLAN_CACHE_DIR", "off");
    cmd.args(["diff", "--git", "HEAD"]).current_dir(&plain);
    ceiling(&mut cmd);
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        err,
        "error: `contracts` is not in a git repository, so `--git` has no revision to read it at\n"
    );

    let repo = dir.path().join("repo");
    fs::create_dir(&repo).unwrap();
    repository(&repo);
    let (code, out, err) = capplan(&repo, &["diff", "--git", "no-such-branch"]);
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(
        err.starts_with(
            "error: revision `no-such-branch` does not resolve to a commit in the repository at `"
        ),
        "{err}"
    );
    let (code, _, err) = capplan(&repo, &["diff", "--git", "--all"]);
    assert_eq!(code, 2, "{err}");
    // A folder added since the revision.
    copy_catalog(&fixture("base"), &repo.join("later"));
    let (code, _, err) = capplan(&repo, &["diff", "--git", "HEAD", "later"]);
    assert_eq!(code, 2);
    assert!(
        err.starts_with(
            "error: there is no folder `later` at revision `HEAD` of the repository at `"
        ),
        "{err}"
    );
    // No NEW, and no `./contracts` to default to.
    let (code, _, err) = capplan(&repo.join("later"), &["diff", "--git", "HEAD"]);
    assert_eq!(code, 2);
    assert!(err.contains("there is no `./contracts` here"), "{err}");
    // NEW that does not exist.
    let (code, _, err) = capplan(&repo, &["diff", "--git", "HEAD", "nope"]);
    assert_eq!(
        (code, err.as_str()),
        (
            2,
            "error: cannot read `nope`: no such folder (given as NEW to `diff`)\n"
        )
    );
}

#[test]
fn an_invalid_old_revision_is_reported_as_old_with_its_revision_in_file_names() {
    let dir = temp();
    let contracts = repository(dir.path());
    fs::copy(
        fixture("invalid") + "/alpha.toml",
        contracts.join("alpha.toml"),
    )
    .unwrap();
    git(dir.path(), &["commit", "-q", "-am", "break alpha"]);
    fs::copy(
        fixture("base") + "/alpha.toml",
        contracts.join("alpha.toml"),
    )
    .unwrap();
    let (code, out, err) = capplan(dir.path(), &["diff", "--git", "HEAD"]);
    assert_eq!((code, out.as_str()), (1, ""));
    assert!(err.contains("┌─ HEAD:contracts/alpha.toml:12:12"), "{err}");
    assert!(
        err.ends_with("error: OLD catalog `HEAD:contracts` is invalid: 1 error\n"),
        "{err}"
    );
    assert!(!err.contains("NEW catalog"), "{err}");
}

#[test]
fn the_github_comment_is_pinned() {
    let (code, out, err) = run(&[
        "--format",
        "github-comment",
        "diff",
        &fixture("base"),
        &fixture("delay"),
    ]);
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!("github-comment-delay", out);
}

/// The shipped catalog with AWS's GB300 tranche a quarter late: what a reviewer reads.
#[test]
fn the_comment_on_a_quarter_s_delay_of_aws_gb300_names_the_contract_and_the_moves() {
    let dir = temp();
    copy_catalog("contracts", dir.path());
    let path = dir.path().join("aws-2025.toml");
    let text = fs::read_to_string(&path).unwrap();
    let delayed = text
        .replacen("online_from = 2026-03-01", "online_from = 2026-06-01", 1)
        .replacen("online_by = 2026-12-15", "online_by = 2027-03-15", 1);
    assert_ne!(
        text, delayed,
        "the shipped aws-2025 has moved on: update this test"
    );
    fs::write(&path, delayed).unwrap();
    let new = dir.path().to_str().unwrap();
    let (code, out, err) = run(&["--format", "github-comment", "diff", "contracts", new]);
    assert_eq!(code, 0, "{err}");
    let out = out.replace(new, "NEW");
    insta::assert_snapshot!("github-comment-aws-gb300-late", out);
    let first = out.lines().nth(3).unwrap();
    assert!(
        first.starts_with("**1 contract changed: `aws-2025`; GW at "),
        "{first}"
    );
    assert!(first.contains("spend timing shifts $"), "{first}");
    assert!(first.contains(" later, from 2026Q1"), "{first}");
}

#[test]
fn a_comment_too_long_for_github_is_cut_with_a_note() {
    // 400 contracts, each with its value, title, dates and status changed: thousands of rows.
    let dir = temp();
    let (old, new) = (dir.path().join("old"), dir.path().join("new"));
    for side in [&old, &new] {
        fs::create_dir(side).unwrap();
        fs::copy(
            fixture("base") + "/portfolio.toml",
            side.join("portfolio.toml"),
        )
        .unwrap();
    }
    for i in 0..400 {
        let contract = |value: &str, from: &str, status: &str, title: &str| {
            format!(
                "id = \"c{i:03}\"\nprovider = \"P{}\"\ntitle = \"{title} {}\"\nstart = 2026-01-01\nterm = \"2y\"\nvalue_usd = \"{value}\"\nstatus = \"{status}\"\nsources = [\"https://example.com/{i}\"]\n\n[[tranche]]\nid = \"g\"\nhardware = \"g1\"\nunits = 10\nonline_from = {from}\nonline_by = 2027-06-01\n",
                i % 7,
                "x".repeat(50)
            )
        };
        fs::write(
            old.join(format!("c{i:03}.toml")),
            contract("7.3M", "2026-02-01", "signed", "Old title"),
        )
        .unwrap();
        fs::write(
            new.join(format!("c{i:03}.toml")),
            contract("14.6M", "2026-05-01", "non-binding", "New title"),
        )
        .unwrap();
    }
    let (code, out, err) = run(&[
        "--format",
        "github-comment",
        "diff",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
        "--by",
        "month",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.chars().count() <= 65_536, "{} characters", out.len());
    assert!(out.len() > 60_000, "the comment uses the room it has");
    assert!(out.contains("more rows left out to stay under GitHub's comment size limit"));
    assert_eq!(
        out.matches("<details>").count(),
        out.matches("</details>").count()
    );
    // The summary line and every table's header survive the cut.
    assert!(
        out.contains(
            "**400 contracts changed: `c000`, `c001`, `c002`, `c003`, `c004` and 395 more;"
        )
    );
    assert!(out.contains("| contract | change | field | old | new |"));
    assert!(out.contains("| period | GPUs |"));
}

#[test]
fn gates_read_the_change_and_new_s_figures() {
    let base = fixture("base");
    let delay = fixture("delay");
    // From the JSON rows: 2026Q4 -1,840 GPUs (1 MW each), spend -$2,900,745.93, cumulative
    // -$4,621,019.90; on the year grid 2026's spend moves by the cumulative figure.
    for (gate, holds) in [
        ("delta-gpus@2026Q4==-1840", true),
        ("delta-mw@2026Q4==-1840", true),
        ("delta-gw@2026Q4==-1.84", true),
        ("delta-gw@2026Q4<-0.5", true),
        ("delta-gw@2026Q4<-2", false),
        ("delta-cpus@2026Q4==0", true),
        ("delta-spend@2026Q4==-2900745.93", true),
        ("delta-cumulative-spend@2026Q4==-4621019.90", true),
        ("delta-spend@2026==-4621019.90", true),
        ("delta-spend@2027>5M", false),
        ("gpus@2026Q4==15820", true),
        ("target-met>2027Q3", true),
        ("target-met<=2027Q4", true),
    ] {
        let (code, out, err) = run(&["diff", &base, &delay, "--fail-if", gate]);
        assert_eq!(code, if holds { 3 } else { 0 }, "{gate}: {err}");
        assert!(
            out.contains("charlie"),
            "{gate}: the output is written first"
        );
        if holds {
            assert!(
                err.starts_with(&format!("error: --fail-if `{gate}` holds: ")),
                "{err}"
            );
        }
    }
    // `--target` picks the target of `target-met`: power is met a quarter later in NEW.
    let (code, _, err) = run(&[
        "diff",
        &base,
        &delay,
        "--target",
        "power",
        "--fail-if",
        "target-met>2027Q2",
    ]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("the target is met in 2027Q3"), "{err}");
}

#[test]
fn every_command_s_json_carries_the_schema_version_and_only_diff_writes_comments() {
    let base = fixture("base");
    let delay = fixture("delay");
    let sensitivity = "tests/fixtures/sensitivity";
    let commands: &[(&str, Vec<&str>)] = &[
        ("plan", vec!["--catalog", &base, "plan"]),
        ("capacity", vec!["--catalog", &base, "capacity"]),
        ("spend", vec!["--catalog", &base, "spend"]),
        ("contracts", vec!["--catalog", &base, "contracts"]),
        (
            "compare",
            vec![
                "--catalog",
                sensitivity,
                "--scenario",
                "tests/fixtures/compare/charlie-late.toml",
                "compare",
            ],
        ),
        (
            "sensitivity",
            vec![
                "--catalog",
                sensitivity,
                "sensitivity",
                "--metric",
                "gw@2026Q4",
            ],
        ),
        (
            "risk",
            vec![
                "--catalog",
                "contracts",
                "--scenario",
                "tests/fixtures/risk/delivery.toml",
                "risk",
                "--samples",
                "10",
                "--by",
                "year",
            ],
        ),
        ("validate", vec!["validate", &base]),
        ("diff", vec!["diff", &base, &delay]),
        ("npv", vec!["--catalog", "contracts", "npv", "--rate", "8%"]),
        (
            "solve",
            vec![
                "--catalog",
                "contracts",
                "solve",
                "scale:*",
                "--goal",
                "gw@2030Q4>=30",
            ],
        ),
        (
            "schedule",
            vec!["--catalog", "tests/fixtures/schedule", "schedule"],
        ),
        (
            "actuals",
            vec![
                "--catalog",
                "tests/fixtures/codes/focus-column",
                "actuals",
                "--actuals",
                "tests/fixtures/actuals-one-row",
            ],
        ),
        (
            "burn",
            vec![
                "--catalog",
                "tests/fixtures/codes/focus-column",
                "burn",
                "--actuals",
                "tests/fixtures/actuals-one-row",
            ],
        ),
    ];
    let names: Vec<String> = Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .collect();
    // Commands that print no JSON report: a completion script, the manual page, a JSON Schema,
    // a chart, the HTML page, and `export`, whose files have formats of their own.
    let not_reports = ["completions", "man", "schema", "chart", "report", "export"];
    for name in names.iter().filter(|n| !not_reports.contains(&n.as_str())) {
        assert!(
            commands.iter().any(|(n, _)| n == name),
            "`{name}` is not checked here: add it"
        );
    }
    for (name, args) in commands {
        let mut all = vec!["--format", "json"];
        all.extend(args.iter().copied());
        let (code, out, err) = run(&all);
        assert_eq!(code, 0, "{name}: {err}");
        let doc: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            doc["schema_version"],
            json!(capplan::report::SCHEMA_VERSION),
            "{name}"
        );
        let mut all = vec!["--format", "github-comment"];
        all.extend(args.iter().copied());
        let (code, out, err) = run(&all);
        if *name == "diff" {
            assert_eq!(code, 0, "{err}");
        } else {
            assert_eq!((code, out.as_str()), (2, ""), "{name}");
            assert!(
                err.contains("`--format github-comment` does not apply"),
                "{name}: {err}"
            );
        }
    }
}

#[test]
fn git_reads_a_catalog_whatever_its_folder_is_called() {
    let from_dirs = json_of(&["diff", &fixture("base"), &fixture("delay")]);
    // The repository's own folder has a space and an accent; the catalog is at its root or in
    // a folder whose name has a space, a line end or an accent.
    for name in ["", "my contracts", "con\ntracts", "contrats-été"] {
        let dir = temp();
        let repo = dir.path().join("plans ü");
        fs::create_dir(&repo).unwrap();
        let catalog = if name.is_empty() {
            repo.clone()
        } else {
            repo.join(name)
        };
        copy_catalog(&fixture("base"), &catalog);
        git(&repo, &["init", "-q"]);
        git(&repo, &["add", "."]);
        git(&repo, &["commit", "-q", "-m", "base"]);
        fs::copy(
            fixture("delay") + "/charlie.toml",
            catalog.join("charlie.toml"),
        )
        .unwrap();
        let (code, out, err) = capplan(
            &repo,
            &[
                "--format",
                "json",
                "--catalog",
                catalog.to_str().unwrap(),
                "diff",
                "--git",
                "HEAD",
            ],
        );
        assert_eq!(code, 0, "{name:?}: {err}");
        let doc: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(changes(&doc), changes(&from_dirs), "{name:?}");
        let folder = if name.is_empty() { "." } else { name };
        assert_eq!(doc["summary"]["old"], format!("HEAD:{folder}"), "{name:?}");
    }
}

#[test]
fn git_s_own_refusal_is_shown() {
    let dir = temp();
    let contracts = repository(dir.path());
    // What git says of a repository that another user owns (`safe.directory`); its test switch
    // makes any repository look so.
    let out = Command::new(env!("CARGO_BIN_EXE_capplan"))
        .env("CAPPLAN_CACHE_DIR", "off")
        .args([
            "--catalog",
            contracts.to_str().unwrap(),
            "diff",
            "--git",
            "HEAD",
        ])
        .current_dir(dir.path())
        .env_remove("CAPPLAN_CATALOG")
        .env("GIT_TEST_ASSUME_DIFFERENT_OWNER", "1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("dubious ownership"), "{err}");
    assert!(!err.contains("not in a git repository"), "{err}");
    // Outside any repository, that is what it says.
    let outside = temp();
    copy_catalog(&fixture("base"), outside.path());
    let (code, _, err) = capplan(outside.path(), &["diff", "--git", "HEAD", "."]);
    assert_eq!(code, 2);
    assert!(err.contains("is not in a git repository"), "{err}");
}
