//! Real-time scheduling of the driver loop: `vrrp_rt_priority` and `vrrp_rlimit_rttime`
//! (`global_defs`), as keepalived 2.2.7 applies them to its VRRP process
//! (docs/keepalived-host.md, "Real-time scheduling").
//!
//! Contract: with `vrrp_rt_priority N` the runtime thread (the one running the driver loop;
//! `sched_setscheduler` on Linux changes the calling thread only) runs `SCHED_RR` at priority
//! `N` with `SCHED_RESET_ON_FORK`, so scripts and threads started later get the normal
//! scheduler, and `RLIMIT_RTTIME` is set to `vrrp_rlimit_rttime` (default 10000 µs) as the hard
//! limit and half of it as the soft limit; SIGXCPU at the soft limit is logged (its default
//! action would end the daemon). A refusal (EPERM: no CAP_SYS_NICE and a too low
//! RLIMIT_RTPRIO) is an error line in the log, never fatal: the loop then runs with the normal
//! scheduler. A reload runs with the normal scheduler and applies the setting of the new file
//! afterwards (keepalived resets and sets its priorities around a reload too); a change is
//! logged. A reload can lower `vrrp_rlimit_rttime`; raising the hard limit again needs
//! CAP_SYS_RESOURCE, without it the limit in force stays (a warning). Without `vrrp_rt_priority` nothing is touched: a daemon started under `chrt` keeps
//! the policy it was given.

use vrrplab_core::config::model::{DEFAULT_RLIMIT_RTTIME_US, GlobalDefs};

/// `SCHED_RESET_ON_FORK` (linux/sched.h): children do not inherit a real-time policy.
const SCHED_RESET_ON_FORK: libc::c_int = 0x4000_0000;

/// The smallest hard limit keepalived sets (it documents `vrrp_rlimit_rttime >=2`).
const MIN_RTTIME_US: u32 = 2;

/// What the configuration asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting {
    /// The `SCHED_RR` priority (1–99).
    pub priority: u8,
    /// The `RLIMIT_RTTIME` hard limit in µs (the soft limit is half of it).
    pub rttime_us: u32,
}

impl Setting {
    /// The setting of a `global_defs`: `None` without `vrrp_rt_priority`.
    pub fn of(global: &GlobalDefs) -> Option<Setting> {
        global.vrrp_rt_priority.map(|priority| Setting {
            priority,
            rttime_us: global
                .vrrp_rlimit_rttime
                .unwrap_or(DEFAULT_RLIMIT_RTTIME_US)
                .max(MIN_RTTIME_US),
        })
    }

    /// The `RLIMIT_RTTIME` pair: soft half of the hard limit, as keepalived.
    pub fn rlimit(&self) -> libc::rlimit {
        libc::rlimit {
            rlim_cur: libc::rlim_t::from(self.rttime_us / 2),
            rlim_max: libc::rlim_t::from(self.rttime_us),
        }
    }
}

/// The loop's scheduling, as configured and as applied.
#[derive(Debug, Default)]
pub struct Realtime {
    /// What the file in force asks for.
    configured: Option<Setting>,
    /// What is in force on the runtime thread (`None`: never changed, or given back).
    applied: Option<Setting>,
    /// `RLIMIT_RTTIME` before this daemon first changed it.
    original_rttime: Option<libc::rlimit>,
    /// Whether SIGXCPU is caught (from the first real-time switch on).
    sigxcpu_logged: bool,
}

impl Realtime {
    /// At start, before the driver loop: applies the file's setting (nothing without one).
    pub fn start(&mut self, wanted: Option<Setting>) {
        self.configured = wanted;
        if let Some(s) = wanted {
            self.switch(s, true);
        }
    }

    /// Before a reload: the loop gives up real time while it reads and applies the new file
    /// (a long reload must not run into `RLIMIT_RTTIME`).
    pub fn suspend(&mut self) {
        if self.applied.is_some() && set_policy(libc::SCHED_OTHER, 0).is_ok() {
            self.applied = None;
        }
    }

    /// After a reload: the setting of the file now in force (`None` when it has none; the
    /// running file's stays when the new one was refused, pass it again).
    pub fn reloaded(&mut self, wanted: Option<Setting>) {
        let before = self.configured;
        self.configured = wanted;
        match (before, wanted) {
            (_, Some(s)) => self.switch(s, before != wanted),
            (Some(_), None) => {
                if let Err(e) = set_policy(libc::SCHED_OTHER, 0) {
                    tracing::error!(
                        "reload: vrrp_rt_priority removed, but the VRRP loop cannot leave \
                         SCHED_RR: {e}"
                    );
                    return;
                }
                self.applied = None;
                tracing::info!(
                    "reload: vrrp_rt_priority removed: the VRRP loop runs with the normal \
                     scheduler (SCHED_OTHER)"
                );
                self.restore_rttime();
            }
            (None, None) => {}
        }
    }

    /// After a refused reload: the running file's setting again.
    pub fn resume(&mut self) {
        if let Some(s) = self.configured {
            self.switch(s, false);
        }
    }

