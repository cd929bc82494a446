//! Notify FIFOs and dump signals of `vrrplab run`, next to Debian's keepalived 2.2.7.
//!
//! The FIFO scenario runs the same configuration and the same events first under keepalived,
//! then under vrrplab, on router h1: start (a sync group of two instances goes MASTER), a
//! `vrrp_track_file` raises VI_51's priority (`notify_priority_changes`), a keepalived on h2
//! that cannot hear h1 claims VRID 51 with a lower priority (MASTER_RX_LOWER_PRI), a weight-0
//! track file puts the group in FAULT and back, SIGTERM. Both daemons write the same lines to
//! `notify_fifo` (a FIFO the test made and reads) and start the `vrrp_notify_fifo_script` with
//! the FIFO they created as its last argument.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use vrrplab_netns::peer::Daemon;
use vrrplab_netns::{Keepalived, Need, Peer, keepalived_config};

use super::common::{Lab, instance4, vip4};

const KEEPALIVED: &[Need] = &[Need::Netns, Need::Keepalived];
const NETNS: &[Need] = &[Need::Netns];

/// The subject's configuration: `dir` holds the FIFOs, track files and the reader script.
fn subject_config(dir: &Path, who: &str) -> String {
    let d = dir.display();
    format!(
        r#"global_defs {{
    router_id h1
    vrrp_version 3
    vrrp_rt_priority 50
    vrrp_rlimit_rttime 5000000
    notify_fifo {d}/{who}-ext.fifo
    vrrp_notify_fifo {d}/{who}-vrrp.fifo
    vrrp_notify_fifo_script "{d}/reader.sh {d}/{who}-script.txt"
}}
vrrp_track_file tf_prio {{
    file {d}/{who}-prio
    weight 10
}}
vrrp_track_file tf_fault {{
    file {d}/{who}-fault
    weight 0
}}
vrrp_sync_group G {{
    group {{
        VI_51
        VI_52
    }}
    sync_group_tracking_weight
}}
vrrp_instance VI_51 {{
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority 150
    advert_int 0.1
    notify_priority_changes
    track_file {{
        tf_prio
        tf_fault
    }}
    virtual_ipaddress {{
        192.0.2.100/24
    }}
}}
vrrp_instance VI_52 {{
    state BACKUP
    interface eth0
    virtual_router_id 52
    priority 150
    advert_int 0.1
    virtual_ipaddress {{
        192.0.2.101/24
    }}
}}
"#
    )
}

/// A FIFO the test owns, open for reading without blocking.
fn test_fifo(path: &Path) -> std::fs::File {
    use std::os::unix::fs::OpenOptionsExt;
    let _ = std::fs::remove_file(path);
    let c = std::ffi::CString::new(path.display().to_string()).unwrap();
    // SAFETY: mkfifo with a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .expect("open the test's FIFO")
}

/// Everything in the FIFO now, as lines.
fn read_lines(fifo: &mut std::fs::File) -> Vec<String> {
    use std::io::Read;
    let mut text = String::new();
    let mut buf = [0u8; 4096];
    loop {
        match fifo.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => text.push_str(&String::from_utf8_lossy(&buf[..n])),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
            Err(e) => panic!("read FIFO: {e}"),
        }
    }
    text.lines().map(str::to_string).collect()
}

/// Consecutive repeats collapsed (MASTER_RX_LOWER_PRI comes once per lower advert; how many
/// arrive depends on timing).
fn collapsed(lines: &[String]) -> Vec<String> {
    let mut out: Vec<String> = lines.to_vec();
    out.dedup();
    out
}

/// Each instance's and group's own lines, in order (keepalived orders two members that change
/// at the same instant by timer, vrrplab by configuration order).
fn by_name(lines: &[String]) -> BTreeMap<String, Vec<String>> {
    let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for l in collapsed(lines) {
        let name = l.split('"').nth(1).unwrap_or_default().to_string();
        m.entry(name).or_default().push(l);
    }
    m
}

