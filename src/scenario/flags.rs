//! The quick what-if flags of every report command (`--delay`, `--scale`, `--pue`,
//! `--exclude`), as one more scenario applied after the scenario files. The flags are written
//! into a source named `command line`, so that a problem they cause is shown under the flag.

/// The name of the scenario the what-if flags make, and of their source in diagnostics.
pub const COMMAND_LINE: &str = "command line";

use std::str::FromStr;

use rust_decimal::Decimal;

use crate::catalog::model::{Origin, Status};
use crate::catalog::parse::PortfolioPatch;
use crate::catalog::value::Duration;
use crate::diagnostic::{FileId, SourceFile, SourceMap};
use crate::scenario::{Adjust, Scenario, Selector};

/// `SELECTOR=DURATION`, as given to `--delay`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DelayFlag {
    pub select: Selector,
    pub delay: Duration,
}

/// `SELECTOR=FACTOR`, as given to `--scale`: units and value together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScaleFlag {
    pub select: Selector,
    pub factor: Decimal,
}

fn split(text: &str, what: &str) -> Result<(Selector, String), String> {
    let (sel, rest) = text
        .rsplit_once('=')
        .ok_or_else(|| format!("expected SELECTOR={what}, such as `provider:AWS=2q`"))?;
    let select = Selector::parse(sel).ok_or_else(|| {
        format!("`{sel}` is not a selector: write a contract id, `provider:NAME`, `hardware:ID`, `tranche:CONTRACT/TRANCHE` or `*`")
    })?;
    Ok((select, rest.trim().to_owned()))
}

/// A positive decimal factor: `0.8`, `1.25`.
pub fn parse_factor(text: &str) -> Result<Decimal, String> {
    let f = Decimal::from_str(text.trim()).map_err(|_| format!("`{text}` is not a number"))?;
    if f <= Decimal::ZERO {
        return Err(format!("`{text}` is not positive"));
    }
    Ok(f.normalize())
}

impl FromStr for DelayFlag {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (select, rest) = split(text, "DURATION")?;
        let delay = rest.parse::<Duration>().map_err(|e| e.to_string())?;
        Ok(DelayFlag { select, delay })
    }
}

impl FromStr for ScaleFlag {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (select, rest) = split(text, "FACTOR")?;
        Ok(ScaleFlag {
            select,
            factor: parse_factor(&rest)?,
        })
    }
}

/// The quick what-ifs of one command line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WhatIf {
    pub delay: Vec<DelayFlag>,
    pub scale: Vec<ScaleFlag>,
    pub pue: Option<Decimal>,
    pub exclude: Vec<Selector>,
    /// `--demand-scale X`: every workload's demand times X.
    pub demand_scale: Option<Decimal>,
}

impl WhatIf {
    pub fn is_empty(&self) -> bool {
        self == &WhatIf::default()
    }

    /// The flags as a scenario named `command line`, or `None` when there are none. Adds the
    /// `command line` source that its spans point into.
    pub fn to_scenario(&self, sources: &mut SourceMap) -> Option<Scenario> {
        if self.is_empty() {
            return None;
        }
        // The text the spans point into: the flags as one would type them.
        let mut text = String::new();
        let mut spans = Vec::new();
        let flag = |text: &mut String, name: &str, value: String| {
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(name);
            text.push(' ');
            let start = text.len();
            text.push_str(&value);
            start..text.len()
        };
        for d in &self.delay {
            spans.push(flag(
                &mut text,
                "--delay",
                format!("{}={}", d.select, d.delay),
            ));
        }
        for s in &self.scale {
            spans.push(flag(
                &mut text,
                "--scale",
                format!("{}={}", s.select, s.factor),
            ));
        }
        let pue_span = self.pue.map(|p| flag(&mut text, "--pue", p.to_string()));
        for e in &self.exclude {
            spans.push(flag(&mut text, "--exclude", e.to_string()));
        }
        let demand_span = self
            .demand_scale
            .map(|x| flag(&mut text, "--demand-scale", x.to_string()));
        text.push('\n');
        let file: FileId = sources.add(SourceFile::new(COMMAND_LINE, text));
        let mut spans = spans.into_iter();
        let mut adjusts = Vec::new();
        let entry = |select: &Selector, keys: &[&'static str], span: std::ops::Range<usize>| {
            let mut origin = Origin::new(file, span.clone());
            origin.set_key("select", span.clone());
            for key in keys {
                origin.set_key(key, span.clone());
            }
            Adjust {
                select: select.clone(),
                delay: None,
                scale_units: None,
                scale_value: None,
                spend: None,
                ramp: None,
                status: None,
                useful_life: None,
                scale_demand: None,
                origin,
            }
        };
        for d in &self.delay {
            let mut a = entry(&d.select, &["delay"], spans.next().unwrap_or_default());
            a.delay = Some(d.delay);
            adjusts.push(a);
        }
        for s in &self.scale {
            let mut a = entry(
                &s.select,
                &["scale_units", "scale_value"],
                spans.next().unwrap_or_default(),
            );
            a.scale_units = Some(s.factor);
            a.scale_value = Some(s.factor);
            adjusts.push(a);
        }
        for e in &self.exclude {
            let mut a = entry(e, &["status"], spans.next().unwrap_or_default());
            a.status = Some(Status::Cancelled);
            adjusts.push(a);
        }
        if let Some(x) = self.demand_scale {
            let every = Selector::Workload("*".to_owned());
            let mut a = entry(&every, &["scale_demand"], demand_span.unwrap_or_default());
            a.scale_demand = Some(x);
            adjusts.push(a);
        }
        let portfolio = self.pue.map(|pue| {
            let span = pue_span.unwrap_or_default();
            let mut origin = Origin::new(file, span.clone());
            origin.set_key("pue", span);
            PortfolioPatch {
                name: None,
                currency: None,
                horizon: None,
                pue: Some(pue),
                fiscal_year_start_month: None,
                compute: None,
                origin,
            }
        });
        Some(Scenario {
            name: COMMAND_LINE.to_owned(),
            description: None,
            portfolio,
            hardware: Vec::new(),
            remove: Vec::new(),
            contracts: Vec::new(),
            adjusts,
            risks: Vec::new(),
            workloads: Vec::new(),
            remove_workloads: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_parse_selector_and_value() {
        let d: DelayFlag = "provider:AWS=2q".parse().unwrap();
        assert_eq!(d.select, Selector::Provider("AWS".into()));
        assert_eq!(d.delay.to_string(), "2q");
        let s: ScaleFlag = "oracle-2025=0.8".parse().unwrap();
        assert_eq!(s.factor, Decimal::new(8, 1));
        assert!("oracle-2025".parse::<ScaleFlag>().is_err());
        assert!("oracle-2025=0".parse::<ScaleFlag>().is_err());
        assert!("Oracle=0.5".parse::<ScaleFlag>().is_err());
        assert!("aws-2025=soon".parse::<DelayFlag>().is_err());
    }
}
