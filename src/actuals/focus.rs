//! Reading FOCUS cost files (docs/actuals.md): CSV, gzipped CSV and Parquet, as the clouds
//! export them, one row at a time, so that memory does not grow with the rows.
//!
//! Columns read: `ChargePeriodStart` and `ChargePeriodEnd` (UTC: `YYYY-MM-DDTHH:MM:SSZ`, with
//! optional fractional seconds, a `+00:00` offset or a space for the `T`, or a date),
//! `BilledCost` (or `EffectiveCost`), `BillingCurrency` (USD only), and the columns the
//! contracts' match tables name. FOCUS 1.0 calls the provider `ProviderName` and 1.2 on
//! `ServiceProviderName`: a wanted column missing from a file is read from the other name.
//! Money is read from its text as an exact decimal. Every other column is ignored.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use rust_decimal::Decimal;

use crate::diagnostic::{Code, Diagnostic, Location};

/// Which cost column a run reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum CostColumn {
    /// `BilledCost`: what the invoice says.
    #[default]
    Billed,
    /// `EffectiveCost`: with commitment purchases amortized over their use.
    Effective,
}

impl CostColumn {
    pub fn column(self) -> &'static str {
        match self {
            CostColumn::Billed => "BilledCost",
            CostColumn::Effective => "EffectiveCost",
        }
    }
}

/// One cost row as read.
pub struct CostRow<'a> {
    /// Where the row is: `file:line` for CSV, `file, row N` for Parquet.
    pub at: &'a dyn Fn() -> String,
    /// `[start, end)` in seconds since 1970-01-01 UTC.
    pub start: i64,
    pub end: i64,
    pub cost: Decimal,
    /// The wanted columns' values, trimmed, in the order asked; `None` where the file lacks
    /// the column or the value is empty.
    pub values: &'a [Option<&'a str>],
}

/// A problem with a cost file: a located, coded diagnostic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FocusError {
    pub code: Code,
    /// `file`, `file:line` or `file, row N, column C`.
    pub at: String,
    pub message: String,
    pub help: Option<String>,
}

impl FocusError {
    pub fn new(code: Code, at: impl Into<String>, message: impl Into<String>) -> Self {
        FocusError {
            code,
            at: at.into(),
            message: message.into(),
            help: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn diagnostic(&self) -> Diagnostic {
        let d = Diagnostic::new(self.code, Location::Path(self.at.clone()), &self.message);
        match &self.help {
            Some(h) => d.with_help(h),
            None => d,
        }
    }
}

/// What a run asks of each file.
pub struct Wanted<'a> {
    pub cost: CostColumn,
    /// Columns the match tables name.
    pub columns: &'a [String],
}

/// The visitor a reader hands each row to; its error stops the read.
pub type Visit<'v> = dyn FnMut(&CostRow<'_>) -> Result<(), FocusError> + 'v;

/// Whether `path` names a cost file, by its extension.
pub fn is_cost_file(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    name.ends_with(".csv") || name.ends_with(".csv.gz") || name.ends_with(".parquet")
}

/// What a parallel read hands rows to: each parsing thread has one, and they are merged at
/// the end, so what a sink keeps must not depend on the order of the rows (exact sums do not).
pub trait Sink: Send {
    fn row(&mut self, row: &CostRow<'_>) -> Result<(), FocusError>;
    /// Adds what `other` took in.
    fn merge(&mut self, other: Self) -> Result<(), FocusError>;
}

/// A named pipe, socket or device among the actuals is an error, not a read that waits forever.
pub fn refuse_special(path: &Path, name: &str) -> Result<(), FocusError> {
    match crate::catalog::load::special_file(path) {
        Some(kind) => Err(FocusError::new(
            Code::FocusFile,
            name,
            format!("the file is {kind}: actuals are read from files"),
        )),
        None => Ok(()),
    }
}

/// Opens a CSV cost file, inflating it if it is gzipped.
fn open_csv(path: &Path, name: &str) -> Result<Box<dyn Read + Send>, FocusError> {
    refuse_special(path, name)?;
    let file = File::open(path).map_err(|e| {
        FocusError::new(Code::FocusFile, name, format!("cannot read the file: {e}"))
    })?;
    if file.metadata().map(|m| m.len() == 0).unwrap_or(false) {
        return Err(FocusError::new(
            Code::FocusFile,
            name,
            "the file is empty: a FOCUS file has at least a header row",
        ));
    }
    Ok(if name.to_ascii_lowercase().ends_with(".gz") {
        Box::new(flate2::read::MultiGzDecoder::new(BufReader::with_capacity(
            1 << 16,
            file,
        )))
    } else {
        Box::new(file)
    })
}

fn is_parquet(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".parquet")
}

