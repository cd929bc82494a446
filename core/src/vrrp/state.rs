//! Instance states and the reasons for moving between them.

use std::net::IpAddr;

/// The state of a virtual router instance (keepalived's INIT/BACKUP/MASTER/FAULT).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum State {
    /// Not running: before start-up and after shutdown.
    Init,
    /// Listening for a master; takes over when Master_Down_Interval expires.
    Backup,
    /// Owns the virtual addresses and advertises.
    Master,
    /// An interface or a weight-0 tracker is down: neither advertises nor listens.
    Fault,
}

impl State {
    /// keepalived's upper-case name (`MASTER`, `BACKUP`, `FAULT`, `INIT`).
    pub fn name(self) -> &'static str {
        match self {
            State::Init => "INIT",
            State::Backup => "BACKUP",
            State::Master => "MASTER",
            State::Fault => "FAULT",
        }
    }
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Why an instance changed state. Shown in timelines and carried in state-change outputs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransitionReason {
    /// INIT → BACKUP at start-up (every non-owner starts as backup, even with `state MASTER`).
    Startup,
    /// INIT → MASTER at start-up: the address owner (priority 255).
    StartupAsOwner,
    /// BACKUP → MASTER: no advert from a higher-or-equal priority master for Master_Down_Interval.
    MasterDownTimerExpired,
    /// BACKUP → MASTER after the master resigned (priority 0): only Skew_Time was waited.
    MasterResigned {
        /// The resigning master's address.
        from: IpAddr,
    },
    /// MASTER → BACKUP: an advert with higher priority, or equal priority and a higher address.
    HigherPriorityAdvert {
        /// The sender's address.
        from: IpAddr,
        /// The sender's priority.
        priority: u8,
    },
    /// → FAULT: a tracked interface went down.
    InterfaceDown {
        /// The interface.
        interface: String,
    },
    /// → FAULT: the instance's own interface does not exist (no socket to advertise from),
    /// whatever `dont_track_primary` says.
    InterfaceAbsent {
        /// The interface.
        interface: String,
    },
    /// → FAULT: a weight-0 tracked script or file failed.
    TrackerFailed {
        /// The tracker's name.
        tracker: String,
    },
    /// → FAULT: the instance's interface has no address of its family to send from (keepalived
    /// "no IPv4 address for interface"), and no `mcast_src_ip` / `unicast_src_ip` is configured.
    NoSourceAddress {
        /// The interface.
        interface: String,
        /// The family whose address is missing.
        family: crate::wire::Family,
    },
    /// → FAULT: the driver cannot run the instance on this host (no VRRP socket, a virtual
    /// address it could not add, …); the text says why.
    HostFault {
        /// What the driver reported.
        reason: String,
    },
    /// FAULT → BACKUP (or MASTER for an owner): every fault cleared.
    FaultCleared,
    /// Moved because another member of the sync group moved.
    SyncGroup {
        /// The group.
        group: String,
        /// The member that moved first.
        member: String,
    },
    /// → INIT: the node shut down (priority 0 sent if master).
    Shutdown,
    /// A reload removed or re-created the instance.
    Reload,
}

impl std::fmt::Display for TransitionReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TransitionReason::Startup => f.write_str("startup"),
            TransitionReason::StartupAsOwner => f.write_str("startup as address owner"),
            TransitionReason::MasterDownTimerExpired => f.write_str("master down timer expired"),
            TransitionReason::MasterResigned { from } => {
                write!(f, "master {from} resigned (priority 0)")
            }
            TransitionReason::HigherPriorityAdvert { from, priority } => {
                write!(
                    f,
                    "higher priority advert from {from} (priority {priority})"
                )
            }
            TransitionReason::InterfaceDown { interface } => {
                write!(f, "interface {interface} down")
            }
            TransitionReason::InterfaceAbsent { interface } => {
                write!(f, "interface {interface} does not exist")
            }
            TransitionReason::TrackerFailed { tracker } => write!(f, "tracker {tracker} failed"),
            TransitionReason::NoSourceAddress { interface, family } => match family {
                crate::wire::Family::Ipv4 => write!(f, "no IPv4 address on {interface}"),
                crate::wire::Family::Ipv6 => {
                    write!(f, "no IPv6 link-local address on {interface}")
                }
            },
            TransitionReason::HostFault { reason } => f.write_str(reason),
            TransitionReason::FaultCleared => f.write_str("fault cleared"),
            TransitionReason::SyncGroup { group, member } => {
                write!(f, "sync group {group} followed {member}")
            }
            TransitionReason::Shutdown => f.write_str("shutdown"),
            TransitionReason::Reload => f.write_str("reload"),
        }
    }
}
