//! Faults: whatever happens around a run (a full disk, a read-only folder, other runs writing
//! the same file, Ctrl-C, a termination request, a file that changes under it), capplan never
//! leaves half a report, never changes a file it should not, and never leaves a temporary
//! file behind. The simulated failures of each step of a write are unit tests of
//! `src/cli/output.rs`; a file changed mid-read, of `src/catalog/load.rs`.
//!
//! These tests send signals with the `kill` program and mount file systems with `mount`, so
//! they need neither unsafe code nor a crate for system calls. Where mounting is not
//! permitted, the test says it skipped and the simulated failures cover the case. Signals,
//! devices and mounts are Unix matters: the file is compiled on Unix only.
#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_capplan");

fn capplan(args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_remove("CAPPLAN_CATALOG")
        .env("CAPPLAN_CACHE_DIR", "off");
    cmd
}

fn run(args: &[&str]) -> Output {
    capplan(args).output().expect("capplan runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The temporary output files in `dir`.
fn temporaries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(".capplan-"))
                .collect()
        })
        .unwrap_or_default()
}

const OLD: &[u8] = b"the old report, which a failed run must leave as it is\n";

#[test]
fn output_to_a_full_device_is_an_error_and_the_device_stays() {
    let full = Path::new("/dev/full");
    if !full.exists() {
        eprintln!("skipped: no /dev/full here");
        return;
    }
    let out = run(&["contracts", "-o", "/dev/full"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "error: cannot write `/dev/full`: No space left on device (os error 28)\n"
    );
    // Written in place, not replaced by a regular file (capplan often runs as root in CI).
    assert!(!std::fs::metadata(full).unwrap().is_file());
    let out = run(&["contracts", "-o", "/dev/null"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(!std::fs::metadata("/dev/null").unwrap().is_file());
}

/// A small tmpfs mounted for one test, unmounted when dropped.
struct Mounted(PathBuf);

impl Mounted {
    /// Mounts a tmpfs of `size` at `dir`, or says why it cannot.
    fn tmpfs(dir: &Path, size: &str) -> Result<Self, String> {
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(text(&out.stderr).trim().to_owned());
        }
        Ok(Mounted(dir.to_path_buf()))
    }

    fn remount_read_only(&self) -> Result<(), String> {
        let out = Command::new("mount")
            .args(["-o", "remount,ro"])
            .arg(&self.0)
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(())
        } else {
            Err(text(&out.stderr).trim().to_owned())
        }
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        let unmounted = Command::new("umount")
            .arg(&self.0)
            .status()
            .is_ok_and(|s| s.success());
        if !unmounted {
            let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        }
    }
}

#[test]
fn output_onto_a_full_or_read_only_file_system_leaves_the_old_file() {
    let dir = tempfile::tempdir().unwrap();
    let mnt = dir.path().join("mnt");
    std::fs::create_dir(&mnt).unwrap();
    let mounted = match Mounted::tmpfs(&mnt, "64k") {
        Ok(m) => m,
        Err(why) => {
            eprintln!(
                "skipped: cannot mount tmpfs here ({why}); the simulated failures in src/cli/output.rs cover a full disk"
            );
            return;
        }
    };
    let target = mnt.join("report.json");
    std::fs::write(&target, OLD).unwrap();
    let args = [
        "--format",
        "json",
        "capacity",
        "--by",
        "month",
        "--group-by",
        "tranche",
    ];
    let report = run(&args);
    assert!(report.status.success());
    assert!(report.stdout.len() > 64 << 10, "the report must not fit");

    let target_arg = target.to_str().unwrap();
    let out = run(&[&args[..], &["-o", target_arg]].concat());
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        format!("error: cannot write `{target_arg}`: No space left on device (os error 28)\n")
    );
    assert_eq!(std::fs::read(&target).unwrap(), OLD);
    assert!(temporaries(&mnt).is_empty(), "{:?}", temporaries(&mnt));

    if let Err(why) = mounted.remount_read_only() {
        eprintln!("skipped the read-only half: cannot remount read-only here ({why})");
        return;
    }
    let out = run(&["contracts", "-o", target_arg]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        format!("error: cannot write `{target_arg}`: Read-only file system (os error 30)\n")
    );
    assert_eq!(std::fs::read(&target).unwrap(), OLD);
    assert!(temporaries(&mnt).is_empty());
}

