//! Reading FOCUS cost files in Parquet, as the clouds export them, a batch of rows at a time.
//!
//! The file's top-level column names are its header: the same columns are found, by the same
//! rules, as in a CSV file (`focus::layout`), and each row is checked by `focus::parse_row`
//! like a CSV row, so a Parquet file and the CSV of the same rows give the same rows, the same
//! totals and the same kinds of error. Only the columns a run needs are decoded, a few thousand
//! rows at a time, in lockstep: memory holds one page of each of those columns and a few
//! batches, never a row group or the file. A second thread decodes and checks rows while the
//! caller's thread visits the rows before, in file order, so the rows, the errors and which
//! row an error names are those of a single thread.
//!
//! Each value is turned into the text a CSV export would hold, and read from that text:
//!
//! - Timestamps (`TIMESTAMP` in milliseconds, microseconds or nanoseconds on `INT64`, and the
//!   legacy `INT96`) are seconds since 1970-01-01 UTC, any fraction of a second dropped as
//!   `focus::parse_time` drops it; a timestamp without a time zone is taken as UTC. `DATE` is
//!   midnight UTC of that day. Times held as strings are read by `focus::parse_time`.
//! - `DECIMAL` (on `INT32`, `INT64`, `FIXED_LEN_BYTE_ARRAY` or `BYTE_ARRAY`) is exact: its
//!   unscaled integer and scale are written out as digits and read as a `Decimal`, like the
//!   same figure in a CSV file. A decimal wider than 128 bits is not a number capplan reads.
//! - `DOUBLE` and `FLOAT` are binary fractions, not the decimal the provider billed: they are
//!   read through their shortest decimal representation (the fewest digits that convert back
//!   to the same float, as Rust's `{}` prints it), so `0.1` stays `0.1` and not
//!   `0.1000000000000000055511151231257827`. Two floats that differ in their last bit give
//!   two decimals; sums over them are exact sums of those decimals. NaN and infinity are not
//!   numbers.
//! - Money held as a string is read by `focus::parse_money`.
//! - `BillingCurrency` and the matched columns are text (`BYTE_ARRAY`, UTF-8); a matched
//!   column of another type is compared as its text form: integers in decimal digits,
//!   booleans as `true` or `false`, times as `YYYY-MM-DDTHH:MM:SSZ`, other fixed-length bytes
//!   as UTF-8 when they are, or lowercase hex.
//! - A null is an empty value, as an empty CSV field is.
//!
//! Snappy, gzip and uncompressed column chunks are read; another codec is named in a
//! `focus-file` error. A file that is not Parquet, is truncated or is damaged is a
//! `focus-file` error naming the file. Nested columns (structs, lists, maps) cannot hold a
//! required or matched value and are a `focus-column` error when one is needed.
//!
//! This module reads the file, a row group and a batch at a time, on two threads; `column`
//! decodes one column's values into text, and `text` writes numbers and times as that text.

mod column;
mod text;

use std::fs::File;
use std::path::Path;
use std::sync::mpsc::{self, Receiver, SyncSender};

use parquet::basic::Compression;
use parquet::errors::ParquetError;
use parquet::file::reader::{FileReader, SerializedFileReader};

use rust_decimal::Decimal;

use super::focus::{self, CostColumn, CostRow, FocusError, Visit, Wanted};
use crate::diagnostic::Code;
use column::{Column, Texts};

/// Rows decoded at a time from each column.
const BATCH: usize = 4096;

