//! FOCUS cost files in Parquet (tests/fixtures/actuals/, written by make_parquet.py there):
//! each physical type a cloud or a common tool writes, read to the exact totals worked out by
//! hand from the values the script writes; the same rows as a CSV file give the same rows;
//! and a file that is damaged, cut short or not Parquet is a located `focus-file` error, never
//! a panic.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use capplan::actuals::focus::{self, CostColumn, FocusError, Wanted};
use capplan::diagnostic::Code;
use rust_decimal::Decimal;

#[derive(Debug, PartialEq)]
struct Row {
    at: String,
    start: i64,
    end: i64,
    cost: Decimal,
    values: Vec<Option<String>>,
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/actuals")
        .join(name)
}

fn read(path: &Path, cost: CostColumn, columns: &[&str]) -> Result<Vec<Row>, FocusError> {
    let columns: Vec<String> = columns.iter().map(|c| (*c).to_owned()).collect();
    let wanted = Wanted {
        cost,
        columns: &columns,
    };
    let mut rows = Vec::new();
    let n = focus::read_file(path, &wanted, &mut |row| {
        rows.push(Row {
            at: (row.at)(),
            start: row.start,
            end: row.end,
            cost: row.cost,
            values: row.values.iter().map(|v| v.map(str::to_owned)).collect(),
        });
        Ok(())
    })?;
    assert_eq!(n, rows.len() as u64);
    Ok(rows)
}

fn dec(text: &str) -> Decimal {
    text.parse().unwrap()
}

/// Seconds since 1970 of a UTC time written as FOCUS writes it.
fn at(text: &str) -> i64 {
    focus::parse_time(text).unwrap()
}

/// Cost per value of the first wanted column.
fn totals(rows: &[Row]) -> BTreeMap<Option<String>, Decimal> {
    let mut out = BTreeMap::new();
    for r in rows {
        *out.entry(r.values[0].clone()).or_insert(Decimal::ZERO) += r.cost;
    }
    out
}

const MATCH: [&str; 2] = ["BillingAccountId", "ServiceProviderName"];

#[test]
fn snappy_timestamps_and_decimal_costs_are_read_exactly_across_row_groups() {
    let path = fixture("snappy-timestamp-decimal.parquet");
    let rows = read(&path, CostColumn::Billed, &MATCH).unwrap();
    assert_eq!(rows.len(), 5);
    let t = totals(&rows);
    // 12.3456789012 + 0.0000000001 - 1.5 and 98.76 + 1000000000
    assert_eq!(t[&Some("111111111111".into())], dec("10.8456789013"));
    assert_eq!(t[&Some("222222222222".into())], dec("1000000098.76"));
    assert_eq!(
        rows.iter().map(|r| r.cost).sum::<Decimal>(),
        dec("1000000109.6056789013")
    );
    // Row groups hold 2 rows: row 4 is the second of the second group.
    let r4 = &rows[3];
    assert_eq!(r4.at, format!("{}, row 4", path.display()));
    assert_eq!(
        (r4.start, r4.end),
        (at("2026-03-31T23:00:00Z"), at("2026-04-01T00:00:00Z"))
    );
    assert_eq!(r4.cost, dec("-1.5"));
    assert_eq!(
        r4.values,
        vec![Some("111111111111".into()), Some("AWS".into())]
    );
    assert_eq!(rows[0].start, 20_454 * 86_400);
    assert_eq!(rows[0].end - rows[0].start, 3600);

    let effective = read(&path, CostColumn::Effective, &MATCH).unwrap();
    let t = totals(&effective);
    assert_eq!(t[&Some("111111111111".into())], dec("10.0000000001"));
    assert_eq!(
        t[&Some("222222222222".into())],
        dec("1000000089.9999999999")
    );
}

