//! One column of a batch: its decoder, of the column's physical type, and the text of each
//! of its values, as a CSV export would hold it.

use std::fmt::Write as _;

use parquet::basic::{ConvertedType, LogicalType, TimeUnit};
use parquet::column::reader::{ColumnReader, ColumnReaderImpl};
use parquet::data_type::{ByteArray, DataType, FixedLenByteArray, Int96};
use parquet::errors::ParquetError;
use parquet::schema::types::ColumnDescriptor;

use super::BATCH;
use super::text::{push_be_decimal, push_decimal, push_int, push_time};

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
pub(super) struct Column {
    reader: Typed,
    kind: Kind,
    max_def: i16,
    defs: Vec<i16>,
    pub(super) out: Texts,
}

/// The values of one column in a batch, as text.
#[derive(Default)]
pub(super) struct Texts {
    text: String,
    cells: Vec<Cell>,
}

impl Texts {
    /// The text of row `j`, trimmed: `None` inside when null; `None` outside when the bytes
    /// are not UTF-8.
    pub(super) fn get(&self, j: usize) -> Option<Option<&str>> {
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
    pub(super) fn new(descr: &ColumnDescriptor, reader: ColumnReader) -> Column {
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
    pub(super) fn fill(&mut self, max: usize) -> Result<usize, ParquetError> {
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
            Typed::Float(r, v) => out.fill_float(r, v, max, f32::to_bits),
            Typed::Double(r, v) => out.fill_float(r, v, max, f64::to_bits),
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

    /// [`Out::fill`] for `FLOAT` and `DOUBLE`: each value is written in its shortest decimal
    /// form, as `{}` prints it, and shares the text of the value before where their `bits` are
    /// the same.
    fn fill_float<T: DataType, Bits: PartialEq>(
        &mut self,
        reader: &mut ColumnReaderImpl<T>,
        values: &mut Vec<T::T>,
        max: usize,
        bits: impl Fn(T::T) -> Bits,
    ) -> Result<usize, ParquetError>
    where
        T::T: Copy + std::fmt::Display,
    {
        self.fill(
            reader,
            values,
            max,
            |a, b| bits(*a) == bits(*b),
            |t, x| {
                let _ = write!(t, "{x}");
                true
            },
        )
    }
}