/// Reads one Parquet cost file, handing each row to `visit`. Returns the number of rows.
pub fn read(path: &Path, wanted: &Wanted<'_>, visit: &mut Visit<'_>) -> Result<u64, FocusError> {
    let name = path.display().to_string();
    let file = File::open(path).map_err(|e| {
        FocusError::new(Code::FocusFile, &name, format!("cannot read the file: {e}"))
    })?;
    if file.metadata().map(|m| m.len() == 0).unwrap_or(false) {
        return Err(FocusError::new(
            Code::FocusFile,
            &name,
            "the file is empty: a Parquet file has at least a schema and a footer",
        ));
    }
    let size = file.metadata().map_or(u64::MAX, |m| m.len());
    let reader = guarded(|| SerializedFileReader::new(file)).map_err(|e| {
        FocusError::new(
            Code::FocusFile,
            &name,
            format!("the file is not Parquet, or is truncated or damaged: {e}"),
        )
        .with_help("a truncated or damaged download: export the file again")
    })?;
    let schema = reader.metadata().file_metadata().schema_descr_ptr();
    let fields = schema.root_schema().get_fields();
    let header: Vec<String> = fields.iter().map(|f| f.name().trim().to_owned()).collect();
    let layout = focus::layout(&name, &header, wanted)?;

    // The leaf column of each top-level column that is a plain value.
    let mut leaf_of = vec![None; fields.len()];
    for (leaf, column) in schema.columns().iter().enumerate() {
        let root = schema.get_column_root_idx(leaf);
        if fields[root].is_primitive() && column.max_rep_level() == 0 {
            leaf_of[root] = Some(leaf);
        }
    }
    // The columns to decode, each once, and which of them holds each field of a row.
    let mut leaves: Vec<usize> = Vec::new();
    let mut slot = |root: usize, what: &str| -> Result<usize, FocusError> {
        let leaf = leaf_of[root].ok_or_else(|| {
            FocusError::new(
                Code::FocusColumn,
                format!("{name}, column {}", header[root]),
                format!(
                    "{what} `{}` is a nested column (a struct, list or map), not a value",
                    header[root]
                ),
            )
        })?;
        Ok(match leaves.iter().position(|&l| l == leaf) {
            Some(i) => i,
            None => {
                leaves.push(leaf);
                leaves.len() - 1
            }
        })
    };
    let start = slot(layout.start, "the column")?;
    let end = slot(layout.end, "the column")?;
    let cost = slot(layout.cost, "the column")?;
    let currency = slot(layout.currency, "the column")?;
    let matched = layout
        .wanted
        .iter()
        .map(|w| w.map(|root| slot(root, "the matched column")).transpose())
        .collect::<Result<Vec<_>, _>>()?;
    let names: Vec<&str> = leaves
        .iter()
        .map(|&l| header[schema.get_column_root_idx(l)].as_str())
        .collect();

    // One thread decodes and checks while the other visits, a batch at a time: two batches
    // wait at most, and spent batches go back to the decoder to be filled again.
    let plan = Plan {
        name: &name,
        leaves: &leaves,
        names: &names,
        size,
        required: [start, end, cost, currency],
        cost: wanted.cost,
    };
    std::thread::scope(|scope| {
        let (send, batches) = mpsc::sync_channel::<Result<Batch, FocusError>>(2);
        let (give_back, spent) = mpsc::channel::<Batch>();
        let plan = &plan;
        std::thread::Builder::new()
            .name("parquet-decode".into())
            .spawn_scoped(scope, move || {
                if let Err(e) = decode(&reader, plan, &send, &spent) {
                    let _ = send.send(Err(e));
                }
            })
            .map_err(|e| {
                FocusError::new(
                    Code::FocusFile,
                    &name,
                    format!("cannot start a thread to read the file: {e}"),
                )
            })?;
        let mut rows = 0u64;
        for batch in batches {
            let mut batch = batch?;
            let mut values: Vec<Option<&str>> = Vec::with_capacity(matched.len());
            for (j, &(start, end, cost)) in batch.checked.iter().enumerate() {
                rows += 1;
                let row = rows;
                let at = || format!("{name}, row {row}");
                values.clear();
                for m in &matched {
                    values.push(match m {
                        Some(c) => Some(batch.columns[*c].get(j).ok_or_else(|| {
                            FocusError::new(
                                Code::FocusValue,
                                at(),
                                format!("`{}` is not UTF-8 text", names[*c]),
                            )
                        })?)
                        .flatten()
                        .filter(|v| !v.is_empty()),
                        None => None,
                    });
                }
                visit(&CostRow {
                    at: &at,
                    start,
                    end,
                    cost,
                    values: &values,
                })?;
            }
            drop(values);
            if let Some(e) = batch.error.take() {
                return Err(e);
            }
            let _ = give_back.send(batch);
        }
        Ok(rows)
    })
}

