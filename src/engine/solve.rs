//! Goal seek (docs/finance.md, goal seek): the value of one lever at which a goal starts or stops
//! holding.
//!
//! The lever's values are whole steps of a range `[lo, hi]` (millionths of a factor, or days
//! of delay). The search projects 33 evenly spaced points of the range first: where the goal
//! holds at all of them, none, or changes more than once, that is the answer (a goal that
//! changes back and forth has no one boundary). Where it changes once, between two
//! neighbouring points, bisection finds the two adjacent steps between which it flips, in
//! about `log2((hi - lo) / 32)` more projections. The boundary is given on the side where
//! the goal holds, with the figure there and at the step on the other side.
//!
//! The search knows nothing of catalogs: it asks a function for each step's outcome, so that
//! any goal can use it, and tests can give it closed forms. A [`Lever`] says what a step is:
//! the quick what-if flag (`--scale` or `--delay`) that applies it.

use std::collections::BTreeMap;
use std::str::FromStr;

use rust_decimal::Decimal;

use crate::catalog::value::{Duration, DurationUnit};
use crate::scenario::Selector;
use crate::scenario::flags::{DelayFlag, ScaleFlag, WhatIf};

/// Millionths: the step of a scale factor.
pub const MICRO: i64 = 1_000_000;

/// What `solve` moves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lever {
    /// `scale:SELECTOR`: units and value multiplied by a factor, as `--scale`.
    Scale(Selector),
    /// `delay:SELECTOR`: tranches delayed by whole days, as `--delay`.
    Delay(Selector),
}

impl FromStr for Lever {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad_selector = |s: &str| {
            format!(
                "`{s}` is not a selector: write a contract id, `provider:NAME`, `hardware:ID`, `tranche:CONTRACT/TRANCHE` or `*`"
            )
        };
        if let Some(rest) = text.strip_prefix("scale:") {
            return Selector::parse(rest)
                .map(Lever::Scale)
                .ok_or_else(|| bad_selector(rest));
        }
        if let Some(rest) = text.strip_prefix("delay:") {
            return Selector::parse(rest)
                .map(Lever::Delay)
                .ok_or_else(|| bad_selector(rest));
        }
        Err(format!(
            "`{text}` is not a lever: write `scale:SELECTOR` (a factor on units and value) or `delay:SELECTOR` (a delay in days)"
        ))
    }
}

impl Lever {
    /// The selector the lever moves.
    pub fn selector(&self) -> &Selector {
        match self {
            Lever::Scale(s) | Lever::Delay(s) => s,
        }
    }

    /// The lever as written: `scale:*`, `delay:provider:AWS`.
    pub fn name(&self) -> String {
        match self {
            Lever::Scale(s) => format!("scale:{s}"),
            Lever::Delay(s) => format!("delay:{s}"),
        }
    }

    /// A step of the lever as people read it: `1.234567` or `120d`.
    pub fn show(&self, step: i64) -> String {
        match self {
            Lever::Scale(_) => Decimal::new(step, 6).to_string(),
            Lever::Delay(_) => format!("{step}d"),
        }
    }

    /// The lever at one step as the quick what-if flags would write it: `--scale SELECTOR=F`
    /// or `--delay SELECTOR=Nd`.
    pub fn what_if(&self, step: i64) -> WhatIf {
        match self {
            Lever::Scale(s) => WhatIf {
                scale: vec![ScaleFlag {
                    select: s.clone(),
                    factor: Decimal::new(step, 6).normalize(),
                }],
                ..WhatIf::default()
            },
            Lever::Delay(s) => WhatIf {
                delay: vec![DelayFlag {
                    select: s.clone(),
                    delay: Duration {
                        count: step,
                        unit: DurationUnit::Days,
                    },
                }],
                ..WhatIf::default()
            },
        }
    }
}

/// The outcome of one projection: whether the goal holds, the figure it tests, and what the
/// projection measured, to tell a lever that moves nothing from a goal that holds everywhere.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Probe<F> {
    pub holds: bool,
    pub figure: F,
    /// Everything the goal's figure is computed from (for `target-met`, whole series).
    pub measured: Vec<i128>,
}

/// What the search found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome<F> {
    /// The goal flips between two adjacent steps: `holds` is where it holds, `fails` the step
    /// next to it where it does not.
    Boundary { holds: (i64, F), fails: (i64, F) },
    /// The goal holds at every point tried, from the range's start to its end.
    Everywhere { lo: (i64, F), hi: (i64, F) },
    /// The goal holds at no point tried.
    Nowhere { lo: (i64, F), hi: (i64, F) },
    /// The goal changes `changes` times over the points tried: it has no one boundary.
    NotMonotone {
        changes: usize,
        points: Vec<(i64, bool)>,
    },
    /// The figure is the same at every point tried: the lever does not move it.
    Unmoved { figure: F },
}

/// How many evenly spaced points the first pass projects.
pub const SCAN_POINTS: i64 = 33;

/// The steps of the first pass: 33 evenly spaced from `lo` to `hi` inclusive (fewer where the
/// range has fewer steps).
pub fn scan_points(lo: i64, hi: i64) -> Vec<i64> {
    let span = i128::from(hi) - i128::from(lo);
    let mut out: Vec<i64> = (0..SCAN_POINTS)
        .map(|i| {
            let offset = span * i128::from(i) / i128::from(SCAN_POINTS - 1);
            i64::try_from(i128::from(lo) + offset).unwrap_or(hi)
        })
        .collect();
    out.dedup();
    out
}

