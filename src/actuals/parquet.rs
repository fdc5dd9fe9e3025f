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

use std::fmt::Write as _;
use std::fs::File;
use std::path::Path;
use std::sync::mpsc::{self, Receiver, SyncSender};

use parquet::basic::{Compression, ConvertedType, LogicalType, TimeUnit};
use parquet::column::reader::{ColumnReader, ColumnReaderImpl};
use parquet::data_type::{ByteArray, DataType, FixedLenByteArray, Int96};
use parquet::errors::ParquetError;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::schema::types::ColumnDescriptor;

use rust_decimal::Decimal;

use super::focus::{self, CostColumn, CostRow, FocusError, Visit, Wanted};
use crate::diagnostic::Code;

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

/// How a column's values are turned into text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// As the physical type reads: digits, `true`, text.
    Plain,
    /// An unsigned integer.
    Unsigned,
    /// An exact decimal with this scale (digits after the point).
    Decimal(i32),
    /// Days since 1970-01-01.
    Date,
    /// Since 1970-01-01 UTC, in units of 1 / this many seconds.
    Timestamp(i64),
}

impl Kind {
    fn of(column: &ColumnDescriptor) -> Kind {
        match column.logical_type_ref() {
            Some(LogicalType::Decimal(d)) => Kind::Decimal(d.scale),
            Some(LogicalType::Date) => Kind::Date,
            Some(LogicalType::Timestamp(t)) => Kind::Timestamp(match t.unit {
                TimeUnit::MILLIS => 1_000,
                TimeUnit::MICROS => 1_000_000,
                TimeUnit::NANOS => 1_000_000_000,
            }),
            Some(LogicalType::Integer(i)) if !i.is_signed => Kind::Unsigned,
            Some(_) => Kind::Plain,
            None => match column.converted_type() {
                ConvertedType::DECIMAL => Kind::Decimal(column.type_scale()),
                ConvertedType::DATE => Kind::Date,
                ConvertedType::TIMESTAMP_MILLIS => Kind::Timestamp(1_000),
                ConvertedType::TIMESTAMP_MICROS => Kind::Timestamp(1_000_000),
                ConvertedType::UINT_8
                | ConvertedType::UINT_16
                | ConvertedType::UINT_32
                | ConvertedType::UINT_64 => Kind::Unsigned,
                _ => Kind::Plain,
            },
        }
    }
}

/// One value of a batch, as text in the column's buffer.
#[derive(Clone, Copy)]
enum Cell {
    Null,
    Text(usize, usize),
    /// Bytes in a string column that are not UTF-8.
    NotText,
}

/// A column being read: its decoder and the text of its current batch.
struct Column {
    reader: Typed,
    kind: Kind,
    max_def: i16,
    defs: Vec<i16>,
    out: Texts,
}

/// The values of one column in a batch, as text.
#[derive(Default)]
struct Texts {
    text: String,
    cells: Vec<Cell>,
}

impl Texts {
    /// The text of row `j`, trimmed: `None` inside when null; `None` outside when the bytes
    /// are not UTF-8.
    fn get(&self, j: usize) -> Option<Option<&str>> {
        match self.cells.get(j).copied().unwrap_or(Cell::Null) {
            Cell::Null => Some(None),
            Cell::Text(a, b) => Some(Some(self.text.get(a..b).unwrap_or_default())),
            Cell::NotText => None,
        }
    }
}

/// A column decoder of one physical type, with its buffer of decoded values.
enum Typed {
    Bool(ColumnReaderImpl<parquet::data_type::BoolType>, Vec<bool>),
    Int32(ColumnReaderImpl<parquet::data_type::Int32Type>, Vec<i32>),
    Int64(ColumnReaderImpl<parquet::data_type::Int64Type>, Vec<i64>),
    Int96(ColumnReaderImpl<parquet::data_type::Int96Type>, Vec<Int96>),
    Float(ColumnReaderImpl<parquet::data_type::FloatType>, Vec<f32>),
    Double(ColumnReaderImpl<parquet::data_type::DoubleType>, Vec<f64>),
    Bytes(
        ColumnReaderImpl<parquet::data_type::ByteArrayType>,
        Vec<ByteArray>,
    ),
    Fixed(
        ColumnReaderImpl<parquet::data_type::FixedLenByteArrayType>,
        Vec<FixedLenByteArray>,
    ),
}

