//! JSON Schemas of the catalog's files, for editors that check TOML as it is typed.
//!
//! The types here describe the file formats and nothing else: they are never built, only turned
//! into a schema by schemars, and their doc comments become the `description`s an editor shows
//! on hover. The loader ([`super::reader`], [`super::parse`]) stays the authority: it reads every
//! file with spans and reports every problem with its code. The schema is a copy of the formats
//! in a form editors understand, and `tests/schema.rs` holds the two to each other: every key of
//! every table the schema defines must be one the loader reads, and every key the loader knows
//! must be in the schema. Enumerations take their words from the loader's own lists
//! ([`STATUSES`], [`SPEND_MODELS`], [`RAMPS`], [`KINDS`], [`CURRENCY`]), and the patterns below
//! are checked against the loader's parsers on many strings.
//!
//! The schemas are JSON Schema draft-07, the draft that TOML editors (Taplo and the "Even Better
//! TOML" extension, JetBrains IDEs) support best. A TOML date reaches the schema as a string, as
//! those editors convert it.

use std::borrow::Cow;

use schemars::generate::{SchemaGenerator, SchemaSettings};
use schemars::{JsonSchema, Schema, json_schema};
use serde_json::{Value, json};

use crate::catalog::model::SpendModel;
use crate::catalog::parse::{
    CURRENCY, KINDS, MEASURES, OWNERSHIPS, PAYMENT_TERMS, PRECISIONS, RAMPS, SPEND_MODELS, STATUSES,
};

/// An id ([`super::value::is_valid_id`]): lowercase ASCII letters, digits and `-`, neither
/// starting nor ending with `-`.
pub const ID_PATTERN: &str = "^[a-z0-9]([a-z0-9-]*[a-z0-9])?$";

/// A duration ([`super::value::Duration`]): an optionally signed whole number of at most
/// 10,000,000 and a unit, with surrounding whitespace ignored.
pub const DURATION_PATTERN: &str = r"^\s*[-+]?0*([0-9]{1,7}|10000000)[dwmqy]\s*$";

/// A duration longer than zero, as a contract's `term` must be.
pub const TERM_PATTERN: &str = r"^\s*\+?0*([1-9][0-9]{0,6}|10000000)[dwmqy]\s*$";

/// An amount of money as a string ([`super::value::parse_money`]), without a sign since every
/// amount in the formats must be positive. Digits with single `_` or `,` between them, an
/// optional fraction and an optional `K`, `M`, `B` or `T` suffix; the fraction may have at most
/// two significant decimals after scaling (five with `K`, eight with `M`, eleven with `B`,
/// fourteen with `T`), trailing zeros aside.
pub const MONEY_PATTERN: &str = r"^\s*[0-9]+([_,][0-9]+)*((\.[0-9]{1,2}0*)?|(\.[0-9]{1,5}0*)?K|(\.[0-9]{1,8}0*)?M|(\.[0-9]{1,11}0*)?B|(\.[0-9]{1,14}0*)?T)\s*$";

/// A plain local date, as an editor spells a TOML date for the schema.
pub const DATE_PATTERN: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";

/// A JSON Schema generator for capplan's file formats: draft-07.
pub fn generator() -> SchemaGenerator {
    SchemaSettings::draft07().into_generator()
}

/// The schema of a contract file (`contracts/*.toml`, any file but `portfolio.toml`).
pub fn contract() -> Schema {
    finish(generator().into_root_schema_for::<ContractFile>())
}

/// The schema of `portfolio.toml`.
pub fn portfolio() -> Schema {
    finish(generator().into_root_schema_for::<PortfolioFile>())
}

/// A schema as a file: pretty JSON, keys in a fixed order (fields in the order of the formats),
/// and a final newline.
pub fn to_json(schema: &Schema) -> String {
    let mut text = serde_json::to_string_pretty(schema.as_value()).unwrap_or_default();
    text.push('\n');
    text
}

/// The order of keywords in every schema object: what a reader looks for first, first. Other
/// keywords follow in the order schemars wrote them.
const KEYWORD_ORDER: &[&str] = &[
    "$schema",
    "$ref",
    "title",
    "description",
    "type",
    "enum",
    "const",
    "format",
    "pattern",
    "minimum",
    "exclusiveMinimum",
    "maximum",
    "minItems",
    "items",
    "additionalProperties",
    "required",
    "properties",
    "allOf",
    "anyOf",
    "oneOf",
    "if",
    "then",
    "else",
    "examples",
    "definitions",
];

