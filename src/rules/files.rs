//! The folder of rule files: read, parse, validate, run each file's `[[tests]]`, and
//! check what no single file can (two clients claiming one number or one id).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::routing::{self, Rules};

#[derive(Debug, Clone)]
pub struct RuleFile {
    pub path: PathBuf,
    pub source: String,
    pub rules: Rules,
}

/// Every `*.toml` in `dir`, in name order, or every problem as `file:line:column: message`.
///
/// # Errors
/// The list of problems, when any file is unreadable, invalid or fails its tests.
pub fn load_dir(dir: &Path) -> Result<Vec<RuleFile>, Vec<String>> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| vec![format!("{}: cannot read the folder: {e}", dir.display())])?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    let mut errors = Vec::new();
    let mut files = Vec::new();
    for path in paths {
        match load_file(&path) {
            Ok(file) => files.push(file),
            Err(mut e) => errors.append(&mut e),
        }
    }
    errors.extend(cross_file_problems(&files));
    if errors.is_empty() {
        Ok(files)
    } else {
        Err(errors)
    }
}

/// One file: parsed, validated and its own tests run.
///
/// # Errors
/// Its problems as `file:line:column: message`.
pub fn load_file(path: &Path) -> Result<RuleFile, Vec<String>> {
    let name = path.display().to_string();
    let source = std::fs::read_to_string(path).map_err(|e| vec![format!("{name}: cannot read: {e}")])?;
    let rules = check_source(&source).map_err(|e| e.render(&name).lines().map(str::to_owned).collect::<Vec<_>>())?;
    Ok(RuleFile {
        path: path.to_owned(),
        source,
        rules,
    })
}

/// Parses, validates and runs the tests of one rule text: the single gate every
/// version passes, whether it comes from a file or (later) the admin API.
///
/// # Errors
/// Every problem, each at its line.
pub fn check_source(source: &str) -> Result<Rules, routing::RuleErrors> {
    let rules = routing::parse(source)?;
    let failures = routing::cases::run(&rules);
    if failures.is_empty() {
        Ok(rules)
    } else {
        Err(routing::RuleErrors(failures))
    }
}

fn cross_file_problems(files: &[RuleFile]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut clients: HashMap<&str, &Path> = HashMap::new();
    let mut numbers: HashMap<&str, &Path> = HashMap::new();
    for f in files {
        if let Some(other) = clients.insert(f.rules.client.as_str(), &f.path) {
            let at = position_of(f, &format!("\"{}\"", f.rules.client));
            problems.push(format!(
                "{at}: client `{}` is also defined in {}",
                f.rules.client,
                other.display()
            ));
        }
        for n in &f.rules.numbers {
            if let Some(other) = numbers.insert(n.as_str(), &f.path) {
                let at = position_of(f, &format!("\"{n}\""));
                problems.push(format!("{at}: number {n} is also claimed by {}", other.display()));
            }
        }
    }
    problems
}

/// `file:line:column` of the first place `text` is written in the file.
fn position_of(file: &RuleFile, text: &str) -> String {
    let (line, column) = file
        .source
        .lines()
        .enumerate()
        .find_map(|(i, l)| l.find(text).map(|c| (i + 1, l[..c].chars().count() + 1)))
        .unwrap_or((1, 1));
    format!("{}:{line}:{column}", file.path.display())
}
