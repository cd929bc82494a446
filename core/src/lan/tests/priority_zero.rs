//! 5. Priority 0: shutdown, backup waits only Skew_Time, master answers.

use super::*;
use crate::vrrp::TransitionReason;

#[test]
fn shutdown_master_sends_priority_zero_and_removes_its_vips() {
    let mut lan = lan_of(vec![instance(100), instance(99)]);
    lan.run_until(at_secs(10.0));
    lan.stop(0);
    assert_eq!(
        lan.history().adverts(0, 51).last(),
        Some(&(at_secs(10.0), 0))
    );
    assert!(lan.history().holders_at(vip(), at_secs(10.0)).is_empty());
}

#[test]
fn backup_receiving_priority_zero_takes_over_after_skew_time_only() {
    let mut lan = lan_of(vec![instance(100), instance(99)]);
    lan.run_until(at_secs(10.0));
    lan.stop(0);
    lan.run_until(at_secs(20.0));
    // prio 99: Skew_Time = 157/256 s = 0.61328125 s (lab: 0.617 s measured on keepalived)
    assert_eq!(
        lan.history()
            .first_entry(1, "VI_1", State::Master, at_secs(10.0)),
        Some(at_nanos(10_613_281_250))
    );
    assert_eq!(
        lan.history().transitions().last().unwrap().5,
        &TransitionReason::MasterResigned {
            from: IpAddr::V4(host_addr(0))
        }
    );
}

#[test]
fn master_receiving_priority_zero_sends_an_advert_at_once() {
    // h2 (prio 200) is master; h1 is made master too by a one-way cut, then stops.
    let mut lan = lan_of(vec![instance(100), instance(200)]);
    lan.cut_one_way(1, 0);
    lan.run_until(at_secs(10.0));
    assert_eq!(lan.masters(51), vec![0, 1]);
    let before = lan.history().adverts(1, 51).len();
    lan.run_until(at_secs(10.5));
    let mid = lan.history().adverts(1, 51).len();
    lan.stop(0);
    lan.step();
    let after = lan.history().adverts(1, 51);
    assert!(mid >= before);
    assert_eq!(after.last(), Some(&(at_secs(10.5), 200)));
}
