//! [`RunRef`]: one mastership run with the router that advertised it, the unit the rules
//! reason over when they compare routers.

use super::{Run, RunEnd, interval_ns};
use std::net::IpAddr;
use std::time::Duration;

/// A run with its router, for cross-router reasoning.
pub(super) struct RunRef {
    pub(super) router: IpAddr,
    pub(super) run: Run,
}

impl RunRef {
    /// When the router stopped being master: its priority-0 advert or its last advert.
    pub(super) fn end_ns(&self) -> u64 {
        match self.run.end {
            RunEnd::Resigned { time_ns, .. } => time_ns,
            _ => self.run.last_ns,
        }
    }

    /// Its advert interval, ns.
    pub(super) fn interval_ns(&self) -> u64 {
        interval_ns(self.run.interval_cs)
    }

    /// Its advert interval.
    pub(super) fn interval(&self) -> Duration {
        Duration::from_nanos(self.interval_ns())
    }
}
