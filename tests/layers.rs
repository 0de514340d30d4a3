//! The crate's files import each other without a cycle: every file stands above all it imports.
//!
//! Imports are read from the source text (`use crate::…`, `use super::…`, and `crate::…` paths
//! in code), each resolved to the file that defines the name (following `pub use`
//! re-exports, so a module's face is not counted as importing what it hands on). `lib.rs` only
//! hands names on and is left out; comments and `mod tests` blocks are left out. A cycle fails the test and
//! is printed file by file, so a change that closes one is caught here rather than in review.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A file's module path (`src/time/sync.rs` is `time::sync`) and its text without tests.
fn files() -> BTreeMap<Vec<String>, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    let root = stack[0].clone();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(&root).unwrap().with_extension("");
            let mut module: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if module.last().is_some_and(|m| m == "mod" || m == "lib") {
                module.pop();
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let text = match text.find("#[cfg(test)]\nmod tests") {
                Some(at) => &text[..at],
                None => &text,
            };
            // Comments (doc links included) name items without importing them.
            let text: String = text
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .map(|l| format!("{l}\n"))
                .collect();
            out.insert(module, text);
        }
    }
    out
}

/// The paths a `use` tree names, with `{a, b::{c}}` groups expanded.
fn expand(tree: &str) -> Vec<String> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = tree.find('{') else {
        return vec![tree.split(" as ").next().unwrap_or("").to_owned()];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.len() - 1];
    let (mut depth, mut start, mut parts) = (0, 0, Vec::new());
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| expand(p).into_iter().map(move |e| format!("{prefix}{e}")))
        .collect()
}