/// Searches `[lo, hi]` (`lo < hi`) for the step where the goal flips. `eval` projects one
/// step; its errors stop the search. Returns the outcome and the number of projections.
pub fn solve<F: Clone + PartialEq, E>(
    lo: i64,
    hi: i64,
    mut eval: impl FnMut(i64) -> Result<Probe<F>, E>,
) -> Result<(Outcome<F>, usize), E> {
    let mut seen: BTreeMap<i64, Probe<F>> = BTreeMap::new();
    let mut probe = |x: i64, seen: &mut BTreeMap<i64, Probe<F>>| -> Result<Probe<F>, E> {
        if let Some(p) = seen.get(&x) {
            return Ok(p.clone());
        }
        let p = eval(x)?;
        seen.insert(x, p.clone());
        Ok(p)
    };
    let points = scan_points(lo, hi);
    let mut scanned = Vec::with_capacity(points.len());
    for &x in &points {
        scanned.push((x, probe(x, &mut seen)?));
    }
    let first = scanned.first().cloned();
    let last = scanned.last().cloned();
    let (Some((x0, p0)), Some((xn, pn))) = (first, last) else {
        return Ok((
            Outcome::NotMonotone {
                changes: 0,
                points: Vec::new(),
            },
            0,
        ));
    };
    if scanned
        .iter()
        .all(|(_, p)| p.figure == p0.figure && p.measured == p0.measured)
    {
        return Ok((Outcome::Unmoved { figure: p0.figure }, seen.len()));
    }
    let flips: Vec<usize> = (1..scanned.len())
        .filter(|&i| scanned[i].1.holds != scanned[i - 1].1.holds)
        .collect();
    let outcome = match flips.as_slice() {
        [] if p0.holds => Outcome::Everywhere {
            lo: (x0, p0.figure),
            hi: (xn, pn.figure),
        },
        [] => Outcome::Nowhere {
            lo: (x0, p0.figure),
            hi: (xn, pn.figure),
        },
        [i] => {
            let (mut a, mut pa) = scanned[i - 1].clone();
            let (mut b, mut pb) = scanned[*i].clone();
            while b - a > 1 {
                let m = a + (b - a) / 2;
                let pm = probe(m, &mut seen)?;
                if pm.holds == pa.holds {
                    (a, pa) = (m, pm);
                } else {
                    (b, pb) = (m, pm);
                }
            }
            if pa.holds {
                Outcome::Boundary {
                    holds: (a, pa.figure),
                    fails: (b, pb.figure),
                }
            } else {
                Outcome::Boundary {
                    holds: (b, pb.figure),
                    fails: (a, pa.figure),
                }
            }
        }
        many => Outcome::NotMonotone {
            changes: many.len(),
            points: scanned.iter().map(|(x, p)| (*x, p.holds)).collect(),
        },
    };
    Ok((outcome, seen.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn threshold(t: i64) -> impl FnMut(i64) -> Result<Probe<i64>, ()> {
        move |x| {
            Ok(Probe {
                holds: x >= t,
                figure: x,
                measured: vec![i128::from(x)],
            })
        }
    }

    #[test]
    fn a_single_flip_is_found_to_the_step_on_the_holding_side() {
        let (o, n) = solve(100_000, 10_000_000, threshold(1_234_567)).unwrap();
        assert_eq!(
            o,
            Outcome::Boundary {
                holds: (1_234_567, 1_234_567),
                fails: (1_234_566, 1_234_566)
            }
        );
        // 33 points, then bisection of one 309,375-step gap.
        assert!(n <= 33 + 19, "{n} projections");
        // A goal that holds below the boundary.
        let (o, _) = solve(0, 1096, |x| {
            Ok::<_, ()>(Probe {
                holds: x <= 200,
                figure: x,
                measured: Vec::new(),
            })
        })
        .unwrap();
        assert_eq!(
            o,
            Outcome::Boundary {
                holds: (200, 200),
                fails: (201, 201)
            }
        );
    }

    #[test]
    fn everywhere_nowhere_unmoved_and_not_monotone_are_told_apart() {
        let (o, _) = solve(0, 100, threshold(-5)).unwrap();
        assert!(matches!(o, Outcome::Everywhere { .. }));
        let (o, _) = solve(0, 100, threshold(500)).unwrap();
        assert!(matches!(o, Outcome::Nowhere { .. }));
        let (o, n) = solve(0, 100, |_| {
            Ok::<_, ()>(Probe {
                holds: true,
                figure: 7,
                measured: vec![7],
            })
        })
        .unwrap();
        assert_eq!((o, n), (Outcome::Unmoved { figure: 7 }, 33));
        // The same figure everywhere, but the lever moves what it is computed from: the goal
        // simply holds everywhere.
        let (o, _) = solve(0, 100, |x| {
            Ok::<_, ()>(Probe {
                holds: true,
                figure: 7,
                measured: vec![i128::from(x)],
            })
        })
        .unwrap();
        assert!(matches!(o, Outcome::Everywhere { .. }));
        let (o, _) = solve(0, 320, |x| {
            Ok::<_, ()>(Probe {
                holds: (100..200).contains(&x),
                figure: x,
                measured: Vec::new(),
            })
        })
        .unwrap();
        assert!(matches!(o, Outcome::NotMonotone { changes: 2, .. }));
    }

    #[test]
    fn short_ranges_scan_each_step_once() {
        assert_eq!(scan_points(0, 3), vec![0, 1, 2, 3]);
        assert_eq!(scan_points(0, 64).len(), 33);
    }
}
