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
        prop_assert_eq!(lan.history().holders_at(vip(), lan.now()), [h].into_iter().collect::<BTreeSet<_>>());
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
