//! The catalog stage: file formats, loading, validation and the spans diagnostics point at.
//!
//! Data flows one way: raw bytes -> spanned TOML ([`reader`]) -> typed entities ([`parse`]) ->
//! cross-checks ([`validate`]) -> a [`Catalog`] the engine can trust. The catalog knows nothing
//! of periods or reports.

pub mod cache;
pub mod demand;
pub mod demand_schema;
pub mod diff;
pub mod files;
pub mod finance;
pub mod git;
pub mod limits;
pub mod load;
pub mod model;
pub mod parse;
pub mod ramp;
pub mod reader;
pub mod schema;
pub mod validate;
pub mod value;
pub(crate) mod wire;

pub use load::{CatalogFiles, LoadError, load, load_owned};
pub use model::*;
