//! The JSON Schema of a demand file (`demand.toml`, `--demand FILE`), for editors; the loader
//! ([`super::demand`]) stays the authority, and `tests/schema.rs` holds the two to each other
//! as for the other formats (docs/demand.md).

use std::borrow::Cow;

use schemars::generate::SchemaGenerator;
use schemars::{JsonSchema, Schema, json_schema};

use crate::catalog::demand::SHAPES;
use crate::catalog::schema::{Date, Id, Integer, Number, finish, generator};

/// The schema of a demand file.
pub fn demand() -> Schema {
    finish(generator().into_root_schema_for::<DemandFile>())
}

/// A figure too large for a TOML integer may be a string in scientific notation.
pub struct Figure;

impl JsonSchema for Figure {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Figure".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A positive number: a TOML integer or float, or a string such as `\"3e27\"` for figures too large to write plainly.",
            "type": ["number", "string"],
            "pattern": r"^\s*[0-9]+(\.[0-9]+)?([eE][+]?[0-9]+)?\s*$",
        })
    }
}

/// How a level moves between its points.
pub struct ShapeName;

impl JsonSchema for ShapeName {
    fn schema_name() -> Cow<'static, str> {
        "Shape".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let words: Vec<&str> = SHAPES.iter().map(|(w, _)| *w).collect();
        json_schema!({
            "description": "`linear` (the default): interpolate by day between points; `step`: each point's level holds until the next.",
            "type": "string",
            "enum": words,
        })
    }
}

/// A demand file: workloads that capacity is for.
#[derive(JsonSchema)]
#[schemars(title = "capplan demand file", deny_unknown_fields)]
pub struct DemandFile {
    /// The workloads: `[[workload]]` tables.
    pub workload: Option<Vec<WorkloadTable>>,
}

/// `[[workload]]`: a continuous `level` or one `run`.
#[derive(JsonSchema)]
#[schemars(rename = "Workload", deny_unknown_fields)]
pub struct WorkloadTable {
    /// Unique among the workloads.
    #[schemars(example = &"inference")]
    pub id: Id,
    /// A description; default the id.
    #[schemars(example = &"ChatGPT and API inference")]
    pub title: Option<String>,
    /// Lower is served first; default 0.
    #[schemars(example = 1)]
    pub priority: Option<Integer>,
    /// Eligible hardware ids; default every gpu profile with a figure at the precision.
    #[schemars(example = ["gb200", "gb300"])]
    pub hardware: Option<Vec<Id>>,
    /// A continuous need: H100e online from each point's date, in increasing order.
    #[schemars(example = serde_json::json!([{ "from": "2026-01-01", "h100e": 400000 }, { "from": "2027-01-01", "h100e": 1500000 }]))]
    pub level: Option<Vec<Point>>,
    /// How the level moves between points.
    #[schemars(example = &"step")]
    pub shape: Option<ShapeName>,
    /// The level ends here (exclusive); default the horizon's end.
    #[schemars(example = &"2034-01-01")]
    pub until: Option<Date>,
    /// Work to be done within `[earliest, deadline)`.
    #[schemars(example = serde_json::json!({ "flop": "3e27", "mfu": 0.4, "earliest": "2027-01-01", "deadline": "2027-10-01" }))]
    pub run: Option<Run>,
}

/// One point of a level.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Point {
    /// From this day on.
    #[schemars(example = &"2026-01-01")]
    pub from: Date,
    /// H100e needed online, zero or more.
    #[schemars(range(min = 0), example = 400000)]
    pub h100e: Number,
}

/// `run = { ... }`: `h100e_hours`, or `flop` with `mfu`.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Run {
    /// Floating-point operations, such as `"3e27"`; needs `mfu`.
    #[schemars(example = &"3e27")]
    pub flop: Option<Figure>,
    /// Model FLOPS utilization: above 0, at most 1.
    #[schemars(extend("exclusiveMinimum" = 0), range(max = 1), example = 0.4)]
    pub mfu: Option<Number>,
    /// The work in H100e-hours, instead of `flop`.
    #[schemars(example = 2000000000)]
    pub h100e_hours: Option<Figure>,
    /// The first day the run may use.
    #[schemars(example = &"2027-01-01")]
    pub earliest: Date,
    /// The day by which it must be done (exclusive).
    #[schemars(example = &"2027-10-01")]
    pub deadline: Date,
    /// The most H100e the run uses on any day; default no cap.
    #[schemars(example = 1000000)]
    pub max_h100e: Option<Figure>,
}
