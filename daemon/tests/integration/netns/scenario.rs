//! Scenario steps shared by the netns tests: start keepalived on every router, crash / pause /
//! stop one, find the takeover in the capture, check its gap against a protocol timer, and
//! cross-check it with `vrrplab replay` and the observer.
//!
//! Every step that disturbs a peer returns the Unix time the measurements refer to: for a
//! crash or a pause, the moment every process of the peer was frozen (after the SIGSTOP, so a
//! test thread descheduled between reading the clock and sending the signal cannot make the
//! peer look like it advertised "after the crash"); for a graceful stop or a resume, the moment
//! just before the signal (anything the peer sends may follow it).

use std::net::IpAddr;
use std::time::Duration;

use vrrplab_netns::processes::epoch_now;
use vrrplab_netns::{CaptureLog, KeepalivedInstance, Need, Peer, Stalls};

use super::common::{
    Finished, Lab, V3_ADVERT, VRID, allowance, instance4, master_down_interval, ms, skew_time,
    tolerance, vip4,
};
use super::replay_check::{
    self, Finding, assert_failover, assert_no_dual_master, assert_observed_near,
};

/// [`V3_ADVERT`] in keepalived's config unit.
const V3_ADVERT_MS: u32 = V3_ADVERT.as_millis() as u32;

/// What keepalived logs when its VRRP instance starts (in BACKUP, its Master_Down_Timer
/// running).
pub const STARTED: &str = "Entering BACKUP STATE";

/// How late a frozen or killed peer's advert may still show up in the capture: one that was
/// already inside the kernel when the signal landed.
const IN_FLIGHT: Duration = Duration::from_millis(5);

/// How much earlier than its timer a takeover may come: the old master's last advert is
/// timestamped a moment after the backup last reset its Master_Down_Timer.
const EARLY: Duration = Duration::from_millis(5);

impl Lab {
    /// The usual pair: keepalived VRRPv3 with 100 ms adverts on two routers, h1 (priority 150)
    /// master and h2 (priority 100) backup of the IPv4 VIP. Returns once h1 alone holds the
    /// VIP and h2 runs as its backup; `None` when the test is skipped (see [`Lab::new`]).
    ///
    /// h2 starts only once h1 runs its VRRP instance: started one right after the other, an
    /// h1 start-up slowed down by a loaded machine let h2's Master_Down_Timer (20 ms longer)
    /// expire first, and h2 was master for a moment (seen once in 14 loaded runs).
    pub fn master_and_backup(test: &str, needs: &[Need]) -> Option<Lab> {
        let pair = [instance4(150, V3_ADVERT_MS), instance4(100, V3_ADVERT_MS)];
        Lab::master_and_backup_of(test, needs, vip4(), pair)
    }

    /// Like [`Lab::master_and_backup`] with other VRRPv3 instances for h1 (the master: the
    /// higher priority) and h2, both of the VIP `vip` (IPv6, unicast …), started the same way.
    pub fn master_and_backup_of(
        test: &str,
        needs: &[Need],
        vip: IpAddr,
        [master, backup]: [KeepalivedInstance; 2],
    ) -> Option<Lab> {
        let mut lab = Lab::new(test, needs, 2, &[vip])?;
        let timeout = Duration::from_secs(3);
        lab.start_keepalived(1, 3, &[master]);
        lab.wait_keepalived_log(1, STARTED, timeout);
        lab.start_keepalived(2, 3, &[backup]);
        lab.wait_holders(vip, &["h1"], timeout);
        lab.wait_keepalived_log(2, STARTED, timeout);
        Some(lab)
    }

