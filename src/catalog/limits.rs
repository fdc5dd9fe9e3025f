//! How large an input capplan takes on. Each cap is far above any real catalog, so that only a
//! wrong path or a generated mistake meets it, and each is met with a message that names it
//! instead of a run that fills memory or never ends. The README's "Limits" lists them.
//!
//! Caps on what is read (a file's size, a folder's count of files) stop the run before
//! reading, like an unreadable path: exit code 2. Caps on what the files say (tranches) are
//! diagnostics with a location, like any other problem of a catalog: exit code 1.

/// The largest catalog or scenario file capplan reads, in bytes. Real contract files are a few
/// KiB; the cap keeps a wrong path (a log, a dump) from filling memory.
pub const MAX_FILE_BYTES: u64 = 16 << 20;

/// The most `.toml` files a catalog folder may have: ten times the 100,000-contract catalogs
/// capplan is benchmarked on. The cap keeps a wrong folder (a dump of generated files) from
/// being read whole before anything is said.
pub const MAX_CATALOG_FILES: usize = 1_000_000;

/// The most `[[tranche]]` tables one contract may have. Real contracts have a handful, one per
/// hardware generation or site.
pub const MAX_TRANCHES_PER_CONTRACT: usize = 10_000;

/// The most tranches a catalog may have in all, after scenarios: four times the 250,000 or so
/// of a 100,000-contract catalog. Reports and Monte Carlo samples work per tranche and period,
/// so this bounds their time and memory: `plan` on 250,000 tranches takes 650 MB.
pub const MAX_CATALOG_TRANCHES: usize = 1_000_000;
