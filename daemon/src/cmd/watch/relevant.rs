//! Which captured frames the watch analyses (and keeps with `--pcap`): those that can be VRRP,
//! an address announcement or an ICMP error quoting VRRP, and those too short or too strange to
//! tell (so garbage is counted). Ordinary traffic on a busy interface is skipped cheaply.

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_ARP: u16 = 0x0806;
const ETHERTYPE_IPV6: u16 = 0x86dd;
const ETHERTYPE_VLAN: [u16; 3] = [0x8100, 0x88a8, 0x9100];
const PROTO_ICMP: u8 = 1;
const PROTO_ICMPV6: u8 = 58;
const PROTO_VRRP: u8 = 112;

/// Whether an Ethernet frame is analysed.
pub fn ethernet(frame: &[u8]) -> bool {
    let mut at = 12;
    loop {
        let Some(t) = frame.get(at..at + 2) else {
            return true;
        };
        let ethertype = u16::from_be_bytes([t[0], t[1]]);
        if ETHERTYPE_VLAN.contains(&ethertype) {
            at += 4;
            continue;
        }
        return match ethertype {
            ETHERTYPE_ARP => true,
            ETHERTYPE_IPV4 | ETHERTYPE_IPV6 => ip(&frame[at + 2..]),
            _ => false,
        };
    }
}

/// Whether a raw IP packet is analysed.
pub fn ip(packet: &[u8]) -> bool {
    let Some(first) = packet.first() else {
        return true;
    };
    let protocol = match first >> 4 {
        4 => packet.get(9),
        6 => packet.get(6),
        _ => return true,
    };
    protocol.is_none_or(|p| matches!(*p, PROTO_VRRP | PROTO_ICMP | PROTO_ICMPV6))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eth(ethertype: [u8; 2], body: &[u8]) -> Vec<u8> {
        let mut f = vec![0u8; 12];
        f.extend_from_slice(&ethertype);
        f.extend_from_slice(body);
        f
    }

    fn ipv4(protocol: u8) -> Vec<u8> {
        let mut p = vec![0x45, 0, 0, 20, 0, 0, 0, 0, 255, protocol];
        p.resize(20, 0);
        p
    }

    #[test]
    fn vrrp_arp_and_icmp_are_kept_and_tcp_udp_and_other_ethertypes_skipped() {
        assert!(ethernet(&eth([0x08, 0x00], &ipv4(112))));
        assert!(ethernet(&eth([0x08, 0x06], &[0; 28])));
        assert!(ethernet(&eth([0x08, 0x00], &ipv4(1))));
        assert!(!ethernet(&eth([0x08, 0x00], &ipv4(6))));
        assert!(!ethernet(&eth([0x08, 0x00], &ipv4(17))));
        assert!(!ethernet(&eth([0x88, 0xcc], &[0; 40])));
        let mut v6 = vec![0x60, 0, 0, 0, 0, 8, 58, 255];
        v6.resize(40, 0);
        assert!(ethernet(&eth([0x86, 0xdd], &v6)));
        v6[6] = 17;
        assert!(!ethernet(&eth([0x86, 0xdd], &v6)));
    }

    #[test]
    fn vlan_tags_are_skipped_and_garbage_is_kept_to_be_counted() {
        let mut tagged = vec![0x00, 0x0a, 0x08, 0x00];
        tagged.extend_from_slice(&ipv4(112));
        assert!(ethernet(&eth([0x81, 0x00], &tagged)));
        assert!(ethernet(&[0u8; 5]));
        assert!(ethernet(&eth([0x08, 0x00], &[0x45, 0])));
        assert!(ethernet(&eth([0x08, 0x00], &[0x15, 0, 0, 0])));
        assert!(ip(&[]));
    }
}