    /// Waits until keepalived on router `n` logged `line`; panics with the logs otherwise.
    pub fn wait_keepalived_log(&mut self, n: u8, line: &str, timeout: Duration) {
        let deadline = std::time::Instant::now() + timeout;
        while !self.keepalived(n).logs().contains(line) {
            if std::time::Instant::now() >= deadline {
                panic!(
                    "keepalived on h{n} logging {line:?} within {timeout:?}\n{}",
                    self.logs()
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Starts keepalived with VRRP `version` on routers 1, 2, …: router n runs `instances[n − 1]`
    /// (priorities falling), each once the one before runs its instance (logged [`STARTED`]).
    ///
    /// So the highest priority, whose Master_Down_Interval is also the shortest, always starts
    /// its timer first and wins the start-up election without a preemption. Started one right
    /// after the other, a loaded machine could let a lower priority's instance start first: the
    /// v3 100 ms pairs are only 19.5 ms apart (341.4 vs 360.9 ms), and the backup became master
    /// for a moment — a second failover and split brain in the capture, before the fault the
    /// test injects.
    pub fn start_keepalived_routers(&mut self, version: u8, instances: &[KeepalivedInstance]) {
        assert!(
            instances.windows(2).all(|w| w[0].priority > w[1].priority),
            "routers in falling priority order"
        );
        for (n, instance) in (1..).zip(instances) {
            self.start_keepalived(n, version, std::slice::from_ref(instance));
            self.wait_keepalived_log(n, STARTED, Duration::from_secs(3));
        }
    }

    /// The IPv4 address of router `n` (the source of its VRRPv2/v3 IPv4 adverts).
    pub fn router_ip(&self, n: u8) -> IpAddr {
        IpAddr::V4(self.topo.router(n).ipv4)
    }

    /// The link-local address of router `n` (the source of its IPv6 adverts).
    pub fn router_link_local(&self, n: u8) -> IpAddr {
        IpAddr::V6(self.topo.router(n).link_local)
    }

    /// Crashes keepalived on router `n` (every process frozen, then killed: no last advert);
    /// returns when it was frozen.
    pub fn crash_keepalived(&mut self, n: u8) -> Duration {
        let k = self.keepalived(n);
        k.pause().expect("freeze keepalived before the crash");
        let frozen_at = epoch_now();
        k.crash().expect("crash keepalived");
        frozen_at
    }

    /// Freezes keepalived on router `n` (SIGSTOP, a hung daemon); returns when it was frozen.
    pub fn pause_keepalived(&mut self, n: u8) -> Duration {
        self.keepalived(n).pause().expect("SIGSTOP keepalived");
        epoch_now()
    }

    /// Thaws keepalived on router `n` (SIGCONT); returns the moment just before.
    pub fn resume_keepalived(&mut self, n: u8) -> Duration {
        let at = epoch_now();
        self.keepalived(n).resume().expect("SIGCONT keepalived");
        at
    }

    /// Stops keepalived on router `n` gracefully (SIGTERM: it resigns with priority 0);
    /// returns the moment just before.
    pub fn stop_keepalived(&mut self, n: u8) -> Duration {
        let at = epoch_now();
        self.keepalived(n).stop().expect("SIGTERM keepalived");
        at
    }
}

/// A protocol timer a takeover is measured against.
#[derive(Debug, Clone, Copy)]
pub struct Timer {
    /// Its name in RFC 5798 (`Master_Down_Interval`, `Skew_Time`).
    pub name: &'static str,
    /// Its value.
    pub value: Duration,
}

impl Timer {
    /// Master_Down_Interval of a backup with `priority` (see [`master_down_interval`]).
    pub fn master_down_interval(version: u8, advert: Duration, priority: u8) -> Timer {
        Timer {
            name: "Master_Down_Interval",
            value: master_down_interval(version, advert, priority),
        }
    }

    /// Skew_Time of a backup with `priority` (see [`skew_time`]).
    pub fn skew_time(version: u8, advert: Duration, priority: u8) -> Timer {
        Timer {
            name: "Skew_Time",
            value: skew_time(version, advert, priority),
        }
    }
}

/// One master handing over to another, as the capture shows it.
#[derive(Debug, Clone, Copy)]
pub struct Takeover {
    /// The old master.
    pub old: IpAddr,
    /// The new master.
    pub new: IpAddr,
    /// The old master's last advert before the new one's first (its priority-0 advert when it
    /// resigned).
    pub last_old: Duration,
    /// The new master's first advert.
    pub first_new: Duration,
}

impl Takeover {
    /// The takeover after `since`: `new`'s first advert at or after `since` and `old`'s last
    /// advert before it. Panics (with `ctx`) when either is missing.
    pub fn find(
        capture: &CaptureLog,
        old: IpAddr,
        new: IpAddr,
        since: Duration,
        ctx: &str,
    ) -> Self {
        let first_new = capture
            .first_advert_from(new, VRID, since)
            .unwrap_or_else(|| panic!("no advert from {new} after the fault\n{ctx}"));
        let last_old = capture
            .last_advert_from(old, VRID, first_new)
            .unwrap_or_else(|| panic!("no advert from {old} before {new} took over\n{ctx}"));
        Takeover {
            old,
            new,
            last_old,
            first_new,
        }
    }

    /// The takeover after `old` resigned: its first priority-0 advert and `new`'s first advert
    /// at or after it. Panics (with `ctx`) when either is missing.
    pub fn after_resignation(capture: &CaptureLog, old: IpAddr, new: IpAddr, ctx: &str) -> Self {
        let resigned = capture
            .first_resignation_from(old, VRID)
            .unwrap_or_else(|| panic!("no priority-0 advert from {old}\n{ctx}"));
        let first_new = capture
            .first_advert_from(new, VRID, resigned)
            .unwrap_or_else(|| panic!("no advert from {new} after {old} resigned\n{ctx}"));
        Takeover {
            old,
            new,
            last_old: resigned,
            first_new,
        }
    }

    /// Time from the old master's last advert to the new master's first.
    pub fn gap(&self) -> Duration {
        self.first_new - self.last_old
    }

    /// Asserts the gap is `timer`: no more than the [`allowance`] later (the tolerance plus
    /// the scheduling stalls `stalls` has between the two adverts), no more than 5 ms earlier.
    /// Prints the measurement for `test`.
    pub fn assert_gap_is(&self, timer: Timer, stalls: &Stalls, test: &str, ctx: &str) {
        self.report(timer, stalls, test);
        let gap = self.gap();
        assert!(
            gap <= timer.value + self.allowance(stalls) && gap + EARLY >= timer.value,
            "{}\n{ctx}",
            self.describe(timer, stalls)
        );
    }

    /// Asserts the gap is at most `timer` plus the [`allowance`]. Prints the measurement for
    /// `test`.
    pub fn assert_gap_within(&self, timer: Timer, stalls: &Stalls, test: &str, ctx: &str) {
        self.report(timer, stalls, test);
        assert!(
            self.gap() <= timer.value + self.allowance(stalls),
            "{}\n{ctx}",
            self.describe(timer, stalls)
        );
    }

    /// The slack over the timer: the tolerance, plus the stalls between the old master's last
    /// advert (a backup that took it in late restarted its timer late) and the new master's
    /// first (a timer that fell due in a stall fired late).
    fn allowance(&self, stalls: &Stalls) -> Duration {
        allowance(stalls, self.last_old, self.first_new)
    }

    /// Asserts the new master, at `mac`, announced the VIP (GARP / unsolicited NA) from its
    /// first advert on; `what` says what was expected.
    pub fn assert_announced(&self, capture: &CaptureLog, mac: [u8; 6], what: &str, ctx: &str) {
        assert!(
            !capture.announcements_from(mac, self.first_new).is_empty(),
            "{what}\n{ctx}"
        );
    }

    fn report(&self, timer: Timer, stalls: &Stalls, test: &str) {
        eprintln!(
            "{test}: takeover gap {:.1} ms ({} {:.1} ms, scheduling stalls in between {:.1} ms)",
            ms(self.gap()),
            timer.name,
            ms(timer.value),
            ms(stalls.within(self.last_old, self.first_new))
        );
    }

    fn describe(&self, timer: Timer, stalls: &Stalls) -> String {
        format!(
            "takeover {:.1} ms after {}'s last advert, {} {:.1} ms (+{:.1} ms allowed: {:.0} ms \
             tolerance, {:.1} ms of scheduling stalls in between)\n{}",
            ms(self.gap()),
            self.old,
            timer.name,
            ms(timer.value),
            ms(self.allowance(stalls)),
            ms(tolerance()),
            ms(stalls.within(self.last_old, self.first_new)),
            stalls.describe(self.last_old, self.first_new)
        )
    }
}

/// What the observer should have seen when the new master took the VIP: exactly `holders`
/// holding `vip`, for the first time at or after `since`.
#[derive(Debug, Clone, Copy)]
pub struct Sighting<'a> {
    vip: IpAddr,
    holders: &'a [&'a str],
    since: Duration,
}

impl<'a> Sighting<'a> {
    /// Exactly `holders` hold `vip`, first at or after `since`.
    pub fn of(vip: IpAddr, holders: &'a [&'a str], since: Duration) -> Self {
        Sighting {
            vip,
            holders,
            since,
        }
    }
}

/// Like [`assert_replayed_failover`], and replay finds no split brain either.
pub fn assert_replayed_failover_alone(
    done: &Finished,
    takeover: &Takeover,
    sighting: Sighting<'_>,
    ctx: &str,
) {
    let findings = assert_replayed_failover(done, takeover, sighting, ctx);
    assert_no_dual_master(&findings, VRID, ctx);
}

/// Replays the scenario's capture and checks replay agrees with the harness: exactly one
/// `failover` spanning `takeover`, and the observer's `sighting` near replay's takeover time.
/// Returns the findings for further checks.
pub fn assert_replayed_failover(
    done: &Finished,
    takeover: &Takeover,
    sighting: Sighting<'_>,
    ctx: &str,
) -> Vec<Finding> {
    let findings = replay_check::replay(&done.pcap);
    let replay_takeover = assert_failover(
        &findings,
        VRID,
        takeover.old,
        takeover.new,
        takeover.last_old,
        takeover.first_new,
        ctx,
    );
    let observed = done
        .timeline
        .first_time_held_by(sighting.vip, sighting.holders, sighting.since);
    let what = format!("exactly {:?} holding {}", sighting.holders, sighting.vip);
    assert_observed_near(observed, replay_takeover, &what, ctx);
    findings
}

/// Asserts `source` sent no advert from `from` (plus a few ms for one already in flight)
/// until `until`.
pub fn assert_silent(
    capture: &CaptureLog,
    source: IpAddr,
    from: Duration,
    until: Duration,
    what: &str,
    ctx: &str,
) {
    let sent: Vec<Duration> = capture
        .adverts_from(source, VRID)
        .into_iter()
        .map(|(t, _)| t)
        .filter(|t| *t > from + IN_FLIGHT && *t < until)
        .collect();
    assert!(sent.is_empty(), "{what}: adverts at {sent:?}\n{ctx}");
}

/// Gaps between consecutive adverts of `source` within `[from, to]`.
pub fn advert_gaps(
    capture: &CaptureLog,
    source: IpAddr,
    from: Duration,
    to: Duration,
) -> Vec<Duration> {
    let t: Vec<Duration> = capture
        .adverts_from(source, VRID)
        .into_iter()
        .map(|(t, _)| t)
        .filter(|t| *t >= from && *t <= to)
        .collect();
    t.windows(2).map(|w| w[1] - w[0]).collect()
}
