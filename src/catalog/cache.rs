//! A cache of loaded catalogs for the report commands (docs/catalog.md, "Cache"): a catalog
//! folder read again with the same files, byte for byte, is decoded from the cache instead of
//! parsed and checked.
//!
//! One entry per folder, named by a hash of the folder's path. It holds the fingerprint of the
//! build that wrote it (`wire::fingerprint`), every file's name and bytes in order, and the
//! loaded catalog with the warnings of its load in the binary form of `wire`, with a checksum.
//! An entry serves a load only if the
//! names and bytes just read are equal to the stored ones, compared in full rather than by a
//! hash, so an entry can never answer for other files: a changed, added, removed or renamed
//! file is a miss, whatever its size and times. Anything else wrong with an entry (missing, cut
//! short, corrupt, of another build) is a miss too, silently.
//!
//! Only loads that the report commands make ([`Checks::ErrorsOnly`]) and that raise no error
//! are stored. Such a load can still raise a few warnings (a gpu profile without `tflops`);
//! they are stored with it and a hit gives them again, so a later failure prints what it
//! would have printed without the cache. A catalog with an error is always loaded for real and
//! reported as ever, and `validate` ([`Checks::All`]) never comes here. The files' text still
//! goes into the report from the bytes just read, with the ids a real load gives them, so a
//! later diagnostic (a scenario's) points into them as it would.
//!
//! The entry is one file per folder, compared in full on every run, rather than one per
//! contract: a report needs the whole catalog checked as one, and one sequential read and
//! compare of the folder's bytes (11 MB for 10,000 contracts) costs about a millisecond.
//!
//! The cache lives in `catalog/` of capplan's cache folder ([`crate::cache_dir`]). An entry is
//! written to a temporary file and renamed into place, so a reader never sees half of one; a
//! cache that cannot be written is skipped.

use std::fs;
use std::hash::{BuildHasher, DefaultHasher, Hasher};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::catalog::load::{self, CatalogFiles};
use crate::catalog::model::Catalog;
use crate::catalog::validate::Checks;
use crate::catalog::wire;
use crate::diagnostic::{Diagnostic, FileId, Report, SourceFile};

/// The first bytes of every entry.
const MAGIC: &[u8; 16] = b"capplan catalog\n";

/// The fixed part of an entry: magic, fingerprint, checksum of the catalog, then the lengths of
/// the file table, of the catalog and the number of files, each a little-endian `u64`.
const HEADER: usize = 16 + 5 * 8;

/// The catalog cache, in its folder.
pub struct Cache {
    dir: PathBuf,
}

impl Cache {
    /// The cache the environment names, if any.
    pub fn from_env() -> Option<Cache> {
        Some(Cache {
            dir: crate::cache_dir::dir("catalog")?,
        })
    }

    /// A cache in `dir`.
    pub fn at(dir: PathBuf) -> Cache {
        Cache { dir }
    }

    /// The entry of the catalog labelled `label`: a folder, named by its path from the root.
    fn entry(&self, label: &str) -> PathBuf {
        let folder = std::env::current_dir().unwrap_or_default().join(label);
        let mut h = DefaultHasher::new();
        h.write(folder.as_os_str().as_encoded_bytes());
        self.dir.join(format!("{:016x}.bin", h.finish()))
    }

    /// [`load::load_owned`] with [`Checks::ErrorsOnly`], from the cache where it holds the same
    /// files, and storing a load that raised no diagnostic.
    pub fn load(&self, files: CatalogFiles, report: &mut Report) -> Option<Catalog> {
        let entry = self.entry(&files.label);
        let base = report.sources.len();
        let files = match hit(&entry, files, base) {
            Ok((catalog, warnings, sources)) => {
                for source in sources {
                    report.sources.add(source);
                }
                for warning in warnings {
                    report.push(warning);
                }
                return Some(catalog);
            }
            Err(files) => files,
        };
        let before = report.diagnostics.len();
        let catalog = load::load_owned(files, Checks::ErrorsOnly, report)?;
        // A load that returns a catalog raised warnings at most; they are stored with it.
        let _ = self.store(&entry, &catalog, report, base, before);
        Some(catalog)
    }

