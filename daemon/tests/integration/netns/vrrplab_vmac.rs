//! `use_vmac` next to keepalived: vrrplab (h1, priority 150) and keepalived (h2, 100) both run
//! VRID 51 with `use_vmac` and VRID 52 with `use_vmac` + `vmac_xmit_base`. vrrplab, master of
//! both, holds each VIP on its macvlan (`vrrp.51`, `vrrp.52`), announces them from the virtual
//! MACs, and sends VRID 51's adverts from 00:00:5e:00:01:33 but VRID 52's from its own MAC
//! (`vmac_xmit_base`); the client learns each VIP at its virtual MAC. After SIGTERM
//! keepalived takes both over — the client's entries keep the same virtual MACs — and h1's
//! macvlans are gone.

use std::net::IpAddr;
use std::time::Duration;

use vrrplab_netns::{KeepalivedInstance, Need};

use super::common::{Lab, V3_ADVERT, instance4, vip4};
use super::daemon::Vrrplab;
use super::scenario::{Takeover, Timer};

const KEEPALIVED: &[Need] = &[Need::Netns, Need::Keepalived];

fn vip52() -> IpAddr {
    "192.0.2.101".parse().unwrap()
}

/// VRID 51 with `use_vmac` and VRID 52 with `use_vmac` and `vmac_xmit_base`.
fn instances(priority: u8) -> Vec<KeepalivedInstance> {
    let mut a = instance4(priority, 100);
    a.extra.push("use_vmac".to_string());
    let mut b = KeepalivedInstance::new(52, priority, 100, "192.0.2.101/24");
    b.extra.push("use_vmac".to_string());
    b.extra.push("vmac_xmit_base".to_string());
    vec![a, b]
}

/// `00:00:5e:00:01:VRID`.
fn vmac(vrid: u8) -> [u8; 6] {
    [0, 0, 0x5e, 0, 1, vrid]
}

#[test]
fn vrrplab_use_vmac_holds_and_announces_vips_on_the_virtual_mac_as_keepalived() {
    let test = "vrrplab_use_vmac_holds_and_announces_vips_on_the_virtual_mac_as_keepalived";
    let Some(mut lab) = Lab::new(test, KEEPALIVED, 2, &[vip4(), vip52()]) else {
        return;
    };
    let h1 = lab.topo.router(1).clone();
    let arp_before = lab
        .topo
        .exec_in(&h1, "sysctl", &["-n", "net.ipv4.conf.eth0.arp_ignore"])
        .unwrap_or_default();
    let v = Vrrplab::start(&lab, 1, &instances(150)).then_keepalived_backup(
        &mut lab,
        &instances(100),
        &[vip4(), vip52()],
    );
    // The client learns the VIPs from the GARPs (a ping's reply would leave through eth0 and
    // its ARP with it, for keepalived as for vrrplab: no arp_announce is set).
    lab.wait_client_neighbour(vip4(), "00:00:5e:00:01:33", Duration::from_secs(2));
    lab.wait_client_neighbour(vip52(), "00:00:5e:00:01:34", Duration::from_secs(2));
    let links = lab
        .topo
        .ip_in(&h1, &["-d", "addr", "show"])
        .unwrap_or_default();
    let running_at = vrrplab_netns::processes::epoch_now();
    v.daemon
        .signal_main(libc::SIGTERM)
        .expect("SIGTERM vrrplab");
    assert!(
        v.daemon.wait_exit(Duration::from_secs(3)),
        "vrrplab ignored SIGTERM:\n{}",
        v.log()
    );
    v.wait_alone(&mut lab, vip4(), &["h2"], Duration::from_secs(3));
    v.wait_alone(&mut lab, vip52(), &["h2"], Duration::from_secs(3));
    lab.wait_client_neighbour(vip4(), "00:00:5e:00:01:33", Duration::from_secs(2));
    let after = lab.topo.ip_in(&h1, &["-br", "link"]).unwrap_or_default();
    let arp_after = lab
        .topo
        .exec_in(&h1, "sysctl", &["-n", "net.ipv4.conf.eth0.arp_ignore"])
        .unwrap_or_default();
    let log = v.log();
    let done = lab.finish();
    let ctx = format!(
        "{}\n--- vrrplab h1\n{log}\n--- h1 addresses while running\n{links}",
        lab.context(&done)
    );

    for (name, mac, vip) in [
        ("vrrp.51", "00:00:5e:00:01:33", vip4()),
        ("vrrp.52", "00:00:5e:00:01:34", vip52()),
    ] {
        let block = links
            .split("\n")
            .skip_while(|l| !l.contains(&format!(" {name}@eth0:")))
            .take(6)
            .collect::<Vec<_>>()
            .join("\n");
        assert!(
            block.contains("macvlan mode private")
                && block.contains(mac)
                && block.contains(&format!("inet {vip}/24")),
            "{name}: private macvlan with {mac} holding {vip}\n{ctx}"
        );
    }
    let h1_ip = lab.router_ip(1);
    let sources = |vrid: u8| -> Vec<[u8; 6]> {
        let mut macs: Vec<[u8; 6]> = done
            .capture
            .adverts()
            .filter(|(e, a)| a.source == h1_ip && a.advert.vrid == vrid && e.time < running_at)
            .map(|(e, _)| e.source_mac)
            .collect();
        macs.dedup();
        macs
    };
    assert_eq!(
        sources(51),
        vec![vmac(51)],
        "VRID 51 adverts from the VMAC\n{ctx}"
    );
    assert_eq!(
        sources(52),
        vec![h1.mac],
        "vmac_xmit_base: VRID 52 adverts from eth0\n{ctx}"
    );
    for vrid in [51, 52] {
        assert!(
            !done
                .capture
                .announcements_from(vmac(vrid), Duration::ZERO)
                .is_empty(),
            "GARPs from the VMAC of VRID {vrid}\n{ctx}"
        );
    }
    assert!(
        done.capture
            .announcements_from(h1.mac, Duration::ZERO)
            .is_empty(),
        "no GARP from h1's own MAC\n{ctx}"
    );
    let takeover = Takeover::after_resignation(&done.capture, h1_ip, lab.router_ip(2), &ctx);
    takeover.assert_gap_within(
        Timer::skew_time(3, V3_ADVERT, 100),
        &done.stalls,
        test,
        &ctx,
    );
    assert!(
        !after.contains("vrrp.51") && !after.contains("vrrp.52"),
        "the macvlans go with the daemon:\n{after}\n{ctx}"
    );
    assert_eq!(
        arp_after.trim(),
        arp_before.trim(),
        "arp_ignore of eth0 restored\n{ctx}"
    );
}

