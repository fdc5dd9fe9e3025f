//! FOCUS cost files as CSV or gzipped CSV (docs/actuals.md), parsed by several threads at once.
//!
//! One thread reads the file, inflating it if it is gzipped, and cuts the text into pieces of
//! whole records. It follows the quotes exactly as the CSV reader does (a quote opens a quoted
//! field only at the start of a field, two quotes inside one stand for one, and anywhere else a
//! quote is an ordinary character), so a line end inside a quoted field is never a cut. The
//! header is the first piece; parsers take the others as they come, each piece with the number
//! of its first line, so a row is located exactly as a reader of the whole file locates it.
//! Memory holds a few pieces, never the file. A row's error stops the read; where several
//! pieces have one, the first in the file is the one reported.

use std::io::Read;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};

use super::csv_scan::{Scanner, holds_record};
use super::focus::{CostRow, FocusError, Layout, Sink, Visit, Wanted, layout, parse_row};
use crate::diagnostic::Code;

/// Pieces hold about this many bytes.
const PIECE: usize = 1 << 19;

/// Whole records of the file: `buf[..len]`, whose first line is line `line` of the file.
struct Piece {
    index: usize,
    line: u64,
    buf: Vec<u8>,
    len: usize,
}

/// What the reading thread sends: a piece, or the error that stopped the reading after the
/// pieces before `index`.
enum Cut {
    Piece(Piece),
    Failed(usize, std::io::Error),
}

/// Reads `input` to its end and sends it as pieces of about `size` bytes: the header first,
/// then whole records. A UTF-8 byte order mark at the start is dropped. Buffers come back on
/// `spare` to be used again.
fn split(mut input: impl Read, size: usize, out: SyncSender<Cut>, spare: Receiver<Vec<u8>>) {
    let capacity = size + size / 8;
    let mut buf = vec![0u8; capacity];
    let mut filled = 0;
    let mut scanner = Scanner::new();
    let (mut index, mut line) = (0usize, 1u64);
    let mut started = false;
    loop {
        if filled == buf.len() {
            buf.resize(buf.len() * 2, 0);
        }
        let n = match input.read(&mut buf[filled..]) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                let _ = out.send(Cut::Failed(index, e));
                return;
            }
        };
        filled += n;
        if !started {
            // The byte order mark is decided on the first three bytes.
            if n > 0 && filled < 3 && buf[..filled] == b"\xef\xbb\xbf"[..filled] {
                continue;
            }
            started = true;
            if buf[..filled].starts_with(b"\xef\xbb\xbf") {
                buf.copy_within(3..filled, 0);
                filled -= 3;
            }
        }
        let end = n == 0;
        loop {
            scanner.scan(&buf[..filled], index == 0);
            let cut = if index == 0 {
                if scanner.last > 0 && holds_record(&buf[..scanner.last]) {
                    scanner.last
                } else if end {
                    filled
                } else {
                    break;
                }
            } else if end {
                filled
            } else if filled >= size && scanner.last > 0 {
                scanner.last
            } else {
                break;
            };
            if cut == 0 {
                return;
            }
            let mut next = spare.try_recv().unwrap_or_else(|_| vec![0u8; capacity]);
            let rest = filled - cut;
            if next.len() < rest.max(capacity) {
                next.resize(rest.max(capacity), 0);
            }
            next[..rest].copy_from_slice(&buf[cut..filled]);
            let piece = std::mem::replace(&mut buf, next);
            // The whole rest, at the end, is the last piece: its line ends are all counted.
            let lines = if cut == scanner.last {
                scanner.lines_at_last
            } else {
                scanner.lines
            };
            scanner.shift(cut, lines);
            filled = rest;
            let sent = out.send(Cut::Piece(Piece {
                index,
                line,
                buf: piece,
                len: cut,
            }));
            if sent.is_err() {
                return;
            }
            index += 1;
            line += lines;
            if end && filled == 0 {
                return;
            }
        }
    }
}