    /// Writes the entry of `catalog`, loaded from the files from `base` on in `report` with the
    /// diagnostics from `first` on.
    fn store(
        &self,
        entry: &Path,
        catalog: &Catalog,
        report: &Report,
        base: usize,
        first: usize,
    ) -> Option<()> {
        let raised = report.diagnostics.get(first..)?;
        if raised.iter().any(|d| d.is_error()) {
            return None;
        }
        let encoded = wire::encode(catalog, raised, base)?;
        let sources: Vec<&SourceFile> = (base..report.sources.len())
            .map(|i| report.sources.get(FileId(i)))
            .collect();
        let mut table = Vec::new();
        for s in &sources {
            table.extend_from_slice(&(s.name.len() as u64).to_le_bytes());
            table.extend_from_slice(&(s.text.len() as u64).to_le_bytes());
            table.extend_from_slice(s.name.as_bytes());
        }
        let mut head = Vec::with_capacity(HEADER);
        head.extend_from_slice(MAGIC);
        for n in [
            wire::fingerprint(),
            checksum(&encoded),
            table.len() as u64,
            encoded.len() as u64,
            sources.len() as u64,
        ] {
            head.extend_from_slice(&n.to_le_bytes());
        }
        fs::create_dir_all(&self.dir).ok()?;
        let tmp = self
            .dir
            .join(format!(".{}.{}.tmp", std::process::id(), base));
        let written = (|| -> io::Result<()> {
            let mut out = io::BufWriter::with_capacity(1 << 20, fs::File::create(&tmp)?);
            out.write_all(&head)?;
            out.write_all(&table)?;
            out.write_all(&encoded)?;
            for s in &sources {
                out.write_all(s.text.as_bytes())?;
            }
            out.into_inner().map_err(io::IntoInnerError::into_error)?;
            fs::rename(&tmp, entry)
        })();
        if written.is_err() {
            let _ = fs::remove_file(&tmp);
            return None;
        }
        Some(())
    }
}

/// A checksum of an entry's catalog, so that a corrupt entry is not decoded into another catalog.
fn checksum(bytes: &[u8]) -> u64 {
    foldhash::quality::FixedState::with_seed(0x6361_7463_6174_616c).hash_one(bytes)
}

/// What a hit gives: the catalog, the warnings its load raised and the files as sources.
type Hit = (Catalog, Vec<Diagnostic>, Vec<SourceFile>);

/// What `entry` holds, if it holds exactly `files`; else the files back.
fn hit(entry: &Path, files: CatalogFiles, base: usize) -> Result<Hit, CatalogFiles> {
    let Some((catalog, warnings)) = read_entry(entry, &files.files, base) else {
        return Err(files);
    };
    // The bytes are those a load found valid UTF-8; should one not be after all, the load is
    // made for real.
    let texts: Vec<Result<SourceFile, (String, Vec<u8>)>> = files
        .files
        .into_par_iter()
        .map(|(name, bytes)| match String::from_utf8(bytes) {
            Ok(text) => Ok(SourceFile::new(name, text)),
            Err(e) => Err((name, e.into_bytes())),
        })
        .collect();
    if texts.iter().all(Result::is_ok) {
        return Ok((catalog, warnings, texts.into_iter().flatten().collect()));
    }
    Err(CatalogFiles {
        label: files.label,
        files: texts
            .into_iter()
            .map(|t| t.map_or_else(|file| file, |s| (s.name, s.text.into_bytes())))
            .collect(),
    })
}

