//! Gates: whether this machine can run netns tests and the peers they need.
//!
//! A test asks [`require`] first. When something is missing it prints why and returns `false`
//! (the test then returns early: a skip). With `VRRPLAB_REQUIRE_NETNS=1` a missing namespace
//! capability panics instead, and with `VRRPLAB_REQUIRE_KEEPALIVED=1` (resp.
//! `VRRPLAB_REQUIRE_FRR=1`) a missing keepalived (resp. FRR) does, so CI cannot go green by
//! skipping.

use std::path::Path;
use std::sync::OnceLock;

use crate::command;

/// Something a netns test needs from the machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Root, `ip netns`, and namespaces that can be created and deleted.
    Netns,
    /// Debian's keepalived (`keepalived --version` runs).
    Keepalived,
    /// FRR's zebra and vrrpd in `/usr/lib/frr`, vtysh, and the `frr` user they drop to.
    Frr,
    /// nftables (`nft`), for fault injection.
    Nft,
}

impl Need {
    /// Environment variable that turns a skip for this need into a failure.
    pub fn require_env(self) -> &'static str {
        match self {
            Need::Netns | Need::Nft => "VRRPLAB_REQUIRE_NETNS",
            Need::Keepalived => "VRRPLAB_REQUIRE_KEEPALIVED",
            Need::Frr => "VRRPLAB_REQUIRE_FRR",
        }
    }

    /// Checks this need; `Err` says what is missing.
    pub fn check(self) -> Result<(), String> {
        match self {
            Need::Netns => netns_usable().clone(),
            Need::Keepalived => command::run("keepalived", &["--version"])
                .map(drop)
                .map_err(|e| format!("keepalived is not runnable ({e})")),
            Need::Nft => command::run("nft", &["--version"])
                .map(drop)
                .map_err(|e| format!("nft is not runnable ({e})")),
            Need::Frr => {
                for daemon in ["/usr/lib/frr/zebra", "/usr/lib/frr/vrrpd"] {
                    if !Path::new(daemon).exists() {
                        return Err(format!("FRR is not installed ({daemon} missing)"));
                    }
                }
                command::run("vtysh", &["-h"])
                    .map_err(|e| format!("FRR's vtysh is not runnable ({e})"))?;
                command::run("id", &["-u", "frr"])
                    .map(drop)
                    .map_err(|_| "FRR's user `frr` does not exist".to_string())
            }
        }
    }
}

fn env_flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| !v.is_empty() && v != "0")
}

/// Checks once per process that root can create and delete a network namespace.
fn netns_usable() -> &'static Result<(), String> {
    static USABLE: OnceLock<Result<(), String>> = OnceLock::new();
    USABLE.get_or_init(|| {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            return Err("not root (netns tests need CAP_NET_ADMIN and CAP_SYS_ADMIN)".into());
        }
        command::ip(&["netns", "list"]).map_err(|e| format!("`ip netns` is not usable: {e}"))?;
        let probe = format!("vlab-{}-probe", std::process::id());
        command::ip(&["netns", "add", &probe])
            .map_err(|e| format!("cannot create a network namespace: {e}"))?;
        command::ip(&["netns", "del", &probe])
            .map_err(|e| format!("cannot delete a network namespace: {e}"))?;
        Ok(())
    })
}

/// Returns `true` when every need is met. Otherwise prints `SKIP test: reason` and returns
/// `false`, or panics when the need's `VRRPLAB_REQUIRE_*` variable is set.
pub fn require(test: &str, needs: &[Need]) -> bool {
    for need in needs {
        if let Err(reason) = need.check() {
            if env_flag(need.require_env()) {
                panic!("{test}: {reason}, and {} is set", need.require_env());
            }
            // Straight to the process's stderr, past the test harness's output capture, so a
            // skip is visible in an ordinary `cargo test` run.
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "SKIP {test}: {reason}");
            return false;
        }
    }
    true
}