impl Column {
    fn new(descr: &ColumnDescriptor, reader: ColumnReader) -> Column {
        let reader = match reader {
            ColumnReader::BoolColumnReader(r) => Typed::Bool(r, Vec::new()),
            ColumnReader::Int32ColumnReader(r) => Typed::Int32(r, Vec::new()),
            ColumnReader::Int64ColumnReader(r) => Typed::Int64(r, Vec::new()),
            ColumnReader::Int96ColumnReader(r) => Typed::Int96(r, Vec::new()),
            ColumnReader::FloatColumnReader(r) => Typed::Float(r, Vec::new()),
            ColumnReader::DoubleColumnReader(r) => Typed::Double(r, Vec::new()),
            ColumnReader::ByteArrayColumnReader(r) => Typed::Bytes(r, Vec::new()),
            ColumnReader::FixedLenByteArrayColumnReader(r) => Typed::Fixed(r, Vec::new()),
        };
        Column {
            reader,
            kind: Kind::of(descr),
            max_def: descr.max_def_level(),
            defs: Vec::with_capacity(BATCH),
            out: Texts::default(),
        }
    }

    /// Decodes up to `max` rows into text. Returns the number of rows.
    fn fill(&mut self, max: usize) -> Result<usize, ParquetError> {
        self.out.text.clear();
        self.out.cells.clear();
        let kind = self.kind;
        let mut out = Out {
            max_def: self.max_def,
            defs: &mut self.defs,
            text: &mut self.out.text,
            cells: &mut self.out.cells,
        };
        match &mut self.reader {
            Typed::Bool(r, v) => out.fill(
                r,
                v,
                max,
                |a, b| a == b,
                |t, x| {
                    t.push_str(if *x { "true" } else { "false" });
                    true
                },
            ),
            Typed::Int32(r, v) => out.fill(
                r,
                v,
                max,
                |a, b| a == b,
                |t, &x| {
                    match kind {
                        Kind::Decimal(scale) => push_decimal(t, i128::from(x), scale),
                        Kind::Date => push_time(t, i64::from(x) * 86_400, false),
                        // Unsigned integers of 32 bits are stored in their bits.
                        Kind::Unsigned => push_int(t, u64::from(x.cast_unsigned())),
                        _ => push_int(t, x),
                    }
                    true
                },
            ),
            Typed::Int64(r, v) => out.fill(
                r,
                v,
                max,
                |a, b| a == b,
                |t, &x| {
                    match kind {
                        Kind::Decimal(scale) => push_decimal(t, i128::from(x), scale),
                        Kind::Timestamp(per_second) => {
                            push_time(t, x.div_euclid(per_second), true);
                        }
                        Kind::Date => push_time(t, x.saturating_mul(86_400), false),
                        Kind::Unsigned => push_int(t, x.cast_unsigned()),
                        Kind::Plain => push_int(t, x),
                    }
                    true
                },
            ),
            Typed::Int96(r, v) => out.fill(
                r,
                v,
                max,
                |a, b| a == b,
                |t, x| {
                    // Nanoseconds of the day in the first 8 bytes, the Julian day in the last 4.
                    let d = x.data();
                    let (nanos, day) = (
                        (i64::from(d[1]) << 32) | i64::from(d[0]),
                        i64::from(d[2].cast_signed()),
                    );
                    let seconds = (day - 2_440_588) * 86_400 + nanos.div_euclid(1_000_000_000);
                    push_time(t, seconds, true);
                    true
                },
            ),
            Typed::Float(r, v) => out.fill(
                r,
                v,
                max,
                |a, b| a.to_bits() == b.to_bits(),
                |t, x| {
                    let _ = write!(t, "{x}");
                    true
                },
            ),
            Typed::Double(r, v) => out.fill(
                r,
                v,
                max,
                |a, b| a.to_bits() == b.to_bits(),
                |t, x| {
                    let _ = write!(t, "{x}");
                    true
                },
            ),
            Typed::Bytes(r, v) => out.fill(
                r,
                v,
                max,
                |a, b| a == b,
                |t, x| match kind {
                    Kind::Decimal(scale) => {
                        push_be_decimal(t, x.data(), scale);
                        true
                    }
                    _ => match std::str::from_utf8(x.data()) {
                        Ok(s) => {
                            t.push_str(s);
                            true
                        }
                        Err(_) => false,
                    },
                },
            ),
            Typed::Fixed(r, v) => out.fill(
                r,
                v,
                max,
                |a, b| a == b,
                |t, x| {
                    match kind {
                        Kind::Decimal(scale) => push_be_decimal(t, x.data(), scale),
                        _ => match std::str::from_utf8(x.data()) {
                            Ok(s) => t.push_str(s),
                            Err(_) => {
                                for b in x.data() {
                                    let _ = write!(t, "{b:02x}");
                                }
                            }
                        },
                    }
                    true
                },
            ),
        }
    }
}

