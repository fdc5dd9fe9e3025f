//! CI gates: `--fail-if EXPR`, repeatable, on the commands whose `--help` lists it (see
//! docs/cli.md). The report is written first; then, if any condition holds, capplan says which
//! on stderr and exits with code 3.
//!
//! Grammar (spaces are allowed around the operator):
//!
//! ```text
//! gate      := metric "@" period op value      gw@2027Q4<10   spend@2026>60B
//!            | "target-met" op period          target-met>2030Q4
//!            | "runs-missed" op value          runs-missed>0               (with demand)
//!            | "unattributed-usd" op value     unattributed-usd>0          (actuals, burn)
//!            | "shortfall-usd" op value        shortfall-usd>1B            (burn)
//! metric    := figure
//!            | "delta-" figure                 delta-gw@2026Q4<-0.5        (diff only)
//!            | "p" N "-" (gw | mw | gpus)      p50-gw@2028Q4<15            (risk only)
//!            | "probability"                   probability@2030Q4<0.5      (risk only)
//! figure    := gw | mw | gpus | cpus | h100e | spend | cumulative-spend
//!            | shortfall | utilization                                  (with demand)
//! period    := a period label (2027Q4, 2027-10, 2027, FY2027Q2) or a date
//! op        := < | <= | > | >= | == | !=
//! value     := a number, optionally negative, with an optional K, M, B or T suffix:
//!              10, 2.5, 60B, 1.4T, -0.5, -5B
//! ```
//!
//! `gw` and `mw` are facility power at the period's end, `gpus` and `cpus` units online at its
//! end, `h100e` H100-equivalents online at its end (at `--precision`; not a `delta-` figure), `spend` the period's spend and `cumulative-spend` spend from the contracts' starts to the
//! period's end, all for the report's catalog, scenarios and filters, over every group.
//! With demand (docs/demand.md), `shortfall` is the level need not served in the period, in
//! H100e-hours, `utilization` the share of supply served, in percent, and `runs-missed` the
//! number of runs short of their work at their deadline.
//! `target-met` compares the period in which the report's target is met with the one given; a
//! target never met counts as later than any period.
//!
//! On `diff`, `delta-FIGURE` is the change of the figure from OLD to NEW (NEW minus OLD, so
//! `delta-gw@2026Q4<-0.5` holds when NEW has more than half a gigawatt less than OLD at the end of
//! 2026Q4); a plain figure and `target-met` are NEW's.

mod evaluate;
mod expr;

pub use evaluate::*;
pub use expr::*;