/// Last touches on a generated schema, in every schema object of it: no `null` (TOML has none,
/// and an optional key is one that is not required), descriptions as one line per paragraph
/// (editors wrap them), and keywords in `KEYWORD_ORDER`.
pub fn finish(mut schema: Schema) -> Schema {
    if let Some(map) = schema.as_object_mut() {
        normalize(map);
    }
    schema
}

fn normalize(map: &mut serde_json::Map<String, Value>) {
    if let Some(Value::Array(types)) = map.get_mut("type") {
        types.retain(|t| t != "null");
        if let [only] = types.as_slice() {
            let only = only.clone();
            map.insert("type".into(), only);
        }
    }
    let null = json!({ "type": "null" });
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(options)) = map.get_mut(key) {
            options.retain(|o| *o != null);
            if options.len() == 1
                && !map.contains_key("allOf")
                && let Some(only) = map.remove(key)
            {
                map.insert("allOf".into(), only);
            }
        }
    }
    for (key, value) in map.iter_mut() {
        match (key.as_str(), value) {
            ("description", Value::String(text)) => *text = reflow(text),
            ("properties" | "definitions", Value::Object(schemas)) => {
                schemas.values_mut().for_each(normalize_value)
            }
            ("allOf" | "anyOf" | "oneOf", Value::Array(schemas)) => {
                schemas.iter_mut().for_each(normalize_value)
            }
            ("items" | "additionalProperties" | "if" | "then" | "else" | "not", value) => {
                normalize_value(value)
            }
            _ => {}
        }
    }
    let mut entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
    entries.sort_by_key(|(key, _)| {
        KEYWORD_ORDER
            .iter()
            .position(|k| k == key)
            .unwrap_or(KEYWORD_ORDER.len())
    });
    map.extend(entries);
}

fn normalize_value(value: &mut Value) {
    if let Value::Object(map) = value {
        normalize(map);
    }
}