/// The buffers a batch is decoded into.
struct Out<'a> {
    max_def: i16,
    defs: &'a mut Vec<i16>,
    text: &'a mut String,
    cells: &'a mut Vec<Cell>,
}

impl Out<'_> {
    /// Reads up to `max` rows of `reader`, writing each value's text with `render`, which
    /// says whether the value has a text form.
    fn fill<T: DataType>(
        &mut self,
        reader: &mut ColumnReaderImpl<T>,
        values: &mut Vec<T::T>,
        max: usize,
        same: impl Fn(&T::T, &T::T) -> bool,
        mut render: impl FnMut(&mut String, &T::T) -> bool,
    ) -> Result<usize, ParquetError> {
        self.defs.clear();
        values.clear();
        let (rows, _, _) = reader.read_records(max, Some(self.defs), None, values)?;
        let mut next = values.iter();
        // A value equal to the one before shares its text: an hour's rows share their times,
        // a file its currency.
        let mut last: Option<(&T::T, Cell)> = None;
        for j in 0..rows {
            let present = self.max_def == 0 || self.defs.get(j) == Some(&self.max_def);
            let cell = match present.then(|| next.next()).flatten() {
                None => Cell::Null,
                Some(value) => match last {
                    Some((before, cell)) if same(before, value) => cell,
                    _ => {
                        let a = self.text.len();
                        let cell = if render(self.text, value) {
                            let written = &self.text[a..];
                            let trimmed = written.trim_start();
                            let start = a + written.len() - trimmed.len();
                            Cell::Text(start, start + trimmed.trim_end().len())
                        } else {
                            self.text.truncate(a);
                            Cell::NotText
                        };
                        last = Some((value, cell));
                        cell
                    }
                },
            };
            self.cells.push(cell);
        }
        Ok(rows)
    }
}

fn push_int(text: &mut String, n: impl std::fmt::Display) {
    let _ = write!(text, "{n}");
}

/// Writes the decimal of unscaled value `n` and `scale` digits after the point, exactly.
fn push_decimal(text: &mut String, n: i128, scale: i32) {
    if n < 0 {
        text.push('-');
    }
    let abs = n.unsigned_abs();
    match usize::try_from(scale) {
        Ok(0) => push_int(text, abs),
        Ok(scale) => {
            let digits = abs.checked_ilog10().map_or(1, |l| l as usize + 1);
            if digits <= scale {
                text.push_str("0.");
                text.extend(std::iter::repeat_n('0', scale - digits));
                push_int(text, abs);
            } else {
                push_int(text, abs);
                text.insert(text.len() - scale, '.');
            }
        }
        // A negative scale multiplies by a power of ten.
        Err(_) => {
            let _ = write!(text, "{abs}e{}", -i64::from(scale));
        }
    }
}

/// Writes the decimal whose unscaled value is the big-endian two's complement `bytes`.
fn push_be_decimal(text: &mut String, bytes: &[u8], scale: i32) {
    let negative = bytes.first().is_some_and(|b| b & 0x80 != 0);
    let (high, low) = bytes.split_at(bytes.len().saturating_sub(16));
    let fill = if negative { 0xff } else { 0 };
    // Wider than 128 bits is fine while the extra bytes only repeat the sign.
    if high.iter().any(|&b| b != fill) || (!high.is_empty() && (low[0] & 0x80 != 0) != negative) {
        text.push_str("a decimal wider than 128 bits");
        return;
    }
    let mut buf = [fill; 16];
    buf[16 - low.len()..].copy_from_slice(low);
    push_decimal(text, i128::from_be_bytes(buf), scale);
}

