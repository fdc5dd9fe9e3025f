//! Builds and renders `capplan diff`: what changed from an OLD catalog to a NEW one.
//!
//! Three parts, computed once into a [`Diff`]:
//!
//! - the catalog changes of [`crate::catalog::diff`]: contracts added, removed or changed, with
//!   each changed field's old and new value, and the settings of `portfolio.toml`;
//! - per period of the window, both catalogs' totals (GPUs, CPUs, facility power, spend,
//!   cumulative spend, with `compare`'s machinery, on one timeline long enough for both) and
//!   their differences, NEW minus OLD; only the periods where a figure changed are shown, unless
//!   every period is asked for;
//! - when each target is met in each, each side measured against its own definition of it.
//!
//! A summary says it in a few words: which contracts changed, the largest change of power (the
//! period where it is largest, earliest on ties), how spend moved (over the whole timeline, so
//! that a shift out of the window is still seen as a shift: when the total is unchanged, how much
//! moved from which periods to which) and how targets moved. Formats: `table` and `markdown` show
//! the summary, the changes and the periods; `json` has all of it (the changes under
//! `summary.contracts.changes`, the periods as `rows`); `csv` has the period rows, like every
//! report's CSV; [`github_comment`] is a pull-request comment under GitHub's size limit.
//!
//! The parts: `model` computes the [`Diff`]; `prose` says it in sentences, for the summary and
//! the headline; `render` lays it out as the documents of `table`, `markdown`, `json` and
//! `csv`; `comment` cuts it to a pull-request comment.

mod comment;
mod model;
mod prose;
mod render;

pub use comment::{COMMENT_LIMIT, github_comment};
pub use model::{Diff, Figures, PeriodDelta, Shift, Side, SpendMove, TargetChange, diff};
pub use prose::headline;
pub use render::{changes_document, document, render_diff};
