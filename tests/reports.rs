//! The reports users read, pinned on the shipped catalog: `plan`, `capacity --group-by provider`,
//! `spend --group-by provider` and `contracts`, each as `table`, `json`, `csv` and `markdown`
//! (`tests/snapshots/reports__<report>-<format>.snap`). The grouped reports are by year so that a
//! snapshot stays short enough to read; the quarter grid is pinned by `plan`.
//!
//! The shipped catalog changes as deals are announced: after such a change, regenerate with
//! `INSTA_UPDATE=always cargo test --test reports` and read the diff before keeping it.
//!
//! Also here: the same input gives the same bytes on every run, and a failed `--output` never
//! touches the file already at that path.

use std::fs;
use std::path::Path;
use std::process::Command;

use capplan::cli::{self, Cli};
use clap::Parser;

const REPORTS: [(&str, &[&str]); 4] = [
    ("plan", &["plan"]),
    (
        "capacity-provider",
        &["capacity", "--group-by", "provider", "--by", "year"],
    ),
    (
        "spend-provider",
        &["spend", "--group-by", "provider", "--by", "year"],
    ),
    ("contracts", &["contracts"]),
];

const FORMATS: [&str; 4] = ["table", "json", "csv", "markdown"];

/// Runs capplan in-process: `(exit code, stdout, stderr)`.
fn run(args: &[&str]) -> (u8, String, String) {
    // In-process runs read this process's environment: keep them out of the user's cache.
    capplan::cache_dir::turn_off();
    let cli = Cli::try_parse_from(std::iter::once("capplan").chain(args.iter().copied()))
        .unwrap_or_else(|e| panic!("{args:?}: {e}"));
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = match cli::run(cli, &mut out, &mut err) {
        Ok(code) => code,
        Err(e) => {
            err.extend_from_slice(format!("error: {e}\n").as_bytes());
            cli::EXIT_USAGE
        }
    };
    let text = |b: Vec<u8>| String::from_utf8(b).expect("UTF-8 output");
    (code, text(out), text(err))
}

/// Runs the capplan binary, with no `CAPPLAN_CATALOG` and the actuals cache off:
/// `(exit code, stdout, stderr)`.
fn capplan(args: &[&str]) -> (Option<i32>, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_capplan"))
        .args(args)
        .env_remove("CAPPLAN_CATALOG")
        .env("CAPPLAN_CACHE_DIR", "off")
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn shipped(report: &[&str], format: &str) -> Vec<String> {
    let mut args = vec![
        "--catalog".to_owned(),
        "contracts".to_owned(),
        "--format".to_owned(),
        format.to_owned(),
    ];
    args.extend(report.iter().map(|a| (*a).to_owned()));
    args
}

#[test]
fn shipped_catalog_reports_in_every_format() {
    for (name, report) in REPORTS {
        for format in FORMATS {
            let args = shipped(report, format);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let (code, out, err) = run(&args);
            assert_eq!((code, err.as_str()), (0, ""), "{args:?}");
            insta::assert_snapshot!(format!("{name}-{format}"), out);
        }
    }
}

#[test]
fn json_reports_have_the_documented_shape() {
    // DESIGN.md section 5: counts as integers, money as strings with two decimals, power with
    // three, percentages with two; every period has a row for every group.
    let (_, out, _) = run(&[
        "--catalog",
        "contracts",
        "--format",
        "json",
        "capacity",
        "--group-by",
        "provider",
        "--by",
        "year",
    ]);
    let doc: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(doc["report"], "capacity");
    assert_eq!(doc["by"], "year");
    assert_eq!(doc["group_by"], "provider");
    let rows = doc["rows"].as_array().expect("rows");
    let periods: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r["period"].as_str().unwrap()).collect();
    let groups: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r["group"].as_str().unwrap()).collect();
    assert_eq!(rows.len(), periods.len() * groups.len());
    for r in rows {
        assert!(r["gpus"].is_i64() && r["gpu_hours"].is_i64(), "{r}");
        let mw = r["power_mw"].as_str().expect("power as a string");
        assert_eq!(mw.split_once('.').map(|(_, f)| f.len()), Some(3), "{mw}");
    }
    let (_, out, _) = run(&["--catalog", "contracts", "--format", "json", "spend"]);
    let doc: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    for r in doc["rows"].as_array().expect("rows") {
        for key in ["spend_usd", "cumulative_spend_usd", "target_spend_pct"] {
            let v = r[key].as_str().expect("a string");
            assert_eq!(
                v.split_once('.').map(|(_, f)| f.len()),
                Some(2),
                "{key}: {v}"
            );
        }
    }
}

