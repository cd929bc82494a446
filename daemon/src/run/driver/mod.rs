//! The driver loop: owns the [`Node`], the sockets and the child processes. What each
//! [`vrrplab_core::node::Output`] does on the host is in [`outputs`]; how the host's links,
//! addresses and the results of host changes come back in is in [`host_inputs`].
//!
//! The loop never awaits the kernel's answer to a host change: address changes go to the
//! [`Worker`] queue and their results return as inputs, so adverts keep their pace while
//! netlink works.

mod accept;
mod clock;
mod host_inputs;
mod outputs;
mod sockets;
mod vmacs;

use super::addresses::Addresses;
use super::announce::Announcer;
use super::checkers::Checkers;
use super::host::Worker;
use super::interfaces::Links;
use super::scripts::{self, Probes};
use super::socket::{self, Received, SocketErrors};
use super::status::{self, DriverCounters};
use super::{Options, config, firewall, monitor, stale, vmac};
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use vrrplab_core::node::{InterfaceInfo, Node, NodeConfig, Output};

/// How often track files are read and failed address adds retried.
const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// Datagrams handled in one pass of the loop when they are already queued (a burst of adverts).
/// At a few µs each this stays well below the shortest Skew_Time a datagram can arm (0.39 ms
/// at priority 255 and 0.1 s), so a timer a datagram of the burst sets is not handled late.
const PACKET_BURST: usize = 32;

/// The capacity of the drain's buffer, allocated at start and kept between drains: an
/// instance becoming master (its transition, advert, addresses, GARPs and hooks) fits without
/// an allocation between its timer firing and its advert leaving; a start-up burst's larger
/// buffer is given back.
const PENDING_KEPT: usize = 32;

/// How long an instance whose virtual address could not be added stays in FAULT before it
/// tries again.
const ADDRESS_RETRY: Duration = Duration::from_secs(10);

/// A protocol-timer wake-up later than this after its deadline is logged.
const LATE_WAKE_UP: Duration = Duration::from_millis(2);

/// How long a stop waits for the queued address removals.
const STOP_FLUSH_LIMIT: Duration = Duration::from_secs(2);

/// Everything the loop owns besides the node.
struct Driver {
    options: Options,
    /// The core's clock (from `start`).
    clock: clock::CoreClock,
    node: Node,
    /// The host's links, kept current by rtnetlink events.
    links: Links,
    /// Addresses the configuration installs (never taken as an interface's own address).
    vips: BTreeSet<IpAddr>,
    /// What the node was last told about each configured interface.
    seen: BTreeMap<String, InterfaceInfo>,
    sockets: BTreeMap<(String, bool), sockets::Open>,
    /// Why the VRRP socket of an (interface, family) could not be opened.
    socket_faults: BTreeMap<(String, bool), String>,
    packets_tx: mpsc::Sender<Received>,
    probe_tx: mpsc::UnboundedSender<scripts::Finished>,
    host: Worker,
    next_job: u64,
    /// Instances in FAULT because an address could not be added: the reason and when to retry.
    address_faults: BTreeMap<String, (String, tokio::time::Instant)>,
    /// The host faults the node was last told about, by instance.
    host_faults: BTreeMap<String, String>,
    /// The `no_accept` table, while the configuration needs one (deleted when dropped).
    firewall: Option<firewall::Table>,
    /// Addresses the firewall drops: VIPs of `no_accept` instances while they are MASTER.
    dropped: BTreeSet<IpAddr>,
    /// VMACs by instance (`use_vmac`).
    vmacs: BTreeMap<String, vmac::Plan>,
    /// VMACs being created by the host worker.
    vmac_pending: BTreeSet<String>,
    /// Instances whose VMAC could not be created, and why.
    vmac_faults: BTreeMap<String, String>,
    /// VMACs this run made (deleted at exit; on an error path when dropped).
    vmac_made: vmac::Leftovers,
    /// Base-interface sysctls changed for VMACs (restored when dropped).
    base_settings: vmac::BaseSettings,
    /// The rtnetlink connection (VMACs are removed over it at exit).
    addresses: Addresses,
    /// The reason of each instance's last transition (status).
    last_reason: BTreeMap<String, String>,
    announcer: Option<Announcer>,
    probes: Probes,
    socket_errors: Arc<SocketErrors>,
    counters: DriverCounters,
    track_files: BTreeMap<String, i64>,
    /// `notify_fifo` / `vrrp_notify_fifo`.
    fifos: super::fifo::NotifyFifos,
    /// The virtual servers' checkers.
    checkers: Checkers,
    /// Where the checkers' probe results arrive (a new checker set gets the same sender).
    checker_tx: mpsc::UnboundedSender<super::checkers::runner::Finished>,
    /// The virtual servers as written, in the checkers' order (the data plane's services).
    lb_services: Vec<vrrplab_core::config::model::VirtualServer>,
    /// The data plane, while there are virtual servers.
    data_plane: Option<super::lb::DataPlane>,
    /// The state last handed to the data plane.
    lb_sent: Option<Vec<super::lb::Service>>,
    /// The VIPs of MASTER instances when the data plane was last updated.
    lb_masters: BTreeSet<IpAddr>,
    /// The outputs of the drain in progress (kept between drains for its allocation).
    pending: Vec<Output>,
    /// The loop's scheduling (`vrrp_rt_priority`).
    realtime: super::realtime::Realtime,
}

