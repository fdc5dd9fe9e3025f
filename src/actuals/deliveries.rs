//! `actuals/deliveries.csv`: units of a tranche online at the start of a date, as observed
//! (docs/actuals.md). Columns `date,contract,tranche,units`; every row is checked against the
//! catalog: the contract and tranche exist, the date is in the tranche's life, the units are a
//! whole number no larger than the tranche's.

use std::path::Path;

use chrono::NaiveDate;

use crate::catalog::Catalog;
use crate::catalog::ramp::tranche_units;
use crate::catalog::reader::did_you_mean;
use crate::diagnostic::{Code, Diagnostic, Location};

/// One observation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    /// Catalog indices of the contract and of the tranche in it.
    pub contract: usize,
    pub tranche: usize,
    pub date: NaiveDate,
    pub units: u64,
    /// `file:line`.
    pub at: String,
}

fn error(code: Code, at: String, message: String) -> Diagnostic {
    Diagnostic::new(code, Location::Path(at), message)
}

/// Reads `path` if it exists; returns the valid rows, sorted by contract, tranche and date,
/// and a diagnostic for each invalid one.
pub fn load(catalog: &Catalog, path: &Path) -> (Vec<Delivery>, Vec<Diagnostic>) {
    let mut out = Vec::new();
    let mut diagnostics = Vec::new();
    let name = path.display().to_string();
    if let Some(kind) = crate::catalog::load::special_file(path) {
        diagnostics.push(error(
            Code::FocusFile,
            name,
            format!("the file is {kind}: deliveries are read from a file"),
        ));
        return (out, diagnostics);
    }
    if !path.is_file() {
        return (out, diagnostics);
    }
    let mut reader = match csv::ReaderBuilder::new().flexible(true).from_path(path) {
        Ok(r) => r,
        Err(e) => {
            diagnostics.push(error(
                Code::FocusFile,
                name,
                format!("the file cannot be read: {e}"),
            ));
            return (out, diagnostics);
        }
    };
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h
            .iter()
            .map(|s| s.trim().trim_start_matches('\u{feff}').to_owned())
            .collect(),
        Err(e) => {
            diagnostics.push(error(
                Code::FocusFile,
                name,
                format!("the file cannot be read: {e}"),
            ));
            return (out, diagnostics);
        }
    };
    if header != ["date", "contract", "tranche", "units"] {
        diagnostics.push(error(
            Code::FocusColumn,
            format!("{name}:1"),
            format!(
                "the header is `{}`; expected `date,contract,tranche,units`",
                header.join(",")
            ),
        ));
        return (out, diagnostics);
    }
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let at = e
                    .position()
                    .map_or(name.clone(), |p| format!("{name}:{}", p.line()));
                diagnostics.push(error(
                    Code::DeliveryValue,
                    at,
                    format!("the row cannot be read: {e}"),
                ));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let at = format!("{name}:{line}");
        if record.len() != 4 {
            diagnostics.push(error(
                Code::DeliveryValue,
                at,
                format!(
                    "the row has {} fields; expected 4: date,contract,tranche,units",
                    record.len()
                ),
            ));
            continue;
        }
        let field = |i: usize| record.get(i).unwrap_or_default().trim();
        let Some(ci) = catalog.contracts.iter().position(|c| c.id == field(1)) else {
            let mut d = error(
                Code::DeliveryReference,
                at,
                format!("no contract `{}` in the catalog", field(1)),
            );
            if let Some(best) =
                did_you_mean(field(1), catalog.contracts.iter().map(|c| c.id.as_str()))
            {
                d = d.with_help(format!("did you mean `{best}`?"));
            }
            diagnostics.push(d);
            continue;
        };
        let c = &catalog.contracts[ci];
        let Some(ti) = c.tranches.iter().position(|t| t.id == field(2)) else {
            let mut d = error(
                Code::DeliveryReference,
                at,
                format!("contract `{}` has no tranche `{}`", c.id, field(2)),
            );
            if let Some(best) = did_you_mean(field(2), c.tranches.iter().map(|t| t.id.as_str())) {
                d = d.with_help(format!("did you mean `{best}`?"));
            }
            diagnostics.push(d);
            continue;
        };
        let t = &c.tranches[ti];
        let Ok(date) = field(0).parse::<NaiveDate>() else {
            diagnostics.push(error(
                Code::DeliveryValue,
                at,
                format!("`date` is `{}`, not a date such as 2026-03-01", field(0)),
            ));
            continue;
        };
        let until = t.until_or(c.end);
        if date < t.online_from || date >= until {
            diagnostics.push(error(
                Code::DeliveryValue,
                at,
                format!(
                    "{date} is outside the life of tranche `{}` of `{}`, from {} to {until} (exclusive)",
                    t.id, c.id, t.online_from
                ),
            ));
            continue;
        }
        let Ok(units) = field(3).replace('_', "").parse::<u64>() else {
            diagnostics.push(error(
                Code::DeliveryValue,
                at,
                format!("`units` is `{}`, not a whole number of units", field(3)),
            ));
            continue;
        };
        let most = tranche_units(catalog, c, t).unwrap_or(u64::MAX);
        if units > most {
            diagnostics.push(error(
                Code::DeliveryValue,
                at,
                format!(
                    "{units} units of tranche `{}` of `{}` observed, more than its {most}",
                    t.id, c.id
                ),
            ));
            continue;
        }
        out.push(Delivery {
            contract: ci,
            tranche: ti,
            date,
            units,
            at,
        });
    }
    out.sort_by_key(|d| (d.contract, d.tranche, d.date));
    (out, diagnostics)
}
