//! The fault plan: timed actions applied to the simulated cluster.
//!
//! A [`FaultPlan`] is a list of [`Fault`]s (time + [`FaultAction`]), applied in time order (ties
//! in plan order) at the first simulation step that starts at or after their time. Every action
//! has a one-line text form (`12s block b<-a`), parsed by [`Fault::parse`] and printed by
//! `Display`, so plans round-trip through the command line and scenario files.

mod parse;

pub use parse::{FaultParseError, format_duration, parse_duration};

use std::net::SocketAddr;
use std::time::Duration;

/// One timed action.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    /// Simulated time at which the action is applied.
    pub at: Duration,
    /// What happens.
    pub action: FaultAction,
}

/// Every action a fault plan can take. Node names are the scenario's node names.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultAction {
    /// Power loss: the host stops at once (no priority-0 advert); its VIPs vanish with it.
    Crash(String),
    /// Boot a crashed host again: a fresh node starts from its configuration.
    Restart(String),
    /// Graceful stop (SIGTERM): a master sends priority 0 and removes its VIPs.
    Stop(String),
    /// Start a gracefully stopped node again.
    Start(String),
    /// Two-way partition between two nodes.
    Partition(String, String),
    /// Cut one node off from every other host (routers, gateway, client).
    Isolate(String),
    /// Undo partitions, one-way blocks and loss between two nodes.
    Heal(String, String),
    /// Undo every partition, block, loss and latency change.
    HealAll,
    /// One-way block: `receiver` drops the VRRP it receives from `sender` (a firewall on it).
    Block {
        /// The node whose firewall drops.
        receiver: String,
        /// The node whose adverts are dropped.
        sender: String,
    },
    /// Remove a one-way block.
    Unblock {
        /// The node whose firewall dropped.
        receiver: String,
        /// The node whose adverts were dropped.
        sender: String,
    },
    /// Random loss of VRRP datagrams, drawn from the scenario's seeded RNG.
    Loss {
        /// The link, or every link when `None`.
        link: Option<(String, String)>,
        /// Percentage lost, 0–100 (0 removes the loss).
        percent: u8,
    },
    /// Fixed one-way delivery latency on a link (rounded up to the tick by turmoil).
    Latency {
        /// One end.
        a: String,
        /// The other end.
        b: String,
        /// The latency.
        latency: Duration,
    },
    /// The node's clock runs at `rate` × real time (1.0 is exact; 1.1 = timers fire 10 % early).
    Drift {
        /// The node.
        node: String,
        /// Clock rate.
        rate: f64,
    },
    /// An interface of a node goes down (no VRRP in or out; tracked ⇒ FAULT).
    InterfaceDown {
        /// The node.
        node: String,
        /// Interface name.
        interface: String,
    },
    /// The interface comes back.
    InterfaceUp {
        /// The node.
        node: String,
        /// Interface name.
        interface: String,
    },
    /// A `vrrp_script` starts failing (`ok == false`) or succeeding again.
    Script {
        /// The node.
        node: String,
        /// Script name.
        script: String,
        /// The script's result from now on.
        ok: bool,
    },
    /// A `vrrp_track_file` gets a new value.
    TrackFile {
        /// The node.
        node: String,
        /// Track file name.
        name: String,
        /// The integer now in the file.
        value: i64,
    },
    /// The node can no longer reach the gateway host (arbitration scripts start failing).
    GatewayCut(String),
    /// The node reaches the gateway again.
    GatewayRestore(String),
    /// SIGHUP-style reload with another configuration, named in the scenario's `configs`.
    Reload {
        /// The node.
        node: String,
        /// Name of the configuration (a key of `Scenario::configs`).
        config: String,
    },
    /// A simulated real server stops listening: checker connects are refused.
    BackendDown(SocketAddr),
    /// The real server keeps listening but never accepts or answers: probes time out (the
    /// TCP_CHECK way to make a server slow; see `BackendSlow`).
    BackendHang(SocketAddr),
    /// The real server serves again, healthy: listening, answering at once with status 200.
    BackendUp(SocketAddr),
    /// The real server delays every HTTP answer by `delay`. Against a TCP_CHECK-only server it
    /// delays accepts in cycles (turmoil answers a SYN only at `accept`), which a real kernel
    /// would not do either: checks mostly pass; use `BackendHang` to make TCP connects time out.
    BackendSlow {
        /// The backend (checker connect address).
        backend: SocketAddr,
        /// Added delay (0 removes it).
        delay: Duration,
    },
    /// The real server answers HTTP requests with `status`.
    BackendStatus {
        /// The backend (checker connect address).
        backend: SocketAddr,
        /// HTTP status code.
        status: u16,
    },
}

impl FaultAction {
    /// True when the action changes who can hear whom (used to find connected, stable periods).
    pub fn disturbs_network(&self) -> bool {
        !matches!(
            self,
            FaultAction::Script { .. }
                | FaultAction::TrackFile { .. }
                | FaultAction::Reload { .. }
                | FaultAction::BackendDown(_)
                | FaultAction::BackendUp(_)
                | FaultAction::BackendHang(_)
                | FaultAction::BackendSlow { .. }
                | FaultAction::BackendStatus { .. }
        )
    }

