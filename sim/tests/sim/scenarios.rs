//! Integration tests: named simulator scenarios (timing bounds + insta timelines), determinism,
//! property tests over generated clusters and fault plans. Submodules live in `scenarios/`.

mod helpers;

mod checkers;
mod determinism;
mod engines;
mod failover;
mod ipv6;
mod pcap;
mod properties;
mod split_brain;
mod tracking;
