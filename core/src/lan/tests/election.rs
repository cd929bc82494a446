//! 3. Backup receive rules, 4. master receive rules, 6. owners.

use super::*;
use crate::vrrp::TransitionReason;
use crate::wire::Version;

#[test]
fn higher_priority_wins_and_lower_stays_backup_while_adverts_arrive() {
    let mut lan = lan_of(vec![instance(100), instance(99)]);
    lan.run_until(at_secs(60.0));
    assert_eq!(state(&lan, 0), Some(State::Master));
    assert_eq!(state(&lan, 1), Some(State::Backup));
    assert!(lan.history().adverts(1, 51).is_empty());
    // h1's Master_Down (3.609 s) beats h2's (3.613 s); h2 never advertised.
    assert_eq!(
        lan.history()
            .first_entry(0, "VI_1", State::Master, Instant::ZERO),
        Some(at_nanos(MDI_V2_100_NS))
    );
}

#[test]
fn backup_takes_over_master_down_interval_after_the_last_advert() {
    let mut lan = lan_of(vec![instance(100), instance(99)]);
    lan.run_until(at_secs(10.0));
    let last = lan.history().adverts(0, 51).last().unwrap().0;
    lan.crash(0);
    lan.run_until(at_secs(20.0));
    // prio 99: 3 s + 157/256 s = 3.61328125 s after the last advert it heard
    let takeover = lan
        .history()
        .first_entry(1, "VI_1", State::Master, at_secs(10.0))
        .unwrap();
    assert_eq!(takeover - last, Duration::from_nanos(3_613_281_250));
    assert_eq!(
        lan.history().transitions().last().unwrap().5,
        &TransitionReason::MasterDownTimerExpired
    );
}

#[test]
fn higher_priority_router_preempts_a_lower_master() {
    let mut lan = lan_of(vec![instance(50)]);
    lan.run_until(at_secs(10.0));
    assert_eq!(state(&lan, 0), Some(State::Master));
    let h2 = lan.add_host("h2", host_config("h2", host_addr(1), vec![instance(200)]));
    lan.run_until(at_secs(30.0));
    assert_eq!(state(&lan, h2), Some(State::Master));
    assert_eq!(state(&lan, 0), Some(State::Backup));
    // h2 ignores the lower adverts, so it takes over exactly its Master_Down_Interval
    // (3 s + 56/256 s) after it started.
    assert_eq!(
        lan.history()
            .first_entry(h2, "VI_1", State::Master, Instant::ZERO),
        Some(at_nanos(10_000_000_000 + 3_218_750_000))
    );
    let demoted = lan
        .history()
        .transitions()
        .into_iter()
        .find(|t| t.1 == 0 && t.4 == State::Backup && t.0 > at_secs(1.0))
        .unwrap();
    assert_eq!(
        demoted.5,
        &TransitionReason::HigherPriorityAdvert {
            from: IpAddr::V4(host_addr(1)),
            priority: 200
        }
    );
    assert_eq!(demoted.0, at_nanos(13_218_750_000));
    assert_eq!(
        lan.history().holders_at(vip(), at_secs(30.0)),
        [h2].into_iter().collect()
    );
}

#[test]
fn equal_priority_tie_is_won_by_the_higher_primary_address() {
    let mut lan = lan_of(vec![instance(100), instance(100)]);
    lan.run_until(at_secs(30.0));
    // Both time out together; h2 (192.0.2.12) > h1 (192.0.2.11) wins.
    assert_eq!(lan.masters(51), vec![1]);
}

#[test]
fn tie_break_compares_addresses_unsigned_in_network_order() {
    use crate::vrrp::instance::address_greater;
    let a: IpAddr = "200.0.0.1".parse().unwrap();
    let b: IpAddr = "10.0.0.2".parse().unwrap();
    assert!(address_greater(a, b));
    assert!(!address_greater(b, a));
    let c: IpAddr = "fe80::2".parse().unwrap();
    let d: IpAddr = "fe80::1:0".parse().unwrap();
    assert!(address_greater(d, c));
}

#[test]
fn master_answers_a_lower_priority_advert_at_once() {
    // Both think they are master (h1 cannot hear h2); h2 hears h1's lower adverts and answers.
    let mut lan = lan_of(vec![instance(100), instance(200)]);
    lan.cut_one_way(1, 0);
    lan.run_until(at_secs(20.0));
    assert_eq!(lan.masters(51), vec![0, 1]);
    let h1_adverts: Vec<Instant> = lan.history().adverts(0, 51).iter().map(|a| a.0).collect();
    let h2_adverts: Vec<Instant> = lan.history().adverts(1, 51).iter().map(|a| a.0).collect();
    for t in h1_adverts.iter().filter(|t| **t > at_secs(5.0)) {
        assert!(h2_adverts.contains(t), "no immediate answer at {t}");
    }
}