/// What the decoding thread needs to know.
struct Plan<'a> {
    name: &'a str,
    /// The leaf columns to decode.
    leaves: &'a [usize],
    /// Their names, for messages.
    names: &'a [&'a str],
    /// The file's length in bytes.
    size: u64,
    /// Which of the decoded columns are `ChargePeriodStart`, `ChargePeriodEnd`, the cost and
    /// `BillingCurrency`.
    required: [usize; 4],
    cost: CostColumn,
}

/// Checks row `j` of a batch (row `row` of the file) with `focus::parse_row`, as the CSV
/// reader checks a row: `(start, end, cost)`.
fn check(
    columns: &[Texts],
    j: usize,
    row: u64,
    plan: &Plan<'_>,
) -> Result<(i64, i64, Decimal), FocusError> {
    let name = plan.name;
    let at = || format!("{name}, row {row}");
    let field = |c: usize, column: &str| -> Result<&str, FocusError> {
        columns[c]
            .get(j)
            .map(Option::unwrap_or_default)
            .ok_or_else(|| {
                FocusError::new(
                    Code::FocusValue,
                    at(),
                    format!("`{column}` is not UTF-8 text"),
                )
            })
    };
    let [start, end, cost, currency] = plan.required;
    focus::parse_row(
        &at,
        field(start, "ChargePeriodStart")?,
        field(end, "ChargePeriodEnd")?,
        field(cost, plan.cost.column())?,
        field(currency, "BillingCurrency")?,
        plan.cost,
    )
}

/// The error of a file that cannot be read to its end.
fn damaged(name: &str, e: ParquetError) -> FocusError {
    FocusError::new(
        Code::FocusFile,
        name,
        format!("the file cannot be read to its end: {e}"),
    )
    .with_help("a truncated or damaged download: export the file again")
}

/// Rows of the columns read, as text, and the checked fields of each row up to the first
/// that fails its check, if one does.
struct Batch {
    columns: Vec<Texts>,
    checked: Vec<(i64, i64, Decimal)>,
    error: Option<FocusError>,
}

