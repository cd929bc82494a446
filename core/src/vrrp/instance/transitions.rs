//! State transitions and what each one sends: adverts, addresses, GARP/NA bursts, notifies.
//!
//! Becoming master follows keepalived's `vrrp_state_become_master` order: the advert first (so
//! the old master drops the VIPs before our GARPs), then the addresses, then a burst of
//! `garp_master_repeat` announcements, a second burst after `garp_master_delay`, and the
//! optional `garp_master_refresh`. Leaving master for FAULT or shutdown sends priority 0
//! first; leaving it for BACKUP sends nothing.

use super::Instance;
use crate::Instant;
use crate::io::{
    AddressChange, Announce, Notify, NotifyEvent, NotifyEventKind, Output, StateChange, Transmit,
};
use crate::vrrp::config::Hook;
use crate::vrrp::state::{State, TransitionReason};
use crate::vrrp::timer::Timer;
use crate::vrrp::timing::interval_centis;
use crate::wire::{Advert, Authentication, Family, VRRP_HOP_LIMIT, Version};

/// At most this many delayed lower-priority bursts wait at once.
const MAX_PENDING_LOWER_PRIO_BURSTS: usize = 64;

impl Instance {
    /// Starts the instance at `now`: FAULT when `fault` is given, MASTER for the address owner,
    /// BACKUP for everyone else (keepalived never starts a non-owner as master, even with
    /// `state MASTER`: it waits Master_Down_Interval first).
    pub fn start(&mut self, now: Instant, fault: Option<TransitionReason>) {
        if self.state != State::Init {
            return;
        }
        if let Some(reason) = fault {
            self.enter_fault(now, reason);
        } else if self.is_owner() {
            self.become_master(now, TransitionReason::StartupAsOwner);
        } else {
            self.enter_backup(now, TransitionReason::Startup);
        }
    }

    /// Applies the tracking verdict: `Some(reason)` enters FAULT (a master sends priority 0 and
    /// removes its addresses); `None` leaves FAULT for BACKUP (MASTER for an owner).
    pub fn set_fault(&mut self, now: Instant, fault: Option<TransitionReason>) {
        match (self.state, fault) {
            (State::Init | State::Fault, Some(_)) | (State::Init, None) => {}
            (State::Backup | State::Master, Some(reason)) => self.enter_fault(now, reason),
            (State::Fault, None) => {
                if self.is_owner() {
                    self.become_master(now, TransitionReason::FaultCleared);
                } else {
                    self.enter_backup(now, TransitionReason::FaultCleared);
                }
                if self.is_unicast() {
                    // keepalived `try_up_instance`: announce our own source address so the
                    // master refreshes its ARP/ND entry and can reach us again.
                    self.outputs.push_back(Output::Announce(Announce {
                        instance: self.config.name.clone(),
                        interface: self.config.interface.clone(),
                        address: self.primary_address,
                        vrid: self.config.vrid,
                    }));
                }
            }
            (State::Backup | State::Master, None) => {}
        }
    }

    /// Graceful stop: a master sends priority 0 and removes its addresses; every state goes
    /// to INIT and every timer stops.
    pub fn shutdown(&mut self, now: Instant) {
        self.stop(now, TransitionReason::Shutdown);
    }

    pub(super) fn stop(&mut self, now: Instant, reason: TransitionReason) {
        let _ = now;
        if self.state == State::Init {
            return;
        }
        if self.state == State::Master {
            self.leave_master(true);
        }
        // keepalived: a shutdown notifies STOP (`notify_shutdown`); an instance a reload
        // deleted notifies FAULT (DELETED only with `notify_deleted`, which vrrplab lacks).
        let hooks = if reason == TransitionReason::Reload {
            State::Fault
        } else {
            State::Init
        };
        self.change_state(State::Init, reason);
        self.timers.stop_all();
        self.wants_master = None;
        self.notify(hooks);
    }

    /// BACKUP → MASTER for a sync-group member the node promotes (its own Master_Down expired
    /// earlier, or `reason` says which member led).
    pub fn promote(&mut self, now: Instant, reason: Option<TransitionReason>) {
        if self.state != State::Backup {
            return;
        }
        let own = self.wants_master.take();
        if let Some(reason) = own.or(reason) {
            self.become_master(now, reason);
        }
    }

    /// MASTER → BACKUP because another sync-group member left MASTER.
    pub fn demote(&mut self, now: Instant, reason: TransitionReason) {
        if self.state == State::Master {
            self.leave_master(false);
            self.enter_backup(now, reason);
        }
    }