/// `vrrplab run` on router `n` with `config` (console log, pid files of its own).
fn vrrplab(lab: &Lab, n: u8, config: &Path) -> Daemon {
    let host = lab.topo.router(n).clone();
    let dir = lab.topo.artifacts();
    let args: Vec<String> = [
        "-f",
        "50",
        env!("CARGO_BIN_EXE_vrrplab"),
        "run",
        "-f",
        &config.display().to_string(),
        "-l",
        "-p",
        &dir.join("vrrplab.pid").display().to_string(),
        "-r",
        &dir.join("vrrplab-vrrp.pid").display().to_string(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut d = Daemon::new(
        lab.topo.processes(),
        &format!("vrrplab-{}", host.name),
        &host.namespace,
        "chrt",
        args,
        dir.join(format!("vrrplab-{}.log", host.name)),
    );
    d.start().expect("start vrrplab");
    d
}

/// What one daemon wrote: the test's FIFO, the reader script's copy and its arguments.
struct Seen {
    fifo: Vec<String>,
    script: Vec<String>,
    args: String,
}

/// Runs the event sequence against the subject started by `start` and stopped by `stop`.
fn run_events(
    lab: &mut Lab,
    who: &str,
    start: &mut dyn FnMut(&Lab, &Path),
    stop: &mut dyn FnMut(),
) -> Seen {
    let dir = lab.topo.artifacts().to_path_buf();
    let file = |name: &str| dir.join(format!("{who}-{name}"));
    std::fs::write(file("prio"), "0\n").unwrap();
    std::fs::write(file("fault"), "0\n").unwrap();
    let config = file("h1.conf");
    std::fs::write(&config, subject_config(&dir, who)).unwrap();
    let mut ext = test_fifo(&file("ext.fifo"));
    start(lab, &config);
    let vip52: std::net::IpAddr = "192.0.2.101".parse().unwrap();
    lab.wait_holders(vip4(), &["h1"], Duration::from_secs(5));
    lab.wait_holders(vip52, &["h1"], Duration::from_secs(5));
    // Priority 150 → 170.
    std::fs::write(file("prio"), "2\n").unwrap();
    std::thread::sleep(Duration::from_millis(500));
    // h2 (priority 100) cannot hear h1, becomes master and advertises its lower priority.
    let (h1, h2) = (lab.topo.router(1).clone(), lab.topo.router(2).clone());
    lab.topo.block_vrrp(&h1, &h2).expect("block h1 -> h2");
    let mut peer = Keepalived::new(
        &lab.topo,
        &h2,
        &keepalived_config("h2", 3, &[instance4(100, 100)]),
    )
    .expect("peer config");
    peer.start().expect("start the h2 keepalived");
    lab.wait_holders(vip4(), &["h1", "h2"], Duration::from_secs(5));
    std::thread::sleep(Duration::from_millis(300));
    lab.topo.unblock(&h2).expect("unblock");
    lab.wait_holders(vip4(), &["h1"], Duration::from_secs(5));
    peer.stop().expect("stop the h2 keepalived");
    // The group to FAULT and back.
    std::fs::write(file("fault"), "1\n").unwrap();
    lab.wait_holders(vip4(), &[], Duration::from_secs(5));
    std::fs::write(file("fault"), "0\n").unwrap();
    lab.wait_holders(vip4(), &["h1"], Duration::from_secs(5));
    lab.wait_holders(vip52, &["h1"], Duration::from_secs(5));
    stop();
    let fifo = read_lines(&mut ext);
    let script_file = file("script.txt");
    Seen {
        fifo,
        script: std::fs::read_to_string(&script_file)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect(),
        args: std::fs::read_to_string(dir.join(format!("{who}-script.txt.args")))
            .unwrap_or_default(),
    }
}

/// The reader script: records its arguments, copies the FIFO (its last argument) to a file.
fn write_reader(dir: &Path) -> PathBuf {
    let path = dir.join("reader.sh");
    std::fs::write(
        &path,
        "#!/bin/sh\nout=$1; fifo=$2\necho \"$*\" > \"$out.args\"\nwhile IFS= read -r line; do echo \"$line\" >> \"$out\"; done < \"$fifo\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    path
}

#[test]
fn notify_fifo_lines_match_keepalived_for_start_priority_lower_advert_fault_and_stop() {
    let test = "notify_fifo_lines_match_keepalived_for_start_priority_lower_advert_fault_and_stop";
    let vip52: std::net::IpAddr = "192.0.2.101".parse().unwrap();
    let Some(mut lab) = Lab::new(test, KEEPALIVED, 2, &[vip4(), vip52]) else {
        return;
    };
    let dir = lab.topo.artifacts().to_path_buf();
    write_reader(&dir);

    let ka: std::cell::RefCell<Option<Keepalived>> = std::cell::RefCell::new(None);
    let keepalived = run_events(
        &mut lab,
        "keepalived",
        &mut |lab, config| {
            let text = std::fs::read_to_string(config).unwrap();
            let mut k =
                Keepalived::new(&lab.topo, lab.topo.router(1), &text).expect("keepalived config");
            k.start().expect("start keepalived");
            *ka.borrow_mut() = Some(k);
        },
        &mut || {
            ka.borrow_mut()
                .as_mut()
                .unwrap()
                .stop()
                .expect("stop keepalived")
        },
    );
    let vd: std::cell::RefCell<Option<Daemon>> = std::cell::RefCell::new(None);
    let ours = run_events(
        &mut lab,
        "vrrplab",
        &mut |lab, config| *vd.borrow_mut() = Some(vrrplab(lab, 1, config)),
        &mut || {
            vd.borrow_mut()
                .as_mut()
                .unwrap()
                .stop_with(libc::SIGTERM, Duration::from_secs(5))
                .expect("stop vrrplab")
        },
    );
    let done = lab.finish();
    let context = format!(
        "{}\nkeepalived: {:#?}\nvrrplab: {:#?}\n--- vrrplab log\n{}",
        lab.context(&done),
        keepalived.fifo,
        ours.fifo,
        std::fs::read_to_string(dir.join("vrrplab-h1.log")).unwrap_or_default()
    );

    // The whole sequence, exactly as vrrplab writes it.
    let expected: Vec<String> = [
        r#"GROUP "G" BACKUP 0"#,
        r#"INSTANCE "VI_51" BACKUP 150"#,
        r#"INSTANCE "VI_52" BACKUP 150"#,
        r#"INSTANCE "VI_51" MASTER 150"#,
        r#"INSTANCE "VI_52" MASTER 150"#,
        r#"GROUP "G" MASTER 0"#,
        r#"INSTANCE "VI_51" MASTER_PRIORITY 170"#,
        r#"INSTANCE "VI_51" MASTER_RX_LOWER_PRI 170"#,
        r#"INSTANCE "VI_51" FAULT 170"#,
        r#"INSTANCE "VI_52" FAULT 150"#,
        r#"GROUP "G" FAULT 0"#,
        r#"INSTANCE "VI_51" BACKUP 170"#,
        r#"INSTANCE "VI_52" BACKUP 150"#,
        r#"GROUP "G" BACKUP 0"#,
        r#"INSTANCE "VI_51" MASTER 170"#,
        r#"INSTANCE "VI_52" MASTER 150"#,
        r#"GROUP "G" MASTER 0"#,
        r#"INSTANCE "VI_51" STOP 170"#,
        r#"INSTANCE "VI_52" STOP 150"#,
        r#"GROUP "G" STOP 0"#,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(collapsed(&ours.fifo), expected, "{context}");
    // keepalived: the same lines per instance and group.
    assert_eq!(by_name(&keepalived.fifo), by_name(&ours.fifo), "{context}");
    // Both start the reader with the FIFO they created as its last argument.
    for (who, seen) in [("keepalived", &keepalived), ("vrrplab", &ours)] {
        let fifo = dir.join(format!("{who}-vrrp.fifo"));
        assert_eq!(
            seen.args.trim(),
            format!(
                "{} {}",
                dir.join(format!("{who}-script.txt")).display(),
                fifo.display()
            ),
            "{who}\n{context}"
        );
        assert!(!fifo.exists(), "{who} removes the FIFO it created");
    }
    // vrrplab's reader gets every line; keepalived kills its reader at stop, so its copy
    // may miss the STOP lines.
    assert_eq!(ours.script, ours.fifo, "{context}");
    let before_stop = |lines: &[String]| -> Vec<String> {
        collapsed(lines)
            .into_iter()
            .filter(|l| !l.contains(" STOP "))
            .collect()
    };
    assert_eq!(
        by_name(&before_stop(&keepalived.script)),
        by_name(&before_stop(&ours.fifo)),
        "{context}"
    );
}

/// Every signal keepalived handles besides the stop signals leaves the daemon running as
/// MASTER with its VIP: SIGHUP, SIGUSR1, SIGUSR2, STATS_CLEAR and JSON (without handlers the
/// last three used to kill it, priority 0 unsent and the VIP left behind).
#[test]
fn dump_and_reload_signals_leave_the_master_running_with_its_vip() {
    let test = "dump_and_reload_signals_leave_the_master_running_with_its_vip";
    let Some(lab) = Lab::new(test, NETNS, 1, &[vip4()]) else {
        return;
    };
    let dir = lab.topo.artifacts().to_path_buf();
    let config = dir.join("h1.conf");
    std::fs::write(&config, keepalived_config("h1", 3, &[instance4(150, 100)])).unwrap();
    let mut d = vrrplab(&lab, 1, &config);
    lab.wait_holders(vip4(), &["h1"], Duration::from_secs(5));
    let number = |f: &str| -> i32 {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_vrrplab"))
            .args(["run", &format!("--signum={f}")])
            .output()
            .unwrap();
        String::from_utf8(out.stdout)
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    let log = || std::fs::read_to_string(dir.join("vrrplab-h1.log")).unwrap_or_default();
    for f in ["RELOAD", "DATA", "STATS", "STATS_CLEAR", "JSON"] {
        let signal = number(f);
        d.signal_main(signal).expect("signal vrrplab");
        std::thread::sleep(Duration::from_millis(300));
        assert!(d.is_running(), "{f} ({signal}) ended the daemon\n{}", log());
        lab.wait_holders(vip4(), &["h1"], Duration::from_secs(1));
    }
    let stats = std::fs::read_to_string("/tmp/keepalived.stats").unwrap_or_default();
    assert!(stats.contains("VRRP Instance: VI_51"), "{stats}\n{}", log());
    let json = std::fs::read_to_string("/tmp/keepalived.json").unwrap_or_default();
    assert!(json.contains("VI_51"), "{json}\n{}", log());
    d.stop_with(libc::SIGTERM, Duration::from_secs(5))
        .expect("stop vrrplab");
    lab.wait_holders(vip4(), &[], Duration::from_secs(2));
}
