//! `enable_script_security`: which file a line runs, and whether it may. The program is the
//! line's first word: a path when it has a `/`, else a bare name resolved as keepalived does
//! (the first regular file of that name in PATH that the script's user may execute). It is
//! refused when it cannot be found or accessed, is not a regular file the user may execute,
//! or anyone but root and the user it runs as could change it: the file, a symlink on the way
//! to it, or any directory above the path as written or above the file it resolves to, owned
//! by another user, group-writable by another group, or writable by everyone.
//! keepalived's rule (`check_script_secure`), in our words; vrrplab applies it whoever the
//! script runs as, where keepalived checks only scripts run as root (see
//! docs/keepalived-host.md, "Script security").

use super::user::RunAs;
use std::fs::Metadata;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// The file `program` runs without `enable_script_security`: itself when it has a `/`, else
/// the first file of that name in PATH (`None`: the shell may know it as a builtin).
pub fn locate(program: &str) -> Option<PathBuf> {
    if program.contains('/') {
        return Some(PathBuf::from(program));
    }
    search_path()
        .split(':')
        .map(|dir| Path::new(dir).join(program))
        .find(|p| p.is_file())
}

/// The daemon's PATH, which its children inherit; without one, the C library's default.
fn search_path() -> String {
    std::env::var("PATH").unwrap_or_else(|_| "/bin:/usr/bin".into())
}

/// Whether `user` may execute a file with these permissions (root: any execute bit).
pub fn executable_by(meta: &Metadata, user: &RunAs) -> bool {
    let mode = meta.mode();
    if user.uid == 0 {
        mode & 0o111 != 0
    } else if meta.uid() == user.uid {
        mode & 0o100 != 0
    } else if meta.gid() == user.gid || user.groups.contains(&meta.gid()) {
        mode & 0o010 != 0
    } else {
        mode & 0o001 != 0
    }
}

/// keepalived's search for a bare `name`: the first regular file of that name in PATH that
/// `user` may execute.
pub fn search(name: &str, user: &RunAs) -> Result<PathBuf, String> {
    let path = search_path();
    let mut denied = None;
    for dir in path.split(':') {
        // An empty entry is the current directory, as for execvp.
        let candidate = Path::new(if dir.is_empty() { "." } else { dir }).join(name);
        match std::fs::metadata(&candidate) {
            Ok(meta) if meta.is_file() && executable_by(&meta, user) => return Ok(candidate),
            Ok(_) => {
                denied.get_or_insert(candidate);
            }
            Err(_) => {}
        }
    }
    Err(match denied {
        Some(file) => format!(
            "{name}: {} in PATH is no file {} may execute",
            file.display(),
            user.name
        ),
        None => format!("cannot find script {name} in PATH ({path})"),
    })
}

/// Why anyone but root and `user` could change the file or directory `meta` describes.
fn unsafe_because(meta: &Metadata, user: &RunAs) -> Option<String> {
    let mode = meta.mode();
    if meta.uid() != 0 && meta.uid() != user.uid {
        Some(format!("owned by uid {}", meta.uid()))
    } else if meta.file_type().is_symlink() {
        // A symlink's own permission bits mean nothing; its directory is checked on its own.
        None
    } else if mode & 0o020 != 0 && meta.gid() != 0 && meta.gid() != user.gid {
        Some(format!("writable by group {}", meta.gid()))
    } else if mode & 0o002 != 0 {
        Some("writable by everyone".to_string())
    } else {
        None
    }
}

/// Checks `path` and every directory above it, not following a symlink at `path` itself.
fn check_path(program: &str, path: &Path, user: &RunAs) -> Result<(), String> {
    let mut current = Some(path);
    while let Some(path) = current {
        let meta =
            std::fs::symlink_metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
        if let Some(why) = unsafe_because(&meta, user) {
            return Err(format!(
                "{program}: {} is {why} (running as {})",
                path.display(),
                user.name
            ));
        }
        current = path.parent().filter(|p| !p.as_os_str().is_empty());
    }
    Ok(())
}