/// Starts the daemon and runs it until SIGTERM / SIGINT.
pub async fn main(options: Options) -> Result<(), String> {
    tracing::info!(
        file = options.file,
        "vrrplab run {} starting: reading the configuration",
        env!("CARGO_PKG_VERSION")
    );
    let loaded = config::load(&options.file, options.config_id.clone())?;
    let loaded_realtime = loaded.realtime;
    let mut node_config = loaded.node;
    let mut health_config = loaded.health;
    super::keep_subsystems(&options, &mut node_config);
    let mut lb_services = loaded.virtual_servers;
    if !options.checkers {
        health_config.virtual_servers.clear();
        lb_services.clear();
    }
    let data_plane = if lb_services.is_empty() {
        None
    } else {
        let backend = super::lb::choose(options.lb_backend)?;
        let data_plane = super::lb::DataPlane::start(backend);
        lb_caveats(data_plane.name(), &lb_services);
        Some(data_plane)
    };
    let addresses = Addresses::connect().map_err(|e| format!("cannot open rtnetlink: {e}"))?;
    let (links, mut link_events) = monitor::start(addresses.handle())
        .await
        .map_err(|e| format!("cannot read the host's interfaces over rtnetlink: {e}"))?;
    let leftovers = stale::leftovers(&node_config, &links);
    let leftover_failures = stale::remove(&addresses, &leftovers).await;
    let mut base_settings = vmac::BaseSettings::default();
    let (links, made, vmac_faults) =
        vmacs::start(&addresses, &node_config, links, &mut base_settings).await;
    let vmac_made = vmac::Leftovers {
        names: made.into_iter().collect(),
    };
    config::fill_interfaces(&mut node_config, &links);
    warn_missing_interfaces(&node_config);
    let table = if needs_firewall(&node_config) {
        Some(firewall::Table::create().map_err(|e| {
            format!(
                "no_accept needs nftables, and the table inet {} cannot be made: {e}",
                firewall::TABLE
            )
        })?)
    } else {
        None
    };
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
    let mut dumps = super::dumps::DumpSignals::install()?;
    let (packets_tx, mut packets) = mpsc::channel(socket::QUEUE);
    let (probe_tx, mut probe_results) = mpsc::unbounded_channel();
    let (done_tx, mut host_results) = mpsc::unbounded_channel();
    let (checker_tx, mut checker_results) = mpsc::unbounded_channel();
    let start = tokio::time::Instant::now();
    let mut wake = super::deadline::Deadline::new(start.into_std())
        .map_err(|e| format!("cannot create the protocol timer (timerfd): {e}"))?;
    let checkers = Checkers::new(
        health_config,
        vrrplab_core::Instant::ZERO,
        checker_tx.clone(),
        super::checkers::tls::client_config(&loaded.ssl),
    );
    let counters = DriverCounters {
        leftover_addresses_removed: leftovers.len() as u64 - leftover_failures,
        netlink_errors: leftover_failures,
        ..Default::default()
    };
    let mut driver = Driver {
        options,
        clock: clock::CoreClock::new(start.into_std()),
        // Replaced by the configured node once the sockets are open.
        node: Node::new(NodeConfig::default(), vrrplab_core::Instant::ZERO),
        vips: config::vip_addresses(&node_config),
        seen: node_config
            .interfaces
            .iter()
            .map(|i| (i.name.clone(), i.clone()))
            .collect(),
        links,
        sockets: BTreeMap::new(),
        socket_faults: BTreeMap::new(),
        packets_tx,
        probe_tx,
        host: Worker::spawn(addresses.clone(), done_tx),
        vmacs: vmac::plans(&node_config),
        vmac_pending: BTreeSet::new(),
        vmac_faults,
        vmac_made,
        base_settings,
        addresses,
        next_job: 0,
        address_faults: BTreeMap::new(),
        host_faults: BTreeMap::new(),
        last_reason: BTreeMap::new(),
        firewall: table,
        dropped: BTreeSet::new(),
        announcer,
        probes: Probes::default(),
        socket_errors: Arc::new(SocketErrors::default()),
        counters,
        track_files: BTreeMap::new(),
        fifos: super::fifo::NotifyFifos::default(),
        checkers,
        checker_tx,
        lb_services,
        data_plane,
        lb_sent: None,
        lb_masters: BTreeSet::new(),
        pending: Vec::with_capacity(PENDING_KEPT),
        realtime: super::realtime::Realtime::default(),
    };
    // Sockets first, so the first adverts of an owner go out.
    driver.open_sockets(&node_config, true)?;
    tracing::info!(
        file = driver.options.file,
        instances = node_config.instances.len(),
        "sockets open, instances starting"
    );
    driver.configure_notify(false).await;
    // The instances the host cannot run start in FAULT (an owner never goes MASTER first).
    driver.host_faults = driver.host_faults_for(&node_config);
    let now = driver.now();
    driver.node = Node::with_host_faults(node_config, now, driver.host_faults.clone());
    driver.sync_host_faults();
    driver.node.run_scripts(now);
    driver.poll_track_files();
    super::lifecycle::ready(driver.node.config().instances.len());
    super::memory::release_free_heap();
    // Real time from here on: the start-up above ran with the normal scheduler, so that its
    // work (netlink dumps, VMACs, the first drain) does not count against RLIMIT_RTTIME.
    let realtime = driver.realtime_of(&loaded_realtime);
    driver.realtime.start(realtime);
    let mut tick = tokio::time::interval(POLL_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let now = driver.now();
        if driver.node.poll_timeout().is_some_and(|t| t <= now) {
            driver.node.handle_timeout(now);
        }
        if driver.checkers.poll_timeout().is_some_and(|t| t <= now) {
            driver.checkers.handle_timeout(now);
        }
        driver.drain();
        driver.sync_data_plane();
        let deadline = [driver.node.poll_timeout(), driver.checkers.poll_timeout()]
            .into_iter()
            .flatten()
            .min()
            .map(|t| t.as_duration());
        if let Err(e) = wake.set(deadline) {
            // Not expected (a valid timerfd and timespec); the loop then wakes on its tick.
            tracing::error!(error = %e, "cannot arm the protocol timer");
        }
        tokio::select! {
            biased;
            _ = term.recv() => break,
            _ = int.recv() => break,
            _ = hup.recv() => {
                driver.reload();
                driver.configure_notify(true).await;
            }
            _ = usr1.recv() => driver.dump(),
            which = dumps.recv() => driver.dump_to_file(which),
            Some(event) = link_events.recv() => driver.on_link_event(event),
            Some(done) = host_results.recv() => driver.on_host_done(done),
            Some(p) = packets.recv() => {
                let at = driver.arrival_time(p.arrived);
                driver.node.handle_packet(at, &p.meta, &p.payload);
                // A master's adverts for all its VRIDs arrive together: take the rest of the
                // burst in this pass (one timer scan and one timerfd update for all of it), but
                // never past the deadline this pass was armed for, so no timer is handled
                // after a datagram that came later than it.
                let armed = deadline.map(vrrplab_core::Instant::from_duration);
                for _ in 1..PACKET_BURST {
                    let now = driver.now();
                    if armed.is_some_and(|d| d <= now) {
                        break;
                    }
                    let Ok(p) = packets.try_recv() else { break };
                    let at = driver.arrival_time(p.arrived);
                    driver.node.handle_packet(at, &p.meta, &p.payload);
                }
            }
            Some((generation, id, result)) = probe_results.recv() => {
                if driver.probes.finished(generation, id) {
                    let now = driver.now();
                    driver.node.handle_probe_result(now, id, result);
                }
            }
            Some(finished) = checker_results.recv() => {
                let now = driver.now();
                driver.checkers.handle_finished(now, finished);
            }
            Ok((stream, _)) = accept(&status_listener) => {
                let (state, metrics) = driver.status_bodies();
                super::http::serve(stream, state, metrics);
            }
            _ = tick.tick() => {
                driver.poll_track_files();
                driver.retry_address_faults();
            }
            _ = wake.wait() => {
                let now = driver.now();
                late_wake_up(deadline, now);
                driver.node.handle_timeout(now);
                driver.checkers.handle_timeout(now);
            }
        }
    }
    super::lifecycle::stopping();
    tracing::info!("stopping: priority 0 from masters, virtual addresses removed");
    let now = driver.now();
    driver.checkers.shutdown(now);
    driver.node.shutdown(now);
    driver.drain();
    if !driver.host.flush(STOP_FLUSH_LIMIT).await {
        tracing::error!(
            "address removals still pending after {STOP_FLUSH_LIMIT:?}; exiting anyway"
        );
    }
    while let Ok(done) = host_results.try_recv() {
        driver.on_host_done(done);
    }
    driver.fifos.close().await;
    driver.probes.cancel_all();
    if let Some(data_plane) = driver.data_plane.take() {
        data_plane.stop(STOP_FLUSH_LIMIT).await;
    }
    let addresses = driver.addresses.clone();
    driver.remove_vmacs(&addresses).await;
    drop(driver.firewall.take());
    tracing::info!("stopped");
    Ok(())
}

