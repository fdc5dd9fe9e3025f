//! `capplan man`: the manual pages, generated from the same clap definitions that parse the
//! command line, so they cannot drift, with the sections that make each page stand alone.

use std::io::Write;
use std::path::PathBuf;

use clap::CommandFactory;

use crate::cli::{Cli, CliError, Context, EXIT_OK, emit, write_files_atomically};

/// `capplan man`: one page to standard output (or `-o`), or every page into a folder.
#[derive(Debug, Clone, clap::Args)]
pub struct ManArgs {
    /// The command whose page to print, such as `plan` or `export xlsx` [default: capplan's
    /// own page, which lists the commands]
    #[arg(value_name = "COMMAND", num_args = 1..=2, conflicts_with = "dir")]
    pub command: Vec<String>,
    /// Write every page into DIR: capplan.1, capplan-plan.1, capplan-export-xlsx.1, ...
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    #[command(flatten)]
    pub output: crate::cli::args::OutputArg,
}

/// Writes the manual pages, in roff: `capplan man plan > capplan-plan.1; man ./capplan-plan.1`,
/// or `capplan man --dir DIR` for all of them.
pub fn man(
    global: &Context,
    args: &ManArgs,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<u8, CliError> {
    let pages = man_pages();
    if let Some(dir) = &args.dir {
        if global.output.is_some() {
            return Err(CliError::Usage(
                "`man --dir` writes a page per command into DIR: leave out `--output`".to_owned(),
            ));
        }
        let names: Vec<String> = pages.iter().map(|(name, _)| format!("{name}.1")).collect();
        let files: Vec<(&str, &[u8])> = names
            .iter()
            .zip(&pages)
            .map(|(name, (_, bytes))| (name.as_str(), bytes.as_slice()))
            .collect();
        write_files_atomically(dir, &files, &global.inputs)?;
        for name in &names {
            let _ = writeln!(stderr, "wrote `{}`", dir.join(name).display());
        }
        return Ok(EXIT_OK);
    }
    let name = std::iter::once("capplan")
        .chain(args.command.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join("-");
    let Some((_, page)) = pages.into_iter().find(|(n, _)| *n == name) else {
        let known: Vec<String> = Cli::command()
            .get_subcommands()
            .map(|c| c.get_name().to_owned())
            .collect();
        let given = args.command.join(" ");
        let hint =
            match crate::catalog::reader::did_you_mean(&given, known.iter().map(String::as_str)) {
                Some(best) => format!("did you mean `{best}`?"),
                None => format!("the commands are {}", known.join(", ")),
            };
        return Err(CliError::Usage(format!(
            "`man {given}`: no such command; {hint}"
        )));
    };
    emit(global, &page, stdout)?;
    Ok(EXIT_OK)
}

/// Every manual page, by file name without `.1`: `capplan`, then each command and
/// subcommand (`capplan-chart-capacity`), in the order of `capplan --help`.
pub fn man_pages() -> Vec<(String, Vec<u8>)> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut pages = Vec::new();
    page(&cmd, "capplan", &mut pages);
    pages
}

fn page(cmd: &clap::Command, name: &str, pages: &mut Vec<(String, Vec<u8>)>) {
    let top = name == "capplan";
    let gates = cmd
        .get_arguments()
        .any(|a| a.get_id() == "fail_if" && !a.is_hide_set());
    let page_cmd = cmd
        .clone()
        .display_name(name.to_owned())
        .bin_name(name.replace('-', " "));
    let man =
        clap_mangen::Man::new(page_cmd).source(format!("capplan {}", env!("CARGO_PKG_VERSION")));
    let mut out = Vec::new();
    // Rendering into a Vec cannot fail.
    let _ = man.render(&mut out);
    out.extend_from_slice(sections(top, gates).as_bytes());
    pages.push((name.to_owned(), out));
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        page(sub, &format!("{name}-{}", sub.get_name()), pages);
    }
}

/// The sections every page ends with, so that a page stands alone: exit status, environment,
/// files, and the `--fail-if` grammar where the command gates.
fn sections(top: bool, gates: bool) -> String {
    let mut out = String::new();
    out.push_str(EXIT_STATUS);
    out.push_str(ENVIRONMENT);
    out.push_str(FILES);
    if top || gates {
        out.push_str(FAIL_IF);
    }
    out.push_str(SEE_ALSO);
    out
}

