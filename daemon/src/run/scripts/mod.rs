//! Child processes: `vrrp_script` probes (exit status back to the core) and notify hooks
//! (spawned, never awaited by the driver loop). A cancelled probe gets SIGTERM, then SIGKILL
//! after [`KILL_GRACE`]; its result is dropped.
//!
//! Each command line runs as the user keepalived would pick ([`user`]). Without
//! `enable_script_security` it is exec'd directly or through `/bin/sh -c` ([`command::plan`]).
//! With it, it runs as keepalived runs it — never through a shell: its first word is the
//! program, resolved in PATH when bare, and only after that file passed keepalived's path
//! check ([`security`]) is it exec'd, the other words as literal arguments
//! ([`command::words`]); a program that cannot be found is refused. A refused or unstartable
//! probe counts as failed (weight 0 ⇒ FAULT, as for a failing script); a refused hook does
//! not run. Each refusal is logged once per command line, naming the line and the reason.

pub mod command;
pub mod security;
pub mod user;

use command::Program;
use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::process::ExitStatusExt;
use std::sync::{Mutex, RwLock};
use std::time::Duration;
use tokio::process::Command;
use tokio::sync::{mpsc, oneshot};
use user::RunAs;
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

/// How scripts run: the default user and whether `enable_script_security` is on.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The default user (`Err`: `script_user` names no user, so scripts cannot run).
    pub default_user: Result<RunAs, String>,
    /// `enable_script_security`.
    pub security: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            default_user: Ok(RunAs::root()),
            security: false,
        }
    }
}

static SETTINGS: RwLock<Option<Settings>> = RwLock::new(None);
static REPORTED: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

/// Sets how scripts run, from `global_defs`: at start, and again at every accepted reload
/// (keepalived re-reads `script_user` and `enable_script_security` with the rest).
/// `checkers`: the file has virtual servers (their MISC_CHECKs and hooks run as the default
/// user too). With neither scripts nor checkers nothing runs as the default user, so it is not
/// looked up (the lookup loads the NSS modules, ~0.4 MiB of the daemon's resident memory); a
/// reload that adds some looks it up then.
pub fn configure(script_user: Option<&str>, security: bool, any_scripts: bool, checkers: bool) {
    let (default_user, warning) = if any_scripts || checkers || script_user.is_some() {
        user::default_user(script_user)
    } else {
        (Ok(RunAs::root()), None)
    };
    if any_scripts {
        if let Some(w) = warning {
            tracing::warn!("{w}");
        }
        if let Err(e) = &default_user {
            tracing::error!("{e}: scripts and notify hooks that use the default user will not run");
        }
    }
    let settings = Settings {
        default_user,
        security,
    };
    match SETTINGS.write() {
        Ok(mut s) => *s = Some(settings),
        Err(poisoned) => *poisoned.into_inner() = Some(settings),
    }
}

/// [`configure`] from a configuration's `global_defs`.
pub fn configure_from(
    global: &vrrplab_core::config::model::GlobalDefs,
    any_scripts: bool,
    checkers: bool,
) {
    let script_user = global
        .script_user
        .as_ref()
        .map(|(u, g)| g.as_ref().map_or(u.clone(), |g| format!("{u} {g}")));
    configure(
        script_user.as_deref(),
        global.enable_script_security,
        any_scripts,
        checkers,
    );
}

fn settings() -> Settings {
    match SETTINGS.read() {
        Ok(s) => s.clone().unwrap_or_default(),
        Err(poisoned) => poisoned.into_inner().clone().unwrap_or_default(),
    }
}

/// Logs `message` at error level the first time it is seen for `command`.
fn report_once(command: &str, message: &str) {
    let first = REPORTED
        .lock()
        .map(|mut r| r.insert(format!("{command}\0{message}")))
        .unwrap_or(true);
    if first {
        tracing::error!(command, "{message}");
    }
}

/// The command for `line` run as `user` (`USER [GROUP]`, or the default), or why it may not run.
fn prepare(line: &str, user: Option<&str>) -> Result<Command, String> {
    prepare_with(line, user, &settings())
}