/// Logs a wake-up of the protocol timer more than [`LATE_WAKE_UP`] after its deadline (as
/// keepalived's "A thread timer expired … ago"): the host did not run the daemon in time.
fn late_wake_up(deadline: Option<Duration>, now: vrrplab_core::Instant) {
    let Some(late) = deadline.and_then(|d| now.as_duration().checked_sub(d)) else {
        return;
    };
    if late > LATE_WAKE_UP {
        tracing::warn!(
            late_us = late.as_micros() as u64,
            "protocol timer woke {:.1} ms after its deadline",
            late.as_secs_f64() * 1e3
        );
    }
}

/// Names at start what the chosen backend does not honour, per virtual server (nftables' list
/// is the not-acted-on list's, already logged with file:line).
fn lb_caveats(backend: &str, services: &[vrrplab_core::config::model::VirtualServer]) {
    if backend == "nftables" {
        return;
    }
    for vs in services {
        let service = super::lb::Service::from_config(vs);
        for c in super::lb::caveats(backend, &service) {
            tracing::warn!(
                backend,
                virtual_server = service.name,
                "virtual_server {}: {c}",
                service.name
            );
        }
    }
}

/// Whether an instance of `config` drops traffic to its VIPs as master (`no_accept`, or
/// `vrrp_strict` without `accept`; never the address owner).
fn needs_firewall(config: &NodeConfig) -> bool {
    config.instances.iter().any(|i| !i.accept)
}

