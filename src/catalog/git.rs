//! Reading a catalog folder as it was at a git revision, without a checkout: the files of
//! `capplan diff --git REV`.
//!
//! capplan shells out to the `git` program: `rev-parse` finds the repository holding the folder
//! and the folder's path in it, and resolves the revision to a commit; `ls-tree` lists the
//! folder at that commit; one `cat-file --batch` reads every file. Only regular files named
//! `*.toml` directly in the folder count, as for a folder on disk; a symbolic link in the tree is
//! left out, since its target may not exist at that revision.
//!
//! Files are named `REV:PATH` (`origin/main:contracts/aws.toml`), so that a diagnostic on the
//! old side says where it comes from. Every failure is a [`GitError`] whose message says what to
//! do; commands exit with code 2 on it.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use thiserror::Error;

use crate::catalog::CatalogFiles;
use crate::catalog::limits::{MAX_CATALOG_FILES, MAX_FILE_BYTES};
use crate::catalog::value::group_thousands;

/// Why a catalog could not be read at a revision.
#[derive(Debug, Error)]
pub enum GitError {
    #[error("`--git` needs the `git` program, which could not be run")]
    NoGit(#[source] io::Error),
    #[error("`{dir}` is not in a git repository, so `--git` has no revision to read it at")]
    NotARepository { dir: String },
    #[error(
        "revision `{rev}` does not resolve to a commit in the repository at `{repo}`; in a shallow clone, fetch it first (`git fetch origin BRANCH`, or `fetch-depth: 0` with actions/checkout)"
    )]
    NoRevision { rev: String, repo: String },
    #[error("there is no folder `{folder}` at revision `{rev}` of the repository at `{repo}`")]
    NoFolder {
        folder: String,
        rev: String,
        repo: String,
    },
    #[error("`git {command}` failed: {message}")]
    Failed { command: String, message: String },
    #[error("`{name}` is larger than {} MiB: a catalog file holds one contract or the portfolio, a few KiB; is this the right revision?", MAX_FILE_BYTES >> 20)]
    TooLarge { name: String },
    #[error("`{folder}` holds more than {} `.toml` files at revision `{rev}`, the most a catalog may have", group_thousands(&MAX_CATALOG_FILES.to_string()))]
    TooManyFiles { folder: String, rev: String },
}

/// Runs `git -C dir ARGS`, returning its standard output, or its standard error on failure.
fn git(dir: &Path, args: &[&str]) -> Result<Result<Vec<u8>, String>, GitError> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        // Git's messages in English, whatever the locale: capplan reads one of them.
        .env("LC_ALL", "C")
        .output()
        .map_err(GitError::NoGit)?;
    if out.status.success() {
        Ok(Ok(out.stdout))
    } else {
        Ok(Err(String::from_utf8_lossy(&out.stderr).trim().to_owned()))
    }
}

fn lines(bytes: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(bytes)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// One entry of `git ls-tree -z`: `MODE TYPE OID\tNAME`.
fn tree_entry(entry: &[u8]) -> Option<(&str, &str, &str, &str)> {
    let text = std::str::from_utf8(entry).ok()?;
    let (meta, name) = text.split_once('\t')?;
    let mut parts = meta.split(' ');
    Some((parts.next()?, parts.next()?, parts.next()?, name))
}

/// Reads blobs by object id with one `git cat-file --batch`; `names` are how messages name
/// them. A blob over [`MAX_FILE_BYTES`] is refused before it is read.
fn read_blobs(dir: &Path, oids: &[String], names: &[String]) -> Result<Vec<Vec<u8>>, GitError> {
    let failed = |message: String| GitError::Failed {
        command: "cat-file --batch".to_owned(),
        message,
    };
    let mut child = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(GitError::NoGit)?;
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| failed("no input".into()))?;
    let request: String = oids.iter().map(|o| format!("{o}\n")).collect();
    // Write from another thread: git answers while it reads, and a full pipe would block both.
    let writer = std::thread::spawn(move || stdin.write_all(request.as_bytes()));
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| failed("no output".into()))?;
    let mut reader = BufReader::new(stdout);
    let read = read_answers(&mut reader, oids, names, &failed);
    if read.is_err() {
        // Stop git rather than leave it writing to a pipe nobody reads.
        let _ = child.kill();
    }
    let _ = writer.join();
    let status = child.wait().map_err(|e| failed(e.to_string()))?;
    let blobs = read?;
    if !status.success() {
        let mut message = String::new();
        if let Some(mut err) = child.stderr.take() {
            let _ = err.read_to_string(&mut message);
        }
        return Err(failed(message.trim().to_owned()));
    }
    Ok(blobs)
}

