//! What the data plane is asked to install: each virtual server as a [`Service`] (what it
//! matches, how it schedules and forwards) with its live destinations and their weights.
//! Built from the configuration as written and the core's pools; the backends only translate.

use std::net::{IpAddr, SocketAddr};
use vrrplab_core::check::VirtualServerStatus;
use vrrplab_core::config::model::{LvsMethod, Protocol, VirtualServer, VirtualServerAddress};

/// What traffic a service takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    /// Packets to this address (and port, when set).
    Address {
        /// Virtual address.
        address: IpAddr,
        /// Virtual port; `None`: every port (persistence setups).
        port: Option<u16>,
    },
    /// Packets carrying this firewall mark.
    Fwmark(u32),
}

/// keepalived's `lvs_method` / `lb_kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Destination NAT.
    Nat,
    /// Direct routing (MAC rewrite).
    Dr,
    /// IP-in-IP tunnel.
    Tun,
}

/// One virtual server as the data plane sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// The name in logs (`IP:PORT`, `fwmark N`).
    pub name: String,
    /// What it matches; `None` for a `group` service (not supported).
    pub matches: Option<Match>,
    /// `protocol` (default TCP).
    pub protocol: Protocol,
    /// `lvs_sched` (default `wlc`).
    pub scheduler: String,
    /// `lvs_method` (default NAT).
    pub method: Method,
    /// `persistence_timeout` in seconds.
    pub persistence: Option<u32>,
    /// Destinations with a weight above 0, in configuration order (the sorry server last).
    pub destinations: Vec<(SocketAddr, u32)>,
    /// Destinations kept at weight 0 (`inhibit_on_failure`, `sorry_server_inhibit`).
    pub inhibited: Vec<SocketAddr>,
}

impl Service {
    /// The service for virtual server `config` with the pool `pool`.
    pub fn new(
        config: &VirtualServer,
        pool: &VirtualServerStatus,
        sorry: Option<SocketAddr>,
    ) -> Service {
        let matches = match &config.address {
            VirtualServerAddress::Ip { address, port } => Some(Match::Address {
                address: *address,
                port: *port,
            }),
            VirtualServerAddress::Fwmark(m) => Some(Match::Fwmark(*m)),
            VirtualServerAddress::Group(_) => None,
        };
        let method = match config.lvs_method {
            None | Some(LvsMethod::Nat) => Method::Nat,
            Some(LvsMethod::Dr) => Method::Dr,
            Some(LvsMethod::Tun) => Method::Tun,
        };
        let mut destinations = Vec::new();
        let mut inhibited = Vec::new();
        let in_pool = pool
            .real_servers
            .iter()
            .filter_map(|rs| rs.in_pool.map(|w| (rs.address, w)))
            .chain(sorry.and_then(|s| pool.sorry_server_in_pool.map(|w| (s, w))));
        for (address, weight) in in_pool {
            if weight == 0 {
                inhibited.push(address);
            } else {
                destinations.push((address, weight));
            }
        }
        Service {
            name: pool.name.clone(),
            matches,
            protocol: config.protocol.unwrap_or(Protocol::Tcp),
            scheduler: config
                .lvs_sched
                .clone()
                .unwrap_or_else(|| "wlc".to_string()),
            method,
            persistence: config.persistence_timeout,
            destinations,
            inhibited,
        }
    }
}

impl Service {
    /// The service as configured, every real server in the pool with its configured weight
    /// (what a backend is asked to honour, before any check ran).
    pub fn from_config(config: &VirtualServer) -> Service {
        let pool = VirtualServerStatus {
            name: vrrplab_core::check::from_keepalived::virtual_server_name(&config.address),
            quorum_up: true,
            live_weight: 0,
            real_servers: config
                .real_servers
                .iter()
                .map(|rs| {
                    let weight = u32::try_from(rs.weight.unwrap_or(1)).unwrap_or(0);
                    vrrplab_core::check::RealServerStatus {
                        address: SocketAddr::new(rs.address, rs.port.unwrap_or(0)),
                        alive: true,
                        weight,
                        in_pool: Some(weight),
                    }
                })
                .collect(),
            sorry_server_in_pool: None,
        };
        Service::new(config, &pool, None)
    }
}
