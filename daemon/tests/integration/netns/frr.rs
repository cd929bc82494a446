//! keepalived and FRR vrrpd on one segment.

use std::time::Duration;

use vrrplab_netns::{FrrRouter, FrrVrrpd, Need, Peer};

use super::common::{Lab, V3_ADVERT, VRID, instance4, ms, vip4};
use super::scenario::{STARTED, Sighting, Takeover, Timer, assert_replayed_failover_alone};

#[test]
fn keepalived_v3_and_frr_vrrpd_agree_on_one_master() {
    let test = "keepalived_v3_and_frr_vrrpd_agree_on_one_master";
    let needs = [Need::Netns, Need::Keepalived, Need::Frr];
    let Some(mut lab) = Lab::new(test, &needs, 2, &[vip4()]) else {
        return;
    };
    let h2_host = lab.topo.router(2).clone();
    let mut frr = FrrVrrpd::new(
        &lab.topo,
        &h2_host,
        &[FrrRouter {
            vrid: VRID,
            version: 3,
            priority: 150,
            advert_int_ms: 100,
            vip: "192.0.2.100".parse().unwrap(),
        }],
    )
    .expect("prepare FRR on h2");
    frr.start()
        .unwrap_or_else(|e| panic!("start FRR: {e}\n{}", frr.logs()));
    let frr_ctx = |frr: &FrrVrrpd| format!("--- FRR logs\n{}", frr.logs());
    let frr_alone = |lab: &Lab, timeout| {
        lab.observer()
            .wait_for("h2 (FRR) alone holds the VIP", timeout, |s| {
                s.holders_of(vip4()) == ["h2"]
            })
            .unwrap_or_else(|e| panic!("{e}\n{}\n{}", lab.logs(), frr_ctx(&frr)))
    };
    // FRR (priority 150) is master before keepalived (100) starts, and keepalived stays
    // backup. `start` returns once vrrpd's vty socket exists, not once its virtual router runs
    // (it needs the interface from zebra first): started right away, keepalived could time out
    // first on a loaded machine and hold the VIP until FRR's first advert — two holders and a
    // second failover in the capture, before the crash this test measures.
    let became = frr_alone(&lab, Duration::from_secs(6));
    lab.start_keepalived(1, 3, &[instance4(100, 100)]);
    lab.wait_keepalived_log(1, STARTED, Duration::from_secs(3));
    frr_alone(&lab, Duration::from_secs(1));
    std::thread::sleep(Duration::from_millis(1000));
    let show = frr.show_vrrp_json().unwrap_or_default();
    let crash_at = vrrplab_netns::processes::epoch_now();
    frr.crash().expect("crash FRR");
    // FRR leaves its macvlan up with the VIP; keepalived adds the VIP on eth0
    let taken = lab.wait_holders(vip4(), &["h1", "h2"], Duration::from_secs(3));
    let done = lab.finish();
    let ctx = format!(
        "{}\n{}\nshow vrrp json:\n{show}",
        lab.context(&done),
        frr_ctx(&frr)
    );
    let (h1, h2) = (lab.router_ip(1), lab.router_ip(2));

    assert!(show.contains("Master"), "FRR reports itself master\n{ctx}");
    assert!(
        done.timeline
            .multiple_holders(vip4())
            .iter()
            .all(|(from, _, _)| *from >= crash_at),
        "one holder until FRR crashed\n{ctx}"
    );
    assert_eq!(
        done.capture.advertisers(VRID, became, crash_at),
        vec![h2],
        "only FRR advertises while it runs\n{ctx}"
    );
    let frr_adverts: Vec<_> = done
        .capture
        .adverts()
        .filter(|(_, a)| a.source == h2)
        .collect();
    assert!(
        frr_adverts
            .iter()
            .all(|(e, a)| e.source_mac == [0, 0, 0x5e, 0, 1, VRID] && a.advert.priority == 150),
        "FRR advertises from the virtual MAC with priority 150\n{ctx}"
    );
    let takeover = Takeover::find(&done.capture, h2, h1, crash_at, &ctx);
    eprintln!(
        "{test}: keepalived seen holding the VIP {:.0} ms after FRR crashed",
        ms(taken - crash_at)
    );
    takeover.assert_gap_within(
        Timer::master_down_interval(3, V3_ADVERT, 100),
        &done.stalls,
        test,
        &ctx,
    );
    // cross-check: `vrrplab replay` on this capture agrees with the harness
    assert_replayed_failover_alone(
        &done,
        &takeover,
        Sighting::of(vip4(), &["h1", "h2"], crash_at),
        &ctx,
    );
}
