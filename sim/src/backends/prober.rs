//! Performs the core's probes on a turmoil host: TCP connects and HTTP GETs over turmoil TCP,
//! scripts from a table of simulated outcomes. Results go back through a channel; cancelling a
//! probe aborts its task (the core has already counted the timeout).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;
use turmoil::net::TcpStream;
use vrrplab_core::check::{HttpVersion, Probe, ProbeAction, ProbeId, ProbeResult};

/// What a simulated script does when run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScriptBehaviour {
    /// Exits with `status` after `after`.
    Exit {
        /// Exit status.
        status: i32,
        /// Run time.
        after: Duration,
    },
    /// Never ends (until killed).
    Hang,
    /// Exits 0 if a TCP connect to `address` succeeds, 1 if it is refused; hangs while the
    /// address is unreachable (a partitioned gateway) — arbitration by "ping the gateway".
    Reach {
        /// Address to reach.
        address: SocketAddr,
    },
}

/// Simulated scripts by command line, shared with the test (change them between steps).
/// A command with no entry fails to start ([`ProbeResult::SpawnFailed`]).
#[derive(Debug, Clone, Default)]
pub struct ScriptOutcomes(Rc<RefCell<BTreeMap<String, ScriptBehaviour>>>);

impl ScriptOutcomes {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets what `command` does from now on.
    pub fn set(&self, command: &str, behaviour: ScriptBehaviour) {
        self.0.borrow_mut().insert(command.to_string(), behaviour);
    }

    /// `command` exits with `status` after 10 ms from now on.
    pub fn exit(&self, command: &str, status: i32) {
        self.set(
            command,
            ScriptBehaviour::Exit {
                status,
                after: Duration::from_millis(10),
            },
        );
    }

    fn get(&self, command: &str) -> Option<ScriptBehaviour> {
        self.0.borrow().get(command).cloned()
    }
}

/// Runs probes as local tasks and sends `(id, result)` to the director.
#[derive(Debug)]
pub struct Prober {
    results: UnboundedSender<(ProbeId, ProbeResult)>,
    scripts: ScriptOutcomes,
    tasks: BTreeMap<ProbeId, JoinHandle<()>>,
}

impl Prober {
    /// A prober answering on `results`.
    pub fn new(results: UnboundedSender<(ProbeId, ProbeResult)>, scripts: ScriptOutcomes) -> Self {
        Prober {
            results,
            scripts,
            tasks: BTreeMap::new(),
        }
    }

    /// Starts `probe` (a local task on the current turmoil host).
    pub fn start(&mut self, probe: Probe) {
        self.tasks.retain(|_, t| !t.is_finished());
        let tx = self.results.clone();
        let scripts = self.scripts.clone();
        let id = probe.id;
        let task = tokio::task::spawn_local(async move {
            if let Some(result) = perform(probe.action, &scripts).await {
                // The director may be gone (host crashed): nothing to tell.
                let _ = tx.send((id, result));
            }
        });
        self.tasks.insert(id, task);
    }

    /// Cancels `id`: closes its socket / kills its script by dropping the task.
    pub fn cancel(&mut self, id: ProbeId) {
        if let Some(task) = self.tasks.remove(&id) {
            task.abort();
        }
    }
}

async fn perform(action: ProbeAction, scripts: &ScriptOutcomes) -> Option<ProbeResult> {
    match action {
        ProbeAction::TcpConnect { address, .. } => Some(match TcpStream::connect(address).await {
            Ok(_) => ProbeResult::Connected,
            Err(_) => ProbeResult::ConnectFailed,
        }),
        // No TLS in the simulator: SSL_GET probes speak plain HTTP to the backend.
        ProbeAction::HttpGet {
            address,
            host,
            path,
            version,
            ..
        } => Some(http_get(address, &host, &path, version).await),
        ProbeAction::RunScript { command, .. } => match scripts.get(&command) {
            None => Some(ProbeResult::SpawnFailed),
            Some(ScriptBehaviour::Exit { status, after }) => {
                tokio::time::sleep(after).await;
                Some(ProbeResult::Exited(status))
            }
            Some(ScriptBehaviour::Hang) => std::future::pending().await,
            Some(ScriptBehaviour::Reach { address }) => Some(ProbeResult::Exited(
                match TcpStream::connect(address).await {
                    Ok(_) => 0,
                    Err(_) => 1,
                },
            )),
        },
    }
}

async fn http_get(
    address: SocketAddr,
    host: &str,
    path: &str,
    version: HttpVersion,
) -> ProbeResult {
    let Ok(mut stream) = TcpStream::connect(address).await else {
        return ProbeResult::ConnectFailed;
    };
    let (line, close) = match version {
        HttpVersion::Http10 => ("HTTP/1.0", ""),
        HttpVersion::Http10Close => ("HTTP/1.0", "Connection: close\r\n"),
        HttpVersion::Http11 => ("HTTP/1.1", "Connection: close\r\n"),
    };
    let request =
        format!("GET {path} {line}\r\nUser-Agent: KeepAliveClient\r\n{close}Host: {host}\r\n\r\n");
    if stream.write_all(request.as_bytes()).await.is_err() {
        return ProbeResult::HttpMalformed;
    }
    let mut response = Vec::new();
    if stream.read_to_end(&mut response).await.is_err() {
        return ProbeResult::HttpMalformed;
    }
    parse_response(&response)
}

/// Status line and body of an HTTP/1.x response; anything else is malformed.
fn parse_response(response: &[u8]) -> ProbeResult {
    let Some(head_end) = response.windows(4).position(|w| w == b"\r\n\r\n") else {
        return ProbeResult::HttpMalformed;
    };
    let head = String::from_utf8_lossy(&response[..head_end]);
    let status = head
        .lines()
        .next()
        .filter(|l| l.starts_with("HTTP/1."))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse::<u16>().ok());
    match status {
        Some(status) => ProbeResult::HttpResponse {
            status,
            body: response[head_end + 4..].to_vec(),
        },
        None => ProbeResult::HttpMalformed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_status_and_body_are_split_at_the_blank_line() {
        assert_eq!(
            parse_response(b"HTTP/1.0 503 Busy\r\nX: y\r\n\r\nbody"),
            ProbeResult::HttpResponse {
                status: 503,
                body: b"body".to_vec()
            }
        );
    }

    #[test]
    fn response_without_status_line_is_malformed() {
        assert_eq!(
            parse_response(b"SSH-2.0\r\n\r\n"),
            ProbeResult::HttpMalformed
        );
        assert_eq!(
            parse_response(b"HTTP/1.0 200 OK"),
            ProbeResult::HttpMalformed
        );
    }
}
