//! Child processes: `vrrp_script` probes (`sh -c CMD`, exit status back to the core) and notify
//! hooks (spawned, never awaited by the driver loop). A cancelled probe gets SIGTERM, then
//! SIGKILL after [`KILL_GRACE`]; its result is dropped.

use std::collections::BTreeMap;
use std::os::unix::process::ExitStatusExt;
use std::time::Duration;
use tokio::process::Command;
use tokio::sync::{mpsc, oneshot};
use vrrplab_core::check::{Probe, ProbeAction, ProbeId, ProbeResult};

/// Time between SIGTERM and SIGKILL for a cancelled probe.
pub const KILL_GRACE: Duration = Duration::from_secs(2);

/// A finished probe: the generation it was started in, its id and result.
pub type Finished = (u64, ProbeId, ProbeResult);

/// Running probes, by id. [`Probes::cancel_all`] starts a new generation: results of probes
/// started before it (already queued, or from a runner whose ids restart) are stale.
#[derive(Default)]
pub struct Probes {
    running: BTreeMap<ProbeId, oneshot::Sender<()>>,
    generation: u64,
}

fn shell(command: &str) -> Command {
    let mut c = Command::new("/bin/sh");
    c.arg("-c")
        .arg(command)
        // systemd's socket is the daemon's: a script must not report readiness for it.
        .env_remove("NOTIFY_SOCKET")
        .stdin(std::process::Stdio::null())
        .kill_on_drop(false);
    c
}

/// The core's view of how a child ended.
fn result_of(status: std::process::ExitStatus) -> ProbeResult {
    match (status.code(), status.signal()) {
        (Some(code), _) => ProbeResult::Exited(code),
        (None, Some(signal)) => ProbeResult::Signalled(signal),
        (None, None) => ProbeResult::SpawnFailed,
    }
}

fn terminate(pid: Option<u32>, signal: nix::sys::signal::Signal) {
    if let Some(pid) = pid.and_then(|p| i32::try_from(p).ok()) {
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), signal);
    }
}

impl Probes {
    /// Starts `probe`; its result arrives on `results` (unless cancelled first).
    pub fn start(&mut self, probe: Probe, results: mpsc::UnboundedSender<Finished>) {
        let id = probe.id;
        let generation = self.generation;
        let ProbeAction::RunScript { command, user } = probe.action else {
            tracing::warn!(
                ?id,
                "only script probes run in `vrrplab run`; reported as failed"
            );
            let _ = results.send((generation, id, ProbeResult::SpawnFailed));
            return;
        };
        if let Some(user) = user {
            tracing::debug!(
                user,
                command,
                "script user is not switched (runs as the daemon's user)"
            );
        }
        // A probe still running when the daemon exits is killed with it.
        let mut child = match shell(&command).kill_on_drop(true).spawn() {
            Ok(child) => child,
            Err(e) => {
                tracing::warn!(command, error = %e, "script could not be started");
                let _ = results.send((generation, id, ProbeResult::SpawnFailed));
                return;
            }
        };
        let (cancel_tx, cancel_rx) = oneshot::channel();
        self.running.insert(id, cancel_tx);
        tokio::spawn(async move {
            tokio::select! {
                status = child.wait() => {
                    let result = status.map(result_of).unwrap_or(ProbeResult::SpawnFailed);
                    let _ = results.send((generation, id, result));
                }
                _ = cancel_rx => {
                    terminate(child.id(), nix::sys::signal::Signal::SIGTERM);
                    if tokio::time::timeout(KILL_GRACE, child.wait()).await.is_err() {
                        let _ = child.kill().await;
                    }
                }
            }
        });
    }

    /// Forgets a finished probe; `false` when its result is stale (an earlier generation).
    pub fn finished(&mut self, generation: u64, id: ProbeId) -> bool {
        if generation != self.generation {
            return false;
        }
        self.running.remove(&id);
        true
    }

    /// Cancels a probe: SIGTERM now, SIGKILL after [`KILL_GRACE`].
    pub fn cancel(&mut self, id: ProbeId) {
        if let Some(cancel) = self.running.remove(&id) {
            let _ = cancel.send(());
        }
    }

    /// Cancels every running probe (at reload and shutdown) and starts a new generation.
    pub fn cancel_all(&mut self) {
        for (_, cancel) in std::mem::take(&mut self.running) {
            let _ = cancel.send(());
        }
        self.generation += 1;
    }
}

/// Spawns a notify hook; a task reaps it so no zombie is left.
pub fn notify(command: &str) {
    match shell(command).spawn() {
        Ok(mut child) => {
            tokio::spawn(async move {
                let _ = child.wait().await;
            });
        }
        Err(e) => tracing::warn!(command, error = %e, "notify hook could not be started"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(id: ProbeId, command: &str) -> Probe {
        Probe {
            id,
            action: ProbeAction::RunScript {
                command: command.to_string(),
                user: None,
            },
            timeout: Duration::from_secs(5),
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn script_exit_status_is_reported_with_its_generation() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut probes = Probes::default();
        let id = ProbeId::new(0, 1);
        probes.start(script(id, "exit 3"), tx.clone());
        assert_eq!(rx.recv().await, Some((0, id, ProbeResult::Exited(3))));
        assert!(probes.finished(0, id));
        let killed = ProbeId::new(0, 2);
        probes.start(script(killed, "kill -9 $$"), tx);
        assert_eq!(
            rx.recv().await,
            Some((0, killed, ProbeResult::Signalled(9)))
        );
    }

    #[tokio::test(flavor = "current_thread")]
    async fn cancelled_probe_is_killed_and_its_generation_is_stale() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut probes = Probes::default();
        let id = ProbeId::new(0, 1);
        probes.start(script(id, "exec sleep 30"), tx);
        probes.cancel_all();
        // The task ends after SIGTERM without a result; the sender is dropped with it.
        assert_eq!(rx.recv().await, None);
        assert!(
            !probes.finished(0, id),
            "a result from before cancel_all is stale"
        );
    }

    #[test]
    fn exit_code_and_signal_map_to_probe_results() {
        assert_eq!(
            result_of(std::process::ExitStatus::from_raw(0)),
            ProbeResult::Exited(0)
        );
        assert_eq!(
            result_of(std::process::ExitStatus::from_raw(3 << 8)),
            ProbeResult::Exited(3)
        );
        assert_eq!(
            result_of(std::process::ExitStatus::from_raw(9)),
            ProbeResult::Signalled(9)
        );
    }
}
