//! The folder of rule files: read, parse, validate, run each file's `[[tests]]`, and
//! check what no single file can (two clients claiming one number or one id). A
//! [`Folder`] remembers what it last read, so that a reload parses only what changed.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::ids::ClientId;
use crate::phone::E164;
use crate::routing::{self, Rules};
use crate::store::rule_versions::content_hash;

#[derive(Debug, Clone)]
pub struct RuleFile {
    pub path: PathBuf,
    /// The text, unless the database holds it already (see [`Folder::read`]).
    pub source: Option<String>,
    /// [`content_hash`] of the text, as versions are stored with.
    pub hash: String,
    /// Without its `[[tests]]`, run already (see [`check_source`]). Shared from the start,
    /// as the registry holds them: moved from one list to the next, a whole folder's rules
    /// took several times their own memory, kept by the allocator after the start.
    pub rules: Arc<Rules>,
    /// How many `[[tests]]` it passed.
    pub tests: usize,
}

/// The folder as last read: of each file, its hash and what the checks across files need,
/// rather than its text or rules, which the database and the registry already hold.
#[derive(Debug, Default)]
pub struct Folder {
    files: HashMap<PathBuf, Known>,
}

#[derive(Debug, Clone)]
struct Known {
    hash: String,
    client: ClientId,
    numbers: Vec<E164>,
}

impl Folder {
    /// Reads every `*.toml` in `dir` in name order: those whose text differs from this
    /// read's are parsed, validated and their tests run; then every file is checked against
    /// the others. Returns the changed files, in name order, and the folder as now read.
    /// The text of a changed file is not kept when its hash is in `stored` (texts the
    /// database holds already, so not stored again), to spare the memory of a start.
    ///
    /// # Errors
    /// Every problem as `file:line:column: message`, when any file is unreadable, invalid
    /// or fails its tests, or two files claim one client or number.
    pub fn read(&self, dir: &Path, stored: &HashSet<String>) -> Result<(Vec<RuleFile>, Folder), Vec<String>> {
        let paths = toml_files(dir)?;
        let mut errors = Vec::new();
        let mut changed = Vec::new();
        let mut files = Vec::with_capacity(paths.len());
        for (path, read) in paths.iter().zip(self.read_each(&paths, stored)) {
            match read {
                Ok(Read::Unchanged(known)) => files.push((path.clone(), known)),
                Ok(Read::Changed(file)) => {
                    files.push((path.clone(), Known::of(&file)));
                    changed.push(file);
                }
                Err(mut e) => errors.append(&mut e),
            }
        }
        errors.extend(cross_file_problems(&files, &changed));
        if errors.is_empty() {
            let files = files.into_iter().collect();
            Ok((changed, Folder { files }))
        } else {
            Err(errors)
        }
    }

    /// [`Folder::read_one`] of every path, in order, on every core: parsing is most of a
    /// start's time, and each file is parsed apart from the others.
    fn read_each(&self, paths: &[PathBuf], stored: &HashSet<String>) -> Vec<Result<Read, Vec<String>>> {
        let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        let share = paths.len().div_ceil(threads).max(1);
        std::thread::scope(|scope| {
            let parts: Vec<_> = paths
                .chunks(share)
                .map(|part| scope.spawn(move || part.iter().map(|p| self.read_one(p, stored)).collect::<Vec<_>>()))
                .collect();
            parts
                .into_iter()
                .flat_map(|part| part.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
                .collect()
        })
    }

    fn read_one(&self, path: &Path, stored: &HashSet<String>) -> Result<Read, Vec<String>> {
        let source =
            std::fs::read_to_string(path).map_err(|e| vec![format!("{}: cannot read: {e}", path.display())])?;
        let hash = content_hash(&source);
        if let Some(known) = self.files.get(path).filter(|k| k.hash == hash) {
            return Ok(Read::Unchanged(known.clone()));
        }
        let keep = !stored.contains(&hash);
        check_file(path.to_owned(), source, hash, keep).map(Read::Changed)
    }
}

enum Read {
    Unchanged(Known),
    Changed(RuleFile),
}

impl Known {
    fn of(file: &RuleFile) -> Self {
        Self {
            hash: file.hash.clone(),
            client: file.rules.client.clone(),
            numbers: file.rules.numbers.clone(),
        }
    }
}

/// Every `*.toml` in `dir`, parsed and checked, in name order.
///
/// # Errors
/// As [`Folder::read`].
pub fn load_dir(dir: &Path) -> Result<Vec<RuleFile>, Vec<String>> {
    Folder::default().read(dir, &HashSet::new()).map(|(files, _)| files)
}

fn toml_files(dir: &Path) -> Result<Vec<PathBuf>, Vec<String>> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| vec![format!("{}: cannot read the folder: {e}", dir.display())])?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    Ok(paths)
}