    /// Switches the runtime thread to `s`; `announce`: log it (at start, and when a reload
    /// changed it).
    fn switch(&mut self, s: Setting, announce: bool) {
        if let Err(e) = set_policy(libc::SCHED_RR | SCHED_RESET_ON_FORK, s.priority) {
            self.applied = None;
            tracing::error!(
                "vrrp_rt_priority {}: cannot switch the VRRP loop to SCHED_RR: {e} (needs \
                 CAP_SYS_NICE, or an RLIMIT_RTPRIO of at least {}; systemd: no \
                 RestrictRealtime=yes); it runs with the normal scheduler",
                s.priority,
                s.priority
            );
            return;
        }
        self.catch_sigxcpu();
        self.applied = Some(s);
        if self.original_rttime.is_none() {
            self.original_rttime = get_rttime();
        }
        let limit = s.rlimit();
        // SAFETY: setrlimit reads one rlimit from a valid pointer.
        if unsafe { libc::setrlimit(libc::RLIMIT_RTTIME, &limit) } != 0 {
            let e = std::io::Error::last_os_error();
            tracing::warn!(
                "vrrp_rlimit_rttime {}: cannot set RLIMIT_RTTIME: {e} (raising it needs \
                 CAP_SYS_RESOURCE); the limit in force stays",
                s.rttime_us
            );
        }
        if announce {
            let in_force = get_rttime().map_or("RLIMIT_RTTIME unknown".to_string(), |l| {
                format!(
                    "RLIMIT_RTTIME {} µs, SIGXCPU at {} µs",
                    l.rlim_max, l.rlim_cur
                )
            });
            tracing::info!(
                "vrrp_rt_priority {}: the VRRP loop runs SCHED_RR priority {} ({in_force})",
                s.priority,
                s.priority
            );
        }
    }

    /// Gives `RLIMIT_RTTIME` back its value from before the first switch (it only limits
    /// real-time threads, so a failure is harmless and only noted).
    fn restore_rttime(&mut self) {
        let Some(original) = self.original_rttime else {
            return;
        };
        // SAFETY: setrlimit reads one rlimit from a valid pointer.
        if unsafe { libc::setrlimit(libc::RLIMIT_RTTIME, &original) } != 0 {
            let e = std::io::Error::last_os_error();
            tracing::info!(
                "RLIMIT_RTTIME stays lowered ({e}); it limits real-time threads only, and none is left"
            );
        }
    }

    /// Logs SIGXCPU (the soft `RLIMIT_RTTIME`) instead of dying of it.
    fn catch_sigxcpu(&mut self) {
        if self.sigxcpu_logged {
            return;
        }
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::from_raw(libc::SIGXCPU)) {
            Ok(mut xcpu) => {
                self.sigxcpu_logged = true;
                tokio::spawn(async move {
                    while xcpu.recv().await.is_some() {
                        tracing::warn!(
                            "SIGXCPU: the VRRP loop ran half of vrrp_rlimit_rttime in real time \
                             without blocking; at the full limit the kernel kills the daemon \
                             (raise vrrp_rlimit_rttime on a slow host)"
                        );
                    }
                });
            }
            Err(e) => tracing::error!("cannot catch SIGXCPU: {e}"),
        }
    }
}

/// The current `RLIMIT_RTTIME`.
fn get_rttime() -> Option<libc::rlimit> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one rlimit to a valid pointer.
    (unsafe { libc::getrlimit(libc::RLIMIT_RTTIME, &mut limit) } == 0).then_some(limit)
}

/// `sched_setscheduler(0, policy, priority)` for the calling thread, as the raw system call
/// (musl's wrapper refuses with ENOSYS).
fn set_policy(policy: libc::c_int, priority: u8) -> std::io::Result<()> {
    let param = libc::sched_param {
        sched_priority: libc::c_int::from(priority),
    };
    // SAFETY: the system call reads one sched_param from a valid pointer.
    let r = unsafe {
        libc::syscall(
            libc::SYS_sched_setscheduler,
            0 as libc::pid_t,
            policy,
            &param as *const libc::sched_param,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn global(priority: Option<u8>, rttime: Option<u32>) -> GlobalDefs {
        GlobalDefs {
            vrrp_rt_priority: priority,
            vrrp_rlimit_rttime: rttime,
            ..GlobalDefs::default()
        }
    }

    #[test]
    fn rttime_defaults_to_10_ms_with_a_soft_half_and_is_unused_without_a_priority() {
        let s = Setting::of(&global(Some(30), None)).unwrap();
        assert_eq!(s.priority, 30);
        let l = s.rlimit();
        assert_eq!((l.rlim_cur, l.rlim_max), (5_000, 10_000));
        let l = Setting::of(&global(Some(50), Some(5_000_000)))
            .unwrap()
            .rlimit();
        assert_eq!((l.rlim_cur, l.rlim_max), (2_500_000, 5_000_000));
        // keepalived sets 1 µs as 2 (soft 1): measured with `vrrp_rlimit_rttime 1`
        let l = Setting::of(&global(Some(1), Some(1))).unwrap().rlimit();
        assert_eq!((l.rlim_cur, l.rlim_max), (1, 2));
        assert_eq!(Setting::of(&global(None, Some(7_000))), None);
    }
}
