//! Finding and reading catalog files: every `*.toml` of a folder in file-name order, each read
//! whole and checked not to have changed while it was read, never waiting on a pipe or a device
//! a folder listing or a command line names.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use thiserror::Error;

use crate::catalog::load::{BUILTIN, PORTFOLIO_FILE, is_portfolio_name};
use crate::catalog::value::group_thousands;

/// A path that could not be read at all. Commands exit with code 2 on it.
#[derive(Debug, Error)]
pub enum LoadError {
    // The cause is the `source`, not part of the message: `main` prints the chain with `{:#}`.
    #[error("cannot read `{path}`")]
    Io {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error("`{path}` is not a folder or a `.toml` file")]
    NotToml { path: String },
    #[error("`{path}` is larger than {limit} MiB: a catalog file holds one contract or the portfolio, a few KiB; is this the right file?", limit = MAX_FILE_BYTES >> 20)]
    TooLarge { path: String },
    #[error("`{path}` holds more than {} `.toml` files, the most a catalog may have: is this the right folder?", group_thousands(&limit.to_string()))]
    TooManyFiles { path: String, limit: usize },
    #[error("`{path}` changed while it was being read; run again")]
    Changed { path: String },
    #[error(
        "`{path}` is {kind}, not a file: capplan reads files (or `<(...)` and `/dev/stdin`), and would wait on this"
    )]
    NotRegular { path: String, kind: &'static str },
}

/// What `path` is if it is a named pipe, a socket or a device: a special file, which a read
/// could wait on forever. Pipes that the shell passes (`<(...)`, `/dev/stdin`) are not counted:
/// they are what a user means to read.
pub fn special_file(path: &Path) -> Option<&'static str> {
    #[cfg(unix)]
    {
        let shown = path.to_string_lossy();
        if ["/dev/fd/", "/proc/self/fd/"]
            .iter()
            .any(|p| shown.starts_with(p))
            || shown == "/dev/stdin"
        {
            return None;
        }
        special_kind(fs::metadata(path).ok()?.file_type())
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// What a file of type `t` is if it is special: a named pipe, a socket or a device.
fn special_kind(t: fs::FileType) -> Option<&'static str> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            Some("a named pipe (FIFO)")
        } else if t.is_char_device() || t.is_block_device() {
            Some("a device")
        } else if t.is_socket() {
            Some("a socket")
        } else {
            None
        }
    }
    #[cfg(not(unix))]
    {
        let _ = t;
        None
    }
}

pub use crate::catalog::limits::{MAX_CATALOG_FILES, MAX_FILE_BYTES};

/// The raw files of one catalog, before parsing.
#[derive(Clone, Debug)]
pub struct CatalogFiles {
    /// How messages name the catalog, such as `contracts`.
    pub label: String,
    /// `(display name, bytes)` in file-name order.
    pub files: Vec<(String, Vec<u8>)>,
}

impl CatalogFiles {
    /// The catalog compiled into the binary.
    pub fn builtin() -> Self {
        CatalogFiles {
            label: "contracts (built in)".to_owned(),
            files: BUILTIN
                .iter()
                .map(|(name, text)| (format!("contracts/{name}"), text.as_bytes().to_vec()))
                .collect(),
        }
    }

    /// Every `*.toml` directly in `dir`.
    pub fn read_dir(dir: &Path) -> Result<Self, LoadError> {
        Self::read_dir_capped(dir, MAX_CATALOG_FILES)
    }

