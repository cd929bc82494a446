//! Shared set-up and measurements for the netns scenarios.

use std::fs::File;
use std::net::IpAddr;
use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::time::Duration;

use vrrplab_netns::quiet::Measuring;
use vrrplab_netns::{
    Capture, CaptureLog, Keepalived, KeepalivedInstance, Need, Observer, Peer, Role, StallProbe,
    Stalls, Timeline, Topology, keepalived_config_with, require,
};

/// The virtual router id every scenario uses.
pub const VRID: u8 = 51;
/// The advertisement interval of the VRRPv3 scenarios (`advert_int 0.1`).
pub const V3_ADVERT: Duration = Duration::from_millis(100);
/// Observer polling period.
pub const OBSERVE_PERIOD: Duration = Duration::from_millis(10);

/// The IPv4 VIP.
pub fn vip4() -> IpAddr {
    "192.0.2.100".parse().unwrap()
}

/// The IPv6 VIP.
pub fn vip6() -> IpAddr {
    "2001:db8::100".parse().unwrap()
}

/// Slack allowed on top of a protocol timer when measured from the capture: 20 ms, or
/// `VRRPLAB_NETNS_TOLERANCE_MS`. A measurement adds the scheduling stalls the lab's probe saw in
/// its window ([`Finished::stalls`], [`allowance`]).
pub fn tolerance() -> Duration {
    let ms = std::env::var("VRRPLAB_NETNS_TOLERANCE_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    Duration::from_millis(ms)
}

/// Skew_Time of a backup with `priority`: v2 (256−p)/256 s, v3 (256−p)·interval/256
/// (keepalived uses the exact fraction for both).
pub fn skew_time(version: u8, advert: Duration, priority: u8) -> Duration {
    let unit = if version == 2 {
        Duration::from_secs(1)
    } else {
        advert
    };
    unit * (256 - u32::from(priority)) / 256
}

/// Master_Down_Interval = 3 × Advertisement_Interval + Skew_Time.
pub fn master_down_interval(version: u8, advert: Duration, priority: u8) -> Duration {
    advert * 3 + skew_time(version, advert, priority)
}

/// What a measurement over `[from, to]` may exceed its protocol timer by: the [`tolerance`]
/// plus the time one CPU could not run a real-time thread within the window (the peers' timers
/// could not run then either: a keepalived or vrrplab whose timer fell due in a 30–100 ms
/// stall of the shared CI machine acted that much late, and the measurement would have blamed
/// the protocol). On a machine without stalls it is the tolerance alone.
pub fn allowance(stalls: &Stalls, from: Duration, to: Duration) -> Duration {
    tolerance() + stalls.within(from, to)
}

/// Milliseconds, for messages.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// What a finished scenario left behind.
pub struct Finished {
    /// Who held which VIP when.
    pub timeline: Timeline,
    /// The decoded capture.
    pub capture: CaptureLog,
    /// The pcap file.
    pub pcap: PathBuf,
    /// When a real-time thread could not run while the scenario ran (see [`allowance`]).
    pub stalls: Stalls,
}

/// A topology with a capture on the bridge, an observer, and peers.
/// Field order is drop order: the quiet window ends, and peers and capture go, before the
/// topology's teardown.
pub struct Lab {
    /// Held from the end of [`Lab::new`] to [`Lab::finish`]: no other test of this binary builds
    /// or tears down a topology meanwhile (see [`vrrplab_netns::quiet`]).
    quiet: Option<Measuring>,
    /// Scheduling stalls, recorded from [`Lab::new`] to [`Lab::finish`].
    stall_probe: Option<StallProbe>,
    capture: Option<Capture>,
    /// The observer (stopped by [`Lab::finish`]).
    pub observer: Option<Observer>,
    /// Keepalived peers, by router number − 1.
    pub keepalived: Vec<Option<Keepalived>>,
    /// The topology (dropped after the peers).
    pub topo: Topology,
    /// Epoch time when the lab was up (timeline renders relative to it).
    pub origin: Duration,
    /// One scenario at a time on this machine (released after teardown): on 2 cores, two
    /// scenarios' daemons and captures side by side made a takeover 20–35 ms late now and then,
    /// which the 20 ms assertions then blame on the protocol.
    _one_at_a_time: ScenarioLock,
}

/// An exclusive `flock` on one file in the temporary directory, held while a scenario runs: it
/// serialises the scenarios of this test binary and of any other test process on the machine
/// (two checkouts testing at once). The kernel releases it when the file closes, also when the
/// process dies.
pub struct ScenarioLock(#[allow(dead_code)] File);

impl ScenarioLock {
    /// Blocks until no other scenario on this machine holds the lock.
    pub fn acquire() -> ScenarioLock {
        let path = std::env::temp_dir().join("vrrplab-netns-scenario.lock");
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
        loop {
            // SAFETY: flock on a descriptor this function owns; no memory is passed.
            let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
            if rc == 0 {
                return ScenarioLock(file);
            }
            let err = std::io::Error::last_os_error();
            assert_eq!(
                err.kind(),
                std::io::ErrorKind::Interrupted,
                "flock {}: {err}",
                path.display()
            );
        }
    }
}

impl Lab {
    /// Gates on `needs`, builds `routers` routers plus a client, starts the capture and an
    /// observer of `vips`. `None` means skipped.
    pub fn new(test: &str, needs: &[Need], routers: u8, vips: &[IpAddr]) -> Option<Lab> {
        if !require(test, needs) {
            return None;
        }
        let one_at_a_time = ScenarioLock::acquire();
        let topo = Topology::builder(test)
            .routers(routers)
            .client(true)
            .build()
            .expect("build topology");
        let capture = Capture::start(&topo, "capture.pcap").expect("start capture");
        let observer = Observer::start(&topo, vips, OBSERVE_PERIOD).expect("start observer");
        Some(Lab {
            quiet: Some(vrrplab_netns::quiet::measuring()),
            stall_probe: Some(StallProbe::start()),
            capture: Some(capture),
            observer: Some(observer),
            keepalived: (0..routers).map(|_| None).collect(),
            origin: vrrplab_netns::processes::epoch_now(),
            topo,
            _one_at_a_time: one_at_a_time,
        })
    }

    /// Starts keepalived on router `n` with VRRP `version` and `instances`.
    ///
    /// The VRRP child runs with real-time scheduling (`vrrp_rt_priority 50`, a production knob
    /// too): on a shared 2-core machine at load 10+ a normal-priority keepalived was sometimes
    /// 25 ms late, which the 20 ms timing assertions then blamed on the protocol. The RT CPU
    /// limit is raised (`vrrp_rlimit_rttime` 5 s): with keepalived's default 10 ms, start-up
    /// on a loaded machine exceeded it and the kernel SIGKILLed the child ("has rlimit_rttime
    /// been exceeded?"), which keepalived then respawned.
    pub fn start_keepalived(&mut self, n: u8, version: u8, instances: &[KeepalivedInstance]) {
        let host = self.topo.router(n).clone();
        let config = keepalived_config_with(
            &host.name,
            version,
            &["vrrp_rt_priority 50", "vrrp_rlimit_rttime 5000000"],
            instances,
        );
        let mut k = Keepalived::new(&self.topo, &host, &config).expect("write keepalived config");
        k.start()
            .unwrap_or_else(|e| panic!("start keepalived on {}: {e}\n{}", host.name, k.logs()));
        self.keepalived[usize::from(n - 1)] = Some(k);
    }

    /// The keepalived peer on router `n`.
    pub fn keepalived(&mut self, n: u8) -> &mut Keepalived {
        self.keepalived[usize::from(n - 1)]
            .as_mut()
            .expect("keepalived started on this router")
    }

    /// The observer.
    pub fn observer(&self) -> &Observer {
        self.observer.as_ref().expect("observer running")
    }

    /// Waits until exactly `hosts` hold `vip`; panics with the timeline and logs otherwise.
    pub fn wait_holders(&self, vip: IpAddr, hosts: &[&str], timeout: Duration) -> Duration {
        let what = format!("{vip} held by exactly {hosts:?}");
        self.observer()
            .wait_for(&what, timeout, |s| s.holders_of(vip) == hosts)
            .unwrap_or_else(|e| panic!("{e}\n{}", self.logs()))
    }

    /// Waits until the client's neighbour entry for `vip` points at `host`.
    pub fn wait_client_neighbour(&self, vip: IpAddr, host: &str, timeout: Duration) {
        let what = format!("client resolving {vip} to {host}");
        self.observer()
            .wait_for(&what, timeout, |s| {
                s.client_neighbour.get(&vip).map(String::as_str) == Some(host)
            })
            .unwrap_or_else(|e| panic!("{e}\n{}", self.logs()));
    }

    /// Pings `vip` once from the client (so its neighbour entry exists); the result is ignored.
    pub fn client_ping(&self, vip: IpAddr) {
        let client = self.topo.host_with_role(Role::Client).expect("client host");
        let _ = self
            .topo
            .exec_in(client, "ping", &["-c", "1", "-W", "1", &vip.to_string()]);
    }

    /// Every peer's log, for failure messages.
    pub fn logs(&self) -> String {
        let mut out = format!("artifacts: {}\n", self.topo.artifacts().display());
        for k in self.keepalived.iter().flatten() {
            let log = k.logs();
            let tail: Vec<&str> = log.lines().rev().take(30).collect();
            out.push_str(&format!("--- {} (last 30 lines)\n", k.label()));
            for l in tail.into_iter().rev() {
                out.push_str(l);
                out.push('\n');
            }
        }
        out
    }

    /// Stops observer and capture, writes `timeline.txt`, and decodes the capture.
    pub fn finish(&mut self) -> Finished {
        let timeline = self
            .observer
            .take()
            .expect("observer running")
            .stop()
            .expect("stop observer");
        let _ = std::fs::write(
            self.topo.artifacts().join("timeline.txt"),
            timeline.render(self.origin),
        );
        let (pcap, _frames) = self
            .capture
            .take()
            .expect("capture running")
            .stop()
            .expect("stop capture");
        let stalls = self
            .stall_probe
            .take()
            .map(StallProbe::stop)
            .unwrap_or_default();
        let _ = std::fs::write(
            self.topo.artifacts().join("stalls.txt"),
            stalls.describe(Duration::ZERO, Duration::MAX),
        );
        self.quiet = None;
        let capture = CaptureLog::read(&pcap).expect("read capture");
        Finished {
            timeline,
            capture,
            pcap,
            stalls,
        }
    }

    /// A failure context: timeline, artifacts path and log tails.
    pub fn context(&self, finished: &Finished) -> String {
        format!(
            "timeline:\n{}\npcap: {}\n{}",
            finished.timeline.render(self.origin),
            finished.pcap.display(),
            self.logs()
        )
    }
}

/// An IPv4 keepalived instance for the shared VRID and VIP.
pub fn instance4(priority: u8, advert_ms: u32) -> KeepalivedInstance {
    KeepalivedInstance::new(VRID, priority, advert_ms, "192.0.2.100/24")
}

/// An IPv6 keepalived instance for the shared VRID and VIP.
pub fn instance6(priority: u8, advert_ms: u32) -> KeepalivedInstance {
    KeepalivedInstance::new(VRID, priority, advert_ms, "2001:db8::100/64")
}

/// One IPv4 instance per router, with these priorities, all advertising every `advert_ms`.
pub fn instances4(priorities: &[u8], advert_ms: u32) -> Vec<KeepalivedInstance> {
    priorities
        .iter()
        .map(|p| instance4(*p, advert_ms))
        .collect()
}
