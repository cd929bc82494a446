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

/// Orders one drain's outputs for carrying out: those that reach the wire or the host (adverts,
/// address changes, GARPs / NAs, probes) first, then those that only report (transition log
/// lines, notify hooks, FIFO lines); each kind keeps the node's order. A new master's first
/// advert and GARPs thus leave before its "BACKUP -> MASTER" line is formatted and written
/// and before its `notify_master` is forked, as keepalived runs its notify scripts after
/// setting the VIPs and sending the GARPs.
pub(super) fn network_first(outputs: &mut [Output]) {
    outputs.sort_by_key(only_reports);
}

/// Whether carrying `output` out only reports: a log line, a hook, a FIFO line.
fn only_reports(output: &Output) -> bool {
    matches!(
        output,
        Output::StateChange(_) | Output::Notify(_) | Output::NotifyEvent(_)
    )
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

#[cfg(test)]
mod tests {
    use super::*;
    use vrrplab_core::node::{Notify, StateChange};
    use vrrplab_core::vrrp::{State, TransitionReason};
    use vrrplab_core::wire::Family;

    fn announce(address: &str) -> Output {
        Output::Announce(Announce {
            instance: "VI_1".into(),
            interface: "eth0".into(),
            address: address.parse().unwrap(),
            vrid: 1,
        })
    }

    fn change(instance: &str) -> Output {
        Output::StateChange(StateChange {
            instance: instance.into(),
            vrid: 1,
            family: Family::Ipv4,
            from: State::Backup,
            to: State::Master,
            reason: TransitionReason::MasterDownTimerExpired,
            priority: 100,
        })
    }

    fn hook(name: &str) -> Output {
        Output::Notify(Notify {
            name: name.into(),
            group: false,
            state: State::Master,
            command: "/bin/true".into(),
            user: None,
        })
    }

    #[test]
    fn new_masters_announcements_go_before_its_transition_line_and_hook_each_in_order() {
        let mut outputs = vec![
            change("VI_1"),
            announce("192.0.2.1"),
            hook("VI_1"),
            change("VI_2"),
            announce("192.0.2.2"),
            hook("VI_2"),
        ];
        network_first(&mut outputs);
        assert_eq!(
            outputs,
            vec![
                announce("192.0.2.1"),
                announce("192.0.2.2"),
                change("VI_1"),
                hook("VI_1"),
                change("VI_2"),
                hook("VI_2"),
            ]
        );
    }
}