    /// The simulated backend the action is about, if any.
    pub fn backend(&self) -> Option<SocketAddr> {
        match self {
            FaultAction::BackendDown(b)
            | FaultAction::BackendUp(b)
            | FaultAction::BackendHang(b)
            | FaultAction::BackendSlow { backend: b, .. }
            | FaultAction::BackendStatus { backend: b, .. } => Some(*b),
            _ => None,
        }
    }

    /// The nodes the action names.
    pub fn nodes(&self) -> Vec<&str> {
        use FaultAction::*;
        match self {
            Crash(n) | Restart(n) | Stop(n) | Start(n) | Isolate(n) | GatewayCut(n)
            | GatewayRestore(n) => vec![n],
            Partition(a, b) | Heal(a, b) => vec![a, b],
            Latency { a, b, .. } => vec![a, b],
            HealAll
            | BackendDown(_)
            | BackendUp(_)
            | BackendHang(_)
            | BackendSlow { .. }
            | BackendStatus { .. } => {
                vec![]
            }
            Block { receiver, sender } | Unblock { receiver, sender } => vec![receiver, sender],
            Loss { link, .. } => link
                .iter()
                .flat_map(|(a, b)| [a.as_str(), b.as_str()])
                .collect(),
            Drift { node, .. }
            | InterfaceDown { node, .. }
            | InterfaceUp { node, .. }
            | Script { node, .. }
            | TrackFile { node, .. }
            | Reload { node, .. } => vec![node],
        }
    }
}

impl std::fmt::Display for FaultAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use FaultAction::*;
        match self {
            Crash(n) => write!(f, "crash {n}"),
            Restart(n) => write!(f, "restart {n}"),
            Stop(n) => write!(f, "stop {n}"),
            Start(n) => write!(f, "start {n}"),
            Partition(a, b) => write!(f, "partition {a}<->{b}"),
            Isolate(n) => write!(f, "isolate {n}"),
            Heal(a, b) => write!(f, "heal {a}<->{b}"),
            HealAll => write!(f, "heal all"),
            Block { receiver, sender } => write!(f, "block {receiver}<-{sender}"),
            Unblock { receiver, sender } => write!(f, "unblock {receiver}<-{sender}"),
            Loss {
                link: None,
                percent,
            } => write!(f, "loss all {percent}%"),
            Loss {
                link: Some((a, b)),
                percent,
            } => write!(f, "loss {a}<->{b} {percent}%"),
            Latency { a, b, latency } => {
                write!(f, "latency {a}<->{b} {}", format_duration(*latency))
            }
            Drift { node, rate } => write!(f, "drift {node} {rate}"),
            InterfaceDown { node, interface } => write!(f, "ifdown {node} {interface}"),
            InterfaceUp { node, interface } => write!(f, "ifup {node} {interface}"),
            Script { node, script, ok } => {
                write!(
                    f,
                    "script {node} {script} {}",
                    if *ok { "ok" } else { "fail" }
                )
            }
            TrackFile { node, name, value } => write!(f, "trackfile {node} {name} {value}"),
            GatewayCut(n) => write!(f, "gateway-cut {n}"),
            GatewayRestore(n) => write!(f, "gateway-restore {n}"),
            Reload { node, config } => write!(f, "reload {node} {config}"),
            BackendDown(b) => write!(f, "backend-down {b}"),
            BackendUp(b) => write!(f, "backend-up {b}"),
            BackendHang(b) => write!(f, "backend-hang {b}"),
            BackendSlow { backend, delay } => {
                write!(f, "backend-slow {backend} {}", format_duration(*delay))
            }
            BackendStatus { backend, status } => write!(f, "backend-status {backend} {status}"),
        }
    }
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", format_duration(self.at), self.action)
    }
}

/// A timed list of actions, kept sorted by time (stable: equal times keep their order).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FaultPlan {
    faults: Vec<Fault>,
}

impl FaultPlan {
    /// An empty plan.
    pub fn new() -> Self {
        FaultPlan::default()
    }

    /// Adds an action at `at` (builder style).
    pub fn at(mut self, at: Duration, action: FaultAction) -> Self {
        self.push(Fault { at, action });
        self
    }

    /// Adds a fault, keeping time order.
    pub fn push(&mut self, fault: Fault) {
        let index = self.faults.partition_point(|f| f.at <= fault.at);
        self.faults.insert(index, fault);
    }

    /// The faults in time order.
    pub fn faults(&self) -> &[Fault] {
        &self.faults
    }

    /// True when the plan has no action.
    pub fn is_empty(&self) -> bool {
        self.faults.is_empty()
    }
}

impl FromIterator<Fault> for FaultPlan {
    fn from_iter<I: IntoIterator<Item = Fault>>(iter: I) -> Self {
        let mut plan = FaultPlan::new();
        for fault in iter {
            plan.push(fault);
        }
        plan
    }
}