    pub(super) fn become_master(&mut self, now: Instant, reason: TransitionReason) {
        if self.owner_backed_off {
            // The rogue owner went silent: we are the only owner again.
            self.owner_backed_off = false;
            self.rogue_owner = None;
            self.effective_priority = 255;
        }
        self.timers.stop(Timer::MasterDown);
        self.preempt_deadline = None;
        self.wants_master = None;
        self.resigned_from = None;
        self.master = None;
        self.master_adver_interval = self.config.advert_interval;
        self.counters.became_master += 1;
        self.change_state(State::Master, reason);
        self.send_advert(self.effective_priority);
        self.timers
            .set(Timer::Advert, now + self.config.advert_interval);
        for (interface, address, prefix_len) in self.addresses() {
            self.outputs.push_back(Output::AddAddress(AddressChange {
                instance: self.config.name.clone(),
                interface,
                address,
                prefix_len,
            }));
        }
        self.start_garp_burst(now, self.config.garp.master_repeat);
        match self.config.garp.master_delay {
            Some(delay) if !delay.is_zero() => self.timers.set(Timer::GarpSecondBurst, now + delay),
            _ => {}
        }
        if let Some(refresh) = self.config.garp.master_refresh.filter(|r| !r.is_zero()) {
            self.timers.set(Timer::GarpRefresh, now + refresh);
        }
        self.notify(State::Master);
    }

    pub(super) fn enter_backup(&mut self, now: Instant, reason: TransitionReason) {
        self.master_adver_interval = self.config.advert_interval;
        self.preempt_deadline = None;
        self.change_state(State::Backup, reason);
        self.timers
            .set(Timer::MasterDown, now + self.master_down_interval());
        self.notify(State::Backup);
    }

    /// MASTER → BACKUP on a higher-priority advert (the caller set the interval to adopt).
    pub(super) fn yield_to(&mut self, now: Instant, reason: TransitionReason) {
        self.leave_master(false);
        self.preempt_deadline = None;
        self.change_state(State::Backup, reason);
        self.timers
            .set(Timer::MasterDown, now + self.master_down_interval());
        self.notify(State::Backup);
    }

    fn enter_fault(&mut self, now: Instant, reason: TransitionReason) {
        let _ = now;
        if self.state == State::Master {
            self.leave_master(true);
        }
        self.timers.stop_all();
        self.wants_master = None;
        self.master = None;
        self.change_state(State::Fault, reason);
        self.notify(State::Fault);
    }

    /// Stops advertising, optionally after a priority-0 advert, and removes the addresses.
    fn leave_master(&mut self, resign: bool) {
        self.counters.released_master += 1;
        if resign {
            self.send_advert(0);
        }
        self.timers.stop(Timer::Advert);
        self.timers.stop(Timer::GarpBurst);
        self.timers.stop(Timer::GarpSecondBurst);
        self.timers.stop(Timer::GarpRefresh);
        self.timers.stop(Timer::GarpLowerPrio);
        self.garp_rounds_left = 0;
        self.lower_prio_bursts.clear();
        for (interface, address, prefix_len) in self.addresses() {
            self.outputs.push_back(Output::RemoveAddress(AddressChange {
                instance: self.config.name.clone(),
                interface,
                address,
                prefix_len,
            }));
        }
    }

    fn change_state(&mut self, to: State, reason: TransitionReason) {
        let from = self.state;
        self.state = to;
        self.outputs.push_back(Output::StateChange(StateChange {
            instance: self.config.name.clone(),
            vrid: self.config.vrid,
            family: self.config.family,
            from,
            to,
            reason,
            priority: self.effective_priority,
        }));
    }

    /// Every address installed while MASTER: `virtual_ipaddress` then
    /// `virtual_ipaddress_excluded`, with the interface each goes on.
    pub(super) fn addresses(&self) -> Vec<(String, std::net::IpAddr, u8)> {
        self.config
            .virtual_addresses
            .iter()
            .chain(&self.config.excluded_addresses)
            .map(|vip| {
                (
                    vip.interface
                        .clone()
                        .unwrap_or_else(|| self.config.interface.clone()),
                    vip.address,
                    vip.prefix_len,
                )
            })
            .collect()
    }

    /// The advert this instance sends with `priority`.
    pub fn advert(&self, priority: u8) -> Advert {
        Advert {
            version: self.config.version,
            vrid: self.config.vrid,
            priority,
            interval_cs: interval_centis(self.config.advert_interval),
            authentication: match self.config.version {
                Version::V2 => self.config.authentication.clone(),
                Version::V3 => Authentication::None,
            },
            addresses: self
                .config
                .virtual_addresses
                .iter()
                .map(|v| v.address)
                .filter(|a| Family::of(a) == self.config.family)
                .collect(),
        }
    }

    /// Sends one advert: to the multicast group, or one transmit per unicast peer (the v3
    /// checksum covers the real destination).
    pub(super) fn send_advert(&mut self, priority: u8) {
        let advert = self.advert(priority);
        let destinations = if self.is_unicast() {
            self.config.unicast_peers.clone()
        } else {
            vec![self.config.multicast_group]
        };
        for dst in destinations {
            let payload =
                advert.to_bytes(self.primary_address, dst, self.config.checksum_convention);
            self.outputs.push_back(Output::Transmit(Transmit {
                interface: self.config.interface.clone(),
                src: self.primary_address,
                dst,
                hop_limit: VRRP_HOP_LIMIT,
                payload,
            }));
            self.counters.adverts_sent += 1;
            if priority == 0 {
                self.counters.priority_zero_sent += 1;
            }
        }
    }

