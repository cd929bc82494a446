//! Processes the harness started inside test namespaces, and nothing else.
//!
//! Every daemon is spawned as `ip netns exec NS program …` (which execs the program, so the pid
//! is the daemon's), in a new process group of its own. The [`ProcessTable`] owns the `Child`
//! handles; signals go to those pids and process groups only (never to a name), and
//! [`ProcessTable::kill_all`] (called when the topology is dropped, panics included) SIGKILLs
//! every group that is still there and reaps it. Output (stdout and stderr merged) goes through
//! a thread that prefixes each line with the Unix time, so logs correlate with the capture.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::error::{HarnessError, Result};

/// A process the harness started: its pid is also its process group id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pid(pub i32);

struct Tracked {
    label: String,
    child: Child,
}

/// Every process started for one topology.
#[derive(Default)]
pub struct ProcessTable {
    tracked: Mutex<Vec<Tracked>>,
}

/// Seconds since the Unix epoch, with microseconds, as logs and captures use.
pub fn epoch_now() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

fn log_pipe() -> Result<(File, OwnedFd)> {
    let mut fds = [0i32; 2];
    // SAFETY: fds has room for two descriptors; pipe2 fills both on success.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(HarnessError::io("pipe2", std::io::Error::last_os_error()));
    }
    // SAFETY: both descriptors were just created and are owned by nobody else.
    unsafe { Ok((File::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1]))) }
}

impl ProcessTable {
    /// Starts `program args…` inside `namespace` in its own process group, appending its
    /// output (time-prefixed) to `log`. `label` names it in messages.
    pub fn spawn_in(
        &self,
        namespace: &str,
        label: &str,
        program: &str,
        args: &[&str],
        log: &Path,
    ) -> Result<Pid> {
        let (reader, writer) = log_pipe()?;
        let writer2 = writer
            .try_clone()
            .map_err(|e| HarnessError::io("dup log pipe", e))?;
        let mut log_file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .map_err(|e| HarnessError::io(format!("open {}", log.display()), e))?;
        let mut command = Command::new("ip");
        command
            .args(["netns", "exec", namespace, program])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::from(writer))
            .stderr(Stdio::from(writer2))
            .process_group(0);
        let child = command.spawn().map_err(|e| HarnessError::Command {
            command: format!("ip netns exec {namespace} {program} {}", args.join(" ")),
            detail: e.to_string(),
        })?;
        drop(command); // closes our copies of the pipe's write end
        let pid = Pid(child.id() as i32);
        let thread_label = label.to_string();
        std::thread::Builder::new()
            .name(format!("log-{label}"))
            .spawn(move || {
                for line in BufReader::new(reader).lines() {
                    let Ok(line) = line else { break };
                    let t = epoch_now();
                    let _ = writeln!(
                        log_file,
                        "{}.{:06} {thread_label} {line}",
                        t.as_secs(),
                        t.subsec_micros()
                    );
                }
                let _ = log_file.flush();
            })
            .map_err(|e| HarnessError::io("spawn log thread", e))?;
        self.tracked
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(Tracked {
                label: label.to_string(),
                child,
            });
        Ok(pid)
    }

    /// Sends `signal` to the whole process group of `pid` (only if the harness started it
    /// and it has not been reaped).
    pub fn signal_group(&self, pid: Pid, signal: i32) -> Result<()> {
        let mut tracked = self.tracked.lock().unwrap_or_else(|p| p.into_inner());
        let Some(entry) = tracked.iter_mut().find(|t| t.child.id() as i32 == pid.0) else {
            return Err(HarnessError::Invalid(format!(
                "pid {} was not started by this harness",
                pid.0
            )));
        };
        // The leader is never reaped before kill_all, so its pid (= the group id) cannot have
        // been reused: the group is ours even when the leader already exited.
        // SAFETY: kill has no memory preconditions; the target is our own child's group.
        unsafe { libc::kill(-(entry.child.id() as i32), signal) };
        Ok(())
    }

    /// Sends `signal` to one extra pid that a tracked daemon wrote to its pid file (a forked
    /// child), but only while that pid is a member of the tracked group `group`.
    pub fn signal_member(&self, group: Pid, member: i32, signal: i32) {
        if member <= 1 || process_group_of(member) != Some(group.0) {
            return;
        }
        // SAFETY: see signal_group; member is in a group the harness owns.
        unsafe { libc::kill(member, signal) };
    }

    /// Whether the tracked leader `pid` is still running (a zombie counts as exited).
    pub fn is_running(&self, pid: Pid) -> bool {
        let tracked = self.tracked.lock().unwrap_or_else(|p| p.into_inner());
        tracked
            .iter()
            .any(|t| t.child.id() as i32 == pid.0 && !leader_exited(pid.0))
    }

    /// Waits up to `timeout` for `pid` to exit; `true` if it did.
    pub fn wait_exit(&self, pid: Pid, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if !self.is_running(pid) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        !self.is_running(pid)
    }

    /// SIGKILLs every tracked process group that is still alive and reaps the leaders.
    /// Returns the labels of those that had to be killed.
    pub fn kill_all(&self) -> Vec<String> {
        let mut tracked = self.tracked.lock().unwrap_or_else(|p| p.into_inner());
        let mut killed = Vec::new();
        for t in tracked.iter_mut() {
            let pid = t.child.id() as i32;
            if !leader_exited(pid) {
                killed.push(t.label.clone());
            }
            // The leader is still unreaped (at worst a zombie), so the group id is still ours;
            // forked members may outlive the leader, so the group is signalled either way.
            // SAFETY: the group id is the pid of a child this table spawned.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
                libc::kill(-pid, libc::SIGCONT);
            }
            let _ = t.child.wait();
        }
        tracked.clear();
        killed
    }
}

/// The process group of `pid`, if it exists.
pub fn process_group_of(pid: i32) -> Option<i32> {
    // SAFETY: getpgid has no memory preconditions.
    let pgid = unsafe { libc::getpgid(pid) };
    (pgid > 0).then_some(pgid)
}

/// Whether the tracked child `pid` has exited, without reaping it (`WNOWAIT`): a zombie leader
/// keeps its pid, and so its process group id, reserved until [`ProcessTable::kill_all`].
fn leader_exited(pid: i32) -> bool {
    // SAFETY: info is a zeroed siginfo_t that waitid fills; WNOHANG never blocks.
    unsafe {
        let mut info: libc::siginfo_t = std::mem::zeroed();
        let rc = libc::waitid(
            libc::P_PID,
            pid as libc::id_t,
            &mut info,
            libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
        );
        rc != 0 || info.si_pid() != 0
    }
}
