//! One virtual router ([`Instance`]): the RFC 5798/9568 state machine as keepalived runs it.
//!
//! Contract: inputs are `handle_*(now, …)` and the tracking/sync-group commands the node
//! issues; outputs are drained with [`Instance::poll_output`] (the node's [`Output`] values);
//! the next deadline is [`Instance::poll_timeout`]. Timers live in a fixed [`TimerTable`];
//! `handle_timeout` is safe to call early or twice.
//!
//! Most drivers use [`crate::node::Node`], which owns instances, computes tracking priorities
//! and applies sync groups; tests may drive an instance alone.

mod receive;
mod reload;
mod transitions;

pub use receive::address_greater;

#[cfg(test)]
mod tests;

use super::config::{InstanceConfig, Preempt};
use super::discard::Counters;
use super::state::{State, TransitionReason};
use super::timer::{Timer, TimerTable};
use super::timing;
use crate::Instant;
use crate::io::{Output, OutputQueue};
use crate::timer::TimerKind;
use crate::wire::Family;
use std::collections::VecDeque;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

/// Outputs a drained instance keeps room for when it queues on its own (an instance driven
/// directly, as in tests; a node lends it the node's queue instead, see `swap_outputs`).
const IDLE_OUTPUTS: usize = 4;

/// The current master as last seen by a backup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MasterInfo {
    /// The master's IP source address.
    pub address: IpAddr,
    /// The priority it advertised.
    pub priority: u8,
}

/// One virtual router instance.
#[derive(Debug, Clone)]
pub struct Instance {
    config: InstanceConfig,
    /// Advert source and tie-break address (`mcast_src_ip` or the interface's primary address).
    primary_address: IpAddr,
    state: State,
    effective_priority: u8,
    /// Master_Adver_Interval: v3 backups adopt the master's.
    master_adver_interval: Duration,
    timers: TimerTable,
    /// `preempt_delay` deadline, armed by the first lower-priority advert.
    preempt_deadline: Option<Instant>,
    /// The master last accepted while BACKUP.
    master: Option<MasterInfo>,
    /// Set by a priority-0 advert: the reason for the next takeover.
    resigned_from: Option<IpAddr>,
    /// In a sync group: Master_Down expired, waiting for every member to want MASTER.
    sync_gated: bool,
    wants_master: Option<TransitionReason>,
    /// GARP/NA rounds still to send in the current burst.
    garp_rounds_left: u32,
    /// MASTER: due times of delayed lower-priority bursts, oldest first (keepalived arms one
    /// per lower-priority advert, so several can be pending).
    lower_prio_bursts: VecDeque<Instant>,
    /// Owner only: another owner with a lower address keeps advertising 255 (address, first
    /// seen, its interval).
    rogue_owner: Option<(IpAddr, Instant, Duration)>,
    /// Owner only: backed off to 254 because of a rogue owner.
    owner_backed_off: bool,
    counters: Counters,
    outputs: OutputQueue,
}

impl Instance {
    /// An instance in INIT. `primary_address` is the interface's primary address (IPv4) or
    /// link-local (IPv6), used when the config gives no `mcast_src_ip`/`unicast_src_ip`; `None`
    /// means the interface has none (adverts then go out from the unspecified address).
    pub fn new(config: InstanceConfig, primary_address: Option<IpAddr>) -> Instance {
        let primary_address =
            config
                .source_address
                .or(primary_address)
                .unwrap_or(match config.family {
                    Family::Ipv4 => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                    Family::Ipv6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
                });
        Instance {
            effective_priority: config.priority,
            master_adver_interval: config.advert_interval,
            config,
            primary_address,
            state: State::Init,
            timers: TimerTable::default(),
            preempt_deadline: None,
            master: None,
            resigned_from: None,
            sync_gated: false,
            wants_master: None,
            garp_rounds_left: 0,
            lower_prio_bursts: VecDeque::new(),
            rogue_owner: None,
            owner_backed_off: false,
            counters: Counters::default(),
            outputs: OutputQueue::new(IDLE_OUTPUTS),
        }
    }

    // ---- getters ----

    /// The configuration.
    pub fn config(&self) -> &InstanceConfig {
        &self.config
    }

    /// Instance name.
    pub fn name(&self) -> &str {
        &self.config.name
    }

    /// Current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// The configured priority (255 = address owner).
    pub fn base_priority(&self) -> u8 {
        self.config.priority
    }

    /// True for the address owner (configured priority 255).
    pub fn is_owner(&self) -> bool {
        self.config.priority == 255
    }

    /// Effective priority: the configured one adjusted by trackers, in 1–254 (255 for owners).
    pub fn effective_priority(&self) -> u8 {
        self.effective_priority
    }

    /// The advert source and tie-break address.
    pub fn primary_address(&self) -> IpAddr {
        self.primary_address
    }

    /// Master_Adver_Interval: the configured interval, or the master's (v3 backups adopt it).
    pub fn master_adver_interval(&self) -> Duration {
        self.master_adver_interval
    }

    /// Skew_Time for the current effective priority and Master_Adver_Interval.
    pub fn skew_time(&self) -> Duration {
        timing::skew_time(
            self.config.version,
            self.effective_priority,
            self.master_adver_interval,
        )
    }

    /// Master_Down_Interval = `down_timer_adverts` · Master_Adver_Interval + Skew_Time.
    pub fn master_down_interval(&self) -> Duration {
        timing::master_down_interval(
            self.config.version,
            self.effective_priority,
            self.master_adver_interval,
            self.config.down_timer_adverts,
        )
    }

    /// Accept mode in effect: configured `accept`, and always for the address owner.
    pub fn accept_mode(&self) -> bool {
        self.is_owner() || self.config.accept
    }

