//! Property tests: election converges to the highest priority, and dual mastership after a
//! healed cut ends within one advert interval of the higher-priority router.

use super::*;
use crate::vrrp::timing::master_down_interval;
use crate::wire::Version;
use proptest::prelude::*;
use std::collections::BTreeSet;

/// Distinct priorities 1–254 for 2–5 routers.
fn priorities() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::btree_set(1u8..=254, 2..=5).prop_map(|s| s.into_iter().collect())
}

fn router(priority: u8, version: Version, interval: Duration) -> InstanceConfig {
    let mut c = instance(priority);
    c.version = version;
    c.advert_interval = interval;
    c
}

/// (version, interval): v2 whole seconds 1–3, or v3 10 ms – 2 s in centiseconds.
fn timing() -> impl Strategy<Value = (Version, Duration)> {
    prop_oneof![
        (1u64..=3).prop_map(|s| (Version::V2, Duration::from_secs(s))),
        (1u64..=200).prop_map(|cs| (Version::V3, Duration::from_millis(cs * 10))),
    ]
}

fn latency() -> Duration {
    Duration::from_micros(300)
}

fn masters(lan: &Lan) -> BTreeSet<usize> {
    lan.masters(51).into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn connected_lan_has_exactly_one_master_the_highest_within_startup_plus_master_down(
        mut prios in priorities(),
        (version, interval) in timing(),
        offsets_ms in prop::collection::vec(0u64..5000, 5),
        seed in any::<u64>(),
    ) {
        prios.reverse();
        let mut lan = Lan::new(seed);
        lan.set_default_latency(latency());
        let mut starts: Vec<(u64, u8)> = offsets_ms.iter().copied().zip(prios.iter().copied()).collect();
        starts.sort();
        let mut highest = (0usize, 0u8, Instant::ZERO);
        for (i, (offset, prio)) in starts.iter().enumerate() {
            lan.run_until(Instant::from_millis(*offset));
            let name = format!("h{}", i + 1);
            lan.add_host(&name, host_config(&name, host_addr(i), vec![router(*prio, version, interval)]));
            if *prio > highest.1 {
                highest = (i, *prio, Instant::from_millis(*offset));
            }
        }
        let (h, prio, started) = highest;
        let deadline = started
            + master_down_interval(version, prio, interval, 3)
            + latency()
            + Duration::from_millis(1);
        lan.run_until(deadline);
        prop_assert_eq!(masters(&lan), [h].into_iter().collect::<BTreeSet<_>>(), "seed {}", seed);
        lan.run_for(interval * 20);
        prop_assert_eq!(masters(&lan), [h].into_iter().collect::<BTreeSet<_>>(), "seed {}", seed);
        // Routers that start later enter BACKUP (from INIT); nothing else may move.
        let late = lan
            .history()
            .transitions()
            .into_iter()
            .filter(|t| t.0 > deadline && t.3 != State::Init)
            .count();
        prop_assert_eq!(late, 0, "no flapping once converged");
        prop_assert_eq!(lan.history().holders_at(vip(), lan.now()), [h].into_iter().collect::<BTreeSet<_>>());
    }

    #[test]
    fn v3_routers_with_different_intervals_elect_the_highest_and_adopt_its_interval(
        mut prios in priorities(),
        intervals_cs in prop::collection::vec(1u64..=200, 5),
        offsets_ms in prop::collection::vec(0u64..=20, 5),
        seed in any::<u64>(),
    ) {
        prios.reverse();
        let mut lan = Lan::new(seed);
        lan.set_default_latency(latency());
        let mut starts: Vec<(u64, u8, Duration)> = offsets_ms
            .iter()
            .zip(&prios)
            .zip(&intervals_cs)
            .map(|((o, p), cs)| (*o, *p, Duration::from_millis(cs * 10)))
            .collect();
        starts.sort();
        let mut highest = (0usize, 0u8, Instant::ZERO, Duration::ZERO);
        for (i, (offset, prio, interval)) in starts.iter().enumerate() {
            lan.run_until(Instant::from_millis(*offset));
            let name = format!("h{}", i + 1);
            let c = router(*prio, Version::V3, *interval);
            lan.add_host(&name, host_config(&name, host_addr(i), vec![c]));
            if *prio > highest.1 {
                highest = (i, *prio, Instant::from_millis(*offset), *interval);
            }
        }
        let (h, prio, started, interval) = highest;
        let deadline = started
            + master_down_interval(Version::V3, prio, interval, 3)
            + latency()
            + Duration::from_millis(1);
        lan.run_until(deadline);
        prop_assert_eq!(masters(&lan), [h].into_iter().collect::<BTreeSet<_>>(), "seed {}", seed);
        lan.run_for(interval * 20);
        prop_assert_eq!(masters(&lan), [h].into_iter().collect::<BTreeSet<_>>(), "seed {}", seed);
        let late = lan.history().transitions().into_iter().filter(|t| t.0 > deadline).count();
        prop_assert_eq!(late, 0, "no flapping once converged");
        for (i, st) in (0..starts.len()).map(|i| (i, lan.node(i).unwrap().instances()[0].clone())) {
            if i != h {
                prop_assert_eq!(st.master_adver_interval, interval);
            }
        }
    }

    #[test]
    fn dual_mastership_after_a_healed_cut_ends_within_one_advert_interval(
        mut prios in priorities(),
        (version, interval) in timing(),
        cut_extra_ms in 0u64..10_000,
        one_way in any::<bool>(),
        seed in any::<u64>(),
    ) {
        prios.reverse();
        let configs: Vec<InstanceConfig> = prios.iter().map(|p| router(*p, version, interval)).collect();
        let mut lan = lan_of(configs);
        lan.set_default_latency(latency());
        let settle = master_down_interval(version, 1, interval, 3) * 2;
        lan.run_for(settle);
        prop_assert_eq!(masters(&lan), [0].into_iter().collect::<BTreeSet<_>>());
        // Cut the master off (both ways, or only its adverts out) until another takes over.
        for b in 1..prios.len() {
            lan.cut_one_way(0, b);
            if !one_way {
                lan.cut_one_way(b, 0);
            }
        }
        lan.run_for(settle + Duration::from_millis(cut_extra_ms));
        prop_assert_eq!(masters(&lan), [0, 1].into_iter().collect::<BTreeSet<_>>(), "split brain expected");
        let healed = lan.now();
        lan.heal_all();
        lan.run_until(healed + interval + latency() * 2);
        prop_assert_eq!(masters(&lan), [0].into_iter().collect::<BTreeSet<_>>(), "seed {}", seed);
        lan.run_for(interval * 10);
        prop_assert_eq!(masters(&lan), [0].into_iter().collect::<BTreeSet<_>>());
    }
}

