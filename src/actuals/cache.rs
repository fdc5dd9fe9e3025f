//! A cache of attributed cost files (docs/actuals.md, "Cache"): what one file gave each
//! contract, per day, kept by the hash of the file's bytes and of everything that decides its
//! attribution (capplan's version and sources, the cost column, every contract's match table).
//! A monthly run over a year of hourly exports then reads only the files it has not seen.
//!
//! A changed file, match table or cost column has another key, so an entry can never be served
//! for other input; an entry that cannot be read is a miss. The cache lives in `actuals/` of
//! capplan's cache folder ([`crate::cache_dir`]). Writing it never fails a run: a cache that
//! cannot be written is skipped.

use std::hash::{DefaultHasher, Hasher};
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::engine::num::Num;
use crate::exact::Rational;

/// What one cost file gave, as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub rows: u64,
    pub latest_end: Option<i64>,
    pub unattributed_rows: u64,
    pub unattributed: String,
    /// Per contract that claimed rows: its id, the rows, and its cost per day number.
    pub contracts: Vec<(String, u64, Days)>,
}

/// Exact cost per day number, as text ([`num_text`]).
pub type Days = Vec<(i64, String)>;

/// An exact number as text: `n/d`, or `~decimal` past `i128`.
pub fn num_text(n: Num) -> String {
    match n {
        Num::Exact(r) => format!("{}/{}", r.num, r.den),
        Num::Approx(d) => format!("~{d}"),
    }
}

pub fn text_num(s: &str) -> Option<Num> {
    if let Some(d) = s.strip_prefix('~') {
        return Some(Num::Approx(d.parse().ok()?));
    }
    let (n, d) = s.split_once('/')?;
    Some(Num::Exact(Rational::new(n.parse().ok()?, d.parse().ok()?)?))
}

pub struct Cache {
    dir: PathBuf,
}

impl Cache {
    /// The cache the environment names, if any.
    pub fn from_env() -> Option<Cache> {
        Some(Cache {
            dir: crate::cache_dir::dir("actuals")?,
        })
    }

    /// The key of `file` read under `context`: 128 bits of hash over capplan's version and
    /// sources, the context and the file's bytes, in hex. `None` if the file cannot be read.
    pub fn key(&self, file: &Path, context: &str) -> Option<String> {
        let mut a = DefaultHasher::new();
        let mut b = DefaultHasher::new();
        a.write(b"capplan actuals a");
        b.write(b"capplan actuals b");
        for h in [&mut a, &mut b] {
            h.write(env!("CARGO_PKG_VERSION").as_bytes());
            // Another build of the same version may attribute the same file otherwise.
            h.write(env!("CAPPLAN_SOURCE_HASH").as_bytes());
            h.write(context.as_bytes());
        }
        let mut f = std::fs::File::open(file).ok()?;
        let mut buf = vec![0u8; 1 << 16];
        let mut len: u64 = 0;
        loop {
            let n = f.read(&mut buf).ok()?;
            if n == 0 {
                break;
            }
            a.write(&buf[..n]);
            b.write(&buf[..n]);
            len += n as u64;
        }
        a.write_u64(len);
        b.write_u64(len);
        Some(format!("{:016x}{:016x}", a.finish(), b.finish()))
    }

    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.json"))
    }

    pub fn get(&self, key: &str) -> Option<Entry> {
        let text = std::fs::read(self.path(key)).ok()?;
        serde_json::from_slice(&text).ok()
    }

    /// Stores an entry through a temporary file and a rename, so that a reader never sees half
    /// of one; any failure is ignored.
    pub fn put(&self, key: &str, entry: &Entry) {
        let Ok(bytes) = serde_json::to_vec(entry) else {
            return;
        };
        if std::fs::create_dir_all(&self.dir).is_err() {
            return;
        }
        let tmp = self.dir.join(format!(".{key}.{}.tmp", std::process::id()));
        if std::fs::write(&tmp, bytes).is_ok() && std::fs::rename(&tmp, self.path(key)).is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip_exactly() {
        for n in [
            Num::ZERO,
            Num::Exact(Rational::new(-7, 3).unwrap()),
            Num::from_decimal("12.3456789012".parse().unwrap()),
            Num::Approx("1.0000000000000000000000001".parse().unwrap()),
        ] {
            assert_eq!(text_num(&num_text(n)), Some(n));
        }
        assert_eq!(text_num("1/0"), None);
        assert_eq!(text_num("x"), None);
    }
}