/// The blobs of `oids` from `git cat-file --batch`'s answers.
fn read_answers(
    reader: &mut impl BufRead,
    oids: &[String],
    names: &[String],
    failed: &dyn Fn(String) -> GitError,
) -> Result<Vec<Vec<u8>>, GitError> {
    let mut blobs = Vec::with_capacity(oids.len());
    for (i, oid) in oids.iter().enumerate() {
        let mut header = String::new();
        reader
            .read_line(&mut header)
            .map_err(|e| failed(e.to_string()))?;
        let size = header
            .trim_end()
            .strip_prefix(oid.as_str())
            .and_then(|rest| rest.strip_prefix(" blob "))
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| failed(format!("unexpected answer `{}`", header.trim_end())))?;
        if size as u64 > MAX_FILE_BYTES {
            return Err(GitError::TooLarge {
                name: names.get(i).cloned().unwrap_or_else(|| oid.clone()),
            });
        }
        let mut blob = vec![0; size + 1];
        reader
            .read_exact(&mut blob)
            .map_err(|e| failed(e.to_string()))?;
        blob.pop();
        blobs.push(blob);
    }
    Ok(blobs)
}

/// The catalog folder `dir` (on disk, inside a git repository) as it was at revision `rev`.
pub fn read_at_revision(dir: &Path, rev: &str) -> Result<CatalogFiles, GitError> {
    let shown = dir.display().to_string();
    // One question at a time, the answer whole: a folder's name may hold spaces, line ends or
    // any other character, and git writes it as it is, ended by one line end.
    let ask = |question: &str| -> Result<String, GitError> {
        match git(dir, &["rev-parse", question])? {
            Ok(out) => {
                let mut text = String::from_utf8_lossy(&out).into_owned();
                if text.ends_with('\n') {
                    text.pop();
                }
                Ok(text)
            }
            // Outside a repository, say so; any other refusal (such as `safe.directory` for a
            // repository another user owns) is git's to explain.
            Err(message) if message.contains("not a git repository") => {
                Err(GitError::NotARepository { dir: shown.clone() })
            }
            Err(message) => Err(GitError::Failed {
                command: format!("rev-parse {question}"),
                message,
            }),
        }
    };
    let repo = ask("--show-toplevel")?;
    let prefix = ask("--show-prefix")?;
    // A revision that starts with `-` would be read as an option.
    let no_revision = || GitError::NoRevision {
        rev: rev.to_owned(),
        repo: repo.clone(),
    };
    if rev.is_empty() || rev.starts_with('-') {
        return Err(no_revision());
    }
    let commit = git(
        dir,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    )?
    .map_err(|_| no_revision())?;
    let commit = lines(&commit).into_iter().next().ok_or_else(no_revision)?;
    // `COMMIT:PATH` names a tree by its path from the repository's root.
    let folder = prefix.trim_end_matches('/');
    // From the root: run in a subfolder, `ls-tree` shows only the entries under it.
    let root = Path::new(&repo);
    let listing = git(root, &["ls-tree", "-z", &format!("{commit}:{folder}")])?.map_err(|_| {
        GitError::NoFolder {
            folder: if folder.is_empty() { "." } else { folder }.to_owned(),
            rev: rev.to_owned(),
            repo: repo.clone(),
        }
    })?;
    let mut entries: Vec<(String, String)> = listing
        .split(|b| *b == 0)
        .filter_map(tree_entry)
        .filter(|(mode, kind, _, name)| {
            *kind == "blob" && *mode != "120000" && name.ends_with(".toml")
        })
        .map(|(_, _, oid, name)| (name.to_owned(), oid.to_owned()))
        .collect();
    if entries.len() > MAX_CATALOG_FILES {
        return Err(GitError::TooManyFiles {
            folder: if folder.is_empty() { "." } else { folder }.to_owned(),
            rev: rev.to_owned(),
        });
    }
    entries.sort();
    // Files are named by their path from the root; at the root, `./NAME`, as git also reads it.
    let shown_folder = if folder.is_empty() { "." } else { folder };
    let path = |name: &str| -> PathBuf { Path::new(shown_folder).join(name) };
    let oids: Vec<String> = entries.iter().map(|(_, oid)| oid.clone()).collect();
    let names: Vec<String> = entries
        .iter()
        .map(|(name, _)| format!("{rev}:{}", path(name).display()))
        .collect();
    let blobs = read_blobs(root, &oids, &names)?;
    Ok(CatalogFiles {
        label: format!("{rev}:{shown_folder}"),
        files: names.into_iter().zip(blobs).collect(),
    })
}
