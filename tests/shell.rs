//! Shell completions and the manual page come from the command line's own definitions: every
//! command appears in them, for every shell.

use std::process::Command;

fn capplan(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_capplan"))
        .env("CAPPLAN_CACHE_DIR", "off")
        .args(args)
        .output()
        .expect("capplan runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

const COMMANDS: &[&str] = &[
    "plan",
    "capacity",
    "spend",
    "contracts",
    "validate",
    "compare",
    "sensitivity",
    "risk",
    "diff",
    "export",
    "schema",
];

#[test]
fn completions_name_every_command_in_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let (code, out) = capplan(&["completions", shell]);
        assert_eq!(code, 0, "{shell}");
        for command in COMMANDS {
            assert!(
                out.contains(command),
                "{shell} completion lacks `{command}`"
            );
        }
        assert!(
            out.contains("scenario") && out.contains("fail-if"),
            "{shell}: global options"
        );
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    assert_eq!(capplan(&["completions", "cmd.exe"]).0, 2);
}

#[test]
fn the_manual_page_is_roff_naming_every_command() {
    let (code, out) = capplan(&["man"]);
    assert_eq!(code, 0);
    assert!(out.contains(".TH capplan 1"), "{out}");
    for command in COMMANDS {
        assert!(out.contains(command), "the manual lacks `{command}`");
    }
}

#[cfg(unix)]
#[test]
fn the_fuzz_script_fails_rather_than_pass_having_run_nothing_without_cargo_fuzz() {
    // A PATH with cargo and rustc but no cargo-fuzz, and a CARGO_HOME without it either.
    let which = |tool: &str| {
        std::process::Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    let (Some(cargo), Some(rustc)) = (which("cargo"), which("rustc")) else {
        eprintln!("skipped: no cargo on PATH");
        return;
    };
    let dir = tempfile::tempdir().expect("a folder");
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(cargo, bin.join("cargo")).unwrap();
    std::os::unix::fs::symlink(rustc, bin.join("rustc")).unwrap();
    let out = std::process::Command::new("bash")
        .args(["scripts/fuzz.sh", "1", "money"])
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .env("CARGO_HOME", dir.path())
        .output()
        .expect("bash runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cargo-fuzz is not installed"));
}

/// clap's own checks of the command definition: no two options with one name, every
/// requirement naming an argument that exists, and so on, for every subcommand.
#[test]
fn the_command_line_definition_passes_clap_s_checks() {
    use clap::CommandFactory;
    let command = capplan::cli::Cli::command();
    command.clone().debug_assert();
    // Every subcommand, to the leaves, builds its help.
    fn walk(c: &clap::Command, path: &str, seen: &mut Vec<String>) {
        let here = format!("{path} {}", c.get_name());
        let mut c = c.clone();
        let help = c.render_long_help().to_string();
        assert!(help.contains("Usage:"), "{here}");
        seen.push(here.clone());
        for sub in c.get_subcommands() {
            walk(sub, &here, seen);
        }
    }
    let mut seen = Vec::new();
    walk(&command, "", &mut seen);
    assert!(seen.len() > 20, "{seen:?}");
}

/// `capplan man --dir` writes a page per command and subcommand, each standing alone (exit
/// status, environment, files; the `--fail-if` grammar where the command gates), and
/// `capplan man COMMAND` prints the same page.
#[test]
fn every_command_has_a_manual_page_that_stands_alone() {
    use clap::CommandFactory;
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_capplan"))
        .env("CAPPLAN_CACHE_DIR", "off")
        .args(["man", "--dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    // Each page, with whether its command takes `--fail-if` (capplan's own page gives the
    // grammar for all).
    let gates = |c: &clap::Command| c.get_arguments().any(|a| a.get_id() == "fail_if");
    let mut names: Vec<(String, bool)> = vec![("capplan".to_owned(), true)];
    for c in capplan::cli::Cli::command().get_subcommands() {
        names.push((format!("capplan-{}", c.get_name()), gates(c)));
        for s in c.get_subcommands() {
            names.push((
                format!("capplan-{}-{}", c.get_name(), s.get_name()),
                gates(s),
            ));
        }
    }
    assert!(names.iter().filter(|(_, g)| *g).count() > 10);
    for (name, gates) in &names {
        let page = std::fs::read_to_string(dir.path().join(format!("{name}.1")))
            .unwrap_or_else(|e| panic!("{name}.1: {e}"));
        assert!(page.starts_with(".ie"), "{name}: {}", &page[..40]);
        for section in [".SH NAME", "EXIT STATUS", ".SH ENVIRONMENT", ".SH FILES"] {
            assert!(page.contains(section), "{name} lacks {section}");
        }
        assert_eq!(page.contains("FAIL-IF EXPRESSIONS"), *gates, "{name}");
        assert!(!page.contains("README"), "{name} points elsewhere");
    }
    let plan = std::fs::read_to_string(dir.path().join("capplan-plan.1")).unwrap();
    assert!(plan.contains("FAIL-IF EXPRESSIONS") && plan.contains("\\-\\-scenario"));
    let validate = std::fs::read_to_string(dir.path().join("capplan-validate.1")).unwrap();
    assert!(!validate.contains("FAIL-IF EXPRESSIONS"));
    assert_eq!(capplan(&["man", "plan"]), (0, plan));
    let xlsx = std::fs::read_to_string(dir.path().join("capplan-export-xlsx.1")).unwrap();
    assert_eq!(capplan(&["man", "export", "xlsx"]), (0, xlsx));
    let out = Command::new(env!("CARGO_BIN_EXE_capplan"))
        .env("CAPPLAN_CACHE_DIR", "off")
        .args(["man", "plam"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `plan`?"));
}

/// docs/cli.md's table of which command takes which shared option is the command line's own.
#[test]
fn the_reference_table_of_shared_options_is_the_command_line() {
    use clap::CommandFactory;
    const OPTIONS: [&str; 11] = [
        "catalog",
        "scenario",
        "demand",
        "delay",
        "demand-scale",
        "format",
        "output",
        "fail-if",
        "basis",
        "precision",
        "target",
    ];
    let mut table = String::from("| command |");
    for o in OPTIONS {
        table += &format!(" `--{o}` |");
    }
    table += "\n|";
    table += &"---|".repeat(OPTIONS.len() + 1);
    table += "\n";
    let mut leaves: Vec<(String, clap::Command)> = Vec::new();
    for c in capplan::cli::Cli::command().get_subcommands() {
        if c.has_subcommands() {
            for s in c.get_subcommands() {
                leaves.push((format!("{} {}", c.get_name(), s.get_name()), s.clone()));
            }
        } else {
            leaves.push((c.get_name().to_owned(), c.clone()));
        }
    }
    for (name, cmd) in &leaves {
        table += &format!("| `{name}` |");
        for o in OPTIONS {
            let takes = cmd
                .get_arguments()
                .any(|a| a.get_long() == Some(o) && !a.is_hide_set());
            table += if takes { " yes |" } else { "  |" };
        }
        table += "\n";
    }
    let docs = std::fs::read_to_string("docs/cli.md").unwrap();
    assert!(docs.contains(&table), "docs/cli.md should hold:\n{table}");
}
