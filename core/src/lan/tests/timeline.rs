//! Snapshot of a named scenario's timeline: master crash, failover, restart, preemption,
//! graceful stop.

use super::*;

#[test]
fn master_crash_failover_restart_preempt_and_graceful_stop_timeline() {
    let mut lan = lan_of(vec![instance(100), instance(99)]);
    lan.set_default_latency(Duration::from_micros(500));
    lan.run_until(at_secs(10.0));
    lan.crash(0);
    lan.run_until(at_secs(20.0));
    lan.restart(0);
    lan.run_until(at_secs(30.0));
    lan.stop(0);
    lan.run_until(at_secs(40.0));
    insta::assert_snapshot!(lan.history().timeline(&lan.names()));
}