#[test]
fn a_parquet_file_gives_the_rows_of_the_same_csv() {
    let csv = "\
BillingAccountId,ServiceProviderName,ServiceName,ChargePeriodStart,ChargePeriodEnd,BillingCurrency,BilledCost,EffectiveCost,x_Discount
111111111111,AWS,Amazon EC2,2026-01-01T00:00:00Z,2026-01-01T01:00:00Z,USD,12.3456789012,10.0000000000,0.1
111111111111,AWS,Amazon EC2,2026-01-01T01:00:00Z,2026-01-01T02:00:00Z,USD,0.0000000001,0.0000000001,0.2
222222222222,AWS,Amazon EC2,2026-01-01T00:00:00Z,2026-01-01T01:00:00Z,USD,98.7600000000,90.0000000000,0.3
111111111111,AWS,Amazon EC2,2026-03-31T23:00:00Z,2026-04-01T00:00:00Z,USD,-1.5000000000,0E-10,0.4
222222222222,AWS,Amazon EC2,2026-04-01T00:00:00Z,2026-04-01T01:00:00Z,USD,1000000000.0000000000,999999999.9999999999,0.5
";
    let dir = tempfile::tempdir().unwrap();
    let csv_path = dir.path().join("same.csv");
    fs::write(&csv_path, csv).unwrap();
    let columns = [
        "BillingAccountId",
        "ServiceProviderName",
        "x_Discount",
        "NoSuchColumn",
    ];
    for cost in [CostColumn::Billed, CostColumn::Effective] {
        let from_csv = read(&csv_path, cost, &columns).unwrap();
        let from_parquet =
            read(&fixture("snappy-timestamp-decimal.parquet"), cost, &columns).unwrap();
        assert_eq!(from_csv.len(), from_parquet.len());
        for (c, p) in from_csv.iter().zip(&from_parquet) {
            assert_eq!((c.start, c.end, c.cost), (p.start, p.end, p.cost));
            // Scale too: the decimal is the one the file holds, trailing zeros and all.
            assert_eq!(c.cost.scale(), p.cost.scale());
            assert_eq!(c.values, p.values);
        }
    }
}

#[test]
fn gzip_string_times_and_double_costs_through_their_shortest_decimal() {
    let path = fixture("gzip-strings-double.parquet");
    let rows = read(&path, CostColumn::Billed, &MATCH).unwrap();
    assert_eq!(rows.len(), 4);
    // 0.1 + 0.2 is 0.3 here, not 0.30000000000000004: each double is its shortest decimal.
    assert_eq!(rows[0].cost + rows[1].cost, dec("0.3"));
    // A null cost is zero, as an empty CSV field is.
    assert_eq!(rows[3].cost, Decimal::ZERO);
    assert_eq!(
        rows.iter().map(|r| r.cost).sum::<Decimal>(),
        dec("1234.8678")
    );
    // FOCUS 1.0's ProviderName stands in for ServiceProviderName; a null is no value.
    assert_eq!(
        rows[0].values,
        vec![Some("333333333333".into()), Some("Microsoft".into())]
    );
    assert_eq!(rows[2].values, vec![None, Some("Microsoft".into())]);
    assert_eq!(
        rows.iter().map(|r| (r.start, r.end)).collect::<Vec<_>>(),
        vec![
            (at("2026-01-01"), at("2026-01-02")),
            (at("2026-01-02"), at("2026-01-03")),
            (at("2026-01-03"), at("2026-01-04")),
            (at("2026-01-04"), at("2026-01-05")),
        ]
    );
    let effective = read(&path, CostColumn::Effective, &MATCH).unwrap();
    // 1e-7 reads as 0.0000001.
    assert_eq!(
        effective.iter().map(|r| r.cost).sum::<Decimal>(),
        dec("3.3000001")
    );
}

