//! Every command takes exactly the options its `--help` lists, and each of them does something.
//!
//! The commands and their options come from the command line's own definition (clap), walked
//! to every leaf (`chart capacity`, `export xlsx`, ...), so a new command or option is checked
//! as soon as it exists. For each leaf:
//!
//! - every option its help lists is accepted after its name and changes what the run gives
//!   (standard output, standard error, the exit code or the files written) against the same
//!   command line without it, on the shipped catalog; a shared option (`--catalog`, `--format`,
//!   ...) does the same before the command's name. [`VALUES`] gives each option the values that
//!   make it matter, and what it needs beside it where the command shows its effect only with
//!   it (a `--measure`, a `--goal`, a `--fail-if` gate whose message names the figure, a
//!   fixture of tests/fixtures/options); it must name every option. [`UNCHANGED`] lists the few
//!   pairs whose option cannot change the output, each with its reason, and fails once one does;
//! - every other option of any command is refused after its name (exit 2, naming it) and, if
//!   it is a shared option, before it too (exit 2, "`--opt` does not apply to `CMD`");
//! - a single-valued shared option given both before and after the name is refused, naming it,
//!   and so is a `--format` the command does not write, on either side.
//!
//! Each run is the binary, with `CAPPLAN_CACHE_DIR=off`, no `CAPPLAN_CATALOG`, in a temporary
//! folder of its own for the files it writes (`{tmp}` in the tables), a few at a time.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use clap::CommandFactory;

