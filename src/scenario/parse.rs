//! Reading a scenario file into a [`Scenario`], with the catalog's reader: every problem of the
//! file is reported at once, each with its code and location.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use toml::Spanned;
use toml::de::DeTable;

use crate::catalog::model::Origin;
use crate::catalog::parse::{
    self as cparse, HARDWARE_KEYS, PORTFOLIO_KEYS, RAMPS, SPEND_MODELS, STATUSES,
};
use crate::catalog::reader::{self, Ctx, Table, Value};
use crate::catalog::value::Duration;
use crate::diagnostic::{Code, Diagnostic, Report};
use crate::scenario::{Adjust, Risk, Scenario, Selector, Slip};

const SCENARIO_FILE_KEYS: &[&str] = &[
    "scenario",
    "adjust",
    "portfolio",
    "hardware",
    "remove",
    "contract",
    "risk",
    "workload",
    "remove_workloads",
];
const SCENARIO_KEYS: &[&str] = &["name", "description"];
const ADJUST_KEYS: &[&str] = &[
    "select",
    "delay",
    "scale_units",
    "scale_value",
    "spend",
    "ramp",
    "status",
    "useful_life",
    "scale_demand",
];
const RISK_KEYS: &[&str] = &["select", "slip", "cancel"];

/// Whether a parsed TOML document is a scenario: it has a top-level `scenario` table.
pub fn is_scenario(doc: &DeTable<'_>) -> bool {
    doc.keys().any(|k| k.get_ref() == "scenario")
}

fn keep<T>(origin: &mut Origin, key: &'static str, value: Option<Spanned<T>>) -> Option<T> {
    value.map(|v| {
        origin.set_key(key, v.span());
        v.into_inner()
    })
}

/// A selector value, reported where it does not parse.
pub fn selector(ctx: &mut Ctx<'_>, key: &str, value: Value<'_>) -> Option<Spanned<Selector>> {
    let s = reader::string(ctx, key, value)?;
    match Selector::parse(s.get_ref()) {
        Some(sel) => Some(Spanned::new(s.span(), sel)),
        None => {
            let d = Diagnostic::new(
                Code::InvalidSelector,
                ctx.span(s.span()),
                format!("`{key}` is `{}`, which is not a selector", s.get_ref()),
            )
            .with_help("write a contract id, `provider:NAME`, `hardware:ID`, `tranche:CONTRACT/TRANCHE` or `*`");
            ctx.push(d);
            None
        }
    }
}

/// A positive factor such as `scale_units = 0.8`.
fn factor(ctx: &mut Ctx<'_>, key: &str, value: Value<'_>) -> Option<Spanned<Decimal>> {
    let f = reader::ratio(ctx, key, value)?;
    if *f.get_ref() <= Decimal::ZERO {
        ctx.error(
            Code::NonPositive,
            f.span(),
            format!(
                "`{key}` is {}; a scale factor must be positive",
                f.get_ref()
            ),
        );
        return None;
    }
    Some(f)
}

/// A reference day for comparing durations of different units (a month is not a fixed number
/// of days): the bounds of a distribution must be in order from it.
fn days_of(d: Duration) -> Option<i64> {
    let reference = NaiveDate::from_ymd_opt(2001, 1, 1)?;
    Some((d.add_to(reference)? - reference).num_days())
}

