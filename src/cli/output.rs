//! Writing `--output` files, so that no failure, interruption or concurrent run ever leaves
//! half a report or a changed file that should not have changed.
//!
//! A report goes to a temporary file (`.capplan-*.tmp`) in the target's folder, is synced
//! to disk, then renamed over the target: readers, and other runs writing the same path at the
//! same time, see either the old file or one whole new report, never a mix. On any error (a
//! full disk, a read-only folder) the temporary file is removed and the target is left as it
//! was. A target that is an input of the run (a contract, a scenario, ...) is refused before
//! anything is written ([`InputFiles::refuse`]).
//!
//! Temporary files in flight are listed in one registry, which also records when the run's
//! output is in place. On SIGINT or SIGTERM, `main.rs` calls [`interrupt`]: before the output
//! is in place, it removes the temporary files and keeps the registry locked while the process
//! exits with 130 or 143; once the output is in place (the last rename done), the run has
//! succeeded, and the signal is let pass so that the run ends with its own code (0, or 3 for a
//! `--fail-if` that holds). Creating a temporary file and renaming files into place take the
//! same lock, and the renames of one output are all made under it, so an interrupted run has
//! either put its whole output in place, and exits as if not interrupted, or leaves every
//! target untouched and no temporary file.
//!
//! A target that exists and is not a regular file (`/dev/null`, `/dev/stdout`, a named pipe)
//! is written in place, since replacing it would destroy it; a symbolic link is followed, so
//! that the file it names is replaced and the link stays.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use crate::cli::{CliError, InputFiles};
use crate::report::document::RowsError;

/// What the registry keeps.
struct State {
    /// Temporary output files being written, by path.
    temporary: Vec<PathBuf>,
    /// Whether an output is whole in place: from then on the run has succeeded.
    written: bool,
}

/// Temporary output files in flight, and whether the output is in place.
struct Registry(Mutex<State>);

/// The process's registry.
static IN_FLIGHT: Registry = Registry::new();

impl Registry {
    const fn new() -> Self {
        Registry(Mutex::new(State {
            temporary: Vec::new(),
            written: false,
        }))
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while the lock was held leaves the state as it was: still right to use.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// For a signal: `None` once an output is in place; else removes every temporary file
    /// and returns the lock, held.
    fn interrupt(&self) -> Option<Abandoned<'_>> {
        let mut held = self.lock();
        if held.written {
            return None;
        }
        for path in held.temporary.drain(..) {
            let _ = fs::remove_file(path);
        }
        Some(Abandoned { _held: held })
    }
}

/// The registry's lock, held by a process that is about to exit: no temporary output file
/// can be created or renamed into place while it lives.
pub struct Abandoned<'a> {
    _held: MutexGuard<'a, State>,
}

/// What a SIGINT or SIGTERM does to the run. Before its output is in place: every temporary
/// output file is removed, and the caller exits with 130 or 143 while holding the result, so
/// that no output can be put in place any more. Once the output is in place: `None`, and the
/// caller lets the run finish, since it has succeeded; its exit code says so.
pub fn interrupt() -> Option<Abandoned<'static>> {
    IN_FLIGHT.interrupt()
}

/// The file-system steps of an atomic write that can fail on a sound path: writing the bytes,
/// syncing them, renaming the file into place. Apart so that tests can make each one fail as
/// a full disk or a read-only file system would.
pub trait Steps {
    fn write(&mut self, file: &mut File, bytes: &[u8]) -> io::Result<()> {
        file.write_all(bytes)
    }
    fn sync(&mut self, file: &File) -> io::Result<()> {
        file.sync_all()
    }
    fn rename(&mut self, from: &Path, to: &Path) -> io::Result<()> {
        fs::rename(from, to)
    }
}

/// The file system as it is.
pub struct System;

impl Steps for System {}

