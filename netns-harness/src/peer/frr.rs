//! FRR's vrrpd as a peer: zebra + vrrpd in a host namespace, with their own path space.
//!
//! FRR does not create the virtual-MAC interfaces itself: for each IPv4 virtual router the
//! harness creates a macvlan `vrrp4-<vrid>` on `eth0` (mode bridge, `addrgenmode random`, MAC
//! 00:00:5e:00:01:VRID, the VIP configured), and vrrpd finds it by its MAC. A backup keeps the
//! macvlan in protodown, so the observer does not count its VIP as held. Both daemons run in the
//! foreground (`-P 0`: no TCP vty; `-N <namespace>`: sockets, pid files and config under
//! `/var/run/frr/<namespace>/`, so several FRR instances coexist; `--log stdout` so the harness
//! time-prefixes the log). They drop to user `frr`, so the runtime directory belongs to it.

use std::fmt::Write as _;
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::time::Duration;

use super::{Daemon, Peer};
use crate::command;
use crate::error::{HarnessError, Result};
use crate::topology::{HOST_INTERFACE, Host, IPV4_PREFIX_LEN, Topology};

/// One IPv4 virtual router in vrrpd's config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrrRouter {
    /// Virtual router id.
    pub vrid: u8,
    /// VRRP version (2 or 3).
    pub version: u8,
    /// Priority (1–254).
    pub priority: u8,
    /// `advertisement-interval` in milliseconds (multiple of 10).
    pub advert_int_ms: u32,
    /// The virtual IPv4 address.
    pub vip: Ipv4Addr,
}

impl FrrRouter {
    /// The macvlan vrrpd looks for (by MAC): `vrrp4-<vrid>`.
    pub fn macvlan(&self) -> String {
        format!("vrrp4-{}", self.vrid)
    }
}

/// vrrpd's config for `routers` on `eth0`.
pub fn frr_config(routers: &[FrrRouter]) -> String {
    let mut c = format!("interface {HOST_INTERFACE}\n");
    for r in routers {
        let v = r.vrid;
        let _ = writeln!(c, " vrrp {v} version {}", r.version);
        let _ = writeln!(c, " vrrp {v} priority {}", r.priority);
        let _ = writeln!(c, " vrrp {v} advertisement-interval {}", r.advert_int_ms);
        let _ = writeln!(c, " vrrp {v} ip {}", r.vip);
    }
    c.push_str("exit\n");
    c
}

/// zebra + vrrpd on one host.
pub struct FrrVrrpd {
    host: Host,
    runtime: PathBuf,
    pathspace: String,
    zebra: Daemon,
    vrrpd: Daemon,
}

const FRR_DIR: &str = "/usr/lib/frr";
const FRR_RUN: &str = "/var/run/frr";

fn chown_frr(path: &std::path::Path) -> Result<()> {
    command::run("chown", &["frr:frr", &path.display().to_string()]).map(drop)
}

impl FrrVrrpd {
    /// Creates the macvlans on `host`, the runtime directory and configs (not started yet).
    pub fn new(topology: &Topology, host: &Host, routers: &[FrrRouter]) -> Result<FrrVrrpd> {
        for r in routers {
            let mv = r.macvlan();
            let mac = format!("00:00:5e:00:01:{:02x}", r.vrid);
            let vip = format!("{}/{IPV4_PREFIX_LEN}", r.vip);
            topology.ip_in(
                host,
                &[
                    "link",
                    "add",
                    &mv,
                    "link",
                    HOST_INTERFACE,
                    "type",
                    "macvlan",
                    "mode",
                    "bridge",
                ],
            )?;
            topology.ip_in(host, &["link", "set", "dev", &mv, "addrgenmode", "random"])?;
            topology.ip_in(host, &["link", "set", "dev", &mv, "address", &mac])?;
            topology.ip_in(host, &["addr", "add", &vip, "dev", &mv])?;
            // born in protodown, like an FRR backup: the VIP is not live until vrrpd says so
            topology.ip_in(host, &["link", "set", "dev", &mv, "protodown", "on"])?;
            topology.ip_in(host, &["link", "set", "dev", &mv, "up"])?;
        }
        let pathspace = host.namespace.clone();
        let runtime = PathBuf::from(FRR_RUN).join(&pathspace);
        let _ = std::fs::remove_dir_all(&runtime);
        std::fs::create_dir_all(&runtime)
            .map_err(|e| HarnessError::io(format!("create {}", runtime.display()), e))?;
        chown_frr(&runtime)?;
        let empty = runtime.join("zebra.conf");
        let conf = runtime.join("vrrpd.conf");
        let text = frr_config(routers);
        std::fs::write(&empty, "").map_err(|e| HarnessError::io("write zebra.conf", e))?;
        std::fs::write(&conf, &text).map_err(|e| HarnessError::io("write vrrpd.conf", e))?;
        // a copy next to the other artifacts, for failure reports
        let _ = std::fs::write(
            topology
                .artifacts()
                .join(format!("{}.vrrpd.conf", host.name)),
            &text,
        );
        let daemon = |name: &str, config: &PathBuf| {
            let args = vec![
                "-N".to_string(),
                pathspace.clone(),
                "-P".into(),
                "0".into(),
                "-u".into(),
                "frr".into(),
                "-g".into(),
                "frr".into(),
                "-f".into(),
                config.display().to_string(),
                "-i".into(),
                runtime.join(format!("{name}.pid")).display().to_string(),
                "--log".into(),
                "stdout".into(),
                "--log-level".into(),
                "debug".into(),
            ];
            Daemon::new(
                topology.processes(),
                &format!("{name}@{}", host.name),
                &host.namespace,
                &format!("{FRR_DIR}/{name}"),
                args,
                topology
                    .artifacts()
                    .join(format!("{}.{name}.log", host.name)),
            )
        };
        Ok(FrrVrrpd {
            host: host.clone(),
            zebra: daemon("zebra", &empty),
            vrrpd: daemon("vrrpd", &conf),
            runtime,
            pathspace,
        })
    }

