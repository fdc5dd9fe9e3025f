//! Attribution: every cost row of the actuals folder to the one contract whose `[actuals]
//! match` claims it, spread over its charge period by seconds into days (docs/actuals.md).
//!
//! A contract claims a row when every column of its match table has its value in the row.
//! Match tables are grouped by the columns they name, and each group is a hash map from the
//! values to its contracts, so a row costs one look-up per group, whatever the number of
//! contracts. A row claimed by two contracts is an `ambiguous-actual` error; a row claimed by
//! none is counted and totalled as unattributed.
//!
//! Memory grows with contracts and days of actuals, never with rows: each contract keeps one
//! exact sum per day. Rows within one UTC day (hourly and daily exports) are summed as
//! decimals; a row across days is split by seconds into exact fractions.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::deliveries::{self, Delivery};
use super::focus::{self, CostColumn, CostRow, FocusError, Wanted};
use crate::catalog::Catalog;
use crate::catalog::ramp::day_number;
use crate::diagnostic::{Code, Diagnostic, Location};
use crate::engine::num::Num;
use crate::exact::Rational;

/// Day number ([`day_number`]) of 1970-01-01.
const EPOCH_DAY: i64 = 719_163;
const DAY_SECONDS: i64 = 86_400;

/// One day's cost of one contract: rows within the day as a decimal, split rows as a fraction.
#[derive(Clone, Copy, Debug, Default)]
struct Bucket {
    whole: Decimal,
    split: Option<Num>,
}

impl Bucket {
    fn total(self) -> Option<Num> {
        let w = Num::from_decimal(self.whole);
        match self.split {
            Some(s) => w.checked_add(s),
            None => Some(w),
        }
    }
}

/// Where `as_of` came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AsOfSource {
    /// `--as-of`.
    Given,
    /// The latest charge period end, rounded up to a midnight.
    Cost,
    /// The day after the latest delivery.
    Deliveries,
    /// No actuals at all: the catalog's horizon start.
    Nothing,
}

/// What the actuals folder holds, attributed.
#[derive(Clone, Debug)]
pub struct Actuals {
    pub folder: PathBuf,
    /// Actuals count before this day (exclusive).
    pub as_of: NaiveDate,
    pub as_of_source: AsOfSource,
    pub files: usize,
    pub rows: u64,
    /// Per contract (catalog order): exact cost per day number, before `as_of`.
    pub cost: Vec<BTreeMap<i64, Num>>,
    /// Per contract: rows claimed.
    pub claimed: Vec<u64>,
    pub unattributed_rows: u64,
    pub unattributed_usd: Num,
    pub deliveries: Vec<Delivery>,
}

impl Actuals {
    /// Whether contract `c` (catalog index) has actuals: a match table and a claimed row.
    pub fn has(&self, catalog: &Catalog, c: usize) -> bool {
        !catalog.contracts[c].actuals.is_empty() && self.claimed[c] > 0
    }

    /// Contract `c`'s actual cost over days `[lo, hi)`, exact.
    pub fn sum(&self, c: usize, lo: i64, hi: i64) -> Option<Num> {
        let mut total = Num::ZERO;
        for (_, v) in self.cost[c].range(lo..hi) {
            total = total.checked_add(*v)?;
        }
        Some(total)
    }
}

/// Per group of match tables: the values of its columns, joined by [`SEP`], -> the contracts
/// that match on them. Match values hold no control character, so a row whose values do cannot
/// make a key of a table's.
type Claimants = HashMap<String, Vec<usize>>;

const SEP: char = '\u{1f}';

/// The match tables, grouped by the columns they name.
struct Index {
    /// Every column any table names, sorted.
    columns: Vec<String>,
    /// Per group: indices into `columns`, and values -> contracts.
    groups: Vec<(Vec<usize>, Claimants)>,
}

