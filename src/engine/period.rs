//! The period grid: months, quarters and years, calendar or fiscal (docs/figures.md, periods
//! and the window).
//!
//! Labels: `2026-01` for months; `2026Q1` and `2026` for calendar quarters and years; with a
//! fiscal year starting in month m != 1, `FY2026Q1` and `FY2026`, named by the calendar year in
//! which the fiscal year ends (FY2026 is 2025-07-01 to 2026-07-01 for m = 7). Periods are
//! half-open `[start, end)`.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;
use thiserror::Error;

/// The length of a period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum By {
    Month,
    Quarter,
    Year,
}

impl By {
    pub fn months(self) -> u32 {
        match self {
            By::Month => 1,
            By::Quarter => 3,
            By::Year => 12,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            By::Month => "month",
            By::Quarter => "quarter",
            By::Year => "year",
        }
    }
}

/// A grid of periods: their length and the month the (fiscal) year starts in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grid {
    pub by: By,
    /// 1 for calendar years.
    pub fy_start_month: u32,
}

/// One period of a grid.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    pub label: String,
    pub start: NaiveDate,
    /// Exclusive.
    pub end: NaiveDate,
}

impl Period {
    /// The last day of the period.
    pub fn last_day(&self) -> NaiveDate {
        self.end.pred_opt().unwrap_or(self.end)
    }

    pub fn days(&self) -> i64 {
        (self.end - self.start).num_days()
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label)
    }
}

/// A `--from` or `--to` that is neither a period label nor a date, or that does not fit the grid.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PeriodError {
    #[error(
        "`{0}` is not a period or a date: expected a label such as `2026Q1`, `2026-01`, `2026`, `FY2026Q1`, or a date such as `2026-03-15`"
    )]
    Unparsable(String),
    #[error(
        "`{label}` is a {label_kind} label, but the fiscal year starts in month {fy_start_month}: {hint}"
    )]
    WrongCalendar {
        label: String,
        label_kind: &'static str,
        fy_start_month: u32,
        hint: String,
    },
    #[error("`{0}` is out of the calendar capplan handles")]
    OutOfRange(String),
}

/// What a `--from` or `--to` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    /// A day.
    Date(NaiveDate),
    /// A whole period, `[start, end)`.
    Span(NaiveDate, NaiveDate),
}

impl Grid {
    pub fn new(by: By, fy_start_month: u32) -> Self {
        Grid {
            by,
            fy_start_month: fy_start_month.clamp(1, 12),
        }
    }

    fn fiscal(&self) -> bool {
        self.fy_start_month != 1
    }

    /// The start of the period that contains `date`.
    pub fn period_start(&self, date: NaiveDate) -> NaiveDate {
        let len = self.by.months() as i32;
        // Months since the start of a fiscal year, aligned down to the period length.
        let month0 = date.month0() as i32;
        let offset = (month0 - (self.fy_start_month as i32 - 1)).rem_euclid(12);
        let back = offset % len;
        let first = NaiveDate::from_ymd_opt(date.year(), date.month(), 1).unwrap_or(date);
        first
            .checked_sub_months(Months::new(back as u32))
            .unwrap_or(first)
    }

    /// The period that starts on `start`, which must be a period start of this grid.
    pub fn period_at(&self, start: NaiveDate) -> Option<Period> {
        let end = start.checked_add_months(Months::new(self.by.months()))?;
        Some(Period {
            label: self.label(start),
            start,
            end,
        })
    }

    /// The period that contains `date`.
    pub fn period_of(&self, date: NaiveDate) -> Option<Period> {
        self.period_at(self.period_start(date))
    }

    /// Every period that overlaps `[from, to)`, in order.
    pub fn periods(&self, from: NaiveDate, to: NaiveDate) -> Vec<Period> {
        let mut out = Vec::new();
        let mut start = self.period_start(from);
        while start < to {
            let Some(p) = self.period_at(start) else {
                break;
            };
            start = p.end;
            out.push(p);
        }
        out
    }

    /// The label of the period starting on `start`.
    pub fn label(&self, start: NaiveDate) -> String {
        match self.by {
            By::Month => format!("{:04}-{:02}", start.year(), start.month()),
            By::Quarter | By::Year => {
                let offset =
                    (start.month0() as i32 - (self.fy_start_month as i32 - 1)).rem_euclid(12);
                let fy = if self.fiscal() && start.month() >= self.fy_start_month {
                    start.year() + 1
                } else {
                    start.year()
                };
                let prefix = if self.fiscal() { "FY" } else { "" };
                match self.by {
                    By::Quarter => format!("{prefix}{fy:04}Q{}", offset / 3 + 1),
                    _ => format!("{prefix}{fy:04}"),
                }
            }
        }
    }