#[test]
fn int96_times_and_decimals_on_integers() {
    let path = fixture("int96-integer-decimal.parquet");
    let rows = read(&path, CostColumn::Billed, &MATCH).unwrap();
    let t = totals(&rows);
    // An int64 account id is matched as its digits.
    assert_eq!(t[&Some("444444444444".into())], dec("1.2344"));
    assert_eq!(t[&Some("555555555555".into())], dec("99999.9999"));
    // Half a second past the half hour is dropped, as parse_time drops it; before 1970 too.
    assert_eq!(rows[0].start, at("2026-02-01T00:00:00Z"));
    assert_eq!(rows[0].end, at("2026-02-01T00:30:00Z"));
    assert_eq!(rows[1].end, at("2026-03-01T00:00:00Z"));
    assert_eq!((rows[2].start, rows[2].end), (-3600, 0));
    let effective = read(&path, CostColumn::Effective, &MATCH).unwrap();
    let t = totals(&effective);
    assert_eq!(t[&Some("444444444444".into())], dec("1.000001"));
    assert_eq!(t[&Some("555555555555".into())], dec("-123456789012.123456"));
}

#[test]
fn dates_naive_milliseconds_floats_and_string_costs() {
    let path = fixture("date-ms-float.parquet");
    let rows = read(&path, CostColumn::Billed, &MATCH).unwrap();
    assert_eq!(rows[0].start, at("2026-05-01"));
    assert_eq!(rows[0].end, at("2026-05-02T00:00:00Z"));
    assert_eq!(rows[1].end, at("2026-05-02T12:00:00Z"));
    // A float32 0.1 is its own shortest decimal, 0.1.
    assert_eq!(rows[0].cost, dec("0.1"));
    assert_eq!(rows[1].cost, dec("16777216"));
    let effective = read(&path, CostColumn::Effective, &MATCH).unwrap();
    assert_eq!(
        effective.iter().map(|r| r.cost).sum::<Decimal>(),
        dec("150.10")
    );
}

#[test]
fn matched_columns_of_other_types_are_their_text() {
    let rows = read(
        &fixture("snappy-timestamp-decimal.parquet"),
        CostColumn::Billed,
        &["x_Discount", "ChargePeriodStart", "BilledCost"],
    )
    .unwrap();
    assert_eq!(
        rows[2].values,
        vec![
            Some("0.3".into()),
            Some("2026-01-01T00:00:00Z".into()),
            Some("98.7600000000".into())
        ]
    );
}

#[test]
fn a_missing_currency_column_is_a_focus_column_error() {
    let path = fixture("no-currency.parquet");
    let e = read(&path, CostColumn::Billed, &[]).unwrap_err();
    assert_eq!(e.code, Code::FocusColumn);
    assert_eq!(e.at, format!("{}, column BillingCurrency", path.display()));
    assert_eq!(
        e.message,
        "the file has no `BillingCurrency` column; `billingcurrency` differs only in case"
    );
}

#[test]
fn matching_on_a_nested_column_is_a_focus_column_error() {
    let path = fixture("snappy-timestamp-decimal.parquet");
    let e = read(&path, CostColumn::Billed, &["Tags"]).unwrap_err();
    assert_eq!(e.code, Code::FocusColumn);
    assert_eq!(e.at, format!("{}, column Tags", path.display()));
    assert!(e.message.contains("nested"), "{}", e.message);
}

#[test]
fn bad_rows_are_located_focus_value_errors_after_the_good_ones() {
    for (name, message) in [
        (
            "bad-period.parquet",
            "the charge period ends (2025-12-31T23:00:00Z) before it starts (2026-01-01T01:00:00Z)",
        ),
        (
            "bad-currency.parquet",
            "`BillingCurrency` is `EUR`: capplan reads USD only",
        ),
    ] {
        let path = fixture(name);
        let mut seen = 0;
        let columns: Vec<String> = Vec::new();
        let wanted = Wanted {
            cost: CostColumn::Billed,
            columns: &columns,
        };
        let e = focus::read_file(&path, &wanted, &mut |_| {
            seen += 1;
            Ok(())
        })
        .unwrap_err();
        assert_eq!(seen, 1, "{name}");
        assert_eq!(e.code, Code::FocusValue, "{name}");
        assert_eq!(e.at, format!("{}, row 2", path.display()));
        assert_eq!(e.message, message);
    }
}

