//! Sensitivity: how much a delay or a scale of each contract in turn moves one figure at one
//! period (`capplan sensitivity`, docs/cli.md).
//!
//! Each variant is a one-entry scenario (an `[[adjust]]` that selects the contract) applied with
//! [`crate::scenario::apply_all`], so a shift means exactly what it means in a scenario file, and
//! is validated the same way: a delay that pushes a tranche past its contract's end makes that
//! variant not applicable, which is reported, not an error. The variant is applied to a catalog of
//! that one contract, and its figure is the baseline's exact sum with the contract's share
//! replaced ([`crate::engine::metric`]): the baseline is computed once, and a variant costs one
//! contract's work.

use rayon::prelude::*;
use rust_decimal::Decimal;

use crate::catalog::validate::Checks;
use crate::catalog::value::Duration;
use crate::catalog::{Catalog, Contract, Origin};
use crate::diagnostic::{FileId, Report, SourceFile, SourceMap};
use crate::engine::metric::{Probe, Share};
use crate::engine::{EngineError, Filter};
use crate::report::compare::{NotApplicable, SensitivityRow};
use crate::scenario::{Adjust, Scenario, Selector, apply_all};

/// The baseline's figure and every included contract's row, in catalog order.
pub struct Ranking {
    pub baseline: i128,
    pub rows: Vec<SensitivityRow>,
    /// The variants that are not applicable, and why.
    pub not_applicable: Vec<NotApplicable>,
}

/// Delays each contract `filter` includes by `delay` and, separately, scales it by `factor`,
/// and measures `probe`'s figure with each variant.
pub fn rank(
    catalog: &Catalog,
    filter: &Filter,
    probe: &Probe<'_>,
    delay: Duration,
    factor: Decimal,
) -> Result<Ranking, EngineError> {
    let included: Vec<&Contract> = catalog
        .contracts
        .iter()
        .filter(|c| filter.includes(c))
        .collect();
    // The baseline, once: every contract's share and their sum.
    let shares: Vec<Share> = included
        .par_iter()
        .map(|c| probe.share(catalog, c))
        .collect::<Result<_, _>>()?;
    let total = shares
        .iter()
        .try_fold(Share::default(), |a, s| a.checked_add(*s))
        .ok_or_else(|| EngineError {
            contract: String::new(),
            what: "the metric",
        })?;
    let baseline = probe.value(total)?;
    let variants = Variants::new(delay, factor);
    let results: Vec<_> = included
        .par_iter()
        .zip(shares.par_iter())
        .map(|(c, base)| contract_row(catalog, probe, &variants, total, c, *base))
        .collect::<Result<_, _>>()?;
    let mut rows = Vec::with_capacity(results.len());
    let mut not_applicable = Vec::new();
    for (row, skipped) in results {
        rows.push(row);
        not_applicable.extend(skipped);
    }
    Ok(Ranking {
        baseline,
        rows,
        not_applicable,
    })
}

/// The two variants of every contract, as `[[adjust]]` entries written on a command line.
struct Variants {
    file: FileId,
    delay: Duration,
    factor: Decimal,
    /// Where `--shift` and `--factor` are in the source text.
    spans: [std::ops::Range<usize>; 2],
}

impl Variants {
    fn new(delay: Duration, factor: Decimal) -> Variants {
        let shift = format!("--shift {delay}");
        let text = format!("{shift} --factor {factor}\n");
        let mut sources = SourceMap::default();
        let file = sources.add(SourceFile::new("command line", text.clone()));
        Variants {
            file,
            delay,
            factor,
            spans: [8..shift.len(), shift.len() + 10..text.len() - 1],
        }
    }

    /// A scenario that delays (`scaled == false`) or scales contract `id`.
    fn scenario(&self, id: &str, scaled: bool) -> Scenario {
        let span = self.spans[usize::from(scaled)].clone();
        let mut origin = Origin::new(self.file, span.clone());
        origin.set_key("select", span.clone());
        let keys: &[&'static str] = if scaled {
            &["scale_units", "scale_value"]
        } else {
            &["delay"]
        };
        for key in keys {
            origin.set_key(key, span.clone());
        }
        let adjust = Adjust {
            select: Selector::Contract(id.to_owned()),
            delay: (!scaled).then_some(self.delay),
            scale_units: scaled.then_some(self.factor),
            scale_value: scaled.then_some(self.factor),
            spend: None,
            ramp: None,
            status: None,
            useful_life: None,
            scale_demand: None,
            origin,
        };
        Scenario {
            name: if scaled { "scale" } else { "delay" }.to_owned(),
            description: None,
            portfolio: None,
            hardware: Vec::new(),
            remove: Vec::new(),
            contracts: Vec::new(),
            adjusts: vec![adjust],
            risks: Vec::new(),
            workloads: Vec::new(),
            remove_workloads: Vec::new(),
        }
    }
}

/// The metric with one variant of one contract, or why that variant is invalid.
fn variant(
    probe: &Probe<'_>,
    alone: &Catalog,
    total: Share,
    base: Share,
    scenario: &Scenario,
) -> Result<Result<i128, NotApplicable>, EngineError> {
    let mut report = Report::default();
    match apply_all(
        alone,
        std::slice::from_ref(scenario),
        Checks::ErrorsOnly,
        &mut report,
    ) {
        Some(changed) => {
            let share = probe.share(&changed, &changed.contracts[0])?;
            let sum = total
                .checked_sub(base)
                .and_then(|t| t.checked_add(share))
                .ok_or_else(|| EngineError {
                    contract: changed.contracts[0].id.clone(),
                    what: "the metric",
                })?;
            Ok(Ok(probe.value(sum)?))
        }
        None => {
            let first = report.diagnostics.iter().find(|d| d.is_error());
            Ok(Err(NotApplicable {
                contract: alone.contracts[0].id.clone(),
                shift: if scenario.name == "scale" {
                    "scale"
                } else {
                    "delay"
                },
                code: first.map_or("invalid", |d| d.code.name()),
                message: first.map_or_else(String::new, |d| d.message.clone()),
            }))
        }
    }
}

/// One contract's row, and its variants that are not applicable.
fn contract_row(
    catalog: &Catalog,
    probe: &Probe<'_>,
    variants: &Variants,
    total: Share,
    c: &Contract,
    base: Share,
) -> Result<(SensitivityRow, Vec<NotApplicable>), EngineError> {
    let alone = Catalog {
        portfolio: catalog.portfolio.clone(),
        targets: catalog.targets.clone(),
        hardware: catalog.hardware.clone(),
        contracts: vec![c.clone()],
        observed: Vec::new(),
        workloads: Vec::new(),
    };
    let mut skipped = Vec::new();
    let mut run = |scaled: bool| -> Result<Option<i128>, EngineError> {
        let scenario = variants.scenario(&c.id, scaled);
        Ok(match variant(probe, &alone, total, base, &scenario)? {
            Ok(v) => Some(v),
            Err(n) => {
                skipped.push(n);
                None
            }
        })
    };
    let delayed = run(false)?;
    let scaled = run(true)?;
    Ok((
        SensitivityRow {
            contract: c.id.clone(),
            provider: c.provider.clone(),
            delayed,
            scaled,
        },
        skipped,
    ))
}
