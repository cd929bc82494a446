//! 1. Startup and 2. timers: never master before Master_Down_Interval unless owner.

use super::*;
use crate::vrrp::TransitionReason;

#[test]
fn backup_sends_first_advert_at_exactly_master_down_interval_after_start() {
    let mut c = instance(100);
    c.initial_master = true; // `state MASTER` does not make a non-owner start as master
    let mut lan = lan_of(vec![c]);
    assert_eq!(state(&lan, 0), Some(State::Backup));
    lan.run_until(at_nanos(MDI_V2_100_NS - 1));
    assert_eq!(state(&lan, 0), Some(State::Backup));
    assert!(lan.history().adverts(0, 51).is_empty());
    lan.run_until(at_nanos(MDI_V2_100_NS));
    assert_eq!(state(&lan, 0), Some(State::Master));
    assert_eq!(
        lan.history().adverts(0, 51).first(),
        Some(&(at_nanos(MDI_V2_100_NS), 100))
    );
    let t = lan.history().transitions();
    assert_eq!(t[0].5, &TransitionReason::Startup);
    assert_eq!(t[1].5, &TransitionReason::MasterDownTimerExpired);
}

#[test]
fn master_adverts_every_advert_interval_after_taking_over() {
    let mut lan = lan_of(vec![instance(100)]);
    lan.run_until(at_secs(7.7));
    let times: Vec<u64> = lan
        .history()
        .adverts(0, 51)
        .iter()
        .map(|(t, _)| t.as_duration().as_nanos() as u64)
        .collect();
    assert_eq!(
        times,
        vec![
            MDI_V2_100_NS,
            MDI_V2_100_NS + 1_000_000_000,
            MDI_V2_100_NS + 2_000_000_000,
            MDI_V2_100_NS + 3_000_000_000,
            MDI_V2_100_NS + 4_000_000_000,
        ]
    );
}

#[test]
fn v3_master_down_interval_scales_skew_with_the_interval() {
    let mut c = instance(100);
    c.version = crate::wire::Version::V3;
    c.advert_interval = Duration::from_millis(100);
    let mut lan = lan_of(vec![c]);
    // 3 × 100 ms + 156 × 100 ms / 256 = 360.9375 ms
    lan.run_until(at_nanos(360_937_499));
    assert_eq!(state(&lan, 0), Some(State::Backup));
    lan.run_until(at_nanos(360_937_500));
    assert_eq!(state(&lan, 0), Some(State::Master));
}

#[test]
fn v2_skew_is_independent_of_the_advert_interval() {
    let mut c = instance(100);
    c.advert_interval = Duration::from_secs(2);
    let mut lan = lan_of(vec![c]);
    // 3 × 2 s + 156/256 s
    lan.run_until(at_nanos(6_609_375_000 - 1));
    assert_eq!(state(&lan, 0), Some(State::Backup));
    lan.run_until(at_nanos(6_609_375_000));
    assert_eq!(state(&lan, 0), Some(State::Master));
}

#[test]
fn down_timer_adverts_changes_the_multiplier() {
    let mut c = instance(100);
    c.down_timer_adverts = 5;
    let mut lan = lan_of(vec![c]);
    lan.run_until(at_nanos(5_609_375_000 - 1));
    assert_eq!(state(&lan, 0), Some(State::Backup));
    lan.run_until(at_nanos(5_609_375_000));
    assert_eq!(state(&lan, 0), Some(State::Master));
}

#[test]
fn owner_starts_as_master_immediately() {
    let lan = lan_of(vec![instance(255)]);
    assert_eq!(state(&lan, 0), Some(State::Master));
    assert_eq!(lan.history().adverts(0, 51), vec![(Instant::ZERO, 255)]);
    assert_eq!(
        lan.history().transitions()[0].5,
        &TransitionReason::StartupAsOwner
    );
}
