//! keepalived-only scenarios: two (or three) keepalived routers on one bridge.

use std::net::IpAddr;
use std::time::Duration;

use vrrplab_netns::{Need, Peer};

use super::common::{
    Lab, VRID, instance4, master_down_interval, ms, skew_time, tolerance, vip4, vip6,
};
use super::replay_check::{
    self, assert_dual_master, assert_failover, assert_no_dual_master, assert_observed_near,
    assert_quiet, assert_resign,
};

const V3_ADVERT: Duration = Duration::from_millis(100);
const KEEPALIVED: &[Need] = &[Need::Netns, Need::Keepalived];
const KEEPALIVED_NFT: &[Need] = &[Need::Netns, Need::Keepalived, Need::Nft];

fn ip(host: &vrrplab_netns::Host) -> IpAddr {
    IpAddr::V4(host.ipv4)
}

/// Gaps between consecutive adverts of one source within `[from, to]`.
fn advert_gaps(times: &[(Duration, u8)], from: Duration, to: Duration) -> Vec<Duration> {
    let t: Vec<Duration> = times
        .iter()
        .map(|(t, _)| *t)
        .filter(|t| *t >= from && *t <= to)
        .collect();
    t.windows(2).map(|w| w[1] - w[0]).collect()
}

#[test]
fn keepalived_v2_steady_state_highest_priority_is_the_only_master() {
    let test = "keepalived_v2_steady_state_highest_priority_is_the_only_master";
    let Some(mut lab) = Lab::new(test, KEEPALIVED, 2, &[vip4()]) else {
        return;
    };
    lab.start_keepalived(1, 2, &[instance4(150, 1000)]);
    lab.start_keepalived(2, 2, &[instance4(100, 1000)]);
    // keepalived starts in BACKUP and waits its own Master_Down_Interval (3.41 s here)
    let became = lab.wait_holders(vip4(), &["h1"], Duration::from_secs(8));
    lab.client_ping(vip4());
    lab.wait_client_neighbour(vip4(), "h1", Duration::from_secs(2));
    std::thread::sleep(Duration::from_millis(3200));
    let end = vrrplab_netns::processes::epoch_now();
    let done = lab.finish();
    let ctx = lab.context(&done);
    let (h1, h2) = (ip(lab.topo.router(1)), ip(lab.topo.router(2)));

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
    let adverts: Vec<_> = done
        .capture
        .adverts()
        .filter(|(_, a)| a.source == h1)
        .collect();
    for (_, a) in &adverts {
        assert_eq!(a.advert.version, vrrplab_core::wire::Version::V2, "{ctx}");
        assert_eq!(
            (a.advert.priority, a.advert.interval_cs, a.hop_limit),
            (150, 100, 255),
            "{ctx}"
        );
        assert_eq!(a.advert.addresses, vec![vip4()], "{ctx}");
    }
    let gaps = advert_gaps(&done.capture.adverts_from(h1, VRID), became, end);
    assert!(
        gaps.len() >= 2,
        "at least three adverts in steady state: {gaps:?}\n{ctx}"
    );
    for g in &gaps {
        assert!(
            g.abs_diff(Duration::from_secs(1)) <= tolerance(),
            "advert interval {:.1} ms, expected 1000 ± {:.0}\n{ctx}",
            ms(*g),
            ms(tolerance())
        );
    }
    // cross-check: `vrrplab replay` on this capture agrees with the harness
    let findings = replay_check::replay(&done.pcap);
    assert_quiet(&findings, VRID, &ctx);
}