#[test]
fn the_same_input_gives_the_same_bytes_on_every_run() {
    // Separate processes, so that nothing seeded per process (hash maps, thread pools) leaks
    // into the output.
    let bin = env!("CARGO_BIN_EXE_capplan");
    for (_, report) in REPORTS {
        for format in FORMATS {
            let args = shipped(report, format);
            let once = || {
                let out = Command::new(bin)
                    .env("CAPPLAN_CACHE_DIR", "off")
                    .args(&args)
                    .env_remove("CAPPLAN_CATALOG")
                    .output()
                    .expect("capplan runs");
                assert!(out.status.success(), "{args:?}");
                out.stdout
            };
            let first = once();
            assert!(first == once(), "{args:?} differs between two runs");
            let in_process: Vec<&str> = args.iter().map(String::as_str).collect();
            assert!(
                first == run(&in_process).1.into_bytes(),
                "{args:?}: the binary and the library differ"
            );
        }
    }
}

#[test]
fn the_output_extension_picks_the_format() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for (file, format) in [
        ("plan.json", "json"),
        ("plan.csv", "csv"),
        ("plan.md", "markdown"),
        ("plan.txt", "table"),
    ] {
        let path = dir.path().join(file);
        let path_text = path.to_str().expect("a UTF-8 path");
        let catalog = "tests/fixtures/engine/calendar";
        let (code, out, err) = run(&["--catalog", catalog, "-o", path_text, "plan"]);
        let wrote = format!("wrote `{path_text}`\n");
        assert_eq!((code, out.as_str(), err.as_str()), (0, "", wrote.as_str()));
        let (_, expected, _) = run(&["--catalog", catalog, "--format", format, "plan"]);
        assert_eq!(
            fs::read_to_string(&path).expect("written"),
            expected,
            "{file}"
        );
    }
}

/// The names in a folder, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .expect("a folder")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    v.sort();
    v
}

#[test]
fn a_failed_output_leaves_the_existing_file_untouched() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let catalog = "tests/fixtures/engine/calendar";

    // The report fails (an unknown target): the file at `--output` keeps its bytes.
    let existing = dir.path().join("plan.csv");
    fs::write(&existing, "old report\n").expect("written");
    let path = existing.to_str().expect("a UTF-8 path");
    let (code, out, err) = run(&["--catalog", catalog, "-o", path, "plan", "--target", "nope"]);
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(err.contains("unknown target `nope`"), "{err}");
    assert_eq!(fs::read_to_string(&existing).unwrap(), "old report\n");

    // The path cannot take a file (a folder is there): exit code 2, the folder and its content
    // as they were, and no temporary file left beside it.
    let folder = dir.path().join("report.csv");
    fs::create_dir(&folder).expect("created");
    fs::write(folder.join("keep.txt"), "kept\n").expect("written");
    let path = folder.to_str().expect("a UTF-8 path");
    let (code, out, err) = run(&["--catalog", catalog, "-o", path, "plan"]);
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(err.contains("cannot write"), "{err}");
    assert!(folder.is_dir());
    assert_eq!(
        fs::read_to_string(folder.join("keep.txt")).unwrap(),
        "kept\n"
    );
    assert_eq!(names(dir.path()), ["plan.csv", "report.csv"]);

    // A folder without write permission, where permissions apply (not for root).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let locked = dir.path().join("locked");
        fs::create_dir(&locked).expect("created");
        let file = locked.join("plan.csv");
        fs::write(&file, "old report\n").expect("written");
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o555)).expect("chmod");
        let writable = fs::write(locked.join("probe"), "").is_ok();
        if !writable {
            let path = file.to_str().expect("a UTF-8 path");
            let (code, _, err) = run(&["--catalog", catalog, "-o", path, "plan"]);
            assert_eq!(code, 2, "{err}");
            assert_eq!(fs::read_to_string(&file).unwrap(), "old report\n");
            assert_eq!(names(&locked), ["plan.csv"]);
        }
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).expect("chmod");
    }
}