/// Joins the lines of each paragraph of a doc comment.
fn reflow(text: &str) -> String {
    text.split("\n\n")
        .map(|p| p.lines().map(str::trim).collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// A string leaf type: the schema of one value format, kept once under `definitions`.
macro_rules! leaf {
    ($(#[$doc:meta])* $name:ident => $schema:expr) => {
        $(#[$doc])*
        pub struct $name;

        impl JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                $schema
            }
        }
    };
}

/// The words of one of the loader's lists of choices.
fn words<T>(choices: &[(&'static str, T)]) -> Vec<&'static str> {
    choices.iter().map(|(name, _)| *name).collect()
}

leaf! {
    /// An id such as `aws-2025`.
    Id => json_schema!({
        "description": "An id: lowercase letters, digits and `-`, such as `aws-2025`; it neither starts nor ends with `-`.",
        "type": "string",
        "pattern": ID_PATTERN,
    })
}

leaf! {
    /// A TOML local date such as `2025-11-03`.
    Date => json_schema!({
        "description": "A TOML local date, written without quotes: `2025-11-03`. No time, no offset. Intervals are half-open: an end date is the first day after.",
        "type": "string",
        "format": "date",
        "pattern": DATE_PATTERN,
    })
}

leaf! {
    /// Money: a TOML integer or a string such as `"38B"`; never a float.
    Money => json_schema!({
        "description": "US dollars, exact: a TOML integer (`38_000_000_000`) or a string of digits with optional `_` or `,` separators, an optional fraction and an optional `K`, `M`, `B` or `T` suffix (`\"38B\"`, `\"1.4T\"`, `\"12.50\"`, `\"38,000,000,000\"`), at most two decimals after scaling, no `$`. Never a TOML float, which cannot be exact: write `\"6.50\"`, not `6.5`. Must be positive.",
        "type": ["integer", "string"],
        "exclusiveMinimum": 0,
        "pattern": MONEY_PATTERN,
    })
}

leaf! {
    /// A calendar duration such as `"7y"` or `"-1q"`.
    Duration => json_schema!({
        "description": "A calendar duration: a whole number and a unit, `d` days, `w` weeks, `m` months, `q` quarters (3 months) or `y` years (12 months), such as `\"90d\"`, `\"2q\"` or `\"-1q\"` (negative pulls in). Month arithmetic clamps to the month's last day: 2026-01-31 + 1m is 2026-02-28.",
        "type": "string",
        "pattern": DURATION_PATTERN,
    })
}

leaf! {
    /// A positive calendar duration such as `"7y"`.
    Term => json_schema!({
        "description": "A calendar duration longer than zero: a whole number and a unit, `d` days, `w` weeks, `m` months, `q` quarters or `y` years, such as `\"7y\"` or `\"18m\"`. Month arithmetic clamps to the month's last day.",
        "type": "string",
        "pattern": TERM_PATTERN,
    })
}

leaf! {
    /// Whether a contract is binding.
    Status => json_schema!({
        "description": "Whether the contract is binding: `signed` (the default), `non-binding` (a letter of intent: counted, but shown apart, and left out by `--signed-only`) or `cancelled` (kept for the record, left out of every figure).",
        "type": "string",
        "enum": words(STATUSES),
    })
}

leaf! {
    /// How a contract's value spreads over its term.
    SpendModelName => json_schema!({
        "description": "How the value spreads over the term: `straight-line` (the default: evenly over its days), `capacity-linked` (in proportion to each day's capacity at the hardware's reference rates) or `schedule` (as the `[[spend_schedule]]` entries say).",
        "type": "string",
        "enum": words(SPEND_MODELS),
    })
}

leaf! {
    /// When in its billing interval a payment falls.
    PaymentTermsName => json_schema!({
        "description": "When each payment falls: `arrears` (an interval's accrued spend at the interval's end), `advance` (at its start) or `upfront` (the whole value at the contract's start); then `lag` later.",
        "type": "string",
        "enum": words(PAYMENT_TERMS),
    })
}

leaf! {
    /// Whether a contract rents capacity or buys hardware.
    OwnershipName => json_schema!({
        "description": "`leased` (the default: rented capacity, an expense as it accrues) or `owned` (hardware bought: capitalized and depreciated over `useful_life`).",
        "type": "string",
        "enum": words(OWNERSHIPS),
    })
}

leaf! {
    /// How a tranche's units come online.
    Ramp => json_schema!({
        "description": "How units come online between `online_from` and `online_by`: `linear` (the default), `s-curve` (slow, fast, slow) or `step` (none until `online_by`, then all).",
        "type": "string",
        "enum": words(RAMPS),
    })
}

leaf! {
    /// A numeric precision of dense throughput.
    PrecisionName => json_schema!({
        "description": "A numeric precision: `bf16`, `fp8` or `fp4`. Compute figures (H100e, exaFLOPS) count each unit's dense TFLOPS at it.",
        "type": "string",
        "enum": words(PRECISIONS),
    })
}

leaf! {
    /// Whether a hardware unit is an accelerator or a vCPU.
    Kind => json_schema!({
        "description": "`gpu` for any accelerator (GPU, TPU, Trainium, custom ASIC), `cpu` for a vCPU. Reports count `gpus` and `cpus` by it.",
        "type": "string",
        "enum": words(KINDS),
    })
}

leaf! {
    /// The currency of every amount.
    Currency => json_schema!({
        "description": "The currency of every amount: only `USD`.",
        "type": "string",
        "enum": [CURRENCY],
    })
}

/// A TOML integer.
pub struct Integer;

impl JsonSchema for Integer {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Integer".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "integer" })
    }
}

/// A ratio or factor: a TOML integer or float, a float meaning its shortest decimal spelling.
pub struct Number;

impl JsonSchema for Number {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Number".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "number" })
    }
}

/// A contract file: one deal with one counterparty. Every `*.toml` of a catalog folder but
/// `portfolio.toml` is one.
#[derive(JsonSchema)]
#[schemars(
    title = "capplan contract file",
    deny_unknown_fields,
    transform = contract_rules
)]
pub struct ContractFile {
    /// Unique in the catalog: lowercase letters, digits and `-`. Scenarios and `--contract`
    /// select the contract by it.
    #[schemars(example = &"aws-2025")]
    pub id: Id,
    /// The counterparty, such as `AWS` or `Microsoft Azure`; reports group by it and
    /// `provider:NAME` selects by it (case-insensitive).
    #[schemars(example = &"AWS")]
    pub provider: String,
    /// A one-line description of the deal.
    #[schemars(example = &"AWS multi-year strategic partnership")]
    pub title: String,
    /// When the deal was announced; for the record only.
    #[schemars(example = &"2025-11-03")]
    pub announced: Option<Date>,
    /// The first day of the term.
    #[schemars(example = &"2025-11-03")]
    pub start: Date,
    /// The term's length, such as `"7y"`; the contract ends at `start + term` (exclusive).
    /// Give `term`, `end` or both; if both, they must agree.
    #[schemars(example = &"7y")]
    pub term: Option<Term>,
    /// The first day after the term (exclusive). Give `term`, `end` or both; if both, they
    /// must agree.
    #[schemars(example = &"2032-11-03")]
    pub end: Option<Date>,
    /// The contract's total value in USD: `"38B"`, `"1.4T"` or `38_000_000_000`; never a
    /// float.
    #[schemars(example = &"38B")]
    pub value_usd: Money,
    /// `true` where the value is an analyst estimate rather than a reported figure. Default
    /// `false`.
    #[schemars(example = false)]
    pub estimated: Option<bool>,
    /// `signed` (default), `non-binding` (a letter of intent) or `cancelled`.
    #[schemars(example = &"signed")]
    pub status: Option<Status>,
    /// `straight-line` (default), `capacity-linked` or `schedule` (then `[[spend_schedule]]`
    /// entries are required).
    #[schemars(example = &"capacity-linked")]
    pub spend: Option<SpendModelName>,
    /// Facility power over IT power for this contract's capacity, 1.0 or more; overrides the
    /// portfolio's `pue`.
    #[schemars(range(min = 1), example = 1.15)]
    pub pue: Option<Number>,
    /// Where the figures come from: http(s) URLs (anything else is a warning).
    #[schemars(example = ["https://www.aboutamazon.com/news/aws/aws-open-ai-workloads-compute-infrastructure"])]
    pub sources: Option<Vec<String>>,
    /// Free text: how every estimated number was chosen.
    #[schemars(example = &"Units estimated from the reported value at the reference rate.")]
    pub notes: Option<String>,
    /// Blocks of capacity that come online on a ramp: `[[tranche]]` tables.
    pub tranche: Option<Vec<Tranche>>,
    /// When the money is paid, with `spend = "schedule"` only: `[[spend_schedule]]` tables
    /// whose windows do not overlap, stay in the term and sum exactly to `value_usd`.
    pub spend_schedule: Option<Vec<ScheduleEntry>>,
    /// When the accrued spend is paid, such as `{ terms = "arrears", every = "1m", lag =
    /// "30d" }`. Without it the contract pays as it accrues, day by day.
    pub payment: Option<PaymentTable>,
    /// `leased` (default: the spend is an expense as it accrues) or `owned` (hardware bought:
    /// each day's spend is capitalized and depreciated over `useful_life`).
    #[schemars(example = &"owned")]
    pub ownership: Option<OwnershipName>,
    /// With `ownership = "owned"` only: the period over which each day's spend is depreciated
    /// straight-line, such as `"6y"`.
    #[schemars(example = &"6y")]
    pub useful_life: Option<Term>,
    /// Which rows of the FOCUS cost files in `actuals/` are this contract's: `[actuals]` with
    /// `match`, every listed column equal to its value.
    #[schemars(example = serde_json::json!({"match": {"BillingAccountId": "123456789012", "ServiceProviderName": "AWS"}}))]
    pub actuals: Option<ActualsTable>,
}

/// `[actuals]`: how a contract claims FOCUS cost rows.
#[derive(JsonSchema)]
#[schemars(rename = "Actuals", deny_unknown_fields)]
pub struct ActualsTable {
    /// FOCUS columns and the value each must have (after trimming), such as `{
    /// BillingAccountId = "123456789012", ServiceProviderName = "AWS" }`. At least one.
    #[schemars(rename = "match", extend("minProperties" = 1, "propertyNames" = {"pattern": "^[A-Za-z][A-Za-z0-9_]*$"}))]
    pub match_: std::collections::BTreeMap<String, NonEmpty>,
}

/// A string with at least one character that is not white space.
#[derive(JsonSchema)]
#[schemars(extend("pattern" = "\\S"))]
pub struct NonEmpty(pub String);

/// `payment`: when a contract's accrued spend is paid (an inline table).
#[derive(JsonSchema)]
#[schemars(rename = "Payment", deny_unknown_fields)]
pub struct PaymentTable {
    /// `arrears` (each interval's accrued spend at its end), `advance` (at its start) or
    /// `upfront` (the whole value at the contract's start).
    #[schemars(example = &"arrears")]
    pub terms: PaymentTermsName,
    /// The billing interval, anchored at the contract's start; default `"1m"`. At most the
    /// term.
    #[schemars(example = &"1m")]
    pub every: Option<Term>,
    /// How long after its due date each payment is made, not negative; default `"0d"`.
    #[schemars(example = &"30d")]
    pub lag: Option<Duration>,
}

/// What a contract needs beyond its keys: a term or an end, and a schedule exactly when its
/// spend model is `schedule`.
fn contract_rules(schema: &mut Schema) {
    let schedule = SpendModel::Schedule.name();
    schema.insert(
        "anyOf".into(),
        json!([{ "required": ["term"] }, { "required": ["end"] }]),
    );
    schema.insert(
        "allOf".into(),
        json!([
            {
                "if": { "properties": { "spend": { "const": schedule } }, "required": ["spend"] },
                "then": {
                    "properties": { "spend_schedule": { "minItems": 1 } },
                    "required": ["spend_schedule"]
                }
            },
            {
                "if": {
                    "properties": { "spend_schedule": { "minItems": 1 } },
                    "required": ["spend_schedule"]
                },
                "then": { "properties": { "spend": { "const": schedule } }, "required": ["spend"] }
            }
        ]),
    );
}

/// `[[tranche]]`: a block of capacity of one hardware profile that comes online on a ramp.
/// Give `units` or `power_mw`, not both.
#[derive(JsonSchema)]
#[schemars(rename = "Tranche", deny_unknown_fields, transform = tranche_rules)]
pub struct Tranche {
    /// Unique within the contract; `tranche:CONTRACT/TRANCHE` selects it.
    #[schemars(example = &"gb300")]
    pub id: Id,
    /// The id of a `[[hardware]]` profile of `portfolio.toml`.
    #[schemars(example = &"gb300")]
    pub hardware: Id,
    /// How many hardware units, such as `120_000`. Give `units` or `power_mw`.
    #[schemars(range(min = 1), example = 120_000)]
    pub units: Option<Integer>,
    /// Facility megawatts instead of `units`: converted to
    /// `floor(power_mw * 1e6 / (watts_per_unit * pue))` units.
    #[schemars(extend("exclusiveMinimum" = 0), example = 250)]
    pub power_mw: Option<Number>,
    /// The day the first unit comes online.
    #[schemars(example = &"2026-03-01")]
    pub online_from: Date,
    /// The day all units are online, on or after `online_from`.
    #[schemars(example = &"2026-12-15")]
    pub online_by: Date,
    /// `linear` (default), `s-curve` or `step`.
    #[schemars(example = &"linear")]
    pub ramp: Option<Ramp>,
    /// The first day the units are gone (exclusive); default the contract's end. Owned
    /// hardware may stay in service past the term.
    #[schemars(example = &"2031-01-01")]
    pub until: Option<Date>,
}

/// Exactly one of `units` and `power_mw`.
fn tranche_rules(schema: &mut Schema) {
    schema.insert(
        "oneOf".into(),
        json!([{ "required": ["units"] }, { "required": ["power_mw"] }]),
    );
}

/// `[[spend_schedule]]`: an amount paid evenly over the days of `[from, to)`.
#[derive(JsonSchema)]
#[schemars(rename = "ScheduleEntry", deny_unknown_fields)]
pub struct ScheduleEntry {
    /// The window's first day.
    #[schemars(example = &"2025-11-03")]
    pub from: Date,
    /// The first day after the window (exclusive).
    #[schemars(example = &"2026-11-03")]
    pub to: Date,
    /// The amount spread over the window, in USD, such as `"10B"`.
    #[schemars(example = &"10B")]
    pub amount_usd: Money,
}

/// `portfolio.toml`: the catalog's settings, targets and hardware profiles. Exactly one per
/// catalog folder.
#[derive(JsonSchema)]
#[schemars(title = "capplan portfolio.toml", deny_unknown_fields)]
pub struct PortfolioFile {
    /// Settings for the whole catalog.
    pub portfolio: PortfolioTable,
    /// What the portfolio is measured against: `[[target]]` tables. The first is the default
    /// of `--target`.
    pub target: Option<Vec<Target>>,
    /// Hardware profiles that tranches name by id: `[[hardware]]` tables.
    pub hardware: Option<Vec<Hardware>>,
    /// Published figures the projection must meet: `[[observed]]` tables. `capplan validate`
    /// warns `observation-mismatch` where the projection misses one by more than its tolerance.
    pub observed: Option<Vec<Observed>>,
}

/// `[portfolio]`: settings for the whole catalog.
#[derive(JsonSchema)]
#[schemars(rename = "Portfolio", deny_unknown_fields)]
pub struct PortfolioTable {
    /// The portfolio's name, shown at the top of reports.
    #[schemars(example = &"OpenAI compute portfolio, as publicly reported")]
    pub name: String,
    /// Only `USD`; amounts in any other currency must be converted first.
    #[schemars(example = &"USD")]
    pub currency: Option<Currency>,
    /// The default report window: `{ start = 2025-10-01, end = 2034-01-01 }`, end exclusive.
    pub horizon: Horizon,
    /// Facility power over IT power, 1.0 or more: the default of every contract, such as
    /// `1.2`.
    #[schemars(range(min = 1), example = 1.2)]
    pub pue: Option<Number>,
    /// The month fiscal years start in: 1 (default) for calendar years, 7 for July-June
    /// fiscal years named by the year they end in (`FY2027` is 2026-07 to 2027-06).
    #[schemars(range(min = 1, max = 12), example = 1)]
    pub fiscal_year_start_month: Option<Integer>,
    /// How compute is counted: `{ reference = "h100", precision = "fp8" }` (the defaults).
    pub compute: Option<Compute>,
}

/// `compute`: the unit H100-equivalents are counted in, and the default precision.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Compute {
    /// A hardware id of the portfolio, or the built-in `h100` (NVIDIA H100 SXM: 989 BF16, 1,979
    /// FP8 dense TFLOPS), the default. The reference needs a figure at the default precision.
    #[schemars(example = &"h100")]
    pub reference: Option<Id>,
    /// The precision of every compute figure unless `--precision` says otherwise; default `fp8`.
    #[schemars(example = &"fp8")]
    pub precision: Option<PrecisionName>,
}