#[test]
fn keepalived_master_crash_backup_takes_over_within_master_down_interval() {
    let test = "keepalived_master_crash_backup_takes_over_within_master_down_interval";
    let Some(mut lab) = Lab::new(test, KEEPALIVED, 2, &[vip4()]) else {
        return;
    };
    lab.start_keepalived(1, 3, &[instance4(150, 100)]);
    lab.start_keepalived(2, 3, &[instance4(100, 100)]);
    lab.wait_holders(vip4(), &["h1"], Duration::from_secs(3));
    lab.client_ping(vip4());
    std::thread::sleep(Duration::from_millis(500));
    let crash_at = vrrplab_netns::processes::epoch_now();
    lab.keepalived(1).crash().expect("crash h1");
    // a crashed keepalived leaves its VIP configured: h1 keeps holding it, h2 adds it
    lab.wait_holders(vip4(), &["h1", "h2"], Duration::from_secs(3));
    lab.wait_client_neighbour(vip4(), "h2", Duration::from_secs(2));
    let done = lab.finish();
    let ctx = lab.context(&done);
    let (h1, h2) = (ip(lab.topo.router(1)), ip(lab.topo.router(2)));

    let takeover = done
        .capture
        .first_advert_from(h2, VRID, crash_at)
        .unwrap_or_else(|| panic!("no advert from h2 after the crash\n{ctx}"));
    let last_h1 = done
        .capture
        .last_advert_from(h1, VRID, takeover)
        .unwrap_or_else(|| panic!("no advert from h1 before the takeover\n{ctx}"));
    assert!(
        done.capture.first_resignation_from(h1, VRID).is_none(),
        "a crash sends no priority 0\n{ctx}"
    );
    assert!(
        done.capture
            .adverts_from(h1, VRID)
            .iter()
            .all(|(t, _)| *t <= crash_at + Duration::from_millis(5)),
        "h1 advertised after the crash\n{ctx}"
    );
    let gap = takeover - last_h1;
    let mdi = master_down_interval(3, V3_ADVERT, 100);
    eprintln!(
        "{test}: takeover gap {:.1} ms (Master_Down_Interval {:.1} ms)",
        ms(gap),
        ms(mdi)
    );
    assert!(
        gap <= mdi + tolerance() && gap + Duration::from_millis(5) >= mdi,
        "takeover {:.1} ms after h1's last advert, Master_Down_Interval {:.1} ms (+{:.0} ms allowed)\n{ctx}",
        ms(gap),
        ms(mdi),
        ms(tolerance())
    );
    assert!(
        !done
            .capture
            .announcements_from(lab.topo.router(2).mac, takeover)
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
    let findings = replay_check::replay(&done.pcap);
    let replay_takeover = assert_failover(&findings, VRID, h1, h2, last_h1, takeover, &ctx);
    assert_no_dual_master(&findings, VRID, &ctx);
    let observed = done
        .timeline
        .first_time_held_by(vip4(), &["h1", "h2"], crash_at);
    assert_observed_near(observed, replay_takeover, "h2 adding the VIP", &ctx);
}

#[test]
fn keepalived_graceful_stop_backup_takes_over_within_skew_time() {
    let test = "keepalived_graceful_stop_backup_takes_over_within_skew_time";
    let Some(mut lab) = Lab::new(test, KEEPALIVED, 2, &[vip4()]) else {
        return;
    };
    lab.start_keepalived(1, 3, &[instance4(150, 100)]);
    lab.start_keepalived(2, 3, &[instance4(100, 100)]);
    lab.wait_holders(vip4(), &["h1"], Duration::from_secs(3));
    std::thread::sleep(Duration::from_millis(300));
    let stop_at = vrrplab_netns::processes::epoch_now();
    lab.keepalived(1).stop().expect("SIGTERM h1");
    // a stopping keepalived removes its VIP: exactly one holder again
    lab.wait_holders(vip4(), &["h2"], Duration::from_secs(3));
    let done = lab.finish();
    let ctx = lab.context(&done);
    let (h1, h2) = (ip(lab.topo.router(1)), ip(lab.topo.router(2)));

    let resigned = done
        .capture
        .first_resignation_from(h1, VRID)
        .unwrap_or_else(|| panic!("no priority-0 advert from h1\n{ctx}"));
    assert!(resigned >= stop_at, "{ctx}");
    let takeover = done
        .capture
        .first_advert_from(h2, VRID, resigned)
        .unwrap_or_else(|| panic!("no advert from h2 after h1 resigned\n{ctx}"));
    let gap = takeover - resigned;
    let skew = skew_time(3, V3_ADVERT, 100);
    eprintln!(
        "{test}: priority 0 → takeover {:.1} ms (Skew_Time {:.1} ms)",
        ms(gap),
        ms(skew)
    );
    assert!(
        gap <= skew + tolerance(),
        "takeover {:.1} ms after h1's priority-0 advert, Skew_Time {:.1} ms (+{:.0} ms allowed)\n{ctx}",
        ms(gap),
        ms(skew),
        ms(tolerance())
    );
    assert!(
        done.timeline.multiple_holders(vip4()).is_empty(),
        "a graceful stop never leaves two holders\n{ctx}"
    );
    // cross-check: `vrrplab replay` on this capture agrees with the harness
    let findings = replay_check::replay(&done.pcap);
    assert_resign(&findings, h1, h2, resigned, takeover, &ctx);
    assert_no_dual_master(&findings, VRID, &ctx);
}

#[test]
fn keepalived_one_way_vrrp_block_both_hold_vip_until_unblocked() {
    let test = "keepalived_one_way_vrrp_block_both_hold_vip_until_unblocked";
    let Some(mut lab) = Lab::new(test, KEEPALIVED_NFT, 2, &[vip4()]) else {
        return;
    };
    lab.start_keepalived(1, 3, &[instance4(150, 100)]);
    lab.start_keepalived(2, 3, &[instance4(100, 100)]);
    lab.wait_holders(vip4(), &["h1"], Duration::from_secs(3));
    let (host1, host2) = (lab.topo.router(1).clone(), lab.topo.router(2).clone());
    let block_at = vrrplab_netns::processes::epoch_now();
    lab.topo.block_vrrp(&host1, &host2).expect("block h1 → h2");
    // h2 no longer hears h1 and becomes master too; h1 hears h2's lower priority and stays
    let split = lab.wait_holders(vip4(), &["h1", "h2"], Duration::from_secs(3));
    std::thread::sleep(Duration::from_millis(500));
    let counters = lab.topo.nft_counters(&host2).unwrap_or_default();
    let unblock_at = vrrplab_netns::processes::epoch_now();
    lab.topo.unblock(&host2).expect("unblock");
    let healed = lab.wait_holders(vip4(), &["h1"], Duration::from_secs(3));
    std::thread::sleep(Duration::from_millis(300));
    let end = vrrplab_netns::processes::epoch_now();
    let done = lab.finish();
    let ctx = format!(
        "{}\nnft in h2 before unblock:\n{counters}",
        lab.context(&done)
    );
    let (h1, h2) = (ip(lab.topo.router(1)), ip(lab.topo.router(2)));

    assert!(counters.contains("drop"), "{ctx}");
    insta::assert_snapshot!(
        "one_way_block_vip_holders",
        done.timeline.holder_sequence(vip4()).join(" → ")
    );
    let dual = done.timeline.multiple_holders(vip4());
    assert_eq!(dual.len(), 1, "exactly one split-brain period\n{ctx}");
    assert!(
        dual[0].0 >= block_at && dual[0].1 <= unblock_at + Duration::from_secs(1),
        "{ctx}"
    );
    // the capture agrees: both advertise while blocked, only h1 after healing
    assert_eq!(
        done.capture.advertisers(VRID, split, unblock_at),
        vec![h1, h2],
        "both advertise during the block\n{ctx}"
    );
    assert_eq!(
        done.capture
            .advertisers(VRID, healed + Duration::from_millis(100), end),
        vec![h1],
        "only h1 advertises once healed\n{ctx}"
    );
    let take = done.capture.first_advert_from(h2, VRID, block_at).unwrap();
    let mdi = master_down_interval(3, V3_ADVERT, 100);
    eprintln!(
        "{test}: block → h2 master {:.1} ms (≥ Master_Down_Interval {:.1} ms); unblock → one holder {:.1} ms",
        ms(take - block_at),
        ms(mdi),
        ms(healed.saturating_sub(unblock_at))
    );
    assert!(
        healed.saturating_sub(unblock_at) <= Duration::from_secs(1),
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
    lab.start_keepalived(1, 3, &[instance4(200, 100)]);
    lab.start_keepalived(2, 3, &[instance4(100, 100)]);
    lab.start_keepalived(3, 3, &[instance4(20, 100)]);
    let became = lab.wait_holders(vip4(), &["h1"], Duration::from_secs(3));
    std::thread::sleep(Duration::from_millis(1000));
    let crash_at = vrrplab_netns::processes::epoch_now();
    lab.keepalived(1).crash().expect("crash h1");
    lab.wait_holders(vip4(), &["h1", "h2"], Duration::from_secs(3));
    std::thread::sleep(Duration::from_millis(500));
    let end = vrrplab_netns::processes::epoch_now();
    let done = lab.finish();
    let ctx = lab.context(&done);
    let [h1, h2, h3] = [1, 2, 3].map(|n| ip(lab.topo.router(n)));

    let steady = advert_gaps(&done.capture.adverts_from(h1, VRID), became, crash_at);
    assert!(steady.len() >= 8, "{steady:?}\n{ctx}");
    let mean = steady.iter().sum::<Duration>() / steady.len() as u32;
    eprintln!(
        "{test}: {} v3 adverts, mean interval {:.2} ms, max {:.2} ms",
        steady.len() + 1,
        ms(mean),
        ms(*steady.iter().max().unwrap())
    );
    assert!(
        mean.abs_diff(V3_ADVERT) <= Duration::from_millis(5),
        "mean interval {:.2} ms\n{ctx}",
        ms(mean)
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
    let takeover = done.capture.first_advert_from(h2, VRID, crash_at).unwrap();
    let gap = takeover - done.capture.last_advert_from(h1, VRID, takeover).unwrap();
    let mdi = master_down_interval(3, V3_ADVERT, 100);
    assert!(
        gap <= mdi + tolerance(),
        "gap {:.1} ms, MDI {:.1} ms\n{ctx}",
        ms(gap),
        ms(mdi)
    );
    // cross-check: `vrrplab replay` on this capture agrees with the harness
    let findings = replay_check::replay(&done.pcap);
    let replay_takeover = assert_failover(&findings, VRID, h1, h2, takeover - gap, takeover, &ctx);
    let observed = done
        .timeline
        .first_time_held_by(vip4(), &["h1", "h2"], crash_at);
    assert_observed_near(observed, replay_takeover, "h2 adding the VIP", &ctx);
    assert_no_dual_master(&findings, VRID, &ctx);
}

#[test]
fn keepalived_ipv6_master_crash_backup_takes_over_within_master_down_interval() {
    let test = "keepalived_ipv6_master_crash_backup_takes_over_within_master_down_interval";
    let Some(mut lab) = Lab::new(test, KEEPALIVED, 2, &[vip6()]) else {
        return;
    };
    let instance =
        |prio| vrrplab_netns::KeepalivedInstance::new(VRID, prio, 100, "2001:db8::100/64");
    lab.start_keepalived(1, 3, &[instance(150)]);
    lab.start_keepalived(2, 3, &[instance(100)]);
    lab.wait_holders(vip6(), &["h1"], Duration::from_secs(3));
    lab.client_ping(vip6());
    lab.wait_client_neighbour(vip6(), "h1", Duration::from_secs(2));
    std::thread::sleep(Duration::from_millis(300));
    let crash_at = vrrplab_netns::processes::epoch_now();
    lab.keepalived(1).crash().expect("crash h1");
    lab.wait_holders(vip6(), &["h1", "h2"], Duration::from_secs(3));
    lab.wait_client_neighbour(vip6(), "h2", Duration::from_secs(2));
    let done = lab.finish();
    let ctx = lab.context(&done);
    let ll = |n| IpAddr::V6(lab.topo.router(n).link_local);
    let (h1, h2) = (ll(1), ll(2));

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
            "ff02::12".parse::<IpAddr>().unwrap(),
            "{ctx}"
        );
        assert_eq!(
            (a.hop_limit, a.advert.addresses.clone()),
            (255, vec![vip6()]),
            "{ctx}"
        );
    }
    let takeover = done
        .capture
        .first_advert_from(h2, VRID, crash_at)
        .unwrap_or_else(|| panic!("{ctx}"));
    let gap = takeover
        - done
            .capture
            .last_advert_from(h1, VRID, takeover)
            .unwrap_or_else(|| panic!("{ctx}"));
    let mdi = master_down_interval(3, V3_ADVERT, 100);
    eprintln!(
        "{test}: takeover gap {:.1} ms (Master_Down_Interval {:.1} ms)",
        ms(gap),
        ms(mdi)
    );
    assert!(
        gap <= mdi + tolerance() && gap + Duration::from_millis(5) >= mdi,
        "gap {:.1} ms, MDI {:.1} ms\n{ctx}",
        ms(gap),
        ms(mdi)
    );
    assert!(
        !done
            .capture
            .announcements_from(lab.topo.router(2).mac, takeover)
            .is_empty(),
        "the new master sends unsolicited NAs\n{ctx}"
    );
    // cross-check: `vrrplab replay` on this capture agrees with the harness
    let findings = replay_check::replay(&done.pcap);
    let replay_takeover = assert_failover(&findings, VRID, h1, h2, takeover - gap, takeover, &ctx);
    let observed = done
        .timeline
        .first_time_held_by(vip6(), &["h1", "h2"], crash_at);
    assert_observed_near(observed, replay_takeover, "h2 adding the VIP", &ctx);
    assert_no_dual_master(&findings, VRID, &ctx);
}

#[test]
fn keepalived_unicast_master_crash_backup_takes_over_within_master_down_interval() {
    let test = "keepalived_unicast_master_crash_backup_takes_over_within_master_down_interval";
    let Some(mut lab) = Lab::new(test, KEEPALIVED, 2, &[vip4()]) else {
        return;
    };
    let (h1, h2) = (ip(lab.topo.router(1)), ip(lab.topo.router(2)));
    let unicast = |prio, src, peer| {
        let mut i = instance4(prio, 100);
        i.unicast = Some((src, vec![peer]));
        i
    };
    lab.start_keepalived(1, 3, &[unicast(150, h1, h2)]);
    lab.start_keepalived(2, 3, &[unicast(100, h2, h1)]);
    lab.wait_holders(vip4(), &["h1"], Duration::from_secs(3));
    std::thread::sleep(Duration::from_millis(300));
    let crash_at = vrrplab_netns::processes::epoch_now();
    lab.keepalived(1).crash().expect("crash h1");
    lab.wait_holders(vip4(), &["h1", "h2"], Duration::from_secs(3));
    std::thread::sleep(Duration::from_millis(200));
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
    let takeover = done
        .capture
        .first_advert_from(h2, VRID, crash_at)
        .unwrap_or_else(|| panic!("{ctx}"));
    let to_h1 = done
        .capture
        .adverts()
        .any(|(e, a)| e.time >= takeover && a.source == h2 && a.destination == h1);
    assert!(to_h1, "h2 sends its adverts to h1\n{ctx}");
    let gap = takeover
        - done
            .capture
            .last_advert_from(h1, VRID, takeover)
            .unwrap_or_else(|| panic!("{ctx}"));
    let mdi = master_down_interval(3, V3_ADVERT, 100);
    eprintln!(
        "{test}: takeover gap {:.1} ms (Master_Down_Interval {:.1} ms)",
        ms(gap),
        ms(mdi)
    );
    assert!(
        gap <= mdi + tolerance() && gap + Duration::from_millis(5) >= mdi,
        "gap {:.1} ms, MDI {:.1} ms\n{ctx}",
        ms(gap),
        ms(mdi)
    );
    // cross-check: `vrrplab replay` on this capture agrees with the harness
    let findings = replay_check::replay(&done.pcap);
    let replay_takeover = assert_failover(&findings, VRID, h1, h2, takeover - gap, takeover, &ctx);
    let observed = done
        .timeline
        .first_time_held_by(vip4(), &["h1", "h2"], crash_at);
    assert_observed_near(observed, replay_takeover, "h2 adding the VIP", &ctx);
    assert_no_dual_master(&findings, VRID, &ctx);
}

#[test]
fn keepalived_paused_master_is_replaced_and_preempts_back_on_resume() {
    let test = "keepalived_paused_master_is_replaced_and_preempts_back_on_resume";
    let Some(mut lab) = Lab::new(test, KEEPALIVED, 2, &[vip4()]) else {
        return;
    };
    lab.start_keepalived(1, 3, &[instance4(150, 100)]);
    lab.start_keepalived(2, 3, &[instance4(100, 100)]);
    lab.wait_holders(vip4(), &["h1"], Duration::from_secs(3));
    let pause_at = vrrplab_netns::processes::epoch_now();
    lab.keepalived(1).pause().expect("SIGSTOP h1");
    lab.wait_holders(vip4(), &["h1", "h2"], Duration::from_secs(3));
    std::thread::sleep(Duration::from_millis(300));
    let resume_at = vrrplab_netns::processes::epoch_now();
    lab.keepalived(1).resume().expect("SIGCONT h1");
    // h1 wakes up as master, hears the lower priority and h2 steps back (preempt is on)
    lab.wait_holders(vip4(), &["h1"], Duration::from_secs(3));
    assert!(lab.keepalived(1).is_running(), "h1 survived the pause");
    let done = lab.finish();
    let ctx = lab.context(&done);
    let (h1, h2) = (ip(lab.topo.router(1)), ip(lab.topo.router(2)));

    assert!(
        done.capture
            .adverts_from(h1, VRID)
            .iter()
            .all(|(t, _)| *t <= pause_at + Duration::from_millis(5) || *t >= resume_at),
        "a paused keepalived sends nothing\n{ctx}"
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
    let findings = replay_check::replay(&done.pcap);
    let takeover = done.capture.first_advert_from(h2, VRID, pause_at).unwrap();
    let last_h1 = done.capture.last_advert_from(h1, VRID, takeover).unwrap();
    let replay_takeover = assert_failover(&findings, VRID, h1, h2, last_h1, takeover, &ctx);
    let observed = done
        .timeline
        .first_time_held_by(vip4(), &["h1", "h2"], pause_at);
    assert_observed_near(observed, replay_takeover, "h2 adding the VIP", &ctx);
}

#[test]
fn keepalived_master_link_down_backup_takes_over_and_master_returns_on_link_up() {
    let test = "keepalived_master_link_down_backup_takes_over_and_master_returns_on_link_up";
    let Some(mut lab) = Lab::new(test, KEEPALIVED, 2, &[vip4()]) else {
        return;
    };
    lab.start_keepalived(1, 3, &[instance4(150, 100)]);
    lab.start_keepalived(2, 3, &[instance4(100, 100)]);
    lab.wait_holders(vip4(), &["h1"], Duration::from_secs(3));
    std::thread::sleep(Duration::from_millis(200));
    let host1 = lab.topo.router(1).clone();
    let down_at = vrrplab_netns::processes::epoch_now();
    lab.topo.link_down(&host1).expect("h1's port down");
    // h1 loses carrier (FAULT, VIP not live there); h2 no longer hears h1
    lab.wait_holders(vip4(), &["h2"], Duration::from_secs(3));
    std::thread::sleep(Duration::from_millis(300));
    let up_at = vrrplab_netns::processes::epoch_now();
    lab.topo.link_up(&host1).expect("h1's port up");
    lab.wait_holders(vip4(), &["h1"], Duration::from_secs(5));
    let done = lab.finish();
    let ctx = lab.context(&done);
    let (h1, h2) = (ip(lab.topo.router(1)), ip(lab.topo.router(2)));

    let takeover = done
        .capture
        .first_advert_from(h2, VRID, down_at)
        .unwrap_or_else(|| panic!("no advert from h2 after the link went down\n{ctx}"));
    let gap = takeover
        - done
            .capture
            .last_advert_from(h1, VRID, takeover)
            .unwrap_or_else(|| panic!("{ctx}"));
    let mdi = master_down_interval(3, V3_ADVERT, 100);
    eprintln!(
        "{test}: takeover gap {:.1} ms (Master_Down_Interval {:.1} ms)",
        ms(gap),
        ms(mdi)
    );
    assert!(
        gap <= mdi + tolerance(),
        "gap {:.1} ms, MDI {:.1} ms\n{ctx}",
        ms(gap),
        ms(mdi)
    );
    assert_eq!(
        done.capture.advertisers(VRID, takeover, up_at),
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
    let findings = replay_check::replay(&done.pcap);
    let replay_takeover = assert_failover(&findings, VRID, h1, h2, takeover - gap, takeover, &ctx);
    let observed = done.timeline.first_time_held_by(vip4(), &["h2"], down_at);
    assert_observed_near(observed, replay_takeover, "h2 alone holding the VIP", &ctx);
    assert_no_dual_master(&findings, VRID, &ctx);
}