/// Each option, what it needs beside it to matter, the values to try in order (none for a flag:
/// one run without a value), and the exit code a run with it ends with. What it needs is given
/// to the run without the option too, replacing the base run's option of that name, so that the
/// option alone makes the difference. An option may have several rows, tried in order: the
/// first value that the command accepts and that changes the output passes.
const VALUES: &[(&str, &[&str], &[&str], i32)] = &[
    ("--by", &[], &["month", "year"], 0),
    // `sensitivity` reads the period length from its metric's label, unless it is a date.
    ("--by", &["--metric", "gw@2027-06-01"], &["month"], 0),
    ("--from", &[], &["2027Q1"], 0),
    // `actuals` ends its window with the actuals.
    ("--to", &[], &["2028Q4", "2026Q1"], 0),
    // `chart capacity` and `chart spend` stack by provider by default; `schedule` groups by
    // workload or hardware.
    (
        "--group-by",
        &[],
        &["provider", "hardware", "workload", "contract"],
        0,
    ),
    ("--measure", &[], &["gpus"], 0),
    ("--provider", &[], &["AWS"], 0),
    ("--contract", &[], &["aws-2025"], 0),
    ("--hardware", &[], &["gb200"], 0),
    ("--signed-only", &[], &[], 0),
    // The shipped catalog's contracts with actuals are all signed.
    ("--signed-only", &["--scenario", NON_BINDING], &[], 0),
    // `npv` discounts cash by default and refuses `expense`.
    ("--basis", &[], &["expense", "cash", "accrual"], 0),
    // What a chart or a goal measures in money.
    (
        "--basis",
        &["--measure", "cumulative-spend"],
        &["expense"],
        0,
    ),
    (
        "--basis",
        &["--goal", "cumulative-spend@2027Q2>=200B"],
        &["expense"],
        0,
    ),
    // Commands that show no spend, through a gate on it, whose message names the figure.
    (
        "--basis",
        &["--fail-if", "cumulative-spend@2027Q2>0"],
        &["expense"],
        3,
    ),
    ("--precision", &[], &["bf16"], 0),
    // What a chart or a goal measures in compute, the demand scheduled on it, or a gate on it.
    ("--precision", &["--measure", "h100e"], &["bf16"], 0),
    (
        "--precision",
        &["--goal", "h100e@2027Q4>=25000000"],
        &["bf16"],
        0,
    ),
    ("--precision", &["--demand", DEMAND], &["bf16"], 0),
    (
        "--precision",
        &["--fail-if", "h100e@2027Q4>0"],
        &["bf16"],
        3,
    ),
    ("--target", &[], &["investors-2026"], 0),
    (
        "--target",
        &["--fail-if", "target-met>2020Q1"],
        &["investors-2026"],
        3,
    ),
    (
        "--target",
        &["--goal", "target-met<=2031Q4"],
        &["investors-2026"],
        0,
    ),
    // `actuals` and `burn` read the first folder in their base run: another one then.
    ("--actuals", &[], &[OPTIONS_ACTUALS, ACTUALS], 0),
    (
        "--as-of",
        &["--actuals", OPTIONS_ACTUALS],
        &["2026-06-01"],
        0,
    ),
    // examples/actuals bills every cost as it is used; this folder does not.
    ("--cost", &["--actuals", OPTIONS_ACTUALS], &["effective"], 0),
    ("--deliveries", &[], &[], 0),
    ("--runs", &[], &[], 0),
    ("--rate", &[], &["12%"], 0),
    ("--valuation-date", &[], &["2027-01-01"], 0),
    ("--metric", &[], &["gpus@2028Q4"], 0),
    ("--shift", &[], &["2q"], 0),
    ("--factor", &[], &["0.5"], 0),
    ("--goal", &[], &["gw@2028Q4>=20"], 0),
    ("--range", &[], &["0.5..2"], 0),
    ("--samples", &[], &["100"], 0),
    ("--seed", &[], &["2"], 0),
    ("--quantiles", &[], &["5,95"], 0),
    // One warning, which fails `--strict`.
    ("--strict", &["--scenario", SLIP_WARNING], &[], 1),
    ("--all-periods", &[], &[], 0),
    // The base run of `diff` reads OLD at `HEAD` of a temporary repository ([`diff_repository`]).
    ("--git", &[], &["HEAD~1"], 0),
    ("--dir", &[], &["{tmp}/man"], 0),
    // The bars of a table, and diagnostics: a warning on `risk` and `validate`.
    ("--color", &[], &["always"], 0),
    ("--color", &["--scenario", SLIP_WARNING], &["always"], 0),
    // `diff` reads the catalog at a revision: in its repository, or in the temporary one.
    ("--catalog", &[], &["examples/starter", "{repo}/starter"], 0),
    // The other catalog lacks what the base run names: contracts, a fiscal year from January.
    (
        "--catalog",
        &["--actuals", "tests/fixtures/actuals-one-row"],
        &["examples/starter"],
        0,
    ),
    (
        "--catalog",
        &["--scenario", "examples/scenarios/pue-1-4.toml"],
        &["examples/starter"],
        0,
    ),
    (
        "--catalog",
        &["--scenario", "tests/fixtures/risk/select-all.toml"],
        &["examples/starter"],
        0,
    ),
    (
        "--catalog",
        &["--metric", "gw@2027-06-01"],
        &["examples/starter"],
        0,
    ),
    (
        "--catalog",
        &["--goal", "gw@2027-06-01>=10"],
        &["examples/starter"],
        0,
    ),
    (
        "--scenario",
        &[],
        &[
            "examples/scenarios/aws-slip.toml",
            "examples/scenarios/oracle-80pct.toml",
        ],
        0,
    ),
    // `solve` first, on one run: with examples/demand, each of its runs takes seconds in a
    // debug build.
    ("--demand", &["--goal", "runs-missed<=0"], &[ONE_RUN], 0),
    // `schedule` reads examples/demand in its base run: another file then.
    (
        "--demand",
        &[],
        &[DEMAND, "tests/fixtures/demand/far.toml"],
        0,
    ),
    // Commands that show no demand, through a gate on it.
    (
        "--demand",
        &["--fail-if", "shortfall@2027Q4>=0"],
        &[DEMAND],
        3,
    ),
    (
        "--demand-scale",
        &["--demand", ONE_RUN, "--goal", "runs-missed<=0"],
        &["2"],
        0,
    ),
    ("--demand-scale", &["--demand", DEMAND], &["2"], 0),
    // examples/actuals holds deliveries of aws-2025, which a delay or a scale of it contradicts.
    ("--delay", &[], &["aws-2025=2q", "azure-2025=1m"], 0),
    ("--scale", &[], &["aws-2025=0.5", "azure-2025=0.5"], 0),
    ("--pue", &[], &["1.5"], 0),
    ("--exclude", &[], &["aws-2025"], 0),
    ("--format", &[], &["json", "csv"], 0),
    // The extension says what is written: text, a chart, a page, a workbook; a folder for
    // `export focus`.
    (
        "--output",
        &[],
        &[
            "{tmp}/out.txt",
            "{tmp}/out.svg",
            "{tmp}/out.html",
            "{tmp}/out.xlsx",
            "{tmp}/out",
        ],
        0,
    ),
    // `risk` has quantiles, `actuals` and `burn` dollars.
    (
        "--fail-if",
        &[],
        &["gw@2026Q4>1", "p50-gw@2026Q4>1", "unattributed-usd>=0"],
        3,
    ),
];

