//! Carrying an instance's runtime state across a configuration reload (keepalived
//! `restore_vrrp_state`): a matched instance keeps its state, timers, master and statistics; a
//! master stays master and only the address differences are applied.

use super::Instance;
use crate::Instant;
use crate::io::{AddressChange, Output};
use crate::vrrp::state::{State, TransitionReason};
use crate::vrrp::timer::Timer;

impl Instance {
    /// True when `self` (new config) is the same virtual router as `old` for a reload: same
    /// VRID, family, interface, unicast flag and VMAC (keepalived `vrrp_exist`).
    pub fn matches_for_reload(&self, old: &Instance) -> bool {
        let (a, b) = (self.config(), old.config());
        a.vrid == b.vrid
            && a.family == b.family
            && a.interface == b.interface
            && self.is_unicast() == old.is_unicast()
            && a.vmac == b.vmac
    }

    /// Takes over `old`'s runtime state at `now`. A master keeps advertising without a new
    /// election; addresses that left the config are removed and new ones added (and announced).
    pub fn adopt_state(&mut self, now: Instant, old: Instance) {
        let old_addresses = old.addresses();
        self.state = old.state;
        self.master = old.master;
        self.resigned_from = old.resigned_from;
        self.preempt_deadline = old.preempt_deadline;
        self.counters = old.counters;
        self.master_adver_interval = if old.config.advert_interval == self.config.advert_interval {
            old.master_adver_interval
        } else {
            self.config.advert_interval
        };
        self.timers = old.timers;
        match self.state {
            State::Master => {
                let new_addresses = self.addresses();
                for (interface, address, prefix_len) in &old_addresses {
                    if !new_addresses.iter().any(|n| n.1 == *address) {
                        self.outputs.push_back(Output::RemoveAddress(AddressChange {
                            instance: self.config.name.clone(),
                            interface: interface.clone(),
                            address: *address,
                            prefix_len: *prefix_len,
                        }));
                    }
                }
                let mut added = false;
                for (interface, address, prefix_len) in new_addresses {
                    if !old_addresses.iter().any(|o| o.1 == address) {
                        added = true;
                        self.outputs.push_back(Output::AddAddress(AddressChange {
                            instance: self.config.name.clone(),
                            interface,
                            address,
                            prefix_len,
                        }));
                    }
                }
                if added {
                    self.start_garp_burst(now, self.config.garp.master_repeat);
                }
                let next = now + self.config.advert_interval;
                if self.timers.get(Timer::Advert).is_none_or(|t| t > next) {
                    self.timers.set(Timer::Advert, next);
                }
            }
            State::Backup => {
                let next = now + self.master_down_interval();
                if self.timers.get(Timer::MasterDown).is_none_or(|t| t > next) {
                    self.timers.set(Timer::MasterDown, next);
                }
            }
            State::Init | State::Fault => {}
        }
    }

    /// Removes the instance (reload deleted it): a master sends priority 0 and removes its
    /// addresses; the state goes to INIT with reason [`TransitionReason::Reload`].
    pub fn remove(&mut self, now: Instant) {
        self.stop(now, TransitionReason::Reload);
    }
}