    /// True when adverts go to unicast peers instead of the multicast group.
    pub fn is_unicast(&self) -> bool {
        !self.config.unicast_peers.is_empty()
    }

    /// The master last accepted while BACKUP (`None` while MASTER or before any advert).
    pub fn master(&self) -> Option<MasterInfo> {
        self.master
    }

    /// Statistics.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// The armed deadline of one timer (for tests and status).
    pub fn timer(&self, timer: Timer) -> Option<Instant> {
        self.timers.get(timer)
    }

    /// In a sync group: Master_Down expired and this member waits for the others.
    pub fn wants_master(&self) -> bool {
        self.wants_master.is_some()
    }

    // ---- commands (from the node) ----

    /// Marks the instance as a sync-group member: Master_Down expiry then only records that it
    /// wants MASTER ([`Instance::wants_master`]); the node promotes members together.
    pub fn set_sync_gated(&mut self, gated: bool) {
        self.sync_gated = gated;
    }

    /// The interface's primary (IPv4) or link-local (IPv6) address changed: adverts go out from
    /// `address` from now on. Ignored when `mcast_src_ip` / `unicast_src_ip` is configured;
    /// `None` leaves the unspecified address (the node keeps such an instance in FAULT).
    pub fn set_primary_address(&mut self, address: Option<IpAddr>) {
        if self.config.source_address.is_some() {
            return;
        }
        self.primary_address = address.unwrap_or(match self.config.family {
            Family::Ipv4 => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            Family::Ipv6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        });
    }

    /// Sets the effective priority computed by tracking (ignored for owners, clamped to 1–254).
    /// A change while running is reported as a MASTER_PRIORITY / BACKUP_PRIORITY event with
    /// `notify_priority_changes` (keepalived `vrrp_set_effective_priority`).
    pub fn set_effective_priority(&mut self, priority: u8) {
        let before = self.effective_priority;
        self.effective_priority = if self.is_owner() {
            if self.owner_backed_off { 254 } else { 255 }
        } else {
            priority.clamp(1, 254)
        };
        if self.effective_priority != before
            && self.state != State::Init
            && self.config.notify_priority_changes
        {
            let kind = if self.state == State::Master {
                crate::io::NotifyEventKind::MasterPriority
            } else {
                crate::io::NotifyEventKind::BackupPriority
            };
            self.outputs
                .push_back(Output::NotifyEvent(crate::io::NotifyEvent {
                    name: self.config.name.clone(),
                    group: false,
                    kind,
                    priority: self.effective_priority,
                }));
        }
    }

    /// Zeroes the statistics (keepalived's STATS_CLEAR signal).
    pub fn clear_counters(&mut self) {
        self.counters = Counters::default();
    }

    // ---- polls ----

    /// The next output, or `None` when drained.
    #[must_use]
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// Swaps this instance's output queue with `queue`. A node lends its own queue for the
    /// length of a call (and takes it back with a second swap), so that the instance's outputs
    /// land behind the node's directly.
    pub(crate) fn swap_outputs(&mut self, queue: &mut OutputQueue) {
        std::mem::swap(&mut self.outputs, queue);
    }

    /// Entries allocated in this instance's own output queue (for tests).
    #[cfg(test)]
    pub(crate) fn outputs_capacity(&self) -> usize {
        self.outputs.capacity()
    }

    /// When `handle_timeout` must be called next, if any timer is armed.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.next_timeout()
    }

    // ---- timers ----

    /// Handles every expired timer, in [`Timer::VALUES`] order. Early or repeated calls are
    /// harmless.
    pub fn handle_timeout(&mut self, now: Instant) {
        for &timer in Timer::VALUES {
            if !self.timers.take_expired(timer, now) {
                continue;
            }
            match timer {
                Timer::MasterDown => self.on_master_down(now),
                Timer::Advert => {
                    if self.state == State::Master {
                        self.send_advert(self.effective_priority);
                        self.timers
                            .set(Timer::Advert, now + self.config.advert_interval);
                    }
                }
                Timer::GarpBurst => self.send_garp_round(now),
                Timer::GarpSecondBurst => {
                    self.start_garp_burst(now, self.config.garp.master_repeat)
                }
                Timer::GarpLowerPrio => self.send_due_lower_prio_bursts(now),
                Timer::GarpRefresh => {
                    if let Some(refresh) = self.config.garp.master_refresh {
                        for _ in 0..self.config.garp.master_refresh_repeat {
                            self.announce_all();
                        }
                        self.timers.set(Timer::GarpRefresh, now + refresh);
                    }
                }
            }
        }
    }

    fn on_master_down(&mut self, now: Instant) {
        if self.state != State::Backup {
            return;
        }
        let reason = match self.resigned_from {
            Some(from) => TransitionReason::MasterResigned { from },
            None => TransitionReason::MasterDownTimerExpired,
        };
        if self.sync_gated {
            // keepalived `vrrp_state_goto_master` returns early when the sync group cannot go
            // master: remember the wish and keep trying every Master_Down_Interval.
            self.wants_master = Some(reason);
            self.timers
                .set(Timer::MasterDown, now + self.master_down_interval());
        } else {
            self.become_master(now, reason);
        }
    }

    /// Whether this instance's preemption rule accepts a lower-priority advert at `now`
    /// (`nopreempt`, or within `preempt_delay` of the first one).
    fn accepts_lower_priority(&mut self, now: Instant) -> bool {
        match self.config.preempt {
            Preempt::Disabled => true,
            Preempt::Enabled => false,
            Preempt::Delay(delay) => {
                let deadline = *self.preempt_deadline.get_or_insert(now + delay);
                now <= deadline
            }
        }
    }
}