/// The operating system's own error inside `e`, without the paths that wrappers add.
fn system_reason(e: io::Error) -> io::Error {
    if e.raw_os_error().is_some() {
        return e;
    }
    let mut cause: Option<&(dyn std::error::Error + 'static)> = e.get_ref().map(|inner| inner as _);
    while let Some(c) = cause {
        if let Some(code) = c
            .downcast_ref::<io::Error>()
            .and_then(io::Error::raw_os_error)
        {
            return io::Error::from_raw_os_error(code);
        }
        cause = c.source();
    }
    io::Error::new(e.kind(), e.kind().to_string())
}

/// Writes `bytes` to `path` through a temporary file and a rename; a `path` that is one of
/// `inputs` is refused.
pub fn write_atomically(path: &Path, bytes: &[u8], inputs: &InputFiles) -> Result<(), CliError> {
    write_with(&IN_FLIGHT, path, bytes, inputs, &mut System)
}

/// [`write_atomically`] for an output written as it is made: what `body` writes goes through a
/// buffer to the temporary file, which is renamed into place only once `body` has succeeded.
/// A `body` that fails (a figure that cannot be computed) leaves the target as it was.
pub fn write_streamed(
    path: &Path,
    body: &mut dyn FnMut(&mut dyn Write) -> Result<(), RowsError>,
    inputs: &InputFiles,
) -> Result<(), CliError> {
    stream_with(&IN_FLIGHT, path, body, inputs, &mut System)
}

/// [`write_atomically`], with `registry` and each step that can fail done by `steps`.
fn write_with(
    registry: &Registry,
    path: &Path,
    bytes: &[u8],
    inputs: &InputFiles,
    steps: &mut dyn Steps,
) -> Result<(), CliError> {
    stream_with(
        registry,
        path,
        &mut |out: &mut dyn Write| Ok(out.write_all(bytes)?),
        inputs,
        steps,
    )
}

/// Whether `path` is written in place rather than replaced: a device or a pipe, where there is
/// no file to replace, and replacing the node would break it for everyone else. What is
/// written there cannot be taken back.
pub fn written_in_place(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// The file a [`Steps`] writes to, as a writer: each write is one step.
struct StepWriter<'a> {
    file: &'a mut File,
    steps: &'a mut dyn Steps,
}

impl Write for StepWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.steps.write(self.file, buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Runs `body` into `file` through a buffer, each write a step of `steps`.
fn write_body(
    file: &mut File,
    body: &mut dyn FnMut(&mut dyn Write) -> Result<(), RowsError>,
    steps: &mut dyn Steps,
) -> Result<(), RowsError> {
    let mut out = io::BufWriter::with_capacity(1 << 16, StepWriter { file, steps });
    body(&mut out)?;
    out.flush()?;
    Ok(())
}

/// [`write_streamed`], with `registry` and each step that can fail done by `steps`.
fn stream_with(
    registry: &Registry,
    path: &Path,
    body: &mut dyn FnMut(&mut dyn Write) -> Result<(), RowsError>,
    inputs: &InputFiles,
    steps: &mut dyn Steps,
) -> Result<(), CliError> {
    inputs.refuse(path)?;
    // The temporary file's random name means nothing to the user: keep the system's reason only.
    let err = |source: io::Error| CliError::Write {
        path: path.display().to_string(),
        source: system_reason(source),
    };
    let failed = |e: RowsError| match e {
        RowsError::Io(e) => err(e),
        RowsError::Engine(e) => CliError::Overflow(e),
    };
    if written_in_place(path) {
        let mut file = fs::OpenOptions::new().write(true).open(path).map_err(err)?;
        write_body(&mut file, body, steps).map_err(failed)?;
        registry.lock().written = true;
        return Ok(());
    }
    // Replace the file a link names, not the link.
    let is_link = fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    let target = match is_link.then(|| fs::canonicalize(path)) {
        Some(Ok(resolved)) => resolved,
        _ => path.to_path_buf(),
    };
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    // Name a missing or unusable folder with the system's own words before the temporary
    // file's error, which only knows the temporary name, can.
    fs::read_dir(dir).map_err(err)?;
    let mut temp = Temporary::create(registry, dir, &target).map_err(err)?;
    let written = write_body(&mut temp.file, body, steps)
        .and_then(|()| steps.sync(&temp.file).map_err(RowsError::Io));
    if let Err(e) = written {
        temp.discard();
        return Err(failed(e));
    }
    let mut state = registry.lock();
    temp.rename_into_place(&target, steps, &mut state)
        .map_err(err)?;
    state.written = true;
    Ok(())
}

/// Writes several files into `dir` all or nothing, for commands whose output is more than one
/// file; a file that is one of `inputs` is refused before anything is written. Each file is
/// first written in full to a temporary file in `dir`, and a copy is made of each file it will
/// replace; only when every one is complete are they renamed over their targets, in order,
/// under the registry's lock, so that a signal comes before every rename or after all of them.
/// If a rename fails, the files already renamed are put back as they were (the earlier
/// version, or no file), so a failed run leaves `dir` as it found it. A `dir` that does not
/// exist is created, and removed again on failure. Only a crash between two renames can leave
/// some files new and others old.
pub fn write_files_atomically(
    dir: &Path,
    files: &[(&str, &[u8])],
    inputs: &InputFiles,
) -> Result<(), CliError> {
    for (name, _) in files {
        inputs.refuse(&dir.join(name))?;
    }
    let created = if dir.exists() {
        false
    } else {
        fs::create_dir(dir).map_err(|source| CliError::Write {
            path: dir.display().to_string(),
            source: system_reason(source),
        })?;
        true
    };
    let result = stage_and_rename(&IN_FLIGHT, dir, files, &mut System);
    if result.is_err() && created {
        // Empty again by now: the temporary files are gone and nothing was renamed into it.
        let _ = fs::remove_dir(dir);
    }
    result
}

fn stage_and_rename(
    registry: &Registry,
    dir: &Path,
    files: &[(&str, &[u8])],
    steps: &mut dyn Steps,
) -> Result<(), CliError> {
    let err = |path: &Path| {
        let path = path.display().to_string();
        move |source: io::Error| CliError::Write {
            path,
            source: system_reason(source),
        }
    };
    fs::read_dir(dir).map_err(err(dir))?;
    // Every file in full first, with a copy of each file it replaces: a failure here leaves
    // nothing behind, since each temporary file is removed when dropped.
    let mut staged = Vec::with_capacity(files.len());
    for (name, bytes) in files {
        let path = dir.join(name);
        let mut temp = Temporary::create(registry, dir, &path).map_err(err(&path))?;
        steps
            .write(&mut temp.file, bytes)
            .and_then(|()| steps.sync(&temp.file))
            .map_err(err(&path))?;
        let old = if path.is_file() {
            let copy = Temporary::create(registry, dir, &path)
                .and_then(|c| fs::copy(&path, c.path()?).map(|_| c));
            Some(copy.map_err(err(&path))?)
        } else {
            None
        };
        staged.push((path, temp, old));
    }
    // Then the renames, all under the lock. The temporary files still registered when this
    // block ends (the copies, once every rename succeeded) are removed when `staged` is
    // dropped, after the lock is released.
    let mut state = registry.lock();
    let failed = staged
        .iter_mut()
        .enumerate()
        .find_map(|(i, (path, temp, _))| {
            temp.rename_into_place(path, steps, &mut state)
                .err()
                .map(|e| (i, e))
        });
    let Some((i, e)) = failed else {
        state.written = true;
        return Ok(());
    };
    for (path, _, old) in staged[..i].iter_mut().rev() {
        match old {
            Some(old) => {
                let _ = old.rename_into_place(path, steps, &mut state);
            }
            None => {
                let _ = fs::remove_file(&*path);
            }
        }
    }
    drop(state);
    Err(err(&staged[i].0)(e))
}

/// A registered temporary file: removed on [`Temporary::discard`] or on drop, unless it was
/// renamed into place.
struct Temporary<'r> {
    registry: &'r Registry,
    file: File,
    path: Option<PathBuf>,
}

impl<'r> Temporary<'r> {
    /// A new, empty, registered temporary file in `dir`, with the permissions of `target` if
    /// it exists, else those any new file gets (read and write for all, less the umask).
    fn create(registry: &'r Registry, dir: &Path, target: &Path) -> io::Result<Self> {
        let keep = fs::metadata(target).ok().map(|meta| meta.permissions());
        let mut state = registry.lock();
        let (file, path) = create_new(dir)?;
        state.temporary.push(path.clone());
        drop(state);
        let temp = Temporary {
            registry,
            file,
            path: Some(path),
        };
        if let Some(permissions) = keep {
            temp.file.set_permissions(permissions)?;
        }
        Ok(temp)
    }

    /// Renames the file over `target`; `state` is the registry's, locked by the caller.
    /// Afterwards the file is no longer temporary, whether the rename succeeded or not (then
    /// it is removed).
    fn rename_into_place(
        &mut self,
        target: &Path,
        steps: &mut dyn Steps,
        state: &mut State,
    ) -> io::Result<()> {
        let Some(path) = self.path.take() else {
            return Ok(());
        };
        let renamed = steps.rename(&path, target);
        if renamed.is_err() {
            let _ = fs::remove_file(&path);
        }
        state.temporary.retain(|p| p != &path);
        renamed
    }

    /// Where the file is, while it is a temporary file.
    fn path(&self) -> io::Result<&Path> {
        self.path
            .as_deref()
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))
    }

    fn discard(&mut self) {
        if let Some(path) = self.path.take() {
            let mut state = self.registry.lock();
            let _ = fs::remove_file(&path);
            state.temporary.retain(|p| p != &path);
        }
    }
}