const ACTUALS: &str = "examples/actuals";
/// A small actuals folder: examples/actuals's deliveries, and a year of costs of `aws-2025`
/// billed up front and amortized in `EffectiveCost`, of `azure-2025` and of another provider.
const OPTIONS_ACTUALS: &str = "tests/fixtures/options/actuals";
const DEMAND: &str = "examples/demand/demand.toml";
/// One training run, late below about 0.4 of the shipped catalog's supply.
const ONE_RUN: &str = "tests/fixtures/options/one-run.toml";
const NON_BINDING: &str = "tests/fixtures/options/aws-2025-non-binding.toml";
/// A `[[risk]]` slip that can bring a tranche online before its contract starts: a warning.
const SLIP_WARNING: &str = "tests/fixtures/codes/slip-outside-term/scenario.toml";

/// What a command needs to run at all on the shipped catalog, each option with its value or an
/// operand; every other command runs with none. `{tmp}` is the run's folder, `{repo}` the
/// repository of [`diff_repository`].
const BASES: &[(&str, &[&[&str]])] = &[
    ("schedule", &[&["--demand", DEMAND]]),
    ("chart schedule", &[&["--demand", DEMAND]]),
    (
        "compare",
        &[&["--scenario", "examples/scenarios/aws-slip.toml"]],
    ),
    (
        "chart compare",
        &[&["--scenario", "examples/scenarios/aws-slip.toml"]],
    ),
    ("sensitivity", &[&["--metric", "gw@2027Q4"]]),
    ("npv", &[&["--rate", "8%"]]),
    ("solve", &[&["scale:*"], &["--goal", "gw@2027Q4>=10"]]),
    ("actuals", &[&["--actuals", OPTIONS_ACTUALS]]),
    ("burn", &[&["--actuals", OPTIONS_ACTUALS]]),
    (
        "risk",
        &[
            &["--scenario", "examples/scenarios/delivery-risk.toml"],
            &["--samples", "200"],
        ],
    ),
    (
        "chart risk",
        &[
            &["--scenario", "examples/scenarios/delivery-risk.toml"],
            &["--samples", "200"],
        ],
    ),
    ("export xlsx", &[&["--output", "{tmp}/plan.xlsx"]]),
    ("export focus", &[&["--output", "{tmp}/focus"]]),
    (
        "diff",
        &[&["--git", "HEAD"], &["--catalog", "{repo}/contracts"]],
    ),
    ("schema", &[&["contract"]]),
    ("completions", &[&["bash"]]),
];

/// The options that are accepted but cannot change the output of these commands on the
/// shipped catalog, with the reason. Kept as short as honestly possible: a command whose
/// option does change the output fails the test until it is taken off.
const UNCHANGED: &[(&str, &[&str], &str)] = &[
    (
        "--color",
        &[
            "capacity",
            "spend",
            "contracts",
            "schedule",
            "compare",
            "sensitivity",
            "npv",
            "solve",
            "actuals",
            "burn",
            "chart capacity",
            "chart spend",
            "chart compare",
            "chart schedule",
            "report",
            "export focus",
            "export xlsx",
            "diff",
            "schema",
            "completions",
            "man",
        ],
        "global: it colors a table's bars (`plan`) and diagnostics (`risk`, `validate`), and \
         this command's output has neither: text without bars, a file, or no diagnostics",
    ),
    (
        "--format",
        &["export focus"],
        "CSV is the only format it writes, and the default",
    ),
];

/// A leaf command: its words and the options its help lists.
struct Leaf {
    words: Vec<String>,
    options: BTreeMap<String, Opt>,
}

impl Leaf {
    fn name(&self) -> String {
        self.words.join(" ")
    }
}