/// IPv6 with `use_vmac`: vrrplab (h1, 150) next to keepalived (h2, 100). vrrplab's adverts
/// leave from 00:00:5e:00:02:33 with h1's link-local address as source (keepalived copies the
/// base's link-local onto the macvlan the same way), keepalived accepts them and stays backup,
/// and the unsolicited NAs come from the virtual MAC.
#[test]
fn vrrplab_ipv6_use_vmac_advertises_from_the_virtual_mac_and_keepalived_stays_backup() {
    let test = "vrrplab_ipv6_use_vmac_advertises_from_the_virtual_mac_and_keepalived_stays_backup";
    let vip6 = super::common::vip6();
    let Some(mut lab) = Lab::new(test, KEEPALIVED, 2, &[vip6]) else {
        return;
    };
    let with_vmac = |priority| {
        let mut i = super::common::instance6(priority, 100);
        i.extra.push("use_vmac".to_string());
        i
    };
    let mut v = Vrrplab::start(&lab, 1, &[with_vmac(150)]).then_keepalived_backup(
        &mut lab,
        &[with_vmac(100)],
        &[vip6],
    );
    std::thread::sleep(Duration::from_millis(1000));
    let log = v.log();
    let done = lab.finish();
    let ctx = format!("{}\n--- vrrplab h1\n{log}", lab.context(&done));
    let (h1, h2) = (lab.router_link_local(1), lab.router_link_local(2));
    let vmac6 = [0, 0, 0x5e, 0, 2, 51];
    let ours: Vec<[u8; 6]> = done
        .capture
        .adverts()
        .filter(|(_, a)| a.source == h1)
        .map(|(e, _)| e.source_mac)
        .collect();
    assert!(
        !ours.is_empty() && ours.iter().all(|m| *m == vmac6),
        "adverts from {h1} at the virtual MAC: {ours:?}\n{ctx}"
    );
    let first = ours.len();
    assert!(
        done.capture
            .adverts()
            .filter(|(_, a)| a.source == h2)
            .all(|(e, _)| e.time
                < done
                    .capture
                    .first_advert_from(h1, 51, Duration::ZERO)
                    .unwrap_or_default()),
        "keepalived stays backup once vrrplab ({first} adverts) is master\n{ctx}"
    );
    assert!(
        !done
            .capture
            .announcements_from(vmac6, Duration::ZERO)
            .is_empty(),
        "NAs from the virtual MAC\n{ctx}"
    );
    v.stop();
}
