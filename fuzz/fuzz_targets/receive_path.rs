//! The daemon's receive path: bytes a raw VRRP socket could return (IPv4 datagram with header,
//! or IPv6 payload with ancillary data) through `vrrplab_core::rx` into `Node::handle_packet`,
//! for instances of every kind in BACKUP and MASTER. Input format and the checks made are in the
//! harness, shared with the core's property test `core/tests/core/receive_path/`.
#![no_main]

#[path = "../../core/tests/core/receive_path/harness.rs"]
#[allow(dead_code)]
mod harness;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut rig = harness::Rig::new();
    rig.feed(data);
});
