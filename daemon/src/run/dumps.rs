//! keepalived's dump signals besides SIGUSR1: SIGUSR2 writes the statistics to
//! [`STATS_FILE`], keepalived's `STATS_CLEAR` signal (SIGRTMAX − 1) writes them and then zeroes
//! them, and its `JSON` signal (SIGRTMIN + 2) writes the state as JSON to [`JSON_FILE`] — the
//! numbers `keepalived --signum=STATS|STATS_CLEAR|JSON` prints (12, 63 and 36 on Linux with
//! glibc). Without a handler each of these signals would kill the daemon without priority 0
//! and leave its virtual addresses on the host.
//!
//! The files are keepalived's paths and are replaced at each signal (mode 0600, never through
//! a symbolic link). The statistics keep keepalived's layout (`vrrp_print_stats`); the JSON is
//! the document of `--status` and SIGUSR1, not keepalived's `json_version 1` layout.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use tokio::signal::unix::{Signal, SignalKind, signal};
use vrrplab_core::node::InstanceStatus;

/// Where SIGUSR2 and STATS_CLEAR write (keepalived's default `stats_file_location`).
pub const STATS_FILE: &str = "/tmp/keepalived.stats";
/// Where the JSON signal writes (keepalived's default `json_file_location`).
pub const JSON_FILE: &str = "/tmp/keepalived.json";

/// What a dump signal asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dump {
    /// SIGUSR2: statistics to [`STATS_FILE`].
    Stats,
    /// SIGRTMAX − 1: statistics to [`STATS_FILE`], then zeroed.
    StatsClear,
    /// SIGRTMIN + 2: state as JSON to [`JSON_FILE`].
    Json,
}

/// keepalived's `JSON` signal number: SIGRTMIN + 2.
pub fn json_signal() -> i32 {
    libc::SIGRTMIN() + 2
}

/// keepalived's `STATS_CLEAR` signal number: SIGRTMAX − 1.
pub fn stats_clear_signal() -> i32 {
    libc::SIGRTMAX() - 1
}

/// The installed handlers of the dump signals.
pub struct DumpSignals {
    stats: Signal,
    stats_clear: Signal,
    json: Signal,
}

impl DumpSignals {
    /// Installs the handlers (before that, each of these signals would end the process).
    pub fn install() -> Result<DumpSignals, String> {
        let on = |n: i32| signal(SignalKind::from_raw(n)).map_err(|e| format!("signal {n}: {e}"));
        Ok(DumpSignals {
            stats: on(libc::SIGUSR2)?,
            stats_clear: on(stats_clear_signal())?,
            json: on(json_signal())?,
        })
    }

    /// The next dump signal.
    pub async fn recv(&mut self) -> Dump {
        tokio::select! {
            Some(()) = self.stats.recv() => Dump::Stats,
            Some(()) = self.stats_clear.recv() => Dump::StatsClear,
            Some(()) = self.json.recv() => Dump::Json,
        }
    }
}

/// The statistics in keepalived's layout, one block per instance.
pub fn stats_text(instances: &[InstanceStatus]) -> String {
    let mut o = String::new();
    for i in instances {
        let c = &i.counters;
        o.push_str(&format!(
            "VRRP Instance: {}\n  Advertisements:\n    Received: {}\n    Sent: {}\n  Became master: {}\n  Released master: {}\n  Packet Errors:\n    Length: {}\n    TTL: {}\n    Invalid Type: {}\n    Advertisement Interval: {}\n    Address List: {}\n  Authentication Errors:\n    Invalid Type: {}\n    Type Mismatch: {}\n    Failure: {}\n  Priority Zero:\n    Received: {}\n    Sent: {}\n",
            i.name,
            c.adverts_received,
            c.adverts_sent,
            c.became_master,
            c.released_master,
            c.packet_length_errors,
            c.ttl_errors,
            c.invalid_type,
            c.interval_errors,
            c.address_list_mismatches + c.address_count_mismatches,
            c.auth_unsupported,
            c.auth_type_mismatches,
            c.auth_failures,
            c.priority_zero_received,
            c.priority_zero_sent,
        ));
    }
    o
}

/// Replaces `path` with `text` (mode 0600; a symbolic link at `path` is refused).
pub fn write_file(path: &str, text: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)?;
    f.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signal_numbers_are_keepalived_s() {
        // keepalived 2.2.7 --signum=JSON / STATS_CLEAR on Debian 12 (glibc).
        assert_eq!(json_signal(), 36);
        assert_eq!(stats_clear_signal(), 63);
    }

    #[test]
    fn symlink_is_refused_and_a_file_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stats");
        let p = path.to_str().unwrap();
        write_file(p, "long first text\n").unwrap();
        write_file(p, "second\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "second\n");
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&path, &link).unwrap();
        assert!(write_file(link.to_str().unwrap(), "x").is_err());
    }
}