#[test]
fn plan_lists_every_observation_with_its_projection_and_difference() {
    let (code, table, err) = run(&[
        "--catalog",
        "contracts",
        "plan",
        "--from",
        "2024",
        "--by",
        "year",
    ]);
    assert_eq!(code, 0, "{err}");
    let observed: Vec<&str> = table
        .lines()
        .filter(|l| l.trim_start().starts_with("observed"))
        .collect();
    assert_eq!(observed.len(), 5, "{table}");
    assert!(
        observed
            .iter()
            .any(|l| l.contains("1.90 GW on 2025-12-31: projected 1.87 GW")),
        "{observed:?}"
    );
    assert!(
        observed.iter().all(|l| l.contains("within tolerance")),
        "{observed:?}"
    );
    let (code, out, err) = run(&[
        "--catalog",
        "contracts",
        "--format",
        "json",
        "plan",
        "--by",
        "year",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let all = v["summary"]["observed"]
        .as_array()
        .expect("summary.observed");
    assert_eq!(all.len(), 5);
    let end_2025 = all
        .iter()
        .find(|o| o["date"] == "2025-12-31" && o["measure"] == "power_gw")
        .expect("the 2025 power figure");
    assert_eq!(end_2025["observed"], "1.900");
    assert_eq!(end_2025["tolerance"], "0.2");
    assert_eq!(end_2025["within"], true);
    let projected: f64 = end_2025["projected"].as_str().unwrap().parse().unwrap();
    let difference: f64 = end_2025["difference"].as_str().unwrap().parse().unwrap();
    assert!((projected - 1.9 - difference).abs() < 1e-9);
    for o in all {
        for key in ["source", "note"] {
            assert!(
                o[key].as_str().is_some_and(|s| !s.is_empty()),
                "{key} of {o}"
            );
        }
    }
}

#[test]
fn color_always_colors_the_plan_bars_and_never_leaves_them_plain() {
    let run = |color: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_capplan"))
            .env("CAPPLAN_CACHE_DIR", "off")
            .args(["plan", "--by", "year", "--color", color])
            .env_remove("NO_COLOR")
            .output()
            .expect("capplan runs");
        assert!(out.status.success());
        String::from_utf8(out.stdout).expect("UTF-8")
    };
    let colored = run("always");
    // Cyan below the target, green past it.
    assert!(colored.contains("\x1b[36m"), "{colored}");
    assert!(colored.contains("\x1b[32m"), "{colored}");
    assert!(!run("never").contains('\x1b'));
}

/// `capacity` counts units, power and compute; `spend` counts money, which belongs to a
/// contract: each takes the options that mean something for it, and refuses the others (exit
/// 2, naming the option) rather than ignore them.
#[test]
fn capacity_and_spend_take_their_own_options_and_refuse_the_others() {
    for (args, refused) in [
        (vec!["capacity", "--basis", "cash"], "--basis"),
        (vec!["capacity", "--actuals"], "--actuals"),
        (vec!["capacity", "--as-of", "2026-06-01"], "--as-of"),
        (vec!["spend", "--precision", "bf16"], "--precision"),
        (vec!["spend", "--group-by", "hardware"], "--group-by"),
        (vec!["spend", "--group-by", "tranche"], "--group-by"),
        // `human` is the text of `validate`; a report's is `table`. Before the command's name
        // as after it.
        (
            vec!["plan", "--format", "human"],
            "invalid value 'human' for '--format <FORMAT>'",
        ),
        (
            vec!["--format", "human", "capacity"],
            "`--format human` does not apply to `capacity`",
        ),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_capplan"))
            .env("CAPPLAN_CACHE_DIR", "off")
            .args(&args)
            .env_remove("CAPPLAN_CATALOG")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(refused), "{args:?}: {err}");
    }
    for args in [
        vec!["capacity", "--precision", "bf16", "--group-by", "hardware"],
        vec!["capacity", "--group-by", "tranche", "--signed-only"],
        vec!["spend", "--basis", "cash", "--group-by", "contract"],
        vec!["spend", "--basis", "expense", "--provider", "AWS"],
    ] {
        let (code, out, err) = run(&args);
        assert_eq!(code, 0, "{args:?}: {err}");
        assert!(!out.is_empty(), "{args:?}");
    }
    // What each does with its own: H100e at bf16 are not those at fp8, and the income
    // statement's expense is not spend as it accrues.
    let (_, fp8, _) = run(&["--format", "json", "capacity", "--by", "year"]);
    let (_, bf16, _) = run(&[
        "--format",
        "json",
        "capacity",
        "--by",
        "year",
        "--precision",
        "bf16",
    ]);
    assert_ne!(fp8, bf16);
    let (_, accrual, _) = run(&["--format", "json", "spend", "--by", "year"]);
    let (_, expense, _) = run(&[
        "--format", "json", "spend", "--by", "year", "--basis", "expense",
    ]);
    assert_ne!(accrual, expense);
}

