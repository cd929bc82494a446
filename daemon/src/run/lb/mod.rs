//! The load-balancer data plane of `vrrplab run`: the checkers' pools become kernel
//! forwarding state behind one trait, [`Backend`], with two implementations — [`ipvs`] (IPVS
//! through generic netlink, as keepalived) and [`nft`] (nftables DNAT, for kernels and
//! containers without IPVS).
//!
//! Contract: the driver hands [`DataPlane::update`] the whole desired state (every
//! [`Service`] with its live destinations) whenever a pool or a VRRP state changes; a worker
//! thread applies the latest state (intermediate ones are skipped) so the protocol loop never
//! waits for the kernel or `nft`. Failures are logged and counted, never fatal. The backend's
//! state is removed when the [`DataPlane`] stops or is dropped (every exit path that unwinds);
//! a state left by a killed run is replaced at the next start (the nftables table is replaced
//! whole; IPVS services with the same key are re-created).
//!
//! Choice ([`Choice`], `--lb-backend`): `auto` takes IPVS when the kernel has the `IPVS`
//! generic netlink family, else nftables; a forced backend that cannot start is an error.

pub mod genl;
pub mod ipvs;
pub mod nft;
pub mod service;

pub use service::{Match, Service};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;

/// `--lb-backend`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Choice {
    /// IPVS when present, else nftables.
    #[default]
    Auto,
    /// nftables, always.
    Nftables,
    /// IPVS, or refuse to start.
    Ipvs,
}

impl std::str::FromStr for Choice {
    type Err = String;
    fn from_str(s: &str) -> Result<Choice, String> {
        match s {
            "auto" => Ok(Choice::Auto),
            "nftables" | "nft" => Ok(Choice::Nftables),
            "ipvs" => Ok(Choice::Ipvs),
            other => Err(format!(
                "--lb-backend {other}: expected auto, nftables or ipvs"
            )),
        }
    }
}

/// A data-plane implementation (runs on the worker thread: it may block).
pub trait Backend: Send {
    /// `ipvs` or `nftables`.
    fn name(&self) -> &'static str;
    /// Brings the kernel to `services`.
    fn apply(&mut self, services: &[Service]) -> Result<(), String>;
    /// Removes everything this backend installed.
    fn remove(&mut self) -> Result<(), String>;
}

/// What a backend cannot honour for `service` (for the start-up warnings and `vrrplab check`).
pub fn caveats(backend: &str, service: &Service) -> Vec<String> {
    if backend == "ipvs" {
        ipvs::caveats(service)
    } else {
        nft::caveats(service)
    }
}

impl Backend for ipvs::Ipvs {
    fn name(&self) -> &'static str {
        "ipvs"
    }
    fn apply(&mut self, services: &[Service]) -> Result<(), String> {
        ipvs::Ipvs::apply(self, services)
    }
    fn remove(&mut self) -> Result<(), String> {
        ipvs::Ipvs::remove(self)
    }
}

/// The nftables backend: the table replaced by `nft -f -` per change.
pub struct Nftables;

impl Backend for Nftables {
    fn name(&self) -> &'static str {
        "nftables"
    }
    fn apply(&mut self, services: &[Service]) -> Result<(), String> {
        crate::run::firewall::apply_blocking(&nft::transaction(services))
    }
    fn remove(&mut self) -> Result<(), String> {
        crate::run::firewall::apply_blocking(&nft::removal())
    }
}

/// Picks the backend for `choice`, saying which in one log line.
pub fn choose(choice: Choice) -> Result<Box<dyn Backend>, String> {
    let ipvs = match choice {
        Choice::Nftables => None,
        _ => match ipvs::Ipvs::open() {
            Ok(found) => found,
            Err(e) => {
                tracing::debug!(error = %e, "generic netlink unavailable");
                None
            }
        },
    };
    match (choice, ipvs) {
        (Choice::Nftables, _) => {
            tracing::info!(
                "load balancer: nftables (forced by --lb-backend), table inet {}",
                nft::TABLE
            );
            Ok(Box::new(Nftables))
        }
        (_, Some(ipvs)) => {
            tracing::info!("load balancer: IPVS (the kernel has the IPVS generic netlink family)");
            Ok(Box::new(ipvs))
        }
        (Choice::Ipvs, None) => Err(
            "--lb-backend ipvs: this kernel has no IPVS generic netlink family (modprobe ip_vs?)"
                .to_string(),
        ),
        (Choice::Auto, None) => {
            tracing::info!(
                "load balancer: nftables (no IPVS generic netlink family in this kernel), \
                 table inet {}",
                nft::TABLE
            );
            Ok(Box::new(Nftables))
        }
    }
}

enum Message {
    Apply(Vec<Service>),
    Stop,
}

