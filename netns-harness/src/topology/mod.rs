//! Topologies: a switch namespace with a bridge and host namespaces joined to it by veth pairs.
//!
//! ```text
//!   <prefix>sw: br0 (no IP, IPv6 off, stp_state 0, mcast_snooping 0), ports h1 h2 … gw cl
//!     port hN ── veth ── <prefix>hN: eth0 02:00:00:00:00:0N 192.0.2.1N/24 2001:db8::1N/64 fe80::ff:fe00:N
//! ```
//!
//! Safety contract: nothing is created in the caller's (root) namespace. Every veth pair is
//! created with both ends born in their target namespaces, and sysctls are set with
//! `ip netns exec` inside the namespace (the per-interface ones in `default` *before* the veth
//! exists, because a new device copies `default`). A [`Topology`] is its own RAII guard: dropping
//! it (also while unwinding from a panic) SIGKILLs every process started through it and deletes
//! its namespaces. Building one first deletes stale namespaces of dead test processes
//! (see [`crate::names`]).

mod host;

pub use host::{HOST_INTERFACE, Host, IPV4_PREFIX_LEN, IPV6_PREFIX_LEN, Role, format_mac};

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::command::{self, ip, sysctl_in};
use crate::error::{HarnessError, Result};
use crate::processes::ProcessTable;
use crate::{artifacts, names};

/// The bridge's name inside the switch namespace.
pub const BRIDGE: &str = "br0";

/// Builds a [`Topology`].
#[derive(Debug, Clone)]
pub struct TopologyBuilder {
    test: String,
    routers: u8,
    gateway: bool,
    client: bool,
}

impl TopologyBuilder {
    /// Number of router hosts `h1`…`hN` (default 2, at most 99).
    pub fn routers(mut self, n: u8) -> Self {
        self.routers = n.min(99);
        self
    }

    /// Adds the gateway host `gw` (192.0.2.254).
    pub fn gateway(mut self, yes: bool) -> Self {
        self.gateway = yes;
        self
    }

    /// Adds the client host `cl` (192.0.2.200), which accepts gratuitous ARP (`arp_accept=1`)
    /// and untracked NAs (`accept_untracked_na=1`) so its neighbour entry for a VIP follows
    /// the announcements.
    pub fn client(mut self, yes: bool) -> Self {
        self.client = yes;
        self
    }

    /// Creates the namespaces, bridge, veth pairs and addresses.
    pub fn build(self) -> Result<Topology> {
        let churn = crate::quiet::churning();
        names::remove_stale();
        let prefix = names::unique_prefix();
        let artifacts = artifacts::root().join(&self.test);
        let _ = std::fs::remove_dir_all(&artifacts);
        std::fs::create_dir_all(&artifacts)
            .map_err(|e| HarnessError::io(format!("create {}", artifacts.display()), e))?;
        let mut hosts: Vec<Host> = (1..=self.routers)
            .map(|n| Host::plan(&prefix, Role::Router, n))
            .collect();
        if self.gateway {
            hosts.push(Host::plan(&prefix, Role::Gateway, 254));
        }
        if self.client {
            hosts.push(Host::plan(&prefix, Role::Client, 200));
        }
        let mut topology = Topology {
            test: self.test,
            switch: format!("{prefix}sw"),
            hosts,
            artifacts,
            processes: Arc::new(ProcessTable::default()),
            created: Vec::new(),
            extra_ports: Vec::new(),
            cleanup_hooks: Vec::new(),
        };
        let created = topology.create_all();
        drop(churn);
        // On error the partly built topology is dropped (after the churn guard: its teardown
        // takes the guard again), which deletes what was created.
        created.map(|()| topology)
    }
}

/// A running topology and the guard that tears it down.
pub struct Topology {
    test: String,
    switch: String,
    hosts: Vec<Host>,
    artifacts: PathBuf,
    processes: Arc<ProcessTable>,
    created: Vec<String>,
    /// Bridge ports added after the build ([`Topology::add_port`]), removed at teardown.
    extra_ports: Vec<String>,
    cleanup_hooks: Vec<Box<dyn FnOnce() + Send>>,
}

impl Topology {
    /// Starts describing a topology for the test named `test` (names its artifact directory).
    pub fn builder(test: &str) -> TopologyBuilder {
        TopologyBuilder {
            test: test.to_string(),
            routers: 2,
            gateway: false,
            client: false,
        }
    }