    /// [`CatalogFiles::read_dir`], refusing a folder with more than `max_files` `*.toml` files
    /// before reading any.
    pub fn read_dir_capped(dir: &Path, max_files: usize) -> Result<Self, LoadError> {
        let io_err = |source| LoadError::Io {
            path: dir.display().to_string(),
            source,
        };
        let mut paths = Vec::new();
        for entry in fs::read_dir(dir).map_err(io_err)? {
            let entry = entry.map_err(io_err)?;
            let path = entry.path();
            // The entry's own type needs no further system call; a link is followed to its target.
            let toml = path.extension().is_some_and(|e| e == "toml");
            let is_file = match entry.file_type() {
                // A link is followed; one that leads nowhere (or in a loop) is an error, not a
                // contract silently left out.
                Ok(t) if t.is_symlink() => match fs::metadata(&path) {
                    Ok(m) => m.is_file(),
                    Err(source) if toml => {
                        return Err(LoadError::Io {
                            path: path.display().to_string(),
                            source,
                        });
                    }
                    Err(_) => false,
                },
                Ok(t) => t.is_file(),
                Err(_) => path.is_file(),
            };
            if toml
                && !is_file
                && let Some(kind) = special_file(&path)
            {
                return Err(LoadError::NotRegular {
                    path: path.display().to_string(),
                    kind,
                });
            }
            if is_file && toml {
                if paths.len() == max_files {
                    return Err(LoadError::TooManyFiles {
                        path: dir.display().to_string(),
                        limit: max_files,
                    });
                }
                paths.push(path);
            }
        }
        // All in one folder, so the paths' text orders them as their names do: the same
        // folder, then the name. Comparing paths component by component, or taking each
        // path's name apart, costs a few percent of loading 10,000 files.
        paths.sort_unstable_by(|a, b| a.as_os_str().cmp(b.as_os_str()));
        let files = paths
            .par_iter()
            .map(|p| Ok((shown(p), read_listed(p)?)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(CatalogFiles {
            label: dir.display().to_string(),
            files,
        })
    }

    /// Some contract files of a folder, with that folder's `portfolio.toml`.
    pub fn read_files(dir: &Path, names: &[PathBuf]) -> Result<Self, LoadError> {
        let mut paths: Vec<PathBuf> = names.to_vec();
        let portfolio = dir.join(PORTFOLIO_FILE);
        if !paths.iter().any(|p| is_portfolio_name(p)) && portfolio.is_file() {
            paths.push(portfolio);
        }
        paths.sort();
        paths.dedup();
        if paths.len() > MAX_CATALOG_FILES {
            return Err(LoadError::TooManyFiles {
                path: dir.display().to_string(),
                limit: MAX_CATALOG_FILES,
            });
        }
        let mut files = Vec::with_capacity(paths.len());
        for path in paths {
            files.push(read_file(&path)?);
        }
        Ok(CatalogFiles {
            label: dir.display().to_string(),
            files,
        })
    }
}

fn read_file(path: &Path) -> Result<(String, Vec<u8>), LoadError> {
    Ok((shown(path), read_capped(path)?))
}

/// A path as messages show it: [`Path::display`], without its formatting machinery for the
/// usual path that is valid UTF-8.
fn shown(path: &Path) -> String {
    path.to_str()
        .map_or_else(|| path.display().to_string(), str::to_owned)
}

/// A file's bytes, refusing more than [`MAX_FILE_BYTES`] without reading them all, and
/// refusing a file that changed while it was read.
pub fn read_capped(path: &Path) -> Result<Vec<u8>, LoadError> {
    read_checked(path, MAX_FILE_BYTES, &mut || {})
}

/// A file's bytes, at most `cap` of them, checked not to have changed while they were read:
/// the open file must have the same length, modification and change times before and after
/// the read, and still have a name afterwards (`still_named`). Otherwise a file rewritten, replaced
/// or deleted mid-read (an editor saving, a checkout) could yield a report of half an old and
/// half a new file. `during` runs after the read, before the check: tests change the file
/// there, since a real race cannot be reproduced. Pipes and devices (`--scenario <(...)`)
/// have no such identity and are read as they come.
pub fn read_checked(path: &Path, cap: u64, during: &mut dyn FnMut()) -> Result<Vec<u8>, LoadError> {
    if let Some(kind) = special_file(path) {
        return Err(LoadError::NotRegular {
            path: path.display().to_string(),
            kind,
        });
    }
    let file = fs::File::open(path).map_err(|source| LoadError::Io {
        path: path.display().to_string(),
        source,
    })?;
    read_open(path, file, false, cap, during)
}

/// A file a folder listing found, which the listing already showed to be a file: it is opened
/// without looking its path up first. It could have been swapped for a named pipe or a device
/// since, so it is opened without waiting (`O_NONBLOCK`, which changes nothing for a file) and
/// refused if the open file is special after all.
fn read_listed(path: &Path) -> Result<Vec<u8>, LoadError> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let file = options.open(path).map_err(|source| LoadError::Io {
        path: path.display().to_string(),
        source,
    })?;
    read_open(path, file, true, MAX_FILE_BYTES, &mut || {})
}

/// [`read_checked`] of a file already opened; `refuse_special`: a pipe, socket or device is
/// refused rather than read as it comes.
fn read_open(
    path: &Path,
    file: fs::File,
    refuse_special: bool,
    cap: u64,
    during: &mut dyn FnMut(),
) -> Result<Vec<u8>, LoadError> {
    use std::io::Read;
    let shown = || path.display().to_string();
    let io = |source| LoadError::Io {
        path: shown(),
        source,
    };
    let before = file.metadata().map_err(io)?;
    if refuse_special && let Some(kind) = special_kind(before.file_type()) {
        return Err(LoadError::NotRegular {
            path: shown(),
            kind,
        });
    }
    let regular = before.is_file();
    if regular && before.len() > cap {
        return Err(LoadError::TooLarge { path: shown() });
    }
    let mut bytes = Vec::with_capacity(if regular { before.len() as usize } else { 0 });
    // A file is read up to the length it had when opened: had it grown since, its times would
    // have changed, which the check below sees, so the read that finds its end is saved. A
    // file of length 0 may be one whose length says nothing (`/proc`), and is read to its end.
    let limit = if regular && before.len() > 0 {
        before.len()
    } else {
        cap + 1
    };
    (&file).take(limit).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > cap {
        return Err(LoadError::TooLarge { path: shown() });
    }
    during();
    if regular {
        let changed = || LoadError::Changed { path: shown() };
        let after = file.metadata().map_err(io)?;
        if Identity::of(&before) != Identity::of(&after)
            || bytes.len() as u64 != after.len()
            || !still_named(path, &after)
        {
            return Err(changed());
        }
    }
    Ok(bytes)
}

/// Whether the file read is still the one at `path`: not deleted, nor replaced by a rename.
/// On Unix, the open file's own link count says so without looking the path up again (a file
/// deleted or renamed over has no name left); elsewhere, the path is looked up.
fn still_named(path: &Path, read: &fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        let _ = path;
        use std::os::unix::fs::MetadataExt;
        read.nlink() > 0
    }
    #[cfg(not(unix))]
    {
        fs::metadata(path).is_ok_and(|now| Identity::of(&now) == Identity::of(read))
    }
}

