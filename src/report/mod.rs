//! The report stage: turns diagnostics and projections into text for people and machines.
//! Renderers write to a `dyn Write` and never touch files themselves.

pub mod diagnostics;