/// `--fail-if` on every command: a command with figures to gate evaluates it (a gate that holds
/// exits 3), and one without refuses it (exit 2, naming `--fail-if`) rather than ignore it.
#[test]
fn fail_if_is_gated_or_refused_never_ignored() {
    let holds = "gw@2026Q4>1";
    let capplan = |args: &[&str]| {
        let (code, _, err) = capplan(args);
        (code, err)
    };
    for command in [
        vec!["plan"],
        vec!["capacity"],
        vec!["spend"],
        vec!["contracts"],
        vec!["chart", "capacity"],
        vec!["chart", "spend"],
    ] {
        let mut args = command.clone();
        args.extend(["--fail-if", holds]);
        let (code, err) = capplan(&args);
        assert_eq!(code, Some(3), "{command:?}: {err}");
    }
    for command in [
        vec!["validate"],
        vec!["man"],
        vec!["schema", "contract"],
        vec!["completions", "bash"],
        vec!["npv", "--rate", "8%"],
        vec!["report"],
    ] {
        // After the command's name, clap refuses it; before, capplan does; both name it.
        let mut args = command.clone();
        args.extend(["--fail-if", holds]);
        let (code, err) = capplan(&args);
        assert_eq!(code, Some(2), "{command:?}: {err}");
        assert!(
            err.contains("unexpected argument '--fail-if' found"),
            "{command:?}: {err}"
        );
        let mut args = vec!["--fail-if", holds];
        args.extend(command.iter().copied());
        let (code, err) = capplan(&args);
        assert_eq!(code, Some(2), "{command:?}: {err}");
        assert!(
            err.contains(&format!("`--fail-if` does not apply to `{}`", command[0])),
            "{command:?}: {err}"
        );
    }
}

/// Tables and markdown name the scenarios and what-if flags their figures are under, as JSON
/// does in `scenarios`.
#[test]
fn text_outputs_name_the_scenarios_applied() {
    let slip = "examples/scenarios/aws-slip.toml";
    for (args, line) in [
        (
            vec!["--scenario", slip, "capacity"],
            "  scenarios  `aws-slip`",
        ),
        (
            vec!["--scenario", slip, "--delay", "aws-2025=1q", "spend"],
            "  scenarios  `aws-slip`, then the what-if flags of the command line",
        ),
        (
            vec!["--scenario", slip, "--format", "markdown", "capacity"],
            "- **scenarios**: `aws-slip`",
        ),
        (
            vec!["--exclude", "nvidia-2025", "plan"],
            "  scenarios   the what-if flags of the command line",
        ),
    ] {
        let (code, out, err) = run(&args);
        assert_eq!(code, 0, "{args:?}: {err}");
        assert!(out.lines().any(|l| l == line), "{args:?}:\n{out}");
    }
    // Without any, no such line.
    let (_, out, _) = run(&["capacity"]);
    assert!(!out.contains("scenarios"), "{out}");
}

/// An invalid input names the `capplan validate` command line that checks it, and that command
/// line, run as printed, finds the same problem: for a catalog, a scenario file, a what-if flag
/// and a demand file.
#[test]
fn invalid_input_names_the_validate_command_that_finds_it() {
    let capplan = |args: &[&str]| {
        let (code, out, err) = capplan(args);
        (code, err, out)
    };
    let scenario = "tests/fixtures/compare/charlie-too-late.toml";
    for (args, command) in [
        (
            vec!["plan", "--catalog", "tests/fixtures/codes/empty-tranche"],
            "capplan validate --catalog tests/fixtures/codes/empty-tranche",
        ),
        (
            vec![
                "--catalog",
                "tests/fixtures/sensitivity",
                "--scenario",
                scenario,
                "spend",
            ],
            "capplan validate --catalog tests/fixtures/sensitivity --scenario tests/fixtures/compare/charlie-too-late.toml",
        ),
        (
            vec!["capacity", "--delay", "tranche:amd-2025/gw-1=78m"],
            "capplan validate --delay tranche:amd-2025/gw-1=78m",
        ),
    ] {
        let (code, err, _) = capplan(&args);
        assert_eq!(code, Some(1), "{args:?}: {err}");
        let hint = format!("; run `{command}` for every problem\n");
        assert!(err.ends_with(&hint), "{args:?}: {err}");
        // The first diagnostic's code is found by the command printed.
        let first = err.lines().next().unwrap();
        let words: Vec<&str> = command.split(' ').skip(1).collect();
        let (code, _, out) = capplan(&words);
        assert_eq!(code, Some(1), "{command}");
        assert!(
            out.contains(first),
            "{command} does not find `{first}`:\n{out}"
        );
    }
}