    fn add_namespace(&mut self, name: &str) -> Result<()> {
        ip(&["netns", "add", name])?;
        self.created.push(name.to_string());
        Ok(())
    }

    fn create_all(&mut self) -> Result<()> {
        self.create_switch()?;
        for i in 0..self.hosts.len() {
            let host = self.hosts[i].clone();
            self.create_host(&host)?;
        }
        Ok(())
    }

    fn create_switch(&mut self) -> Result<()> {
        let sw = self.switch.clone();
        self.add_namespace(&sw)?;
        sysctl_in(
            &sw,
            &[
                "net.ipv6.conf.all.disable_ipv6=1",
                "net.ipv6.conf.default.disable_ipv6=1",
            ],
        )?;
        ip(&["-n", &sw, "link", "set", "lo", "up"])?;
        ip(&[
            "-n",
            &sw,
            "link",
            "add",
            BRIDGE,
            "type",
            "bridge",
            "stp_state",
            "0",
            "mcast_snooping",
            "0",
        ])?;
        ip(&["-n", &sw, "link", "set", BRIDGE, "up"])?;
        Ok(())
    }

    fn create_host(&mut self, host: &Host) -> Result<()> {
        let ns = host.namespace.as_str();
        self.add_namespace(ns)?;
        // Per-interface sysctls are copied from `default` when a device is created: set them
        // first. A new namespace starts from kernel defaults, not from the root namespace.
        let mut settings = vec![
            "net.ipv6.conf.default.accept_dad=0",
            "net.ipv6.conf.all.accept_dad=0",
            "net.ipv6.conf.default.router_solicitations=0",
            "net.ipv6.conf.default.accept_ra=0",
            "net.ipv6.conf.default.addr_gen_mode=1",
        ];
        if host.role == Role::Client {
            settings.push("net.ipv4.conf.default.arp_accept=1");
            settings.push("net.ipv4.conf.all.arp_accept=1");
        }
        sysctl_in(ns, &settings)?;
        if host.role == Role::Client {
            // Learn VIPs from unsolicited NAs too (Linux ≥ 5.18); older kernels lack the knob,
            // which only makes the client's IPv6 neighbour entry lazier.
            let _ = sysctl_in(
                ns,
                &[
                    "net.ipv6.conf.default.accept_untracked_na=1",
                    "net.ipv6.conf.all.accept_untracked_na=1",
                ],
            );
        }
        ip(&["-n", ns, "link", "set", "lo", "up"])?;
        let mac = host.mac_string();
        ip(&[
            "link",
            "add",
            HOST_INTERFACE,
            "netns",
            ns,
            "address",
            &mac,
            "type",
            "veth",
            "peer",
            "name",
            &host.name,
            "netns",
            &self.switch,
        ])?;
        let sw = self.switch.as_str();
        ip(&["-n", sw, "link", "set", &host.name, "master", BRIDGE])?;
        ip(&["-n", sw, "link", "set", &host.name, "up"])?;
        let v4 = format!("{}/{IPV4_PREFIX_LEN}", host.ipv4);
        let v6 = format!("{}/{IPV6_PREFIX_LEN}", host.ipv6);
        let ll = format!("{}/64", host.link_local);
        ip(&["-n", ns, "addr", "add", &v4, "dev", HOST_INTERFACE])?;
        ip(&["-n", ns, "addr", "add", &v6, "dev", HOST_INTERFACE, "nodad"])?;
        ip(&[
            "-n",
            ns,
            "addr",
            "add",
            &ll,
            "dev",
            HOST_INTERFACE,
            "scope",
            "link",
            "nodad",
        ])?;
        ip(&["-n", ns, "link", "set", HOST_INTERFACE, "up"])?;
        Ok(())
    }

    /// The test name this topology was built for.
    pub fn test_name(&self) -> &str {
        &self.test
    }

    /// The switch namespace (holds [`BRIDGE`]).
    pub fn switch_namespace(&self) -> &str {
        &self.switch
    }

    /// All hosts, routers first, then gateway and client.
    pub fn hosts(&self) -> &[Host] {
        &self.hosts
    }

