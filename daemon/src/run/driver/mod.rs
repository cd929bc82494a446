//! The driver loop: owns the [`Node`], the sockets and the child processes. What each
//! [`vrrplab_core::node::Output`] does on the host is in [`outputs`].

mod outputs;

use super::addresses::Addresses;
use super::announce::Announcer;
use super::interfaces::{self, Link};
use super::scripts::{self, Probes};
use super::socket::{self, Received, SocketErrors, VrrpSocket};
use super::status::{self, DriverCounters};
use super::{Options, config};
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use vrrplab_core::node::{Node, NodeConfig};
use vrrplab_core::wire::Family;

/// How often link state and track files are polled.
const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// Everything the loop owns besides the node.
struct Driver {
    options: Options,
    start: tokio::time::Instant,
    node: Node,
    links: BTreeMap<String, Link>,
    sockets: BTreeMap<(String, bool), VrrpSocket>,
    readers: Vec<tokio::task::JoinHandle<()>>,
    packets_tx: mpsc::Sender<Received>,
    probe_tx: mpsc::UnboundedSender<scripts::Finished>,
    addresses: Addresses,
    announcer: Option<Announcer>,
    probes: Probes,
    socket_errors: Arc<SocketErrors>,
    counters: DriverCounters,
    track_files: BTreeMap<String, i64>,
}

/// Starts the daemon and runs it until SIGTERM / SIGINT.
pub async fn main(options: Options) -> Result<(), String> {
    let mut node_config = config::load(&options.file, options.config_id.clone())?;
    super::keep_subsystems(&options, &mut node_config);
    let links = interfaces::scan().map_err(|e| format!("cannot list interfaces: {e}"))?;
    config::fill_interfaces(&mut node_config, &links);
    let addresses = Addresses::connect().map_err(|e| format!("cannot open netlink: {e}"))?;
    let announcer = match Announcer::open() {
        Ok(a) => Some(a),
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            return Err(format!(
                "cannot open an AF_PACKET socket: {e} (needs CAP_NET_RAW)"
            ));
        }
        Err(e) => {
            tracing::error!(error = %e, "AF_PACKET socket unavailable: no GARP / NA will be sent");
            None
        }
    };
    let status_listener = driver_status(&options).await?;
    let mut term = signal(SignalKind::terminate()).map_err(|e| e.to_string())?;
    let mut int = signal(SignalKind::interrupt()).map_err(|e| e.to_string())?;
    let mut hup = signal(SignalKind::hangup()).map_err(|e| e.to_string())?;
    let mut usr1 = signal(SignalKind::user_defined1()).map_err(|e| e.to_string())?;
    let (packets_tx, mut packets) = mpsc::channel(socket::QUEUE);
    let (probe_tx, mut probe_results) = mpsc::unbounded_channel();
    let start = tokio::time::Instant::now();
    let mut driver = Driver {
        options,
        start,
        // Replaced by the configured node once the sockets are open.
        node: Node::new(NodeConfig::default(), vrrplab_core::Instant::ZERO),
        links,
        sockets: BTreeMap::new(),
        readers: Vec::new(),
        packets_tx,
        probe_tx,
        addresses,
        announcer,
        probes: Probes::default(),
        socket_errors: Arc::new(SocketErrors::default()),
        counters: DriverCounters::default(),
        track_files: BTreeMap::new(),
    };
    // Sockets first, so the first adverts of an owner go out.
    driver.open_sockets(&node_config)?;
    tracing::info!(
        file = driver.options.file,
        instances = node_config.instances.len(),
        "vrrplab run starting"
    );
    let now = driver.now();
    driver.node = Node::new(node_config, now);
    driver.node.run_scripts(now);
    driver.poll_track_files();
    super::lifecycle::ready(driver.node.config().instances.len());
    let mut tick = tokio::time::interval(POLL_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let now = driver.now();
        if driver.node.poll_timeout().is_some_and(|t| t <= now) {
            driver.node.handle_timeout(now);
        }
        driver.drain().await;
        let deadline = driver
            .node
            .poll_timeout()
            .map(|t| driver.start + t.as_duration());
        let sleep = async move {
            match deadline {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            biased;
            _ = term.recv() => break,
            _ = int.recv() => break,
            _ = hup.recv() => driver.reload(),
            _ = usr1.recv() => driver.dump(),
            Some(p) = packets.recv() => {
                let now = driver.now();
                driver.node.handle_packet(now, &p.meta, &p.payload);
            }
            Some((generation, id, result)) = probe_results.recv() => {
                if driver.probes.finished(generation, id) {
                    let now = driver.now();
                    driver.node.handle_probe_result(now, id, result);
                }
            }
            Ok((stream, _)) = accept(&status_listener) => {
                let (state, metrics) = driver.status_bodies();
                super::http::serve(stream, state, metrics);
            }
            _ = tick.tick() => {
                driver.poll_links();
                driver.poll_track_files();
            }
            _ = sleep => {
                let now = driver.now();
                driver.node.handle_timeout(now);
            }
        }
    }
    super::lifecycle::stopping();
    tracing::info!("stopping: priority 0 from masters, virtual addresses removed");
    let now = driver.now();
    driver.node.shutdown(now);
    driver.drain().await;
    driver.probes.cancel_all();
    tracing::info!("stopped");
    Ok(())
}

