//! Inputs are never outputs: no output of a run (`--output`, `export xlsx FILE`, the files of
//! `export focus`) may replace a file the run reads.
//!
//! The inputs of a run are read off its command line ([`InputFiles::of`]): every regular file
//! in the catalog folder and its subfolders (whether or not the command reads it: `actuals/`
//! is the catalog's too), an `--actuals` folder given elsewhere, each `--scenario` and
//! `--demand` file, and the folders and files given to `validate` and `diff`. They are compared with an output by
//! identity, not by spelling: on Unix, the device and inode numbers of the file the output's
//! path names, links followed. So `c/x.toml`, `./c/../c/x.toml`, an absolute path, a symbolic
//! link to the file and a hard link to it are all the same file. A path that names no file yet
//! cannot be an input, and neither can a device or a pipe, which are written in place.
//!
//! Every write of `output.rs` asks [`InputFiles::refuse`] first, and `cli::run` asks it before
//! a command starts, so that a long run is not wasted on an output it could never write.

use std::fs;
use std::path::{Path, PathBuf};

use crate::cli::{CliError, Command, Context, default_catalog};

/// What identifies a file whatever its path: on Unix, its device and inode numbers.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Identity {
    #[cfg(unix)]
    id: (u64, u64),
    #[cfg(not(unix))]
    id: PathBuf,
}

impl Identity {
    /// The identity of the regular file `path` names, links followed; `None` for a path that
    /// names nothing, or something other than a regular file.
    fn of_file(path: &Path) -> Option<Identity> {
        let meta = fs::metadata(path).ok()?;
        if !meta.is_file() {
            return None;
        }
        Self::of(path, &meta)
    }

    fn of_folder(path: &Path) -> Option<Identity> {
        let meta = fs::metadata(path).ok()?;
        if !meta.is_dir() {
            return None;
        }
        Self::of(path, &meta)
    }

    #[cfg(unix)]
    fn of(_path: &Path, meta: &fs::Metadata) -> Option<Identity> {
        use std::os::unix::fs::MetadataExt;
        Some(Identity {
            id: (meta.dev(), meta.ino()),
        })
    }

    #[cfg(not(unix))]
    fn of(path: &Path, _meta: &fs::Metadata) -> Option<Identity> {
        Some(Identity {
            id: fs::canonicalize(path).ok()?,
        })
    }
}

/// What a folder of the run's inputs is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Folder {
    Catalog,
    Actuals,
}

impl Folder {
    fn what(self) -> &'static str {
        match self {
            Folder::Catalog => "the catalog",
            Folder::Actuals => "the actuals",
        }
    }
}

/// The files and folders a run reads, which no output of it may replace.
#[derive(Clone, Debug, Default)]
pub struct InputFiles {
    /// Files, each with what it is to the run (`the scenario`, ...), for messages.
    files: Vec<(PathBuf, &'static str)>,
    /// Folders whose every regular file, at any depth, is an input, each with what it is
    /// (`the catalog`, `the actuals`).
    folders: Vec<(PathBuf, Folder)>,
}

impl InputFiles {
    /// The inputs a command line names: the catalog (`--catalog`, `$CAPPLAN_CATALOG` or
    /// `./contracts`; none for the built-in one) with its `actuals/`, an `--actuals` folder
    /// elsewhere, `--scenario` and `--demand` files, and the paths given to `validate` and
    /// `diff`. Commands that read nothing (`schema`, `completions`, `man`) still protect what
    /// the line names: a file given as an input is never a place to write.
    pub fn of(g: &Context, command: &Command) -> InputFiles {
        let mut inputs = InputFiles::default();
        if let Some(dir) = default_catalog(g) {
            inputs.folders.push((dir, Folder::Catalog));
        }
        if let Some(dir) = actuals_folder(command) {
            inputs.folders.push((dir.to_path_buf(), Folder::Actuals));
        }
        for path in &g.scenarios {
            inputs.files.push((path.clone(), "a scenario of this run"));
        }
        for path in &g.demand {
            inputs
                .files
                .push((path.clone(), "a demand file of this run"));
        }
        let given: &[PathBuf] = match command {
            Command::Validate(a) => &a.paths,
            Command::Diff(a) => &a.paths,
            _ => &[],
        };
        for path in given {
            if path.is_dir() {
                inputs.folders.push((path.clone(), Folder::Catalog));
            } else {
                inputs.files.push((path.clone(), "an input of this run"));
                // A contract file is read with its folder's `portfolio.toml`.
                let dir = match path.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p,
                    _ => Path::new("."),
                };
                inputs.files.push((
                    dir.join(crate::catalog::load::PORTFOLIO_FILE),
                    "the portfolio of a file given to this run",
                ));
            }
        }
        inputs
    }

    /// Refuses `output` if it is one of the inputs, by identity (see the module's docs), with
    /// a message that names the input; exit code 2.
    pub fn refuse(&self, output: &Path) -> Result<(), CliError> {
        let Some(id) = Identity::of_file(output) else {
            return self.refuse_new(output);
        };
        let found = self
            .files
            .iter()
            .find(|(path, _)| Identity::of_file(path).as_ref() == Some(&id))
            .map(|(path, what)| (path.clone(), (*what).to_owned()))
            .or_else(|| {
                self.folders.iter().find_map(|(dir, what)| {
                    find_in(dir, &id).map(|path| {
                        (
                            path,
                            format!("a file of {} `{}`", what.what(), dir.display()),
                        )
                    })
                })
            });
        match found {
            None => Ok(()),
            Some((path, what)) => {
                // Named as the input itself only where the output's spelling does not.
                let is = if path == output {
                    what
                } else {
                    format!("`{}`, {what}", path.display())
                };
                Err(CliError::Usage(format!(
                    "the output `{}` is {is}: capplan never writes over its inputs; choose another path",
                    output.display(),
                )))
            }
        }
    }
}

