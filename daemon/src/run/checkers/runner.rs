//! Performing the checkers' probes off the driver loop: every TCP / HTTP / SSL probe is a
//! tokio task (bounded by the probe's own timeout as well as the core's cancel), every
//! MISC_CHECK a child process through [`crate::run::scripts::Probes`] (SIGTERM, then SIGKILL
//! when cancelled). Results come back on one channel as [`Finished`], with a one-line detail
//! for logs and status; the latency is measured here from the start to the result.
//!
//! [`Runner::cancel_all`] starts a new generation: results from before it are stale.

use super::http;
use super::tcp;
use super::tls;
use crate::run::scripts::{self, Probes};
use rustls::ClientConfig;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::AbortHandle;
use vrrplab_core::check::{Probe, ProbeAction, ProbeId, ProbeResult};

/// A probe's outcome as it reaches the driver loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    /// The runner that started the probe (a reload replaces the runner).
    pub epoch: u64,
    /// Generation the probe was started in.
    pub generation: u64,
    /// True for a MISC_CHECK child (its generation is the script runner's).
    pub script: bool,
    /// The probe.
    pub id: ProbeId,
    /// What the core is told.
    pub result: ProbeResult,
    /// What happened, for logs and status (`connected`, `HTTP 200, 12 body bytes`,
    /// `connect to 10.0.0.1:80: Connection refused (os error 111)` …).
    pub detail: String,
}

/// Runs probes; owns their tasks and children.
pub struct Runner {
    epoch: u64,
    tasks: BTreeMap<ProbeId, AbortHandle>,
    started: BTreeMap<ProbeId, tokio::time::Instant>,
    scripts: Probes,
    script_tx: mpsc::UnboundedSender<scripts::Finished>,
    generation: u64,
    tls: Result<Arc<ClientConfig>, String>,
    results: mpsc::UnboundedSender<Finished>,
}

impl Runner {
    /// A runner whose results go to `results`; `tls` is the SSL_GET client (or why there is
    /// none: SSL_GET probes then fail with that reason).
    pub fn new(
        results: mpsc::UnboundedSender<Finished>,
        tls: Result<Arc<ClientConfig>, String>,
    ) -> Runner {
        static EPOCHS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let epoch = EPOCHS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (script_tx, mut script_rx) = mpsc::unbounded_channel::<scripts::Finished>();
        let forward = results.clone();
        tokio::spawn(async move {
            while let Some((generation, id, result)) = script_rx.recv().await {
                let detail = match &result {
                    ProbeResult::Exited(c) => format!("exit status {c}"),
                    ProbeResult::Signalled(s) => format!("killed by signal {s}"),
                    ProbeResult::SpawnFailed => "could not start".to_string(),
                    other => format!("{other:?}"),
                };
                let finished = Finished {
                    epoch,
                    generation,
                    script: true,
                    id,
                    result,
                    detail,
                };
                if forward.send(finished).is_err() {
                    break;
                }
            }
        });
        Runner {
            epoch,
            tasks: BTreeMap::new(),
            started: BTreeMap::new(),
            scripts: Probes::default(),
            script_tx,
            generation: 0,
            tls,
            results,
        }
    }

    /// Starts `probe` now.
    pub fn start(&mut self, probe: Probe) {
        let id = probe.id;
        self.started.insert(id, tokio::time::Instant::now());
        if let ProbeAction::RunScript { .. } = probe.action {
            self.scripts.start(probe, self.script_tx.clone());
            return;
        }
        let generation = self.generation;
        let epoch = self.epoch;
        let results = self.results.clone();
        let tls = self.tls.clone();
        let task = tokio::spawn(async move {
            let (result, detail) =
                match tokio::time::timeout(probe.timeout, perform(probe.action, tls)).await {
                    Ok(r) => r,
                    Err(_) => (
                        ProbeResult::ConnectFailed,
                        format!("no answer within {:?}", probe.timeout),
                    ),
                };
            let _ = results.send(Finished {
                epoch,
                generation,
                script: false,
                id,
                result,
                detail,
            });
        });
        self.tasks.insert(id, task.abort_handle());
    }

    /// Whether `finished` is current (not from before a [`Runner::cancel_all`], not
    /// cancelled), and how long the probe took; forgets the probe.
    pub fn finished(&mut self, finished: &Finished) -> Option<Duration> {
        if finished.epoch != self.epoch {
            return None;
        }
        let current = if finished.script {
            self.scripts.finished(finished.generation, finished.id)
        } else {
            finished.generation == self.generation && self.tasks.remove(&finished.id).is_some()
        };
        let started = self.started.remove(&finished.id);
        if !current {
            return None;
        }
        Some(started.map(|s| s.elapsed()).unwrap_or_default())
    }