/// [`prepare`] with explicit settings.
fn prepare_with(line: &str, user: Option<&str>, settings: &Settings) -> Result<Command, String> {
    let run_as = match user {
        Some(spec) => user::resolve(spec).map_err(|e| format!("user {spec}: {e}"))?,
        None => settings.default_user.clone()?,
    };
    let program = if settings.security {
        secure_program(line, &run_as).map_err(|e| format!("SECURITY VIOLATION, not run: {e}"))?
    } else {
        match command::plan(line) {
            // A word that is no program (a shell builtin such as `exit`) needs the shell.
            Program::Direct(argv) if security::locate(&argv[0]).is_none() => {
                Program::Shell(line.to_string())
            }
            p => p,
        }
    };
    let mut c = match &program {
        Program::Direct(argv) => {
            let mut c = Command::new(&argv[0]);
            c.args(&argv[1..]);
            c
        }
        Program::Shell(line) => {
            let mut c = Command::new("/bin/sh");
            c.arg("-c").arg(line);
            c
        }
    };
    c.stdin(std::process::Stdio::null())
        // systemd's socket is the daemon's: a script must not report readiness for it.
        .env_remove("NOTIFY_SOCKET")
        .kill_on_drop(false);
    if !run_as.is_current() {
        switch_user(&mut c, run_as);
    }
    Ok(c)
}

/// Under `enable_script_security`, as keepalived runs a line: no shell, the first word is the
/// program and the other words its literal arguments; the program (a bare name resolved in
/// PATH, exec'd by that path) must pass [`security::check`].
fn secure_program(line: &str, run_as: &RunAs) -> Result<Program, String> {
    let mut argv = command::words(line)
        .ok_or_else(|| format!("{line}: unterminated quote or trailing backslash"))?;
    let first = argv.first().ok_or("empty command line")?;
    let file = security::check(first, run_as)?;
    argv[0] = file.to_string_lossy().into_owned();
    Ok(Program::Direct(argv))
}