const EXIT_STATUS: &str = r#".SH "EXIT STATUS"
.TP
\fB0\fR
Success.
.TP
\fB1\fR
The catalog, a scenario or a demand file is invalid; the diagnostics are printed (\fBcapplan validate\fR prints them all).
.TP
\fB2\fR
Bad usage, an unreadable path, or an output that would replace an input of the run; nothing was written.
.TP
\fB3\fR
A \fB\-\-fail\-if\fR condition holds; the report was written first.
.TP
\fB130\fR, \fB143\fR
Interrupted by SIGINT or SIGTERM before the output was in place: no output file was changed or left behind.
"#;

const ENVIRONMENT: &str = r#".SH ENVIRONMENT
.TP
\fBCAPPLAN_CATALOG\fR
The catalog folder when \fB\-\-catalog\fR is not given.
.TP
\fBCAPPLAN_CACHE_DIR\fR
Where loaded catalogs and parsed actuals are cached (\fBoff\fR turns both caches off) [default: the user's cache folder].
.TP
\fBNO_COLOR\fR
When set and not empty, no colors (as \fB\-\-color never\fR).
"#;

const FILES: &str = r#".SH FILES
.TP
\fB./contracts/\fR
The catalog when neither \fB\-\-catalog\fR nor \fBCAPPLAN_CATALOG\fR names one; without it, the catalog built into capplan.
.TP
\fICATALOG\fR\fB/portfolio.toml\fR
The portfolio: targets, hardware profiles, PUE, the horizon.
.TP
\fICATALOG\fR\fB/*.toml\fR
One contract per file, in any subfolder.
.TP
\fICATALOG\fR\fB/demand.toml\fR
Workloads, for the schedule.
.TP
\fICATALOG\fR\fB/actuals/\fR
FOCUS billing exports (CSV, CSV.gz or Parquet) and deliveries.
"#;

const FAIL_IF: &str = r#".SH "FAIL-IF EXPRESSIONS"
\fB\-\-fail\-if\fR \fIEXPR\fR (repeatable) writes the report, then exits with 3 if any condition holds, naming it on standard error.
.PP
.nf
gate      := metric "@" period op value      gw@2027Q4<10   spend@2026>60B
           | "target\-met" op period          target\-met>2030Q4
           | "runs\-missed" op value          runs\-missed>0         (with demand)
           | "unattributed\-usd" op value     unattributed\-usd>0    (actuals, burn)
           | "shortfall\-usd" op value        shortfall\-usd>1B      (burn)
metric    := figure
           | "delta\-" figure                 delta\-gw@2026Q4<\-0.5  (diff only)
           | "p" N "\-" (gw | mw | gpus)      p50\-gw@2028Q4<15      (risk only)
           | "probability"                   probability@2030Q4<0.5 (risk only)
figure    := gw | mw | gpus | cpus | h100e | spend | cumulative\-spend
           | shortfall | utilization                            (with demand)
period    := a period label (2027Q4, 2027\-10, 2027, FY2027Q2) or a date
op        := < | <= | > | >= | == | !=
value     := a number, optionally negative, with a K, M, B or T suffix
.fi
.PP
\fBgw\fR and \fBmw\fR are facility power at the period's end, \fBgpus\fR and \fBcpus\fR units online at its end, \fBh100e\fR H100\-equivalents online at its end, \fBspend\fR the period's spend and \fBcumulative\-spend\fR spend to the period's end, for the report's catalog, scenarios and filters. \fBtarget\-met\fR compares the period in which the target is met with the one given; a target never met is later than any period. On \fBdiff\fR, \fBdelta\-\fR\fIFIGURE\fR is NEW minus OLD.
"#;

const SEE_ALSO: &str = r#".SH "SEE ALSO"
\fBcapplan man \-\-dir\fR \fIDIR\fR writes the page of every command; the reference of the file formats and figures is in the \fBdocs/\fR folder of capplan's source.
"#;
