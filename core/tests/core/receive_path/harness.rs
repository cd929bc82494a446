//! The daemon's receive path driven from arbitrary bytes: what a raw socket read goes through
//! [`vrrplab_core::rx::ipv4_received`] / [`vrrplab_core::rx::ipv6_received`] (the functions the
//! daemon's socket readers call) into [`Node::handle_packet`], with the node's timers run
//! between datagrams so its instances are seen in BACKUP and in MASTER.
//!
//! Shared, unchanged, by the core's property test (`receive_path/mod.rs`) and the cargo-fuzz
//! target `fuzz/fuzz_targets/receive_path.rs` (which includes this file by path).
//!
//! Input: records of `[control][length][length bytes]` (the last record takes what is left).
//! Control bits: 0 = family (IPv4 datagram with header / IPv6 payload), 1–2 = how far the clock
//! moves first (0, 10 ms, 1 s, 4 s), 3 = IPv6 hop limit 254 instead of 255, 4 = IPv6 without
//! packet info (destination = the group), 5 = IPv6 without hop limit, 6–7 = IPv6 source.
//!
//! Checked for every datagram (besides "no panic"): a datagram the decoder accepts is counted
//! exactly once by the node (too short, unknown VRID, an instance's discard reason, or an
//! accepted advert); every advert the node sends in answer parses and carries a good checksum.

use std::net::{IpAddr, Ipv6Addr};
use std::sync::OnceLock;
use std::time::Duration;
use vrrplab_core::Instant;
use vrrplab_core::config::{self, ParseOptions};
use vrrplab_core::node::{InterfaceInfo, Node, NodeConfig, Output};
use vrrplab_core::rx::{self, Ipv6Ancillary};
use vrrplab_core::wire::{Advert, Family, Packet};

/// Instances of every kind the validation treats differently, all on eth0: VRRPv2 with a
/// password, VRRPv3 IPv4 owner-priority, unicast with source checking, IPv6, and a sync group.
pub const CONFIG: &str = "\
global_defs {
    router_id FUZZ
}
vrrp_sync_group G {
    group {
        V2
        V6
    }
}
vrrp_instance V2 {
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass secret
    }
    virtual_ipaddress {
        192.0.2.100/24
    }
}
vrrp_instance V3 {
    interface eth0
    version 3
    virtual_router_id 52
    priority 200
    advert_int 0.1
    virtual_ipaddress {
        192.0.2.101/24
        192.0.2.102/24
    }
}
vrrp_instance UNI {
    interface eth0
    version 3
    virtual_router_id 53
    priority 90
    unicast_src_ip 192.0.2.11
    unicast_peer {
        192.0.2.12
    }
    virtual_ipaddress {
        192.0.2.103/24
    }
}
vrrp_instance V6 {
    interface eth0
    version 3
    virtual_router_id 51
    priority 150
    advert_int 0.1
    virtual_ipaddress {
        2001:db8::100/64
    }
}
";

const GROUP_V6: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12);
const SOURCES_V6: [Ipv6Addr; 4] = [
    Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0xff, 0xfe00, 2),
    Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0xff, 0xfe00, 1),
    Ipv6Addr::UNSPECIFIED,
    Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x100),
];

/// [`CONFIG`] read once (parsing it for every fuzz input would cost more than the input).
fn node_config() -> &'static NodeConfig {
    static CONFIG_READ: OnceLock<NodeConfig> = OnceLock::new();
    CONFIG_READ.get_or_init(|| {
        let parsed = config::parse_str("fuzz.conf", CONFIG, &ParseOptions::default());
        assert!(parsed.is_valid(), "{}", parsed.render_diagnostics());
        let mut cfg = parsed.model.to_node_config();
        cfg.interfaces = vec![InterfaceInfo::up(
            "eth0",
            Some("192.0.2.11".parse().unwrap()),
            Some("fe80::ff:fe00:1".parse().unwrap()),
        )];
        cfg
    })
}

/// A node running [`CONFIG`] on an eth0 with 192.0.2.11 and fe80::ff:fe00:1.
pub struct Rig {
    node: Node,
    now: Instant,
    /// Datagrams the decoder refused (the daemon counts these as receive errors).
    pub decode_errors: u64,
    /// Datagrams handed to the node.
    pub handled: u64,
}