#[test]
fn a_matched_value_that_is_not_utf8_is_a_located_focus_value_error() {
    let path = fixture("not-utf8.parquet");
    // Not wanted, the column is never read.
    assert_eq!(read(&path, CostColumn::Billed, &[]).unwrap().len(), 2);
    let e = read(&path, CostColumn::Billed, &MATCH).unwrap_err();
    assert_eq!(e.code, Code::FocusValue);
    assert_eq!(e.at, format!("{}, row 2", path.display()));
    assert_eq!(e.message, "`BillingAccountId` is not UTF-8 text");
}

#[test]
fn an_error_from_the_visitor_stops_the_read() {
    let columns: Vec<String> = Vec::new();
    let wanted = Wanted {
        cost: CostColumn::Billed,
        columns: &columns,
    };
    let mut seen = 0;
    let e = focus::read_file(
        &fixture("snappy-timestamp-decimal.parquet"),
        &wanted,
        &mut |row| {
            seen += 1;
            if seen == 3 {
                return Err(FocusError::new(Code::FocusValue, (row.at)(), "stop"));
            }
            Ok(())
        },
    )
    .unwrap_err();
    assert_eq!(seen, 3);
    assert!(e.at.ends_with(", row 3"), "{}", e.at);
}

#[test]
fn a_codec_capplan_does_not_read_is_named() {
    let path = fixture("zstd.parquet");
    let e = read(&path, CostColumn::Billed, &[]).unwrap_err();
    assert_eq!(e.code, Code::FocusFile);
    assert_eq!(
        e.at,
        format!("{}, column ChargePeriodStart", path.display())
    );
    assert!(e.message.contains("ZSTD"), "{}", e.message);
}

#[test]
fn an_empty_file_or_one_that_is_not_parquet_is_a_focus_file_error() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [
        ("empty.parquet", &b""[..]),
        (
            "csv.parquet",
            b"ChargePeriodStart,ChargePeriodEnd\n2026-01-01,2026-01-02\n",
        ),
        ("magic.parquet", b"PAR1PAR1"),
        ("huge-footer.parquet", b"PAR1\xff\xff\xff\x7fPAR1"),
    ] {
        let path = dir.path().join(name);
        fs::write(&path, bytes).unwrap();
        let e = read(&path, CostColumn::Billed, &MATCH).unwrap_err();
        assert_eq!(e.code, Code::FocusFile, "{name}: {e:?}");
        assert_eq!(e.at, path.display().to_string());
    }
}

#[test]
fn a_truncated_file_is_a_focus_file_error_at_every_length() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "snappy-timestamp-decimal.parquet",
        "gzip-strings-double.parquet",
        "int96-integer-decimal.parquet",
    ] {
        let bytes = fs::read(fixture(name)).unwrap();
        let path = dir.path().join(name);
        for len in 0..bytes.len() {
            fs::write(&path, &bytes[..len]).unwrap();
            let e = read(&path, CostColumn::Billed, &MATCH).unwrap_err();
            assert_eq!(e.code, Code::FocusFile, "{name} cut at {len}: {e:?}");
            assert_eq!(e.at, path.display().to_string());
        }
    }
}

#[test]
fn damage_anywhere_in_the_file_never_panics() {
    // Each byte in turn overwritten, the way a bad disk or a bad copy would: an error or, where
    // the damage lands in a value the file cannot check (no page checksums), other rows.
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "snappy-timestamp-decimal.parquet",
        "gzip-strings-double.parquet",
        "int96-integer-decimal.parquet",
        "date-ms-float.parquet",
    ] {
        let bytes = fs::read(fixture(name)).unwrap();
        let path = dir.path().join(name);
        for i in 0..bytes.len() {
            for flip in [0xff_u8, 0x01] {
                let mut damaged = bytes.clone();
                damaged[i] ^= flip;
                fs::write(&path, &damaged).unwrap();
                if let Err(e) = read(&path, CostColumn::Billed, &MATCH) {
                    assert!(
                        matches!(
                            e.code,
                            Code::FocusFile | Code::FocusValue | Code::FocusColumn
                        ),
                        "{name} byte {i}: {e:?}"
                    );
                }
            }
        }
    }
}
