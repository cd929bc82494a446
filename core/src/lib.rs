//! vrrplab-core: the sans-IO VRRP core.
//!
//! No networking code, no clock reads, no randomness of its own, no global state. Drivers (the
//! turmoil simulator, the Linux daemon, pcap replay) feed inputs through `handle_*(now, …)`
//! methods, drain outputs with `poll_output()` until it returns `None`, and sleep until
//! `poll_timeout()`. The same inputs always give the same outputs in the same order.
//!
//! Layering, leaves first: [`time`], [`wire`], [`prng`] and [`timer`] need nothing above them;
//! [`io`] holds what crosses to the driver, [`rx`] decodes what a raw socket read into it; [`vrrp`] (one instance) and [`check`] (health
//! checks) build on those; [`node`] composes instances, trackers and sync groups; [`config`]
//! reads keepalived.conf into them; [`lan`] is a virtual-clock harness of nodes.
#![forbid(unsafe_code)]

pub mod check;
pub mod config;
pub mod io;
pub mod lan;
pub mod node;
pub mod prng;
pub mod rx;
pub mod time;
pub mod timer;
pub mod vrrp;
pub mod wire;

pub use time::Instant;
