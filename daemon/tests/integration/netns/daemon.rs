//! `vrrplab run` as a peer in a [`Lab`]: the keepalived.conf the harness renders for
//! keepalived (or any text), started under `chrt -f 50` like the harness's keepalived
//! (`vrrp_rt_priority 50`), so that both sides' timers are measured under the same scheduling
//! on a loaded machine.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use vrrplab_netns::peer::Daemon;
use vrrplab_netns::{KeepalivedInstance, keepalived_config};

use super::common::{Finished, Lab};
use super::scenario::STARTED;

/// `vrrplab run` on one router of a [`Lab`].
pub struct Vrrplab {
    /// The process.
    pub daemon: Daemon,
    /// Its configuration file.
    pub config: PathBuf,
}

impl Vrrplab {
    /// Writes the keepalived.conf for router `n` and starts `vrrplab run -f` on it.
    pub fn start(lab: &Lab, n: u8, instances: &[KeepalivedInstance]) -> Vrrplab {
        Vrrplab::start_with(lab, n, instances, &[])
    }

    /// Like [`Vrrplab::start`], with extra `vrrplab run` arguments.
    pub fn start_with(
        lab: &Lab,
        n: u8,
        instances: &[KeepalivedInstance],
        extra: &[&str],
    ) -> Vrrplab {
        Vrrplab::start_text(lab, n, instances, "", extra)
    }

    /// Like [`Vrrplab::start_with`], with `more` appended to the rendered configuration.
    pub fn start_text(
        lab: &Lab,
        n: u8,
        instances: &[KeepalivedInstance],
        more: &str,
        extra: &[&str],
    ) -> Vrrplab {
        let host = lab.topo.router(n).clone();
        let text = keepalived_config(&host.name, 3, instances) + more;
        Vrrplab::start_raw(lab, n, &text, extra)
    }

    /// Makes this vrrplab (on h1, the higher priorities) the master before its keepalived
    /// backup starts: waits until h1 alone holds every one of `vips`, then starts keepalived on
    /// h2 running `backup`, and returns once keepalived runs its instances as backup, h1 still
    /// the only holder.
    ///
    /// Started the other way round, keepalived (already running) can reach its
    /// Master_Down_Interval first on a loaded machine and become master for the moment it
    /// takes vrrplab's higher-priority advert to arrive: two holders at start-up that a test
    /// would take for the outcome of the fault it injects later.
    pub fn then_keepalived_backup(
        self,
        lab: &mut Lab,
        backup: &[KeepalivedInstance],
        vips: &[IpAddr],
    ) -> Vrrplab {
        for &vip in vips {
            self.wait_alone(lab, vip, &["h1"], Duration::from_secs(5));
        }
        lab.start_keepalived(2, 3, backup);
        lab.wait_keepalived_log(2, STARTED, Duration::from_secs(3));
        for &vip in vips {
            self.wait_alone(lab, vip, &["h1"], Duration::from_secs(1));
        }
        self
    }

    /// Writes `text` as router `n`'s configuration and starts `vrrplab run -f` on it with
    /// `extra` arguments.
    pub fn start_raw(lab: &Lab, n: u8, text: &str, extra: &[&str]) -> Vrrplab {
        let host = lab.topo.router(n).clone();
        let config = lab
            .topo
            .artifacts()
            .join(format!("vrrplab-{}.conf", host.name));
        std::fs::write(&config, text).expect("write config");
        let log = lab
            .topo
            .artifacts()
            .join(format!("vrrplab-{}.log", host.name));
        let pid_file = |suffix: &str| {
            lab.topo
                .artifacts()
                .join(format!("vrrplab-{}.{suffix}", host.name))
        };
        let args: Vec<String> = [
            "-f".to_string(),
            "50".to_string(),
            env!("CARGO_BIN_EXE_vrrplab").to_string(),
            "run".to_string(),
            "-f".to_string(),
            config.display().to_string(),
            // The console log (read by the tests), and pid files of its own: the defaults
            // (keepalived's /run/keepalived*.pid) are one per host.
            "-l".to_string(),
            "-p".to_string(),
            pid_file("pid").display().to_string(),
            "-r".to_string(),
            pid_file("vrrp.pid").display().to_string(),
        ]
        .into_iter()
        .chain(extra.iter().map(|a| a.to_string()))
        .collect();
        let mut daemon = Daemon::new(
            lab.topo.processes(),
            &format!("vrrplab-{}", host.name),
            &host.namespace,
            "chrt",
            args,
            log,
        )
        // A crashed run's pid files name a process the harness has not reaped yet (a zombie,
        // which a pid-file check rightly takes for alive); an init system reaps at once.
        .with_stale_files(vec![pid_file("pid"), pid_file("vrrp.pid")]);
        daemon.start().expect("start vrrplab");
        Vrrplab { daemon, config }
    }

    /// The daemon's log (stderr and stdout).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.daemon.log()).unwrap_or_default()
    }

    /// The failure context: the lab's, then this daemon's log under router `n`'s name.
    pub fn context(&self, lab: &Lab, done: &Finished, n: u8) -> String {
        format!("{}\n--- vrrplab h{n}\n{}", lab.context(done), self.log())
    }

    /// Waits until exactly `holders` hold `vip`; panics with the logs otherwise.
    pub fn wait_alone(&self, lab: &mut Lab, vip: IpAddr, holders: &[&str], timeout: Duration) {
        let what = format!("exactly {holders:?} holding {vip}");
        lab.observer()
            .wait_for(&what, timeout, |s| s.holders_of(vip) == holders)
            .unwrap_or_else(|e| panic!("{e}\n{}\n{}", lab.logs(), self.log()));
    }

    /// Waits until the daemon's log contains `needle`; panics with the log otherwise.
    pub fn wait_log(&self, needle: &str, timeout: Duration) {
        let deadline = std::time::Instant::now() + timeout;
        while !self.log().contains(needle) {
            if std::time::Instant::now() >= deadline {
                panic!(
                    "vrrplab logging {needle:?} within {timeout:?}\n{}",
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Starts the same command line again (after a crash).
    pub fn restart(&mut self) {
        self.daemon.start().expect("restart vrrplab");
    }

    /// Stops the daemon with SIGTERM; panics when it does not exit.
    pub fn stop(&mut self) {
        self.daemon
            .stop_with(libc::SIGTERM, Duration::from_secs(3))
            .expect("vrrplab stops on SIGTERM");
    }
}