    /// Router `hN` (1-based, as in the names).
    ///
    /// # Panics
    /// If the topology has fewer routers (a bug in the test, not an input).
    pub fn router(&self, n: u8) -> &Host {
        self.hosts
            .iter()
            .find(|h| h.role == Role::Router && h.name == format!("h{n}"))
            .unwrap_or_else(|| panic!("topology has no router h{n}"))
    }

    /// The host with `role` (gateway or client), if it was built.
    pub fn host_with_role(&self, role: Role) -> Option<&Host> {
        self.hosts.iter().find(|h| h.role == role)
    }

    /// The host owning MAC `mac`, if any.
    pub fn host_by_mac(&self, mac: &[u8]) -> Option<&Host> {
        self.hosts.iter().find(|h| h.mac[..] == *mac)
    }

    /// The test's artifact directory (configs, logs, pid files, captures).
    pub fn artifacts(&self) -> &Path {
        &self.artifacts
    }

    /// The table of processes started for this topology (shared with peers).
    pub fn processes(&self) -> Arc<ProcessTable> {
        Arc::clone(&self.processes)
    }

    /// Runs `hook` during teardown, after the processes are killed and before the namespaces
    /// are deleted (peers use it to remove their own runtime directories).
    pub fn on_teardown(&mut self, hook: impl FnOnce() + Send + 'static) {
        self.cleanup_hooks.push(Box::new(hook));
    }

    /// Runs `ip -n <host ns> args…` (e.g. to inspect or add an interface).
    pub fn ip_in(&self, host: &Host, args: &[&str]) -> Result<String> {
        let mut full = vec!["-n", host.namespace.as_str()];
        full.extend_from_slice(args);
        ip(&full)
    }

    /// Joins `host` to the bridge a second time, at run time: a veth pair with `interface` in
    /// the host's namespace (MAC `mac`, no address, up) and `port` on the bridge. Both ends are
    /// created inside their namespaces; the port is removed at teardown. Removing the host's
    /// end (`ip link del interface`) removes the port too.
    pub fn add_port(&mut self, host: &Host, interface: &str, mac: &str, port: &str) -> Result<()> {
        let ns = host.namespace.as_str();
        ip(&[
            "link",
            "add",
            interface,
            "netns",
            ns,
            "address",
            mac,
            "type",
            "veth",
            "peer",
            "name",
            port,
            "netns",
            &self.switch,
        ])?;
        self.extra_ports.push(port.to_string());
        let sw = self.switch.as_str();
        ip(&["-n", sw, "link", "set", port, "master", BRIDGE])?;
        ip(&["-n", sw, "link", "set", port, "up"])?;
        ip(&["-n", ns, "link", "set", interface, "up"])?;
        Ok(())
    }

    /// Runs `program args…` inside `host`'s namespace with `ip netns exec` and waits for it.
    pub fn exec_in(&self, host: &Host, program: &str, args: &[&str]) -> Result<String> {
        command::in_netns(&host.namespace, program, args)
    }

    fn teardown(&mut self) -> Vec<String> {
        let _churn = crate::quiet::churning();
        let killed = self.processes.kill_all();
        for hook in self.cleanup_hooks.drain(..) {
            hook();
        }
        // Links first, each with its own `ip` command: unregistering them then happens here,
        // under the churn guard, instead of in the kernel's asynchronous namespace clean-up
        // after `ip netns del`, which nothing would keep out of other tests' measurements.
        if self.created.contains(&self.switch) {
            for host in &self.hosts {
                let _ = ip(&["-n", &self.switch, "link", "del", &host.name]);
            }
            for port in &self.extra_ports {
                let _ = ip(&["-n", &self.switch, "link", "del", port]);
            }
            let _ = ip(&["-n", &self.switch, "link", "del", BRIDGE]);
        }
        for ns in self.created.drain(..).rev() {
            if let Err(e) = ip(&["netns", "del", &ns]) {
                eprintln!("vrrplab-netns: could not delete namespace {ns}: {e}");
            }
        }
        killed
    }
}

impl Drop for Topology {
    fn drop(&mut self) {
        let killed = self.teardown();
        if std::thread::panicking() {
            eprintln!(
                "netns test {} failed: capture, configs and logs are in {}",
                self.test,
                self.artifacts.display()
            );
            if !killed.is_empty() {
                eprintln!("  (killed at teardown: {})", killed.join(", "));
            }
        } else if !artifacts::keep_always() {
            let _ = std::fs::remove_dir_all(&self.artifacts);
        }
    }
}