#[test]
fn runs_writing_one_output_at_once_leave_one_whole_report() {
    let reports: [&[&str]; 4] = [
        &["--format", "csv", "plan", "--by", "year"],
        &["--format", "csv", "contracts"],
        &[
            "--format",
            "csv",
            "capacity",
            "--by",
            "month",
            "--group-by",
            "tranche",
        ],
        &["--format", "csv", "spend", "--group-by", "contract"],
    ];
    let expected: Vec<Vec<u8>> = reports
        .iter()
        .map(|args| {
            let out = run(args);
            assert!(out.status.success());
            out.stdout
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("report.csv");
    let target_arg = target.to_str().unwrap();
    for round in 0..10 {
        let children: Vec<Child> = reports
            .iter()
            .map(|args| {
                capplan(args)
                    .args(["-o", target_arg])
                    .stdout(Stdio::null())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success(), "round {round}");
        }
        let written = std::fs::read(&target).unwrap();
        assert!(
            expected.contains(&written),
            "round {round}: the file is not one whole report ({} bytes)",
            written.len()
        );
        assert!(temporaries(dir.path()).is_empty(), "round {round}");
    }
}

/// Sends `signal` (`INT`, `TERM`, `STOP`, `CONT`) to a process with the `kill` program.
fn kill(signal: &str, child: &Child) {
    let status = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(child.id().to_string())
        .status()
        .expect("the kill program runs");
    assert!(status.success(), "kill -{signal}");
}

/// Waits until the process handles SIGINT and SIGTERM itself, as `/proc` shows: a signal sent
/// earlier would end it before capplan's handler could.
fn wait_for_handlers(child: &mut Child) {
    let status = format!("/proc/{}/status", child.id());
    loop {
        assert!(
            child.try_wait().unwrap().is_none(),
            "capplan ended before it could be interrupted"
        );
        let Ok(text) = std::fs::read_to_string(&status) else {
            eprintln!("no /proc here: sending the signal after a pause");
            std::thread::sleep(Duration::from_secs(1));
            return;
        };
        let caught = text
            .lines()
            .find_map(|l| l.strip_prefix("SigCgt:"))
            .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
            .unwrap_or(0);
        let (int, term) = (1 << (2 - 1), 1 << (15 - 1));
        if caught & int != 0 && caught & term != 0 {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// `risk` with many samples spends its time computing, before any file exists: interrupted
/// then, it must leave the old output as it was, and nothing else.
fn interrupt_while_computing(signal: &str, code: i32) {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.json");
    std::fs::write(&target, OLD).unwrap();
    let mut child = capplan(&[
        "--scenario",
        "examples/scenarios/delivery-risk.toml",
        "risk",
        "--samples",
        "5000000",
        "--output",
        target.to_str().unwrap(),
    ])
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    wait_for_handlers(&mut child);
    std::thread::sleep(Duration::from_millis(300));
    // The report is written only once it is complete: no temporary file exists yet.
    assert!(temporaries(dir.path()).is_empty());
    kill(signal, &child);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(code), "{}", text(&out.stderr));
    assert_eq!(std::fs::read(&target).unwrap(), OLD);
    assert!(temporaries(dir.path()).is_empty());
}

#[test]
fn sigint_while_computing_leaves_the_old_output_and_exits_130() {
    interrupt_while_computing("INT", 130);
}

#[test]
fn sigterm_while_computing_leaves_the_old_output_and_exits_143() {
    interrupt_while_computing("TERM", 143);
}

/// A catalog whose `spend --by month --group-by provider` is about 120 MB: one contract whose
/// provider's name is two million characters, on each of 60 rows. Writing and syncing it
/// takes long enough to be caught in the act.
fn catalog_with_a_huge_report(dir: &Path) -> PathBuf {
    let catalog = dir.join("catalog");
    std::fs::create_dir(&catalog).unwrap();
    std::fs::copy(
        "examples/starter/portfolio.toml",
        catalog.join("portfolio.toml"),
    )
    .unwrap();
    let provider = "P".repeat(2_000_000);
    std::fs::write(
        catalog.join("huge.toml"),
        format!(
            "id = \"huge-1\"\nprovider = \"{provider}\"\ntitle = \"Huge\"\nstart = 2026-01-01\nterm = \"5y\"\nvalue_usd = \"1B\"\nsources = [\"https://example.com/huge\"]\n"
        ),
    )
    .unwrap();
    catalog
}

/// What one interrupted write did.
#[derive(Debug, PartialEq, Eq)]
enum Caught {
    /// The run finished before the temporary file was seen or before it was stopped.
    Missed,
    /// Stopped with its temporary file there: the signal came mid-write, and the old file
    /// stayed.
    OldKept,
    /// Stopped with its temporary file there, but the rename won the race with the handler:
    /// the whole new report is in place, and the run exits as if not interrupted.
    NewWhole,
}

/// Runs the huge report to `out` and, once its temporary file appears, stops the run
/// (SIGSTOP), checks it is mid-write, sends `signal` and lets it go on (SIGCONT).
fn interrupt_while_writing(
    catalog: &Path,
    out_dir: &Path,
    new: &[u8],
    signal: &str,
    code: i32,
) -> Caught {
    let target = out_dir.join("out.csv");
    std::fs::write(&target, OLD).unwrap();
    let mut child = capplan(&[
        "--catalog",
        catalog.to_str().unwrap(),
        "spend",
        "--by",
        "month",
        "--group-by",
        "provider",
        "--output",
        target.to_str().unwrap(),
    ])
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let mut inside = false;
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if !temporaries(out_dir).is_empty() {
            kill("STOP", &child);
            // Frozen: still mid-write if the temporary file is there and the target is old.
            inside = !temporaries(out_dir).is_empty() && std::fs::read(&target).unwrap() == OLD;
            kill(signal, &child);
            kill("CONT", &child);
            break;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    let out = child.wait_with_output().unwrap();
    let written = std::fs::read(&target).unwrap();
    assert!(temporaries(out_dir).is_empty(), "a temporary file was left");
    assert!(
        written == OLD || written == new,
        "the output is neither the old file nor the whole new report ({} bytes)",
        written.len()
    );
    if !inside {
        // Caught too late: the run had finished, or its output was in place, so it exits as
        // if not interrupted.
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        return Caught::Missed;
    }
    if written == OLD {
        assert_eq!(out.status.code(), Some(code), "{}", text(&out.stderr));
        Caught::OldKept
    } else {
        // Once the output is in place, the run has succeeded.
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        Caught::NewWhole
    }
}

fn interrupt_writes(signal: &str, code: i32) {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog_with_a_huge_report(dir.path());
    let new = run(&[
        "--catalog",
        catalog.to_str().unwrap(),
        "spend",
        "--by",
        "month",
        "--group-by",
        "provider",
    ])
    .stdout;
    assert!(new.len() > 100_000_000);
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let mut seen = Vec::new();
    for _ in 0..5 {
        let caught = interrupt_while_writing(&catalog, &out_dir, &new, signal, code);
        let kept = caught == Caught::OldKept;
        seen.push(caught);
        if kept {
            break;
        }
    }
    eprintln!("SIG{signal} during writes: {seen:?}");
    assert!(
        seen.contains(&Caught::OldKept),
        "no attempt interrupted the write itself: {seen:?}"
    );
}

#[test]
fn sigint_while_writing_removes_the_temporary_file_and_keeps_the_old_output() {
    interrupt_writes("INT", 130);
}

#[test]
fn sigterm_while_writing_removes_the_temporary_file_and_keeps_the_old_output() {
    interrupt_writes("TERM", 143);
}

/// A signal that arrives once the output is in place ends nothing: the run has succeeded and
/// exits with its own code. Here that code is 3, from `--fail-if` conditions that hold and are
/// said on stderr after the report is written: so many of them that their messages fill the
/// pipe, which this test does not read until after the signal, so the run waits, its report in
/// place, for as long as the test needs.
fn interrupt_after_the_rename(signal: &str) {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.csv");
    std::fs::write(&target, OLD).unwrap();
    let report = ["--format", "csv", "plan", "--by", "year"];
    let new = run(&report).stdout;
    const GATES: usize = 20_000;
    let mut args: Vec<&str> = report.to_vec();
    args.extend(["-o", target.to_str().unwrap()]);
    for _ in 0..GATES {
        args.extend(["--fail-if", "gw@2026Q4>0"]);
    }
    let mut child = capplan(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while std::fs::read(&target).unwrap() != new {
        assert!(
            child.try_wait().unwrap().is_none(),
            "capplan ended before its report was in place"
        );
        assert!(started.elapsed() < Duration::from_secs(120), "no report");
        std::thread::sleep(Duration::from_millis(5));
    }
    // The report is in place; the run is held by the full pipe.
    assert!(child.try_wait().unwrap().is_none());
    kill(signal, &child);
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "SIG{signal} after the rename ended the run"
    );
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    // Each gate that holds, then the line that names the file written.
    let said = text(&out.stderr);
    assert_eq!(said.lines().count(), GATES + 1);
    assert_eq!(
        said.lines().last(),
        Some(format!("wrote `{}`", target.display()).as_str())
    );
    assert_eq!(std::fs::read(&target).unwrap(), new);
    assert!(temporaries(dir.path()).is_empty());
}

#[test]
fn sigint_after_the_rename_leaves_the_exit_code_of_the_gates() {
    interrupt_after_the_rename("INT");
}

#[test]
fn sigterm_after_the_rename_leaves_the_exit_code_of_the_gates() {
    interrupt_after_the_rename("TERM");
}

#[test]
fn a_scenario_from_a_pipe_is_read_as_it_comes() {
    // `--scenario <(...)` and `/dev/stdin` are pipes: no length or times to check.
    let scenario = std::fs::read("examples/scenarios/aws-slip.toml").unwrap();
    let mut child = capplan(&["--scenario", "/dev/stdin", "compare", "--by", "year"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    std::io::Write::write_all(&mut stdin, &scenario).unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let from_file = run(&[
        "--scenario",
        "examples/scenarios/aws-slip.toml",
        "compare",
        "--by",
        "year",
    ]);
    assert_eq!(out.stdout, from_file.stdout);
}

#[test]
fn a_file_changed_while_it_is_read_names_the_file_and_exits_2() {
    use capplan::catalog::LoadError;
    use capplan::cli::CliError;
    // A real race cannot be reproduced: `read_checked` takes a hook between the read and the
    // check, and the message is the one `main` prints.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("acme.toml");
    std::fs::write(&path, "id = \"acme-1\"\n").unwrap();
    let err = capplan::catalog::load::read_checked(&path, 1 << 20, &mut || {
        std::fs::remove_file(&path).unwrap()
    })
    .unwrap_err();
    assert!(matches!(err, LoadError::Changed { .. }));
    let printed = format!("error: {:#}", anyhow::Error::from(CliError::Load(err)));
    assert_eq!(
        printed,
        format!(
            "error: `{}` changed while it was being read; run again",
            path.display()
        )
    );
}

/// Every file under `dir` with its bytes, and the temporary output files left anywhere below.
fn snapshot(dir: &Path) -> (Vec<(PathBuf, Vec<u8>)>, Vec<PathBuf>) {
    let (mut files, mut temporary) = (Vec::new(), Vec::new());
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            let kind = entry.file_type().unwrap();
            if entry.file_name().to_string_lossy().starts_with(".capplan-") {
                temporary.push(path);
            } else if kind.is_dir() {
                pending.push(path);
            } else if kind.is_file() {
                files.push((path.clone(), std::fs::read(&path).unwrap()));
            }
        }
    }
    files.sort();
    (files, temporary)
}

#[test]
fn an_output_that_is_an_input_of_the_run_is_refused_whatever_its_spelling() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let c = root.join("c");
    std::fs::create_dir_all(c.join("actuals")).unwrap();
    for name in ["portfolio.toml", "cloud-a.toml", "neocloud-b.toml"] {
        std::fs::copy(Path::new("examples/starter").join(name), c.join(name)).unwrap();
    }
    // Every file in the catalog is an input, whether or not this run reads it: here a note
    // beside the actuals, which no command reads.
    std::fs::write(
        c.join("actuals/notes.csv.txt"),
        "where the exports come from\n",
    )
    .unwrap();
    std::fs::write(
        root.join("s.toml"),
        "[scenario]\nname = \"slip\"\n\n[[risk]]\nselect = \"*\"\nslip = \"uniform(0d, 30d)\"\n",
    )
    .unwrap();
    std::fs::copy("examples/demand/demand.toml", root.join("d.toml")).unwrap();
    std::fs::create_dir(root.join("out")).unwrap();
    std::fs::create_dir(root.join("c2")).unwrap();
    for name in ["portfolio.toml", "cloud-a.toml"] {
        std::fs::copy(c.join(name), root.join("c2").join(name)).unwrap();
    }
    // Other names of the inputs: links of both kinds, a linked catalog folder.
    let symlink = |to: &str, at: &str| std::os::unix::fs::symlink(root.join(to), root.join(at));
    symlink("c/cloud-a.toml", "link.svg").unwrap();
    symlink("c", "clink").unwrap();
    let hard = |to: &str, at: &str| std::fs::hard_link(root.join(to), root.join(at));
    hard("c/neocloud-b.toml", "hard.html").unwrap();
    hard("s.toml", "hard.xlsx").unwrap();
    hard("s.toml", "out/focus-costs.csv").unwrap();
    let absolute = c.join("actuals/notes.csv.txt");
    let absolute = absolute.to_str().unwrap();

    // (the output as written, then the rest of the command line; `OUT` stands for the output)
    let cases: &[(&str, &[&str])] = &[
        (
            "c/cloud-a.toml",
            &["--catalog", "c", "--format", "json", "-o", "OUT", "plan"],
        ),
        (
            "./c/../c/portfolio.toml",
            &["--catalog", "c", "capacity", "--format", "csv", "-o", "OUT"],
        ),
        (
            absolute,
            &[
                "--catalog",
                "c",
                "spend",
                "--format",
                "csv",
                "--output",
                "OUT",
            ],
        ),
        (
            "link.svg",
            &["--catalog", "c", "chart", "capacity", "-o", "OUT"],
        ),
        ("hard.html", &["--catalog", "c", "report", "-o", "OUT"]),
        (
            "hard.xlsx",
            &[
                "--catalog",
                "c",
                "--scenario",
                "s.toml",
                "export",
                "xlsx",
                "OUT",
            ],
        ),
        (
            "out",
            &[
                "--catalog",
                "c",
                "--scenario",
                "s.toml",
                "export",
                "focus",
                "-o",
                "OUT",
            ],
        ),
        (
            "s.toml",
            &[
                "--catalog",
                "c",
                "--scenario",
                "s.toml",
                "risk",
                "--format",
                "json",
                "-o",
                "OUT",
            ],
        ),
        (
            "d.toml",
            &[
                "--catalog",
                "c",
                "--demand",
                "d.toml",
                "schedule",
                "--format",
                "csv",
                "-o",
                "OUT",
            ],
        ),
        (
            "c/portfolio.toml",
            &[
                "--catalog",
                "clink",
                "validate",
                "--format",
                "json",
                "-o",
                "OUT",
            ],
        ),
        (
            "c2/cloud-a.toml",
            &[
                "--catalog",
                "c",
                "diff",
                "c",
                "c2",
                "--format",
                "json",
                "-o",
                "OUT",
            ],
        ),
        // Commands that read nothing (and take no `--catalog`) still keep off the catalog
        // that `CAPPLAN_CATALOG` names (set below for these).
        ("hard.html", &["man", "-o", "OUT"]),
        ("link.svg", &["completions", "bash", "-o", "OUT"]),
    ];
    let before = snapshot(root);
    for (output, args) in cases {
        let with = |out: &str| -> Vec<String> {
            args.iter()
                .map(|a| {
                    if *a == "OUT" {
                        out.to_owned()
                    } else {
                        (*a).to_owned()
                    }
                })
                .collect()
        };
        let args = with(output);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut cmd = capplan(&args);
        if matches!(args[0], "man" | "completions") {
            cmd.env("CAPPLAN_CATALOG", "c");
        }
        let out = cmd.current_dir(root).output().unwrap();
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        let shown = if *output == "out" {
            "out/focus-costs.csv"
        } else {
            output
        };
        assert!(
            stderr.starts_with(&format!("error: the output `{shown}` is "))
                && stderr
                    .ends_with(": capplan never writes over its inputs; choose another path\n"),
            "{args:?}: {stderr}"
        );
        assert!(snapshot(root) == before, "{args:?} changed a file");
        // The same command line with an output that is no input works: the refusal was for
        // the path alone.
        let fresh = match *output {
            "out" => "fresh".to_owned(),
            o => format!(
                "fresh.{}",
                Path::new(o).extension().unwrap().to_str().unwrap()
            ),
        };
        let fresh = match Path::new(&fresh).extension().and_then(|e| e.to_str()) {
            Some("toml") => "fresh.txt".to_owned(),
            _ => fresh,
        };
        let args = with(&fresh);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = capplan(&args).current_dir(root).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
        let _ = std::fs::remove_file(root.join(&fresh));
        let _ = std::fs::remove_dir_all(root.join("fresh"));
    }
}

/// A report written as a new `.toml` file in the catalog's folder would be read as a contract
/// by every later run: refused like an input, whatever spells the folder, and nothing written.
#[cfg(unix)]
#[test]
fn an_output_that_would_become_a_contract_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let c = root.join("c");
    std::fs::create_dir(&c).unwrap();
    for name in ["portfolio.toml", "cloud-a.toml"] {
        std::fs::copy(Path::new("examples/starter").join(name), c.join(name)).unwrap();
    }
    std::os::unix::fs::symlink(&c, root.join("clink")).unwrap();
    let before = snapshot(root);
    let cases: &[(&str, &[&str])] = &[
        (
            "c/report.toml",
            &["--catalog", "c", "plan", "--format", "csv"],
        ),
        (
            "./c/../c/Capacity.TOML",
            &[
                "--catalog",
                "c",
                "capacity",
                "--by",
                "month",
                "--group-by",
                "tranche",
                "--format",
                "csv",
            ],
        ),
        (
            "clink/spend.toml",
            &["--catalog", "c", "spend", "--format", "json"],
        ),
        ("c/found.toml", &["validate", "clink", "--format", "json"]),
    ];
    for (output, args) in cases {
        let mut args = args.to_vec();
        args.extend(["-o", output]);
        let out = capplan(&args).current_dir(root).output().unwrap();
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.starts_with(&format!(
                "error: the output `{output}` would be a new contract file of the catalog `"
            )) && stderr.ends_with("every later run would read it; choose another path\n"),
            "{args:?}: {stderr}"
        );
        assert!(snapshot(root) == before, "{args:?} changed a file");
    }
    // Beside the catalog, or in it under another extension, the same reports are written.
    for output in ["report.toml", "c/report.csv"] {
        let out = capplan(&["--catalog", "c", "plan", "--format", "csv", "-o", output])
            .current_dir(root)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{output}: {}",
            text(&out.stderr)
        );
        assert!(root.join(output).is_file());
    }
}

/// A pipe closed before a streamed report is whole (`capplan capacity ... | head`) ends the run
/// quietly with exit 0, in every format, as it does for reports built whole.
#[cfg(unix)]
#[test]
fn a_pipe_closed_early_ends_a_streamed_report_quietly() {
    use std::io::{BufRead, BufReader};
    for format in ["csv", "json", "table", "markdown"] {
        for command in ["capacity", "spend"] {
            let group = if command == "capacity" {
                "tranche"
            } else {
                "contract"
            };
            let mut child = capplan(&[
                command,
                "--by",
                "month",
                "--group-by",
                group,
                "--format",
                format,
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
            let mut first = String::new();
            BufReader::new(child.stdout.take().unwrap())
                .read_line(&mut first)
                .unwrap();
            assert!(!first.is_empty(), "{command} {format}");
            // The reader is gone: the rest of the report meets a closed pipe.
            let out = child.wait_with_output().unwrap();
            assert_eq!(
                out.status.code(),
                Some(0),
                "{command} {format}: {}",
                text(&out.stderr)
            );
            assert_eq!(text(&out.stderr), "", "{command} {format}");
        }
    }
}

/// Runs capplan with `args`, killing it if it has not ended within ten seconds: a run that waits
/// on a named pipe would hang the test.
fn run_promptly(args: &[&str]) -> Output {
    let mut child = capplan(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    for _ in 0..200 {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    panic!("capplan {args:?} waited on its input");
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
}

#[test]
fn named_pipes_and_devices_are_refused_not_waited_on() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("x.toml");
    mkfifo(&fifo);
    let fifo = fifo.to_str().unwrap();
    // Named on the command line, in every place a file is read.
    for args in [
        vec!["validate", fifo],
        vec!["--scenario", fifo, "plan"],
        vec!["--scenario", "/dev/null", "plan"],
        vec!["schedule", "--demand", fifo],
    ] {
        let out = run_promptly(&args);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("a named pipe (FIFO), not a file") || err.contains("a device, not a file"),
            "{args:?}: {err}"
        );
    }
    // In a catalog folder.
    let catalog = dir.path().join("catalog");
    std::fs::create_dir(&catalog).unwrap();
    std::fs::copy("contracts/portfolio.toml", catalog.join("portfolio.toml")).unwrap();
    mkfifo(&catalog.join("pipe.toml"));
    let out = run_promptly(&["--catalog", catalog.to_str().unwrap(), "plan"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("pipe.toml` is a named pipe (FIFO)"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_contract_that_is_a_dangling_link_or_a_loop_is_an_error_not_left_out() {
    let dir = tempfile::tempdir().unwrap();
    for (name, target) in [("gone.toml", "nowhere.toml"), ("loop.toml", "loop.toml")] {
        let catalog = dir.path().join(name.trim_end_matches(".toml"));
        std::fs::create_dir(&catalog).unwrap();
        std::fs::copy("contracts/portfolio.toml", catalog.join("portfolio.toml")).unwrap();
        std::os::unix::fs::symlink(target, catalog.join(name)).unwrap();
        let out = run_promptly(&["--catalog", catalog.to_str().unwrap(), "plan"]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(
            err.contains(&format!("cannot read `{}", catalog.join(name).display())),
            "{name}: {err}"
        );
    }
}

#[test]
fn a_named_pipe_among_the_actuals_is_a_located_error() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["costs.csv", "costs.parquet", "deliveries.csv"] {
        let actuals = dir.path().join(name.replace('.', "-"));
        std::fs::create_dir(&actuals).unwrap();
        mkfifo(&actuals.join(name));
        let out = run_promptly(&["burn", "--actuals", actuals.to_str().unwrap()]);
        let err = text(&out.stderr);
        // Invalid actuals, like an invalid catalog.
        assert_eq!(out.status.code(), Some(1), "{name}: {err}");
        assert!(
            err.contains("error[focus-file]") && err.contains("named pipe (FIFO)"),
            "{name}: {err}"
        );
    }
}

/// Runs capplan with its standard output on a terminal, through `script` (util-linux), which
/// gives the command a pseudo-terminal. `None` where `script` is not installed.
fn on_a_terminal(args: &str) -> Option<(i32, String)> {
    let out = Command::new("script")
        .args(["-qec", &format!("{BIN} {args}"), "/dev/null"])
        .env_remove("CAPPLAN_CATALOG")
        .env("CAPPLAN_CACHE_DIR", "off")
        .output()
        .ok()?;
    Some((out.status.code().unwrap_or(-1), text(&out.stdout)))
}

#[test]
fn pages_images_and_workbooks_are_refused_on_a_terminal_not_dumped_on_it() {
    let Some(_) = on_a_terminal("--version") else {
        eprintln!("skipped: `script` (util-linux) is not installed");
        return;
    };
    for (args, kind) in [
        ("report", "an HTML page"),
        ("chart capacity", "an SVG image"),
        ("chart spend --by year", "an SVG image"),
    ] {
        let (code, out) = on_a_terminal(args).unwrap();
        assert_eq!(code, 2, "{args}: {out}");
        assert!(
            out.contains(&format!(
                "the output is {kind}, which a terminal cannot show"
            )),
            "{args}: {out}"
        );
        assert!(out.contains("-o FILE"), "{args}: {out}");
    }
    // Text is shown, and the same page goes down a pipe.
    let (code, out) = on_a_terminal("plan").unwrap();
    assert_eq!(code, 0, "{out}");
    let piped = run(&["report"]);
    assert_eq!(piped.status.code(), Some(0));
    assert!(text(&piped.stdout).starts_with("<!DOCTYPE html>"));
}

/// Runs capplan with standard error a pipe whose reader is already gone, as after `capplan
/// ... 2>&1 | head -1` once `head` has its line: standard output kept.
fn with_stderr_closed(args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    capplan(args)
        .stderr(writer)
        .stdout(Stdio::piped())
        .output()
        .expect("capplan runs")
}

#[test]
fn a_closed_standard_error_loses_the_messages_not_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad");
    std::fs::create_dir(&bad).unwrap();
    for entry in std::fs::read_dir("contracts").unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, bad.join(path.file_name().unwrap())).unwrap();
    }
    let aws = bad.join("aws-2025.toml");
    let text = std::fs::read_to_string(&aws).unwrap();
    std::fs::write(
        &aws,
        text.replace("provider = \"AWS\"", "provider = \"AWS\\u0007\""),
    )
    .unwrap();
    let bad = bad.to_str().unwrap();
    let out = dir.path().join("plan.csv");
    let out = out.to_str().unwrap();
    // (arguments, exit code): errors, warnings, usage, a gate, a written file.
    let demand = "examples/demand/demand.toml";
    let cases: &[(&[&str], i32)] = &[
        (&["--catalog", bad, "validate"], 1),
        (&["--catalog", bad, "capacity"], 1),
        (&["--delay", "aws-2025=20y", "plan"], 1),
        (&["--catalog", "no/such/folder", "plan"], 2),
        (&["plan", "--by", "fortnight"], 2),
        (
            &[
                "--catalog",
                "tests/fixtures/engine/calendar",
                "--scenario",
                "tests/fixtures/risk/select-all.toml",
                "risk",
                "--samples",
                "10",
            ],
            0,
        ),
        (
            &[
                "--demand",
                demand,
                "schedule",
                "--from",
                "2025",
                "--to",
                "2025",
                "--fail-if",
                "shortfall@2025Q1>0",
            ],
            3,
        ),
        (&["--format", "csv", "-o", out, "plan"], 0),
    ];
    for (args, code) in cases {
        let run = with_stderr_closed(args);
        assert_eq!(run.status.code(), Some(*code), "{args:?}");
    }
    // The report written whole, and standard output whole where it is the output.
    assert!(std::fs::read_to_string(out).unwrap().starts_with("period,"));
    let plan = with_stderr_closed(&["--format", "csv", "plan"]);
    assert_eq!(plan.status.code(), Some(0));
    assert_eq!(plan.stdout, run(&["--format", "csv", "plan"]).stdout);
}
