//! Telling the outside world where the daemon is in its life: systemd (through
//! [`super::sdnotify`]) and, after a fork, the waiting parent ([`super::daemonize`]). The driver
//! calls [`ready`] once its sockets are open and the node runs, [`reloading`] / [`reloaded`]
//! around a SIGHUP, and [`stopping`] when a stop signal arrives.

use super::daemonize::ReadyPipe;
use super::sdnotify::{self, Notifier};
use std::sync::{Mutex, OnceLock};

struct Lifecycle {
    notifier: Option<Notifier>,
    pipe: Mutex<Option<ReadyPipe>>,
}

static LIFECYCLE: OnceLock<Lifecycle> = OnceLock::new();

/// Sets up the notification channels: `$NOTIFY_SOCKET` and the fork's readiness pipe.
pub fn init(pipe: Option<ReadyPipe>) {
    let _ = LIFECYCLE.set(Lifecycle {
        notifier: Notifier::from_env(),
        pipe: Mutex::new(pipe),
    });
}

fn notify(state: &str) {
    if let Some(n) = LIFECYCLE.get().and_then(|l| l.notifier.as_ref())
        && let Err(e) = n.send(state)
    {
        tracing::warn!(error = %e, "cannot notify the service manager");
    }
}

/// The daemon runs: `READY=1`, and the forked parent may exit.
pub fn ready(instances: usize) {
    notify(&sdnotify::ready(&format!(
        "running {instances} VRRP instance(s)"
    )));
    let pipe = LIFECYCLE
        .get()
        .and_then(|l| l.pipe.lock().ok().and_then(|mut p| p.take()));
    if let Some(pipe) = pipe {
        pipe.ready();
    }
}

/// A reload begins: `RELOADING=1`.
pub fn reloading() {
    notify(&sdnotify::reloading());
}

/// A reload ended (applied, or refused with the old configuration kept): `READY=1`.
pub fn reloaded(applied: bool, instances: usize) {
    let status = if applied {
        format!("running {instances} VRRP instance(s)")
    } else {
        format!("running {instances} VRRP instance(s); the last reload was refused (see the log)")
    };
    notify(&sdnotify::ready(&status));
}

/// The daemon stops: `STOPPING=1`.
pub fn stopping() {
    notify(&sdnotify::stopping());
}
