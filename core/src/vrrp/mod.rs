//! One VRRP virtual router instance and the node-level pieces around it (sync groups, tracking,
//! priority computation). Behaviour follows keepalived (see `shared/reference/keepalived-behaviour.md`)
//! and RFC 5798/9568 where keepalived does.

pub mod config;
pub mod discard;
pub mod instance;
pub mod state;
pub mod timer;
pub mod timing;
pub mod tracking;

pub use config::{
    GarpConfig, InstanceConfig, Preempt, SyncGroupConfig, TrackFileConfig, TrackRef,
    TrackScriptConfig, TrackedInterface, VirtualAddress,
};
pub use discard::{Counters, DiscardReason};
pub use instance::{Instance, MasterInfo};
pub use state::{State, TransitionReason};
pub use timer::{Timer, TimerTable};