impl InputFiles {
    /// Refuses a new `.toml` file directly in a catalog folder of the run: it would be read as
    /// a contract by every later run on that catalog, which a report never is.
    fn refuse_new(&self, output: &Path) -> Result<(), CliError> {
        let toml = output
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
        if !toml {
            return Ok(());
        }
        let parent = match output.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let Some(here) = Identity::of_folder(parent) else {
            return Ok(());
        };
        let catalog = self.folders.iter().find(|(dir, what)| {
            *what == Folder::Catalog && Identity::of_folder(dir).as_ref() == Some(&here)
        });
        match catalog {
            None => Ok(()),
            Some((dir, _)) => Err(CliError::Usage(format!(
                "the output `{}` would be a new contract file of the catalog `{}`: every later run would read it; choose another path",
                output.display(),
                dir.display()
            ))),
        }
    }
}

/// The folder given with `--actuals DIR`, on the commands that take it. (Without a DIR, the
/// actuals are the catalog's `actuals/`, which is the catalog's already.)
fn actuals_folder(command: &Command) -> Option<&Path> {
    use crate::cli::actuals::ReforecastArgs;
    use crate::cli::chart::ChartCommand;
    fn reforecast(r: &ReforecastArgs) -> Option<&Path> {
        r.actuals.as_ref()?.as_deref()
    }
    match command {
        Command::Actuals(a) => a.source.dir.as_deref(),
        Command::Burn(a) => a.source.dir.as_deref(),
        Command::Plan(a) => reforecast(&a.reforecast),
        Command::Spend(a) => reforecast(&a.reforecast),
        Command::Chart(ChartCommand::Spend(a)) => reforecast(&a.reforecast),
        Command::Report(a) => reforecast(&a.reforecast),
        _ => None,
    }
}

/// The path of a regular file in `dir` or a folder below it whose identity is `id`. Links to
/// files and folders are followed, each folder visited once, and folders that cannot be read
/// are passed over: capplan cannot read them either.
fn find_in(dir: &Path, id: &Identity) -> Option<PathBuf> {
    let mut seen: Vec<Identity> = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Some(dir_id) = fs::metadata(&dir)
            .ok()
            .and_then(|meta| Identity::of(&dir, &meta))
        else {
            continue;
        };
        if seen.contains(&dir_id) {
            continue;
        }
        seen.push(dir_id);
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            // A link is looked up once more, to what it names; other entries' own metadata
            // needs no further lookup of the path.
            let meta = if kind.is_symlink() {
                fs::metadata(&path)
            } else {
                entry.metadata()
            };
            let Ok(meta) = meta else {
                continue;
            };
            if meta.is_dir() {
                pending.push(path);
            } else if meta.is_file() && Identity::of(&path, &meta).as_ref() == Some(id) {
                return Some(path);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Cli;

    fn inputs_of(cli: &Cli) -> InputFiles {
        Context::of(cli).unwrap().inputs
    }

    fn catalog(dir: &Path) -> InputFiles {
        InputFiles {
            files: Vec::new(),
            folders: vec![(dir.to_path_buf(), Folder::Catalog)],
        }
    }

    #[test]
    fn an_actuals_folder_given_on_the_command_line_is_an_input() {
        let dir = tempfile::tempdir().unwrap();
        let acts = dir.path().join("acts");
        fs::create_dir(&acts).unwrap();
        let cost = acts.join("aws.csv");
        fs::write(&cost, "BilledCost\n1\n").unwrap();
        let acts = acts.to_str().unwrap();
        let lines: [&[&str]; 6] = [
            &["burn", "--actuals", acts],
            &["actuals", "--actuals", acts],
            &["plan", "--actuals", acts],
            &["spend", "--actuals", acts],
            &["chart", "spend", "--actuals", acts],
            &["report", "--actuals", acts],
        ];
        for line in lines {
            let cli =
                <Cli as clap::Parser>::try_parse_from(["capplan"].iter().chain(line).copied())
                    .unwrap();
            let err = inputs_of(&cli).refuse(&cost).unwrap_err().to_string();
            assert!(
                err.contains(&format!("a file of the actuals `{acts}`")),
                "{line:?}: {err}"
            );
        }
        // Without `--actuals`, a folder beside the catalog is not an input.
        let cli = <Cli as clap::Parser>::try_parse_from(["capplan", "plan"]).unwrap();
        inputs_of(&cli).refuse(&cost).unwrap();
    }

    #[test]
    fn every_file_under_the_catalog_is_an_input_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let c = dir.path().join("c");
        fs::create_dir_all(c.join("actuals/2026")).unwrap();
        fs::write(c.join("good.toml"), "id = \"good\"\n").unwrap();
        fs::write(c.join("actuals/2026/aws.csv"), "a,b\n").unwrap();
        fs::write(dir.path().join("out.json"), "{}\n").unwrap();
        let inputs = catalog(&c);
        assert!(inputs.refuse(&c.join("good.toml")).is_err());
        assert!(inputs.refuse(&c.join("actuals/2026/aws.csv")).is_err());
        // Beside the catalog, and not there yet: outputs.
        inputs.refuse(&dir.path().join("out.json")).unwrap();
        inputs.refuse(&c.join("new.json")).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_folder_that_links_to_itself_is_searched_once() {
        let dir = tempfile::tempdir().unwrap();
        let c = dir.path().join("c");
        fs::create_dir(&c).unwrap();
        std::os::unix::fs::symlink(&c, c.join("loop")).unwrap();
        fs::write(dir.path().join("out.json"), "{}\n").unwrap();
        catalog(&c).refuse(&dir.path().join("out.json")).unwrap();
    }
}
