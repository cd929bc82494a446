//! `vrrplab run`'s keepalived command line, without a network: every keepalived option is
//! known (carried out, accepted with a warning, or refused naming it), unknown options are
//! usage errors, and the binary answers to the name `keepalived`.

use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_vrrplab");

fn run(args: &[&str]) -> Output {
    Command::new(BIN).arg("run").args(args).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn run_help_lists_keepalived_options() {
    let out = run(&["--help"]);
    assert!(out.status.success());
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout));
}

/// Every option of `keepalived --help` (2.2.7) is known to `vrrplab run`.
#[test]
fn every_keepalived_option_is_known() {
    let help = String::from_utf8(run(&["--help"]).stdout).unwrap();
    for option in [
        "--use-file",
        "--vrrp",
        "--check",
        "--no_bfd",
        "--all",
        "--log-console",
        "--log-detail",
        "--log-facility",
        "--no-syslog",
        "--umask",
        "--release-vips",
        "--dont-release-vrrp",
        "--dont-release-ipvs",
        "--dont-respawn",
        "--dont-fork",
        "--dump-conf",
        "--pid",
        "--vrrp_pid",
        "--genhash",
        "--checkers_pid",
        "--address-monitoring",
        "--bfd_pid",
        "--snmp",
        "--snmp-agent-socket",
        "--namespace",
        "--core-dump",
        "--core-dump-pattern",
        "--all-config",
        "--config-id",
        "--signum",
        "--config-test",
        "--version",
        "--help",
        "--log-file",
        "--flush-log-file",
    ] {
        assert!(
            help.contains(option),
            "{option} missing from vrrplab run --help"
        );
    }
}

#[test]
fn unknown_option_is_a_usage_error_naming_it() {
    let out = run(&["--frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unexpected argument '--frobnicate'"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn refused_options_exit_1_and_say_why() {
    for (flag, why) in [
        (
            "-V",
            "always sends priority 0 and removes its virtual addresses",
        ),
        ("-I", "removes what it installed"),
        ("-T", "genhash is not part of vrrplab"),
    ] {
        let out = run(&[flag, "-f", "/nonexistent.conf"]);
        assert_eq!(out.status.code(), Some(1), "{flag}");
        assert!(stderr(&out).contains(why), "{flag}: {}", stderr(&out));
    }
    let out = run(&["-S", "local9"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("expected 0-7, local0-local7, user or daemon"));
}

#[test]
fn signum_prints_the_signal_the_daemon_handles() {
    let num = |f: &str| String::from_utf8(run(&[&format!("--signum={f}")]).stdout).unwrap();
    assert_eq!(num("STOP"), "15\n");
    assert_eq!(num("RELOAD"), "1\n");
    assert_eq!(num("DATA"), "10\n");
    assert_eq!(num("STATS"), "12\n");
    assert_eq!(num("STATS_CLEAR"), "63\n");
    assert_eq!(num("JSON"), "36\n");
    // Debian's keepalived 2.2.7 has no TDATA either ("Unknown sigfunc TDATA").
    let out = run(&["--signum=TDATA"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("unknown signal function"));
}

/// An invalid file is reported before any pid file is written (the default pid files are
/// keepalived's, under /run).
#[test]
fn invalid_config_is_reported_before_pid_files_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("bad.conf");
    std::fs::write(
        &conf,
        "vrrp_instance VI_1 {\n    virtual_router_id 300\n}\n",
    )
    .unwrap();
    let pid = dir.path().join("k.pid");
    let out = run(&["-f", conf.to_str().unwrap(), "-p", pid.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("bad.conf:2:"), "{}", stderr(&out));
    assert!(!pid.exists());
}

#[test]
fn binary_named_keepalived_takes_keepalived_options_directly() {
    let dir = tempfile::tempdir().unwrap();
    let keepalived = dir.path().join("keepalived");
    std::os::unix::fs::symlink(BIN, &keepalived).unwrap();
    let out = Command::new(&keepalived).arg("-v").output().unwrap();
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("invoked as keepalived"),
        "{:?}",
        out
    );
    let conf = dir.path().join("k.conf");
    std::fs::write(
        &conf,
        "vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n    bogus 1\n}\n",
    )
    .unwrap();
    let out = Command::new(&keepalived)
        .args(["-t", "-f", conf.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
}

/// `-t` reports what `vrrplab check` reports for the same file, from the same code: here what
/// `vrrplab run` accepts and does not act on (a unicast peer's `min_ttl`, a VIP's `label`),
/// which keepalived acts on. Only the closing status line differs, and the exit code: `check`
/// exits 0 on warnings, `-t` 5 as keepalived's config test does for a file with warnings.
#[test]
fn config_test_prints_the_same_diagnostics_as_check() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("k.conf"),
        "vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n    priority 100\n    unicast_peer {\n        192.0.2.12 min_ttl 250\n    }\n    virtual_ipaddress {\n        192.0.2.100/24 label eth0:vip\n    }\n}\n",
    )
    .unwrap();
    let vrrplab = |args: &[&str]| {
        Command::new(BIN)
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    let check = vrrplab(&["check", "--config-id", "h1", "k.conf"]);
    let test = vrrplab(&["run", "-t", "-i", "h1", "-f", "k.conf"]);
    let check_out = String::from_utf8_lossy(&check.stdout).into_owned();
    let test_out = stderr(&test);
    // Everything up to the last line (each command's status line for the file).
    let diagnostics = |text: &str| {
        let body = text.trim_end_matches('\n');
        body.rsplit_once('\n')
            .map(|(d, _)| d.to_string())
            .unwrap_or_default()
    };
    assert_eq!(check.status.code(), Some(0), "{check_out}");
    assert_eq!(test.status.code(), Some(5), "{test_out}");
    for what in [
        "accepted, not acted on by `vrrplab run`: min_ttl/max_ttl of unicast peer 192.0.2.12",
        "accepted, not acted on by `vrrplab run`: label eth0:vip of 192.0.2.100",
    ] {
        assert!(check_out.contains(what), "check: {what}\n{check_out}");
    }
    assert_eq!(
        diagnostics(&test_out),
        diagnostics(&check_out),
        "run -t (left) and check (right)"
    );
    assert!(
        test_out.ends_with("k.conf: runs, with warnings or errors keepalived runs past (config test exit status 5)\n"),
        "{test_out}"
    );
}
