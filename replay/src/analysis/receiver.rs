//! Would one captured router have accepted another's advert? The receiver is configured from
//! its own adverts (version, interval, authentication, addresses, checksum convention,
//! multicast or unicast) and the sender's advert is judged by the core's validation
//! (`vrrplab_core::vrrp::validate::check`), exactly as a vrrplab or keepalived instance would.
//! A rejected advert cannot demote a master: that is how an authentication mismatch becomes a
//! split brain (docs/keepalived-behaviour.md, "Receiving").

use std::net::IpAddr;
use std::time::Duration;
use vrrplab_core::io::RxMeta;
use vrrplab_core::vrrp::{DiscardReason, InstanceConfig, validate};
use vrrplab_core::wire::{Advert, Authentication, ChecksumConvention, Family, Packet};

/// One advert as captured: the IP payload and what the IP header said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    /// IP source.
    pub src: IpAddr,
    /// IP destination.
    pub dst: IpAddr,
    /// TTL / hop limit.
    pub hop_limit: u8,
    /// The VRRP message (IP payload).
    pub payload: Vec<u8>,
}

/// Interface name given to the judging instance (it does not matter to validation).
const INTERFACE: &str = "capture0";

/// The instance configuration the sender of `own` runs, as far as its advert shows it; `peer`
/// is taken as its unicast peer when the advert was unicast. None when the advert is unreadable.
pub fn config_of(own: &Sample, peer: IpAddr) -> Option<InstanceConfig> {
    let family = Family::of(&own.src);
    let packet = Packet::new_checked(&own.payload[..], family).ok()?;
    let advert = Advert::parse(&packet).ok()?;
    let mut c = InstanceConfig::new(
        &format!("VI_{}", advert.vrid),
        INTERFACE,
        advert.vrid,
        &advert.addresses,
    );
    c.family = family;
    c.version = advert.version;
    c.priority = advert.priority.max(1);
    c.advert_interval = Duration::from_millis(u64::from(advert.interval_cs) * 10);
    c.authentication = advert.authentication.clone();
    c.source_address = Some(own.src);
    c.checksum_convention = packet
        .detect_checksum(own.src, own.dst)
        .unwrap_or(ChecksumConvention::PseudoHeader);
    if own.dst.is_multicast() {
        c.multicast_group = own.dst;
    } else {
        c.unicast_peers = vec![peer];
    }
    Some(c)
}

/// Why the router that sent `receiver_own` would drop `sent`, or None when it would accept it
/// (or its own advert is unreadable, so nothing can be said). Two Cisco MD5 routers are taken
/// to accept each other: the digest cannot be checked without the key.
pub fn rejects(receiver_own: &Sample, sent: &Sample) -> Option<DiscardReason> {
    let config = config_of(receiver_own, sent.src)?;
    let meta = RxMeta {
        interface: INTERFACE.to_string(),
        src: sent.src,
        dst: sent.dst,
        hop_limit: sent.hop_limit,
    };
    match validate::check(&config, &meta, &sent.payload) {
        Ok(_) => None,
        Err(DiscardReason::AuthUnsupported)
            if config.authentication == Authentication::CiscoMd5
                && Packet::new_checked(&sent.payload[..], config.family)
                    .is_ok_and(|p| p.is_cisco_md5()) =>
        {
            None
        }
        Err(reason) => Some(reason),
    }
}