/// Names at start the instances whose interface does not exist yet (keepalived 2.2.7 refuses
/// to start then, unless `dynamic_interfaces` is set; vrrplab always follows interfaces).
fn warn_missing_interfaces(config: &NodeConfig) {
    for i in &config.instances {
        let present = config.interfaces.iter().any(|f| {
            f.name == i.interface && (f.up || f.primary_v4.is_some() || f.link_local_v6.is_some())
        });
        if !present {
            tracing::warn!(
                instance = i.name,
                interface = i.interface,
                "({}) interface {} is down or does not exist: FAULT until it is up with an address",
                i.name,
                i.interface
            );
        }
    }
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

impl Driver {
    /// The core's clock: time since start on the monotonic clock ([`clock`]).
    fn now(&self) -> vrrplab_core::Instant {
        self.clock.now()
    }

    /// The core's time for a datagram that arrived at `arrived` (its receive stamp): an advert
    /// that waited while the loop did other work restarts the Master_Down_Timer from when it
    /// came, never from a time before one the core already had ([`clock::CoreClock::arrival`]).
    fn arrival_time(&self, arrived: std::time::Instant) -> vrrplab_core::Instant {
        self.clock.arrival(arrived)
    }

    /// Carries out every pending output of the node, until it has none (carrying one out can
    /// produce more: a failed address add faults its instance): in each round what goes on the
    /// wire or to the host first, in the node's order, then what only reports (see
    /// [`outputs::network_first`]). After a burst (start-up, a reload, every instance changing
    /// state at once) the heap it used is given back to the kernel.
    fn drain(&mut self) {
        let mut carried = 0usize;
        let mut pending = std::mem::take(&mut self.pending);
        loop {
            while let Some(output) = self.node.poll_output() {
                pending.push(output);
            }
            if pending.is_empty() {
                break;
            }
            carried += pending.len();
            outputs::network_first(&mut pending);
            for output in pending.drain(..) {
                self.carry_out(output);
            }
        }
        if pending.capacity() > PENDING_KEPT {
            pending = Vec::with_capacity(PENDING_KEPT);
        }
        self.pending = pending;
        if carried >= super::memory::BURST_OUTPUTS {
            super::memory::release_free_heap();
        }
    }

    /// SIGHUP: re-read the file; a bad file is reported and the running config kept.
    fn reload(&mut self) {
        tracing::info!(file = self.options.file, "SIGHUP: reloading");
        super::lifecycle::reloading();
        self.realtime.suspend();
        let loaded = match config::load(&self.options.file, self.options.config_id.clone()) {
            Ok(c) => c,
            Err(diagnostics) => {
                self.realtime.resume();
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
        let mut next = loaded.node;
        let mut health = loaded.health;
        let mut lb_services = loaded.virtual_servers;
        if !self.options.checkers {
            health.virtual_servers.clear();
            lb_services.clear();
        }
        if self.data_plane.is_none() && !lb_services.is_empty() {
            match super::lb::choose(self.options.lb_backend) {
                Ok(backend) => self.data_plane = Some(super::lb::DataPlane::start(backend)),
                Err(e) => tracing::error!("{e}: the virtual servers are not installed"),
            }
        }
        if let Some(dp) = &self.data_plane {
            lb_caveats(dp.name(), &lb_services);
        }
        self.lb_services = lb_services;
        self.lb_sent = None;
        // The checkers of the new file take over the verdicts of unchanged ones, as keepalived
        // keeps the state of unchanged real servers across a reload.
        let now = self.now();
        self.checkers = Checkers::reload(
            &mut self.checkers,
            health,
            now,
            self.checker_tx.clone(),
            super::checkers::tls::client_config(&loaded.ssl),
        );
        super::keep_subsystems(&self.options, &mut next);
        config::fill_interfaces(&mut next, &self.links);
        warn_missing_interfaces(&next);
        self.vips = config::vip_addresses(&next);
        self.seen = next
            .interfaces
            .iter()
            .map(|i| (i.name.clone(), i.clone()))
            .collect();
        // keepalived kills running scripts on reload; the node restarts its script runner.
        self.probes.cancel_all();
        if let Err(e) = self.open_sockets(&next, true) {
            tracing::error!("{e}");
        }
        self.address_faults
            .retain(|name, _| next.instances.iter().any(|i| i.name == *name));
        self.vmacs = vmac::plans(&next);
        self.vmac_faults
            .retain(|name, _| self.vmacs.contains_key(name));
        // An instance the reload adds starts in FAULT when the host cannot run it.
        self.host_faults = self.host_faults_for(&next);
        let now = self.now();
        self.node
            .reload_with_host_faults(now, next, self.host_faults.clone());
        self.reload_firewall();
        self.reconcile_vmacs();
        self.sync_host_faults();
        self.poll_track_files();
        super::lifecycle::reloaded(true, self.node.config().instances.len());
        super::memory::release_free_heap();
        let realtime = self.realtime_of(&loaded.realtime);
        self.realtime.reloaded(realtime);
    }

    /// The file's real-time setting, for the VRRP loop: none under `-C` (no VRRP side).
    fn realtime_of(
        &self,
        setting: &Option<super::realtime::Setting>,
    ) -> Option<super::realtime::Setting> {
        setting.filter(|_| self.options.vrrp)
    }

    /// The driver's counters, with the reader tasks' errors.
    fn driver_counters(&self) -> DriverCounters {
        let mut counters = self.counters;
        counters.receive_errors = self.socket_errors.receive.load(Ordering::Relaxed);
        counters.receive_overflow = self.socket_errors.overflow.load(Ordering::Relaxed);
        counters.kernel_dropped = self.socket_errors.kernel_dropped.load(Ordering::Relaxed);
        counters
    }

    /// SIGUSR1: the state as one JSON line on stdout.
    fn dump(&self) {
        let mut doc = status::json(
            &self.node.instances(),
            self.node.counters(),
            &self.driver_counters(),
            &self.last_reason,
        );
        doc["virtual_servers"] = super::checkers::report::json(&self.checkers);
        doc["load_balancer"] = self.data_plane.as_ref().map(|d| d.json()).into();
        println!("{doc}");
    }

    /// SIGUSR2, STATS_CLEAR, JSON: keepalived's dump files ([`super::dumps`]).
    fn dump_to_file(&mut self, which: super::dumps::Dump) {
        use super::dumps::{self, Dump};
        let (path, text) = match which {
            Dump::Stats | Dump::StatsClear => {
                (dumps::STATS_FILE, dumps::stats_text(&self.node.instances()))
            }
            Dump::Json => (dumps::JSON_FILE, format!("{}\n", self.status_bodies().0)),
        };
        match dumps::write_file(path, &text) {
            Ok(()) => tracing::info!(file = path, "{which:?} dump written"),
            Err(e) => tracing::error!(file = path, error = %e, "{which:?} dump not written"),
        }
        if which == Dump::StatsClear {
            self.node.clear_counters();
        }
    }

    /// The notify FIFOs of the file's `global_defs` (at start), and after each reload also
    /// the script settings (`script_user`, `enable_script_security`); a file that no longer
    /// parses changes nothing.
    async fn configure_notify(&mut self, reload: bool) {
        let parsed = crate::cmd::run::parse_config(
            &self.options.file,
            self.options.config_id.clone(),
            false,
        );
        if !parsed.runs() {
            return;
        }
        if reload {
            super::scripts::configure_from(
                &parsed.model.global,
                super::any_scripts(&parsed.model),
                !parsed.model.virtual_servers.is_empty(),
            );
        }
        if self.options.vrrp {
            self.fifos.configure(&parsed.model.global).await;
        }
    }

    /// The status endpoint's bodies: JSON state and Prometheus text.
    fn status_bodies(&self) -> (String, String) {
        let instances = self.node.instances();
        let counters = self.driver_counters();
        let mut doc = status::json(
            &instances,
            self.node.counters(),
            &counters,
            &self.last_reason,
        );
        doc["virtual_servers"] = super::checkers::report::json(&self.checkers);
        doc["load_balancer"] = self.data_plane.as_ref().map(|d| d.json()).into();
        let mut metrics = status::metrics(&instances, self.node.counters(), &counters);
        metrics.push_str(&super::checkers::report::metrics(&self.checkers));
        if let Some(d) = &self.data_plane {
            metrics.push_str(&d.metrics());
        }
        (format!("{doc}\n"), metrics)
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

    /// Clears the address faults whose retry time has come (the instance leaves FAULT and,
    /// as master again, tries the add once more).
    fn retry_address_faults(&mut self) {
        let now = tokio::time::Instant::now();
        let due: Vec<String> = self
            .address_faults
            .iter()
            .filter(|(_, (_, at))| *at <= now)
            .map(|(name, _)| name.clone())
            .collect();
        if due.is_empty() {
            return;
        }
        for name in due {
            self.address_faults.remove(&name);
            tracing::info!(
                instance = name,
                "({name}) retrying after the failed address add"
            );
        }
        self.sync_host_faults();
    }

    /// The instances of `config` the host cannot run, and why: no VRRP socket on their
    /// interface (absent, or the open failed), an address that could not be added, a VMAC
    /// that is missing.
    fn host_faults_for(&self, config: &NodeConfig) -> BTreeMap<String, String> {
        let mut faults = BTreeMap::new();
        for i in &config.instances {
            let v6 = i.family == vrrplab_core::wire::Family::Ipv6;
            let reason = self
                .socket_faults
                .get(&(i.interface.clone(), v6))
                .cloned()
                .or_else(|| self.address_faults.get(&i.name).map(|(r, _)| r.clone()))
                .or_else(|| self.vmac_fault(&i.name));
            if let Some(r) = reason {
                faults.insert(i.name.clone(), r);
            }
        }
        faults
    }

    /// Tells the node which instances the host cannot run (no VRRP socket on their interface,
    /// an address that could not be added), when that changed.
    fn sync_host_faults(&mut self) {
        let now = self.now();
        let wanted = self.host_faults_for(self.node.config());
        let names: BTreeSet<String> = wanted
            .keys()
            .chain(self.host_faults.keys())
            .cloned()
            .collect();
        for name in names {
            let next = wanted.get(&name).cloned();
            if self.host_faults.get(&name) != next.as_ref() {
                self.node.handle_host_fault(now, &name, next);
            }
        }
        self.host_faults = wanted;
        self.drain();
    }

    /// Hands the data plane the desired state when it changed: every virtual server with
    /// its pool; one whose address is a VIP of a vrrp_instance only while that instance is
    /// MASTER (a backup director holds no service for an address it does not have).
    fn sync_data_plane(&mut self) {
        let Some(data_plane) = &self.data_plane else {
            return;
        };
        let masters: BTreeSet<IpAddr> = self
            .node
            .instances()
            .iter()
            .filter(|i| i.state == vrrplab_core::vrrp::State::Master)
            .filter_map(|i| {
                self.node
                    .config()
                    .instances
                    .iter()
                    .find(|c| c.name == i.name)
            })
            .flat_map(|c| c.virtual_addresses.iter().chain(&c.excluded_addresses))
            .map(|v| v.address)
            .collect();
        let pool_changed = self.checkers.take_pool_changed();
        if !pool_changed && self.lb_sent.is_some() && masters == self.lb_masters {
            return;
        }
        self.lb_masters = masters.clone();
        let pools = self.checkers.pools();
        let services: Vec<super::lb::Service> = self
            .lb_services
            .iter()
            .zip(&pools)
            .enumerate()
            .map(|(i, (vs, pool))| super::lb::Service::new(vs, pool, self.checkers.sorry_server(i)))
            .filter(|s| match &s.matches {
                Some(super::lb::Match::Address { address, .. }) => {
                    !self.vips.contains(address) || masters.contains(address)
                }
                _ => true,
            })
            .collect();
        if self.lb_sent.as_ref() == Some(&services) {
            return;
        }
        self.lb_sent = Some(services.clone());
        data_plane.update(services);
    }

    /// A new host job sequence number.
    fn job_number(&mut self) -> u64 {
        self.next_job += 1;
        self.next_job
    }
}

/// Whether an instance's VRRP socket is IPv6.
pub(super) fn is_v6(family: vrrplab_core::wire::Family) -> bool {
    family == vrrplab_core::wire::Family::Ipv6
}