/// Parses a slip distribution: `fixed(A)`, `uniform(A, B)` or `triangular(MIN, MODE, MAX)`.
pub fn parse_slip(text: &str) -> Result<Slip, String> {
    let t = text.trim();
    let (name, args) = t
        .strip_suffix(')')
        .and_then(|s| s.split_once('('))
        .ok_or_else(|| format!("`{t}` is not a distribution: expected `fixed(A)`, `uniform(A, B)` or `triangular(MIN, MODE, MAX)`"))?;
    let args: Vec<&str> = args.split(',').map(str::trim).collect();
    let durations: Vec<Duration> = args
        .iter()
        .map(|a| a.parse::<Duration>().map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    let days: Vec<i64> = durations
        .iter()
        .map(|d| {
            days_of(*d).ok_or_else(|| {
                format!(
                    "`{d}` is too long: a slip must stay within capplan's calendar, the years {} to {}",
                    NaiveDate::MIN.year(),
                    NaiveDate::MAX.year()
                )
            })
        })
        .collect::<Result<_, _>>()?;
    match (name.trim(), durations.as_slice()) {
        ("fixed", [a]) => Ok(Slip::Fixed(*a)),
        ("uniform", [a, b]) if days[0] <= days[1] => Ok(Slip::Uniform(*a, *b)),
        ("uniform", [a, b]) => Err(format!("`uniform({a}, {b})` has its bounds out of order")),
        ("triangular", [a, m, b])
            if days[0] <= days[1] && days[1] <= days[2] && days[0] < days[2] =>
        {
            Ok(Slip::Triangular(*a, *m, *b))
        }
        ("triangular", [a, m, b]) => Err(format!(
            "`triangular({a}, {m}, {b})` needs MIN <= MODE <= MAX with MIN < MAX"
        )),
        ("fixed" | "uniform" | "triangular", _) => {
            Err(format!("`{t}` has the wrong number of arguments"))
        }
        (other, _) => Err(format!(
            "`{other}` is not a distribution: expected `fixed`, `uniform` or `triangular`"
        )),
    }
}

fn adjust(ctx: &mut Ctx<'_>, mut t: Table<'_>) -> Option<Adjust> {
    let mut origin = Origin::new(ctx.file, t.span.clone());
    let select = t
        .require(ctx, "select")
        .and_then(|v| selector(ctx, "select", v));
    let select = keep(&mut origin, "select", select);
    if let Some(s) = &select {
        t.what = format!("`[[adjust]]` `{s}`");
    }
    let delay = t
        .take("delay")
        .and_then(|v| reader::duration(ctx, "delay", v));
    let delay = keep(&mut origin, "delay", delay);
    let scale_units = t
        .take("scale_units")
        .and_then(|v| factor(ctx, "scale_units", v));
    let scale_units = keep(&mut origin, "scale_units", scale_units);
    let scale_value = t
        .take("scale_value")
        .and_then(|v| factor(ctx, "scale_value", v));
    let scale_value = keep(&mut origin, "scale_value", scale_value);
    let spend = t
        .take("spend")
        .and_then(|v| reader::one_of(ctx, "spend", v, SPEND_MODELS));
    let spend = keep(&mut origin, "spend", spend);
    let ramp = t
        .take("ramp")
        .and_then(|v| reader::one_of(ctx, "ramp", v, RAMPS));
    let ramp = keep(&mut origin, "ramp", ramp);
    let status = t
        .take("status")
        .and_then(|v| reader::one_of(ctx, "status", v, STATUSES));
    let status = keep(&mut origin, "status", status);
    let useful_life = t
        .take("useful_life")
        .and_then(|v| reader::duration(ctx, "useful_life", v));
    let useful_life = keep(&mut origin, "useful_life", useful_life);
    let scale_demand = t
        .take("scale_demand")
        .and_then(|v| factor(ctx, "scale_demand", v));
    let scale_demand = keep(&mut origin, "scale_demand", scale_demand);
    t.finish(ctx);
    let select = select?;
    Some(Adjust {
        select,
        delay,
        scale_units,
        scale_value,
        spend,
        ramp,
        status,
        useful_life,
        scale_demand,
        origin,
    })
}

fn risk(ctx: &mut Ctx<'_>, mut t: Table<'_>) -> Option<Risk> {
    let mut origin = Origin::new(ctx.file, t.span.clone());
    let select = t
        .require(ctx, "select")
        .and_then(|v| selector(ctx, "select", v));
    let select = keep(&mut origin, "select", select);
    if let Some(s) = &select {
        t.what = format!("`[[risk]]` `{s}`");
    }
    let slip = t.take("slip").and_then(|v| reader::string(ctx, "slip", v)).and_then(|s| match parse_slip(s.get_ref()) {
        Ok(slip) => Some(Spanned::new(s.span(), slip)),
        Err(message) => {
            ctx.push(
                Diagnostic::new(Code::InvalidDistribution, ctx.span(s.span()), format!("`slip`: {message}"))
                    .with_help("for example `slip = \"triangular(0d, 2m, 9m)\"`, `uniform(0d, 1q)` or `fixed(30d)`"),
            );
            None
        }
    });
    let slip = keep(&mut origin, "slip", slip);
    let cancel = t
        .take("cancel")
        .and_then(|v| reader::ratio(ctx, "cancel", v))
        .and_then(|p| {
            if *p.get_ref() < Decimal::ZERO || *p.get_ref() > Decimal::ONE {
                ctx.error(
                    Code::InvalidValue,
                    p.span(),
                    format!("`cancel` is {}; a probability is from 0 to 1", p.get_ref()),
                );
                None
            } else {
                Some(p)
            }
        });
    let cancel = keep(&mut origin, "cancel", cancel);
    t.finish(ctx);
    Some(Risk {
        select: select?,
        slip,
        cancel,
        origin,
    })
}

/// Reads a scenario file. `None` if its `[scenario]` table is missing or malformed (reported).
pub fn parse_scenario(
    ctx: &mut Ctx<'_>,
    doc: Spanned<DeTable<'_>>,
    fallback_name: &str,
) -> Option<Scenario> {
    let span = doc.span();
    let mut file = Table::new(
        doc.into_inner(),
        span,
        "the scenario file",
        SCENARIO_FILE_KEYS,
    );
    let (name, description) = match file
        .require(ctx, "scenario")
        .and_then(|v| reader::table(ctx, "scenario", v, "`[scenario]`", SCENARIO_KEYS))
    {
        Some(mut t) => {
            let name = t
                .take("name")
                .and_then(|v| reader::string(ctx, "name", v))
                .map(Spanned::into_inner);
            let description = t
                .take("description")
                .and_then(|v| reader::string(ctx, "description", v))
                .map(Spanned::into_inner);
            t.finish(ctx);
            (
                name.unwrap_or_else(|| fallback_name.to_owned()),
                description,
            )
        }
        None => (fallback_name.to_owned(), None),
    };
    let portfolio = file
        .take("portfolio")
        .and_then(|v| reader::table(ctx, "portfolio", v, "`[portfolio]`", PORTFOLIO_KEYS))
        .map(|t| cparse::portfolio_patch(ctx, t, false));
    let hardware = file
        .take("hardware")
        .map(|v| reader::tables(ctx, "hardware", v, HARDWARE_KEYS))
        .unwrap_or_default()
        .into_iter()
        .map(|t| cparse::hardware_patch(ctx, t, false))
        .collect();
    let mut remove = Vec::new();
    if let Some(v) = file.take("remove") {
        for item in reader::array(ctx, "remove", v).unwrap_or_default() {
            if let Some(id) = reader::id(ctx, "remove", item) {
                remove.push((id.get_ref().clone(), ctx.span(id.span())));
            }
        }
    }
    let contracts = file
        .take("contract")
        .map(|v| reader::tables(ctx, "contract", v, cparse::CONTRACT_KEYS))
        .unwrap_or_default()
        .into_iter()
        .filter_map(|mut t| cparse::contract_table(ctx, &mut t))
        .collect();
    let adjusts = file
        .take("adjust")
        .map(|v| reader::tables(ctx, "adjust", v, ADJUST_KEYS))
        .unwrap_or_default()
        .into_iter()
        .filter_map(|t| adjust(ctx, t))
        .collect();
    let risks = file
        .take("risk")
        .map(|v| reader::tables(ctx, "risk", v, RISK_KEYS))
        .unwrap_or_default()
        .into_iter()
        .filter_map(|t| risk(ctx, t))
        .collect();
    let workloads = file
        .take("workload")
        .map(|v| reader::tables(ctx, "workload", v, crate::catalog::demand::WORKLOAD_KEYS))
        .unwrap_or_default()
        .into_iter()
        .filter_map(|t| crate::catalog::demand::workload(ctx, t))
        .collect();
    let mut remove_workloads = Vec::new();
    if let Some(v) = file.take("remove_workloads") {
        for item in reader::array(ctx, "remove_workloads", v).unwrap_or_default() {
            if let Some(id) = reader::id(ctx, "remove_workloads", item) {
                remove_workloads.push((id.get_ref().clone(), ctx.span(id.span())));
            }
        }
    }
    file.finish(ctx);
    Some(Scenario {
        name,
        description,
        portfolio,
        hardware,
        remove,
        contracts,
        adjusts,
        risks,
        workloads,
        remove_workloads,
    })
}

/// Reads a scenario file's bytes: its problems go to `report`, whose sources gain the file.
/// `None` if the file cannot be used (not UTF-8, bad TOML, no `[scenario]` table).
pub fn read_scenario(name: &str, bytes: Vec<u8>, report: &mut Report) -> Option<Scenario> {
    let fallback = std::path::Path::new(name)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or(name);
    let (scenario, failed) = reader::read_standalone(name, bytes, report, |ctx, doc| {
        parse_scenario(ctx, doc, fallback)
    });
    scenario.flatten().filter(|_| !failed)
}

/// Whether a file's text is a scenario rather than a contract: it parses and has `[scenario]`.
pub fn looks_like_scenario(text: &str) -> bool {
    let (doc, _) = DeTable::parse_recoverable(text);
    let doc = doc.get_ref();
    // A misspelt `[scenario]` (`[scenaro]`) in a file with no contract `id` is a scenario too,
    // read as one so that the misspelling gets its "did you mean".
    is_scenario(doc)
        || (!doc.keys().any(|k| k.get_ref() == "id")
            && doc.iter().any(|(k, v)| {
                matches!(v.get_ref(), toml::de::DeValue::Table(_))
                    && crate::catalog::reader::did_you_mean(k.get_ref(), ["scenario"]).is_some()
            }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelt_scenario_table_is_read_as_a_scenario() {
        assert!(looks_like_scenario("[scenario]\nname = \"x\"\n"));
        for misspelt in ["[scenaro]\nname = \"x\"\n", "[Scenario]\n", "[senario]\n"] {
            assert!(looks_like_scenario(misspelt), "{misspelt}");
        }
        // A contract, or a file with a table named otherwise, is not.
        assert!(!looks_like_scenario("id = \"a\"\n[scenaro]\n"));
        assert!(!looks_like_scenario(
            "id = \"a\"\n[[tranche]]\nid = \"t\"\n"
        ));
        assert!(!looks_like_scenario("[portfolio]\nname = \"p\"\n"));
    }

    #[test]
    fn slips_parse_and_check_their_bounds() {
        assert!(matches!(
            parse_slip("triangular(0d, 2m, 9m)"),
            Ok(Slip::Triangular(..))
        ));
        assert!(matches!(
            parse_slip("uniform(-1q, 1q)"),
            Ok(Slip::Uniform(..))
        ));
        assert!(matches!(parse_slip(" fixed(30d) "), Ok(Slip::Fixed(_))));
        assert!(parse_slip("triangular(0d, 10m, 9m)").is_err());
        assert!(parse_slip("triangular(1m, 1m, 1m)").is_err());
        assert!(parse_slip("uniform(2q, 1q)").is_err());
        assert!(parse_slip("normal(0d, 1m)").is_err());
        assert!(parse_slip("fixed(1q, 2q)").is_err());
        assert!(parse_slip("fixed(soon)").is_err());
        assert!(parse_slip("triangular").is_err());
    }

    #[test]
    fn selectors_parse_every_form() {
        assert_eq!(Selector::parse("*"), Some(Selector::All));
        assert_eq!(
            Selector::parse("aws-2025"),
            Some(Selector::Contract("aws-2025".into()))
        );
        assert_eq!(
            Selector::parse("contract:aws-2025"),
            Some(Selector::Contract("aws-2025".into()))
        );
        assert_eq!(
            Selector::parse("provider:Microsoft Azure"),
            Some(Selector::Provider("Microsoft Azure".into()))
        );
        assert_eq!(
            Selector::parse("hardware:gb300"),
            Some(Selector::Hardware("gb300".into()))
        );
        assert_eq!(
            Selector::parse("tranche:aws-2025/gb300"),
            Some(Selector::Tranche("aws-2025".into(), "gb300".into()))
        );
        for bad in [
            "",
            "AWS",
            "vendor:x",
            "tranche:aws-2025",
            "hardware:",
            "provider:",
        ] {
            assert_eq!(Selector::parse(bad), None, "{bad}");
        }
    }
}
