//! TCP and HTTP backend servers as turmoil host software.

use super::control::{BackendControl, BackendMode};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use turmoil::net::{TcpListener, TcpStream};

/// How often a backend looks at its control while idle or stopped.
const CONTROL_POLL: Duration = Duration::from_millis(10);

/// What the backend speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    /// Accepts connections and holds them until the client closes (a TCP_CHECK target).
    Tcp,
    /// Answers one HTTP/1.0 request per connection with the control's status and body.
    Http,
}

/// Host software: serves `kind` on `0.0.0.0:port` as `control` says, forever. Use as
/// `sim.host("web1", move || serve(control.clone(), 80, BackendKind::Http))`.
pub async fn serve(control: BackendControl, port: u16, kind: BackendKind) -> turmoil::Result {
    loop {
        if control.mode() == BackendMode::Stopped {
            tokio::time::sleep(CONTROL_POLL).await;
            continue;
        }
        let listener = TcpListener::bind(("0.0.0.0", port)).await?;
        // Listening until stopped; the listener is dropped (connects refused) while stopped.
        while control.mode() != BackendMode::Stopped {
            if control.mode() == BackendMode::Hung {
                tokio::time::sleep(CONTROL_POLL).await;
                continue;
            }
            if kind == BackendKind::Tcp && !control.delay().is_zero() {
                // Slow TCP: the SYN-ACK waits (turmoil answers a SYN on accept).
                tokio::time::sleep(control.delay()).await;
            }
            tokio::select! {
                biased;
                accepted = listener.accept() => {
                    let (stream, _) = accepted?;
                    let delay = control.delay();
                    let c = control.clone();
                    tokio::task::spawn_local(async move {
                        // A broken connection is the client's business, not the server's.
                        let _ = handle(stream, c, kind, delay).await;
                    });
                }
                _ = tokio::time::sleep(CONTROL_POLL) => {}
            }
        }
        drop(listener);
    }
}

async fn handle(
    mut stream: TcpStream,
    control: BackendControl,
    kind: BackendKind,
    delay: Duration,
) -> std::io::Result<()> {
    control.count_request();
    match kind {
        BackendKind::Tcp => {
            let mut buf = [0u8; 256];
            while stream.read(&mut buf).await? > 0 {}
            Ok(())
        }
        BackendKind::Http => {
            let mut request = Vec::new();
            let mut buf = [0u8; 512];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = stream.read(&mut buf).await?;
                if n == 0 {
                    return Ok(());
                }
                request.extend_from_slice(&buf[..n]);
            }
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            if control.mode() != BackendMode::Serving {
                return Ok(()); // stopped or hung meanwhile: no answer
            }
            let (status, body) = control.response();
            let head = format!(
                "HTTP/1.0 {status} {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                reason(status),
                body.len()
            );
            stream.write_all(head.as_bytes()).await?;
            stream.write_all(&body).await?;
            stream.shutdown().await
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        404 => "Not Found",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}