/// Decodes the file's row groups a batch at a time, in order, and sends each batch on; stops
/// early when the reading side has stopped.
fn decode(
    reader: &SerializedFileReader<File>,
    plan: &Plan<'_>,
    send: &SyncSender<Result<Batch, FocusError>>,
    spent: &Receiver<Batch>,
) -> Result<(), FocusError> {
    let Plan {
        name,
        leaves,
        names,
        size,
        ..
    } = *plan;
    let schema = reader.metadata().file_metadata().schema_descr_ptr();
    let mut rows = 0u64;
    let mut columns: Vec<Column> = Vec::with_capacity(leaves.len());
    for g in 0..reader.num_row_groups() {
        let group = guarded(|| reader.get_row_group(g)).map_err(|e| damaged(name, e))?;
        let meta = group.metadata();
        columns.clear();
        for (&leaf, column_name) in leaves.iter().zip(names) {
            let chunk = meta.column(leaf);
            // The parquet crate asserts on a negative offset or length: check them first.
            let (offset, length) = (
                chunk
                    .dictionary_page_offset()
                    .unwrap_or(chunk.data_page_offset()),
                chunk.compressed_size(),
            );
            let inside = u64::try_from(offset)
                .ok()
                .zip(u64::try_from(length).ok())
                .and_then(|(o, l)| o.checked_add(l))
                .is_some_and(|last| last <= size);
            if !inside || meta.num_rows() < 0 {
                return Err(damaged(
                    name,
                    ParquetError::General(format!(
                        "row group {} places column `{column_name}` outside the file",
                        g + 1
                    )),
                ));
            }
            let codec = match chunk.compression() {
                Compression::UNCOMPRESSED | Compression::SNAPPY | Compression::GZIP(_) => None,
                Compression::ZSTD(_) => Some("Zstandard (ZSTD)"),
                Compression::BROTLI(_) => Some("Brotli"),
                Compression::LZ4 | Compression::LZ4_RAW => Some("LZ4"),
                Compression::LZO => Some("LZO"),
            };
            if let Some(codec) = codec {
                return Err(FocusError::new(
                    Code::FocusFile,
                    format!("{name}, column {column_name}"),
                    format!("the column is compressed with {codec}: capplan reads Snappy and gzip"),
                )
                .with_help("export the file again with Snappy or gzip compression, or as CSV"));
            }
            let reader = guarded(|| group.get_column_reader(leaf)).map_err(|e| damaged(name, e))?;
            columns.push(Column::new(schema.column(leaf).as_ref(), reader));
        }
        let declared = u64::try_from(meta.num_rows()).unwrap_or(0);
        let mut read = 0u64;
        loop {
            let mut n = None;
            for column in &mut columns {
                let got = guarded(|| column.fill(BATCH)).map_err(|e| damaged(name, e))?;
                if n.is_some_and(|n| n != got) {
                    return Err(damaged(
                        name,
                        ParquetError::General(format!(
                            "the columns of row group {} hold different numbers of rows",
                            g + 1
                        )),
                    ));
                }
                n = Some(got);
            }
            let n = n.unwrap_or(0);
            if n == 0 {
                break;
            }
            read += n as u64;
            let mut batch = spent.try_recv().unwrap_or_else(|_| Batch {
                columns: Vec::new(),
                checked: Vec::with_capacity(BATCH),
                error: None,
            });
            batch.columns.resize_with(columns.len(), Texts::default);
            for (column, texts) in columns.iter_mut().zip(&mut batch.columns) {
                std::mem::swap(&mut column.out, texts);
            }
            batch.checked.clear();
            for j in 0..n {
                rows += 1;
                match check(&batch.columns, j, rows, plan) {
                    Ok(fields) => batch.checked.push(fields),
                    Err(e) => {
                        batch.error = Some(e);
                        break;
                    }
                }
            }
            let stop = batch.error.is_some();
            if send.send(Ok(batch)).is_err() || stop {
                return Ok(());
            }
        }
        if read != declared {
            return Err(damaged(
                name,
                ParquetError::General(format!(
                    "row group {} declares {declared} rows but holds {read}",
                    g + 1
                )),
            ));
        }
    }
    Ok(())
}

/// Runs a call into the parquet crate, turning a panic into an error. The crate asserts on
/// some damaged pages instead of returning an error (a dictionary-encoded page without its
/// dictionary, levels shorter than their length prefix); a damaged file is bad input, and
/// bad input is an error. Only the crate's calls are guarded, never the visitor.
///
/// While a guarded call runs, its thread's panics print nothing: the error that comes of one is
/// reported as a located diagnostic, and a panic message on stderr would say otherwise. Panics
/// of every other thread, and of this one outside the call, print as always.
fn guarded<T>(call: impl FnOnce() -> Result<T, ParquetError>) -> Result<T, ParquetError> {
    thread_local! {
        static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(std::cell::Cell::get) {
                default(info);
            }
        }));
    });
    QUIET.with(|q| q.set(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(call));
    QUIET.with(|q| q.set(false));
    result.unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(ParquetError::General(format!(
            "the Parquet decoder stopped: {what}"
        )))
    })
}
