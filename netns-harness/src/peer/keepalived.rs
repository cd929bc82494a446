//! keepalived as a peer: `keepalived -n -l -D -P` with its own config and pid files.
//!
//! `-n` keeps the parent in the foreground (it still forks the VRRP child), `-l` logs to the
//! console (captured, time-prefixed, into `<host>.keepalived.log`), `-D` is the detailed log and
//! `-P` runs only the VRRP subsystem. `-p/-r/-c` give each instance its own pid files (the
//! defaults under /run would make a second keepalived think one already runs). Graceful stop is
//! SIGTERM to the parent (the child sends a priority-0 advert and removes the VIPs). A crash
//! must freeze both processes before killing them: killing only the parent makes the child
//! shut down gracefully, killing only the child makes the parent respawn it.

use std::fmt::Write as _;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use super::{Daemon, Peer};
use crate::error::Result;
use crate::topology::{HOST_INTERFACE, Host, Topology};

/// One `vrrp_instance` block.
#[derive(Debug, Clone, PartialEq)]
pub struct KeepalivedInstance {
    /// Instance name (`VI_1`).
    pub name: String,
    /// Virtual router id.
    pub vrid: u8,
    /// Priority (1–255).
    pub priority: u8,
    /// `advert_int` in milliseconds (sub-second needs VRRPv3).
    pub advert_int_ms: u32,
    /// `virtual_ipaddress` entries, e.g. `192.0.2.100/24`.
    pub virtual_addresses: Vec<String>,
    /// Unicast mode: `unicast_src_ip` and `unicast_peer` addresses.
    pub unicast: Option<(IpAddr, Vec<IpAddr>)>,
    /// `state MASTER` (else `state BACKUP`).
    pub initial_master: bool,
    /// Extra lines inside the block, verbatim (`nopreempt`, `preempt_delay 2`, …).
    pub extra: Vec<String>,
}

impl KeepalivedInstance {
    /// An instance `VI_<vrid>` with one VIP, initial state from the priority (highest = MASTER
    /// is only a start-up hint: keepalived still starts in BACKUP).
    pub fn new(vrid: u8, priority: u8, advert_int_ms: u32, vip: &str) -> KeepalivedInstance {
        KeepalivedInstance {
            name: format!("VI_{vrid}"),
            vrid,
            priority,
            advert_int_ms,
            virtual_addresses: vec![vip.to_string()],
            unicast: None,
            initial_master: false,
            extra: Vec::new(),
        }
    }
}

/// Renders a keepalived.conf for `router_id` with VRRP `version` (2 or 3) and `instances`.
pub fn keepalived_config(router_id: &str, version: u8, instances: &[KeepalivedInstance]) -> String {
    keepalived_config_with(router_id, version, &[], instances)
}

/// Like [`keepalived_config`], with extra `global_defs` lines (e.g. `vrrp_rt_priority 50`).
pub fn keepalived_config_with(
    router_id: &str,
    version: u8,
    globals: &[&str],
    instances: &[KeepalivedInstance],
) -> String {
    let mut c = String::new();
    let _ = writeln!(
        c,
        "global_defs {{\n    router_id {router_id}\n    vrrp_version {version}"
    );
    for line in globals {
        let _ = writeln!(c, "    {line}");
    }
    let _ = writeln!(c, "}}");
    for i in instances {
        let advert = f64::from(i.advert_int_ms) / 1000.0;
        let _ = writeln!(c, "\nvrrp_instance {} {{", i.name);
        let state = if i.initial_master { "MASTER" } else { "BACKUP" };
        let _ = writeln!(c, "    state {state}");
        let _ = writeln!(c, "    interface {HOST_INTERFACE}");
        let _ = writeln!(c, "    virtual_router_id {}", i.vrid);
        let _ = writeln!(c, "    priority {}", i.priority);
        let _ = writeln!(c, "    advert_int {advert}");
        if let Some((src, peers)) = &i.unicast {
            let _ = writeln!(c, "    unicast_src_ip {src}");
            let _ = writeln!(c, "    unicast_peer {{");
            for p in peers {
                let _ = writeln!(c, "        {p}");
            }
            let _ = writeln!(c, "    }}");
        }
        for line in &i.extra {
            let _ = writeln!(c, "    {line}");
        }
        let _ = writeln!(c, "    virtual_ipaddress {{");
        for a in &i.virtual_addresses {
            let _ = writeln!(c, "        {a}");
        }
        let _ = writeln!(c, "    }}\n}}");
    }
    c
}

