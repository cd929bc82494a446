//! The filesystem [`Loader`] for the config parser: reads files, expands `include` globs by
//! listing directories and filtering names with the core's matcher. Shared by every command
//! that reads a keepalived.conf (`check`, `replay --config`).

use vrrplab_core::config::Loader;
use vrrplab_core::config::glob;

/// Reads configuration files from the local filesystem.
pub struct FsLoader;

impl Loader for FsLoader {
    fn read(&self, path: &str) -> Result<String, String> {
        std::fs::read_to_string(path).map_err(|e| e.to_string())
    }

    fn glob(&self, pattern: &str) -> Result<Vec<String>, String> {
        let mut out = Vec::new();
        for p in glob::expand_braces(pattern) {
            let absolute = p.starts_with('/');
            let parts: Vec<&str> = p.split('/').filter(|s| !s.is_empty()).collect();
            let start = if absolute {
                "/".to_string()
            } else {
                String::new()
            };
            walk(&start, &parts, &mut out);
        }
        out.sort();
        out.dedup();
        Ok(out)
    }
}

fn join(dir: &str, name: &str) -> String {
    match dir {
        "" => name.to_string(),
        "/" => format!("/{name}"),
        d => format!("{d}/{name}"),
    }
}

fn walk(dir: &str, parts: &[&str], out: &mut Vec<String>) {
    let Some((first, rest)) = parts.split_first() else {
        if !dir.is_empty() && std::path::Path::new(dir).is_file() {
            out.push(dir.to_string());
        }
        return;
    };
    if !glob::has_wildcards(first) {
        walk(&join(dir, first), rest, out);
        return;
    }
    let listing = if dir.is_empty() { "." } else { dir };
    let Ok(entries) = std::fs::read_dir(listing) else {
        return;
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| !n.starts_with('.') && glob::matches(first, n))
        .collect();
    names.sort();
    for n in names {
        walk(&join(dir, &n), rest, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_lists_matching_files_sorted_across_directories() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().to_str().expect("utf-8 path").to_string();
        for f in ["a/x.conf", "a/y.conf", "b/z.conf", "a/skip.txt"] {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(p, "").expect("write");
        }
        let got = FsLoader.glob(&format!("{root}/*/*.conf")).expect("glob");
        let rel: Vec<String> = got.iter().map(|g| g[root.len()..].to_string()).collect();
        assert_eq!(rel, vec!["/a/x.conf", "/a/y.conf", "/b/z.conf"]);
        let got = FsLoader
            .glob(&format!("{root}/{{b,a}}/[xz].conf"))
            .expect("glob");
        assert_eq!(got.len(), 2);
    }
}