impl Index {
    fn new(catalog: &Catalog) -> Index {
        let mut columns: Vec<String> = catalog
            .contracts
            .iter()
            .flat_map(|c| c.actuals.iter().map(|(k, _)| k.clone()))
            .collect();
        columns.sort();
        columns.dedup();
        let mut by_columns: BTreeMap<Vec<usize>, Claimants> = BTreeMap::new();
        for (i, c) in catalog.contracts.iter().enumerate() {
            if c.actuals.is_empty() {
                continue;
            }
            let cols: Vec<usize> = c
                .actuals
                .iter()
                .map(|(k, _)| columns.binary_search(k).unwrap_or(0))
                .collect();
            let values: Vec<&str> = c.actuals.iter().map(|(_, v)| v.as_str()).collect();
            let values = values.join(&SEP.to_string());
            by_columns
                .entry(cols)
                .or_default()
                .entry(values)
                .or_default()
                .push(i);
        }
        Index {
            columns,
            groups: by_columns.into_iter().collect(),
        }
    }

    /// The contracts that claim a row with these values of [`Index::columns`].
    fn claims(&self, values: &[Option<&str>], key: &mut String, out: &mut Vec<usize>) {
        out.clear();
        for (cols, map) in &self.groups {
            key.clear();
            let mut complete = true;
            for (i, &c) in cols.iter().enumerate() {
                match values[c] {
                    Some(v) => {
                        if i > 0 {
                            key.push(SEP);
                        }
                        key.push_str(v);
                    }
                    None => {
                        complete = false;
                        break;
                    }
                }
            }
            if complete && let Some(cs) = map.get(key.as_str()) {
                out.extend_from_slice(cs);
            }
        }
    }
}

/// Seconds since 1970 of the midnight that starts `date`.
fn seconds_of(date: NaiveDate) -> i64 {
    (day_number(date) - EPOCH_DAY) * DAY_SECONDS
}

fn date_of(day: i64) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(i32::try_from(day).ok()?)
}

