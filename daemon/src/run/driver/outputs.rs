//! Carrying out the node's outputs on the host: adverts on the raw sockets, address changes
//! queued to the host worker, announcements over AF_PACKET, hooks and probes as children,
//! transitions as log lines. Nothing here awaits; failures are logged and counted, never fatal.
//!
//! An announcement goes out when the node emits it, in the same pass as the master's first
//! advert, while the address add it follows waits in the worker's queue (the add takes the
//! kernel a few hundred µs; holding the GARP for it delayed it by as much). An add that then
//! fails is a host fault: the instance resigns with priority 0 and its peer takes over.

use super::Driver;
use crate::run::host::{AddressJob, Job};
use crate::run::scripts;
use vrrplab_core::node::{AddressChange, Announce, Output};

impl Driver {
    /// Carries out one output.
    pub(super) fn carry_out(&mut self, output: Output) {
        match output {
            Output::Transmit(t) => {
                let interface = self
                    .vmac_of_transmit(&t)
                    .unwrap_or_else(|| t.interface.clone());
                let key = (interface, t.dst.is_ipv6());
                let result = match self.sockets.get(&key) {
                    Some(s) => s.socket().send(&t),
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
            Output::AddAddress(a) => self.add_address(a),
            Output::RemoveAddress(a) => self.remove_address(a),
            Output::Announce(a) => self.announce(&a),
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
                self.last_reason
                    .insert(c.instance.clone(), c.reason.to_string());
            }
            Output::Notify(n) => scripts::notify(&n.command, n.user.as_deref()),
            Output::NotifyEvent(e) => self.fifos.write(&e),
            Output::StartProbe(p) => self.probes.start(p, self.probe_tx.clone()),
            Output::CancelProbe(id) => self.probes.cancel(id),
            other => tracing::debug!(?other, "output not handled by the daemon"),
        }
    }

    /// Queues an address add (its announcements do not wait for it).
    fn add_address(&mut self, mut a: AddressChange) {
        if let Some(vmac) = self.vmac_of_address(&a.instance, &a.interface, a.address) {
            a.interface = vmac;
        }
        let Some(index) = self.links.get(&a.interface).map(|l| l.index) else {
            // The worker would fail the same way; say it here and fault the instance.
            let seq = self.job_number();
            self.on_host_done(crate::run::host::Done::Added(
                job(&a, 0, seq),
                Err("no such interface".to_string()),
            ));
            return;
        };
        self.drop_before_add(&a.instance, a.address);
        let seq = self.job_number();
        self.host.queue(Job::AddAddress(job(&a, index, seq)));
    }

    /// Queues an address removal.
    fn remove_address(&mut self, mut a: AddressChange) {
        if let Some(vmac) = self.vmac_of_address(&a.instance, &a.interface, a.address) {
            a.interface = vmac;
        }
        match self.links.get(&a.interface).map(|l| l.index) {
            Some(index) => {
                let seq = self.job_number();
                self.host.queue(Job::RemoveAddress(job(&a, index, seq)));
            }
            None => tracing::debug!(
                instance = a.instance,
                interface = a.interface,
                "{} went with its interface",
                a.address
            ),
        }
        self.accept_after_remove(a.address);
    }

    /// Sends one GARP / unsolicited NA now.
    pub(super) fn announce(&mut self, a: &Announce) {
        let interface = self
            .vmac_of_address(&a.instance, &a.interface, a.address)
            .unwrap_or_else(|| a.interface.clone());
        let (Some(announcer), Some(link)) = (&self.announcer, self.links.get(&interface)) else {
            self.counters.announce_errors += 1;
            return;
        };
        let router = a.address.is_ipv6() && forwards_ipv6(&interface);
        if let Err(e) = announcer.send(link.index, link.mac, a.address, router) {
            self.counters.announce_errors += 1;
            tracing::warn!(instance = a.instance, error = %e, "announcement of {} not sent", a.address);
        }
    }
}

fn job(a: &AddressChange, index: u32, seq: u64) -> AddressJob {
    AddressJob {
        seq,
        instance: a.instance.clone(),
        interface: a.interface.clone(),
        index,
        address: a.address,
        prefix_len: a.prefix_len,
    }
}

/// Whether the interface forwards IPv6 (keepalived then sets the NA's Router flag).
fn forwards_ipv6(interface: &str) -> bool {
    std::fs::read_to_string(format!("/proc/sys/net/ipv6/conf/{interface}/forwarding"))
        .is_ok_and(|s| s.trim() == "1")
}
