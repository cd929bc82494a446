//! What [`super::Health`] asks its driver (or the node) to do. Owned values, drained with
//! `poll_output()`.

use super::probe::{Probe, ProbeId};
use std::net::SocketAddr;

/// One action for the driver.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
#[must_use]
pub enum Output {
    /// Start a probe now; answer with `handle_probe_result(now, probe.id, …)`.
    StartProbe(Probe),
    /// The probe timed out: close its socket, or SIGTERM the script (SIGKILL after 2 s).
    /// Its result, if it still arrives, is ignored.
    CancelProbe(ProbeId),
    /// A `vrrp_script` passed its rise/fall threshold: give it to
    /// `Node::handle_script_result(now, script, up)`.
    ScriptResult(ScriptResult),
    /// A checker went up or down (for logs and timelines; the pool effect follows separately).
    Checker(CheckerChange),
    /// Change the load-balancer pool (IPVS destination) of a virtual server.
    Pool(PoolChange),
    /// A virtual server gained or lost quorum.
    Quorum(QuorumChange),
    /// Run a hook (`notify_up`, `notify_down`, `quorum_up`, `quorum_down`) as a child process.
    RunHook(Hook),
}

/// A `vrrp_script`'s new state after rise/fall.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptResult {
    /// The `vrrp_script` name.
    pub script: String,
    /// True: succeeded `rise` times; false: failed `fall` times (or `init_fail`).
    pub up: bool,
}

/// Why a probe counted as failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FailureReason {
    /// No result before the timeout.
    Timeout,
    /// TCP connect refused, reset or unreachable.
    ConnectFailed,
    /// HTTP status code not in `status_code`.
    Status(u16),
    /// HTTP body MD5 differs from `digest`.
    DigestMismatch,
    /// No parsable HTTP response.
    HttpMalformed,
    /// Script exited with a failing status.
    Exit(i32),
    /// Script killed by a signal.
    Signal(i32),
    /// Script could not be started.
    SpawnFailed,
    /// The driver answered with a result of the wrong kind (e.g. an exit status for a connect).
    WrongResultKind,
}

impl std::fmt::Display for FailureReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FailureReason::Timeout => f.write_str("timeout"),
            FailureReason::ConnectFailed => f.write_str("connect failed"),
            FailureReason::Status(s) => write!(f, "HTTP status {s}"),
            FailureReason::DigestMismatch => f.write_str("digest mismatch"),
            FailureReason::HttpMalformed => f.write_str("malformed HTTP response"),
            FailureReason::Exit(c) => write!(f, "exit status {c}"),
            FailureReason::Signal(s) => write!(f, "killed by signal {s}"),
            FailureReason::SpawnFailed => f.write_str("could not start"),
            FailureReason::WrongResultKind => f.write_str("wrong result kind"),
        }
    }
}

/// A checker's state change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckerChange {
    /// Virtual server name.
    pub virtual_server: String,
    /// Real server address.
    pub real_server: SocketAddr,
    /// Index of the checker inside its real server.
    pub checker: usize,
    /// New state.
    pub up: bool,
    /// Why it went down (`None` when it came up).
    pub reason: Option<FailureReason>,
}

/// What to do with one destination of a virtual server's pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolAction {
    /// Add the destination with this weight.
    Add {
        /// Weight.
        weight: u32,
    },
    /// Change the weight of a destination already in the pool (0 = inhibited).
    Reweight {
        /// New weight.
        weight: u32,
    },
    /// Remove the destination.
    Remove,
}

/// One pool operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolChange {
    /// Virtual server name.
    pub virtual_server: String,
    /// Destination (real server or sorry server).
    pub destination: SocketAddr,
    /// True when the destination is the sorry server.
    pub sorry_server: bool,
    /// The operation.
    pub action: PoolAction,
}

/// A quorum transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuorumChange {
    /// Virtual server name.
    pub virtual_server: String,
    /// True: gained (Σ live weight ≥ quorum + hysteresis); false: lost (< quorum − hysteresis,
    /// or zero).
    pub up: bool,
    /// Σ weight of live real servers at the change.
    pub live_weight: u64,
}

/// Which hook a [`Hook`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookKind {
    /// A real server came up.
    NotifyUp,
    /// A real server went down.
    NotifyDown,
    /// A virtual server gained quorum.
    QuorumUp,
    /// A virtual server lost quorum.
    QuorumDown,
}

/// A hook to run as a child process (no result expected).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hook {
    /// Which hook.
    pub kind: HookKind,
    /// Virtual server name.
    pub virtual_server: String,
    /// The real server, for `notify_up` / `notify_down`.
    pub real_server: Option<SocketAddr>,
    /// Command line as configured.
    pub command: String,
}