/// Parses one piece's records, handing each to `visit`. Returns the number of rows.
fn parse_piece(
    name: &str,
    piece: &Piece,
    shape: &Shape<'_>,
    visit: &mut dyn FnMut(&CostRow<'_>) -> Result<(), FocusError>,
) -> Result<u64, FocusError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(&piece.buf[..piece.len]);
    let mut record = csv::ByteRecord::new();
    let mut rows = 0u64;
    loop {
        let more = reader
            .read_byte_record(&mut record)
            .map_err(|e| csv_error(name, &piece.buf[..piece.len], piece.line, e))?;
        if !more {
            return Ok(rows);
        }
        rows += 1;
        let line = piece.line - 1
            + record
                .position()
                .map_or(rows, |p| line_of(&piece.buf[..piece.len], p));
        if record.len() != shape.fields {
            return Err(FocusError::new(
                Code::FocusValue,
                format!("{name}:{line}"),
                format!(
                    "the row has {} fields where the header has {}",
                    record.len(),
                    shape.fields
                ),
            ));
        }
        let at = || format!("{name}:{line}");
        let not_utf8 = |column: &str| {
            FocusError::new(
                Code::FocusValue,
                format!("{name}:{line}"),
                format!("`{column}` is not UTF-8 text"),
            )
        };
        // The whole row is checked as UTF-8 at once; where it is not, each field read is.
        let result = match csv::StringRecord::from_byte_record(std::mem::take(&mut record)) {
            Ok(text) => {
                let result = hand_on(shape, &at, visit, |i, _| {
                    Ok(trim(text.get(i).unwrap_or_default()))
                });
                record = text.into_byte_record();
                result
            }
            Err(e) => {
                record = e.into_byte_record();
                hand_on(shape, &at, visit, |i, column| {
                    std::str::from_utf8(record.get(i).unwrap_or_default())
                        .map(trim)
                        .map_err(|_| not_utf8(column))
                })
            }
        };
        result?;
    }
}

/// `text` without the white space around it.
fn trim(text: &str) -> &str {
    let t = text.trim_ascii();
    let outer = |b: Option<&u8>| b.is_some_and(|b| !b.is_ascii());
    if outer(t.as_bytes().first()) || outer(t.as_bytes().last()) {
        t.trim()
    } else {
        t
    }
}

/// Converts a row's fields, got by index and column name from `field`, and hands the row to
/// `visit`.
fn hand_on<'r>(
    shape: &Shape<'_>,
    at: &dyn Fn() -> String,
    visit: &mut dyn FnMut(&CostRow<'_>) -> Result<(), FocusError>,
    field: impl Fn(usize, &str) -> Result<&'r str, FocusError>,
) -> Result<(), FocusError> {
    let layout = &shape.layout;
    let cost_column = shape.wanted.cost;
    let (start, end, cost) = parse_row(
        at,
        field(layout.start, "ChargePeriodStart")?,
        field(layout.end, "ChargePeriodEnd")?,
        field(layout.cost, cost_column.column())?,
        field(layout.currency, "BillingCurrency")?,
        cost_column,
    )?;
    let mut values: Vec<Option<&str>> = Vec::with_capacity(layout.wanted.len());
    for idx in &layout.wanted {
        values.push(match idx {
            Some(i) => Some(field(*i, "a matched column")?).filter(|s| !s.is_empty()),
            None => None,
        });
    }
    visit(&CostRow {
        at,
        start,
        end,
        cost,
        values: &values,
    })
}

/// The line a record starts on, counted from 1 at the start of `text`. The CSV reader counts a
/// record's line before the line ends it skips at the start of a record (the `\n` of a `\r\n`
/// and empty lines): they are counted here.
fn line_of(text: &[u8], position: &csv::Position) -> u64 {
    let from = usize::try_from(position.byte()).unwrap_or(usize::MAX);
    let skipped = text
        .get(from..)
        .unwrap_or_default()
        .iter()
        .take_while(|b| matches!(b, b'\r' | b'\n'))
        .filter(|b| **b == b'\n')
        .count() as u64;
    position.line() + skipped
}

fn csv_error(name: &str, text: &[u8], first_line: u64, e: csv::Error) -> FocusError {
    let at = e.position().map_or(name.to_owned(), |p| {
        format!("{name}:{}", first_line - 1 + line_of(text, p))
    });
    match e.kind() {
        csv::ErrorKind::Io(io) => FocusError::new(
            Code::FocusFile,
            name,
            format!("the file cannot be read to its end: {io}"),
        )
        .with_help("a truncated or damaged download: export the file again"),
        _ => FocusError::new(Code::FocusValue, at, format!("the row cannot be read: {e}")),
    }
}

