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