/// One file: parsed, validated and its own tests run.
///
/// # Errors
/// Its problems as `file:line:column: message`.
pub fn load_file(path: &Path) -> Result<RuleFile, Vec<String>> {
    let source = std::fs::read_to_string(path).map_err(|e| vec![format!("{}: cannot read: {e}", path.display())])?;
    let hash = content_hash(&source);
    check_file(path.to_owned(), source, hash, true)
}

fn check_file(path: PathBuf, source: String, hash: String, keep: bool) -> Result<RuleFile, Vec<String>> {
    let (rules, tests) = match check_counting(&source) {
        Ok(checked) => checked,
        Err(e) => {
            return Err(e
                .render(&path.display().to_string())
                .lines()
                .map(str::to_owned)
                .collect())
        }
    };
    Ok(RuleFile {
        path,
        source: keep.then_some(source),
        hash,
        rules: Arc::new(rules),
        tests,
    })
}

/// Parses, validates and runs the tests of one rule text: the single gate every
/// version passes, whether it comes from a file or the admin API. The rules come back
/// without their `[[tests]]`: they are run once, here, and the rules are held in memory for
/// every client, where the tests would be a large part of their size.
///
/// # Errors
/// Every problem, each at its line.
pub fn check_source(source: &str) -> Result<Rules, routing::RuleErrors> {
    check_counting(source).map(|(rules, _)| rules)
}

/// [`check_source`], and how many tests passed.
fn check_counting(source: &str) -> Result<(Rules, usize), routing::RuleErrors> {
    let mut rules = routing::parse(source)?;
    let failures = routing::cases::run(&rules);
    if !failures.is_empty() {
        return Err(routing::RuleErrors(failures));
    }
    let passed = std::mem::take(&mut rules.tests).len();
    Ok((rules, passed))
}

/// `files` in name order; `changed` holds the texts of those just read, and the others'
/// are read again only to point at a problem.
fn cross_file_problems(files: &[(PathBuf, Known)], changed: &[RuleFile]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut clients: HashMap<&str, &Path> = HashMap::new();
    let mut numbers: HashMap<&str, &Path> = HashMap::new();
    let position_of = |path: &Path, text: &str| {
        let source = match changed.iter().find(|f| f.path == path).and_then(|f| f.source.clone()) {
            Some(source) => source,
            None => std::fs::read_to_string(path).unwrap_or_default(),
        };
        position_in(path, &source, text)
    };
    for (path, known) in files {
        if let Some(other) = clients.insert(known.client.as_str(), path) {
            let at = position_of(path, &format!("\"{}\"", known.client));
            problems.push(format!(
                "{at}: client `{}` is also defined in {}",
                known.client,
                other.display()
            ));
        }
        for n in &known.numbers {
            if let Some(other) = numbers.insert(n.as_str(), path) {
                let at = position_of(path, &format!("\"{n}\""));
                problems.push(format!("{at}: number {n} is also claimed by {}", other.display()));
            }
        }
    }
    problems
}

/// `file:line:column` of the first place `text` is written in `source`.
fn position_in(path: &Path, source: &str, text: &str) -> String {
    let (line, column) = source
        .lines()
        .enumerate()
        .find_map(|(i, l)| l.find(text).map(|c| (i + 1, l[..c].chars().count() + 1)))
        .unwrap_or((1, 1));
    format!("{}:{line}:{column}", path.display())
}
