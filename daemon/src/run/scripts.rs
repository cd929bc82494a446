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

/// Running probes, by id.
#[derive(Default)]
pub struct Probes {
    running: BTreeMap<ProbeId, oneshot::Sender<()>>,
}

fn shell(command: &str) -> Command {
    let mut c = Command::new("/bin/sh");
    c.arg("-c")
        .arg(command)
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
    pub fn start(&mut self, probe: Probe, results: mpsc::UnboundedSender<(ProbeId, ProbeResult)>) {
        let id = probe.id;
        let ProbeAction::RunScript { command, user } = probe.action else {
            tracing::warn!(
                ?id,
                "only script probes run in `vrrplab run`; reported as failed"
            );
            let _ = results.send((id, ProbeResult::SpawnFailed));
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
                let _ = results.send((id, ProbeResult::SpawnFailed));
                return;
            }
        };
        let (cancel_tx, cancel_rx) = oneshot::channel();
        self.running.insert(id, cancel_tx);
        tokio::spawn(async move {
            tokio::select! {
                status = child.wait() => {
                    let result = status.map(result_of).unwrap_or(ProbeResult::SpawnFailed);
                    let _ = results.send((id, result));
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

    /// Forgets a finished probe.
    pub fn finished(&mut self, id: ProbeId) {
        self.running.remove(&id);
    }

    /// Cancels a probe: SIGTERM now, SIGKILL after [`KILL_GRACE`].
    pub fn cancel(&mut self, id: ProbeId) {
        if let Some(cancel) = self.running.remove(&id) {
            let _ = cancel.send(());
        }
    }

    /// Cancels every running probe (at shutdown).
    pub fn cancel_all(&mut self) {
        for (_, cancel) in std::mem::take(&mut self.running) {
            let _ = cancel.send(());
        }
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