/// Reads and attributes the actuals in `folder`: every cost file and `deliveries.csv`.
/// Diagnostics (each located at a file and row) are returned with whatever could be read.
pub fn load(
    catalog: &Catalog,
    folder: &Path,
    cost: CostColumn,
    as_of: Option<NaiveDate>,
) -> (Actuals, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let index = Index::new(catalog);
    let n = catalog.contracts.len();
    let mut buckets: Vec<HashMap<i64, Bucket>> = vec![HashMap::new(); n];
    let mut claimed = vec![0u64; n];
    let mut unattributed_rows = 0u64;
    let mut unattributed = Num::ZERO;
    let mut latest_end: Option<i64> = None;
    let cut = as_of.map(seconds_of);
    let files = if folder.is_dir() {
        match focus::cost_files(folder) {
            Ok(f) => f,
            Err(e) => {
                diagnostics.push(Diagnostic::new(
                    Code::FocusFile,
                    Location::Path(folder.display().to_string()),
                    format!("the actuals folder cannot be listed: {e}"),
                ));
                Vec::new()
            }
        }
    } else {
        Vec::new()
    };
    let mut rows = 0u64;
    let mut claims = Vec::new();
    let mut key = String::new();
    for file in &files {
        let wanted = Wanted {
            cost,
            columns: &index.columns,
        };
        let mut visit = |row: &CostRow<'_>| -> Result<(), FocusError> {
            index.claims(row.values, &mut key, &mut claims);
            claims.sort_unstable();
            claims.dedup();
            let (start, mut end, mut amount) = (row.start, row.end, row.cost);
            if let Some(cut) = cut {
                if start >= cut && end > start {
                    return Ok(());
                }
                if end > cut {
                    // Cut by seconds: the part before `as_of` only.
                    let part = Rational::from_decimal(amount)
                        .and_then(|a| {
                            a.checked_mul(Rational::new(
                                i128::from(cut - start),
                                i128::from(end - start),
                            )?)
                        })
                        .and_then(|r| r.to_decimal(12))
                        .unwrap_or(amount);
                    amount = part;
                    end = cut;
                }
            }
            latest_end = Some(latest_end.map_or(end, |l| l.max(end)));
            match claims.as_slice() {
                [] => {
                    unattributed_rows += 1;
                    unattributed = unattributed
                        .checked_add(Num::from_decimal(amount))
                        .unwrap_or(unattributed);
                }
                [c] => {
                    claimed[*c] += 1;
                    if end <= start {
                        end = start + 1;
                    }
                    spread(&mut buckets[*c], start, end, amount).ok_or_else(|| {
                        FocusError::new(
                            Code::Overflow,
                            (row.at)(),
                            "the cost of a day does not fit",
                        )
                    })?;
                }
                [a, b, ..] => {
                    let (a, b) = (&catalog.contracts[*a], &catalog.contracts[*b]);
                    return Err(FocusError::new(
                        Code::AmbiguousActual,
                        (row.at)(),
                        format!(
                            "the row is claimed by both `{}` and `{}`: their `[actuals] match` tables both hold for it",
                            a.id, b.id
                        ),
                    )
                    .with_help("add a column to one of the match tables, such as `BillingAccountId` or `SubAccountId`, so that each row has one contract"));
                }
            }
            Ok(())
        };
        match focus::read_file(file, &wanted, &mut visit) {
            Ok(r) => rows += r,
            Err(e) => diagnostics.push(e.diagnostic()),
        }
    }

    let (delivered, mut ddiag) = deliveries::load(catalog, &folder.join("deliveries.csv"));
    diagnostics.append(&mut ddiag);

    let (as_of, as_of_source) = match (as_of, latest_end, delivered.iter().map(|d| d.date).max()) {
        (Some(d), _, _) => (d, AsOfSource::Given),
        (None, Some(end), _) => {
            let day = (end + DAY_SECONDS - 1).div_euclid(DAY_SECONDS) + EPOCH_DAY;
            (
                date_of(day).unwrap_or(catalog.portfolio.horizon_start),
                AsOfSource::Cost,
            )
        }
        (None, None, Some(last)) => (last.succ_opt().unwrap_or(last), AsOfSource::Deliveries),
        (None, None, None) => (catalog.portfolio.horizon_start, AsOfSource::Nothing),
    };
    let cost = buckets
        .into_iter()
        .map(|b| {
            b.into_iter()
                .filter_map(|(day, bucket)| Some((day, bucket.total()?)))
                .collect()
        })
        .collect();
    (
        Actuals {
            folder: folder.to_path_buf(),
            as_of,
            as_of_source,
            files: files.len(),
            rows,
            cost,
            claimed,
            unattributed_rows,
            unattributed_usd: unattributed,
            deliveries: delivered,
        },
        diagnostics,
    )
}

/// Adds `amount` over seconds `[start, end)` to the day buckets, in proportion to the seconds
/// in each day.
fn spread(buckets: &mut HashMap<i64, Bucket>, start: i64, end: i64, amount: Decimal) -> Option<()> {
    let first = start.div_euclid(DAY_SECONDS);
    let last = (end - 1).div_euclid(DAY_SECONDS);
    if first == last {
        let b = buckets.entry(first + EPOCH_DAY).or_default();
        match b.whole.checked_add(amount) {
            Some(w) => b.whole = w,
            None => {
                let s = b.split.unwrap_or(Num::ZERO);
                b.split = Some(s.checked_add(Num::from_decimal(amount))?);
            }
        }
        return Some(());
    }
    let total = i128::from(end - start);
    let a = Num::from_decimal(amount);
    for day in first..=last {
        let lo = start.max(day * DAY_SECONDS);
        let hi = end.min((day + 1) * DAY_SECONDS);
        let share = Num::Exact(Rational::new(i128::from(hi - lo), total)?);
        let part = a.checked_mul(share)?;
        let b = buckets.entry(day + EPOCH_DAY).or_default();
        b.split = Some(b.split.unwrap_or(Num::ZERO).checked_add(part)?);
    }
    Some(())
}