#[test]
fn lower_prio_no_advert_keeps_the_master_silent_on_lower_adverts() {
    let mut high = instance(200);
    high.lower_prio_no_advert = true;
    let mut lan = lan_of(vec![instance(100), high]);
    lan.cut_one_way(1, 0);
    lan.run_until(at_secs(20.0));
    // Only the periodic adverts: one per second, no answers.
    let h2 = lan.history().adverts(1, 51);
    let late = h2.iter().filter(|a| a.0 > at_secs(5.0)).count();
    assert_eq!(late, 15);
}

#[test]
fn v3_backup_adopts_the_masters_advert_interval() {
    let mut fast = instance(200);
    fast.version = Version::V3;
    fast.advert_interval = Duration::from_millis(500);
    let mut slow = instance(100);
    slow.version = Version::V3;
    slow.advert_interval = Duration::from_secs(1);
    let mut lan = lan_of(vec![fast, slow]);
    lan.run_until(at_secs(10.0));
    let status = &lan.node(1).unwrap().instances()[0];
    assert_eq!(status.state, State::Backup);
    assert_eq!(status.master_adver_interval, Duration::from_millis(500));
    // 3 × 0.5 s + 156 × 0.5 s / 256
    assert_eq!(
        status.master_down_interval,
        Duration::from_nanos(1_804_687_500)
    );
    assert!(status.counters.interval_mismatches_v3 > 0);
    assert_eq!(status.counters.interval_errors, 0);
}

#[test]
fn two_owners_on_one_link_the_higher_address_stays_master() {
    let mut lan = lan_of(vec![instance(255), instance(255)]);
    lan.run_until(at_secs(10.0));
    assert_eq!(lan.masters(51), vec![1]);
    assert_eq!(state(&lan, 0), Some(State::Backup));
    assert_eq!(
        lan.history().holders_at(vip(), at_secs(10.0)),
        [1].into_iter().collect()
    );
}

#[test]
fn owner_takes_over_at_once_from_a_lower_master() {
    let mut lan = lan_of(vec![instance(100)]);
    lan.run_until(at_secs(10.0));
    let owner = lan.add_host(
        "owner",
        host_config("owner", host_addr(1), vec![instance(255)]),
    );
    assert_eq!(state(&lan, owner), Some(State::Master));
    lan.run_until(at_secs(10.0));
    assert_eq!(lan.masters(51), vec![owner]);
}

#[test]
fn higher_prio_send_advert_makes_the_yielding_master_advertise_once_more() {
    let mut low = instance(100);
    low.higher_prio_send_advert = true;
    let mut lan = lan_of(vec![low]);
    lan.run_until(at_secs(10.0));
    lan.add_host("h2", host_config("h2", host_addr(1), vec![instance(200)]));
    lan.run_until(at_secs(20.0));
    let yielded = lan
        .history()
        .first_entry(0, "VI_1", State::Backup, at_secs(10.0))
        .unwrap();
    assert_eq!(lan.history().adverts(0, 51).last(), Some(&(yielded, 100)));
}

#[test]
fn backup_accepts_an_equal_priority_advert_and_resets_its_timer() {
    // h2 (higher address) wins the tie; h1 keeps hearing prio 100 = its own and stays backup.
    let mut lan = lan_of(vec![instance(100), instance(100)]);
    lan.run_until(at_secs(60.0));
    let st = &lan.node(0).unwrap().instances()[0];
    assert_eq!(st.state, State::Backup);
    assert_eq!(st.master, Some((IpAddr::V4(host_addr(1)), 100)));
    assert_eq!(st.counters.lower_priority_ignored, 0);
}

#[test]
fn owner_backs_off_to_254_when_a_lower_address_owner_keeps_advertising() {
    // h1 (lower address) is an owner that ignores adverts (strict: owner_ignore_adverts), like
    // an RFC owner; h2 (higher address) would win the tie, but h1 never yields.
    let mut rogue = instance(255);
    rogue.strict = true;
    let mut lan = lan_of(vec![rogue, instance(255)]);
    lan.run_until(at_secs(10.0));
    assert_eq!(lan.masters(51), vec![0], "h2 backed off and yielded");
    let st = &lan.node(1).unwrap().instances()[0];
    assert_eq!(st.state, State::Backup);
    assert_eq!(st.effective_priority, 254);
    // h2 first hears the rogue at 1 s (it started just after h1's first advert), backs off at
    // the first rogue advert more than 2 adverts + 1.2 × 1 s later (5 s), and yields to the
    // next 255 advert (6 s).
    assert_eq!(
        lan.history()
            .first_entry(1, "VI_1", State::Backup, at_secs(0.5)),
        Some(at_secs(6.0))
    );
    // The rogue stops: h2 takes over and is a full owner again.
    lan.stop(0);
    lan.run_until(at_secs(20.0));
    assert_eq!(lan.masters(51), vec![1]);
    assert_eq!(lan.node(1).unwrap().instances()[0].effective_priority, 255);
}
