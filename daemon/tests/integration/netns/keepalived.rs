//! keepalived-only scenarios: two (or three) keepalived routers on one bridge.

use std::net::IpAddr;
use std::time::Duration;

use vrrplab_netns::{Need, Peer};

use super::common::{
    Lab, VRID, instance4, master_down_interval, ms, skew_time, tolerance, vip4, vip6,
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

    assert!(
        done.timeline.multiple_holders(vip4()).is_empty(),
        "two holders\n{ctx}"
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
}
