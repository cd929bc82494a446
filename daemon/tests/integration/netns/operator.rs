//! The operator's interface of `vrrplab run` on a real host namespace: the binary invoked as
//! `keepalived` forks once ready and keeps keepalived's pid files, a second daemon on the same
//! pid file refuses to start, systemd's notification socket hears READY / RELOADING /
//! STOPPING, and `-t` exits with the codes Debian's keepalived gives for the same files.

use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use vrrplab_netns::peer::Daemon;
use vrrplab_netns::{Need, keepalived_config};

use super::common::{Lab, instance4, vip4};

const NETNS: &[Need] = &[Need::Netns];
const KEEPALIVED: &[Need] = &[Need::Netns, Need::Keepalived];
const BIN: &str = env!("CARGO_BIN_EXE_vrrplab");

/// Writes router `n`'s keepalived.conf (priority 150, VRRPv3 at 0.1 s) to the artifacts.
fn write_config(lab: &Lab, n: u8) -> PathBuf {
    let host = lab.topo.router(n);
    let path = lab.topo.artifacts().join(format!("{}.conf", host.name));
    std::fs::write(
        &path,
        keepalived_config(&host.name, 3, &[instance4(150, 100)]),
    )
    .expect("write config");
    path
}

fn read_pid(path: &Path) -> Option<i32> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

fn alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks that the process exists.
    unsafe { libc::kill(pid, 0) == 0 }
}

fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `keepalived -s NS -f FILE -p P -r R -g LOG` (a symlink named keepalived, no `-n`): the
/// command returns 0 once the daemon runs, the daemon is another process that holds the VIP
/// and whose pid is in both pid files; a second start on the same pid file exits 1 naming the
/// holder; SIGTERM removes the VIP and both pid files.
#[test]
fn keepalived_named_binary_forks_when_ready_and_its_pid_files_guard_and_follow_it() {
    let test = "keepalived_named_binary_forks_when_ready_and_its_pid_files_guard_and_follow_it";
    let Some(mut lab) = Lab::new(test, NETNS, 1, &[vip4()]) else {
        return;
    };
    let dir = lab.topo.artifacts().to_path_buf();
    let keepalived = dir.join("keepalived");
    std::os::unix::fs::symlink(BIN, &keepalived).expect("symlink keepalived -> vrrplab");
    let config = write_config(&lab, 1);
    let (pid_file, vrrp_pid_file, log) = (
        dir.join("keepalived.pid"),
        dir.join("keepalived_vrrp.pid"),
        dir.join("daemon.log"),
    );
    let namespace = lab.topo.router(1).namespace.clone();
    let args = |extra: &[&str]| -> Vec<String> {
        let mut a: Vec<String> = ["-s", &namespace, "-f"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        a.push(config.display().to_string());
        for (flag, path) in [("-p", &pid_file), ("-r", &vrrp_pid_file), ("-g", &log)] {
            a.push(flag.to_string());
            a.push(path.display().to_string());
        }
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    // Whatever happens below, the forked daemon does not outlive the test.
    let guard = pid_file.clone();
    lab.topo.on_teardown(move || {
        if let Some(pid) = read_pid(&guard) {
            // SAFETY: the pid file names the daemon this test started.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    });

    let start = Instant::now();
    let first = std::process::Command::new(&keepalived)
        .args(args(&[]))
        .output()
        .expect("run keepalived -> vrrplab");
    let log_text = || std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        first.status.success(),
        "{:?}\n{}\n{}",
        first.status,
        String::from_utf8_lossy(&first.stderr),
        log_text()
    );
    let pid = read_pid(&pid_file).expect("pid file written before the parent returned");
    assert_eq!(
        read_pid(&vrrp_pid_file),
        Some(pid),
        "one process: parent = VRRP"
    );
    assert!(alive(pid), "the daemon runs after the parent returned");
    assert_eq!(
        std::fs::read_to_string(format!("/proc/{pid}/comm"))
            .unwrap()
            .trim(),
        "keepalived"
    );
    lab.wait_holders(vip4(), &["h1"], Duration::from_secs(5));
    eprintln!(
        "parent returned and daemon master after {:?}",
        start.elapsed()
    );

    let second = std::process::Command::new(&keepalived)
        .args(args(&["-n"]))
        .output()
        .expect("run a second keepalived -> vrrplab");
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("names the running process {pid} (keepalived)")),
        "{stderr}"
    );
    assert_eq!(
        read_pid(&pid_file),
        Some(pid),
        "the holder's pid file is kept"
    );

    // SAFETY: pid is the daemon this test started.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    wait_until("the daemon to exit", Duration::from_secs(5), || !alive(pid));
    lab.wait_holders(vip4(), &[], Duration::from_secs(1));
    assert!(
        !pid_file.exists() && !vrrp_pid_file.exists(),
        "{}",
        log_text()
    );
    let _ = lab.finish();
}

/// `NOTIFY_SOCKET=PATH vrrplab run …` (as systemd starts a Type=notify service): READY=1 once
/// running, RELOADING=1 with MONOTONIC_USEC then READY=1 around a SIGHUP, STOPPING=1 on
/// SIGTERM; exit 0 and the pid files gone.
#[test]
fn vrrplab_run_notifies_ready_reloading_and_stopping_on_notify_socket() {
    let test = "vrrplab_run_notifies_ready_reloading_and_stopping_on_notify_socket";
    let Some(mut lab) = Lab::new(test, NETNS, 1, &[vip4()]) else {
        return;
    };
    let dir = lab.topo.artifacts().to_path_buf();
    // A socket path has at most 107 bytes (the artifacts path is longer); abstract names are
    // per network namespace, so a path it is.
    let socket_dir = tempfile::tempdir().expect("temp dir");
    let socket_path = socket_dir.path().join("notify");
    let manager = UnixDatagram::bind(&socket_path).expect("bind the fake NOTIFY_SOCKET");
    manager
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let config = write_config(&lab, 1);
    let pid_file = dir.join("vrrplab.pid");
    let args: Vec<String> = vec![
        format!("NOTIFY_SOCKET={}", socket_path.display()),
        BIN.to_string(),
        "run".into(),
        "-f".into(),
        config.display().to_string(),
        "-l".into(),
        "-p".into(),
        pid_file.display().to_string(),
        "-r".into(),
        dir.join("vrrplab_vrrp.pid").display().to_string(),
    ];
    let host = lab.topo.router(1).clone();
    let mut daemon = Daemon::new(
        lab.topo.processes(),
        "vrrplab-h1",
        &host.namespace,
        "env",
        args,
        dir.join("vrrplab-h1.log"),
    );
    daemon.start().expect("start vrrplab");
    let log = || std::fs::read_to_string(daemon.log()).unwrap_or_default();
    let next = || {
        let mut buf = [0u8; 1024];
        let n = manager
            .recv(&mut buf)
            .unwrap_or_else(|e| panic!("no notification: {e}\n{}", log()));
        String::from_utf8_lossy(&buf[..n]).into_owned()
    };
    let ready = next();
    assert!(
        ready.starts_with("READY=1\nSTATUS=running 1 VRRP instance"),
        "{ready}"
    );
    assert!(pid_file.exists());

    daemon.signal_main(libc::SIGHUP).unwrap();
    let reloading = next();
    assert!(
        reloading.starts_with("RELOADING=1\nMONOTONIC_USEC="),
        "{reloading}"
    );
    let usec: u64 = reloading
        .lines()
        .find_map(|l| l.strip_prefix("MONOTONIC_USEC="))
        .and_then(|v| v.parse().ok())
        .expect("a number of microseconds");
    assert!(usec > 0);
    assert!(
        next().starts_with("READY=1\n"),
        "ready again after the reload"
    );

    daemon.signal_main(libc::SIGTERM).unwrap();
    assert!(next().starts_with("STOPPING=1\n"));
    assert!(daemon.wait_exit(Duration::from_secs(5)), "{}", log());
    assert!(!pid_file.exists(), "pid file removed at exit");
    let _ = lab.finish();
}

/// `vrrplab run -t` and Debian's `keepalived -t` on the same files, in a host namespace (whose
/// eth0 keepalived checks): OK → 0, an unknown keyword → 5, scripts without
/// `enable_script_security` → 6. (An invalid value differs on purpose: keepalived skips the
/// line and exits 5, vrrplab refuses to run such a file and exits 4.)
#[test]
fn config_test_exit_codes_match_keepalived() {
    let test = "config_test_exit_codes_match_keepalived";
    let Some(lab) = Lab::new(test, KEEPALIVED, 1, &[]) else {
        return;
    };
    let host = lab.topo.router(1).clone();
    let base = keepalived_config(&host.name, 3, &[instance4(150, 100)]);
    let unknown = base.replacen("priority 150", "priority 150\n    bogus_keyword 1", 1);
    assert_ne!(unknown, base, "the rendered config has `priority 150`");
    let script = format!("vrrp_script chk {{\n    script \"/bin/true\"\n}}\n{base}");
    let invalid = base.replacen("priority 150", "priority 150\n    advert_int abc", 1);
    for (name, text, expected) in [
        ("ok", &base, (0, 0)),
        ("unknown-keyword", &unknown, (5, 5)),
        ("script-security", &script, (6, 6)),
        ("invalid-value", &invalid, (5, 4)),
    ] {
        let path = lab.topo.artifacts().join(format!("{name}.conf"));
        std::fs::write(&path, text).unwrap();
        let file = path.display().to_string();
        let code = |program: &str, args: &[&str]| -> i32 {
            let mut full = vec!["netns", "exec", &host.namespace, program];
            full.extend_from_slice(args);
            std::process::Command::new("ip")
                .args(&full)
                .output()
                .expect("run")
                .status
                .code()
                .unwrap_or(-1)
        };
        let keepalived = code("keepalived", &["-t", "-f", &file]);
        let vrrplab = code(BIN, &["run", "-t", "-f", &file]);
        assert_eq!((keepalived, vrrplab), expected, "{name}: {text}");
    }
}
