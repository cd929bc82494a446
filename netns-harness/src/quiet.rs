//! Quiet windows: no namespace churn while a test measures timings.
//!
//! Creating or deleting namespaces and veth pairs runs long stretches of kernel code. On the
//! 2-core CI machine (a `PREEMPT_DYNAMIC` kernel running as `PREEMPT_NONE`) they delayed the
//! wake-up of a `SCHED_RR` 60 thread — above keepalived's `vrrp_rt_priority 50` — by up to
//! 20 ms while nothing but topologies were built and torn down, and a keepalived backup in
//! another test of the same binary then took over 43 ms after its Master_Down_Interval.
//!
//! So a test holds a [`Measuring`] guard while it measures (tests measure at the same time
//! freely), and [`Topology`](crate::Topology) building and teardown wait until no test of this
//! process measures (and hold off new measurements while they run; the lock prefers the
//! writer, so neither side starves). The guard is per process: `cargo test` runs test binaries
//! one after another.

use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

static CHURN: RwLock<()> = RwLock::new(());

/// While alive, no topology of this process is built or torn down.
#[must_use = "the window is quiet only while the guard lives"]
pub struct Measuring {
    _guard: RwLockReadGuard<'static, ()>,
}

/// Waits for builds and teardowns in progress, then holds them off until the guard is dropped.
/// Never call it while holding a guard already, nor build or drop a topology while holding one.
pub fn measuring() -> Measuring {
    Measuring {
        _guard: CHURN.read().unwrap_or_else(|p| p.into_inner()),
    }
}

/// Held while namespaces and links are created or deleted.
pub(crate) fn churning() -> RwLockWriteGuard<'static, ()> {
    CHURN.write().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn churn_waits_while_any_test_measures_and_measurements_overlap() {
        let first = measuring();
        let second = measuring();
        assert!(CHURN.try_write().is_err(), "churn during a measurement");
        drop(first);
        assert!(CHURN.try_write().is_err(), "churn during the other one");
        drop(second);
        let churn = churning();
        assert!(CHURN.try_read().is_err(), "a measurement during churn");
        drop(churn);
        drop(measuring());
    }
}