    /// Starts a burst of `rounds` announcement rounds: all at once, or one round per
    /// `vrrp_garp_interval`.
    pub(super) fn start_garp_burst(&mut self, now: Instant, rounds: u32) {
        if self.state != State::Master || rounds == 0 {
            return;
        }
        if self.config.garp.interval.is_zero() {
            for _ in 0..rounds {
                self.announce_all();
            }
        } else {
            self.garp_rounds_left = rounds;
            self.send_garp_round(now);
        }
    }

    pub(super) fn send_garp_round(&mut self, now: Instant) {
        if self.state != State::Master || self.garp_rounds_left == 0 {
            return;
        }
        self.announce_all();
        self.garp_rounds_left -= 1;
        if self.garp_rounds_left > 0 {
            self.timers
                .set(Timer::GarpBurst, now + self.config.garp.interval);
        }
    }

    /// A master heard a lower priority: `garp_lower_prio_repeat` announcements now and, with
    /// `garp_lower_prio_delay`, as many again after the delay (keepalived
    /// `vrrp_state_master_rx`; the split-brain capture shows a burst per lower advert, and two
    /// per advert once the delayed ones start).
    pub(super) fn lower_priority_burst(&mut self, now: Instant) {
        let repeat = self.config.garp.lower_prio_repeat;
        if repeat == 0 {
            return;
        }
        for _ in 0..repeat {
            self.announce_all();
        }
        if let Some(delay) = self.config.garp.lower_prio_delay.filter(|d| !d.is_zero()) {
            // Bounded: a flood of lower-priority adverts must not grow memory without limit.
            if self.lower_prio_bursts.len() < MAX_PENDING_LOWER_PRIO_BURSTS {
                self.lower_prio_bursts.push_back(now + delay);
            }
            self.arm_lower_prio_timer();
        }
    }

    /// Sends every delayed lower-priority burst that is due and re-arms for the next.
    pub(super) fn send_due_lower_prio_bursts(&mut self, now: Instant) {
        while self
            .lower_prio_bursts
            .front()
            .is_some_and(|due| *due <= now)
        {
            self.lower_prio_bursts.pop_front();
            if self.state == State::Master {
                for _ in 0..self.config.garp.lower_prio_repeat {
                    self.announce_all();
                }
            }
        }
        self.arm_lower_prio_timer();
    }

    fn arm_lower_prio_timer(&mut self) {
        match self.lower_prio_bursts.front() {
            Some(due) => self.timers.set(Timer::GarpLowerPrio, *due),
            None => self.timers.stop(Timer::GarpLowerPrio),
        }
    }

    /// One gratuitous ARP / unsolicited NA for every installed address.
    pub(super) fn announce_all(&mut self) {
        for (interface, address, _) in self.addresses() {
            self.outputs.push_back(Output::Announce(Announce {
                instance: self.config.name.clone(),
                interface,
                address,
                vrid: self.config.vrid,
            }));
        }
    }

    /// The hooks and the notify event of entering `state` (keepalived `send_instance_notifies`:
    /// the state's own hook, then the generic `notify`, then the FIFO line).
    fn notify(&mut self, state: State) {
        let hooks = &self.config.notify;
        let specific = match state {
            State::Master => hooks.master.clone(),
            State::Backup => hooks.backup.clone(),
            State::Fault => hooks.fault.clone(),
            State::Init => hooks.stop.clone(),
        };
        let event = NotifyEvent {
            name: self.config.name.clone(),
            group: false,
            kind: NotifyEventKind::State(state),
            priority: self.effective_priority,
        };
        let generic = hooks.generic.clone().map(|hook| Hook {
            command: format!(
                "{} INSTANCE {} {} {}",
                hook.command,
                event.name,
                event.kind.word(),
                event.priority
            ),
            user: hook.user,
        });
        for hook in specific.into_iter().chain(generic) {
            self.outputs.push_back(Output::Notify(Notify {
                name: self.config.name.clone(),
                group: false,
                state,
                command: hook.command,
                user: hook.user,
            }));
        }
        self.outputs.push_back(Output::NotifyEvent(event));
    }

    /// A master heard a lower priority: `notify_master_rx_lower_pri` and its event (keepalived
    /// `send_event_notify`, once per such advert).
    pub(super) fn notify_rx_lower_priority(&mut self) {
        if let Some(hook) = self.config.notify.master_rx_lower_pri.clone() {
            self.outputs.push_back(Output::Notify(Notify {
                name: self.config.name.clone(),
                group: false,
                state: self.state,
                command: hook.command,
                user: hook.user,
            }));
        }
        self.outputs.push_back(Output::NotifyEvent(NotifyEvent {
            name: self.config.name.clone(),
            group: false,
            kind: NotifyEventKind::MasterRxLowerPriority,
            priority: self.effective_priority,
        }));
    }
}