/// Writes `seconds` since 1970-01-01 UTC as `YYYY-MM-DDTHH:MM:SSZ`, or as `YYYY-MM-DD` when
/// `clock` is false; a time outside the years 0 to 9999 as the count of seconds, which is not
/// a time `focus::parse_time` reads.
fn push_time(text: &mut String, seconds: i64, clock: bool) {
    let (days, secs) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    // Days to a civil date (Howard Hinnant's algorithm), in the proleptic Gregorian calendar.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    if !(0..=9999).contains(&year) {
        let _ = write!(text, "{seconds} seconds after 1970-01-01");
        return;
    }
    let two = |text: &mut String, n: i64| {
        // `n` is 0 to 99 here, so each digit is a byte 0 to 9.
        text.push(char::from(b'0' + (n / 10) as u8));
        text.push(char::from(b'0' + (n % 10) as u8));
    };
    two(text, year / 100);
    two(text, year % 100);
    text.push('-');
    two(text, month);
    text.push('-');
    two(text, day);
    if clock {
        text.push('T');
        two(text, secs / 3600);
        text.push(':');
        two(text, secs / 60 % 60);
        text.push(':');
        two(text, secs % 60);
        text.push('Z');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn time(seconds: i64, clock: bool) -> String {
        let mut t = String::new();
        push_time(&mut t, seconds, clock);
        t
    }

    fn decimal(n: i128, scale: i32) -> String {
        let mut t = String::new();
        push_decimal(&mut t, n, scale);
        t
    }

    #[test]
    fn times_are_written_as_focus_parse_time_reads_them() {
        for text in [
            "1970-01-01T00:00:00Z",
            "1969-12-31T23:59:59Z",
            "2000-02-29T12:34:56Z",
            "2026-01-01T00:00:00Z",
            "2026-12-31T23:00:00Z",
            "9999-12-31T23:59:59Z",
            "0000-03-01T00:00:00Z",
        ] {
            let seconds = focus::parse_time(text).unwrap();
            assert_eq!(time(seconds, true), text);
        }
        assert_eq!(time(20_454 * 86_400, false), "2026-01-01");
        assert_eq!(focus::parse_time(&time(i64::MAX / 2, true)), None);
        assert_eq!(focus::parse_time(&time(-70_000_000_000, true)), None);
    }

    #[test]
    fn decimals_are_written_exactly() {
        assert_eq!(decimal(0, 0), "0");
        assert_eq!(decimal(12345, 2), "123.45");
        assert_eq!(decimal(-12345, 2), "-123.45");
        assert_eq!(decimal(5, 3), "0.005");
        assert_eq!(decimal(-5, 10), "-0.0000000005");
        assert_eq!(decimal(100, 2), "1.00");
        assert_eq!(decimal(7, -2), "7e2");
        assert_eq!(focus::parse_money(&decimal(7, -2)), Some(700.into()));
        assert_eq!(
            decimal(i128::MAX, 10),
            "17014118346046923173168730371.5884105727"
        );
    }

    #[test]
    fn big_endian_decimals_of_any_width_that_fits() {
        let be = |bytes: &[u8], scale| {
            let mut t = String::new();
            push_be_decimal(&mut t, bytes, scale);
            t
        };
        assert_eq!(be(&[0x30, 0x39], 2), "123.45");
        assert_eq!(be(&[0xcf, 0xc7], 2), "-123.45");
        assert_eq!(be(&[], 0), "0");
        let mut wide = [0u8; 32];
        wide[31] = 1;
        assert_eq!(be(&wide, 0), "1");
        let mut minus = [0xffu8; 32];
        minus[31] = 0xfe;
        assert_eq!(be(&minus, 1), "-0.2");
        wide[0] = 1;
        assert_eq!(focus::parse_money(&be(&wide, 0)), None);
        // The sign of the low 128 bits must agree with the bytes dropped.
        let mut edge = [0u8; 17];
        edge[1] = 0x80;
        assert_eq!(focus::parse_money(&be(&edge, 0)), None);
    }
}
