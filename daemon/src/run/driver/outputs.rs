//! Carrying out the node's outputs on the host: adverts on the raw sockets, addresses over
//! netlink, announcements over AF_PACKET, hooks and probes as children, transitions as log
//! lines. Failures are logged and counted, never fatal.

use super::Driver;
use crate::run::scripts;
use vrrplab_core::node::Output;

impl Driver {
    /// Carries out one output.
    pub(super) async fn carry_out(&mut self, output: Output) {
        match output {
            Output::Transmit(t) => {
                let key = (t.interface.clone(), t.dst.is_ipv6());
                let result = match self.sockets.get(&key) {
                    Some(s) => s.send(&t),
                    None => Err(std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        "no socket",
                    )),
                };
                if let Err(e) = result {
                    self.counters.send_errors += 1;
                    tracing::warn!(interface = t.interface, dst = %t.dst, error = %e, "advert not sent");
                }
            }
            Output::AddAddress(a) | Output::RemoveAddress(a)
                if !self.links.contains_key(&a.interface) =>
            {
                self.counters.netlink_errors += 1;
                tracing::error!(
                    instance = a.instance,
                    interface = a.interface,
                    "no such interface for {}",
                    a.address
                );
            }
            Output::AddAddress(a) => {
                let index = self.links[&a.interface].index;
                match self.addresses.add(index, a.address, a.prefix_len).await {
                    Ok(()) => tracing::info!(
                        instance = a.instance,
                        "added {}/{} on {}",
                        a.address,
                        a.prefix_len,
                        a.interface
                    ),
                    Err(e) => {
                        self.counters.netlink_errors += 1;
                        tracing::error!(instance = a.instance, error = %e, "cannot add {}/{} on {}", a.address, a.prefix_len, a.interface);
                    }
                }
            }
            Output::RemoveAddress(a) => {
                let index = self.links[&a.interface].index;
                match self.addresses.remove(index, a.address, a.prefix_len).await {
                    Ok(()) => tracing::info!(
                        instance = a.instance,
                        "removed {}/{} from {}",
                        a.address,
                        a.prefix_len,
                        a.interface
                    ),
                    Err(e) => {
                        self.counters.netlink_errors += 1;
                        tracing::error!(instance = a.instance, error = %e, "cannot remove {}/{} from {}", a.address, a.prefix_len, a.interface);
                    }
                }
            }
            Output::Announce(a) => {
                let (Some(announcer), Some(link)) = (&self.announcer, self.links.get(&a.interface))
                else {
                    self.counters.announce_errors += 1;
                    return;
                };
                let router = a.address.is_ipv6() && forwards_ipv6(&a.interface);
                if let Err(e) = announcer.send(link.index, link.mac, a.address, router) {
                    self.counters.announce_errors += 1;
                    tracing::warn!(instance = a.instance, error = %e, "announcement of {} not sent", a.address);
                }
            }
            Output::StateChange(c) => {
                tracing::info!(
                    instance = c.instance,
                    vrid = c.vrid,
                    priority = c.priority,
                    "({}) {} -> {} ({})",
                    c.instance,
                    c.from,
                    c.to,
                    c.reason
                );
            }
            Output::Notify(n) => scripts::notify(&n.command, n.user.as_deref()),
            Output::NotifyEvent(e) => self.fifos.write(&e),
            Output::StartProbe(p) => self.probes.start(p, self.probe_tx.clone()),
            Output::CancelProbe(id) => self.probes.cancel(id),
            other => tracing::debug!(?other, "output not handled by the daemon"),
        }
    }
}

/// Whether the interface forwards IPv6 (keepalived then sets the NA's Router flag).
fn forwards_ipv6(interface: &str) -> bool {
    std::fs::read_to_string(format!("/proc/sys/net/ipv6/conf/{interface}/forwarding"))
        .is_ok_and(|s| s.trim() == "1")
}