/// What tells one version of a file from another without reading it.
#[derive(Debug, PartialEq, Eq)]
struct Identity {
    len: u64,
    modified: Option<std::time::SystemTime>,
    #[cfg(unix)]
    node: (u64, u64, i64, i64),
}

impl Identity {
    fn of(meta: &fs::Metadata) -> Self {
        #[cfg(unix)]
        use std::os::unix::fs::MetadataExt;
        Identity {
            len: meta.len(),
            modified: meta.modified().ok(),
            // Device and inode: the same file; change time: any write or rename, even one
            // that restored the modification time.
            #[cfg(unix)]
            node: (meta.dev(), meta.ino(), meta.ctime(), meta.ctime_nsec()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changed(result: Result<Vec<u8>, LoadError>) -> bool {
        matches!(result, Err(LoadError::Changed { .. }))
    }

    /// A file whose times lie in the past, so that any write during the test shows.
    fn old_file(dir: &Path, text: &str) -> PathBuf {
        let path = dir.join("acme.toml");
        fs::write(&path, text).unwrap();
        let past = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        let times = fs::FileTimes::new().set_modified(past).set_accessed(past);
        fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_times(times)
            .unwrap();
        path
    }

    #[test]
    fn a_file_left_alone_reads_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = old_file(dir.path(), "id = \"acme\"\n");
        let bytes = read_checked(&path, MAX_FILE_BYTES, &mut || {}).unwrap();
        assert_eq!(bytes, b"id = \"acme\"\n");
    }

    #[test]
    fn a_file_changed_while_it_is_read_is_an_error_that_names_it() {
        let append = |p: &Path| {
            let mut f = fs::OpenOptions::new().append(true).open(p).unwrap();
            std::io::Write::write_all(&mut f, b"value_usd = \"1B\"\n").unwrap();
        };
        // The same length, other bytes: only the times tell.
        let rewrite = |p: &Path| fs::write(p, "id = \"acne\"\n").unwrap();
        let delete = |p: &Path| fs::remove_file(p).unwrap();
        // An editor's save: a new file renamed over the old one.
        let replace = |p: &Path| {
            let new = p.with_extension("new");
            fs::write(&new, "id = \"acme\"\n").unwrap();
            fs::rename(&new, p).unwrap();
        };
        type Change<'a> = (&'a str, &'a dyn Fn(&Path));
        let changes: [Change<'_>; 4] = [
            ("append", &append),
            ("rewrite", &rewrite),
            ("delete", &delete),
            ("replace", &replace),
        ];
        for (what, change) in changes {
            let dir = tempfile::tempdir().unwrap();
            let path = old_file(dir.path(), "id = \"acme\"\n");
            let result = read_checked(&path, MAX_FILE_BYTES, &mut || change(&path));
            assert!(changed(result), "{what}");
        }
        let dir = tempfile::tempdir().unwrap();
        let path = old_file(dir.path(), "id = \"acme\"\n");
        let err = read_checked(&path, MAX_FILE_BYTES, &mut || append(&path)).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "`{}` changed while it was being read; run again",
                path.display()
            )
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_device_is_refused_and_a_passed_pipe_read_as_it_comes() {
        let err = read_checked(Path::new("/dev/null"), MAX_FILE_BYTES, &mut || {}).unwrap_err();
        assert!(
            matches!(
                err,
                LoadError::NotRegular {
                    kind: "a device",
                    ..
                }
            ),
            "{err}"
        );
        // What `<(...)` passes: a pipe by its descriptor's name.
        let mut child = std::process::Command::new("sh")
            .args(["-c", "printf 'id = 1'"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let out = child.stdout.take().unwrap();
        use std::os::fd::AsRawFd;
        let name = format!("/proc/self/fd/{}", out.as_raw_fd());
        assert_eq!(
            read_checked(Path::new(&name), MAX_FILE_BYTES, &mut || {}).unwrap(),
            b"id = 1"
        );
        child.wait().unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_listed_file_that_became_a_pipe_is_refused_without_waiting() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("acme.toml");
        let made = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .unwrap();
        assert!(made.success());
        // No writer ever opens the pipe: a blocking open would wait forever.
        let err = read_listed(&path).unwrap_err();
        assert!(
            matches!(
                err,
                LoadError::NotRegular {
                    kind: "a named pipe (FIFO)",
                    ..
                }
            ),
            "{err}"
        );
        let err = CatalogFiles::read_dir(dir.path()).unwrap_err();
        assert!(matches!(err, LoadError::NotRegular { .. }), "{err}");
    }

    #[test]
    fn a_file_over_the_cap_is_refused_before_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = old_file(dir.path(), "0123456789");
        assert!(read_checked(&path, 10, &mut || {}).is_ok());
        let mut read = false;
        let result = read_checked(&path, 9, &mut || read = true);
        assert!(matches!(result, Err(LoadError::TooLarge { .. })));
        assert!(!read);
    }

    #[test]
    fn a_folder_with_more_files_than_the_cap_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..11 {
            fs::write(dir.path().join(format!("c{i:02}.toml")), "").unwrap();
        }
        // Other files do not count.
        fs::write(dir.path().join("notes.txt"), "").unwrap();
        assert_eq!(
            CatalogFiles::read_dir_capped(dir.path(), 11)
                .unwrap()
                .files
                .len(),
            11
        );
        let err = CatalogFiles::read_dir_capped(dir.path(), 10).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "`{}` holds more than 10 `.toml` files, the most a catalog may have: is this the right folder?",
                dir.path().display()
            )
        );
        let full = LoadError::TooManyFiles {
            path: "contracts".to_owned(),
            limit: MAX_CATALOG_FILES,
        };
        assert_eq!(
            full.to_string(),
            "`contracts` holds more than 1,000,000 `.toml` files, the most a catalog may have: is this the right folder?"
        );
    }
}