/// The worker thread that owns the backend.
pub struct DataPlane {
    name: &'static str,
    tx: mpsc::Sender<Message>,
    thread: Option<std::thread::JoinHandle<()>>,
    errors: Arc<AtomicU64>,
    applied: Arc<AtomicU64>,
}

impl DataPlane {
    /// Starts the worker for `backend`.
    pub fn start(mut backend: Box<dyn Backend>) -> DataPlane {
        let name = backend.name();
        let (tx, rx) = mpsc::channel::<Message>();
        let errors = Arc::new(AtomicU64::new(0));
        let applied = Arc::new(AtomicU64::new(0));
        let (e, a) = (errors.clone(), applied.clone());
        let thread = std::thread::Builder::new()
            .name("vrrplab-lb".into())
            .spawn(move || {
                // None until the first apply: that one always runs, replacing what a killed
                // run left behind even when there is nothing to install.
                let mut last: Option<Vec<Service>> = None;
                while let Ok(first) = rx.recv() {
                    let mut message = first;
                    // Only the latest state matters.
                    while let Ok(next) = rx.try_recv() {
                        if matches!(message, Message::Stop) {
                            break;
                        }
                        message = next;
                    }
                    match message {
                        Message::Apply(services) => {
                            if last.as_ref() == Some(&services) {
                                continue;
                            }
                            log_changes(name, last.as_deref().unwrap_or_default(), &services);
                            match backend.apply(&services) {
                                Ok(()) => {
                                    a.fetch_add(1, Ordering::Relaxed);
                                    last = Some(services);
                                }
                                Err(err) => {
                                    e.fetch_add(1, Ordering::Relaxed);
                                    tracing::error!(
                                        backend = name,
                                        "load balancer not updated: {err}"
                                    );
                                }
                            }
                        }
                        Message::Stop => break,
                    }
                }
                match backend.remove() {
                    Ok(()) => tracing::info!(backend = name, "load balancer removed"),
                    Err(err) => {
                        e.fetch_add(1, Ordering::Relaxed);
                        tracing::error!(backend = name, "load balancer not removed: {err}");
                    }
                }
            })
            .ok();
        DataPlane {
            name,
            tx,
            thread,
            errors,
            applied,
        }
    }

    /// The backend's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Queues `services` as the new desired state.
    pub fn update(&self, services: Vec<Service>) {
        let _ = self.tx.send(Message::Apply(services));
    }

    /// Failed applies and removals.
    pub fn errors(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }

    /// Successful applies.
    pub fn applied(&self) -> u64 {
        self.applied.load(Ordering::Relaxed)
    }

    /// The data plane's part of the status document.
    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "backend": self.name,
            "applied": self.applied(),
            "errors": self.errors(),
        })
    }

    /// The data plane's Prometheus lines.
    pub fn metrics(&self) -> String {
        format!(
            "# HELP vrrplab_lb_applies_total Data-plane updates applied.\n\
             # TYPE vrrplab_lb_applies_total counter\n\
             vrrplab_lb_applies_total{{backend=\"{0}\"}} {1}\n\
             # HELP vrrplab_lb_errors_total Data-plane updates or removals that failed.\n\
             # TYPE vrrplab_lb_errors_total counter\n\
             vrrplab_lb_errors_total{{backend=\"{0}\"}} {2}\n",
            self.name,
            self.applied(),
            self.errors()
        )
    }

    /// Removes the state and waits for the worker (at most `limit`).
    pub async fn stop(mut self, limit: std::time::Duration) {
        let _ = self.tx.send(Message::Stop);
        if let Some(thread) = self.thread.take() {
            let join = tokio::task::spawn_blocking(move || thread.join());
            if tokio::time::timeout(limit, join).await.is_err() {
                tracing::error!("load balancer removal still running after {limit:?}");
            }
        }
    }
}

impl Drop for DataPlane {
    fn drop(&mut self) {
        let _ = self.tx.send(Message::Stop);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// One log line per service whose destinations changed.
fn log_changes(backend: &str, before: &[Service], after: &[Service]) {
    for s in after {
        let old = before.iter().find(|o| o.name == s.name);
        if old.map(|o| &o.destinations) == Some(&s.destinations) {
            continue;
        }
        let list: Vec<String> = s
            .destinations
            .iter()
            .map(|(a, w)| format!("{a} weight {w}"))
            .collect();
        if list.is_empty() {
            tracing::warn!(
                backend,
                virtual_server = s.name,
                "load balancer: {} has no destination",
                s.name
            );
        } else {
            tracing::info!(
                backend,
                virtual_server = s.name,
                "load balancer: {} -> {}",
                s.name,
                list.join(", ")
            );
        }
    }
    for o in before {
        if !after.iter().any(|s| s.name == o.name) {
            tracing::info!(
                backend,
                virtual_server = o.name,
                "load balancer: {} withdrawn",
                o.name
            );
        }
    }
}