/// `tflops`: dense peak TFLOPS per unit, never the sparse figure.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Tflops {
    /// Dense BF16 TFLOPS per unit, such as `2500`.
    #[schemars(extend("exclusiveMinimum" = 0), example = 2500)]
    pub bf16: Option<Number>,
    /// Dense FP8 TFLOPS per unit, such as `5000`.
    #[schemars(extend("exclusiveMinimum" = 0), example = 5000)]
    pub fp8: Option<Number>,
    /// Dense FP4 TFLOPS per unit, such as `10000`.
    #[schemars(extend("exclusiveMinimum" = 0), example = 10000)]
    pub fp4: Option<Number>,
}

/// `horizon`: the default report window, `[start, end)`.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Horizon {
    /// The window's first day.
    #[schemars(example = &"2025-10-01")]
    pub start: Date,
    /// The first day after the window (exclusive).
    #[schemars(example = &"2034-01-01")]
    pub end: Date,
}

/// `[[target]]`: a goal the plan is measured against.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Target {
    /// Unique among the targets; `--target ID` picks it.
    #[schemars(example = &"altman-2025")]
    pub id: Id,
    /// A description, such as `"$1.4T for about 30 GW over eight years"`; default the id.
    #[schemars(example = &"$1.4T for about 30 GW over eight years")]
    pub name: Option<String>,
    /// Cumulative spend to reach, in USD, such as `"1.4T"`.
    #[schemars(example = &"1.4T")]
    pub spend_usd: Option<Money>,
    /// Facility power to reach, in GW, such as `30`.
    #[schemars(extend("exclusiveMinimum" = 0), example = 30)]
    pub power_gw: Option<Number>,
    /// H100-equivalents online to reach, at the portfolio's default precision, such as
    /// `30_000_000`.
    #[schemars(range(min = 1), example = 30000000)]
    pub h100e: Option<Integer>,
    /// The last day by which the target should be met.
    #[schemars(example = &"2033-12-31")]
    pub by: Option<Date>,
}

