//! 7. preempt (default), nopreempt, preempt_delay as keepalived does them.

use super::*;
use crate::vrrp::Preempt;

#[test]
fn nopreempt_backup_never_takes_over_from_a_live_lower_master() {
    let mut lan = lan_of(vec![instance(99)]);
    lan.run_until(at_secs(10.0));
    let mut high = instance(100);
    high.preempt = Preempt::Disabled;
    let h2 = lan.add_host("h2", host_config("h2", host_addr(1), vec![high]));
    lan.run_until(at_secs(60.0));
    assert_eq!(lan.masters(51), vec![0]);
    assert_eq!(state(&lan, h2), Some(State::Backup));
    // It still takes over when the master dies.
    lan.crash(0);
    lan.run_until(at_secs(70.0));
    assert_eq!(lan.masters(51), vec![h2]);
}

#[test]
fn preempt_delay_takes_over_delay_plus_master_down_after_the_first_lower_advert() {
    // keepalived, measured: takeover 9.15 s after a restart with preempt_delay 5 at advert_int 1
    // (start-up wait until the first lower advert + delay + Master_Down_Interval).
    let mut lan = lan_of(vec![instance(99)]);
    // h1 (prio 99) is master from 3.61328125 s and advertises every second from then.
    let restart = at_nanos(10_073_281_250);
    lan.run_until(restart);
    let mut high = instance(100);
    high.preempt = Preempt::Delay(Duration::from_secs(5));
    let h2 = lan.add_host("h2", host_config("h2", host_addr(1), vec![high]));
    lan.run_until(at_secs(40.0));
    let first_lower = at_nanos(10_613_281_250); // 0.54 s after the restart
    let takeover = lan
        .history()
        .first_entry(h2, "VI_1", State::Master, restart)
        .unwrap();
    assert_eq!(
        takeover,
        first_lower + Duration::from_secs(5) + Duration::from_nanos(MDI_V2_100_NS)
    );
    assert_eq!(takeover - restart, Duration::from_nanos(9_149_375_000));
    assert_eq!(lan.masters(51), vec![h2]);
}

#[test]
fn preempt_delay_does_not_delay_takeover_when_no_master_exists() {
    let mut c = instance(100);
    c.preempt = Preempt::Delay(Duration::from_secs(5));
    let mut lan = lan_of(vec![c]);
    lan.run_until(at_nanos(MDI_V2_100_NS));
    assert_eq!(state(&lan, 0), Some(State::Master));
}

#[test]
fn preempting_backup_ignores_lower_adverts_and_takes_over_at_its_own_master_down() {
    let mut lan = lan_of(vec![instance(50)]);
    lan.run_until(at_secs(10.0));
    let h2 = lan.add_host("h2", host_config("h2", host_addr(1), vec![instance(100)]));
    lan.run_until(at_secs(20.0));
    assert_eq!(
        lan.history()
            .first_entry(h2, "VI_1", State::Master, Instant::ZERO),
        Some(at_secs(10.0) + Duration::from_nanos(MDI_V2_100_NS))
    );
    let counters = lan.node(h2).unwrap().instances()[0].counters;
    assert!(counters.lower_priority_ignored >= 3);
}
