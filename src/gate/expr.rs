//! The grammar of a gate: parsing `gw@2027Q4<10` into a [`Gate`].

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;

use crate::catalog::value::parse_money;
pub use crate::engine::metric::Metric as Figure;
use crate::engine::{By, Period};

/// A figure a gate can test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// A figure of the projection, as the engine measures it: `gw`, `mw`, `gpus`, `cpus`,
    /// `spend`, `cumulative-spend`.
    Figure(Figure),
    /// H100-equivalents online at the period's end, at the report's precision.
    H100e,
    /// The level demand not served in the period, in H100e-hours.
    Shortfall,
    /// Served over supply in the period, in percent.
    Utilization,
    /// A quantile of a risk run, such as P50 of GW.
    Quantile(u8, Base),
    /// The probability, from a risk run, of having reached the target's power by then.
    Probability,
    /// The change of a figure from OLD to NEW, from `diff`.
    Delta(Figure),
}

/// The figure a risk quantile is of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Base {
    Gw,
    Mw,
    Gpus,
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let base = |b: &Base| match b {
            Base::Gw => "gw",
            Base::Mw => "mw",
            Base::Gpus => "gpus",
        };
        match self {
            Metric::Figure(figure) => f.write_str(figure.name()),
            Metric::H100e => f.write_str("h100e"),
            Metric::Shortfall => f.write_str("shortfall"),
            Metric::Utilization => f.write_str("utilization"),
            Metric::Quantile(p, b) => write!(f, "p{p}-{}", base(b)),
            Metric::Probability => f.write_str("probability"),
            Metric::Delta(figure) => write!(f, "delta-{}", figure.name()),
        }
    }
}

/// A comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl Op {
    pub(super) fn holds(self, o: Ordering) -> bool {
        match self {
            Op::Lt => o.is_lt(),
            Op::Le => o.is_le(),
            Op::Gt => o.is_gt(),
            Op::Ge => o.is_ge(),
            Op::Eq => o.is_eq(),
            Op::Ne => o.is_ne(),
        }
    }
}

/// One parsed `--fail-if`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Gate {
    /// As written, for messages.
    pub text: String,
    pub condition: Condition,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Condition {
    At {
        metric: Metric,
        period: String,
        op: Op,
        value: Decimal,
    },
    TargetMet {
        op: Op,
        period: String,
    },
    /// How many runs miss their deadline.
    RunsMissed {
        op: Op,
        value: Decimal,
    },
    /// A dollar figure of the actuals: `unattributed-usd` or `shortfall-usd`.
    Usd {
        figure: UsdFigure,
        op: Op,
        value: Decimal,
    },
}

/// The dollar figures of the actuals that gates test (docs/actuals.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UsdFigure {
    /// Cost in rows that no contract claims (`actuals`, `burn`).
    Unattributed,
    /// The portfolio's projected shortfall at term end (`burn`).
    Shortfall,
}

impl UsdFigure {
    pub fn name(self) -> &'static str {
        match self {
            UsdFigure::Unattributed => "unattributed-usd",
            UsdFigure::Shortfall => "shortfall-usd",
        }
    }
}

const OPS: &[(&str, Op)] = &[
    ("<=", Op::Le),
    (">=", Op::Ge),
    ("==", Op::Eq),
    ("!=", Op::Ne),
    ("<", Op::Lt),
    (">", Op::Gt),
];

fn split_op(text: &str) -> Option<(&str, Op, &str)> {
    let i = text.find(['<', '>', '=', '!'])?;
    let (left, rest) = text.split_at(i);
    let (sym, op) = OPS.iter().find(|(sym, _)| rest.starts_with(sym))?;
    Some((left.trim(), *op, rest[sym.len()..].trim()))
}