/// What clap says of one option of one command.
#[derive(Clone, Debug)]
struct Opt {
    takes_value: bool,
    repeatable: bool,
    possible_values: Vec<String>,
}

fn opt(arg: &clap::Arg) -> Opt {
    Opt {
        takes_value: arg.get_action().takes_values(),
        repeatable: matches!(arg.get_action(), clap::ArgAction::Append),
        possible_values: arg
            .get_possible_values()
            .iter()
            .map(|v| v.get_name().to_owned())
            .collect(),
    }
}

fn option_name(arg: &clap::Arg) -> String {
    match (arg.get_long(), arg.get_short()) {
        (Some(long), _) => format!("--{long}"),
        (None, Some(short)) => format!("-{short}"),
        (None, None) => panic!(
            "option `{}` has neither a long nor a short name",
            arg.get_id()
        ),
    }
}

/// The options a help lists: not hidden, not positional, not `--help` or `--version`.
fn listed(command: &clap::Command) -> BTreeMap<String, Opt> {
    command
        .get_arguments()
        .filter(|a| !a.is_positional() && !a.is_hide_set())
        .filter(|a| !matches!(a.get_id().as_str(), "help" | "version"))
        .map(|a| (option_name(a), opt(a)))
        .collect()
}

/// The command line, built as clap builds it to parse (global options propagated).
fn cli() -> clap::Command {
    let mut root = capplan::cli::Cli::command();
    root.build();
    root
}

/// Every leaf command, from clap.
fn leaves() -> Vec<Leaf> {
    fn walk(command: &clap::Command, words: &mut Vec<String>, out: &mut Vec<Leaf>) {
        let subs: Vec<_> = command
            .get_subcommands()
            .filter(|s| s.get_name() != "help")
            .collect();
        if subs.is_empty() {
            out.push(Leaf {
                words: words.clone(),
                options: listed(command),
            });
        }
        for sub in subs {
            words.push(sub.get_name().to_owned());
            walk(sub, words, out);
            words.pop();
        }
    }
    let root = cli();
    let mut out = Vec::new();
    for sub in root.get_subcommands().filter(|s| s.get_name() != "help") {
        walk(sub, &mut vec![sub.get_name().to_owned()], &mut out);
    }
    out
}

/// The options that may stand before a command's name: the hidden options of `capplan` itself.
fn shared() -> BTreeMap<String, Opt> {
    cli()
        .get_arguments()
        .filter(|a| !a.is_positional() && a.is_hide_set())
        .map(|a| (option_name(a), opt(a)))
        .collect()
}

/// Runs `args` and checks that they are refused, exit 2, with a message holding `says`.
fn refused(runner: &Runner, args: &[String], says: &str) -> Result<(), String> {
    let got = runner.run(args);
    if got.code != 2 || !got.stderr().contains(says) {
        return Err(format!(
            "`capplan {}` should exit 2 saying {says}; got {}",
            args.join(" "),
            got.describe()
        ));
    }
    Ok(())
}

/// What one run gives: exit code, standard output and error (the run's folder written
/// `{tmp}`), and the files it wrote, by path in its folder.
#[derive(Clone, PartialEq, Eq)]
struct Outcome {
    code: i32,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    files: BTreeMap<String, Vec<u8>>,
}

impl Outcome {
    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// For a message: the exit code, what was written, and standard error.
    fn describe(&self) -> String {
        let err = self.stderr();
        let err = if err.chars().count() > 1500 {
            format!("{}...", err.chars().take(1500).collect::<String>())
        } else {
            err
        };
        format!(
            "exit {}, {} bytes of stdout, files {:?}, stderr:\n{}",
            self.code,
            self.stdout.len(),
            self.files.keys().collect::<Vec<_>>(),
            err.trim_end()
        )
    }
}

fn replace(bytes: &[u8], from: &str, to: &str) -> Vec<u8> {
    let from = from.as_bytes();
    if from.is_empty() || bytes.len() < from.len() {
        return bytes.to_vec();
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i..].starts_with(from) {
            out.extend_from_slice(to.as_bytes());
            i += from.len();
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

fn files(dir: &Path, root: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
    for entry in std::fs::read_dir(dir).expect("the run's folder reads") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            out.insert(rel(&path, root) + "/", Vec::new());
            files(&path, root, out);
        } else {
            out.insert(
                rel(&path, root),
                std::fs::read(&path).expect("a file reads"),
            );
        }
    }
}

