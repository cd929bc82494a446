//! Source files and positions: every token of a configuration knows its file, line and column.
//!
//! The core never opens files. The caller supplies a [`Loader`] that reads a path and expands a
//! glob; [`MemoryLoader`] serves tests and the simulator, the daemon supplies a filesystem one.

use std::collections::BTreeMap;

/// Index of a file in [`Sources`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FileId(pub usize);

/// A position in a source file: 1-based line and column (in characters), and a length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    /// File the text came from.
    pub file: FileId,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// Length in characters (at least 1 when rendered).
    pub len: u32,
}

/// One loaded file: its path as the loader named it and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Path as given to (or produced by) the loader.
    pub path: String,
    /// Full text.
    pub text: String,
}

/// Every file read while parsing one configuration, in the order they were read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    /// Adds a file and returns its id.
    pub fn add(&mut self, path: &str, text: String) -> FileId {
        self.files.push(SourceFile {
            path: path.to_string(),
            text,
        });
        FileId(self.files.len() - 1)
    }

    /// The file with this id (`None` for an id from another `Sources`).
    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0)
    }

    /// Path of a file, or `"?"` for an unknown id.
    pub fn path(&self, id: FileId) -> &str {
        self.get(id).map(|f| f.path.as_str()).unwrap_or("?")
    }

    /// Text of one 1-based line of a file, without its line ending.
    pub fn line_text(&self, id: FileId, line: u32) -> Option<&str> {
        let file = self.get(id)?;
        file.text
            .split('\n')
            .nth(line.checked_sub(1)? as usize)
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
    }

    /// All files, in reading order.
    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }
}

/// Reads configuration files for the parser (the caller's I/O).
pub trait Loader {
    /// The text of the file at `path`, or a message saying why it cannot be read.
    fn read(&self, path: &str) -> Result<String, String>;
    /// Paths matching `pattern` (`*`, `?`, `[…]`, `{a,b}`), sorted; empty when nothing matches.
    fn glob(&self, pattern: &str) -> Result<Vec<String>, String>;
}

/// A loader over files held in memory (tests, simulator scenarios with inline configs).
#[derive(Debug, Clone, Default)]
pub struct MemoryLoader {
    files: BTreeMap<String, String>,
}

impl MemoryLoader {
    /// An empty loader.
    pub fn new() -> Self {
        MemoryLoader::default()
    }

    /// Adds (or replaces) a file; returns `self` for chaining.
    pub fn with(mut self, path: &str, text: &str) -> Self {
        self.files.insert(path.to_string(), text.to_string());
        self
    }
}

impl Loader for MemoryLoader {
    fn read(&self, path: &str) -> Result<String, String> {
        self.files
            .get(path)
            .cloned()
            .ok_or_else(|| "no such file".to_string())
    }

    fn glob(&self, pattern: &str) -> Result<Vec<String>, String> {
        Ok(self
            .files
            .keys()
            .filter(|p| super::glob::matches(pattern, p))
            .cloned()
            .collect())
    }
}

/// The directory part of a path (`"."` for a bare file name).
pub fn parent_dir(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) => "/",
        Some(i) => &path[..i],
        None => ".",
    }
}

/// `target` resolved against the directory of `including_file` (absolute targets unchanged).
pub fn resolve_relative(including_file: &str, target: &str) -> String {
    if target.starts_with('/') {
        return target.to_string();
    }
    let dir = parent_dir(including_file);
    let joined = if dir == "." && !including_file.starts_with("./") {
        target.to_string()
    } else if dir == "/" {
        format!("/{target}")
    } else {
        format!("{dir}/{target}")
    };
    normalize(&joined)
}

/// Removes `.` components and folds `dir/..` pairs, so one file always has one name.
pub fn normalize(path: &str) -> String {
    let absolute = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            ".." if absolute => {}
            other => parts.push(other),
        }
    }
    let body = parts.join("/");
    if absolute {
        format!("/{body}")
    } else if body.is_empty() {
        ".".to_string()
    } else {
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_include_resolves_against_the_including_files_directory() {
        assert_eq!(
            resolve_relative("/etc/keepalived/keepalived.conf", "conf.d/*.conf"),
            "/etc/keepalived/conf.d/*.conf"
        );
        assert_eq!(resolve_relative("a.conf", "b.conf"), "b.conf");
        assert_eq!(resolve_relative("x/a.conf", "/abs.conf"), "/abs.conf");
        assert_eq!(resolve_relative("/a.conf", "b.conf"), "/b.conf");
        assert_eq!(resolve_relative("d/a.conf", "../k.conf"), "k.conf");
        assert_eq!(resolve_relative("./a.conf", "b.conf"), "b.conf");
    }

    #[test]
    fn line_text_strips_carriage_return_and_rejects_line_zero() {
        let mut s = Sources::default();
        let id = s.add("f", "one\r\ntwo\n".to_string());
        assert_eq!(s.line_text(id, 1), Some("one"));
        assert_eq!(s.line_text(id, 2), Some("two"));
        assert_eq!(s.line_text(id, 0), None);
    }
}
