//! Wire tests built from real bytes (`frames`), one test per rejection rule, and the round-trip
//! property over every valid advert.

mod adverts;
mod announcements;
mod frames;
mod ip_frames;
mod rejections;
mod round_trip;

use std::net::IpAddr;

/// The IP layer of a captured VRRP frame: addresses, TTL / hop limit and the VRRP message.
struct IpLayer<'a> {
    src: IpAddr,
    dst: IpAddr,
    hop_limit: u8,
    vrrp: &'a [u8],
}

/// Cuts the VRRP message out of an Ethernet frame: IPv4 (through an AH header when the protocol
/// is 51) or IPv6. Test input is trusted: a malformed frame panics the test.
fn ip_layer(frame: &[u8]) -> IpLayer<'_> {
    let eth = super::EthernetFrame::parse(frame).unwrap();
    match eth.ethertype {
        super::ethernet::ETHERTYPE_IPV4 => {
            let (ip, mut payload) = super::Ipv4Header::parse(eth.payload).unwrap();
            assert!(ip.checksum_valid(eth.payload), "IPv4 header checksum");
            if ip.protocol == 51 {
                assert_eq!(payload[0], super::IP_PROTOCOL_VRRP, "AH next header");
                payload = &payload[(usize::from(payload[1]) + 2) * 4..];
            } else {
                assert_eq!(ip.protocol, super::IP_PROTOCOL_VRRP);
            }
            IpLayer {
                src: IpAddr::V4(ip.source),
                dst: IpAddr::V4(ip.destination),
                hop_limit: ip.ttl,
                vrrp: payload,
            }
        }
        super::ethernet::ETHERTYPE_IPV6 => {
            let (ip, payload) = super::ipv6::Ipv6Header::parse(eth.payload).unwrap();
            assert_eq!(ip.next_header, super::IP_PROTOCOL_VRRP);
            IpLayer {
                src: IpAddr::V6(ip.source),
                dst: IpAddr::V6(ip.destination),
                hop_limit: ip.hop_limit,
                vrrp: payload,
            }
        }
        other => panic!("not IP: {other:#06x}"),
    }
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}
