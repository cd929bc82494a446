//! keepalived-only scenarios: two (or three) keepalived routers on one bridge.

use std::time::Duration;

use vrrplab_netns::processes::epoch_now;
use vrrplab_netns::{Need, Peer};

use super::common::{
    Lab, V3_ADVERT, VRID, allowance, instance4, instance6, instances4, ms, vip4, vip6,
};
use super::replay_check::{
    self, assert_dual_master, assert_no_dual_master, assert_quiet, assert_resign,
};
use super::scenario::{
    Sighting, Takeover, Timer, advert_gaps, assert_replayed_failover,
    assert_replayed_failover_alone, assert_silent,
};

const KEEPALIVED: &[Need] = &[Need::Netns, Need::Keepalived];
const KEEPALIVED_NFT: &[Need] = &[Need::Netns, Need::Keepalived, Need::Nft];

/// Master_Down_Interval of the priority-100 backup in the v3, 100 ms scenarios (360.9 ms).
fn backup_master_down_interval() -> Timer {
    Timer::master_down_interval(3, V3_ADVERT, 100)
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn millis(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

#[test]
fn keepalived_v2_steady_state_highest_priority_is_the_only_master() {
    let test = "keepalived_v2_steady_state_highest_priority_is_the_only_master";
    let Some(mut lab) = Lab::new(test, KEEPALIVED, 2, &[vip4()]) else {
        return;
    };
    lab.start_keepalived_routers(2, &instances4(&[150, 100], 1000));
    // keepalived starts in BACKUP and waits its own Master_Down_Interval (3.41 s here)
    let became = lab.wait_holders(vip4(), &["h1"], secs(8));
    lab.client_ping(vip4());
    lab.wait_client_neighbour(vip4(), "h1", secs(2));
    std::thread::sleep(millis(3200));
    let end = epoch_now();
    let done = lab.finish();
    let ctx = lab.context(&done);
    let (h1, h2) = (lab.router_ip(1), lab.router_ip(2));

    insta::assert_snapshot!(
        "v2_steady_vip_holders",
        done.timeline.holder_sequence(vip4()).join(" → ")
    );
    assert_eq!(
        done.capture.advertisers(VRID, became, end),
        vec![h1],
        "only h1 advertises in steady state\n{ctx}"
    );
    assert!(
        done.capture.adverts_from(h2, VRID).is_empty(),
        "h2 never advertised\n{ctx}"
    );
    for (_, a) in done.capture.adverts().filter(|(_, a)| a.source == h1) {
        assert_eq!(a.advert.version, vrrplab_core::wire::Version::V2, "{ctx}");
        assert_eq!(
            (a.advert.priority, a.advert.interval_cs, a.hop_limit),
            (150, 100, 255),
            "{ctx}"
        );
        assert_eq!(a.advert.addresses, vec![vip4()], "{ctx}");
    }
    let gaps = advert_gaps(&done.capture, h1, became, end);
    assert!(
        gaps.len() >= 2,
        "at least three adverts in steady state: {gaps:?}\n{ctx}"
    );
    let mut at = done
        .capture
        .first_advert_from(h1, VRID, became)
        .unwrap_or_default();
    for g in &gaps {
        // an interval is off by a stall within it (a late advert) or within the one before
        // (it starts from a late advert)
        let allowed = allowance(&done.stalls, at.saturating_sub(secs(1)), at + *g);
        assert!(
            g.abs_diff(secs(1)) <= allowed,
            "advert interval {:.1} ms, expected 1000 ± {:.1}\n{}{ctx}",
            ms(*g),
            ms(allowed),
            done.stalls.describe(at.saturating_sub(secs(1)), at + *g)
        );
        at += *g;
    }
    // cross-check: `vrrplab replay` on this capture agrees with the harness
    let findings = replay_check::replay(&done.pcap);
    assert_quiet(&findings, VRID, &ctx);
}

#[test]
fn keepalived_master_crash_backup_takes_over_within_master_down_interval() {
    let test = "keepalived_master_crash_backup_takes_over_within_master_down_interval";
    let Some(mut lab) = Lab::master_and_backup(test, KEEPALIVED) else {
        return;
    };
    lab.client_ping(vip4());
    std::thread::sleep(millis(500));
    let crash_at = lab.crash_keepalived(1);
    // a crashed keepalived leaves its VIP configured: h1 keeps holding it, h2 adds it
    lab.wait_holders(vip4(), &["h1", "h2"], secs(3));
    lab.wait_client_neighbour(vip4(), "h2", secs(2));
    let done = lab.finish();
    let ctx = lab.context(&done);
    let (h1, h2) = (lab.router_ip(1), lab.router_ip(2));

    let takeover = Takeover::find(&done.capture, h1, h2, crash_at, &ctx);
    assert!(
        done.capture.first_resignation_from(h1, VRID).is_none(),
        "a crash sends no priority 0\n{ctx}"
    );
    assert_silent(
        &done.capture,
        h1,
        crash_at,
        Duration::MAX,
        "h1 advertised after the crash",
        &ctx,
    );
    takeover.assert_gap_is(backup_master_down_interval(), &done.stalls, test, &ctx);
    assert!(
        !done
            .capture
            .announcements_from(lab.topo.router(2).mac, takeover.first_new)
            .is_empty(),
        "the new master announces the VIP (GARP)\n{ctx}"
    );
    // the observer sees two holders (the crashed node keeps its VIP configured); the capture
    // shows a failover, not a split brain
    insta::assert_snapshot!(
        "crash_vip_holders",
        done.timeline.holder_sequence(vip4()).join(" → ")
    );
    // cross-check: `vrrplab replay` on this capture agrees with the harness
    assert_replayed_failover_alone(
        &done,
        &takeover,
        Sighting::of(vip4(), &["h1", "h2"], crash_at),
        &ctx,
    );
}

#[test]
fn keepalived_graceful_stop_backup_takes_over_within_skew_time() {
    let test = "keepalived_graceful_stop_backup_takes_over_within_skew_time";
    let Some(mut lab) = Lab::master_and_backup(test, KEEPALIVED) else {
        return;
    };
    std::thread::sleep(millis(300));
    let stop_at = lab.stop_keepalived(1);
    // a stopping keepalived removes its VIP: exactly one holder again
    lab.wait_holders(vip4(), &["h2"], secs(3));
    let done = lab.finish();
    let ctx = lab.context(&done);
    let (h1, h2) = (lab.router_ip(1), lab.router_ip(2));

    let takeover = Takeover::after_resignation(&done.capture, h1, h2, &ctx);
    assert!(takeover.last_old >= stop_at, "{ctx}");
    takeover.assert_gap_within(
        Timer::skew_time(3, V3_ADVERT, 100),
        &done.stalls,
        test,
        &ctx,
    );
    assert!(
        done.timeline.multiple_holders(vip4()).is_empty(),
        "a graceful stop never leaves two holders\n{ctx}"
    );
    // cross-check: `vrrplab replay` on this capture agrees with the harness
    let findings = replay_check::replay(&done.pcap);
    assert_resign(
        &findings,
        h1,
        h2,
        takeover.last_old,
        takeover.first_new,
        &ctx,
    );
    assert_no_dual_master(&findings, VRID, &ctx);
}

#[test]
fn keepalived_one_way_vrrp_block_both_hold_vip_until_unblocked() {
    let test = "keepalived_one_way_vrrp_block_both_hold_vip_until_unblocked";
    let Some(mut lab) = Lab::master_and_backup(test, KEEPALIVED_NFT) else {
        return;
    };
    let (host1, host2) = (lab.topo.router(1).clone(), lab.topo.router(2).clone());
    let block_at = epoch_now();
    lab.topo.block_vrrp(&host1, &host2).expect("block h1 → h2");
    // h2 no longer hears h1 and becomes master too; h1 hears h2's lower priority and stays
    let split = lab.wait_holders(vip4(), &["h1", "h2"], secs(3));
    std::thread::sleep(millis(500));
    let counters = lab.topo.nft_counters(&host2).unwrap_or_default();
    let unblock_at = epoch_now();
    lab.topo.unblock(&host2).expect("unblock");
    let healed = lab.wait_holders(vip4(), &["h1"], secs(3));
    std::thread::sleep(millis(300));
    let end = epoch_now();
    let done = lab.finish();
    let ctx = format!(
        "{}\nnft in h2 before unblock:\n{counters}",
        lab.context(&done)
    );
    let (h1, h2) = (lab.router_ip(1), lab.router_ip(2));

    assert!(counters.contains("drop"), "{ctx}");
    insta::assert_snapshot!(
        "one_way_block_vip_holders",
        done.timeline.holder_sequence(vip4()).join(" → ")
    );
    let dual = done.timeline.multiple_holders(vip4());
    assert_eq!(dual.len(), 1, "exactly one split-brain period\n{ctx}");
    assert!(
        dual[0].0 >= block_at && dual[0].1 <= unblock_at + secs(1),
        "{ctx}"
    );
    // the capture agrees: both advertise while blocked, only h1 after healing
    assert_eq!(
        done.capture.advertisers(VRID, split, unblock_at),
        vec![h1, h2],
        "both advertise during the block\n{ctx}"
    );
    assert_eq!(
        done.capture.advertisers(VRID, healed + millis(100), end),
        vec![h1],
        "only h1 advertises once healed\n{ctx}"
    );
    let take = done
        .capture
        .first_advert_from(h2, VRID, block_at)
        .unwrap_or_else(|| panic!("no advert from h2 after the block\n{ctx}"));
    eprintln!(
        "{test}: block → h2 master {:.1} ms (≥ Master_Down_Interval {:.1} ms); unblock → one holder {:.1} ms",
        ms(take - block_at),
        ms(backup_master_down_interval().value),
        ms(healed.saturating_sub(unblock_at))
    );
    assert!(
        healed.saturating_sub(unblock_at) <= secs(1),
        "dual mastership ends within an advert interval of the unblock (observer and nft latency included)\n{ctx}"
    );
    // cross-check: `vrrplab replay` on this capture agrees with the harness
    let findings = replay_check::replay(&done.pcap);
    // replay's split brain (from adverts) and the observer's (from addresses) agree
    let (observed_from, observed_to, _) = dual[0].clone();
    assert_dual_master(&findings, VRID, &[h1, h2], observed_from, observed_to, &ctx);
}

#[test]
fn keepalived_v3_100ms_adverts_highest_priority_wins_and_next_takes_over() {
    let test = "keepalived_v3_100ms_adverts_highest_priority_wins_and_next_takes_over";
    let Some(mut lab) = Lab::new(test, KEEPALIVED, 3, &[vip4()]) else {
        return;
    };
    lab.start_keepalived_routers(3, &instances4(&[200, 100, 20], 100));
    let became = lab.wait_holders(vip4(), &["h1"], secs(3));
    std::thread::sleep(millis(1000));
    let crash_at = lab.crash_keepalived(1);
    lab.wait_holders(vip4(), &["h1", "h2"], secs(3));
    std::thread::sleep(millis(500));
    let end = epoch_now();
    let done = lab.finish();
    let ctx = lab.context(&done);
    let [h1, h2, h3] = [1, 2, 3].map(|n| lab.router_ip(n));

    let steady = advert_gaps(&done.capture, h1, became, crash_at);
    assert!(steady.len() >= 8, "{steady:?}\n{ctx}");
    let mean = steady.iter().sum::<Duration>() / steady.len() as u32;
    eprintln!(
        "{test}: {} v3 adverts, mean interval {:.2} ms, max {:.2} ms",
        steady.len() + 1,
        ms(mean),
        ms(steady.iter().max().copied().unwrap_or_default())
    );
    // A stall of the VM delays the adverts it overlaps: their sum grows by at most the stalls
    // measured in the window, the mean by that over the number of gaps.
    let stalled = done.stalls.within(became, crash_at);
    let allowed = millis(5) + stalled / steady.len() as u32;
    assert!(
        mean.abs_diff(V3_ADVERT) <= allowed,
        "mean interval {:.2} ms, allowed ±{:.2} ms ({:.1} ms of stalls in the window)\n{ctx}",
        ms(mean),
        ms(allowed),
        ms(stalled)
    );
    for (e, a) in done.capture.adverts().filter(|(_, a)| a.source == h1) {
        assert_eq!(
            (a.advert.version, a.advert.interval_cs),
            (vrrplab_core::wire::Version::V3, 10),
            "at {:?}\n{ctx}",
            e.time
        );
    }
    assert_eq!(
        done.capture.advertisers(VRID, became, crash_at),
        vec![h1],
        "{ctx}"
    );
    // h2 (Master_Down 360.9 ms) beats h3 (392.2 ms); h3 never advertises
    assert_eq!(
        done.capture.advertisers(VRID, crash_at, end),
        vec![h2],
        "{ctx}"
    );
    assert!(done.capture.adverts_from(h3, VRID).is_empty(), "{ctx}");
    let takeover = Takeover::find(&done.capture, h1, h2, crash_at, &ctx);
    takeover.assert_gap_within(backup_master_down_interval(), &done.stalls, test, &ctx);
    // cross-check: `vrrplab replay` on this capture agrees with the harness
    assert_replayed_failover_alone(
        &done,
        &takeover,
        Sighting::of(vip4(), &["h1", "h2"], crash_at),
        &ctx,
    );
}

#[test]
fn keepalived_ipv6_master_crash_backup_takes_over_within_master_down_interval() {
    let test = "keepalived_ipv6_master_crash_backup_takes_over_within_master_down_interval";
    let Some(mut lab) = Lab::new(test, KEEPALIVED, 2, &[vip6()]) else {
        return;
    };
    lab.start_keepalived_routers(3, &[instance6(150, 100), instance6(100, 100)]);
    lab.wait_holders(vip6(), &["h1"], secs(3));
    lab.client_ping(vip6());
    lab.wait_client_neighbour(vip6(), "h1", secs(2));
    std::thread::sleep(millis(300));
    let crash_at = lab.crash_keepalived(1);
    lab.wait_holders(vip6(), &["h1", "h2"], secs(3));
    lab.wait_client_neighbour(vip6(), "h2", secs(2));
    let done = lab.finish();
    let ctx = lab.context(&done);
    let (h1, h2) = (lab.router_link_local(1), lab.router_link_local(2));

    let adverts: Vec<_> = done
        .capture
        .adverts()
        .filter(|(_, a)| a.source == h1)
        .collect();
    assert!(
        !adverts.is_empty(),
        "h1 advertises from its link-local address\n{ctx}"
    );
    for (_, a) in &adverts {
        assert_eq!(
            a.destination,
            "ff02::12".parse::<std::net::IpAddr>().unwrap(),
            "{ctx}"
        );
        assert_eq!(
            (a.hop_limit, a.advert.addresses.clone()),
            (255, vec![vip6()]),
            "{ctx}"
        );
    }
    let takeover = Takeover::find(&done.capture, h1, h2, crash_at, &ctx);
    takeover.assert_gap_is(backup_master_down_interval(), &done.stalls, test, &ctx);
    assert!(
        !done
            .capture
            .announcements_from(lab.topo.router(2).mac, takeover.first_new)
            .is_empty(),
        "the new master sends unsolicited NAs\n{ctx}"
    );
    // cross-check: `vrrplab replay` on this capture agrees with the harness
    assert_replayed_failover_alone(
        &done,
        &takeover,
        Sighting::of(vip6(), &["h1", "h2"], crash_at),
        &ctx,
    );
}

#[test]
fn keepalived_unicast_master_crash_backup_takes_over_within_master_down_interval() {
    let test = "keepalived_unicast_master_crash_backup_takes_over_within_master_down_interval";
    let Some(mut lab) = Lab::new(test, KEEPALIVED, 2, &[vip4()]) else {
        return;
    };
    let (h1, h2) = (lab.router_ip(1), lab.router_ip(2));
    let unicast = |prio, src, peer| {
        let mut i = instance4(prio, 100);
        i.unicast = Some((src, vec![peer]));
        i
    };
    lab.start_keepalived_routers(3, &[unicast(150, h1, h2), unicast(100, h2, h1)]);
    lab.wait_holders(vip4(), &["h1"], secs(3));
    std::thread::sleep(millis(300));
    let crash_at = lab.crash_keepalived(1);
    lab.wait_holders(vip4(), &["h1", "h2"], secs(3));
    std::thread::sleep(millis(200));
    let done = lab.finish();
    let ctx = lab.context(&done);

    let from_h1: Vec<_> = done
        .capture
        .adverts()
        .filter(|(_, a)| a.source == h1)
        .collect();
    assert!(
        !from_h1.is_empty(),
        "the promiscuous bridge capture sees unicast adverts\n{ctx}"
    );
    assert!(
        from_h1.iter().all(|(_, a)| a.destination == h2),
        "h1 sends to its peer only\n{ctx}"
    );
    let takeover = Takeover::find(&done.capture, h1, h2, crash_at, &ctx);
    let to_h1 = done
        .capture
        .adverts()
        .any(|(e, a)| e.time >= takeover.first_new && a.source == h2 && a.destination == h1);
    assert!(to_h1, "h2 sends its adverts to h1\n{ctx}");
    takeover.assert_gap_is(backup_master_down_interval(), &done.stalls, test, &ctx);
    // cross-check: `vrrplab replay` on this capture agrees with the harness
    assert_replayed_failover_alone(
        &done,
        &takeover,
        Sighting::of(vip4(), &["h1", "h2"], crash_at),
        &ctx,
    );
}

#[test]
fn keepalived_paused_master_is_replaced_and_preempts_back_on_resume() {
    let test = "keepalived_paused_master_is_replaced_and_preempts_back_on_resume";
    let Some(mut lab) = Lab::master_and_backup(test, KEEPALIVED) else {
        return;
    };
    let pause_at = lab.pause_keepalived(1);
    lab.wait_holders(vip4(), &["h1", "h2"], secs(3));
    std::thread::sleep(millis(300));
    let resume_at = lab.resume_keepalived(1);
    // h1 wakes up as master, hears the lower priority and h2 steps back (preempt is on)
    lab.wait_holders(vip4(), &["h1"], secs(3));
    assert!(lab.keepalived(1).is_running(), "h1 survived the pause");
    let done = lab.finish();
    let ctx = lab.context(&done);
    let (h1, h2) = (lab.router_ip(1), lab.router_ip(2));

    assert_silent(
        &done.capture,
        h1,
        pause_at,
        resume_at,
        "a paused keepalived sends nothing",
        &ctx,
    );
    assert!(
        done.capture
            .first_advert_from(h2, VRID, pause_at)
            .is_some_and(|t| t < resume_at),
        "{ctx}"
    );
    assert!(
        done.capture
            .first_advert_from(h1, VRID, resume_at)
            .is_some(),
        "h1 advertises again\n{ctx}"
    );
    assert_eq!(
        done.timeline.multiple_holders(vip4()).len(),
        1,
        "one split period, during the pause\n{ctx}"
    );
    // cross-check: `vrrplab replay` on this capture agrees with the harness
    let takeover = Takeover::find(&done.capture, h1, h2, pause_at, &ctx);
    assert_replayed_failover(
        &done,
        &takeover,
        Sighting::of(vip4(), &["h1", "h2"], pause_at),
        &ctx,
    );
}

#[test]
fn keepalived_master_link_down_backup_takes_over_and_master_returns_on_link_up() {
    let test = "keepalived_master_link_down_backup_takes_over_and_master_returns_on_link_up";
    let Some(mut lab) = Lab::master_and_backup(test, KEEPALIVED) else {
        return;
    };
    std::thread::sleep(millis(200));
    let host1 = lab.topo.router(1).clone();
    let down_at = epoch_now();
    lab.topo.link_down(&host1).expect("h1's port down");
    // h1 loses carrier (FAULT, VIP not live there); h2 no longer hears h1
    lab.wait_holders(vip4(), &["h2"], secs(3));
    std::thread::sleep(millis(300));
    let up_at = epoch_now();
    lab.topo.link_up(&host1).expect("h1's port up");
    lab.wait_holders(vip4(), &["h1"], secs(5));
    let done = lab.finish();
    let ctx = lab.context(&done);
    let (h1, h2) = (lab.router_ip(1), lab.router_ip(2));

    let takeover = Takeover::find(&done.capture, h1, h2, down_at, &ctx);
    takeover.assert_gap_within(backup_master_down_interval(), &done.stalls, test, &ctx);
    assert_eq!(
        done.capture.advertisers(VRID, takeover.first_new, up_at),
        vec![h2],
        "the bridge hears only h2 while h1's port is down\n{ctx}"
    );
    assert!(
        done.capture.first_advert_from(h1, VRID, up_at).is_some(),
        "h1 preempts after the link comes back\n{ctx}"
    );
    assert!(
        lab.keepalived(1).logs().contains("FAULT"),
        "keepalived on h1 went through FAULT\n{ctx}"
    );
    // cross-check: `vrrplab replay` on this capture agrees with the harness
    assert_replayed_failover_alone(
        &done,
        &takeover,
        Sighting::of(vip4(), &["h2"], down_at),
        &ctx,
    );
}
