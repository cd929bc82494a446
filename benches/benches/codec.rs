//! Codec benches: parse + validate (checked view, checksum, owned advert) and emit of VRRP v2 /
//! v3 adverts as keepalived sends them, plus the announcement frames. Throughput is one advert
//! (or frame) per iteration, so criterion's time is the cost per advert.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use vrrplab_core::wire::{
    Advert, ArpFrame, Authentication, ChecksumConvention, Family, MacAddress, NeighbourAdvertFrame,
    Packet, Version,
};

/// One benched advert: what keepalived sends for the case, with its IP addresses.
struct Case {
    name: &'static str,
    advert: Advert,
    src: IpAddr,
    dst: IpAddr,
    convention: ChecksumConvention,
}

fn v4(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(a, b, c, d))
}

fn cases() -> Vec<Case> {
    let v6_vip = |last: u16| IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, last));
    vec![
        Case {
            name: "v2_pass_1_addr",
            advert: Advert {
                version: Version::V2,
                vrid: 51,
                priority: 100,
                interval_cs: 100,
                authentication: Authentication::simple_password("1111"),
                addresses: vec![v4(192, 0, 2, 100)],
            },
            src: v4(192, 0, 2, 11),
            dst: Family::Ipv4.multicast_group(),
            convention: ChecksumConvention::MessageOnly,
        },
        Case {
            name: "v3_ipv4_1_addr",
            advert: Advert {
                version: Version::V3,
                vrid: 51,
                priority: 200,
                interval_cs: 10,
                authentication: Authentication::None,
                addresses: vec![v4(192, 0, 2, 100)],
            },
            src: v4(192, 0, 2, 11),
            dst: Family::Ipv4.multicast_group(),
            convention: ChecksumConvention::PseudoHeader,
        },
        Case {
            name: "v3_ipv6_2_addrs",
            advert: Advert {
                version: Version::V3,
                vrid: 63,
                priority: 110,
                interval_cs: 100,
                authentication: Authentication::None,
                addresses: vec![v6_vip(0x100), v6_vip(0x101)],
            },
            src: IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0xff, 0xfe00, 1)),
            dst: Family::Ipv6.multicast_group(),
            convention: ChecksumConvention::PseudoHeader,
        },
        Case {
            name: "v3_ipv4_20_addrs",
            advert: Advert {
                version: Version::V3,
                vrid: 52,
                priority: 150,
                interval_cs: 100,
                authentication: Authentication::None,
                addresses: (0..20).map(|i| v4(192, 0, 2, 100 + i)).collect(),
            },
            src: v4(192, 0, 2, 11),
            dst: Family::Ipv4.multicast_group(),
            convention: ChecksumConvention::PseudoHeader,
        },
    ]
}

/// What a receiver does per advert: checked view, checksum with the instance's convention,
/// owned advert.
fn parse_and_validate(bytes: &[u8], case: &Case) -> Option<Advert> {
    let family = Family::of(&case.src);
    let packet = Packet::new_checked(bytes, family).ok()?;
    if !packet.verify_checksum(case.src, case.dst, case.convention) {
        return None;
    }
    Advert::parse(&packet).ok()
}

fn adverts(c: &mut Criterion) {
    let mut group = c.benchmark_group("advert");
    group.throughput(Throughput::Elements(1));
    for case in cases() {
        let bytes = case.advert.to_bytes(case.src, case.dst, case.convention);
        assert_eq!(
            parse_and_validate(&bytes, &case).as_ref(),
            Some(&case.advert)
        );

        group.bench_function(format!("parse_validate/{}", case.name), |b| {
            b.iter(|| parse_and_validate(black_box(&bytes), &case))
        });
        group.bench_function(format!("detect_checksum/{}", case.name), |b| {
            let packet = Packet::new_checked(&bytes[..], Family::of(&case.src)).unwrap();
            b.iter(|| black_box(&packet).detect_checksum(case.src, case.dst))
        });
        let family = Family::of(&case.src);
        let mut buf = vec![0u8; case.advert.buffer_len(family)];
        group.bench_function(format!("emit/{}", case.name), |b| {
            b.iter(|| {
                let mut packet = Packet::new_unchecked(&mut buf[..], family);
                black_box(&case.advert).emit(&mut packet, case.src, case.dst, case.convention);
            })
        });
        group.bench_function(format!("to_bytes/{}", case.name), |b| {
            b.iter(|| black_box(&case.advert).to_bytes(case.src, case.dst, case.convention))
        });
    }
    group.finish();
}

fn announcements(c: &mut Criterion) {
    let mac = MacAddress([2, 0, 0, 0, 0, 1]);
    let mut group = c.benchmark_group("announce");
    group.throughput(Throughput::Elements(1));
    let garp = ArpFrame::gratuitous(mac, Ipv4Addr::new(192, 0, 2, 100));
    let garp_bytes = garp.to_bytes();
    let mut buf = [0u8; 128];
    group.bench_function("garp/emit", |b| b.iter(|| black_box(&garp).emit(&mut buf)));
    group.bench_function("garp/parse", |b| {
        b.iter(|| ArpFrame::parse(black_box(&garp_bytes)))
    });
    let na = NeighbourAdvertFrame::unsolicited(
        mac,
        Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x100),
        false,
    );
    let na_bytes = na.to_bytes();
    group.bench_function("na/emit", |b| b.iter(|| black_box(&na).emit(&mut buf)));
    group.bench_function("na/parse", |b| {
        b.iter(|| NeighbourAdvertFrame::parse(black_box(&na_bytes)))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default();
    targets = adverts, announcements
}
criterion_main!(benches);
