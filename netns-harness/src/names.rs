//! Namespace names: unique per topology, recognisable, and cleanable after a crash.
//!
//! A topology's namespaces are called `vlab-<pid>-<n>-<role>` (`vlab-4242-3-sw`,
//! `vlab-4242-3-h1`), where `<pid>` is the test process and `<n>` a per-process counter, so
//! parallel tests (threads or processes) never collide. Interface names need no prefix: they live
//! inside those private namespaces. A namespace whose `<pid>` no longer runs is stale (left by a
//! test process that was killed) and [`remove_stale`] deletes it, after SIGKILLing the processes
//! still inside it. Names with any other shape (`lab-*` from the shell lab, other tools) are never
//! touched.

use std::sync::atomic::{AtomicU32, Ordering};

use crate::command;

/// The fixed first part of every harness namespace name.
pub const PREFIX: &str = "vlab-";

/// A fresh `vlab-<pid>-<n>-` prefix for one topology.
pub fn unique_prefix() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{PREFIX}{}-{n}-", std::process::id())
}

/// The creating pid encoded in a harness namespace name, or `None` for foreign names.
pub fn owner_pid(namespace: &str) -> Option<u32> {
    let rest = namespace.strip_prefix(PREFIX)?;
    let mut parts = rest.splitn(3, '-');
    let pid = parts.next()?.parse().ok()?;
    let counter = parts.next()?;
    if counter.is_empty() || !counter.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    parts.next().filter(|role| !role.is_empty())?;
    Some(pid)
}

fn pid_alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// Names in `ip netns list` output (first word of each line).
pub fn list_namespaces() -> Vec<String> {
    command::ip(&["netns", "list"])
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

/// Deletes harness namespaces whose creating process is gone, killing what still runs inside
/// them first. Returns the names removed.
pub fn remove_stale() -> Vec<String> {
    let mut removed = Vec::new();
    for ns in list_namespaces() {
        let Some(pid) = owner_pid(&ns) else { continue };
        if pid_alive(pid) {
            continue;
        }
        if let Ok(pids) = command::ip(&["netns", "pids", &ns]) {
            for p in pids
                .split_whitespace()
                .filter_map(|p| p.parse::<i32>().ok())
            {
                if p > 1 {
                    // SAFETY: kill has no memory preconditions; p runs inside a stale harness
                    // namespace, i.e. it is a daemon a killed test started.
                    unsafe { libc::kill(p, libc::SIGKILL) };
                }
            }
        }
        if command::ip(&["netns", "del", &ns]).is_ok() {
            removed.push(ns);
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_pid_reads_harness_names_only() {
        assert_eq!(owner_pid("vlab-4242-3-h1"), Some(4242));
        assert_eq!(owner_pid("vlab-4242-3-sw"), Some(4242));
        assert_eq!(owner_pid("lab-h1"), None);
        assert_eq!(owner_pid("vlab-4242-x-h1"), None);
        assert_eq!(owner_pid("vlab-4242-3-"), None);
        assert_eq!(owner_pid("vlab-probe"), None);
    }

    #[test]
    fn unique_prefixes_differ_and_parse_back_to_this_process() {
        let a = unique_prefix();
        let b = unique_prefix();
        assert_ne!(a, b);
        assert_eq!(owner_pid(&format!("{a}sw")), Some(std::process::id()));
    }
}
