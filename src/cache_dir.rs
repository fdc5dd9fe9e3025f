//! Where capplan keeps its caches: `CAPPLAN_CACHE_DIR`, else `$XDG_CACHE_HOME/capplan`, else
//! `~/.cache/capplan`; `CAPPLAN_CACHE_DIR=off` turns every cache off. Each cache has a folder
//! of its own in it: `actuals/` for attributed cost files (docs/actuals.md, "Cache"), `catalog/`
//! for loaded catalogs (docs/catalog.md, "Cache").

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set by [`turn_off`]: no cache for the rest of the process.
static OFF: AtomicBool = AtomicBool::new(false);

/// Turns every cache off for the rest of the process, whatever the environment says: for a
/// program that runs capplan's commands in-process (tests, an embedding tool) and must not
/// write to the user's cache.
pub fn turn_off() {
    OFF.store(true, Ordering::Relaxed);
}

/// The folder of the cache named `name`, or `None` if caches are off or there is no home.
pub fn dir(name: &str) -> Option<PathBuf> {
    if OFF.load(Ordering::Relaxed) {
        return None;
    }
    let base = match std::env::var_os("CAPPLAN_CACHE_DIR") {
        Some(v) if v == "off" => return None,
        Some(v) => PathBuf::from(v),
        None => match std::env::var_os("XDG_CACHE_HOME") {
            Some(x) if !x.is_empty() => PathBuf::from(x).join("capplan"),
            _ => PathBuf::from(std::env::var_os("HOME")?)
                .join(".cache")
                .join("capplan"),
        },
    };
    Some(base.join(name))
}
