//! vrrplab-core: the sans-IO VRRP core.
//!
//! No networking code, no clock reads, no randomness of its own, no global state. Drivers (the
//! turmoil simulator, the Linux daemon, pcap replay) feed inputs through `handle_*(now, …)`
//! methods, drain outputs with `poll_output()` until it returns `None`, and sleep until
//! `poll_timeout()`. The same inputs always give the same outputs in the same order.
#![forbid(unsafe_code)]

pub mod time;
pub mod wire;

pub use time::Instant;
pub mod check;
pub mod config;
pub mod lan;
pub mod node;
pub mod vrrp;