/// The status listener when `--status` was given.
async fn driver_status(options: &Options) -> Result<Option<tokio::net::TcpListener>, String> {
    match options.status {
        Some(address) => super::http::bind(address).await.map(Some),
        None => Ok(None),
    }
}

/// The next connection of the status endpoint (never, without one).
async fn accept(
    listener: &Option<tokio::net::TcpListener>,
) -> std::io::Result<(tokio::net::TcpStream, std::net::SocketAddr)> {
    match listener {
        Some(l) => l.accept().await,
        None => std::future::pending().await,
    }
}

fn is_v6(family: Family) -> bool {
    family == Family::Ipv6
}

impl Driver {
    /// The core's clock: time since start on the tokio clock.
    fn now(&self) -> vrrplab_core::Instant {
        vrrplab_core::Instant::from_duration(tokio::time::Instant::now() - self.start)
    }

    /// (Re)opens one VRRP socket per interface and family used by `config`; the old sockets
    /// are closed once the new ones are open. A socket that cannot be opened is logged (its
    /// instances cannot advertise); `Err` when that was for lack of privilege.
    fn open_sockets(&mut self, config: &NodeConfig) -> Result<(), String> {
        let mut wanted: BTreeMap<(String, bool), Vec<IpAddr>> = BTreeMap::new();
        for i in &config.instances {
            let groups = wanted
                .entry((i.interface.clone(), is_v6(i.family)))
                .or_default();
            if i.unicast_peers.is_empty() && !groups.contains(&i.multicast_group) {
                groups.push(i.multicast_group);
            }
        }
        let mut sockets = BTreeMap::new();
        let mut readers = Vec::new();
        let mut denied = None;
        for ((name, v6), groups) in wanted {
            let Some(link) = self.links.get(&name) else {
                tracing::error!(
                    interface = name,
                    "interface not found: its instances stay in FAULT"
                );
                continue;
            };
            match VrrpSocket::open(&name, link.index, v6, &groups) {
                Ok(s) => {
                    let group = groups.first().copied().unwrap_or(socket::default_group(v6));
                    readers.push(s.spawn_reader(
                        group,
                        self.packets_tx.clone(),
                        self.socket_errors.clone(),
                    ));
                    sockets.insert((name, v6), s);
                }
                Err(e) => {
                    tracing::error!(interface = name, v6, error = %e, "cannot open the VRRP socket");
                    if e.kind() == std::io::ErrorKind::PermissionDenied {
                        denied = Some(format!(
                            "cannot open a raw VRRP socket on {name}: {e} (needs CAP_NET_RAW)"
                        ));
                    }
                }
            }
        }
        for reader in std::mem::replace(&mut self.readers, readers) {
            reader.abort();
        }
        self.sockets = sockets;
        denied.map_or(Ok(()), Err)
    }

