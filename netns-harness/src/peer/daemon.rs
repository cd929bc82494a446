//! One daemon process (and whatever it forks) started in a host namespace.
//!
//! The daemon runs in its own process group (see [`crate::processes`]); signals go to the
//! group and to any extra pids the daemon wrote to pid files that are still members of it.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::error::{HarnessError, Result};
use crate::processes::{Pid, ProcessTable};

/// A daemon command line bound to a namespace, started and signalled by pid.
pub struct Daemon {
    label: String,
    namespace: String,
    program: String,
    args: Vec<String>,
    log: PathBuf,
    member_pid_files: Vec<PathBuf>,
    stale_files: Vec<PathBuf>,
    processes: Arc<ProcessTable>,
    pid: Option<Pid>,
}

impl Daemon {
    /// Describes `program args…` to run in `namespace`, logging to `log`.
    pub fn new(
        processes: Arc<ProcessTable>,
        label: &str,
        namespace: &str,
        program: &str,
        args: Vec<String>,
        log: PathBuf,
    ) -> Daemon {
        Daemon {
            label: label.to_string(),
            namespace: namespace.to_string(),
            program: program.to_string(),
            args,
            log,
            member_pid_files: Vec::new(),
            stale_files: Vec::new(),
            processes,
            pid: None,
        }
    }

    /// Pid files in which the daemon writes the pids of its forked children.
    pub fn with_member_pid_files(mut self, files: Vec<PathBuf>) -> Daemon {
        self.member_pid_files = files;
        self
    }

    /// Files removed before every start: pid files a crashed run left behind (a daemon that
    /// finds its pid file naming a live or zombie process refuses to start).
    pub fn with_stale_files(mut self, files: Vec<PathBuf>) -> Daemon {
        self.stale_files = files;
        self
    }

    /// The log file.
    pub fn log(&self) -> &Path {
        &self.log
    }

    /// The main pid, once started.
    pub fn pid(&self) -> Option<Pid> {
        self.pid
    }

    /// Starts the daemon (stale pid files of an earlier run are removed first).
    pub fn start(&mut self) -> Result<()> {
        if self.is_running() {
            return Err(HarnessError::Invalid(format!(
                "{} already runs",
                self.label
            )));
        }
        for f in self.member_pid_files.iter().chain(&self.stale_files) {
            let _ = std::fs::remove_file(f);
        }
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        self.pid = Some(self.processes.spawn_in(
            &self.namespace,
            &self.label,
            &self.program,
            &args,
            &self.log,
        )?);
        Ok(())
    }

    /// Waits until every member pid file exists and names a process (the daemon forked).
    pub fn wait_for_members(&self, timeout: Duration) -> Result<()> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if self.member_pids().len() == self.member_pid_files.len() {
                return Ok(());
            }
            if !self.is_running() {
                return Err(HarnessError::Invalid(format!(
                    "{} exited during start-up; log: {}",
                    self.label,
                    self.log.display()
                )));
            }
            if std::time::Instant::now() >= deadline {
                return Err(HarnessError::Timeout(format!(
                    "{} writing its pid files; log: {}",
                    self.label,
                    self.log.display()
                )));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn member_pids(&self) -> Vec<i32> {
        self.member_pid_files
            .iter()
            .filter_map(|f| std::fs::read_to_string(f).ok())
            .filter_map(|s| s.trim().parse::<i32>().ok())
            .filter(|p| *p > 1)
            .collect()
    }

    /// Sends `signal` to the main process only.
    pub fn signal_main(&self, signal: i32) -> Result<()> {
        let Some(pid) = self.pid else { return Ok(()) };
        if self.processes.is_running(pid) {
            // SAFETY: pid is a live child the harness spawned (not yet reaped).
            unsafe { libc::kill(pid.0, signal) };
        }
        Ok(())
    }

    /// Sends `signal` to every process of the daemon: its group and its pid-file members.
    pub fn signal_all(&self, signal: i32) -> Result<()> {
        let Some(pid) = self.pid else { return Ok(()) };
        for member in self.member_pids() {
            self.processes.signal_member(pid, member, signal);
        }
        self.processes.signal_group(pid, signal)
    }

    /// Whether the main process runs.
    pub fn is_running(&self) -> bool {
        self.pid.is_some_and(|p| self.processes.is_running(p))
    }

    /// Waits up to `timeout` for the main process to exit; `true` if it did.
    pub fn wait_exit(&self, timeout: Duration) -> bool {
        self.pid
            .is_none_or(|p| self.processes.wait_exit(p, timeout))
    }

    /// Graceful stop: `signal` to the main process, wait up to `grace`, then SIGKILL the group.
    pub fn stop_with(&mut self, signal: i32, grace: Duration) -> Result<()> {
        self.signal_main(signal)?;
        if !self.wait_exit(grace) {
            self.signal_all(libc::SIGKILL)?;
            self.wait_exit(Duration::from_secs(2));
            return Err(HarnessError::Timeout(format!(
                "{} ignoring signal {signal} for {grace:?} (SIGKILLed)",
                self.label
            )));
        }
        // Forked children outlive a graceful parent only by a few ms; make sure they're gone.
        self.signal_all(libc::SIGKILL)?;
        Ok(())
    }

    /// Crash: freeze every process first (so none reacts to the others dying), then SIGKILL.
    pub fn crash(&mut self) -> Result<()> {
        self.signal_all(libc::SIGSTOP)?;
        self.signal_all(libc::SIGKILL)?;
        if !self.wait_exit(Duration::from_secs(2)) {
            return Err(HarnessError::Timeout(format!(
                "{} surviving SIGKILL",
                self.label
            )));
        }
        Ok(())
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if self.is_running() {
            let _ = self.signal_all(libc::SIGKILL);
        }
    }
}
