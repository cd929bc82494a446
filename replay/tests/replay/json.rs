//! The `--json` document of every corpus capture, and the conformance part of `--as` with each
//! host's keepalived.conf, pinned byte for byte: the report's shape and values are an interface.

use std::path::{Path, PathBuf};
use vrrplab_replay::conformance::conformance;
use vrrplab_replay::replay_reader;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/corpus")
}

const CAPTURES: [(&str, &[&str]); 5] = [
    ("v2-steady", &["192.0.2.11", "192.0.2.12"]),
    ("v2-failover-preempt", &["192.0.2.11", "192.0.2.12"]),
    ("v2-kill-master", &["192.0.2.11", "192.0.2.12"]),
    ("split-brain", &["192.0.2.11", "192.0.2.12"]),
    ("v3-ipv4", &["192.0.2.11", "192.0.2.12", "192.0.2.13"]),
];

#[test]
fn replay_json_of_every_corpus_capture_is_unchanged() {
    for (name, _) in CAPTURES {
        let file = std::fs::File::open(corpus_dir().join(format!("{name}.pcap"))).unwrap();
        let report = replay_reader(&format!("{name}.pcap"), file).unwrap();
        let mut bytes = Vec::new();
        report.write_json(&mut bytes).unwrap();
        insta::assert_snapshot!(format!("json_{name}"), String::from_utf8(bytes).unwrap());
    }
}

#[test]
fn conformance_json_of_every_corpus_host_is_unchanged() {
    for (name, routers) in CAPTURES {
        let file = std::fs::File::open(corpus_dir().join(format!("{name}.pcap"))).unwrap();
        let mut report = replay_reader(&format!("{name}.pcap"), file).unwrap();
        let mut all = String::new();
        for (n, router) in routers.iter().enumerate() {
            let conf = corpus_dir().join(format!("{name}.h{}.conf", n + 1));
            let text = std::fs::read_to_string(&conf).unwrap();
            let parsed = vrrplab_core::config::parse_str(
                &format!("{name}.h{}.conf", n + 1),
                &text,
                &vrrplab_core::config::ParseOptions::default(),
            );
            let node = parsed.model.to_node_config();
            for config in [Some(&node), None] {
                let file = std::fs::File::open(corpus_dir().join(format!("{name}.pcap"))).unwrap();
                let value = conformance(file, &report, router.parse().unwrap(), config).unwrap();
                report.conformance = Some(value);
                let mut bytes = Vec::new();
                report.write_json(&mut bytes).unwrap();
                let doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                all.push_str(&format!(
                    "=== {name} as {router} ({}) ===\n{}\n",
                    if config.is_some() {
                        "config"
                    } else {
                        "adverts"
                    },
                    serde_json::to_string_pretty(&doc["conformance"]).unwrap()
                ));
            }
        }
        insta::assert_snapshot!(format!("conformance_{name}"), all);
    }
}

/// Hand-made captures with the finding kinds the corpus does not show (invalid adverts,
/// parameter mismatches, missing GARP / NA, flapping, silence, preemption), pinned as JSON.
#[test]
fn replay_json_of_handmade_findings_is_unchanged() {
    use super::util::*;
    use pcap_file::DataLink;
    use vrrplab_core::wire::{Authentication, Version};
    let (a, b, c) = (ip("192.0.2.11"), ip("192.0.2.12"), ip("192.0.2.13"));
    let vip = [ip("192.0.2.100")];
    let eth =
        |m: u8, src, payload: &[u8], ttl| ethernet_ip(mac(m), None, &ip_packet(src, ttl, payload));
    let mut frames = Vec::new();
    // A master (priority 100, then 105 from the 4th advert), B answers with a different
    // password and interval for a while, C preempts with 110 and goes silent; bad TTL, bad
    // checksum, a truncated advert and an unknown auth type along the way.
    for k in 0..12u64 {
        let prio = if k < 3 { 100 } else { 105 };
        let p = advert(
            Version::V2,
            51,
            prio,
            100,
            a,
            &vip,
            Authentication::simple_password("1111"),
        );
        let ttl = if k == 5 { 64 } else { 255 };
        frames.push((T0 + k * S, eth(1, a, &p, ttl)));
    }
    for k in 0..3u64 {
        let p = advert(
            Version::V2,
            51,
            99,
            200,
            b,
            &vip,
            Authentication::simple_password("2222"),
        );
        frames.push((T0 + S / 2 + k * 2 * S, eth(2, b, &p, 255)));
    }
    let mut bad = advert(Version::V2, 51, 99, 100, b, &vip, Authentication::None);
    bad[6] ^= 0x55;
    frames.push((T0 + 7 * S + S / 3, eth(2, b, &bad, 255)));
    let mut unknown_auth = advert(Version::V2, 51, 99, 100, b, &vip, Authentication::None);
    unknown_auth[4] = 7;
    frames.push((T0 + 8 * S + S / 3, eth(2, b, &unknown_auth, 255)));
    let short = advert(Version::V2, 51, 99, 100, b, &vip, Authentication::None);
    frames.push((T0 + 9 * S + S / 3, eth(2, b, &short[..10], 255)));
    for k in 0..3u64 {
        let p = advert(
            Version::V2,
            51,
            110,
            100,
            c,
            &vip,
            Authentication::simple_password("1111"),
        );
        frames.push((T0 + 12 * S + k * S, eth(3, c, &p, 255)));
    }
    // A flapping pair on VRID 52 with GARPs for some of its takeovers.
    let vip52 = [ip("192.0.2.101")];
    for k in 0..8u64 {
        let (who, m, prio) = if k % 2 == 0 { (a, 1, 100) } else { (b, 2, 99) };
        let p = advert(
            Version::V2,
            52,
            prio,
            100,
            who,
            &vip52,
            Authentication::None,
        );
        for j in 0..2 {
            frames.push((T0 + k * 4 * S + j * S + 1000, eth(m, who, &p, 255)));
        }
        if k % 3 == 0 {
            frames.push((T0 + k * 4 * S + 2_000_000, garp(mac(m), [192, 0, 2, 101])));
        }
    }
    frames.sort_by_key(|f| f.0);
    let report = replay("handmade.pcap", &pcap(DataLink::ETHERNET, &frames));
    let mut bytes = Vec::new();
    report.write_json(&mut bytes).unwrap();
    insta::assert_snapshot!("json_handmade", String::from_utf8(bytes).unwrap());

    // IPv6 over VLAN 7 with a missing NA, v3 at 0.5 s.
    let (a6, b6) = (ip("fe80::11"), ip("fe80::12"));
    let st = story(Version::V3, a6, b6, ip("2001:db8::100"));
    let frames: Vec<_> = st
        .adverts
        .iter()
        .map(|(t, p, m)| (*t, ethernet_ip(*m, Some(7), p)))
        .collect();
    let report = replay("v6.pcap", &pcap(DataLink::ETHERNET, &frames));
    let mut bytes = Vec::new();
    report.write_json(&mut bytes).unwrap();
    insta::assert_snapshot!("json_handmade_v6", String::from_utf8(bytes).unwrap());
}