/// keepalived on one host.
pub struct Keepalived {
    host: Host,
    config: PathBuf,
    daemon: Daemon,
}

impl Keepalived {
    /// Writes `config` to `<artifacts>/<host>.keepalived.conf` and prepares the command line
    /// (not started yet).
    pub fn new(topology: &Topology, host: &Host, config: &str) -> Result<Keepalived> {
        let dir = topology.artifacts();
        let name = &host.name;
        let conf = dir.join(format!("{name}.keepalived.conf"));
        std::fs::write(&conf, config)
            .map_err(|e| crate::HarnessError::io(format!("write {}", conf.display()), e))?;
        let pid = dir.join(format!("{name}.keepalived.pid"));
        let vrrp_pid = dir.join(format!("{name}.keepalived-vrrp.pid"));
        let checker_pid = dir.join(format!("{name}.keepalived-checker.pid"));
        let args = vec![
            "-n".into(),
            "-l".into(),
            "-D".into(),
            "-P".into(),
            "-f".into(),
            conf.display().to_string(),
            "-p".into(),
            pid.display().to_string(),
            "-r".into(),
            vrrp_pid.display().to_string(),
            "-c".into(),
            checker_pid.display().to_string(),
            "-i".into(),
            name.clone(),
        ];
        let daemon = Daemon::new(
            topology.processes(),
            &format!("keepalived@{name}"),
            &host.namespace,
            "keepalived",
            args,
            dir.join(format!("{name}.keepalived.log")),
        )
        .with_member_pid_files(vec![vrrp_pid])
        .with_stale_files(vec![pid, checker_pid]);
        Ok(Keepalived {
            host: host.clone(),
            config: conf,
            daemon,
        })
    }

    /// Path of the config file.
    pub fn config_path(&self) -> &std::path::Path {
        &self.config
    }
}

impl Peer for Keepalived {
    fn label(&self) -> String {
        format!("keepalived@{}", self.host.name)
    }

    fn host(&self) -> &Host {
        &self.host
    }

    fn start(&mut self) -> Result<()> {
        self.daemon.start()?;
        self.daemon.wait_for_members(Duration::from_secs(5))
    }

    fn stop(&mut self) -> Result<()> {
        self.daemon.stop_with(libc::SIGTERM, Duration::from_secs(5))
    }

    fn crash(&mut self) -> Result<()> {
        self.daemon.crash()
    }

    fn pause(&mut self) -> Result<()> {
        self.daemon.signal_all(libc::SIGSTOP)
    }

    fn resume(&mut self) -> Result<()> {
        self.daemon.signal_all(libc::SIGCONT)
    }

    fn is_running(&self) -> bool {
        self.daemon.is_running()
    }

    fn log_paths(&self) -> Vec<PathBuf> {
        vec![self.daemon.log().to_path_buf()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_renders_unicast_and_sub_second_interval() {
        let mut i = KeepalivedInstance::new(51, 150, 100, "192.0.2.100/24");
        i.unicast = Some((
            "192.0.2.11".parse().unwrap(),
            vec!["192.0.2.12".parse().unwrap()],
        ));
        let c = keepalived_config_with("h1", 3, &["vrrp_rt_priority 50"], &[i]);
        assert!(
            c.starts_with(
                "global_defs {\n    router_id h1\n    vrrp_version 3\n    vrrp_rt_priority 50\n}\n"
            ),
            "{c}"
        );
        assert!(c.contains("advert_int 0.1\n"), "{c}");
        assert!(c.contains("unicast_src_ip 192.0.2.11"), "{c}");
        assert!(c.contains("        192.0.2.12\n"), "{c}");
        assert!(c.contains("virtual_router_id 51"), "{c}");
    }
}
