//! Announcement frames: Ethernet → ARP, and Ethernet → IPv6 → ICMPv6 neighbour advertisement.
//! parse → emit → parse → equal for both (built with cfg(fuzzing), the NA checksum check is
//! skipped so the fuzzer reaches the option walk).
#![no_main]

use libfuzzer_sys::fuzz_target;
use vrrplab_core::wire::{
    ArpFrame, EthernetFrame, NeighbourAdvertFrame, is_gratuitous_arp, is_unsolicited_na,
};

fuzz_target!(|frame: &[u8]| {
    let _ = EthernetFrame::parse(frame);
    let _ = (is_gratuitous_arp(frame), is_unsolicited_na(frame));

    if let Ok(arp) = ArpFrame::parse(frame) {
        let bytes = arp.to_bytes();
        assert_eq!(ArpFrame::parse(&bytes), Ok(arp));
        let _ = arp.arp.gratuitous_address();
    }

    if let Ok(na) = NeighbourAdvertFrame::parse(frame) {
        let bytes = na.to_bytes();
        assert_eq!(bytes.len(), na.buffer_len());
        assert_eq!(NeighbourAdvertFrame::parse(&bytes), Ok(na));
        let _ = na.unsolicited_address();
    }
});