fn parse_metric(text: &str) -> Result<Metric, String> {
    if let Some(figure) = text.strip_prefix("delta-") {
        return match parse_metric(figure) {
            Ok(Metric::Figure(f)) => Ok(Metric::Delta(f)),
            _ => Err(format!(
                "`{text}` is not a metric: `delta-` takes gw, mw, gpus, cpus, spend or cumulative-spend"
            )),
        };
    }
    Ok(match text {
        "gw" => Metric::Figure(Figure::Gw),
        "mw" => Metric::Figure(Figure::Mw),
        "gpus" => Metric::Figure(Figure::Gpus),
        "cpus" => Metric::Figure(Figure::Cpus),
        "h100e" => Metric::H100e,
        "shortfall" => Metric::Shortfall,
        "utilization" => Metric::Utilization,
        "spend" => Metric::Figure(Figure::Spend),
        "cumulative-spend" | "cum-spend" => Metric::Figure(Figure::CumulativeSpend),
        "probability" => Metric::Probability,
        other => {
            let q = other
                .strip_prefix('p')
                .and_then(|rest| rest.split_once('-'));
            let Some((n, base)) = q else {
                return Err(format!(
                    "`{other}` is not a metric: expected gw, mw, gpus, cpus, h100e, shortfall, utilization, spend, cumulative-spend, delta-FIGURE, pN-gw, pN-mw, pN-gpus or probability"
                ));
            };
            let n: u8 = n
                .parse()
                .ok()
                .filter(|n| *n <= 100)
                .ok_or_else(|| format!("`p{n}` is not a quantile from p0 to p100"))?;
            let base = match base {
                "gw" => Base::Gw,
                "mw" => Base::Mw,
                "gpus" => Base::Gpus,
                b => return Err(format!("`p{n}-{b}`: a quantile is of gw, mw or gpus")),
            };
            Metric::Quantile(n, base)
        }
    })
}

impl FromStr for Gate {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let t = text.trim();
        let (left, op, right) = split_op(t).ok_or_else(|| {
            format!("`{t}` has no comparison: write METRIC@PERIOD<VALUE (also <=, >, >=, ==, !=) or target-met>PERIOD")
        })?;
        if right.is_empty() {
            return Err(format!("`{t}` has nothing to compare with"));
        }
        let condition = if left == "target-met" {
            Condition::TargetMet {
                op,
                period: right.to_owned(),
            }
        } else if let Some(figure) = [UsdFigure::Unattributed, UsdFigure::Shortfall]
            .into_iter()
            .find(|f| f.name() == left)
        {
            let value = parse_money(right).map_err(|_| format!("`{right}` is not an amount"))?;
            Condition::Usd { figure, op, value }
        } else if left == "runs-missed" {
            let value =
                parse_money(right).map_err(|_| format!("`{right}` is not a number of runs"))?;
            Condition::RunsMissed { op, value }
        } else {
            let (metric, period) = left.split_once('@').ok_or_else(|| {
                format!("`{left}` needs a period: write METRIC@PERIOD, such as gw@2027Q4")
            })?;
            let metric = parse_metric(metric.trim())?;
            let period = period.trim();
            if period.is_empty() {
                return Err(format!("`{left}` needs a period after `@`"));
            }
            let value = parse_money(right).map_err(|_| {
                format!("`{right}` is not a number (a leading `-` and a K, M, B or T suffix are allowed)")
            })?;
            Condition::At {
                metric,
                period: period.to_owned(),
                op,
                value,
            }
        };
        Ok(Gate {
            text: t.to_owned(),
            condition,
        })
    }
}

/// What gates read: the figures of the report just written.
pub trait Figures {
    /// The metric's value in a period, or `None` where this report has no such figure (a risk
    /// quantile on a plan, a period outside the projection).
    fn value(&self, metric: Metric, period: &Period) -> Option<Decimal>;
    /// The period of length `by` in which the target is met: `Some(None)` if never, `None`
    /// without a target.
    fn target_met(&self, by: By) -> Option<Option<Period>>;
    /// How many runs miss their deadline, or `None` where the report has no demand.
    fn runs_missed(&self) -> Option<usize> {
        None
    }
    /// A dollar figure of the actuals, or `None` where the report has none.
    fn usd(&self, _figure: UsdFigure) -> Option<Decimal> {
        None
    }
}