    /// The first day of fiscal (or calendar) year `fy`.
    fn year_start(&self, fy: i32) -> Option<NaiveDate> {
        let year = if self.fiscal() { fy - 1 } else { fy };
        NaiveDate::from_ymd_opt(year, self.fy_start_month, 1)
    }

    /// Parses a `--from` or `--to` value: a period label of any length, or a date.
    pub fn parse_bound(&self, text: &str) -> Result<Bound, PeriodError> {
        let t = text.trim();
        let unparsable = || PeriodError::Unparsable(text.to_owned());
        if let Ok(date) = NaiveDate::from_str(t)
            && t.len() == 10
        {
            return Ok(Bound::Date(date));
        }
        let (fiscal, body) = match t.strip_prefix("FY").or_else(|| t.strip_prefix("fy")) {
            Some(rest) => (true, rest),
            None => (false, t),
        };
        let year_of = |s: &str| -> Result<i32, PeriodError> {
            if s.len() == 4 && s.chars().all(|c| c.is_ascii_digit()) {
                s.parse().map_err(|_| unparsable())
            } else {
                Err(unparsable())
            }
        };
        let span = |start: Option<NaiveDate>, months: u32| -> Result<Bound, PeriodError> {
            let start = start.ok_or_else(|| PeriodError::OutOfRange(text.to_owned()))?;
            let end = start
                .checked_add_months(Months::new(months))
                .ok_or_else(|| PeriodError::OutOfRange(text.to_owned()))?;
            Ok(Bound::Span(start, end))
        };
        // A month: `2026-01`, always calendar.
        if !fiscal && let Some((y, m)) = body.split_once('-') {
            let year = year_of(y)?;
            // Two digits: `parse` alone would also take `+5`.
            let month: u32 = if m.len() == 2 && m.bytes().all(|b| b.is_ascii_digit()) {
                m.parse().map_err(|_| unparsable())?
            } else {
                return Err(unparsable());
            };
            if !(1..=12).contains(&month) {
                return Err(unparsable());
            }
            return span(NaiveDate::from_ymd_opt(year, month, 1), 1);
        }
        let (year_text, quarter) = match body.split_once(['Q', 'q']) {
            Some((y, q)) => {
                let q: u32 = if q.len() == 1 {
                    q.parse().map_err(|_| unparsable())?
                } else {
                    return Err(unparsable());
                };
                if !(1..=4).contains(&q) {
                    return Err(unparsable());
                }
                (y, Some(q))
            }
            None => (body, None),
        };
        let fy = year_of(year_text)?;
        if fiscal != self.fiscal() {
            let kind = if fiscal { "fiscal" } else { "calendar" };
            let hint = if self.fiscal() {
                // The same months, labelled on this calendar, where they are one period of it.
                let by = if quarter.is_some() {
                    By::Quarter
                } else {
                    By::Year
                };
                let start = Grid::new(by, 1).year_start(fy).and_then(|s| {
                    s.checked_add_months(Months::new(3 * (quarter.unwrap_or(1) - 1)))
                });
                match start.map(|s| (s, Grid::new(by, self.fy_start_month))) {
                    Some((s, g)) if g.period_start(s) == s => {
                        format!("that period is `{}` here, or give a date", g.label(s))
                    }
                    Some((s, _)) => format!(
                        "it does not line up with fiscal periods; give dates instead, such as `{s}`"
                    ),
                    None => "give a date instead".to_owned(),
                }
            } else {
                "this catalog's years are calendar years: write a label such as `2026Q1`, or a date"
                    .to_owned()
            };
            return Err(PeriodError::WrongCalendar {
                label: text.to_owned(),
                label_kind: kind,
                fy_start_month: self.fy_start_month,
                hint,
            });
        }
        let year_start = self.year_start(fy);
        match quarter {
            Some(q) => span(
                year_start.and_then(|s| s.checked_add_months(Months::new(3 * (q - 1)))),
                3,
            ),
            None => span(year_start, 12),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn calendar_quarters_are_labelled_by_year_and_number() {
        let g = Grid::new(By::Quarter, 1);
        let p = g.period_of(date(2026, 5, 17)).unwrap();
        assert_eq!(
            (p.label.as_str(), p.start, p.end),
            ("2026Q2", date(2026, 4, 1), date(2026, 7, 1))
        );
        assert_eq!(p.last_day(), date(2026, 6, 30));
        assert_eq!(g.period_of(date(2025, 12, 31)).unwrap().label, "2025Q4");
    }

    #[test]
    fn months_and_years_have_plain_labels() {
        assert_eq!(
            Grid::new(By::Month, 1)
                .period_of(date(2026, 2, 28))
                .unwrap()
                .label,
            "2026-02"
        );
        assert_eq!(
            Grid::new(By::Month, 7)
                .period_of(date(2026, 2, 28))
                .unwrap()
                .label,
            "2026-02"
        );
        let y = Grid::new(By::Year, 1).period_of(date(2028, 2, 29)).unwrap();
        assert_eq!((y.label.as_str(), y.days()), ("2028", 366));
    }

    #[test]
    fn fiscal_years_starting_in_july_are_named_by_their_ending_year() {
        let g = Grid::new(By::Year, 7);
        let p = g.period_of(date(2025, 7, 1)).unwrap();
        assert_eq!(
            (p.label.as_str(), p.start, p.end),
            ("FY2026", date(2025, 7, 1), date(2026, 7, 1))
        );
        assert_eq!(g.period_of(date(2026, 6, 30)).unwrap().label, "FY2026");
        assert_eq!(g.period_of(date(2026, 7, 1)).unwrap().label, "FY2027");
        let q = Grid::new(By::Quarter, 7);
        let p = q.period_of(date(2025, 8, 15)).unwrap();
        assert_eq!((p.label.as_str(), p.start), ("FY2026Q1", date(2025, 7, 1)));
        assert_eq!(q.period_of(date(2026, 1, 1)).unwrap().label, "FY2026Q3");
        assert_eq!(q.period_of(date(2026, 6, 30)).unwrap().label, "FY2026Q4");
    }

    #[test]
    fn quarters_of_a_fiscal_year_starting_in_february_align_to_it() {
        let q = Grid::new(By::Quarter, 2);
        let p = q.period_of(date(2026, 1, 15)).unwrap();
        assert_eq!(
            (p.label.as_str(), p.start, p.end),
            ("FY2026Q4", date(2025, 11, 1), date(2026, 2, 1))
        );
    }

    #[test]
    fn periods_cover_a_window_that_cuts_them() {
        let g = Grid::new(By::Quarter, 1);
        let ps = g.periods(date(2025, 11, 3), date(2026, 4, 2));
        let labels: Vec<_> = ps.iter().map(|p| p.label.as_str()).collect();
        assert_eq!(labels, ["2025Q4", "2026Q1", "2026Q2"]);
        assert!(g.periods(date(2026, 1, 1), date(2026, 1, 1)).is_empty());
    }

    #[test]
    fn bounds_parse_as_labels_or_dates() {
        let g = Grid::new(By::Quarter, 1);
        assert_eq!(
            g.parse_bound("2026Q2"),
            Ok(Bound::Span(date(2026, 4, 1), date(2026, 7, 1)))
        );
        assert_eq!(
            g.parse_bound("2026"),
            Ok(Bound::Span(date(2026, 1, 1), date(2027, 1, 1)))
        );
        assert_eq!(
            g.parse_bound("2026-02"),
            Ok(Bound::Span(date(2026, 2, 1), date(2026, 3, 1)))
        );
        assert_eq!(
            g.parse_bound("2026-02-14"),
            Ok(Bound::Date(date(2026, 2, 14)))
        );
        for bad in [
            "2026Q5",
            "26Q1",
            "2026-13",
            "Q1",
            "next year",
            "2026-02-30",
            "2026Q",
        ] {
            assert!(
                matches!(g.parse_bound(bad), Err(PeriodError::Unparsable(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            g.parse_bound("FY2026"),
            Err(PeriodError::WrongCalendar { .. })
        ));
        let f = Grid::new(By::Quarter, 7);
        assert_eq!(
            f.parse_bound("FY2026Q1"),
            Ok(Bound::Span(date(2025, 7, 1), date(2025, 10, 1)))
        );
        assert_eq!(
            f.parse_bound("FY2026"),
            Ok(Bound::Span(date(2025, 7, 1), date(2026, 7, 1)))
        );
        assert!(matches!(
            f.parse_bound("2026Q1"),
            Err(PeriodError::WrongCalendar { .. })
        ));
    }
}
