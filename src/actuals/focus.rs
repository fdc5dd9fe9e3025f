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

/// Reads one cost file, handing each row to `visit`. Returns the number of rows.
pub fn read_file(
    path: &Path,
    wanted: &Wanted<'_>,
    visit: &mut Visit<'_>,
) -> Result<u64, FocusError> {
    let name = path.display().to_string();
    let lower = name.to_ascii_lowercase();
    let open = || {
        File::open(path).map_err(|e| {
            FocusError::new(Code::FocusFile, &name, format!("cannot read the file: {e}"))
        })
    };
    if lower.ends_with(".parquet") {
        return super::parquet::read(path, wanted, visit);
    }
    let file = open()?;
    if file.metadata().map(|m| m.len() == 0).unwrap_or(false) {
        return Err(FocusError::new(
            Code::FocusFile,
            &name,
            "the file is empty: a FOCUS file has at least a header row",
        ));
    }
    if lower.ends_with(".gz") {
        let gz = flate2::read::MultiGzDecoder::new(BufReader::with_capacity(1 << 16, file));
        read_csv(&name, Inflated::spawn(gz), wanted, visit)
    } else {
        read_csv(&name, file, wanted, visit)
    }
}

/// A gzip stream inflated on a thread of its own, a block at a time, while the caller parses
/// the blocks before: inflating and parsing a large export take about as long as each other.
/// The blocks arrive in order; an error of the stream arrives where it happened.
struct Inflated {
    blocks: std::sync::mpsc::Receiver<std::io::Result<Vec<u8>>>,
    current: Vec<u8>,
    at: usize,
}

impl Inflated {
    /// Blocks of this many bytes, and at most this many blocks ahead of the parser.
    const BLOCK: usize = 1 << 18;
    const AHEAD: usize = 4;

    fn spawn<R: Read + Send + 'static>(mut input: R) -> Inflated {
        let (tx, rx) = std::sync::mpsc::sync_channel(Self::AHEAD);
        let spawned = std::thread::Builder::new()
            .name("gzip-inflate".to_owned())
            .spawn(move || {
                loop {
                    let mut block = vec![0u8; Self::BLOCK];
                    let mut filled = 0;
                    let result = loop {
                        match input.read(&mut block[filled..]) {
                            Ok(0) => break Ok(()),
                            Ok(n) => {
                                filled += n;
                                if filled == block.len() {
                                    break Ok(());
                                }
                            }
                            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                            Err(e) => break Err(e),
                        }
                    };
                    block.truncate(filled);
                    let done = filled == 0 || result.is_err() || filled < Self::BLOCK;
                    if filled > 0 && tx.send(Ok(block)).is_err() {
                        return;
                    }
                    if let Err(e) = result {
                        let _ = tx.send(Err(e));
                        return;
                    }
                    if done {
                        return;
                    }
                }
            });
        let (tx_err, rx_err) = std::sync::mpsc::sync_channel(1);
        let blocks = match spawned {
            Ok(_) => rx,
            // No thread to be had: say so as a read error, where the file's errors go.
            Err(e) => {
                let _ = tx_err.send(Err(e));
                rx_err
            }
        };
        Inflated {
            blocks,
            current: Vec::new(),
            at: 0,
        }
    }
}

impl Read for Inflated {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.current.len() {
            match self.blocks.recv() {
                Ok(Ok(block)) => {
                    self.current = block;
                    self.at = 0;
                }
                Ok(Err(e)) => return Err(e),
                // The stream has ended.
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len() - self.at);
        buf[..n].copy_from_slice(&self.current[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
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

fn read_csv(
    name: &str,
    input: impl Read,
    wanted: &Wanted<'_>,
    visit: &mut Visit<'_>,
) -> Result<u64, FocusError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(false)
        .buffer_capacity(1 << 16)
        .from_reader(input);
    let csv_error = |e: csv::Error| -> FocusError {
        let at = e
            .position()
            .map_or(name.to_owned(), |p| format!("{name}:{}", p.line()));
        match e.kind() {
            csv::ErrorKind::Io(io) => FocusError::new(
                Code::FocusFile,
                name,
                format!("the file cannot be read to its end: {io}"),
            )
            .with_help("a truncated or damaged download: export the file again"),
            csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            } => FocusError::new(
                Code::FocusValue,
                at,
                format!("the row has {len} fields where the header has {expected_len}"),
            ),
            _ => FocusError::new(Code::FocusValue, at, format!("the row cannot be read: {e}")),
        }
    };
    let mut record = csv::ByteRecord::new();
    if !reader.read_byte_record(&mut record).map_err(csv_error)? {
        return Err(FocusError::new(
            Code::FocusFile,
            name,
            "the file is empty: a FOCUS file has at least a header row",
        ));
    }
    let mut header: Vec<String> = record
        .iter()
        .map(|f| String::from_utf8_lossy(f).trim().to_owned())
        .collect();
    if let Some(first) = header.first_mut()
        && let Some(rest) = first.strip_prefix('\u{feff}')
    {
        *first = rest.to_owned();
    }
    if header.len() == 1 {
        for sep in [';', '\t', '|'] {
            if header[0].contains(sep) {
                return Err(FocusError::new(
                    Code::FocusFile,
                    format!("{name}:1"),
                    format!(
                        "the header is one column holding `{}`: FOCUS CSV is separated by commas",
                        sep.escape_default()
                    ),
                )
                .with_help("export the file again as comma-separated values"));
            }
        }
    }
    let layout = layout(name, &header, wanted)?;
    let mut rows = 0u64;
    while reader.read_byte_record(&mut record).map_err(csv_error)? {
        rows += 1;
        let line = record.position().map_or(rows + 1, |p| p.line());
        let at = || format!("{name}:{line}");
        let field = |i: usize, column: &str| -> Result<&str, FocusError> {
            let bytes = record.get(i).unwrap_or_default();
            std::str::from_utf8(bytes).map(str::trim).map_err(|_| {
                FocusError::new(
                    Code::FocusValue,
                    format!("{name}:{line}"),
                    format!("`{column}` is not UTF-8 text"),
                )
            })
        };
        let start = field(layout.start, "ChargePeriodStart")?;
        let end = field(layout.end, "ChargePeriodEnd")?;
        let cost = field(layout.cost, wanted.cost.column())?;
        let currency = field(layout.currency, "BillingCurrency")?;
        let row = parse_row(&at, start, end, cost, currency, wanted.cost)?;
        let mut values: Vec<Option<&str>> = Vec::with_capacity(layout.wanted.len());
        for idx in &layout.wanted {
            let v = match idx {
                Some(i) => Some(field(*i, "a matched column")?).filter(|s| !s.is_empty()),
                None => None,
            };
            values.push(v);
        }
        visit(&CostRow {
            at: &at,
            start: row.0,
            end: row.1,
            cost: row.2,
            values: &values,
        })?;
    }
    Ok(rows)
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
