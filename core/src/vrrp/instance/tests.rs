//! Instance-level tests: receive validation (8), one named test per rule, driven directly.

use super::Instance;
use crate::Instant;
use crate::io::{Output, RxMeta};
use crate::vrrp::{Defect, DiscardReason, InstanceConfig, State, Timer};
use crate::wire::{Advert, Authentication, ChecksumConvention, Family, Version};
use std::net::IpAddr;
use std::time::Duration;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn group() -> IpAddr {
    Family::Ipv4.multicast_group()
}

fn config() -> InstanceConfig {
    InstanceConfig::new("VI_1", "eth0", 51, &[ip("192.0.2.100")])
}

fn backup(config: InstanceConfig) -> Instance {
    let mut i = Instance::new(config, Some(ip("192.0.2.11")));
    i.start(Instant::ZERO, None);
    while i.poll_output().is_some() {}
    assert_eq!(i.state(), State::Backup);
    i
}

fn advert(priority: u8) -> Advert {
    Advert {
        version: Version::V2,
        vrid: 51,
        priority,
        interval_cs: 100,
        authentication: Authentication::None,
        addresses: vec![ip("192.0.2.100")],
    }
}

fn meta(src: &str, dst: IpAddr, hop_limit: u8) -> RxMeta {
    RxMeta {
        interface: "eth0".into(),
        src: ip(src),
        dst,
        hop_limit,
    }
}

fn bytes(a: &Advert, src: &str, dst: IpAddr) -> Vec<u8> {
    a.to_bytes(ip(src), dst, ChecksumConvention::PseudoHeader)
}

fn receive(i: &mut Instance, a: &Advert) -> Result<(), DiscardReason> {
    i.handle_packet(
        Instant::from_millis(500),
        &meta("192.0.2.12", group(), 255),
        &bytes(a, "192.0.2.12", group()),
    )
}

#[test]
fn valid_higher_advert_is_accepted_and_resets_master_down() {
    let mut i = backup(config());
    assert_eq!(receive(&mut i, &advert(200)), Ok(()));
    assert_eq!(i.counters().adverts_received, 1);
    assert_eq!(
        i.timer(Timer::MasterDown),
        Some(Instant::from_millis(500) + Duration::from_nanos(3_609_375_000))
    );
}

#[test]
fn packet_shorter_than_its_announced_addresses_is_a_length_error() {
    let mut i = backup(config());
    let full = bytes(&advert(200), "192.0.2.12", group());
    let r = i.handle_packet(
        Instant::ZERO,
        &meta("192.0.2.12", group(), 255),
        &full[..full.len() - 1],
    );
    assert_eq!(
        r,
        Err(DiscardReason::Malformed(Defect::Truncated {
            len: full.len() - 1
        }))
    );
    let r = i.handle_packet(Instant::ZERO, &meta("192.0.2.12", group(), 255), &full[..3]);
    assert_eq!(
        r,
        Err(DiscardReason::Malformed(Defect::Truncated { len: 3 }))
    );
    assert_eq!(i.counters().packet_length_errors, 2);
}

#[test]
fn hop_limit_other_than_255_is_discarded_in_multicast_mode() {
    let mut i = backup(config());
    let r = i.handle_packet(
        Instant::ZERO,
        &meta("192.0.2.12", group(), 254),
        &bytes(&advert(200), "192.0.2.12", group()),
    );
    assert_eq!(
        r,
        Err(DiscardReason::Malformed(Defect::HopLimit { received: 254 }))
    );
    assert_eq!(i.counters().ttl_errors, 1);
    // Discarded: the Master_Down timer was not reset.
    assert_eq!(
        i.timer(Timer::MasterDown),
        Some(Instant::from_duration(Duration::from_nanos(3_609_375_000)))
    );
}

#[test]
fn hop_limit_is_not_checked_in_unicast_mode() {
    let mut c = config();
    c.unicast_peers = vec![ip("192.0.2.12")];
    let mut i = backup(c);
    let dst = ip("192.0.2.11");
    let r = i.handle_packet(
        Instant::ZERO,
        &meta("192.0.2.12", dst, 60),
        &bytes(&advert(200), "192.0.2.12", dst),
    );
    assert_eq!(r, Ok(()));
}

#[test]
fn version_other_than_configured_is_discarded() {
    let mut i = backup(config());
    let mut a = advert(200);
    a.version = Version::V3;
    assert_eq!(
        receive(&mut i, &a),
        Err(DiscardReason::VersionMismatch { received: 3 })
    );
    let mut raw = bytes(&advert(200), "192.0.2.12", group());
    raw[0] = 0x41;
    let r = i.handle_packet(Instant::ZERO, &meta("192.0.2.12", group(), 255), &raw);
    assert_eq!(
        r,
        Err(DiscardReason::Malformed(Defect::Version { received: 4 }))
    );
    assert_eq!(i.counters().version_errors, 2);
}