    /// Carries out every pending output of the node.
    async fn drain(&mut self) {
        while let Some(output) = self.node.poll_output() {
            self.carry_out(output).await;
        }
    }

    /// SIGHUP: re-read the file; a bad file is reported and the running config kept.
    fn reload(&mut self) {
        tracing::info!(file = self.options.file, "SIGHUP: reloading");
        super::lifecycle::reloading();
        let mut next = match config::load(&self.options.file, self.options.config_id.clone()) {
            Ok(c) => c,
            Err(diagnostics) => {
                super::lifecycle::reloaded(false, self.node.config().instances.len());
                self.counters.reload_failures += 1;
                eprint!("{diagnostics}");
                tracing::error!(
                    file = self.options.file,
                    "reload refused, the running configuration stays:\n{}",
                    diagnostics.trim_end()
                );
                return;
            }
        };
        if let Ok(links) = interfaces::scan() {
            self.links = links;
        }
        super::keep_subsystems(&self.options, &mut next);
        config::fill_interfaces(&mut next, &self.links);
        // keepalived kills running scripts on reload; the node restarts its script runner.
        self.probes.cancel_all();
        if let Err(e) = self.open_sockets(&next) {
            tracing::error!("{e}");
        }
        let now = self.now();
        self.node.reload(now, next);
        self.poll_track_files();
        super::lifecycle::reloaded(true, self.node.config().instances.len());
    }

    /// The driver's counters, with the reader tasks' errors.
    fn driver_counters(&self) -> DriverCounters {
        let mut counters = self.counters;
        counters.receive_errors = self.socket_errors.receive.load(Ordering::Relaxed);
        counters.receive_overflow = self.socket_errors.overflow.load(Ordering::Relaxed);
        counters
    }

    /// SIGUSR1: the state as one JSON line on stdout.
    fn dump(&self) {
        let doc = status::json(
            &self.node.instances(),
            self.node.counters(),
            &self.driver_counters(),
        );
        println!("{doc}");
    }

    /// The status endpoint's bodies: JSON state and Prometheus text.
    fn status_bodies(&self) -> (String, String) {
        let instances = self.node.instances();
        let counters = self.driver_counters();
        (
            format!(
                "{}\n",
                status::json(&instances, self.node.counters(), &counters)
            ),
            status::metrics(&instances, self.node.counters(), &counters),
        )
    }

    /// Link up/down changes of the configured interfaces → `handle_interface`.
    fn poll_links(&mut self) {
        let Ok(links) = interfaces::scan() else {
            return;
        };
        let now = self.now();
        for info in self.node.config().interfaces.clone() {
            let was = self.links.get(&info.name).is_some_and(|l| l.up);
            let is = links.get(&info.name).is_some_and(|l| l.up);
            if was != is {
                tracing::info!(interface = info.name, up = is, "link state changed");
                self.node.handle_interface(now, &info.name, is);
            }
        }
        self.links = links;
    }

    /// `vrrp_track_file` values (an unreadable or non-numeric file counts as 0).
    fn poll_track_files(&mut self) {
        let now = self.now();
        for f in self.node.config().track_files.clone() {
            let value = std::fs::read_to_string(&f.path)
                .ok()
                .and_then(|s| {
                    s.split_whitespace()
                        .next()
                        .and_then(|w| w.parse::<i64>().ok())
                })
                .unwrap_or(0);
            if self.track_files.insert(f.name.clone(), value) != Some(value) {
                self.node.handle_track_file(now, &f.name, value);
            }
        }
    }
}
