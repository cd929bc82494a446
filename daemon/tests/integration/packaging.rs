//! The files in `packaging/`: the systemd unit passes `systemd-analyze verify` without a
//! complaint about itself (see the test for what else verify may print), is `Type=notify` with a SIGHUP reload and a limited capability set, and
//! its command line (with the defaults file's example options) is accepted by `vrrplab run`.
//!
//! `systemd-analyze` needs no running systemd. Without it the verify test prints `SKIP` and
//! passes, unless `VRRPLAB_REQUIRE_SYSTEMD=1` (CI sets it).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_vrrplab");

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn unit_text() -> String {
    std::fs::read_to_string(repo().join("packaging/systemd/vrrplab.service"))
        .expect("packaging/systemd/vrrplab.service")
}

/// `[Service]` keys → values (repeated keys in order), comments and blank lines skipped.
fn section(text: &str, name: &str) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut inside = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            inside = line == format!("[{name}]");
        } else if inside && !line.is_empty() && !line.starts_with('#') {
            let (k, v) = line.split_once('=').expect("KEY=value");
            out.entry(k.to_string()).or_default().push(v.to_string());
        }
    }
    out
}

#[test]
fn systemd_unit_passes_systemd_analyze_verify_without_warnings() {
    let required = std::env::var("VRRPLAB_REQUIRE_SYSTEMD").is_ok_and(|v| v == "1");
    if Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(
            !required,
            "systemd-analyze is missing (VRRPLAB_REQUIRE_SYSTEMD=1)"
        );
        eprintln!("SKIP systemd unit verify: systemd-analyze is not installed");
        return;
    }
    // verify checks that ExecStart's program exists: point it at the binary under test.
    let dir = tempfile::tempdir().unwrap();
    let unit = dir.path().join("vrrplab.service");
    std::fs::write(&unit, unit_text().replace("/usr/sbin/vrrplab", BIN)).unwrap();
    let out = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(&unit)
        .output()
        .expect("run systemd-analyze");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // verify also loads the units this one names (keepalived.service through Conflicts=, the
    // targets) and prints their problems too, e.g. "/lib/systemd/system/keepalived.service:19:
    // Unknown key 'X' in section [Install], ignoring." on a host whose keepalived.service has
    // one. Those are the host's; every complaint about this unit names vrrplab.service (its
    // file path, or `vrrplab.service:` before the message). With a unit path of this unit
    // alone verify cannot run at all ("Unit sysinit.target not found"), so they are filtered.
    let (about_unit, other): (Vec<&str>, Vec<&str>) =
        stderr.lines().partition(|l| l.contains("vrrplab.service"));
    for line in other {
        eprintln!("systemd unit verify: not about vrrplab.service, ignored: {line}");
    }
    assert!(about_unit.is_empty(), "{stderr}");
}

#[test]
fn systemd_unit_is_type_notify_reloads_with_sighup_and_limits_capabilities() {
    let service = section(&unit_text(), "Service");
    let one = |k: &str| service.get(k).map(|v| v.join(" ")).unwrap_or_default();
    assert_eq!(one("Type"), "notify");
    assert_eq!(one("ExecReload"), "/bin/kill -HUP $MAINPID");
    assert_eq!(one("KillMode"), "mixed");
    let mut caps: Vec<String> = one("CapabilityBoundingSet")
        .split_whitespace()
        .map(String::from)
        .collect();
    caps.sort();
    assert_eq!(
        caps,
        [
            "CAP_KILL",
            "CAP_NET_ADMIN",
            "CAP_NET_RAW",
            "CAP_SETGID",
            "CAP_SETUID",
            "CAP_SYS_NICE"
        ]
    );
    assert_eq!(
        service["EnvironmentFile"],
        ["-/etc/default/keepalived", "-/etc/default/vrrplab"]
    );
    assert!(
        one("ExecStart").starts_with("/usr/sbin/vrrplab run --dont-fork $DAEMON_ARGS"),
        "{}",
        one("ExecStart")
    );
}

/// The unit's command line with the defaults file's example options, and Debian's keepalived
/// habits (`-D -S 3 -P`), parse: checked with `-t` on a valid file (exit 0).
#[test]
fn unit_command_line_with_example_daemon_args_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("keepalived.conf");
    std::fs::write(
        &conf,
        "vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n    virtual_ipaddress {\n        192.0.2.100/24\n    }\n}\n",
    )
    .unwrap();
    let defaults = std::fs::read_to_string(repo().join("packaging/default/vrrplab")).unwrap();
    let examples: Vec<Vec<&str>> = defaults
        .lines()
        .filter_map(|l| l.strip_prefix("#   "))
        .map(|l| l.split("  ").next().unwrap().split_whitespace().collect())
        .collect();
    assert!(examples.len() >= 4, "{examples:?}");
    for extra in examples.iter().map(|v| v.as_slice()).chain([
        ["-D", "-S", "3", "-P"].as_slice(),
        ["--log-detail", "--vrrp", "-l", "-G"].as_slice(),
    ]) {
        let out = Command::new(BIN)
            .args(["run", "--dont-fork"])
            .args(extra)
            .arg("-f")
            .arg(&conf)
            .arg("-t")
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{extra:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