#[test]
fn v2_auth_type_mismatch_and_wrong_password_are_discarded() {
    let mut c = config();
    c.authentication = Authentication::simple_password("secret");
    let mut i = backup(c);
    assert_eq!(
        receive(&mut i, &advert(200)),
        Err(DiscardReason::AuthTypeMismatch { received: 0 })
    );
    let mut a = advert(200);
    a.authentication = Authentication::simple_password("wrong");
    assert_eq!(receive(&mut i, &a), Err(DiscardReason::AuthFailure));
    a.authentication = Authentication::simple_password("secret");
    assert_eq!(receive(&mut i, &a), Ok(()));
    assert_eq!(i.counters().auth_type_mismatches, 1);
    assert_eq!(i.counters().auth_failures, 1);
}

#[test]
fn v2_ip_ah_is_recognised_and_reported_unsupported() {
    let mut c = config();
    c.authentication = Authentication::IpAh;
    let mut i = backup(c);
    let mut a = advert(200);
    a.authentication = Authentication::IpAh;
    assert_eq!(receive(&mut i, &a), Err(DiscardReason::AuthUnsupported));
}

#[test]
fn v2_interval_mismatch_is_discarded() {
    let mut i = backup(config());
    let mut a = advert(200);
    a.interval_cs = 200;
    assert_eq!(
        receive(&mut i, &a),
        Err(DiscardReason::IntervalMismatch { received_cs: 200 })
    );
    assert_eq!(i.counters().interval_errors, 1);
}

#[test]
fn v3_interval_mismatch_is_counted_not_discarded() {
    let mut c = config();
    c.version = Version::V3;
    let mut i = backup(c);
    let mut a = advert(200);
    a.version = Version::V3;
    a.interval_cs = 50;
    assert_eq!(receive(&mut i, &a), Ok(()));
    assert_eq!(i.counters().interval_mismatches_v3, 1);
    assert_eq!(i.master_adver_interval(), Duration::from_millis(500));
}

#[test]
fn message_type_other_than_advertisement_is_discarded() {
    let mut i = backup(config());
    let mut raw = bytes(&advert(200), "192.0.2.12", group());
    raw[0] = 0x22;
    // Recompute the checksum so only the type is wrong.
    let mut p = crate::wire::Packet::new_unchecked(&mut raw[..], Family::Ipv4);
    p.fill_checksum(ip("192.0.2.12"), group(), ChecksumConvention::PseudoHeader);
    let r = i.handle_packet(Instant::ZERO, &meta("192.0.2.12", group(), 255), &raw);
    assert_eq!(
        r,
        Err(DiscardReason::Malformed(Defect::Type { received: 2 }))
    );
}

#[test]
fn bad_checksum_is_discarded() {
    let mut i = backup(config());
    let mut raw = bytes(&advert(200), "192.0.2.12", group());
    raw[6] ^= 0xff;
    let received = u16::from_be_bytes([raw[6], raw[7]]);
    let r = i.handle_packet(Instant::ZERO, &meta("192.0.2.12", group(), 255), &raw);
    assert_eq!(
        r,
        Err(DiscardReason::Malformed(Defect::Checksum { received }))
    );
    assert_eq!(i.counters().checksum_errors, 1);
}

#[test]
fn v3_ipv4_checksum_follows_the_instance_convention() {
    let mut c = config();
    c.version = Version::V3;
    c.checksum_convention = ChecksumConvention::MessageOnly; // v3_checksum_as_v2 / RFC 9568
    let mut i = backup(c);
    let mut a = advert(200);
    a.version = Version::V3;
    let rfc9568 = a.to_bytes(ip("192.0.2.12"), group(), ChecksumConvention::MessageOnly);
    let m = meta("192.0.2.12", group(), 255);
    assert_eq!(i.handle_packet(Instant::ZERO, &m, &rfc9568), Ok(()));
    let keepalived = bytes(&a, "192.0.2.12", group());
    assert_eq!(
        i.handle_packet(Instant::ZERO, &m, &keepalived),
        Err(DiscardReason::ChecksumConvention)
    );
}

#[test]
fn unicast_destination_in_multicast_mode_is_discarded() {
    let mut i = backup(config());
    let dst = ip("192.0.2.11");
    let r = i.handle_packet(
        Instant::ZERO,
        &meta("192.0.2.12", dst, 255),
        &bytes(&advert(200), "192.0.2.12", dst),
    );
    assert_eq!(r, Err(DiscardReason::Destination { received: dst }));
}

#[test]
fn multicast_destination_in_unicast_mode_is_discarded() {
    let mut c = config();
    c.unicast_peers = vec![ip("192.0.2.12")];
    let mut i = backup(c);
    assert_eq!(
        receive(&mut i, &advert(200)),
        Err(DiscardReason::Destination { received: group() })
    );
}

#[test]
fn unicast_source_that_is_not_a_peer_is_discarded_with_check_unicast_src() {
    let mut c = config();
    c.unicast_peers = vec![ip("192.0.2.12")];
    c.check_unicast_src = true;
    let mut i = backup(c);
    let dst = ip("192.0.2.11");
    let r = i.handle_packet(
        Instant::ZERO,
        &meta("192.0.2.99", dst, 255),
        &bytes(&advert(200), "192.0.2.99", dst),
    );
    assert_eq!(
        r,
        Err(DiscardReason::UnicastSource {
            received: ip("192.0.2.99")
        })
    );
}