impl Rig {
    /// A freshly started node.
    pub fn new() -> Rig {
        let now = Instant::ZERO;
        let mut rig = Rig {
            node: Node::new(node_config().clone(), now),
            now,
            decode_errors: 0,
            handled: 0,
        };
        rig.drain();
        rig
    }

    /// Feeds every record of `data`.
    pub fn feed(&mut self, mut data: &[u8]) {
        while let Some((&control, rest)) = data.split_first() {
            let (len, rest) = match rest.split_first() {
                Some((&len, rest)) => (usize::from(len).min(rest.len()), rest),
                None => (0, rest),
            };
            let (bytes, rest) = rest.split_at(len);
            self.datagram(control, bytes);
            data = rest;
        }
    }

    /// One datagram, after moving the clock as `control` says.
    pub fn datagram(&mut self, control: u8, bytes: &[u8]) {
        let step = [0, 10, 1000, 4000][usize::from((control >> 1) & 3)];
        self.advance(Duration::from_millis(step));
        let received = if control & 1 == 0 {
            rx::ipv4_received("eth0", bytes)
        } else {
            let mut ancillary = Ipv6Ancillary::default();
            if control & 0x20 == 0 {
                ancillary.hop_limit(if control & 8 == 0 { 255 } else { 254 });
            }
            if control & 0x10 == 0 {
                ancillary.destination(GROUP_V6.octets());
            }
            let src = SOURCES_V6[usize::from(control >> 6)];
            rx::ipv6_received("eth0", src, &ancillary, IpAddr::V6(GROUP_V6), bytes)
        };
        let Ok((meta, payload)) = received else {
            self.decode_errors += 1;
            return;
        };
        let before = self.counted();
        self.node.handle_packet(self.now, &meta, payload);
        self.handled += 1;
        assert_eq!(
            self.counted(),
            before + 1,
            "a datagram must be counted exactly once: {meta:?} {payload:02x?}"
        );
        self.drain();
    }

    /// Datagrams the node counted: node-level discards plus every instance's accepted and
    /// discarded adverts.
    pub fn counted(&self) -> u64 {
        let c = self.node.counters();
        let instances: u64 = self
            .node
            .instance_handles()
            .iter()
            .map(|i| i.counters().adverts_received + i.counters().discarded())
            .sum();
        c.too_short + c.unknown_vrid + instances
    }

    /// Adverts the node's instances accepted.
    pub fn accepted(&self) -> u64 {
        self.node
            .instance_handles()
            .iter()
            .map(|i| i.counters().adverts_received)
            .sum()
    }

    /// Every instance's state and counters, for failure messages.
    pub fn report(&self) -> String {
        let node = self.node.counters();
        let mut out = format!("node: {node:?}\n");
        for i in self.node.instance_handles() {
            let name = &i.config().name;
            out += &format!("{name} {:?}: {:?}\n", i.state(), i.counters());
        }
        out
    }

    /// Instances currently MASTER.
    pub fn masters(&self) -> usize {
        self.node
            .instances()
            .iter()
            .filter(|i| i.state == vrrplab_core::vrrp::State::Master)
            .count()
    }

    fn advance(&mut self, by: Duration) {
        let end = self.now + by;
        while let Some(at) = self.node.poll_timeout().filter(|&t| t <= end) {
            self.now = at.max(self.now);
            self.node.handle_timeout(self.now);
            self.drain();
        }
        self.now = end;
    }

    fn drain(&mut self) {
        while let Some(output) = self.node.poll_output() {
            if let Output::Transmit(t) = output {
                let family = Family::of(&t.dst);
                let packet = Packet::new_checked(&t.payload[..], family)
                    .expect("an advert we send must be a valid VRRP message");
                Advert::parse(&packet).expect("an advert we send must parse");
                assert!(
                    packet.detect_checksum(t.src, t.dst).is_some(),
                    "an advert we send must carry a good checksum"
                );
            }
        }
    }
}

impl Default for Rig {
    fn default() -> Rig {
        Rig::new()
    }
}
