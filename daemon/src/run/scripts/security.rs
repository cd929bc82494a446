//! `enable_script_security`: a script is refused when anyone but root and the user it runs as
//! could change it — the file or any directory above it (after resolving symlinks) owned by
//! another user, group-writable by another group, or writable by everyone — or when it cannot
//! be found. keepalived's rule (`check_script_secure`), in our words.

use super::user::RunAs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// The file `program` runs: itself when it has a `/`, else the first match in PATH.
pub fn locate(program: &str) -> Option<PathBuf> {
    if program.contains('/') {
        return Some(PathBuf::from(program));
    }
    let path = std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into());
    path.split(':')
        .map(|dir| Path::new(dir).join(program))
        .find(|p| p.is_file())
}

/// `Ok` when `program` is safe to run as `user`; `Err` says which path is unsafe and why.
pub fn check(program: &str, user: &RunAs) -> Result<(), String> {
    let file = locate(program).ok_or_else(|| format!("{program}: not found in PATH"))?;
    let real = std::fs::canonicalize(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    let mut current = Some(real.as_path());
    while let Some(path) = current {
        let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mode = meta.mode();
        let why = if meta.uid() != 0 && meta.uid() != user.uid {
            Some(format!("owned by uid {}", meta.uid()))
        } else if mode & 0o020 != 0 && meta.gid() != 0 && meta.gid() != user.gid {
            Some(format!("writable by group {}", meta.gid()))
        } else if mode & 0o002 != 0 {
            Some("writable by everyone".to_string())
        } else {
            None
        };
        if let Some(why) = why {
            return Err(format!(
                "{program}: {} is {why} (running as {})",
                path.display(),
                user.name
            ));
        }
        current = path.parent();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// A 0755 temporary directory in the crate's directory when that and its parents are
    /// root's alone (the temporary directory /tmp is writable by everyone), as root; else
    /// `None` with a SKIP line.
    fn safe_temp_dir() -> Option<tempfile::TempDir> {
        let base = env!("CARGO_MANIFEST_DIR");
        let root = nix::unistd::Uid::current().as_raw() == 0;
        if !root || check(base, &RunAs::root()).is_err() {
            crate::test_support::skip("needs root and a checkout only root can write");
            return None;
        }
        let dir = tempfile::tempdir_in(base).unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        Some(dir)
    }

    #[test]
    fn system_binaries_are_safe_for_root() {
        assert_eq!(check("/bin/sh", &RunAs::root()), Ok(()));
        assert_eq!(check("true", &RunAs::root()), Ok(()));
        assert!(
            check("no_such_program_vrrplab", &RunAs::root())
                .unwrap_err()
                .contains("not found")
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
            Ok(()),
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
        std::os::unix::fs::chown(&script, Some(65534), Some(65534)).unwrap();
        let nobody = super::super::user::resolve("nobody").unwrap();
        assert_eq!(check(script.to_str().unwrap(), &nobody), Ok(()));
        let err = check(script.to_str().unwrap(), &RunAs::root()).unwrap_err();
        assert!(err.contains("owned by uid 65534"), "{err}");
    }
}