/// A value error in one field of a contract (a float for money, a date that is not one) does
/// not hide a reference error elsewhere in it: the hardware its tranches name is still checked,
/// with its "did you mean".
#[test]
fn a_value_error_does_not_hide_an_unknown_hardware() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        "contracts/portfolio.toml",
        dir.path().join("portfolio.toml"),
    )
    .unwrap();
    let text = std::fs::read_to_string("contracts/aws-2025.toml").unwrap();
    for broken in [
        text.replace("value_usd = \"38B\"", "value_usd = 38000000000.5"),
        text.replace("start = 2025-11-03", "start = \"next week\""),
    ] {
        assert_ne!(broken, text, "the fixture changed");
        let broken = broken.replace("hardware = \"gb300\"", "hardware = \"gb3000\"");
        std::fs::write(dir.path().join("aws-2025.toml"), broken).unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_capplan"))
            .env("CAPPLAN_CACHE_DIR", "off")
            .args(["validate", "--format", "json"])
            .arg(dir.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let codes: Vec<&str> = doc["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|d| d["code"].as_str())
            .collect();
        assert_eq!(codes.len(), 2, "{codes:?}");
        assert!(codes.contains(&"unknown-hardware"), "{codes:?}");
        let unknown = doc["errors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["code"] == "unknown-hardware")
            .unwrap();
        assert!(
            unknown["help"]
                .as_str()
                .unwrap()
                .contains("did you mean `gb300`?")
        );
    }
}

/// A figure that overflows the exact arithmetic once projected is reported by `validate`, with
/// exit code 1, at the contract whose figures overflow; a report that hits it says where, with
/// the validate command that reports every overflow.
#[test]
fn overflows_are_located_and_found_by_validate() {
    let run = capplan;
    let catalog = "tests/fixtures/overflow";
    let at = "┌─ tests/fixtures/overflow/big.toml:3:6";
    let (code, out, _) = run(&["validate", "--catalog", catalog]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("error[overflow]: contract `big-2026`"),
        "{out}"
    );
    assert!(out.contains(at), "{out}");
    for command in [&["plan"][..], &["capacity", "--by", "year"], &["contracts"]] {
        let mut args = vec!["--catalog", catalog];
        args.extend(command);
        let (code, out, err) = run(&args);
        assert_eq!((code, out.as_str()), (Some(1), ""), "{command:?}: {err}");
        assert!(
            err.starts_with("error[overflow]: contract `big-2026`"),
            "{err}"
        );
        assert!(err.contains(at), "{command:?}: {err}");
        assert!(
            err.ends_with(&format!(
                "run `capplan validate --catalog {catalog}` for every overflow\n"
            )),
            "{err}"
        );
    }
}

/// A path that is not there reads the same whichever way it was given, naming how.
#[test]
fn a_missing_path_says_where_it_came_from_in_one_wording() {
    let nope = "tests/fixtures/no-such-folder";
    for (args, env, origin) in [
        (
            vec!["--catalog", nope, "plan"],
            false,
            "given by `--catalog`",
        ),
        (vec!["plan"], true, "given by `CAPPLAN_CATALOG`"),
        (
            vec!["validate", nope],
            false,
            "given as a path to `validate`",
        ),
        (
            vec!["diff", nope, "contracts"],
            false,
            "given as OLD to `diff`",
        ),
        (
            vec!["diff", "contracts", nope],
            false,
            "given as NEW to `diff`",
        ),
    ] {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_capplan"));
        cmd.env("CAPPLAN_CACHE_DIR", "off");
        cmd.args(&args).env_remove("CAPPLAN_CATALOG");
        if env {
            cmd.env("CAPPLAN_CATALOG", nope);
        }
        let out = cmd.output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        let what = if args[0] == "validate" {
            "file or folder"
        } else {
            "folder"
        };
        assert_eq!(
            err,
            format!("error: cannot read `{nope}`: no such {what} ({origin})\n"),
            "{args:?}"
        );
    }
}