impl Drop for Temporary<'_> {
    fn drop(&mut self) {
        self.discard();
    }
}

/// Creates a file with a new random name, `.capplan-XXXXXXXXXXXX.tmp`, in `dir`. Errors are
/// the system's own, so that messages can say "No space left on device".
fn create_new(dir: &Path) -> io::Result<(File, PathBuf)> {
    use std::hash::{BuildHasher, Hasher};
    let mut last = None;
    for attempt in 0u32..16 {
        // Each `RandomState` is seeded from the system's randomness, then stepped.
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u32(std::process::id());
        hasher.write_u32(attempt);
        let path = dir.join(format!(
            ".capplan-{:012x}.tmp",
            hasher.finish() & 0xffff_ffff_ffff
        ));
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o666);
        }
        match options.open(&path) {
            Ok(file) => return Ok((file, path)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::from(io::ErrorKind::AlreadyExists)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Makes one step fail with an operating system error, as a full disk (`ENOSPC`) or a
    /// read-only file system (`EROFS`) would; a failing write first writes half the bytes.
    struct Fail {
        step: &'static str,
        os_error: i32,
    }

    impl Steps for Fail {
        fn write(&mut self, file: &mut File, bytes: &[u8]) -> io::Result<()> {
            if self.step != "write" {
                return file.write_all(bytes);
            }
            file.write_all(&bytes[..bytes.len() / 2])?;
            Err(io::Error::from_raw_os_error(self.os_error))
        }
        fn sync(&mut self, file: &File) -> io::Result<()> {
            if self.step == "sync" {
                return Err(io::Error::from_raw_os_error(self.os_error));
            }
            file.sync_all()
        }
        fn rename(&mut self, from: &Path, to: &Path) -> io::Result<()> {
            if self.step == "rename" {
                return Err(io::Error::from_raw_os_error(self.os_error));
            }
            fs::rename(from, to)
        }
    }

    /// A run that reads no file.
    fn none() -> InputFiles {
        InputFiles::default()
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    const ENOSPC: i32 = 28;
    const EROFS: i32 = 30;
    const EIO: i32 = 5;

    /// Lets the first `ok` renames through, fails the next with `EIO`, then lets the rest
    /// through: a rename that fails once, as on a flaky network file system.
    struct FailAfter {
        ok: usize,
    }

    impl Steps for FailAfter {
        fn rename(&mut self, from: &Path, to: &Path) -> io::Result<()> {
            let fail = self.ok == 0;
            self.ok = self.ok.wrapping_sub(1);
            if fail {
                return Err(io::Error::from_raw_os_error(EIO));
            }
            fs::rename(from, to)
        }
    }

    #[test]
    fn files_written_together_are_all_put_back_when_one_cannot_be() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
        fs::write(&a, b"old a\n").unwrap();
        // `a` is renamed into place, `b` fails: `a` is restored and `b` never appears.
        let err = stage_and_rename(
            &IN_FLIGHT,
            dir.path(),
            &[("a.csv", b"new a\n"), ("b.csv", b"new b\n")],
            &mut FailAfter { ok: 1 },
        )
        .unwrap_err();
        assert!(format!("{:#}", anyhow::Error::from(err)).contains("Input/output error"));
        assert_eq!(fs::read(&a).unwrap(), b"old a\n");
        assert_eq!(names(dir.path()), ["a.csv"]);
        // With every rename through, both are new and nothing else is left.
        stage_and_rename(
            &IN_FLIGHT,
            dir.path(),
            &[("a.csv", b"new a\n"), ("b.csv", b"new b\n")],
            &mut System,
        )
        .unwrap();
        assert_eq!(fs::read(&a).unwrap(), b"new a\n");
        assert_eq!(fs::read(&b).unwrap(), b"new b\n");
        assert_eq!(names(dir.path()), ["a.csv", "b.csv"]);
    }

    #[test]
    fn a_failed_step_leaves_the_old_file_and_no_temporary_file() {
        for step in ["write", "sync", "rename"] {
            for (os_error, reason) in [
                (ENOSPC, "No space left on device"),
                (EROFS, "Read-only file system"),
                (EIO, "Input/output error"),
            ] {
                let dir = tempfile::tempdir().unwrap();
                let path = dir.path().join("report.json");
                fs::write(&path, b"the old report\n").unwrap();
                let failing = &mut Fail { step, os_error };
                let err =
                    write_with(&IN_FLIGHT, &path, &[b'x'; 100_000], &none(), failing).unwrap_err();
                let message = format!("{:#}", anyhow::Error::from(err));
                assert!(
                    message.starts_with(&format!("cannot write `{}`: ", path.display()))
                        && message.contains(reason),
                    "{step}: {message}"
                );
                assert_eq!(fs::read(&path).unwrap(), b"the old report\n", "{step}");
                assert_eq!(names(dir.path()), ["report.json"], "{step}");
            }
        }
    }

    #[test]
    fn a_failed_step_without_an_old_file_leaves_nothing() {
        for step in ["write", "sync", "rename"] {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("report.json");
            let failing = &mut Fail {
                step,
                os_error: ENOSPC,
            };
            assert!(write_with(&IN_FLIGHT, &path, b"new", &none(), failing).is_err());
            assert!(names(dir.path()).is_empty(), "{step}");
        }
    }

    #[test]
    fn a_whole_write_replaces_the_file_and_keeps_its_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.json");
        fs::write(&path, b"the old report\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        }
        write_atomically(&path, b"the new report\n", &none()).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"the new report\n");
        assert_eq!(names(dir.path()), ["report.json"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o640);
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_link_is_followed_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.json");
        let link = dir.path().join("link.json");
        fs::write(&real, b"old").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_atomically(&link, b"new", &none()).unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read(&real).unwrap(), b"new");
        assert_eq!(names(dir.path()), ["link.json", "real.json"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_device_is_written_in_place_not_replaced() {
        // /dev/null takes anything; /dev/full is a real full disk.
        write_atomically(Path::new("/dev/null"), b"report", &none()).unwrap();
        assert!(!fs::metadata("/dev/null").unwrap().is_file());
        if Path::new("/dev/full").exists() {
            let err = write_atomically(Path::new("/dev/full"), b"report", &none()).unwrap_err();
            let message = format!("{:#}", anyhow::Error::from(err));
            assert!(message.contains("No space left on device"), "{message}");
            assert!(!fs::metadata("/dev/full").unwrap().is_file());
        }
    }

    #[test]
    fn a_signal_before_the_output_is_in_place_removes_the_temporary_files_in_flight() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("report.json");
        // A registry of its own: interrupting the process's would disturb the other tests.
        let registry = Registry::new();
        let temp = Temporary::create(&registry, dir.path(), &target).unwrap();
        assert_eq!(names(dir.path()).len(), 1);
        assert!(registry.interrupt().is_some());
        assert!(names(dir.path()).is_empty());
        // Dropping the handle afterwards finds nothing left to remove.
        drop(temp);
        assert!(names(dir.path()).is_empty());
    }

    #[test]
    fn a_signal_once_the_output_is_in_place_lets_the_run_finish() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("report.json");
        // A write that fails leaves nothing in place: a signal still ends the run.
        let registry = Registry::new();
        let failing = &mut Fail {
            step: "rename",
            os_error: EIO,
        };
        assert!(write_with(&registry, &target, b"new", &none(), failing).is_err());
        assert!(registry.interrupt().is_some());
        // Once the rename is done, the run has succeeded.
        let registry = Registry::new();
        write_with(&registry, &target, b"new", &none(), &mut System).unwrap();
        assert!(registry.interrupt().is_none());
        assert_eq!(fs::read(&target).unwrap(), b"new");
        // Several files: only once the last one is in place.
        let registry = Registry::new();
        let files: &[(&str, &[u8])] = &[("a.csv", b"a\n"), ("b.csv", b"b\n")];
        assert!(stage_and_rename(&registry, dir.path(), files, &mut FailAfter { ok: 1 }).is_err());
        assert!(registry.interrupt().is_some());
        let registry = Registry::new();
        stage_and_rename(&registry, dir.path(), files, &mut System).unwrap();
        assert!(registry.interrupt().is_none());
    }

    #[test]
    fn an_output_that_is_an_input_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let catalog = dir.path().join("c");
        fs::create_dir(&catalog).unwrap();
        let contract = catalog.join("good.toml");
        fs::write(&contract, b"id = \"good\"\n").unwrap();
        let cli = <crate::cli::Cli as clap::Parser>::try_parse_from([
            "capplan",
            "--catalog",
            catalog.to_str().unwrap(),
            "plan",
        ])
        .unwrap();
        let inputs = crate::cli::Context::of(&cli).unwrap().inputs;
        let registry = Registry::new();
        let err = write_with(&registry, &contract, b"{}", &inputs, &mut System).unwrap_err();
        assert!(
            err.to_string().contains("never writes over its inputs"),
            "{err}"
        );
        let files: &[(&str, &[u8])] = &[("new.csv", b"new\n"), ("good.toml", b"{}")];
        assert!(write_files_atomically(&catalog, files, &inputs).is_err());
        assert_eq!(fs::read(&contract).unwrap(), b"id = \"good\"\n");
        assert_eq!(names(&catalog), ["good.toml"]);
        assert!(registry.interrupt().is_some());
    }
}
