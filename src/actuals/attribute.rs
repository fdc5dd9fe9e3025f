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

use super::cache::{self, Cache};
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
    /// Adds another bucket of the same day.
    fn add(&mut self, other: Bucket) -> Option<()> {
        match self.whole.checked_add(other.whole) {
            Some(w) => self.whole = w,
            None => {
                let s = self.split.unwrap_or(Num::ZERO);
                self.split = Some(s.checked_add(Num::from_decimal(other.whole))?);
            }
        }
        if let Some(o) = other.split {
            self.split = Some(self.split.unwrap_or(Num::ZERO).checked_add(o)?);
        }
        Some(())
    }

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
type Claimants = HashMap<String, Vec<usize>, Fast>;

/// A fast hasher for the maps a row is looked up in: keys come from the catalog and the rows'
/// days, and no output depends on the maps' order.
type Fast = foldhash::fast::FixedState;

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

/// Reads and attributes the actuals in `folder`: every cost file and `deliveries.csv`, each
/// file from `cache` where it holds it. Diagnostics (each located at a file and row) are
/// returned with whatever could be read.
pub fn load(
    catalog: &Catalog,
    folder: &Path,
    cost: CostColumn,
    as_of: Option<NaiveDate>,
    cache: Option<&Cache>,
) -> (Actuals, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let index = Index::new(catalog);
    let n = catalog.contracts.len();
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
    let context = cache_context(catalog, cost);
    // Each file on its own, in parallel; what they give is added in file order, so the sums
    // do not depend on the thread count.
    use rayon::prelude::*;
    let parts: Vec<Result<Part, FocusError>> = files
        .par_iter()
        .map(|file| {
            let key = cache.and_then(|c| c.key(file, &context));
            if let (Some(c), Some(k)) = (cache, &key)
                && let Some(entry) = c.get(k)
                && cut.is_none_or(|cut| entry.latest_end.is_none_or(|e| e <= cut))
                && let Some(part) = Part::from_entry(catalog, &entry)
            {
                return Ok(part);
            }
            let part = read_part(catalog, &index, file, cost, cut)?;
            // Only what no cut changed is kept: the file as a whole.
            if let (Some(c), Some(k)) = (cache, &key)
                && cut.is_none_or(|cut| part.raw_end.is_none_or(|e| e <= cut))
            {
                c.put(k, &part.to_entry(catalog));
            }
            Ok(part)
        })
        .collect();
    let mut rows = 0u64;
    let mut cost_by_day: Vec<BTreeMap<i64, Num>> = vec![BTreeMap::new(); n];
    for part in parts {
        let part = match part {
            Ok(p) => p,
            Err(e) => {
                diagnostics.push(e.diagnostic());
                continue;
            }
        };
        rows += part.rows;
        unattributed_rows += part.unattributed_rows;
        unattributed = unattributed
            .checked_add(part.unattributed)
            .unwrap_or(unattributed);
        if let Some(end) = part.latest_end {
            latest_end = Some(latest_end.map_or(end, |l| l.max(end)));
        }
        for (c, days) in part.days.into_iter().enumerate() {
            claimed[c] += part.claimed[c];
            for (day, v) in days {
                let e = cost_by_day[c].entry(day).or_insert(Num::ZERO);
                *e = e.checked_add(v).unwrap_or(*e);
            }
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
    let cost = cost_by_day;
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

/// What one cost file gives.
struct Part {
    rows: u64,
    /// The latest charge period end, after the cut at `as_of`, and before it.
    latest_end: Option<i64>,
    raw_end: Option<i64>,
    unattributed_rows: u64,
    unattributed: Num,
    /// Per contract (catalog order): rows claimed, and exact cost per day number.
    claimed: Vec<u64>,
    days: Vec<Vec<(i64, Num)>>,
}

impl Part {
    fn to_entry(&self, catalog: &Catalog) -> cache::Entry {
        cache::Entry {
            rows: self.rows,
            latest_end: self.raw_end,
            unattributed_rows: self.unattributed_rows,
            unattributed: cache::num_text(self.unattributed),
            contracts: catalog
                .contracts
                .iter()
                .enumerate()
                .filter(|(i, _)| self.claimed[*i] > 0 || !self.days[*i].is_empty())
                .map(|(i, c)| {
                    let days = self.days[i]
                        .iter()
                        .map(|(d, v)| (*d, cache::num_text(*v)))
                        .collect();
                    (c.id.clone(), self.claimed[i], days)
                })
                .collect(),
        }
    }

    fn from_entry(catalog: &Catalog, e: &cache::Entry) -> Option<Part> {
        let n = catalog.contracts.len();
        let mut part = Part {
            rows: e.rows,
            latest_end: e.latest_end,
            raw_end: e.latest_end,
            unattributed_rows: e.unattributed_rows,
            unattributed: cache::text_num(&e.unattributed)?,
            claimed: vec![0; n],
            days: vec![Vec::new(); n],
        };
        for (id, claimed, days) in &e.contracts {
            let i = catalog.contracts.iter().position(|c| c.id == *id)?;
            part.claimed[i] = *claimed;
            part.days[i] = days
                .iter()
                .map(|(d, v)| Some((*d, cache::text_num(v)?)))
                .collect::<Option<_>>()?;
        }
        Some(part)
    }
}

/// What decides how a file is attributed, besides its bytes: the cost column and every match
/// table, by contract id.
fn cache_context(catalog: &Catalog, cost: CostColumn) -> String {
    let mut out = format!("{}\n", cost.column());
    for c in &catalog.contracts {
        if c.actuals.is_empty() {
            continue;
        }
        out.push_str(&c.id);
        for (k, v) in &c.actuals {
            out.push_str(&format!("\u{1f}{k}\u{1e}{v}"));
        }
        out.push('\n');
    }
    out
}

/// What the rows of one file (or of some of its pieces) add up to, per contract and day.
struct Acc<'a> {
    catalog: &'a Catalog,
    index: &'a Index,
    cut: Option<i64>,
    buckets: Vec<HashMap<i64, Bucket, Fast>>,
    claimed: Vec<u64>,
    unattributed_rows: u64,
    unattributed: Bucket,
    latest_end: Option<i64>,
    raw_end: Option<i64>,
    claims: Vec<usize>,
    key: String,
}

impl<'a> Acc<'a> {
    fn new(catalog: &'a Catalog, index: &'a Index, cut: Option<i64>) -> Self {
        let n = catalog.contracts.len();
        Acc {
            catalog,
            index,
            cut,
            buckets: vec![HashMap::default(); n],
            claimed: vec![0; n],
            unattributed_rows: 0,
            unattributed: Bucket::default(),
            latest_end: None,
            raw_end: None,
            claims: Vec::new(),
            key: String::new(),
        }
    }
}

fn later(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

impl focus::Sink for Acc<'_> {
    fn row(&mut self, row: &CostRow<'_>) -> Result<(), FocusError> {
        self.index
            .claims(row.values, &mut self.key, &mut self.claims);
        self.claims.sort_unstable();
        self.claims.dedup();
        let (start, mut end) = (row.start, row.end);
        self.raw_end = later(self.raw_end, Some(end));
        // The part before `as_of` only, cut by seconds, exactly.
        let mut share: Option<Rational> = None;
        if let Some(cut) = self.cut {
            if start >= cut && end > start {
                return Ok(());
            }
            if end > cut {
                share = Rational::new(i128::from(cut - start), i128::from(end - start));
                end = cut;
            }
        }
        self.latest_end = later(self.latest_end, Some(end));
        let overflow =
            || FocusError::new(Code::Overflow, (row.at)(), "the cost of a day does not fit");
        match self.claims.as_slice() {
            [] => {
                self.unattributed_rows += 1;
                let part = match share {
                    None => Bucket {
                        whole: row.cost,
                        split: None,
                    },
                    Some(f) => Bucket {
                        whole: Decimal::ZERO,
                        split: Some(
                            Num::from_decimal(row.cost)
                                .checked_mul(Num::Exact(f))
                                .ok_or_else(overflow)?,
                        ),
                    },
                };
                self.unattributed.add(part).ok_or_else(overflow)?;
            }
            [c] => {
                self.claimed[*c] += 1;
                if end <= start {
                    end = start + 1;
                }
                match share {
                    None => spread(&mut self.buckets[*c], start, end, row.cost),
                    Some(f) => spread_exact(
                        &mut self.buckets[*c],
                        start,
                        end,
                        Num::from_decimal(row.cost)
                            .checked_mul(Num::Exact(f))
                            .ok_or_else(overflow)?,
                    ),
                }
                .ok_or_else(overflow)?;
            }
            [a, b, ..] => {
                let (a, b) = (&self.catalog.contracts[*a], &self.catalog.contracts[*b]);
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
    }

    fn merge(&mut self, other: Self) -> Result<(), FocusError> {
        let overflow = || FocusError::new(Code::Overflow, "", "the cost of a day does not fit");
        self.unattributed_rows += other.unattributed_rows;
        self.unattributed
            .add(other.unattributed)
            .ok_or_else(overflow)?;
        self.latest_end = later(self.latest_end, other.latest_end);
        self.raw_end = later(self.raw_end, other.raw_end);
        for (c, days) in other.buckets.into_iter().enumerate() {
            self.claimed[c] += other.claimed[c];
            for (day, b) in days {
                let mine = self.buckets[c].entry(day).or_default();
                mine.add(b).ok_or_else(overflow)?;
            }
        }
        Ok(())
    }
}

/// Reads and attributes one cost file.
fn read_part(
    catalog: &Catalog,
    index: &Index,
    file: &Path,
    cost: CostColumn,
    cut: Option<i64>,
) -> Result<Part, FocusError> {
    let n = catalog.contracts.len();
    let wanted = Wanted {
        cost,
        columns: &index.columns,
    };
    let (rows, acc) = focus::read_file_parallel(
        file,
        &wanted,
        &|| Acc::new(catalog, index, cut),
        rayon::current_num_threads(),
        None,
    )
    .map_err(|mut e| {
        if e.at.is_empty() {
            e.at = file.display().to_string();
        }
        e
    })?;
    let mut days = Vec::with_capacity(n);
    for b in acc.buckets {
        let mut d: Vec<(i64, Num)> = b
            .into_iter()
            .map(|(day, bucket)| Some((day, bucket.total()?)))
            .collect::<Option<_>>()
            .ok_or_else(|| {
                FocusError::new(
                    Code::Overflow,
                    file.display().to_string(),
                    "the cost of a day does not fit",
                )
            })?;
        d.sort_unstable_by_key(|x| x.0);
        days.push(d);
    }
    Ok(Part {
        rows,
        latest_end: acc.latest_end,
        raw_end: acc.raw_end,
        unattributed_rows: acc.unattributed_rows,
        unattributed: acc.unattributed.total().ok_or_else(|| {
            FocusError::new(
                Code::Overflow,
                file.display().to_string(),
                "the unattributed cost does not fit",
            )
        })?,
        claimed: acc.claimed,
        days,
    })
}

/// Adds an exact `amount` over seconds `[start, end)` to the day buckets, by seconds.
fn spread_exact(
    buckets: &mut HashMap<i64, Bucket, Fast>,
    start: i64,
    end: i64,
    amount: Num,
) -> Option<()> {
    let first = start.div_euclid(DAY_SECONDS);
    let last = (end - 1).div_euclid(DAY_SECONDS);
    let total = i128::from(end - start);
    for day in first..=last {
        let lo = start.max(day * DAY_SECONDS);
        let hi = end.min((day + 1) * DAY_SECONDS);
        let part = amount.checked_mul(Num::Exact(Rational::new(i128::from(hi - lo), total)?))?;
        let b = buckets.entry(day + EPOCH_DAY).or_default();
        b.split = Some(b.split.unwrap_or(Num::ZERO).checked_add(part)?);
    }
    Some(())
}

/// Adds `amount` over seconds `[start, end)` to the day buckets, in proportion to the seconds
/// in each day.
fn spread(
    buckets: &mut HashMap<i64, Bucket, Fast>,
    start: i64,
    end: i64,
    amount: Decimal,
) -> Option<()> {
    let first = start.div_euclid(DAY_SECONDS);
    let last = (end - 1).div_euclid(DAY_SECONDS);
    if first == last {
        return buckets.entry(first + EPOCH_DAY).or_default().add(Bucket {
            whole: amount,
            split: None,
        });
    }
    spread_exact(buckets, start, end, Num::from_decimal(amount))
}
