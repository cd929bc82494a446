//! 10. Announcements on becoming master: advert, then VIPs, then GARP/NA bursts.

use super::*;
use crate::lan::Event;

fn order_at(lan: &Lan, host: usize, at: Instant) -> Vec<&'static str> {
    lan.history()
        .records()
        .iter()
        .filter(|r| r.node == host && r.at == at)
        .filter_map(|r| match r.event {
            Event::Transition { .. } => Some("state"),
            Event::Advert { .. } => Some("advert"),
            Event::AddressAdded { .. } => Some("add"),
            Event::Announce { .. } => Some("garp"),
            _ => None,
        })
        .collect()
}

#[test]
fn new_master_sends_advert_then_adds_vips_then_a_garp_burst() {
    let mut lan = lan_of(vec![instance(100)]);
    lan.run_until(at_secs(4.0));
    assert_eq!(
        order_at(&lan, 0, at_nanos(MDI_V2_100_NS)),
        vec![
            "state", "advert", "add", "garp", "garp", "garp", "garp", "garp"
        ]
    );
}

#[test]
fn second_garp_burst_follows_after_garp_master_delay() {
    let mut lan = lan_of(vec![instance(100)]);
    lan.run_until(at_secs(30.0));
    let garps = lan.history().announces(0);
    let first = at_nanos(MDI_V2_100_NS);
    let second = first + Duration::from_secs(5);
    assert_eq!(garps.iter().filter(|t| **t == first).count(), 5);
    assert_eq!(garps.iter().filter(|t| **t == second).count(), 5);
    assert_eq!(garps.len(), 10, "no refresh by default");
}

#[test]
fn garp_master_refresh_repeats_while_master() {
    let mut c = instance(100);
    c.garp.master_delay = None;
    c.garp.master_refresh = Some(Duration::from_secs(10));
    c.garp.master_refresh_repeat = 2;
    let mut lan = lan_of(vec![c]);
    lan.run_until(at_secs(34.0));
    let first = at_nanos(MDI_V2_100_NS);
    let garps = lan.history().announces(0);
    let refresh: Vec<Instant> = garps.iter().copied().filter(|t| *t > first).collect();
    let ten = Duration::from_secs(10);
    assert_eq!(
        refresh,
        vec![
            first + ten,
            first + ten,
            first + ten * 2,
            first + ten * 2,
            first + ten * 3,
            first + ten * 3
        ]
    );
}

#[test]
fn garp_interval_spaces_the_rounds_of_a_burst() {
    let mut c = instance(100);
    c.garp.interval = Duration::from_millis(10);
    c.garp.master_repeat = 3;
    c.garp.master_delay = None;
    let mut lan = lan_of(vec![c]);
    lan.run_until(at_secs(10.0));
    let first = at_nanos(MDI_V2_100_NS);
    let ms = Duration::from_millis(10);
    assert_eq!(
        lan.history().announces(0),
        vec![first, first + ms, first + ms * 2]
    );
}

#[test]
fn no_second_burst_after_leaving_master() {
    let mut lan = lan_of(vec![instance(100)]);
    lan.run_until(at_secs(5.0));
    lan.add_host("h2", host_config("h2", host_addr(1), vec![instance(255)]));
    lan.run_until(at_secs(20.0));
    assert_eq!(lan.history().announces(0).len(), 5);
}

#[test]
fn garp_lower_prio_repeat_announces_when_a_lower_advert_arrives() {
    let mut high = instance(200);
    high.garp.lower_prio_repeat = 2;
    high.garp.lower_prio_delay = None;
    high.garp.master_delay = None;
    let mut lan = lan_of(vec![instance(100), high]);
    lan.cut_one_way(1, 0);
    lan.run_until(at_secs(10.0));
    // h2 is master from 3.22 s; h1 (deaf to h2) from 3.61 s. h2 announces its own burst (5)
    // plus 2 per lower advert from h1.
    let lower_adverts = lan.history().adverts(0, 51).len();
    assert_eq!(lower_adverts, 7);
    assert_eq!(lan.history().announces(1).len(), 5 + 2 * lower_adverts);
}

#[test]
fn by_default_a_master_hearing_lower_adverts_bursts_five_now_and_five_again_after_five_seconds() {
    // keepalived's defaults, as in the split-brain capture: garp_lower_prio_repeat and
    // garp_lower_prio_delay follow garp_master_repeat (5) and garp_master_delay (5 s).
    let mut high = instance(200);
    high.garp.master_delay = None;
    let mut lan = lan_of(vec![instance(100), high]);
    lan.cut_one_way(1, 0);
    lan.run_until(at_secs(12.0));
    let lower: Vec<Instant> = lan
        .history()
        .adverts(0, 51)
        .iter()
        .map(|(t, _)| *t)
        .collect();
    let garps = lan.history().announces(1);
    let own_burst = 5;
    let immediate = 5 * lower.len();
    let delayed = 5 * lower
        .iter()
        .filter(|t| **t + Duration::from_secs(5) <= at_secs(12.0))
        .count();
    assert!(delayed > 0, "some delayed bursts fall inside the run");
    assert_eq!(garps.len(), own_burst + immediate + delayed);
}

#[test]
fn delayed_lower_priority_bursts_stop_when_the_master_yields() {
    let mut high = instance(200);
    high.garp.master_delay = None;
    let mut lan = lan_of(vec![instance(100), high]);
    lan.cut_one_way(1, 0);
    lan.run_until(at_secs(6.0));
    let before = lan.history().announces(1).len();
    // An owner appears: h2 yields at once; nothing it had scheduled may follow.
    lan.add_host("h3", host_config("h3", host_addr(2), vec![instance(255)]));
    lan.run_until(at_secs(20.0));
    let h2_became_backup = lan
        .history()
        .records()
        .iter()
        .find(|r| {
            r.node == 1
                && matches!(
                    r.event,
                    Event::Transition {
                        from: State::Master,
                        to: State::Backup,
                        ..
                    }
                )
        })
        .map(|r| r.at)
        .expect("h2 yields to the owner");
    let late = lan
        .history()
        .announces(1)
        .iter()
        .filter(|t| **t > h2_became_backup)
        .count();
    assert!(lan.history().announces(1).len() >= before);
    assert_eq!(late, 0);
}