fn rel(path: &Path, root: &Path) -> String {
    path.strip_prefix(root).unwrap().display().to_string()
}

/// The test's shared state: the temporary `diff` repository, and the runs already made.
struct Runner {
    repo: PathBuf,
    done: Mutex<HashMap<Vec<String>, Outcome>>,
}

impl Runner {
    /// Runs `capplan ARGS` in a fresh folder (`{tmp}`); `{repo}` is the `diff` repository.
    fn run(&self, args: &[String]) -> Outcome {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let tmp = dir.path().display().to_string();
        let repo = self.repo.display().to_string();
        let args: Vec<String> = args
            .iter()
            .map(|a| a.replace("{tmp}", &tmp).replace("{repo}", &repo))
            .collect();
        let out = Command::new(env!("CARGO_BIN_EXE_capplan"))
            .args(&args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env_remove("CAPPLAN_CATALOG")
            .env("CAPPLAN_CACHE_DIR", "off")
            .env_remove("NO_COLOR")
            .stdin(Stdio::null())
            .output()
            .expect("capplan runs");
        let mut written = BTreeMap::new();
        files(dir.path(), dir.path(), &mut written);
        let clean = |b: &[u8]| replace(&replace(b, &tmp, "{tmp}"), &repo, "{repo}");
        Outcome {
            code: out.status.code().unwrap_or(-1),
            stdout: clean(&out.stdout),
            stderr: clean(&out.stderr),
            files: written.into_iter().map(|(k, v)| (k, clean(&v))).collect(),
        }
    }

    /// [`Runner::run`], once for each command line.
    fn cached(&self, args: &[String]) -> Outcome {
        if let Some(o) = self.done.lock().unwrap().get(args) {
            return o.clone();
        }
        let o = self.run(args);
        self.done.lock().unwrap().insert(args.to_vec(), o.clone());
        o
    }
}

/// A git repository with `contracts/` the shipped catalog: committed without `google-2025`,
/// then whole, then changed in the working tree by removing `aws-2025`. `diff --git HEAD` then
/// has a change to show, and `--git HEAD~1` another. `starter/` is examples/starter, for a
/// `--catalog` that `diff --git` reads without the repository around this one.
fn diff_repository(dir: &Path) -> PathBuf {
    let git = |args: &[&str]| common::git(dir, args);
    let copy = |from: &str, to: &Path| {
        std::fs::create_dir_all(to).unwrap();
        let from = Path::new(env!("CARGO_MANIFEST_DIR")).join(from);
        for entry in std::fs::read_dir(&from).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
            }
        }
    };
    let contracts = dir.join("contracts");
    copy("contracts", &contracts);
    copy("examples/starter", &dir.join("starter"));
    let google = std::fs::read(contracts.join("google-2025.toml")).expect("google-2025.toml");
    std::fs::remove_file(contracts.join("google-2025.toml")).unwrap();
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "without google-2025"]);
    std::fs::write(contracts.join("google-2025.toml"), google).unwrap();
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "the shipped catalog"]);
    std::fs::remove_file(contracts.join("aws-2025.toml")).expect("aws-2025.toml");
    dir.to_path_buf()
}

/// A command line's parts: an option with its value, or an operand.
type Group = Vec<String>;

fn base(leaf: &Leaf) -> Vec<Group> {
    BASES
        .iter()
        .find(|(name, _)| *name == leaf.name())
        .map(|(_, groups)| {
            groups
                .iter()
                .map(|g| g.iter().map(|s| s.to_string()).collect())
                .collect()
        })
        .unwrap_or_default()
}

fn is(group: &Group, option: &str) -> bool {
    group.first().is_some_and(|first| first == option)
}

fn flat(words: &[String], groups: &[Group]) -> Vec<String> {
    words
        .iter()
        .cloned()
        .chain(groups.iter().flatten().cloned())
        .collect()
}

/// An option with its value: `[--opt]` or `[--opt, value]`.
fn with_value(option: &str, value: Option<&str>) -> Group {
    std::iter::once(option.to_owned())
        .chain(value.map(str::to_owned))
        .collect()
}