/// A fault to inject into a 3-host Lan.
#[derive(Debug, Clone)]
enum Fault {
    Crash(usize),
    Restart(usize),
    Stop(usize),
    Cut(usize, usize),
    CutOneWay(usize, usize),
    HealAll,
    InterfaceDown(usize),
    InterfaceUp(usize),
    Loss(u32),
}

fn fault() -> impl Strategy<Value = Fault> {
    let h = 0usize..3;
    prop_oneof![
        h.clone().prop_map(Fault::Crash),
        h.clone().prop_map(Fault::Restart),
        h.clone().prop_map(Fault::Stop),
        (h.clone(), h.clone()).prop_map(|(a, b)| Fault::Cut(a, b)),
        (h.clone(), h.clone()).prop_map(|(a, b)| Fault::CutOneWay(a, b)),
        Just(Fault::HealAll),
        h.clone().prop_map(Fault::InterfaceDown),
        h.prop_map(Fault::InterfaceUp),
        (0u32..=500_000).prop_map(Fault::Loss),
    ]
}

fn apply(lan: &mut Lan, fault: &Fault) {
    match *fault {
        Fault::Crash(h) => lan.crash(h),
        Fault::Restart(h) => lan.restart(h),
        Fault::Stop(h) => lan.stop(h),
        Fault::Cut(a, b) if a != b => lan.cut(a, b),
        Fault::CutOneWay(a, b) if a != b => lan.cut_one_way(a, b),
        Fault::Cut(..) | Fault::CutOneWay(..) => {}
        Fault::HealAll => lan.heal_all(),
        Fault::InterfaceDown(h) => lan.set_interface(h, "eth0", false),
        Fault::InterfaceUp(h) => lan.set_interface(h, "eth0", true),
        Fault::Loss(p) => lan.set_loss(p),
    }
}

/// At the end of every instant, the hosts holding the VIP are exactly the hosts in MASTER.
fn vip_follows_mastership(history: &crate::lan::History) -> Result<(), String> {
    use crate::lan::Event;
    let mut masters = BTreeSet::new();
    let mut holders = BTreeSet::new();
    let records = history.records();
    for (i, r) in records.iter().enumerate() {
        match &r.event {
            Event::Transition { to, .. } => {
                if *to == State::Master {
                    masters.insert(r.node);
                } else {
                    masters.remove(&r.node);
                }
            }
            Event::AddressAdded { .. } => {
                holders.insert(r.node);
            }
            Event::AddressRemoved { .. } => {
                holders.remove(&r.node);
            }
            Event::Crashed => {
                masters.remove(&r.node);
                holders.remove(&r.node);
            }
            _ => {}
        }
        let end_of_instant = records.get(i + 1).is_none_or(|n| n.at != r.at);
        if end_of_instant && masters != holders {
            return Err(format!(
                "at {}: masters {masters:?} but VIP holders {holders:?}",
                r.at
            ));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_fault_schedules_keep_vips_on_masters_only_and_recover_to_the_highest(
        schedule in prop::collection::vec((0u64..60_000, fault()), 0..12),
        seed in any::<u64>(),
    ) {
        let mut lan = Lan::new(seed);
        for (i, p) in [200u8, 150, 100].into_iter().enumerate() {
            let name = format!("h{}", i + 1);
            lan.add_host(&name, host_config(&name, host_addr(i), vec![instance(p)]));
        }
        lan.set_default_latency(latency());
        let mut schedule = schedule;
        schedule.sort_by_key(|(t, _)| *t);
        for (t, f) in &schedule {
            lan.run_until(Instant::from_millis(*t));
            apply(&mut lan, f);
        }
        lan.run_until(Instant::from_millis(60_000));
        // Repair everything, then one start-up wait + Master_Down later the highest is master.
        lan.set_loss(0);
        lan.heal_all();
        for h in 0..3 {
            if lan.node(h).is_none() {
                lan.restart(h);
            }
            lan.set_interface(h, "eth0", true);
        }
        lan.run_for(Duration::from_secs(10));
        prop_assert_eq!(masters(&lan), [0].into_iter().collect::<BTreeSet<_>>(), "seed {} schedule {:?}", seed, schedule);
        let end = lan.now();
        lan.run_for(Duration::from_secs(60));
        let late = lan.history().transitions().into_iter().filter(|t| t.0 > end).count();
        prop_assert_eq!(late, 0, "flapping in steady state");
        if let Err(e) = vip_follows_mastership(lan.history()) {
            prop_assert!(false, "{} (seed {}, schedule {:?})", e, seed, schedule);
        }
    }
}
