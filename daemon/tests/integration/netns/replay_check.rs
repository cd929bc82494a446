//! Cross-check: replay a scenario's own capture through `vrrplab replay --json` and compare its
//! findings with what the harness measured and observed.
//!
//! The two views differ on purpose in one place: a crashed keepalived leaves its VIP configured,
//! so the observer sees two holders after a crash, while the capture (and so replay) sees one
//! master going silent and another taking over: a `failover`, not a `dual-master`.

use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;

/// One finding of `vrrplab replay --json`.
#[derive(Debug, Clone)]
pub struct Finding {
    /// Stable kind (`dual-master`, `failover`, `resign`, …).
    pub kind: String,
    /// VRID.
    pub vrid: u64,
    /// Start (Unix seconds).
    pub start: f64,
    /// End (Unix seconds).
    pub end: f64,
    /// Routers involved (IP sources).
    pub routers: Vec<String>,
    /// Kind-specific fields.
    pub detail: Value,
}

impl Finding {
    fn involves(&self, router: IpAddr) -> bool {
        self.routers.iter().any(|r| *r == router.to_string())
    }
}

/// Runs `vrrplab replay --json` on `pcap` and returns its findings; panics when replay fails.
pub fn replay(pcap: &Path) -> Vec<Finding> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_vrrplab"))
        .args(["replay", "--json"])
        .arg(pcap)
        .output()
        .expect("run vrrplab replay");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "vrrplab replay --json {}: {e} (exit {})\nstdout:\n{stdout}\nstderr:\n{}",
            pcap.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert!(
        out.status.success(),
        "vrrplab replay --json {} exited with {}",
        pcap.display(),
        out.status
    );
    let findings = json["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("no `findings` array in replay output:\n{stdout}"));
    findings
        .iter()
        .map(|f| Finding {
            kind: f["kind"].as_str().unwrap_or_default().to_string(),
            vrid: f["vrid"].as_u64().unwrap_or_default(),
            start: f["start"].as_f64().unwrap_or(f64::NAN),
            end: f["end"].as_f64().unwrap_or(f64::NAN),
            routers: f["routers"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|r| r.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
            detail: f["detail"].clone(),
        })
        .collect()
}

/// Findings of `kind` for `vrid`.
pub fn of_kind<'a>(findings: &'a [Finding], kind: &str, vrid: u8) -> Vec<&'a Finding> {
    findings
        .iter()
        .filter(|f| f.kind == kind && f.vrid == u64::from(vrid))
        .collect()
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// Asserts replay found exactly one failover `from` → `to` whose start and end are the
/// harness's last advert of `from` and first advert of `to` (same capture: within 1 ms).
/// Returns the finding's end (the new master's first advert, Unix seconds).
pub fn assert_failover(
    findings: &[Finding],
    vrid: u8,
    from: IpAddr,
    to: IpAddr,
    last_old: Duration,
    first_new: Duration,
    ctx: &str,
) -> f64 {
    let failovers: Vec<_> = of_kind(findings, "failover", vrid)
        .into_iter()
        .filter(|f| f.involves(from) && f.involves(to))
        .collect();
    assert_eq!(
        failovers.len(),
        1,
        "replay: one failover {from} → {to}, found {findings:#?}\n{ctx}"
    );
    let f = failovers[0];
    assert!(
        (f.start - secs(last_old)).abs() <= 0.001 && (f.end - secs(first_new)).abs() <= 0.001,
        "replay failover [{:.6}, {:.6}] vs harness [{:.6}, {:.6}]\n{ctx}",
        f.start,
        f.end,
        secs(last_old),
        secs(first_new)
    );
    f.end
}

/// Asserts the observer saw the new holder set (`observed`, from netlink) close to the moment
/// replay says the new master started advertising (`replay_time`): keepalived adds the VIP
/// within a few ms of its first advert and the observer polls every 10 ms, so within
/// −50…+150 ms (slack for a loaded machine).
pub fn assert_observed_near(observed: Option<Duration>, replay_time: f64, what: &str, ctx: &str) {
    let observed = observed
        .unwrap_or_else(|| panic!("the observer never saw {what}\n{ctx}"))
        .as_secs_f64();
    let delta = observed - replay_time;
    assert!(
        (-0.05..=0.15).contains(&delta),
        "observer saw {what} {:+.1} ms from replay's takeover\n{ctx}",
        delta * 1000.0
    );
}

/// Asserts replay found no split brain in the capture.
pub fn assert_no_dual_master(findings: &[Finding], vrid: u8, ctx: &str) {
    assert!(
        of_kind(findings, "dual-master", vrid).is_empty(),
        "replay: no split brain in the capture, found {findings:#?}\n{ctx}"
    );
}

/// Asserts replay found no dual-master, failover or resign finding.
pub fn assert_quiet(findings: &[Finding], vrid: u8, ctx: &str) {
    for kind in ["dual-master", "failover", "resign", "flapping"] {
        assert!(
            of_kind(findings, kind, vrid).is_empty(),
            "replay: no {kind} in steady state, found {findings:#?}\n{ctx}"
        );
    }
}

/// Asserts replay found `from` resigning (priority 0) at `resigned` and `to` taking over at
/// `takeover` (the finding spans the two).
pub fn assert_resign(
    findings: &[Finding],
    from: IpAddr,
    to: IpAddr,
    resigned: Duration,
    takeover: Duration,
    ctx: &str,
) {
    let resigns: Vec<_> = findings
        .iter()
        .filter(|f| f.kind == "resign" && f.involves(from))
        .collect();
    assert_eq!(
        resigns.len(),
        1,
        "replay: one resign by {from}, found {findings:#?}\n{ctx}"
    );
    let f = resigns[0];
    assert_eq!(
        f.detail["to"].as_str(),
        Some(to.to_string().as_str()),
        "{f:#?}\n{ctx}"
    );
    assert!(
        (f.start - secs(resigned)).abs() <= 0.001 && (f.end - secs(takeover)).abs() <= 0.001,
        "replay resign [{:.6}, {:.6}] vs harness priority 0 at {:.6}, takeover at {:.6}\n{ctx}",
        f.start,
        f.end,
        secs(resigned),
        secs(takeover)
    );
}

/// Asserts replay found one split brain between `routers`, matching the observer's interval
/// of two VIP holders (`observed_from`..`observed_to`) within 200 ms at each end: adverts start
/// a moment before the VIP is added and stop a moment before it is removed, and the observer
/// polls every 10 ms.
pub fn assert_dual_master(
    findings: &[Finding],
    vrid: u8,
    routers: &[IpAddr],
    observed_from: Duration,
    observed_to: Duration,
    ctx: &str,
) {
    let duals = of_kind(findings, "dual-master", vrid);
    assert_eq!(
        duals.len(),
        1,
        "replay: one dual-master, found {findings:#?}\n{ctx}"
    );
    let f = duals[0];
    for r in routers {
        assert!(
            f.involves(*r),
            "replay dual-master without {r}: {f:#?}\n{ctx}"
        );
    }
    assert!(
        (f.start - secs(observed_from)).abs() <= 0.2 && (f.end - secs(observed_to)).abs() <= 0.2,
        "replay dual-master [{:.3}, {:.3}] vs observed [{:.3}, {:.3}]\n{ctx}",
        f.start,
        f.end,
        secs(observed_from),
        secs(observed_to)
    );
}