/// `[[hardware]]`: a hardware profile that tranches refer to by id.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Hardware {
    /// Unique among the profiles; tranches name it in `hardware`.
    #[schemars(example = &"gb200")]
    pub id: Id,
    /// A description, such as `"NVIDIA GB200 NVL72, per GPU"`; default the id.
    #[schemars(example = &"NVIDIA GB200 NVL72, per GPU")]
    pub name: Option<String>,
    /// `gpu` (any accelerator) or `cpu` (a vCPU).
    #[schemars(example = &"gpu")]
    pub kind: Kind,
    /// IT watts per unit, its share of rack, CPU and network included, such as `1800`.
    #[schemars(extend("exclusiveMinimum" = 0), example = 1800)]
    pub watts_per_unit: Number,
    /// The reference price of one unit-hour in USD, such as `"6.00"`: capacity-linked spend
    /// weighs by it, and the implied-price check compares with it.
    #[schemars(example = &"6.00")]
    pub rate_usd_per_hour: Money,
    /// Dense peak TFLOPS per unit by precision, such as `{ bf16 = 2500, fp8 = 5000 }`, for
    /// compute in H100-equivalents. A `gpu` profile without it counts zero compute
    /// (`missing-compute`); `cpu` profiles take none.
    pub tflops: Option<Tflops>,
}

