//! Peers: VRRP implementations run inside a host namespace, behind one trait.
//!
//! A [`Peer`] can be started, stopped gracefully (it resigns: keepalived sends a priority-0
//! advert), crashed (SIGSTOP then SIGKILL of every one of its processes, so nothing gets to send
//! a last packet), paused and resumed (SIGSTOP / SIGCONT: a hung daemon), and it says where its
//! logs are. Implementations: [`Keepalived`] (Debian's keepalived 2.2.7) and [`FrrVrrpd`]
//! (FRR's zebra + vrrpd). The `vrrplab` daemon joins later as another implementation: it needs
//! only a command line per host, which is what [`Daemon`] runs.

mod daemon;
mod frr;
mod keepalived;

pub use daemon::Daemon;
pub use frr::{FrrRouter, FrrVrrpd};
pub use keepalived::{Keepalived, KeepalivedInstance, keepalived_config, keepalived_config_with};

use std::path::PathBuf;

use crate::error::Result;
use crate::topology::Host;

/// A VRRP implementation running on one host of a topology.
pub trait Peer {
    /// A short label such as `keepalived@h1`.
    fn label(&self) -> String;
    /// The host it runs on.
    fn host(&self) -> &Host;
    /// Starts it (and returns once its processes exist).
    fn start(&mut self) -> Result<()>;
    /// Stops it gracefully and waits for it to exit.
    fn stop(&mut self) -> Result<()>;
    /// Crashes it: SIGSTOP every process of the peer, then SIGKILL them all.
    fn crash(&mut self) -> Result<()>;
    /// Freezes every process (SIGSTOP).
    fn pause(&mut self) -> Result<()>;
    /// Thaws every process (SIGCONT).
    fn resume(&mut self) -> Result<()>;
    /// Whether its main process runs.
    fn is_running(&self) -> bool;
    /// Its log files (time-prefixed lines).
    fn log_paths(&self) -> Vec<PathBuf>;
    /// The concatenated logs, for failure messages.
    fn logs(&self) -> String {
        self.log_paths()
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n")
    }
}
