//! `capplan schema contract|portfolio|scenario|demand`: the JSON Schema of a file format, for editors
//! that check TOML as it is typed. The same text is committed under `schema/`.

use std::io::Write;

use clap::ValueEnum;
use schemars::Schema;

use crate::catalog::schema as catalog;
use crate::cli::{CliError, Context, EXIT_OK, emit};
use crate::scenario::schema as scenario;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The file format: a contract file, `portfolio.toml`, a scenario file or a demand file
    #[arg(value_enum, value_name = "KIND")]
    pub kind: SchemaKind,
    #[command(flatten)]
    pub output: crate::cli::args::OutputArg,
}

/// A file format that has a schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SchemaKind {
    /// A contract file: every `*.toml` of a catalog but `portfolio.toml`
    Contract,
    /// A catalog's `portfolio.toml`
    Portfolio,
    /// A scenario file, for `--scenario`
    Scenario,
    /// A demand file: `demand.toml` beside `portfolio.toml`, or one for `--demand`
    Demand,
}

impl SchemaKind {
    /// Every format, in the order of the command line.
    pub const ALL: [SchemaKind; 4] = [
        SchemaKind::Contract,
        SchemaKind::Portfolio,
        SchemaKind::Scenario,
        SchemaKind::Demand,
    ];

    /// The name on the command line and in `schema/NAME.schema.json`.
    pub fn name(self) -> &'static str {
        match self {
            SchemaKind::Contract => "contract",
            SchemaKind::Portfolio => "portfolio",
            SchemaKind::Scenario => "scenario",
            SchemaKind::Demand => "demand",
        }
    }

    /// The format's schema.
    pub fn schema(self) -> Schema {
        match self {
            SchemaKind::Contract => catalog::contract(),
            SchemaKind::Portfolio => catalog::portfolio(),
            SchemaKind::Scenario => scenario::scenario(),
            SchemaKind::Demand => crate::catalog::demand_schema::demand(),
        }
    }

    /// The schema as it is printed and committed: pretty JSON with a final newline.
    pub fn json(self) -> String {
        catalog::to_json(&self.schema())
    }
}

/// Writes the schema of `args.kind`.
pub fn run(global: &Context, args: &Args, stdout: &mut dyn Write) -> Result<u8, CliError> {
    emit(global, args.kind.json().as_bytes(), stdout)?;
    Ok(EXIT_OK)
}