/// What the header says about the rows.
struct Shape<'w> {
    fields: usize,
    layout: Layout,
    wanted: &'w Wanted<'w>,
}

/// Reads the header piece: the columns, or why the file is not a FOCUS CSV file.
fn header<'w>(
    name: &str,
    cut: Option<Cut>,
    wanted: &'w Wanted<'w>,
) -> Result<Shape<'w>, FocusError> {
    let empty = || {
        FocusError::new(
            Code::FocusFile,
            name,
            "the file is empty: a FOCUS file has at least a header row",
        )
    };
    let piece = match cut {
        Some(Cut::Piece(p)) => p,
        Some(Cut::Failed(_, e)) => return Err(read_error(name, &e)),
        None => return Err(empty()),
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(&piece.buf[..piece.len]);
    let mut record = csv::ByteRecord::new();
    if !reader
        .read_byte_record(&mut record)
        .map_err(|e| csv_error(name, &piece.buf[..piece.len], 1, e))?
    {
        return Err(empty());
    }
    let header: Vec<String> = record
        .iter()
        .map(|f| String::from_utf8_lossy(f).trim().to_owned())
        .collect();
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
    Ok(Shape {
        fields: header.len(),
        layout: layout(name, &header, wanted)?,
        wanted,
    })
}

fn read_error(name: &str, e: &std::io::Error) -> FocusError {
    FocusError::new(
        Code::FocusFile,
        name,
        format!("the file cannot be read to its end: {e}"),
    )
    .with_help("a truncated or damaged download: export the file again")
}

/// Starts the reading thread in `scope`: pieces arrive on the receiver, at most `ahead` of
/// their parsing; used buffers go back on the sender.
fn start<'scope, R: Read + Send + 'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    name: &str,
    input: R,
    size: usize,
    ahead: usize,
) -> Result<(Receiver<Cut>, Sender<Vec<u8>>), FocusError> {
    let (tx, rx) = sync_channel(ahead);
    let (spare_tx, spare_rx) = channel();
    std::thread::Builder::new()
        .name("csv-read".to_owned())
        .spawn_scoped(scope, move || split(input, size, tx, spare_rx))
        .map_err(|e| read_error(name, &e))?;
    Ok((rx, spare_tx))
}

/// Reads a CSV stream in order on this thread, handing each row to `visit`. Returns the
/// number of rows.
pub(super) fn read_in_order(
    name: &str,
    input: impl Read + Send,
    wanted: &Wanted<'_>,
    visit: &mut Visit<'_>,
    size: Option<usize>,
) -> Result<u64, FocusError> {
    std::thread::scope(|scope| {
        let (pieces, spare) = start(scope, name, input, size.unwrap_or(PIECE), 2)?;
        let shape = header(name, pieces.recv().ok(), wanted)?;
        let mut rows = 0;
        for cut in pieces.iter() {
            match cut {
                Cut::Piece(piece) => {
                    rows += parse_piece(name, &piece, &shape, visit)?;
                    let _ = spare.send(piece.buf);
                }
                Cut::Failed(_, e) => return Err(read_error(name, &e)),
            }
        }
        Ok(rows)
    })
}