/// The file to execute for the line's first word `program`, run as `user`, when it is safe;
/// `Err` names the program and says why it may not run.
pub fn check(program: &str, user: &RunAs) -> Result<PathBuf, String> {
    let file = if program.contains('/') {
        PathBuf::from(program)
    } else {
        search(program, user)?
    };
    let real = std::fs::canonicalize(&file)
        .map_err(|e| format!("{program}: {} cannot be accessed: {e}", file.display()))?;
    let meta = std::fs::metadata(&real).map_err(|e| format!("{}: {e}", real.display()))?;
    if !meta.is_file() {
        return Err(format!(
            "{program}: {} is not a regular file",
            real.display()
        ));
    }
    if !executable_by(&meta, user) {
        return Err(format!(
            "{program}: {} is not executable by {}",
            real.display(),
            user.name
        ));
    }
    check_path(program, &real, user)?;
    // The path as written may reach the file through symlinks or directories of its own.
    let written = std::path::absolute(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    if written != real {
        check_path(program, &written, user)?;
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// A 0755 temporary directory in the crate's directory when that and its parents are
    /// root's alone (the temporary directory /tmp is writable by everyone), as root; else
    /// `None` with a SKIP line.
    fn safe_temp_dir() -> Option<tempfile::TempDir> {
        let root = nix::unistd::Uid::current().as_raw() == 0;
        // A directory whose whole chain is safe for root (owned by root, writable by no one
        // else): the checkout when it is one (not under /tmp, whose sticky bit the check does
        // not trust), else a system directory that is on any Linux host.
        let base = [env!("CARGO_MANIFEST_DIR"), "/run", "/var/lib", "/root"]
            .into_iter()
            .find(|base| {
                std::fs::canonicalize(base)
                    .is_ok_and(|real| check_path("base", &real, &RunAs::root()).is_ok())
            });
        let (true, Some(base)) = (root, base) else {
            crate::test_support::skip("needs root and a directory only root can write");
            return None;
        };
        let dir = tempfile::Builder::new()
            .prefix("vrrplab-security-test")
            .tempdir_in(base)
            .unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        Some(dir)
    }

    #[test]
    fn system_binaries_are_safe_for_root() {
        assert_eq!(
            check("/bin/sh", &RunAs::root()),
            Ok(PathBuf::from("/bin/sh"))
        );
        let found = check("true", &RunAs::root()).unwrap();
        assert!(found.is_absolute() && found.ends_with("true"), "{found:?}");
        assert!(
            check("no_such_program_vrrplab", &RunAs::root())
                .unwrap_err()
                .contains("cannot find script")
        );
    }

    #[test]
    fn world_writable_script_or_directory_is_refused() {
        let Some(dir) = safe_temp_dir() else { return };
        let script = dir.path().join("check.sh");
        std::fs::write(&script, "#!/bin/sh\nexit 0\n").unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(
            check(script.to_str().unwrap(), &RunAs::root()),
            Ok(script.clone()),
            "root-owned 0755 script"
        );
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o757)).unwrap();
        let err = check(script.to_str().unwrap(), &RunAs::root()).unwrap_err();
        assert!(err.contains("check.sh is writable by everyone"), "{err}");
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        let err = check(script.to_str().unwrap(), &RunAs::root()).unwrap_err();
        assert!(
            err.contains("writable by everyone") && !err.contains("check.sh is"),
            "{err}"
        );
    }

    #[test]
    fn script_owned_by_its_own_user_is_safe_for_that_user_only() {
        let Some(dir) = safe_temp_dir() else { return };
        let script = dir.path().join("check.sh");
        std::fs::write(&script, "#!/bin/sh\nexit 0\n").unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::os::unix::fs::chown(&script, Some(65534), Some(65534)).unwrap();
        let nobody = super::super::user::resolve("nobody").unwrap();
        assert_eq!(check(script.to_str().unwrap(), &nobody), Ok(script.clone()));
        let err = check(script.to_str().unwrap(), &RunAs::root()).unwrap_err();
        assert!(err.contains("owned by uid 65534"), "{err}");
    }

    #[test]
    fn symlink_in_a_world_writable_directory_is_refused_though_its_target_is_safe() {
        let Some(dir) = safe_temp_dir() else { return };
        let open = dir.path().join("open");
        std::fs::create_dir(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
        let link = open.join("check");
        std::os::unix::fs::symlink("/bin/true", &link).unwrap();
        let err = check(link.to_str().unwrap(), &RunAs::root()).unwrap_err();
        assert!(err.contains("open is writable by everyone"), "{err}");
    }

    #[test]
    fn file_its_user_may_not_execute_is_refused() {
        let Some(dir) = safe_temp_dir() else { return };
        let script = dir.path().join("check.sh");
        std::fs::write(&script, "#!/bin/sh\nexit 0\n").unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o744)).unwrap();
        assert!(check(script.to_str().unwrap(), &RunAs::root()).is_ok());
        let nobody = super::super::user::resolve("nobody").unwrap();
        let err = check(script.to_str().unwrap(), &nobody).unwrap_err();
        assert!(err.contains("is not executable by nobody"), "{err}");
        let err = check(dir.path().to_str().unwrap(), &RunAs::root()).unwrap_err();
        assert!(err.contains("is not a regular file"), "{err}");
    }

    #[test]
    fn missing_path_and_bare_name_missing_from_path_are_refused_with_the_reason() {
        let err = check("/no/such/check.sh", &RunAs::root()).unwrap_err();
        assert!(
            err.starts_with("/no/such/check.sh: ") && err.contains("cannot be accessed"),
            "{err}"
        );
        let err = check("no_such_program_vrrplab", &RunAs::root()).unwrap_err();
        assert!(
            err.starts_with("cannot find script no_such_program_vrrplab in PATH"),
            "{err}"
        );
    }
}