/// Reads one cost file, handing each row to `visit` in the file's order. Returns the number
/// of rows.
pub fn read_file(
    path: &Path,
    wanted: &Wanted<'_>,
    visit: &mut Visit<'_>,
) -> Result<u64, FocusError> {
    read_file_in_pieces(path, wanted, visit, None)
}

/// [`read_file`], with CSV text cut into pieces of about `piece` bytes (tests cut small
/// pieces to cut often).
#[doc(hidden)]
pub fn read_file_in_pieces(
    path: &Path,
    wanted: &Wanted<'_>,
    visit: &mut Visit<'_>,
    piece: Option<usize>,
) -> Result<u64, FocusError> {
    let name = path.display().to_string();
    if is_parquet(&name) {
        refuse_special(path, &name)?;
        return super::parquet::read(path, wanted, visit);
    }
    super::focus_csv::read_in_order(&name, open_csv(path, &name)?, wanted, visit, piece)
}

/// Reads one cost file with up to `workers` threads parsing CSV, each into a sink of its own
/// from `make`, merged at the end. Returns the number of rows and the sink.
pub fn read_file_parallel<S: Sink>(
    path: &Path,
    wanted: &Wanted<'_>,
    make: &(dyn Fn() -> S + Sync),
    workers: usize,
    piece: Option<usize>,
) -> Result<(u64, S), FocusError> {
    let name = path.display().to_string();
    if is_parquet(&name) {
        refuse_special(path, &name)?;
        let mut sink = make();
        let rows = super::parquet::read(path, wanted, &mut |row| sink.row(row))?;
        return Ok((rows, sink));
    }
    let input = open_csv(path, &name)?;
    super::focus_csv::read_parallel(&name, input, wanted, make, workers, piece)
}

/// The indices of the columns a reader needs, from a header.
pub struct Layout {
    pub start: usize,
    pub end: usize,
    pub cost: usize,
    pub currency: usize,
    pub wanted: Vec<Option<usize>>,
}

/// Finds the columns in `header`, or says which required one is missing.
pub fn layout(file: &str, header: &[String], wanted: &Wanted<'_>) -> Result<Layout, FocusError> {
    let find = |name: &str| header.iter().position(|h| h == name);
    let require = |name: &str| {
        find(name).ok_or_else(|| {
            let close = header
                .iter()
                .find(|h| h.eq_ignore_ascii_case(name))
                .map(|h| format!("; `{h}` differs only in case"))
                .unwrap_or_default();
            FocusError::new(
                Code::FocusColumn,
                format!("{file}, column {name}"),
                format!("the file has no `{name}` column{close}"),
            )
            .with_help(
                "FOCUS cost files need ChargePeriodStart, ChargePeriodEnd, BilledCost (or EffectiveCost with `--cost effective`) and BillingCurrency",
            )
        })
    };
    let wanted_idx = wanted
        .columns
        .iter()
        .map(|c| {
            find(c).or_else(|| match c.as_str() {
                "ServiceProviderName" => find("ProviderName"),
                "ProviderName" => find("ServiceProviderName"),
                _ => None,
            })
        })
        .collect();
    Ok(Layout {
        start: require("ChargePeriodStart")?,
        end: require("ChargePeriodEnd")?,
        cost: require(wanted.cost.column())?,
        currency: require("BillingCurrency")?,
        wanted: wanted_idx,
    })
}

/// Checks and converts the required fields of a row: `(start, end, cost)`.
pub fn parse_row(
    at: &dyn Fn() -> String,
    start: &str,
    end: &str,
    cost: &str,
    currency: &str,
    column: CostColumn,
) -> Result<(i64, i64, Decimal), FocusError> {
    let time = |text: &str, what: &str| {
        parse_time(text).ok_or_else(|| {
            FocusError::new(
                Code::FocusValue,
                at(),
                format!("`{what}` is `{text}`, not a UTC time such as 2026-01-01T00:00:00Z"),
            )
        })
    };
    let s = time(start, "ChargePeriodStart")?;
    let e = time(end, "ChargePeriodEnd")?;
    if e < s {
        return Err(FocusError::new(
            Code::FocusValue,
            at(),
            format!("the charge period ends ({end}) before it starts ({start})"),
        ));
    }
    let cost = if cost.is_empty() {
        Decimal::ZERO
    } else {
        parse_money(cost).ok_or_else(|| {
            FocusError::new(
                Code::FocusValue,
                at(),
                format!("`{}` is `{cost}`, not a number", column.column()),
            )
        })?
    };
    let usd = currency.eq_ignore_ascii_case("USD") || (currency.is_empty() && cost.is_zero());
    if !usd {
        return Err(FocusError::new(
            Code::FocusValue,
            at(),
            format!("`BillingCurrency` is `{currency}`: capplan reads USD only"),
        )
        .with_help("export the account's costs in USD, or leave this file out of `actuals/`"));
    }
    Ok((s, e, cost))
}