/// Reads a CSV stream with `workers` parsers (this thread among them), each handing its rows
/// to a sink of its own from `make`; the sinks are merged at the end. Returns the number of
/// rows and the merged sink.
pub(super) fn read_parallel<S: Sink>(
    name: &str,
    input: impl Read + Send,
    wanted: &Wanted<'_>,
    make: &(dyn Fn() -> S + Sync),
    workers: usize,
    size: Option<usize>,
) -> Result<(u64, S), FocusError> {
    let workers = workers.max(1);
    std::thread::scope(|scope| {
        let (pieces, spare) = start(scope, name, input, size.unwrap_or(PIECE), 2 * workers)?;
        let shape = header(name, pieces.recv().ok(), wanted)?;
        let pieces = Mutex::new(pieces);
        // The first error in the file: the index of its piece, and the error.
        let failed: Mutex<Option<(usize, FocusError)>> = Mutex::new(None);
        let work = |spare: Sender<Vec<u8>>| -> (u64, S) {
            let mut sink = make();
            let mut rows = 0u64;
            loop {
                let cut = match pieces.lock() {
                    Ok(p) => p.recv(),
                    Err(_) => break,
                };
                let (index, result) = match cut {
                    Err(_) => break,
                    Ok(Cut::Failed(index, e)) => (index, Err(read_error(name, &e))),
                    Ok(Cut::Piece(piece)) => {
                        let earlier = failed
                            .lock()
                            .ok()
                            .and_then(|f| f.as_ref().map(|(i, _)| *i))
                            .is_some_and(|i| i < piece.index);
                        if earlier {
                            continue;
                        }
                        let result = parse_piece(name, &piece, &shape, &mut |row| sink.row(row));
                        let index = piece.index;
                        let _ = spare.send(piece.buf);
                        (index, result)
                    }
                };
                match result {
                    Ok(n) => rows += n,
                    Err(e) => {
                        if let Ok(mut f) = failed.lock()
                            && f.as_ref().is_none_or(|(i, _)| index < *i)
                        {
                            *f = Some((index, e));
                        }
                    }
                }
            }
            (rows, sink)
        };
        // The parsers, in a scope of their own: they borrow what this one made.
        let (mut rows, mut sink, others) = std::thread::scope(|scope| {
            let mut handles = Vec::new();
            for _ in 1..workers {
                let spare = spare.clone();
                let work = &work;
                match std::thread::Builder::new()
                    .name("csv-parse".to_owned())
                    .spawn_scoped(scope, move || work(spare))
                {
                    Ok(h) => handles.push(h),
                    // Fewer threads than asked: the ones there are read it all.
                    Err(_) => break,
                }
            }
            let (rows, sink) = work(spare);
            let others: Vec<(u64, S)> = handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect();
            (rows, sink, others)
        });
        if let Some((_, e)) = failed.into_inner().ok().flatten() {
            return Err(e);
        }
        for (n, other) in others {
            rows += n;
            sink.merge(other)?;
        }
        Ok((rows, sink))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every record of `text` as the CSV reader reads the whole text: its line and fields.
    fn whole(text: &[u8]) -> Vec<(u64, Vec<Vec<u8>>)> {
        records(text, 1)
    }

    fn records(text: &[u8], first_line: u64) -> Vec<(u64, Vec<Vec<u8>>)> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text);
        let mut out = Vec::new();
        let mut record = csv::ByteRecord::new();
        while reader.read_byte_record(&mut record).unwrap() {
            let line = first_line - 1 + line_of(text, record.position().unwrap());
            out.push((line, record.iter().map(<[u8]>::to_vec).collect()));
        }
        out
    }

    /// The pieces `split` cuts `text` into, with pieces of about `size` bytes.
    fn pieces(text: &[u8], size: usize) -> Vec<Piece> {
        let (tx, rx) = sync_channel(1);
        let (_spare_tx, spare_rx) = channel();
        let text = text.to_vec();
        let reader =
            std::thread::spawn(move || split(std::io::Cursor::new(text), size, tx, spare_rx));
        let out = rx
            .iter()
            .map(|c| match c {
                Cut::Piece(p) => p,
                Cut::Failed(_, e) => panic!("{e}"),
            })
            .collect();
        reader.join().unwrap();
        out
    }

    /// Reading the pieces one by one gives the records and lines of reading the whole.
    fn same_records(text: &[u8], size: usize) {
        let cut = pieces(text, size);
        let mut joined = Vec::new();
        for (i, p) in cut.iter().enumerate() {
            assert_eq!(p.index, i);
            joined.extend(records(&p.buf[..p.len], p.line));
        }
        let bytes: Vec<u8> = cut.iter().flat_map(|p| p.buf[..p.len].to_vec()).collect();
        assert_eq!(bytes, text, "the pieces hold the text, in order");
        assert_eq!(joined, whole(text), "{:?}", String::from_utf8_lossy(text));
    }

    /// A quote that ends a block of 64 bytes inside an unquoted field (`a"`) is that field's,
    /// and so is a quote right after it at the start of the next block: it opens nothing. (A
    /// case the proptest below found: the block scan took the second quote as opening a field,
    /// and cut a piece inside the quoted field that follows.)
    #[test]
    fn a_quote_after_a_literal_quote_across_blocks_opens_nothing() {
        let text = concat!(
            "a aaaa\"a a\"\n\ra\"\"\ra\raa,\"aaa,\n\"a,a\na\naa a \"a\ra\"\"a,aaaaa,a,aa\"a,aaa\"aa",
            "\raaa\"aaa,aa ,\na \ra\naa \"\"a\r\r,\"aa\"aa\na,a\"\"a\" a\ra\naa\n\ra\"aa\"aa\"aa,aa",
            ",aaaaaa\n\n\r,\r\"\"aaa\n\naaa aa,aa\"aa,a,a\" a,a\"\"a,,a\r,,\"a\"aaa\n\"aaa\na \",aa",
            ",\"\" a\"\"\n a\naa\n\n aa\raa\"\" aaa\raaa, ,aa,a\ra\raa,a aaa\naaa,\r\"\"a \raa ,a,,",
            ",\"\"\"\naaa\",\r \"\"a \"aaaa aaaa,\raa,  a\",\"aa,\raa\"\"aa,a\n\"aaaaa\raa\n\raaaaa",
            ",\raaaa\"\r,,a,\naa\",a  ,\n\" \ra,aa\r\r,,a,a, aaaa\"aaa, \",aa,,aa,\r\na\",\"aaaa a",
        );
        same_records(text.as_bytes(), 279);
    }

    #[test]
    fn pieces_end_at_record_ends_only() {
        let text = b"a,b,c\n\"x\ny\",2,3\n\"q\"\"\n\",\"\",z\r\n4,5\"6\n,\"7\"\"\"\n\"\n\"\n8,9,10";
        for size in [1, 2, 3, 5, 8, 13, 64, 1 << 20] {
            same_records(text, size);
        }
    }

    #[test]
    fn the_header_is_the_first_piece_and_a_byte_order_mark_is_dropped() {
        let cut = pieces(b"\xef\xbb\xbf\"A\",B\n1,2\n3,4\n", 1 << 20);
        assert_eq!(&cut[0].buf[..cut[0].len], b"\"A\",B\n");
        assert_eq!(&cut[1].buf[..cut[1].len], b"1,2\n3,4\n");
        assert_eq!((cut[1].index, cut[1].line), (1, 2));
        assert!(pieces(b"", 8).is_empty());
        let cut = pieces(b"\r\n\nA,B\r\n1,2\r\n", 1 << 20);
        assert_eq!(&cut[0].buf[..cut[0].len], b"\r\n\nA,B\r\n");
        assert_eq!(cut[1].line, 4);
        let cut = pieces(b"A,B", 8);
        assert_eq!(&cut[0].buf[..cut[0].len], b"A,B");
    }

    /// Rows as a sink takes them: where, and the cost.
    #[derive(Default)]
    struct Rows(Vec<(String, String)>);

    impl Sink for Rows {
        fn row(&mut self, row: &CostRow<'_>) -> Result<(), FocusError> {
            self.0.push(((row.at)(), row.cost.to_string()));
            Ok(())
        }
        fn merge(&mut self, other: Self) -> Result<(), FocusError> {
            self.0.extend(other.0);
            Ok(())
        }
    }

    const HEAD: &str = "ChargePeriodStart,ChargePeriodEnd,BilledCost,BillingCurrency,x_Note";

    fn row(cost: &str, note: &str) -> String {
        format!("2026-01-01T00:00:00Z,2026-01-01T01:00:00Z,{cost},USD,{note}")
    }

    fn read_text(
        text: &str,
        workers: usize,
        size: usize,
    ) -> Result<(u64, Vec<(String, String)>), FocusError> {
        let wanted = Wanted {
            cost: crate::actuals::focus::CostColumn::Billed,
            columns: &[],
        };
        let (n, mut rows) = read_parallel(
            "f.csv",
            std::io::Cursor::new(text.as_bytes().to_vec()),
            &wanted,
            &Rows::default,
            workers,
            Some(size),
        )?;
        rows.0
            .sort_by_key(|(at, _)| at.trim_start_matches("f.csv:").parse::<u64>().unwrap());
        Ok((n, rows.0))
    }

    #[test]
    fn rows_are_located_at_their_lines_with_any_line_end_and_any_piece_size() {
        let mut text = String::from(HEAD) + "\r\n";
        for i in 0..40 {
            // Quoted notes over two lines now and then, and an empty line.
            let note = if i % 7 == 0 {
                "\"two\r\nlines\""
            } else {
                "plain"
            };
            text += &row(&format!("{i}.5"), note);
            text += if i % 2 == 0 { "\r\n" } else { "\n" };
            if i == 20 {
                text += "\r\n";
            }
        }
        let mut expected = Vec::new();
        let mut line = 2;
        for i in 0..40 {
            expected.push((format!("f.csv:{line}"), format!("{i}.5")));
            line += if i % 7 == 0 { 2 } else { 1 } + u64::from(i == 20);
        }
        for (workers, size) in [(1, 1 << 20), (1, 50), (2, 50), (3, 130), (2, 1)] {
            assert_eq!(
                read_text(&text, workers, size).unwrap(),
                (40, expected.clone()),
                "{workers} {size}"
            );
        }
    }

    #[test]
    fn the_first_bad_row_in_the_file_is_the_one_reported_however_it_is_cut() {
        let mut text = String::from(HEAD) + "\n";
        for i in 0..200 {
            let cost = if i == 150 || i == 60 {
                "oops".to_owned()
            } else {
                i.to_string()
            };
            text += &row(&cost, "n");
            text += "\n";
        }
        for (workers, size) in [(1, 1 << 20), (2, 64), (2, 500), (4, 100)] {
            let e = read_text(&text, workers, size).unwrap_err();
            assert_eq!(e.at, "f.csv:62", "{workers} {size}");
            assert_eq!(e.code, Code::FocusValue);
        }
        let short = format!("{HEAD}\n{}\n1,2\n", row("1", "n"));
        let e = read_text(&short, 2, 8).unwrap_err();
        assert_eq!(
            (e.at.as_str(), e.message.as_str()),
            ("f.csv:3", "the row has 2 fields where the header has 5")
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        /// Whatever the bytes, quoted or not, well formed or not, the pieces read as the
        /// whole does: the cuts follow the quotes as the CSV reader does, in pieces of a few
        /// bytes (a quote at a time) or a few hundred (the scan by blocks of 64).
        #[test]
        fn pieces_read_as_the_whole_does(
            text in proptest::collection::vec(
                prop_oneof![
                    6 => Just(b'a'), 2 => Just(b','), 2 => Just(b'"'), 1 => Just(b'\n'),
                    1 => Just(b'\r'), 1 => Just(b' '),
                ],
                0..1500,
            ),
            size in prop_oneof![1usize..40, 64usize..400],
        ) {
            same_records(&text, size);
        }

        /// Well-formed CSV, its quoted fields holding commas, quotes and line ends: the scan by
        /// blocks takes every block by parity, and the pieces read as the whole does.
        #[test]
        fn well_formed_csv_reads_as_the_whole_does(
            records in proptest::collection::vec(
                (
                    proptest::collection::vec(
                        prop_oneof![
                            "[a-z0-9 .]{0,12}",
                            "[a-z,\"\n\r]{0,12}".prop_map(|f| format!("\"{}\"", f.replace('"', "\"\""))),
                        ],
                        1..6,
                    ),
                    prop_oneof![Just("\n"), Just("\r\n")],
                ),
                0..60,
            ),
            size in 64usize..300,
        ) {
            let text: String = records
                .iter()
                .map(|(fields, end)| fields.join(",") + end)
                .collect();
            let mut blocks = Scanner::new();
            let bytes = text.as_bytes();
            let mut at = 0;
            while bytes.len() - at >= 64 {
                prop_assert!(blocks.scan_block(bytes, at), "{:?}", text);
                at += 64;
            }
            same_records(bytes, size);
        }
    }
}
