//! The harness itself: latency, deterministic loss, cuts.

use super::*;

fn lossy(seed: u64) -> Lan {
    let mut lan = Lan::new(seed);
    lan.set_loss(300_000);
    lan.add_host("h1", host_config("h1", host_addr(0), vec![instance(100)]));
    lan.add_host("h2", host_config("h2", host_addr(1), vec![instance(99)]));
    lan.run_until(at_secs(300.0));
    lan
}

#[test]
fn same_seed_gives_the_same_history_and_another_seed_a_different_one() {
    assert_eq!(lossy(5).history(), lossy(5).history());
    assert_ne!(lossy(5).history(), lossy(6).history());
}

#[test]
fn heavy_loss_causes_takeovers_that_are_all_recorded_with_reasons() {
    let lan = lossy(5);
    let takeovers = lan
        .history()
        .transitions()
        .into_iter()
        .filter(|t| t.1 == 1 && t.4 == State::Master)
        .count();
    assert!(
        takeovers > 0,
        "30% loss over 300 s should let h2 take over at least once"
    );
}

#[test]
fn per_pair_latency_delays_only_that_direction() {
    let mut lan = lan_of(vec![instance(100), instance(99)]);
    lan.set_latency(0, 1, Duration::from_millis(30));
    lan.run_until(at_secs(10.0));
    lan.stop(0);
    lan.run_until(at_secs(20.0));
    // The priority-0 advert arrives 30 ms late, then Skew_Time (157/256 s).
    assert_eq!(
        lan.history()
            .first_entry(1, "VI_1", State::Master, at_secs(10.0)),
        Some(at_nanos(10_030_000_000 + 613_281_250))
    );
}

#[test]
fn two_way_cut_gives_dual_masters_and_heal_ends_it() {
    let mut lan = lan_of(vec![instance(100), instance(99)]);
    lan.run_until(at_secs(10.0));
    lan.cut(0, 1);
    lan.run_until(at_secs(20.0));
    assert_eq!(lan.masters(51), vec![0, 1]);
    assert_eq!(lan.history().holders_at(vip(), at_secs(20.0)).len(), 2);
    lan.heal(0, 1);
    lan.run_until(at_secs(21.0));
    assert_eq!(lan.masters(51), vec![0]);
}

#[test]
fn crashed_host_receives_nothing_and_restarts_as_backup() {
    let mut lan = lan_of(vec![instance(100), instance(99)]);
    lan.run_until(at_secs(10.0));
    lan.crash(1);
    assert!(lan.node(1).is_none());
    lan.run_until(at_secs(15.0));
    lan.restart(1);
    assert_eq!(state(&lan, 1), Some(State::Backup));
    lan.run_until(at_secs(30.0));
    assert_eq!(lan.masters(51), vec![0]);
}

#[test]
fn reload_of_the_master_moves_the_vip_set_without_an_election() {
    let mut lan = lan_of(vec![instance(100), instance(99)]);
    lan.run_until(at_secs(10.0));
    let new_vip = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 200));
    let mut c = InstanceConfig::new("VI_1", "eth0", 51, &[new_vip]);
    c.priority = 100;
    lan.reload(0, host_config("h1", host_addr(0), vec![c]));
    lan.run_until(at_secs(20.0));
    let after: Vec<_> = lan
        .history()
        .transitions()
        .into_iter()
        .filter(|t| t.0 >= at_secs(10.0))
        .collect();
    assert!(after.is_empty(), "{after:?}");
    assert!(lan.history().holders_at(vip(), at_secs(20.0)).is_empty());
    assert_eq!(
        lan.history().holders_at(new_vip, at_secs(20.0)),
        [0].into_iter().collect()
    );
    // h2 counts the address-list mismatch but stays backup.
    let st = &lan.node(1).unwrap().instances()[0];
    assert_eq!(st.state, State::Backup);
    assert!(st.counters.address_list_mismatches >= 9);
}