/// Every `use` path of `text`, and every `crate::` path used inline.
fn imports(text: &str) -> Vec<(bool, String)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("use ") {
        let before = rest[..at].chars().last();
        rest = &rest[at + 4..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let Some(end) = rest.find(';') else { break };
        let tree = &rest[..end];
        if tree.starts_with("crate::") || tree.starts_with("super::") || tree.starts_with("self::")
        {
            let public = text[..text.len() - rest.len() - 4]
                .trim_end()
                .ends_with("pub")
                || text[..text.len() - rest.len() - 4]
                    .trim_end()
                    .ends_with("pub(crate)");
            out.extend(expand(tree).into_iter().map(|p| (public, p)));
        }
    }
    for (i, _) in text.match_indices("crate::") {
        if text[..i].ends_with("use ") || text[..i].ends_with("::") {
            continue;
        }
        let path: String = text[i..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
            .collect();
        out.push((false, path.trim_end_matches(':').to_owned()));
    }
    out
}

/// `path` (relative to `module`) as absolute segments.
fn absolute(module: &[String], path: &str) -> Vec<String> {
    let mut segments: Vec<&str> = path.split("::").collect();
    let mut base: Vec<String> = match segments.first() {
        Some(&"crate") => Vec::new(),
        _ => module.to_vec(),
    };
    if segments.first() == Some(&"crate") || segments.first() == Some(&"self") {
        segments.remove(0);
    }
    while segments.first() == Some(&"super") {
        segments.remove(0);
        base.pop();
    }
    base.extend(segments.into_iter().map(str::to_owned));
    base
}

struct Crate {
    files: BTreeMap<Vec<String>, String>,
    /// Per file: a name it re-exports, and the absolute path it takes it from.
    reexports: BTreeMap<Vec<String>, BTreeMap<String, Vec<String>>>,
}

impl Crate {
    fn new() -> Self {
        let files = files();
        let mut reexports = BTreeMap::new();
        for (module, text) in &files {
            let mut names = BTreeMap::new();
            for (public, path) in imports(text) {
                let path = absolute(module, &path);
                if public && let Some(name) = path.last() {
                    names.insert(name.clone(), path.clone());
                }
            }
            reexports.insert(module.clone(), names);
        }
        Self { files, reexports }
    }

    /// The file that defines what `path` names.
    fn resolve(&self, path: &[String], depth: usize) -> Option<Vec<String>> {
        let file = (0..=path.len())
            .rev()
            .map(|n| path[..n].to_vec())
            .find(|prefix| self.files.contains_key(prefix))?;
        if depth < 8
            && let Some(name) = path.get(file.len())
            && let Some(target) = self.reexports.get(&file).and_then(|r| r.get(name))
            && target.as_slice() != path
        {
            return self.resolve(target, depth + 1).or(Some(file));
        }
        Some(file)
    }
}

type Graph = BTreeMap<Vec<String>, BTreeSet<Vec<String>>>;

/// File -> the files it imports from (resolved through re-exports), `lib.rs` left out.
fn file_graph(krate: &Crate) -> Graph {
    let mut edges = Graph::new();
    for (module, text) in &krate.files {
        if module.is_empty() {
            continue; // lib.rs hands names on
        }
        for (public, path) in imports(text) {
            if public {
                continue; // a re-export hands the name on; its users are resolved through it
            }
            let Some(target) = krate.resolve(&absolute(module, &path), 0) else {
                continue;
            };
            if !target.is_empty() && &target != module {
                edges.entry(module.clone()).or_default().insert(target);
            }
        }
    }
    edges
}

#[test]
fn no_file_imports_a_file_that_imports_it_back() {
    let edges = file_graph(&Crate::new());
    assert!(
        edges.values().map(BTreeSet::len).sum::<usize>() > 100,
        "the import reader found too few imports to judge: {edges:?}"
    );
    assert_acyclic(&edges);
}

/// The same at the level of the crate's top-level modules (`params`, `time`, `wire`, ...),
/// with one allowance: a layer's own error file (`params/error.rs`, `wire/error.rs`, ...) is
/// the floor the umbrella `error.rs` stands on, so `error -> x::error` does not count as an
/// import of module `x` (the rest of `x` may use the umbrella).
#[test]
fn no_module_imports_a_module_that_imports_it_back() {
    let files = file_graph(&Crate::new());
    let mut edges = Graph::new();
    for (from, targets) in &files {
        for to in targets {
            if from[0] == to[0] {
                continue;
            }
            let layer_error =
                from.len() == 1 && from[0] == "error" && to.last().is_some_and(|l| l == "error");
            if layer_error {
                continue;
            }
            edges
                .entry(vec![from[0].clone()])
                .or_default()
                .insert(vec![to[0].clone()]);
        }
    }
    assert_acyclic(&edges);
}

/// Depth-first search; a file reached again while it is still open closes a cycle, which is
/// printed.
fn assert_acyclic(edges: &Graph) {
    let mut state: BTreeMap<Vec<String>, u8> = BTreeMap::new();
    let mut path: Vec<Vec<String>> = Vec::new();
    fn visit(
        file: &Vec<String>,
        edges: &Graph,
        state: &mut BTreeMap<Vec<String>, u8>,
        path: &mut Vec<Vec<String>>,
    ) {
        match state.get(file) {
            Some(2) => return,
            Some(1) => {
                let start = path.iter().position(|f| f == file).unwrap_or(0);
                let cycle: Vec<String> = path[start..].iter().map(|f| f.join("::")).collect();
                panic!(
                    "import cycle: {} -> {}",
                    cycle.join(" -> "),
                    file.join("::")
                );
            }
            _ => {}
        }
        state.insert(file.clone(), 1);
        path.push(file.clone());
        for next in edges.get(file).into_iter().flatten() {
            visit(next, edges, state, path);
        }
        path.pop();
        state.insert(file.clone(), 2);
    }
    for file in edges.keys() {
        visit(file, edges, &mut state, &mut path);
    }
}

#[test]
fn the_reader_expands_use_trees_and_relative_paths() {
    // What the cycle search stands on: groups expanded, inline paths read, `super` resolved.
    let a = imports("use crate::b::{B, c::C};\nfn f() { crate::b::g(); }");
    assert_eq!(
        a.iter().map(|(_, p)| p.as_str()).collect::<Vec<_>>(),
        ["crate::b::B", "crate::b::c::C", "crate::b::g"]
    );
    assert_eq!(
        absolute(&["x".into(), "y".into()], "super::z::Z"),
        ["x", "z", "Z"]
    );
}