/// A decimal as written: digits with an optional sign, point and exponent.
pub fn parse_money(text: &str) -> Option<Decimal> {
    if text.contains(['e', 'E']) {
        Decimal::from_scientific(text).ok()
    } else {
        text.parse().ok()
    }
}

/// Seconds since 1970-01-01 UTC of `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS[.fff]]` with `Z`,
/// `+00:00` or nothing after it, or a space for the `T`. Times in another offset are
/// converted.
pub fn parse_time(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let s = b.get(r)?;
        if !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(s).ok()?.parse().ok()
    };
    // Rows of one export share their dates: the last date read is remembered per thread.
    thread_local! {
        static LAST: std::cell::Cell<([u8; 10], i64)> = const { std::cell::Cell::new(([0; 10], 0)) };
    }
    let key: [u8; 10] = b[..10].try_into().ok()?;
    let (last, known) = LAST.with(std::cell::Cell::get);
    let days = if last == key && key[0] != 0 {
        known
    } else {
        let date = chrono::NaiveDate::from_ymd_opt(
            i32::try_from(num(0..4)?).ok()?,
            num(5..7)?,
            num(8..10)?,
        )?;
        let days = i64::from(date.num_days_from_ce()) - 719_163;
        LAST.with(|c| c.set((key, days)));
        days
    };
    let mut seconds = days * 86_400;
    let rest = &b[10..];
    if rest.is_empty() {
        return Some(seconds);
    }
    if rest[0] != b'T' && rest[0] != b' ' {
        return None;
    }
    let (h, m) = (num(11..13)?, num(14..16)?);
    if b.get(13) != Some(&b':') || h > 23 || m > 59 {
        return None;
    }
    let mut i = 16;
    let mut s = 0;
    if b.get(16) == Some(&b':') {
        s = num(17..19)?;
        if s > 60 {
            return None;
        }
        i = 19;
        if b.get(19) == Some(&b'.') {
            i = 20;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
        }
    }
    seconds += i64::from(h) * 3600 + i64::from(m) * 60 + i64::from(s);
    match &b[i..] {
        b"" | b"Z" | b"z" => Some(seconds),
        [sign @ (b'+' | b'-'), tail @ ..] => {
            let tail = std::str::from_utf8(tail).ok()?;
            let (oh, om) = match tail.split_once(':') {
                Some((h, m)) => (h.parse::<i64>().ok()?, m.parse::<i64>().ok()?),
                None if tail.len() == 4 => (tail[..2].parse().ok()?, tail[2..].parse().ok()?),
                None => (tail.parse().ok()?, 0),
            };
            let offset = oh * 3600 + om * 60;
            Some(if *sign == b'+' {
                seconds - offset
            } else {
                seconds + offset
            })
        }
        _ => None,
    }
}

use chrono::Datelike;

/// The files of an actuals folder that hold cost rows, sorted by name: `*.csv`, `*.csv.gz`
/// and `*.parquet`, in the folder and its subfolders, except `deliveries.csv`.
pub fn cost_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let entry = entry?;
            let path = entry.path();
            let kind = entry.file_type()?;
            if kind.is_dir() {
                stack.push(path);
            } else if is_cost_file(&path)
                && !(d == dir && path.file_name().is_some_and(|n| n == "deliveries.csv"))
            {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_in_the_forms_the_clouds_write() {
        let day = 20_454 * 86_400; // 2026-01-01
        assert_eq!(parse_time("2026-01-01"), Some(day));
        assert_eq!(parse_time("2026-01-01T00:00:00Z"), Some(day));
        assert_eq!(parse_time("2026-01-01T01:30:00Z"), Some(day + 5400));
        assert_eq!(parse_time("2026-01-01 01:30:00"), Some(day + 5400));
        assert_eq!(parse_time("2026-01-01T01:30:00.000Z"), Some(day + 5400));
        assert_eq!(parse_time("2026-01-01T01:30Z"), Some(day + 5400));
        assert_eq!(parse_time("2026-01-01T01:30:00+01:00"), Some(day + 1800));
        assert_eq!(parse_time("2026-01-01T01:30:00-0100"), Some(day + 9000));
        for bad in [
            "",
            "2026-13-01",
            "2026-01-01T25:00:00Z",
            "01/01/2026",
            "2026-01-01X",
        ] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn money_is_read_exactly_as_written() {
        assert_eq!(
            parse_money("12.3456789012"),
            Some("12.3456789012".parse().unwrap())
        );
        assert_eq!(parse_money("-0.01"), Some("-0.01".parse().unwrap()));
        assert_eq!(parse_money("1.5E2"), Some(Decimal::from(150)));
        assert_eq!(parse_money("12,50"), None);
        assert_eq!(parse_money("abc"), None);
    }
}
