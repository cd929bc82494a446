//! Integration tests: the files in `examples/` that README.md runs still do what README shows.

use std::path::PathBuf;
use std::process::Command;

/// The repository's `examples/` folder.
fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("examples")
}

/// Runs `vrrplab ARGS` from the repository root; returns (exit code, stdout).
fn vrrplab(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_vrrplab"))
        .args(args)
        .current_dir(examples().join(".."))
        .output()
        .expect("run vrrplab");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("utf-8 stdout"),
    )
}

#[test]
fn firewall_on_backup_example_splits_the_brain_heals_and_passes() {
    let (code, out) = vrrplab(&["sim", "examples/firewall-on-backup.toml"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("VRID 51  13.225s – 25.227s (12.002s)  masters a + b"),
        "{out}"
    );
    assert!(
        out.contains("cause: one-way block: b drops VRRP from a"),
        "{out}"
    );
    assert!(out.contains("verdict: PASS"), "{out}");
}

#[test]
fn consistent_example_pair_checks_clean() {
    let (code, out) = vrrplab(&["check", "examples/a.conf", "examples/b.conf"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("cross-node: 0 finding(s)"), "{out}");
}

#[test]
fn broken_example_pair_predicts_split_brain_and_exits_1() {
    let (code, out) = vrrplab(&["check", "examples/a.conf", "examples/b-broken.conf"]);
    assert_eq!(code, 1, "{out}");
    for needle in [
        "unknown keyword `prority`",
        "error[auth-mismatch]",
        "error[interval-mismatch]",
        "warning[duplicate-priority]",
    ] {
        assert!(out.contains(needle), "missing {needle}:\n{out}");
    }
}

#[test]
fn broken_example_pair_simulates_a_split_brain_that_never_heals() {
    let (code, out) = vrrplab(&[
        "sim",
        "--node",
        "examples/a.conf",
        "--node",
        "examples/b-broken.conf",
        "--duration",
        "20s",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("6.610s – end of run (not healed)  masters a + b"),
        "{out}"
    );
    assert!(out.contains("cause: authentication mismatch"), "{out}");
}

#[test]
fn lvs_director_example_loses_quorum_to_the_sorry_server_and_regains_it() {
    let (code, out) = vrrplab(&[
        "sim",
        "--node",
        "examples/lvs-director.conf",
        "--duration",
        "45s",
        "--fault",
        "20s backend-down 192.0.2.21:80",
        "--fault",
        "30s backend-up 192.0.2.21:80",
    ]);
    assert_eq!(code, 0, "{out}");
    for needle in [
        "22.219s  a     [192.0.2.100:80] checker 192.0.2.21:80 down (connect failed)",
        "22.219s  a     [192.0.2.100:80] +sorry server 192.0.2.30:80 weight 1",
        "22.219s  a     [192.0.2.100:80] quorum lost (live weight 1)",
        "32.225s  a     [192.0.2.100:80] quorum gained (live weight 2)",
    ] {
        assert!(out.contains(needle), "missing {needle}:\n{out}");
    }
}

#[test]
fn ipv6_example_pair_fails_over_and_the_client_follows_the_neighbour_advertisements() {
    let (code, out) = vrrplab(&[
        "sim",
        "--node",
        "examples/v6-a.conf",
        "--node",
        "examples/v6-b.conf",
        "--client",
        "--fault",
        "10s crash a",
        "--fault",
        "20s restart a",
        "--duration",
        "30s",
    ]);
    assert_eq!(code, 0, "{out}");
    for needle in [
        "13.026s  b     VI_6 BACKUP → MASTER (master down timer expired; priority 100)",
        "13.027s  client neighbour cache: 2001:db8::100 is at b (unsolicited NA)",
        "13.026s  VRID 52  a → b  gap 3.026s",
    ] {
        assert!(out.contains(needle), "missing {needle}:\n{out}");
    }
}
