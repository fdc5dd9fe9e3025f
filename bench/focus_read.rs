//! The FOCUS cost readers alone, for bench/run.py's actuals section: every row of the given
//! cost files through `focus::read_file`, attributed to the catalog's contracts by a hash map
//! on `BillingAccountId` and `ServiceProviderName` (the match tables of bench/gen_focus.py's
//! catalog), summed per contract and calendar quarter of `ChargePeriodStart`. Hourly rows never
//! cross a quarter, so no row is spread over periods; `capplan actuals` does that work, and the
//! difference between the two timings is its cost.
//!
//! usage: cargo run --release --example focus_read -- CATALOG_DIR FILE... [--dump]
//!
//! Prints the rows read, attributed and not, and their totals; with `--dump`, the total of each
//! contract and quarter as CSV, to check against bench/peer_actuals.py.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use capplan::actuals::focus::{self, CostColumn, Wanted};
use rust_decimal::Decimal;

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let dump = args.iter().any(|a| a == "--dump");
    args.retain(|a| a != "--dump");
    let Some((catalog, files)) = args.split_first() else {
        eprintln!("usage: focus_read CATALOG_DIR FILE... [--dump]");
        return ExitCode::from(2);
    };
    let (ids, claims) = match match_tables(Path::new(catalog)) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{catalog}: {e}");
            return ExitCode::from(2);
        }
    };
    let columns = [
        "BillingAccountId".to_owned(),
        "ServiceProviderName".to_owned(),
    ];
    let wanted = Wanted {
        cost: CostColumn::Billed,
        columns: &columns,
    };
    let mut sums: HashMap<(usize, i64), Decimal> = HashMap::new();
    let (mut rows, mut claimed) = (0u64, 0u64);
    let mut unattributed = Decimal::ZERO;
    for file in files {
        let mut visit = |row: &focus::CostRow<'_>| {
            let contract = match (row.values[0], row.values[1]) {
                (Some(account), Some(provider)) => {
                    claims.get(account).and_then(|p| p.get(provider)).copied()
                }
                _ => None,
            };
            match contract {
                Some(c) => {
                    claimed += 1;
                    *sums.entry((c, quarter(row.start))).or_default() += row.cost;
                }
                None => unattributed += row.cost,
            }
            Ok(())
        };
        match focus::read_file(&PathBuf::from(file), &wanted, &mut visit) {
            Ok(n) => rows += n,
            Err(e) => {
                eprintln!("{}: {}", e.at, e.message);
                return ExitCode::from(1);
            }
        }
    }
    let attributed: Decimal = sums.values().copied().sum();
    println!(
        "rows {rows} attributed_rows {claimed} attributed_usd {attributed} unattributed_usd {unattributed} cells {}",
        sums.len()
    );
    if dump {
        let mut cells: Vec<_> = sums.into_iter().collect();
        cells.sort_by_key(|((c, q), _)| (ids[*c].clone(), *q));
        println!("contract,quarter,billed_usd");
        for ((c, q), total) in cells {
            println!("{},{}Q{},{}", ids[c], q / 4, q % 4 + 1, total.normalize());
        }
    }
    ExitCode::SUCCESS
}

/// Year * 4 + quarter (0 to 3) of a time in seconds since 1970 UTC.
fn quarter(seconds: i64) -> i64 {
    let days = seconds.div_euclid(86_400);
    // Days to a civil year and month (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    year * 4 + (month - 1) / 3
}

type Claims = HashMap<String, HashMap<String, usize>>;

/// The contract ids, and per account and provider the contract whose match table names them.
fn match_tables(dir: &Path) -> Result<(Vec<String>, Claims), String> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "toml")
                && p.file_name().is_some_and(|n| n != "portfolio.toml")
        })
        .collect();
    paths.sort();
    let (mut ids, mut claims) = (Vec::new(), Claims::new());
    for path in paths {
        let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
        let doc: toml::Table = text
            .parse()
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let id = doc.get("id").and_then(|v| v.as_str()).unwrap_or_default();
        let table = doc
            .get("actuals")
            .and_then(|a| a.get("match"))
            .and_then(|m| m.as_table());
        let Some(table) = table else { continue };
        let get = |k: &str| table.get(k).and_then(|v| v.as_str()).map(str::to_owned);
        if let (Some(account), Some(provider)) =
            (get("BillingAccountId"), get("ServiceProviderName"))
        {
            claims
                .entry(account)
                .or_default()
                .insert(provider, ids.len());
            ids.push(id.to_owned());
        }
    }
    Ok((ids, claims))
}