/// `[[observed]]`: a published figure the projection of the catalog must meet, such as
/// facility power online at the end of a year. Give exactly one measure.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields, transform = observed_rules)]
pub struct Observed {
    /// The figure is the one at the end of this day.
    #[schemars(example = &"2025-12-31")]
    pub date: Date,
    /// Facility power online at the end of the day, in GW, such as `1.9`.
    #[schemars(extend("exclusiveMinimum" = 0), example = 1.9)]
    pub power_gw: Option<Number>,
    /// Accelerators online at the end of the day, such as `1_000_000`.
    #[schemars(range(min = 1), example = 1_000_000)]
    pub gpus: Option<Integer>,
    /// vCPUs online at the end of the day.
    #[schemars(range(min = 1), example = 1_000_000)]
    pub cpus: Option<Integer>,
    /// H100-equivalents online at the end of the day, at the portfolio's default precision.
    #[schemars(range(min = 1), example = 1_000_000)]
    pub h100e: Option<Integer>,
    /// Spend from the contracts' starts through the day, in USD, such as `"20B"`.
    #[schemars(example = &"20B")]
    pub cumulative_spend_usd: Option<Money>,
    /// The value of the contracts announced on or before the day, in USD, such as `"1.4T"`.
    #[schemars(example = &"1.4T")]
    pub contracted_usd: Option<Money>,
    /// The largest relative difference that still agrees, above 0 and at most 1: `0.2`
    /// (the default) accepts a projection within 20% of the figure.
    #[schemars(extend("exclusiveMinimum" = 0), range(max = 1), example = 0.2)]
    pub tolerance: Option<Number>,
    /// Where the figure was published, such as a URL.
    #[schemars(example = &"https://openai.com/index/")]
    pub source: Option<String>,
    /// What was said, and why the tolerance is what it is.
    #[schemars(example = &"about 1.9 GW of compute in 2025")]
    pub note: Option<String>,
}

/// Exactly one measure.
fn observed_rules(schema: &mut Schema) {
    let measures: Vec<Value> = MEASURES
        .iter()
        .map(|(key, _)| json!({ "required": [key] }))
        .collect();
    schema.insert("oneOf".into(), Value::Array(measures));
}
