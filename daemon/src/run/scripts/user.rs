//! Who a script runs as: `vrrp_script … user USER [GROUP]`, else `global_defs { script_user
//! USER [GROUP] }`, else `keepalived_script` when that user exists, else root with a warning —
//! keepalived's order. The group defaults to the user's primary group; supplementary groups
//! are the user's (getgrouplist).

use nix::unistd::{Gid, Group, Uid, User};

/// keepalived's default script user.
pub const DEFAULT_SCRIPT_USER: &str = "keepalived_script";

/// A resolved user and group to run a child as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunAs {
    /// User name (for logs).
    pub name: String,
    /// User id.
    pub uid: u32,
    /// Group id.
    pub gid: u32,
    /// Supplementary groups.
    pub groups: Vec<u32>,
}

impl RunAs {
    /// root, with no supplementary groups.
    pub fn root() -> RunAs {
        RunAs {
            name: "root".into(),
            uid: 0,
            gid: 0,
            groups: Vec::new(),
        }
    }

    /// Whether this is the daemon's own user (no switch needed).
    pub fn is_current(&self) -> bool {
        Uid::current().as_raw() == self.uid && Gid::current().as_raw() == self.gid
    }
}

/// Resolves `USER [GROUP]` (as written after `user` / `script_user`).
pub fn resolve(spec: &str) -> Result<RunAs, String> {
    let mut words = spec.split_whitespace();
    let name = words.next().ok_or("no user name")?;
    let user = User::from_name(name)
        .map_err(|e| format!("cannot look up user {name}: {e}"))?
        .ok_or_else(|| format!("no user {name} on this host"))?;
    let gid = match words.next() {
        Some(group) => {
            Group::from_name(group)
                .map_err(|e| format!("cannot look up group {group}: {e}"))?
                .ok_or_else(|| format!("no group {group} on this host"))?
                .gid
        }
        None => user.gid,
    };
    let cname = std::ffi::CString::new(name).map_err(|_| format!("bad user name {name:?}"))?;
    let groups = nix::unistd::getgrouplist(&cname, gid)
        .map(|g| g.into_iter().map(Gid::as_raw).collect())
        .unwrap_or_default();
    Ok(RunAs {
        name: name.to_string(),
        uid: user.uid.as_raw(),
        gid: gid.as_raw(),
        groups,
    })
}

/// The default user for scripts and hooks, and a warning to log when it falls back to root.
pub fn default_user(script_user: Option<&str>) -> (Result<RunAs, String>, Option<String>) {
    match script_user {
        Some(spec) => (
            resolve(spec).map_err(|e| format!("script_user {spec}: {e}")),
            None,
        ),
        None => match resolve(DEFAULT_SCRIPT_USER) {
            Ok(user) => (Ok(user), None),
            Err(_) => (
                Ok(RunAs::root()),
                Some(format!(
                    "default user '{DEFAULT_SCRIPT_USER}' for script execution does not exist: scripts run as root (create the user, or set script_user in global_defs)"
                )),
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_and_group_resolve_from_the_system_databases() {
        let nobody = resolve("nobody").unwrap();
        assert_eq!(nobody.uid, 65534);
        let root_group = resolve("nobody root").unwrap();
        assert_eq!((root_group.uid, root_group.gid), (65534, 0));
        assert!(
            resolve("no_such_user_vrrplab")
                .unwrap_err()
                .contains("no user")
        );
        assert!(
            resolve("nobody no_such_group_vrrplab")
                .unwrap_err()
                .contains("no group")
        );
    }

    #[test]
    fn default_is_script_user_then_keepalived_script_then_root_with_a_warning() {
        let (user, warning) = default_user(Some("nobody"));
        assert_eq!(user.unwrap().name, "nobody");
        assert!(warning.is_none());
        let (user, warning) = default_user(None);
        if resolve(DEFAULT_SCRIPT_USER).is_err() {
            assert_eq!(user.unwrap(), RunAs::root());
            assert!(warning.unwrap().contains("does not exist"));
        } else {
            assert_eq!(user.unwrap().name, DEFAULT_SCRIPT_USER);
        }
        assert!(default_user(Some("no_such_user_vrrplab")).0.is_err());
    }
}