/// The rows of [`VALUES`] for `option`, as (needs, value or none for a flag, exit code).
fn tries(option: &str, takes_value: bool) -> Vec<(Vec<Group>, Option<&'static str>, i32)> {
    let mut out = Vec::new();
    for (name, needs, values, code) in VALUES {
        if *name != option {
            continue;
        }
        let needs = groups_of(needs);
        if takes_value {
            for v in *values {
                out.push((needs.clone(), Some(*v), *code));
            }
        } else {
            out.push((needs.clone(), None, *code));
        }
    }
    out
}

/// Splits `--a x --b y op` into its groups: each option with the words up to the next option.
fn groups_of(tokens: &[&str]) -> Vec<Group> {
    let mut out: Vec<Group> = Vec::new();
    for t in tokens {
        if t.starts_with('-') || out.is_empty() {
            out.push(vec![t.to_string()]);
        } else {
            out.last_mut().unwrap().push(t.to_string());
        }
    }
    out
}

/// Runs `jobs` on a few threads and returns every failure's message.
fn run_all(jobs: Vec<Box<dyn Fn() -> Result<(), String> + Send + Sync + '_>>) -> Vec<String> {
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(2, 4);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = jobs.get(i) else { break };
                    if let Err(e) = job() {
                        failures.lock().unwrap().push((i, e));
                    }
                }
            });
        }
    });
    let mut failures = failures.into_inner().unwrap();
    failures.sort();
    failures.into_iter().map(|(_, e)| e).collect()
}

/// The check of one listed option of one command: accepted and changing the output, or, for a
/// pair of [`UNCHANGED`], accepted and changing nothing.
fn check_listed(
    runner: &Runner,
    leaf: &Leaf,
    option: &str,
    spec: &Opt,
    is_shared: bool,
) -> Result<(), String> {
    let cmd = leaf.name();
    let tries = tries(option, spec.takes_value);
    if tries.is_empty() {
        return Err(format!(
            "`capplan {cmd} --help` lists `{option}`, which has no row in VALUES: add the value that makes it matter"
        ));
    }
    let exception = UNCHANGED
        .iter()
        .find(|(o, commands, _)| *o == option && commands.contains(&cmd.as_str()));
    let mut attempts = Vec::new();
    let mut accepted = false;
    for (needs, value, code) in &tries {
        // A try the command's help rules out is not run: it names an option the command does
        // not take, or a value not among the option's.
        if let Some(need) = needs.iter().find(|n| !leaf.options.contains_key(&n[0])) {
            attempts.push(format!("needs `{}`, which `{cmd}` does not take", need[0]));
            continue;
        }
        if let Some(v) = value.filter(|v| {
            !spec.possible_values.is_empty() && !spec.possible_values.iter().any(|p| p == v)
        }) {
            attempts.push(format!(
                "`{option} {v}` is not among the values `{cmd}` takes"
            ));
            continue;
        }
        // The run without the option: the base run, with what the option needs in place of
        // the base's options of those names. Without needs it is the base run, which must
        // work; with them it may fail (a gate on demand without `--demand`).
        let mut groups = base(leaf);
        for need in needs {
            groups.retain(|g| !is(g, &need[0]));
        }
        groups.extend(needs.iter().cloned());
        let without = flat(&leaf.words, &groups);
        let before = runner.cached(&without);
        if needs.is_empty() && before.code != 0 {
            attempts.push(format!(
                "the base run `capplan {}` fails: {}",
                without.join(" "),
                before.describe()
            ));
            continue;
        }
        // The option is added; a single-valued one the base gives is replaced.
        let in_base = groups.iter().any(|g| is(g, option));
        if !spec.repeatable {
            groups.retain(|g| !is(g, option));
        }
        let mut after = groups.clone();
        after.push(with_value(option, *value));
        let args = flat(&leaf.words, &after);
        let got = runner.run(&args);
        let line = format!("`capplan {}`", args.join(" "));
        if got.code != *code {
            attempts.push(format!(
                "{line}: expected exit {code}, got {}",
                got.describe()
            ));
            continue;
        }
        accepted = true;
        if got == before {
            attempts.push(format!(
                "{line}: the same exit code, output and files as without `{option}` ({})",
                got.describe()
            ));
            continue;
        }
        if exception.is_some() {
            return Err(format!(
                "{line} changes the output, so (`{cmd}`, `{option}`) must leave UNCHANGED"
            ));
        }
        if is_shared {
            // The same option before the command's name.
            let mut args = with_value(option, *value);
            args.extend(flat(&leaf.words, &groups));
            let first = runner.run(&args);
            let line = format!("`capplan {}`", args.join(" "));
            if first.code != *code || first == before {
                return Err(format!(
                    "{line}: before the name, `{option}` should be taken as after it (exit {code}, a changed output); got {}",
                    first.describe()
                ));
            }
            if !in_base && first != got {
                return Err(format!(
                    "{line} gives another output than with `{option}` after `{cmd}`: {} against {}",
                    first.describe(),
                    got.describe()
                ));
            }
        }
        return Ok(());
    }
    match exception {
        Some(_) if accepted => Ok(()),
        Some((_, _, why)) => Err(format!(
            "`{cmd}` lists `{option}` (in UNCHANGED: {why}) but refuses every value tried:\n  {}",
            attempts.join("\n  ")
        )),
        None if accepted => Err(format!(
            "`{cmd} {option}` is listed by its help and accepted, but no value in VALUES changes the output:\n  {}",
            attempts.join("\n  ")
        )),
        None => Err(format!(
            "`{cmd} {option}` is listed by its help but no value in VALUES is accepted:\n  {}",
            attempts.join("\n  ")
        )),
    }
}

