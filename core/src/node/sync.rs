//! Sync groups (keepalived `vrrp_sync.c`): members move together.
//!
//! - A member goes MASTER only when every member wants MASTER (its Master_Down expired) or
//!   already is MASTER — "prefer backup state to avoid thrashing" (`vrrp_sync_can_goto_master`).
//! - One member going BACKUP drags the other masters to BACKUP (`vrrp_sync_backup`).
//! - One member in FAULT puts every member in FAULT (`vrrp_sync_fault`; done in tracking).

use super::{Node, Notify, NotifyEvent, NotifyEventKind, Output};
use crate::Instant;
use crate::vrrp::{Hook, Instance, State, SyncGroupConfig, TransitionReason};

/// A sync group resolved to instance indices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SyncGroup {
    pub name: String,
    pub config_index: usize,
    pub members: Vec<usize>,
    /// Aggregate state last notified (FAULT if any member is, MASTER if all are, …).
    pub state: State,
}

impl SyncGroup {
    /// Resolves member names; unknown names are skipped, groups with fewer than two members
    /// are dropped (keepalived removes them with a warning).
    pub fn build(configs: &[SyncGroupConfig], instances: &[Instance]) -> Vec<SyncGroup> {
        configs
            .iter()
            .enumerate()
            .filter_map(|(config_index, g)| {
                let members: Vec<usize> = g
                    .members
                    .iter()
                    .filter_map(|name| instances.iter().position(|i| i.name() == name))
                    .collect();
                (members.len() >= 2).then(|| SyncGroup {
                    name: g.name.clone(),
                    config_index,
                    members,
                    state: State::Init,
                })
            })
            .collect()
    }
}

impl Node {
    /// Applies the sync-group rules after an input.
    pub(super) fn reconcile_groups(&mut self, now: Instant) {
        for g in 0..self.groups.len() {
            let members = self.groups[g].members.clone();
            let name = self.groups[g].name.clone();
            // Drag: a member in BACKUP takes the masters with it.
            let backup_member = members
                .iter()
                .copied()
                .find(|&m| self.instances[m].state() == State::Backup);
            if let Some(leader) = backup_member {
                let reason = TransitionReason::SyncGroup {
                    group: name.clone(),
                    member: self.instances[leader].name().to_string(),
                };
                for &m in &members {
                    if self.instances[m].state() == State::Master {
                        self.with_instance(m, |instance| instance.demote(now, reason.clone()));
                    }
                }
            }
            // Promote: every member wants MASTER (or is MASTER) and at least one waits.
            let all_ready = members.iter().all(|&m| {
                let i = &self.instances[m];
                i.state() == State::Master || (i.state() == State::Backup && i.wants_master())
            });
            let any_waiting = members.iter().any(|&m| self.instances[m].wants_master());
            if all_ready && any_waiting {
                for &m in &members {
                    self.with_instance(m, |instance| instance.promote(now, None));
                }
            }
            self.notify_group(g);
        }
    }

    /// Runs the group's notify hooks when its aggregate state changes.
    fn notify_group(&mut self, g: usize) {
        let states: Vec<State> = self.groups[g]
            .members
            .iter()
            .map(|&m| self.instances[m].state())
            .collect();
        let state = if states.contains(&State::Fault) {
            State::Fault
        } else if states.iter().all(|s| *s == State::Master) {
            State::Master
        } else if states.iter().all(|s| *s == State::Init) {
            State::Init
        } else {
            State::Backup
        };
        self.enter_group_state(g, state);
    }

    /// Records the group's aggregate `state` and, when it changed, emits the group's hooks and
    /// its notify event (keepalived `send_group_notifies`: the state's hook, the generic
    /// `notify` with `GROUP name STATE 0`, the FIFO line).
    pub(super) fn enter_group_state(&mut self, g: usize, state: State) {
        if state == self.groups[g].state {
            return;
        }
        self.groups[g].state = state;
        let name = self.groups[g].name.clone();
        let hooks = &self.config.sync_groups[self.groups[g].config_index].notify;
        let specific = match state {
            State::Master => hooks.master.clone(),
            State::Backup => hooks.backup.clone(),
            State::Fault => hooks.fault.clone(),
            State::Init => hooks.stop.clone(),
        };
        let event = NotifyEvent {
            name: name.clone(),
            group: true,
            kind: NotifyEventKind::State(state),
            priority: 0,
        };
        let generic = hooks.generic.clone().map(|hook| Hook {
            command: format!("{} GROUP {name} {} 0", hook.command, event.kind.word()),
            user: hook.user,
        });
        for hook in specific.into_iter().chain(generic) {
            self.outputs.push_back(Output::Notify(Notify {
                name: name.clone(),
                group: true,
                state,
                command: hook.command,
                user: hook.user,
            }));
        }
        self.outputs.push_back(Output::NotifyEvent(event));
    }
}