    /// `show vrrp json` through vtysh (needs the daemons running).
    pub fn show_vrrp_json(&self) -> Result<String> {
        command::in_netns(
            &self.host.namespace,
            "vtysh",
            &["-N", &self.pathspace, "-c", "show vrrp json"],
        )
    }

    fn wait_for_socket(&self, name: &str, timeout: Duration) -> Result<()> {
        let path = self.runtime.join(name);
        let deadline = std::time::Instant::now() + timeout;
        while !path.exists() {
            if std::time::Instant::now() >= deadline {
                return Err(HarnessError::Timeout(format!(
                    "{} for FRR on {}",
                    path.display(),
                    self.host.name
                )));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }
}

impl Peer for FrrVrrpd {
    fn label(&self) -> String {
        format!("frr@{}", self.host.name)
    }

    fn host(&self) -> &Host {
        &self.host
    }

    fn start(&mut self) -> Result<()> {
        self.zebra.start()?;
        // vrrpd connects to zebra's zserv socket; without it, it retries slowly.
        self.wait_for_socket("zserv.api", Duration::from_secs(5))?;
        self.vrrpd.start()?;
        self.wait_for_socket("vrrpd.vty", Duration::from_secs(5))
    }

    fn stop(&mut self) -> Result<()> {
        let vrrpd = self.vrrpd.stop_with(libc::SIGTERM, Duration::from_secs(5));
        let zebra = self.zebra.stop_with(libc::SIGTERM, Duration::from_secs(5));
        vrrpd.and(zebra)
    }

    fn crash(&mut self) -> Result<()> {
        self.vrrpd.signal_all(libc::SIGSTOP)?;
        self.zebra.signal_all(libc::SIGSTOP)?;
        let vrrpd = self.vrrpd.crash();
        let zebra = self.zebra.crash();
        vrrpd.and(zebra)
    }

    fn pause(&mut self) -> Result<()> {
        self.vrrpd.signal_all(libc::SIGSTOP)?;
        self.zebra.signal_all(libc::SIGSTOP)
    }

    fn resume(&mut self) -> Result<()> {
        self.zebra.signal_all(libc::SIGCONT)?;
        self.vrrpd.signal_all(libc::SIGCONT)
    }

    fn is_running(&self) -> bool {
        self.vrrpd.is_running()
    }

    fn log_paths(&self) -> Vec<PathBuf> {
        vec![
            self.zebra.log().to_path_buf(),
            self.vrrpd.log().to_path_buf(),
        ]
    }
}

impl Drop for FrrVrrpd {
    fn drop(&mut self) {
        let _ = self.vrrpd.signal_all(libc::SIGKILL);
        let _ = self.zebra.signal_all(libc::SIGKILL);
        self.vrrpd.wait_exit(Duration::from_secs(1));
        self.zebra.wait_exit(Duration::from_secs(1));
        let _ = std::fs::remove_dir_all(&self.runtime);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_names_every_router_setting() {
        let c = frr_config(&[FrrRouter {
            vrid: 51,
            version: 3,
            priority: 120,
            advert_int_ms: 100,
            vip: Ipv4Addr::new(192, 0, 2, 100),
        }]);
        assert_eq!(
            c,
            "interface eth0\n vrrp 51 version 3\n vrrp 51 priority 120\n vrrp 51 advertisement-interval 100\n vrrp 51 ip 192.0.2.100\nexit\n"
        );
    }
}
