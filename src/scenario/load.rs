//! Applying scenario files and quick flags to a catalog, in order, and validating the result.

use crate::catalog::Catalog;
use crate::catalog::validate::{Checks, validate_with};
use crate::diagnostic::Report;
use crate::scenario::{Scenario, apply};

/// Applies each scenario in order to `catalog`, then validates the result with `checks`.
/// Problems go to `report`; the new catalog is returned only if no error was found.
pub fn apply_all(
    catalog: &Catalog,
    scenarios: &[Scenario],
    checks: Checks,
    report: &mut Report,
) -> Option<Catalog> {
    let errors_before = report.errors();
    let mut current = catalog.clone();
    let mut found = Vec::new();
    for scenario in scenarios {
        current = apply(&current, scenario, &mut found);
    }
    validate_with(&current, checks, &mut found);
    for d in found {
        report.push(d);
    }
    (report.errors() == errors_before).then_some(current)
}
