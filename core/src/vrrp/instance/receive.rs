//! Receiving an advert: validation in keepalived's order (`vrrp_check_packet`), then the
//! BACKUP (`vrrp_state_backup`) and MASTER (`vrrp_state_master_rx`) rules.

use super::{Instance, MasterInfo};
use crate::Instant;
use crate::io::RxMeta;
use crate::vrrp::defect::Defect;
use crate::vrrp::discard::DiscardReason;
use crate::vrrp::state::{State, TransitionReason};
use crate::vrrp::timer::Timer;
use crate::vrrp::validate;
use crate::wire::{Advert, Version};
use std::net::IpAddr;
use std::time::Duration;

/// Unsigned, network-byte-order comparison of two addresses (RFC 5798 §6.4.3 tie-break;
/// keepalived `inet_inaddrcmp`). Addresses of different families compare as equal.
pub fn address_greater(a: IpAddr, b: IpAddr) -> bool {
    match (a, b) {
        (IpAddr::V4(a), IpAddr::V4(b)) => a.octets() > b.octets(),
        (IpAddr::V6(a), IpAddr::V6(b)) => a.octets() > b.octets(),
        _ => false,
    }
}

impl Instance {
    /// A VRRP message for this instance (the node already matched interface, family and VRID).
    ///
    /// Returns the discard reason when validation rejects it (the matching counter is already
    /// incremented). keepalived quirk kept on purpose: a MASTER restarts its advert timer on
    /// every well-formed packet for its VRID, even one it rejects (docs/keepalived-behaviour.md,
    /// "Receiving": with equal intervals one of two dual masters goes silent). Deliberate
    /// divergence: malformed datagrams (length, version, type, checksum) do not restart it, so
    /// a flood of random bytes cannot silence a master.
    pub fn handle_packet(
        &mut self,
        now: Instant,
        meta: &RxMeta,
        payload: &[u8],
    ) -> Result<(), DiscardReason> {
        let verdict = self.validate(meta, payload);
        let malformed = matches!(
            verdict,
            Err(DiscardReason::Malformed(
                Defect::Truncated { .. }
                    | Defect::Version { .. }
                    | Defect::Type { .. }
                    | Defect::Checksum { .. }
            ) | DiscardReason::VersionMismatch { .. }
                | DiscardReason::ChecksumConvention)
        );
        if self.state == State::Master && !malformed {
            self.timers
                .set(Timer::Advert, now + self.config.advert_interval);
        }
        match verdict {
            Ok(advert) => {
                self.counters.adverts_received += 1;
                if advert.priority == 0 {
                    self.counters.priority_zero_received += 1;
                }
                match self.state {
                    State::Backup => self.backup_receive(now, meta.src, &advert),
                    State::Master => self.master_receive(now, meta.src, &advert),
                    State::Init | State::Fault => {}
                }
                Ok(())
            }
            Err(reason) => {
                self.counters.count(reason);
                Err(reason)
            }
        }
    }

    /// keepalived's `vrrp_check_packet` order ([`crate::vrrp::validate::check`]) for a
    /// listening instance, then the count-only checks: v3 interval, address count / list.
    fn validate(&mut self, meta: &RxMeta, payload: &[u8]) -> Result<Advert, DiscardReason> {
        if matches!(self.state, State::Init | State::Fault) {
            return Err(DiscardReason::NotListening);
        }
        let accepted = validate::check(&self.config, meta, payload)?;
        if accepted.interval_mismatch_v3 {
            self.counters.interval_mismatches_v3 += 1;
        }
        let advert = accepted.advert;
        let ours = self.advert(self.effective_priority).addresses;
        if advert.addresses.len() != ours.len() {
            self.counters.address_count_mismatches += 1;
        } else if !self.config.skip_check_adv_addr {
            let mut theirs = advert.addresses.clone();
            let mut mine = ours;
            theirs.sort();
            mine.sort();
            if theirs != mine {
                self.counters.address_list_mismatches += 1;
            }
        }
        Ok(advert)
    }