    /// Cancels one probe (the core timed it out): its socket is closed, its script killed.
    pub fn cancel(&mut self, id: ProbeId) {
        if let Some(task) = self.tasks.remove(&id) {
            task.abort();
        }
        self.scripts.cancel(id);
        self.started.remove(&id);
    }

    /// Cancels everything (reload, shutdown) and starts a new generation.
    pub fn cancel_all(&mut self) {
        for (_, task) in std::mem::take(&mut self.tasks) {
            task.abort();
        }
        self.started.clear();
        self.scripts.cancel_all();
        self.generation += 1;
    }

    /// Probes running now.
    pub fn running(&self) -> usize {
        self.started.len()
    }
}

/// One network probe, start to end.
async fn perform(
    action: ProbeAction,
    tls: Result<Arc<ClientConfig>, String>,
) -> (ProbeResult, String) {
    match action {
        ProbeAction::TcpConnect { address, options } => {
            match tcp::connect(address, &options).await {
                Ok(_stream) => (ProbeResult::Connected, "connected".to_string()),
                Err(e) => (ProbeResult::ConnectFailed, e),
            }
        }
        ProbeAction::HttpGet {
            address,
            options,
            host,
            path,
            version,
            tls: tls_options,
        } => {
            let mut stream = match tcp::connect(address, &options).await {
                Ok(s) => s,
                Err(e) => return (ProbeResult::ConnectFailed, e),
            };
            let host = http::host_header(&host, address.port(), tls_options.is_some());
            let request = http::request(&path, &host, version);
            let response = match tls_options {
                None => http::exchange(&mut stream, &request).await,
                Some(t) => {
                    let config = match tls {
                        Ok(c) => c,
                        Err(e) => return (ProbeResult::ConnectFailed, e),
                    };
                    let name = tls::server_name(t.sni.as_deref(), address.ip());
                    let connector = tokio_rustls::TlsConnector::from(config);
                    match connector.connect(name, stream).await {
                        Ok(mut s) => http::exchange(&mut s, &request).await,
                        Err(e) => Err(format!("TLS handshake with {address}: {e}")),
                    }
                }
            };
            match response {
                Ok(bytes) => http::parse(&bytes),
                Err(e) => (ProbeResult::ConnectFailed, e),
            }
        }
        ProbeAction::RunScript { .. } => (ProbeResult::SpawnFailed, "not a network probe".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use vrrplab_core::check::{ConnectOptions, HttpVersion};

    fn runner() -> (Runner, mpsc::UnboundedReceiver<Finished>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Runner::new(tx, tls::client_config(&Default::default())), rx)
    }

    fn probe(id: ProbeId, action: ProbeAction) -> Probe {
        Probe {
            id,
            action,
            timeout: Duration::from_secs(5),
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn http_probe_reports_status_and_body_of_a_live_server() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 512];
            let _ = s.read(&mut buf).await;
            s.write_all(b"HTTP/1.0 200 OK\r\n\r\nok").await.unwrap();
        });
        let (mut r, mut rx) = runner();
        let id = ProbeId::new(3, 1);
        r.start(probe(
            id,
            ProbeAction::HttpGet {
                address,
                options: ConnectOptions::default(),
                host: "127.0.0.1".into(),
                path: "/".into(),
                version: HttpVersion::Http10,
                tls: None,
            },
        ));
        let f = rx.recv().await.unwrap();
        assert_eq!(
            f.result,
            ProbeResult::HttpResponse {
                status: 200,
                body: b"ok".to_vec()
            }
        );
        assert!(r.finished(&f).is_some());
    }

    #[tokio::test(flavor = "current_thread")]
    async fn result_after_cancel_all_is_stale() {
        let (mut r, mut rx) = runner();
        let id = ProbeId::new(0, 0);
        r.start(probe(
            id,
            ProbeAction::TcpConnect {
                address: "127.0.0.1:1".parse().unwrap(),
                options: ConnectOptions::default(),
            },
        ));
        let f = rx.recv().await.unwrap();
        assert_eq!(f.result, ProbeResult::ConnectFailed);
        r.cancel_all();
        assert_eq!(r.finished(&f), None);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn misc_probe_exit_status_comes_back_with_its_detail() {
        let (mut r, mut rx) = runner();
        let id = ProbeId::new(1, 0);
        r.start(probe(
            id,
            ProbeAction::RunScript {
                command: "exit 4".into(),
                user: None,
            },
        ));
        let f = rx.recv().await.unwrap();
        assert_eq!(f.result, ProbeResult::Exited(4));
        assert_eq!(f.detail, "exit status 4");
        assert!(r.finished(&f).is_some());
    }
}