#[test]
fn every_command_takes_the_options_its_help_lists_and_refuses_the_others() {
    let started = std::time::Instant::now();
    let leaves = leaves();
    assert!(
        leaves.len() > 20,
        "leaf commands: {:?}",
        leaves.iter().map(Leaf::name).collect::<Vec<_>>()
    );
    let shared = shared();
    assert!(
        shared.contains_key("--catalog") && shared.contains_key("--fail-if"),
        "the options before a command's name: {:?}",
        shared.keys()
    );
    let mut union: BTreeMap<String, Opt> = BTreeMap::new();
    for leaf in &leaves {
        for (name, spec) in &leaf.options {
            union.entry(name.clone()).or_insert_with(|| spec.clone());
        }
    }

    // The tables name only commands and options that exist.
    let names: BTreeSet<String> = leaves.iter().map(Leaf::name).collect();
    for (name, _) in BASES {
        assert!(
            names.contains(*name),
            "BASES names `{name}`, which is not a command: {names:?}"
        );
    }
    for (option, ..) in VALUES {
        assert!(
            union.contains_key(*option),
            "VALUES names `{option}`, which no command takes"
        );
    }
    for (option, commands, _) in UNCHANGED {
        for cmd in *commands {
            let leaf = leaves.iter().find(|l| l.name() == *cmd);
            assert!(
                leaf.is_some_and(|l| l.options.contains_key(*option)),
                "UNCHANGED names `{cmd} {option}`, which that command does not list"
            );
        }
    }

    let dir = tempfile::tempdir().unwrap();
    let runner = Runner {
        repo: diff_repository(dir.path()),
        done: Mutex::new(HashMap::new()),
    };
    let runner = &runner;
    let mut jobs: Vec<Box<dyn Fn() -> Result<(), String> + Send + Sync + '_>> = Vec::new();
    for leaf in &leaves {
        let cmd = leaf.name();
        // The base run works and gives the same every time, so that a change means something.
        jobs.push(Box::new(move || {
            let args = flat(&leaf.words, &base(leaf));
            let (a, b) = (runner.cached(&args), runner.run(&args));
            if a.code != 0 {
                return Err(format!(
                    "`capplan {}` fails: {}",
                    args.join(" "),
                    a.describe()
                ));
            }
            if a != b {
                return Err(format!(
                    "`capplan {}` gives another output when run again",
                    args.join(" ")
                ));
            }
            Ok(())
        }));
        // 1. Each listed option is accepted and does something.
        for (option, spec) in &leaf.options {
            let is_shared = shared.contains_key(option);
            jobs.push(Box::new(move || {
                check_listed(runner, leaf, option, spec, is_shared)
            }));
        }
        // 2a. Every other option is refused after the name, naming it.
        for (option, spec) in union.iter().filter(|(o, _)| !leaf.options.contains_key(*o)) {
            let cmd = cmd.clone();
            jobs.push(Box::new(move || {
                let value = tries(option, spec.takes_value).first().and_then(|t| t.1);
                let mut groups = base(leaf);
                groups.push(with_value(option, value.or(spec.takes_value.then_some("x"))));
                let args = flat(&leaf.words, &groups);
                let got = runner.run(&args);
                if got.code != 2 || !got.stderr().contains(&format!("'{option}'")) {
                    return Err(format!(
                        "`capplan {}`: `{cmd}` does not list `{option}`, so it should refuse it (exit 2, naming it); got {}",
                        args.join(" "),
                        got.describe()
                    ));
                }
                Ok(())
            }));
        }
        for (option, spec) in &shared {
            let listed = leaf.options.get(option);
            let value = move || {
                let allowed = listed.map(|l| &l.possible_values).filter(|p| !p.is_empty());
                let value = match allowed {
                    Some(p) => Some(p[0].as_str()),
                    None => tries(option, spec.takes_value).first().and_then(|t| t.1),
                };
                value.or(spec.takes_value.then_some("x"))
            };
            let cmd = cmd.clone();
            match listed {
                // 2b. A shared option the command does not take is refused before its name.
                None => jobs.push(Box::new(move || {
                    let mut args = with_value(option, value());
                    args.extend(flat(&leaf.words, &base(leaf)));
                    refused(
                        runner,
                        &args,
                        &format!("`{option}` does not apply to `{cmd}`"),
                    )
                })),
                // A single-valued one is refused when given both before and after the name.
                Some(spec) if !spec.repeatable => jobs.push(Box::new(move || {
                    let mut groups = base(leaf);
                    if !groups.iter().any(|g| is(g, option)) {
                        groups.push(with_value(option, value()));
                    }
                    let mut args = with_value(option, value());
                    args.extend(flat(&leaf.words, &groups));
                    refused(
                        runner,
                        &args,
                        &format!("`{option}` is given both before and after `{cmd}`"),
                    )
                })),
                Some(_) => {}
            }
        }
        // A format the command does not write is refused on either side of its name.
        if let Some(format) = leaf.options.get("--format") {
            let every = &shared["--format"].possible_values;
            for f in every.iter().filter(|f| !format.possible_values.contains(f)) {
                let cmd = cmd.clone();
                jobs.push(Box::new(move || {
                    let mut first = vec!["--format".to_owned(), f.clone()];
                    first.extend(flat(&leaf.words, &base(leaf)));
                    refused(
                        runner,
                        &first,
                        &format!("`--format {f}` does not apply to `{cmd}`"),
                    )?;
                    let mut groups = base(leaf);
                    groups.push(vec!["--format".to_owned(), f.clone()]);
                    let after = flat(&leaf.words, &groups);
                    let got = runner.run(&after);
                    let err = got.stderr();
                    if got.code != 2
                        || !err.contains(&format!("'{f}'"))
                        || !err.contains("--format")
                    {
                        return Err(format!(
                            "`capplan {}` should exit 2 naming `--format` and `{f}`; got {}",
                            after.join(" "),
                            got.describe()
                        ));
                    }
                    Ok(())
                }));
            }
        }
    }
    let count = jobs.len();
    let failures = run_all(jobs);
    eprintln!(
        "{count} checks of {} commands in {:.1?}",
        leaves.len(),
        started.elapsed()
    );
    assert!(
        failures.is_empty(),
        "{} of {count} checks failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// The example of the brief, pinned by name: `human` is `validate`'s format only, and a single
/// `--format` on each side of `plan` is refused.
#[test]
fn format_twice_or_human_on_plan_is_refused() {
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_capplan"))
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env_remove("CAPPLAN_CATALOG")
            .env("CAPPLAN_CACHE_DIR", "off")
            .output()
            .expect("capplan runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    for (args, says) in [
        (
            &["--format", "json", "plan", "--format", "csv"][..],
            "`--format` is given both before and after `plan`",
        ),
        (
            &["--format", "human", "plan"],
            "`--format human` does not apply to `plan`",
        ),
        (&["plan", "--format", "human"], "'human'"),
    ] {
        let (code, err) = run(args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(
            err.contains(says) && err.contains("--format"),
            "{args:?}: {err}"
        );
    }
}
