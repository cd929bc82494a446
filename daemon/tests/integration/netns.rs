//! Integration tests in network namespaces: real keepalived (and FRR) nodes on a bridge,
//! captured with AF_PACKET, faults with nftables, timings measured from the capture; `vrrplab
//! watch` next to them (`watch`, `watch_ipv6`, `watch_unicast`).
//!
//! Needs root, `ip netns`, keepalived and nft; FRR for the interop test. Without them each test
//! prints `SKIP …` and passes, unless `VRRPLAB_REQUIRE_NETNS=1` / `VRRPLAB_REQUIRE_KEEPALIVED=1`
//! / `VRRPLAB_REQUIRE_FRR=1` turns the skip into a failure (CI sets all three). A failing
//! test keeps its capture, configs, logs and observed timeline under
//! `target/netns-artifacts/<test>/` and prints that path.

mod common;
mod daemon;
mod frr;
mod keepalived;
mod lb;
mod notify;
mod operator;
mod replay_check;
mod scenario;
mod vrrplab;
mod vrrplab_accept;
mod vrrplab_hooks;
mod vrrplab_host;
mod vrrplab_vmac;
mod watch;
mod watch_ipv6;
mod watch_unicast;