    /// Two owners on one link (keepalived's duplicate-owner handling, RFC 9568 erratum 8298):
    /// the owner with the lower address normally yields at once. If it keeps advertising 255
    /// (an implementation that ignores adverts as owner) for 2 of our adverts plus 1.2 × the
    /// larger interval, we back off to 254 so that exactly one master remains.
    fn watch_rogue_owner(&mut self, now: Instant, src: IpAddr, interval: Duration) {
        match self.rogue_owner {
            Some((rogue, since, _)) if rogue == src => {
                let larger = interval.max(self.config.advert_interval);
                let patience = self.config.advert_interval * 2 + larger * 6 / 5;
                if now - since > patience && !self.owner_backed_off {
                    self.owner_backed_off = true;
                    self.effective_priority = 254;
                }
            }
            _ => self.rogue_owner = Some((src, now, interval)),
        }
    }

    /// Restores 255 once the rogue owner is gone or no longer claims 255.
    fn restore_owner_priority(&mut self, src: IpAddr, priority: u8) {
        let rogue_gone = self
            .rogue_owner
            .is_none_or(|(rogue, _, _)| rogue != src || priority != 255);
        if self.owner_backed_off && rogue_gone {
            self.owner_backed_off = false;
            self.rogue_owner = None;
            self.effective_priority = 255;
        }
    }

    /// BACKUP (RFC 5798 §6.4.2, keepalived `vrrp_state_backup`).
    fn backup_receive(&mut self, now: Instant, src: IpAddr, advert: &Advert) {
        if self.is_owner() {
            self.restore_owner_priority(src, advert.priority);
        }
        if advert.priority == 0 {
            // The master resigned: wait only Skew_Time.
            self.resigned_from = Some(src);
            self.timers.set(Timer::MasterDown, now + self.skew_time());
            return;
        }
        let ours = self.effective_priority;
        if advert.priority >= ours {
            self.preempt_deadline = None;
        }
        let accept = advert.priority >= ours || self.accepts_lower_priority(now);
        if !accept {
            // Preempt: a lower priority does not reset Master_Down (keepalived #686).
            self.counters.lower_priority_ignored += 1;
            return;
        }
        if self.config.version == Version::V3 && advert.interval_cs != 0 {
            self.master_adver_interval = advert.interval();
        }
        self.master = Some(MasterInfo {
            address: src,
            priority: advert.priority,
        });
        self.resigned_from = None;
        self.wants_master = None;
        self.timers
            .set(Timer::MasterDown, now + self.master_down_interval());
    }

    /// MASTER (RFC 9568 §6.4.3, keepalived `vrrp_state_master_rx`).
    fn master_receive(&mut self, now: Instant, src: IpAddr, advert: &Advert) {
        let ours = self.effective_priority;
        if advert.priority == 0 {
            self.send_advert(ours);
            return;
        }
        let higher = advert.priority > ours
            || (advert.priority == ours && address_greater(src, self.primary_address));
        if higher {
            if self.config.higher_prio_send_advert {
                self.send_advert(ours);
            }
            if self.config.version == Version::V3 && advert.interval_cs != 0 {
                self.master_adver_interval = advert.interval();
            }
            self.master = Some(MasterInfo {
                address: src,
                priority: advert.priority,
            });
            self.yield_to(
                now,
                TransitionReason::HigherPriorityAdvert {
                    from: src,
                    priority: advert.priority,
                },
            );
        } else if advert.priority == ours && src == self.primary_address {
            // Our own advert looped back (keepalived logs a warning): nothing to do.
        } else {
            if self.is_owner() && advert.priority == 255 {
                self.watch_rogue_owner(now, src, advert.interval());
            }
            // Lower priority, or equal with a lower address: force a new election.
            if !self.config.lower_prio_no_advert {
                self.send_advert(ours);
            }
            self.lower_priority_burst(now);
            self.notify_rx_lower_priority();
        }
    }
}