/// Makes the child drop to `run_as` between fork and exec: supplementary groups, group, user
/// (in that order, while it still may).
fn switch_user(c: &mut Command, run_as: RunAs) {
    let groups: Vec<libc::gid_t> = run_as.groups.clone();
    // SAFETY: the closure only makes async-signal-safe system calls (setgroups, setgid,
    // setuid) on data prepared before the fork.
    unsafe {
        c.pre_exec(move || {
            if libc::setgroups(groups.len(), groups.as_ptr()) != 0
                || libc::setgid(run_as.gid) != 0
                || libc::setuid(run_as.uid) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
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
        let spawned = prepare(&command, user.as_deref())
            .and_then(|mut c| c.kill_on_drop(true).spawn().map_err(|e| e.to_string()));
        // A probe still running when the daemon exits is killed with it.
        let mut child = match spawned {
            Ok(child) => child,
            Err(e) => {
                report_once(&command, &format!("script not run: {e}"));
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

/// Spawns a notify hook as its `USER [GROUP]` or the default script user; a task reaps it so
/// no zombie is left.
pub fn notify(command: &str, user: Option<&str>) {
    match prepare(command, user).and_then(|mut c| c.spawn().map_err(|e| e.to_string())) {
        Ok(mut child) => {
            tokio::spawn(async move {
                let _ = child.wait().await;
            });
        }
        Err(e) => report_once(command, &format!("notify hook not run: {e}")),
    }
}

/// Starts a notify FIFO's reader script (`notify_fifo_script`) with the FIFO's path appended
/// as its last argument, in its own process group, as its user or the default one.
pub fn spawn_fifo_reader(
    command: &str,
    user: Option<&str>,
    fifo: &str,
) -> Result<tokio::process::Child, String> {
    let line = format!("{command} '{}'", fifo.replace('\'', r"'\''"));
    let mut c = prepare(&line, user)?;
    c.process_group(0);
    c.spawn()
        .map_err(|e| format!("cannot start {command}: {e}"))
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

    #[tokio::test(flavor = "current_thread")]
    async fn script_with_a_user_runs_as_that_user_and_group() {
        if !RunAs::root().is_current() {
            crate::test_support::skip("switching users needs root");
            return;
        }
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut probes = Probes::default();
        let id = ProbeId::new(0, 1);
        let mut probe = script(id, r#"[ "$(id -u):$(id -g)" = 65534:0 ]"#);
        probe.action = ProbeAction::RunScript {
            command: r#"[ "$(id -u):$(id -g)" = 65534:0 ]"#.into(),
            user: Some("nobody root".into()),
        };
        probes.start(probe, tx);
        assert_eq!(rx.recv().await, Some((0, id, ProbeResult::Exited(0))));
    }

    #[test]
    fn script_security_refuses_a_world_writable_script_and_a_missing_one() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("check.sh");
        std::fs::write(&script, "#!/bin/sh\nexit 0\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let secure = secure();
        // The temporary directory is under /tmp, writable by everyone.
        let err = prepare_with(script.to_str().unwrap(), None, &secure).unwrap_err();
        assert!(err.starts_with("SECURITY VIOLATION"), "{err}");
        assert!(err.contains("writable by everyone"), "{err}");
        let err = prepare_with("/no/such/script arg", None, &secure).unwrap_err();
        assert!(err.contains("/no/such/script"), "{err}");
        let open = Settings {
            security: false,
            ..secure
        };
        assert!(prepare_with(script.to_str().unwrap(), None, &open).is_ok());
        let broken = Settings {
            default_user: Err("script_user nosuch: no user nosuch on this host".into()),
            security: false,
        };
        assert!(
            prepare_with("/bin/true", None, &broken)
                .unwrap_err()
                .contains("nosuch")
        );
    }

    fn secure() -> Settings {
        Settings {
            default_user: Ok(RunAs::root()),
            security: true,
        }
    }

    fn program_and_args(c: &Command) -> (String, Vec<String>) {
        let c = c.as_std();
        let args = c.get_args().map(|a| a.to_string_lossy().into_owned());
        (
            c.get_program().to_string_lossy().into_owned(),
            args.collect(),
        )
    }

    #[test]
    fn shell_line_calling_a_world_writable_script_is_refused_under_script_security() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("check.sh");
        std::fs::write(&script, "#!/bin/sh\nexit 0\n").unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o757)).unwrap();
        let script = script.to_str().unwrap();
        for line in [
            format!("{script} >/dev/null"),
            format!("{script} && true"),
            format!("'{script}' | cat"),
        ] {
            let err = prepare_with(&line, None, &secure()).unwrap_err();
            assert!(
                err.starts_with(&format!("SECURITY VIOLATION, not run: {script}: "))
                    && err.contains("check.sh is writable by everyone"),
                "{line}: {err}"
            );
        }
    }

    #[test]
    fn bare_name_missing_from_path_is_refused_under_script_security() {
        for (line, name) in [
            ("no_such_program_vrrplab --flag", "no_such_program_vrrplab"),
            ("exit 3", "exit"),
            ("X=1 /bin/true", "X=1"),
        ] {
            let err = prepare_with(line, None, &secure()).unwrap_err();
            assert!(
                err.starts_with(&format!(
                    "SECURITY VIOLATION, not run: cannot find script {name} in PATH"
                )),
                "{line}: {err}"
            );
        }
        let err = prepare_with("  ", None, &secure()).unwrap_err();
        assert!(err.contains("empty command line"), "{err}");
    }

    #[test]
    fn line_under_script_security_is_exec_d_without_a_shell_its_words_as_arguments() {
        let c = prepare_with("/bin/echo 'a b' >/dev/null && x", None, &secure()).unwrap();
        assert_eq!(
            program_and_args(&c),
            (
                "/bin/echo".to_string(),
                vec!["a b".into(), ">/dev/null".into(), "&&".into(), "x".into()]
            )
        );
        let open = Settings {
            security: false,
            ..secure()
        };
        let (program, _) =
            program_and_args(&prepare_with("/bin/echo x >/dev/null", None, &open).unwrap());
        assert_eq!(
            program, "/bin/sh",
            "without script security a shell line keeps its shell"
        );
    }

    #[test]
    fn bare_name_under_script_security_is_exec_d_by_the_path_it_resolved_to() {
        let c = prepare_with("true --x", None, &secure()).unwrap();
        let (program, args) = program_and_args(&c);
        assert!(
            program.starts_with('/') && program.ends_with("/true"),
            "{program}"
        );
        assert_eq!(args, vec!["--x".to_string()]);
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
