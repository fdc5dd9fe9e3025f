//! Shell completions and the manual page come from the command line's own definitions: every
//! command appears in them, for every shell.

use std::process::Command;

fn capplan(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_capplan"))
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