/// The catalog and warnings `entry` holds for exactly `files`, whose ids start at `base`.
fn read_entry(
    entry: &Path,
    files: &[(String, Vec<u8>)],
    base: usize,
) -> Option<(Catalog, Vec<Diagnostic>)> {
    let mut f = fs::File::open(entry).ok()?;
    let mut head = [0u8; HEADER];
    f.read_exact(&mut head).ok()?;
    let (magic, numbers) = head.split_at(MAGIC.len());
    if magic != MAGIC {
        return None;
    }
    let n: Vec<u64> = numbers
        .chunks_exact(8)
        .map(|c| u64::from_le_bytes(c.try_into().unwrap_or_default()))
        .collect();
    let [fingerprint, sum, table_len, catalog_len, count] = n[..] else {
        return None;
    };
    if fingerprint != wire::fingerprint() || count != files.len() as u64 {
        return None;
    }
    // The table is small: names and lengths tell most changes apart before any content is read.
    let expected: usize = files.iter().map(|(name, _)| 16 + name.len()).sum();
    if table_len != expected as u64 {
        return None;
    }
    // The entry's length must be what its header says, before anything that long is allocated:
    // a damaged header is a miss, not an allocation of whatever it claims.
    let contents: u64 = files.iter().map(|(_, bytes)| bytes.len() as u64).sum();
    let claimed = [HEADER as u64, table_len, catalog_len, contents]
        .into_iter()
        .try_fold(0u64, u64::checked_add)?;
    if f.metadata().ok()?.len() != claimed {
        return None;
    }
    let mut table = vec![0u8; expected];
    f.read_exact(&mut table).ok()?;
    let mut at = table.as_slice();
    for (name, bytes) in files {
        let (lens, rest) = at.split_at_checked(16)?;
        let (stored, rest) = rest.split_at_checked(name.len())?;
        at = rest;
        if lens[..8] != (name.len() as u64).to_le_bytes()
            || lens[8..] != (bytes.len() as u64).to_le_bytes()
            || stored != name.as_bytes()
        {
            return None;
        }
    }
    let mut encoded = vec![0u8; usize::try_from(catalog_len).ok()?];
    f.read_exact(&mut encoded).ok()?;
    if checksum(&encoded) != sum {
        return None;
    }
    // The contents are compared while the catalog is decoded.
    let (same, catalog) = rayon::join(
        || same_contents(&mut f, files),
        || wire::decode(&encoded, base),
    );
    catalog.filter(|_| same)
}

/// Whether `from` holds the bytes of `files` one after the other, and nothing more.
fn same_contents(from: &mut impl Read, files: &[(String, Vec<u8>)]) -> bool {
    let mut buf = vec![0u8; 1 << 20];
    let mut have = 0..0;
    for (_, bytes) in files {
        let mut rest = bytes.as_slice();
        while !rest.is_empty() {
            if have.is_empty() {
                match from.read(&mut buf) {
                    Ok(0) | Err(_) => return false,
                    Ok(n) => have = 0..n,
                }
            }
            let k = rest.len().min(have.len());
            if buf[have.start..have.start + k] != rest[..k] {
                return false;
            }
            rest = &rest[k..];
            have.start += k;
        }
    }
    have.is_empty() && matches!(from.read(&mut buf[..1]), Ok(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> CatalogFiles {
        CatalogFiles {
            label: "shipped".to_owned(),
            files: load::BUILTIN
                .iter()
                .map(|(name, text)| (name.to_string(), text.as_bytes().to_vec()))
                .collect(),
        }
    }

    #[test]
    fn a_stored_load_is_read_back_for_the_same_bytes_only() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path().to_path_buf());
        let mut fresh = Report::default();
        let loaded = cache.load(shipped(), &mut fresh).unwrap();
        let entry = cache.entry("shipped");
        let (catalog, warnings, sources) = hit(&entry, shipped(), 0).ok().unwrap();
        assert_eq!(format!("{catalog:?}"), format!("{loaded:?}"));
        assert_eq!(warnings, fresh.diagnostics);
        assert_eq!(sources.len(), fresh.sources.len());
        // After other files, the ids move along.
        let (moved, _, _) = hit(&entry, shipped(), 2).ok().unwrap();
        assert_eq!(
            moved.portfolio.origin.file.0,
            loaded.portfolio.origin.file.0 + 2
        );
        // One byte changed, in place: a miss.
        let mut edited = shipped();
        let last = edited.files.last_mut().unwrap();
        let at = last.1.len() / 2;
        last.1[at] = if last.1[at] == b'x' { b'y' } else { b'x' };
        assert!(hit(&entry, edited, 0).is_err());
    }
}