#[test]
fn address_count_or_list_mismatch_is_counted_not_discarded() {
    let mut i = backup(config());
    let mut a = advert(200);
    a.addresses.push(ip("192.0.2.101"));
    assert_eq!(receive(&mut i, &a), Ok(()));
    assert_eq!(i.counters().address_count_mismatches, 1);
    a.addresses = vec![ip("192.0.2.200")];
    assert_eq!(receive(&mut i, &a), Ok(()));
    assert_eq!(i.counters().address_list_mismatches, 1);
}

#[test]
fn skip_check_adv_addr_does_not_compare_the_address_list() {
    let mut c = config();
    c.skip_check_adv_addr = true;
    let mut i = backup(c);
    let mut a = advert(200);
    a.addresses = vec![ip("192.0.2.200")];
    assert_eq!(receive(&mut i, &a), Ok(()));
    assert_eq!(i.counters().address_list_mismatches, 0);
}

#[test]
fn checks_run_in_keepalived_order_and_only_the_first_failure_counts() {
    let mut c = config();
    c.authentication = Authentication::simple_password("secret");
    let mut i = backup(c);
    let mut raw = bytes(&advert(200), "192.0.2.12", group());
    raw[6] ^= 0xff; // bad checksum, and no auth, and bad TTL below
    let r = i.handle_packet(Instant::ZERO, &meta("192.0.2.12", group(), 1), &raw);
    assert_eq!(
        r,
        Err(DiscardReason::Malformed(Defect::HopLimit { received: 1 }))
    );
    let r = i.handle_packet(Instant::ZERO, &meta("192.0.2.12", group(), 255), &raw);
    assert_eq!(r, Err(DiscardReason::AuthTypeMismatch { received: 0 }));
    let c = i.counters();
    assert_eq!(
        (c.ttl_errors, c.auth_type_mismatches, c.checksum_errors),
        (1, 1, 0)
    );
    assert_eq!(c.discarded(), 2);
}

#[test]
fn strict_owner_ignores_adverts() {
    let mut c = config();
    c.priority = 255;
    c.strict = true;
    let mut i = Instance::new(c, Some(ip("192.0.2.11")));
    i.start(Instant::ZERO, None);
    assert_eq!(i.state(), State::Master);
    assert_eq!(
        receive(&mut i, &advert(255)),
        Err(DiscardReason::OwnerIgnoresAdverts)
    );
    assert_eq!(i.state(), State::Master);
}

#[test]
fn instance_in_fault_does_not_listen() {
    let mut i = backup(config());
    i.set_fault(
        Instant::ZERO,
        Some(crate::vrrp::TransitionReason::InterfaceDown {
            interface: "eth0".into(),
        }),
    );
    assert_eq!(
        receive(&mut i, &advert(200)),
        Err(DiscardReason::NotListening)
    );
    assert_eq!(i.counters().not_listening, 1);
}

#[test]
fn garbage_never_panics() {
    let mut i = backup(config());
    for len in 0..40 {
        let junk: Vec<u8> = (0..len).map(|b| (b * 37 + 11) as u8).collect();
        let _ = i.handle_packet(Instant::ZERO, &meta("192.0.2.12", group(), 255), &junk);
    }
    assert_eq!(i.counters().adverts_received, 0);
}

#[test]
fn master_restarts_its_advert_timer_on_any_packet_for_its_vrid() {
    let mut c = config();
    c.priority = 255;
    let mut i = Instance::new(c, Some(ip("192.0.2.11")));
    i.start(Instant::ZERO, None);
    assert_eq!(i.timer(Timer::Advert), Some(Instant::from_millis(1000)));
    let r = i.handle_packet(
        Instant::from_millis(700),
        &meta("192.0.2.12", group(), 1),
        &bytes(&advert(100), "192.0.2.12", group()),
    );
    assert!(r.is_err());
    assert_eq!(i.timer(Timer::Advert), Some(Instant::from_millis(1700)));
    assert!(std::iter::from_fn(|| i.poll_output()).any(|o| matches!(o, Output::Transmit(_))));
}

#[test]
fn master_keeps_its_advert_timer_when_malformed_datagrams_for_its_vrid_arrive() {
    let mut c = config();
    c.priority = 255;
    let mut i = Instance::new(c, Some(ip("192.0.2.11")));
    i.start(Instant::ZERO, None);
    assert_eq!(i.timer(Timer::Advert), Some(Instant::from_millis(1000)));
    let mut corrupt = bytes(&advert(100), "192.0.2.12", group());
    corrupt[6] ^= 0xff; // checksum no longer verifies
    for (at, payload) in [
        (300, corrupt),
        (600, vec![0x21, 0x01]),
        (700, vec![0x51; 20]),
    ] {
        let r = i.handle_packet(
            Instant::from_millis(at),
            &meta("192.0.2.12", group(), 255),
            &payload,
        );
        assert!(r.is_err(), "datagram at {at} ms must be discarded");
    }
    assert_eq!(i.timer(Timer::Advert), Some(Instant::from_millis(1000)));
}
