//! The VRRP sockets the configuration needs: one per (interface, family), opened when the
//! interface exists, reopened when it comes back with another index, closed when it goes.
//! Every (interface, family) the configuration needs has either an open socket or a recorded
//! socket fault: an interface that is absent, or whose socket cannot be opened, is a host
//! fault for the instances on it (they stay in FAULT rather than go MASTER with no way to
//! advertise).

use super::{Driver, is_v6};
use crate::run::socket::{self, VrrpSocket};
use std::collections::BTreeMap;
use std::net::IpAddr;
use vrrplab_core::node::NodeConfig;

/// One open socket, with what it was opened for.
pub(super) struct Open {
    socket: VrrpSocket,
    index: u32,
    groups: Vec<IpAddr>,
    /// `None` for a send-only socket (a VMAC's).
    reader: Option<tokio::task::JoinHandle<()>>,
}

impl Open {
    /// The socket.
    pub(super) fn socket(&self) -> &VrrpSocket {
        &self.socket
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        if let Some(r) = &self.reader {
            r.abort();
        }
    }
}

/// What each socket is for: the multicast groups to join, or `None` for a send-only socket.
type Wanted = BTreeMap<(String, bool), Option<Vec<IpAddr>>>;

/// The sockets `config` needs: per (interface, family) the groups to join, and a send-only
/// socket per VMAC that sends its instance's adverts.
fn wanted(config: &NodeConfig) -> Wanted {
    let mut wanted: Wanted = groups(config)
        .into_iter()
        .map(|(k, g)| (k, Some(g)))
        .collect();
    for plan in crate::run::vmac::plans(config).into_values() {
        if !plan.xmit_base {
            wanted.insert((plan.name, plan.v6), None);
        }
    }
    wanted
}

/// The multicast groups each (interface, family) of `config` must join.
fn groups(config: &NodeConfig) -> BTreeMap<(String, bool), Vec<IpAddr>> {
    let mut wanted: BTreeMap<(String, bool), Vec<IpAddr>> = BTreeMap::new();
    for i in &config.instances {
        let groups = wanted
            .entry((i.interface.clone(), is_v6(i.family)))
            .or_default();
        if i.unicast_peers.is_empty() && !groups.contains(&i.multicast_group) {
            groups.push(i.multicast_group);
        }
    }
    wanted
}

impl Driver {
    /// Brings the sockets in line with `config` and the links. `reopen` replaces every socket
    /// (reload: the new one opens before the old closes); otherwise only missing or stale ones
    /// are opened. `Err` when a socket failed for lack of privilege.
    pub(super) fn open_sockets(&mut self, config: &NodeConfig, reopen: bool) -> Result<(), String> {
        let wanted = wanted(config);
        self.sockets.retain(|key, _| wanted.contains_key(key));
        self.socket_faults.retain(|key, _| wanted.contains_key(key));
        let mut denied = None;
        for ((name, v6), groups) in wanted {
            let key = (name.clone(), v6);
            let Some(link) = self.links.get(&name) else {
                // Gone (or not there yet): no socket, so a host fault for its instances, which
                // holds them in FAULT even with `dont_track_primary`.
                self.sockets.remove(&key);
                let family = if v6 { "IPv6" } else { "IPv4" };
                self.socket_faults.insert(
                    key,
                    format!("no {family} VRRP socket on {name}: the interface does not exist"),
                );
                continue;
            };
            let joined = groups.clone().unwrap_or_default();
            let current = self.sockets.get(&key).is_some_and(|o| {
                o.index == link.index
                    && o.groups == joined
                    && o.reader.is_some() == groups.is_some()
            });
            if current && !reopen {
                continue;
            }
            let opened = match &groups {
                Some(g) => VrrpSocket::open(&name, link.index, v6, g),
                None => VrrpSocket::open_send_only(&name, link.index, v6),
            };
            match opened {
                Ok(s) => {
                    let group = joined.first().copied().unwrap_or(socket::default_group(v6));
                    let reader = groups.is_some().then(|| {
                        s.spawn_reader(group, self.packets_tx.clone(), self.socket_errors.clone())
                    });
                    tracing::debug!(interface = name, v6, index = link.index, "VRRP socket open");
                    self.sockets.insert(
                        key.clone(),
                        Open {
                            socket: s,
                            index: link.index,
                            groups: joined,
                            reader,
                        },
                    );
                    self.socket_faults.remove(&key);
                }
                Err(e) => {
                    tracing::error!(interface = name, v6, error = %e, "cannot open the VRRP socket");
                    if e.kind() == std::io::ErrorKind::PermissionDenied {
                        denied = Some(format!(
                            "cannot open a raw VRRP socket on {name}: {e} (needs CAP_NET_RAW)"
                        ));
                    }
                    if self
                        .sockets
                        .get(&key)
                        .is_some_and(|o| o.index != link.index)
                    {
                        self.sockets.remove(&key);
                    }
                    let family = if v6 { "IPv6" } else { "IPv4" };
                    self.socket_faults
                        .insert(key, format!("no {family} VRRP socket on {name}: {e}"));
                }
            }
        }
        denied.map_or(Ok(()), Err)
    }
}
