//! The daemon's receive path (IPv4 header / IPv6 ancillary decode, then validation and the
//! state machine) under arbitrary bytes: the CI-sized smoke run of the cargo-fuzz target
//! `receive_path`, through the same harness ([`harness`]). Also replays the fuzz seeds in
//! `fuzz/seeds/receive_path/` and checks they are what [`seeds`] builds.

#[allow(dead_code)] // shared with the fuzz target, which uses a different subset
pub mod harness;

use harness::Rig;
use proptest::prelude::*;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use vrrplab_core::wire::{Advert, Authentication, ChecksumConvention, Version};

const US_V4: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 11);
const PEER_V4: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 12);
const GROUP_V4: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);
const PEER_V6: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0xff, 0xfe00, 2);
const GROUP_V6: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12);

/// Control bits of a harness record: clock step of 4 s (every instance MASTER by then).
const AFTER_4S: u8 = 0b110;
/// Control bit of a harness record: IPv6.
const V6: u8 = 1;

fn advert(version: Version, vrid: u8, priority: u8, interval_cs: u16, vips: &[&str]) -> Advert {
    Advert {
        version,
        vrid,
        priority,
        interval_cs,
        authentication: match version {
            Version::V2 => Authentication::SimplePassword(*b"secret\0\0"),
            _ => Authentication::None,
        },
        addresses: vips.iter().map(|a| a.parse().unwrap()).collect(),
    }
}

/// An IPv4 datagram as an IPv4 raw socket returns it (header checksum left zero: the kernel
/// checked it already, the decoder does not look).
fn ipv4_datagram(src: Ipv4Addr, dst: Ipv4Addr, ttl: u8, advert: &Advert) -> Vec<u8> {
    let payload = advert.to_bytes(src.into(), dst.into(), ChecksumConvention::PseudoHeader);
    let total = u16::try_from(20 + payload.len()).unwrap();
    let mut d = vec![0x45, 0, 0, 0, 0, 0, 0, 0, ttl, 112, 0, 0];
    d[2..4].copy_from_slice(&total.to_be_bytes());
    d.extend_from_slice(&src.octets());
    d.extend_from_slice(&dst.octets());
    d.extend_from_slice(&payload);
    d
}

fn ipv6_payload(advert: &Advert) -> Vec<u8> {
    advert.to_bytes(
        PEER_V6.into(),
        GROUP_V6.into(),
        ChecksumConvention::PseudoHeader,
    )
}

fn record(control: u8, bytes: &[u8]) -> Vec<u8> {
    let mut r = vec![control, u8::try_from(bytes.len()).unwrap()];
    r.extend_from_slice(bytes);
    r
}

/// The fuzz seeds: named harness inputs that each reach a different part of the receive path.
pub fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    let v2 = |prio| advert(Version::V2, 51, prio, 100, &["192.0.2.100"]);
    let v3 = |prio| advert(Version::V3, 52, prio, 10, &["192.0.2.101", "192.0.2.102"]);
    let v6 = |prio| advert(Version::V3, 51, prio, 10, &["2001:db8::100"]);
    let uni = advert(Version::V3, 53, 100, 100, &["192.0.2.103"]);
    vec![
        (
            "v2_higher_priority_backup",
            record(0, &ipv4_datagram(PEER_V4, GROUP_V4, 255, &v2(200))),
        ),
        (
            "v3_lower_priority_at_master",
            record(AFTER_4S, &ipv4_datagram(PEER_V4, GROUP_V4, 255, &v3(100))),
        ),
        (
            "v3_priority_zero_then_higher",
            [
                record(AFTER_4S, &ipv4_datagram(PEER_V4, GROUP_V4, 255, &v3(0))),
                record(0, &ipv4_datagram(PEER_V4, GROUP_V4, 255, &v3(250))),
            ]
            .concat(),
        ),
        (
            "unicast_from_peer",
            record(0, &ipv4_datagram(PEER_V4, US_V4, 64, &uni)),
        ),
        (
            "v6_higher_priority_backup",
            record(V6, &ipv6_payload(&v6(200))),
        ),
        (
            "v6_lower_priority_at_master",
            record(V6 | AFTER_4S, &ipv6_payload(&v6(100))),
        ),
        (
            "unknown_vrid",
            record(
                0,
                &ipv4_datagram(
                    PEER_V4,
                    GROUP_V4,
                    255,
                    &advert(Version::V3, 99, 100, 10, &[]),
                ),
            ),
        ),
        ("short_header", record(0, &[0x45, 0, 0, 20])),
    ]
}

fn seed_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/seeds/receive_path")
}

#[test]
fn fuzz_seed_files_match_the_seeds_built_here() {
    // VRRPLAB_UPDATE_SEEDS=1 rewrites them.
    let dir = seed_dir();
    for (name, bytes) in seeds() {
        let path = dir.join(name);
        if std::env::var_os("VRRPLAB_UPDATE_SEEDS").is_some() {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &bytes).unwrap();
        }
        let on_disk = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(
            on_disk, bytes,
            "{name} is stale: rerun with VRRPLAB_UPDATE_SEEDS=1"
        );
    }
}

#[test]
fn fuzz_seeds_reach_accepted_adverts_in_backup_and_master() {
    let mut saw_master = false;
    for (name, bytes) in seeds() {
        let mut rig = Rig::new();
        rig.feed(&bytes);
        saw_master |= rig.masters() > 0;
        match name {
            "short_header" => assert_eq!(rig.decode_errors, 1, "{name}"),
            "unknown_vrid" => assert_eq!(rig.accepted(), 0, "{name}\n{}", rig.report()),
            _ => assert!(
                rig.accepted() > 0,
                "{name} was discarded:\n{}",
                rig.report()
            ),
        }
    }
    assert!(saw_master, "no seed ran into a MASTER instance");
}

#[test]
fn every_committed_fuzz_corpus_file_replays_without_a_panic() {
    // Seeds plus any crash reproducers committed next to them.
    let mut files = 0;
    for entry in std::fs::read_dir(seed_dir()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        Rig::new().feed(&bytes);
        files += 1;
    }
    assert!(files >= seeds().len());
}

/// One seed with up to 8 bytes overwritten: valid adverts bent a little reach deeper checks
/// than random bytes do.
fn mutated_seed() -> impl Strategy<Value = Vec<u8>> {
    let n = seeds().len();
    (
        0..n,
        prop::collection::vec((any::<u16>(), any::<u8>()), 0..8),
    )
        .prop_map(|(i, edits)| {
            let mut bytes = seeds().swap_remove(i).1;
            for (at, value) in edits {
                let len = bytes.len();
                bytes[usize::from(at) % len] = value;
            }
            bytes
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_bytes_through_the_receive_path_are_counted_never_panic(
        data in prop::collection::vec(any::<u8>(), 0..600)
    ) {
        let mut rig = Rig::new();
        rig.feed(&data);
    }

    #[test]
    fn mutated_adverts_through_the_receive_path_are_counted_never_panic(
        data in mutated_seed()
    ) {
        let mut rig = Rig::new();
        rig.feed(&data);
    }
}

#[test]
fn seed_source_addresses_are_what_the_harness_assumes() {
    // The harness's IPv6 source table starts with PEER_V6, the unicast instance's peer is
    // PEER_V4: a changed constant would silently turn the seeds into discards.
    assert_eq!(
        IpAddr::from(PEER_V6),
        "fe80::ff:fe00:2".parse::<IpAddr>().unwrap()
    );
    assert!(harness::CONFIG.contains(&PEER_V4.to_string()));
}
