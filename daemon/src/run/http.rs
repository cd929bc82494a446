//! The optional status endpoint (`--status 127.0.0.1:PORT`, loopback only): plain HTTP/1.0-style
//! `GET /` → the JSON state, `GET /metrics` → Prometheus text; one request per connection.
//! The driver renders both bodies when a connection is accepted; a task per connection reads
//! the request (bounded size and time) and answers, so a slow client never stalls the loop.

use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Largest request head read.
const MAX_REQUEST: usize = 4096;
/// Time a client has to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(2);

/// What a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `GET /`: JSON.
    State,
    /// `GET /metrics`: Prometheus text.
    Metrics,
    /// Another path.
    NotFound,
    /// Not a GET, or not HTTP.
    BadRequest,
}

/// Routes a request by its first line.
pub fn route(head: &str) -> Route {
    let line = head.lines().next().unwrap_or_default();
    let mut parts = line.split_whitespace();
    match (parts.next(), parts.next(), parts.next()) {
        (Some("GET"), Some(target), Some(v)) if v.starts_with("HTTP/") => {
            match target.split('?').next().unwrap_or_default() {
                "/" => Route::State,
                "/metrics" => Route::Metrics,
                _ => Route::NotFound,
            }
        }
        _ => Route::BadRequest,
    }
}

/// Binds the endpoint; refuses addresses that are not loopback.
pub async fn bind(address: SocketAddr) -> Result<TcpListener, String> {
    if !address.ip().is_loopback() {
        return Err(format!(
            "--status {address}: only loopback addresses are allowed"
        ));
    }
    TcpListener::bind(address)
        .await
        .map_err(|e| format!("--status {address}: {e}"))
}

/// Answers one connection with the bodies rendered at accept time.
pub fn serve(mut stream: TcpStream, state: String, metrics: String) {
    tokio::spawn(async move {
        let mut head = Vec::new();
        let mut buf = [0u8; 1024];
        let read = tokio::time::timeout(READ_TIMEOUT, async {
            while head.len() < MAX_REQUEST && !head.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                }
            }
        })
        .await;
        if read.is_err() {
            return;
        }
        let (status, kind, body) = match route(&String::from_utf8_lossy(&head)) {
            Route::State => ("200 OK", "application/json", state),
            Route::Metrics => ("200 OK", "text/plain; version=0.0.4", metrics),
            Route::NotFound => ("404 Not Found", "text/plain", "not found\n".to_string()),
            Route::BadRequest => ("400 Bad Request", "text/plain", "bad request\n".to_string()),
        };
        let response = format!(
            "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = stream.write_all(response.as_bytes()).await;
        let _ = stream.shutdown().await;
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_routed_by_method_and_path() {
        assert_eq!(route("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), Route::State);
        assert_eq!(route("GET /metrics HTTP/1.0\r\n\r\n"), Route::Metrics);
        assert_eq!(route("GET /?pretty HTTP/1.1\r\n\r\n"), Route::State);
        assert_eq!(route("GET /nope HTTP/1.1\r\n\r\n"), Route::NotFound);
        assert_eq!(route("POST / HTTP/1.1\r\n\r\n"), Route::BadRequest);
        assert_eq!(route("GET /"), Route::BadRequest);
        assert_eq!(route(""), Route::BadRequest);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn non_loopback_status_address_is_refused() {
        let err = bind("0.0.0.0:0".parse().unwrap()).await.unwrap_err();
        assert!(err.contains("loopback"), "{err}");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn endpoint_answers_state_and_metrics() {
        let listener = bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let address = listener.local_addr().unwrap();
        for (path, expect) in [("/", "{\"x\":1}"), ("/metrics", "m 1\n")] {
            let client = tokio::spawn(async move {
                let mut s = TcpStream::connect(address).await.unwrap();
                s.write_all(format!("GET {path} HTTP/1.1\r\n\r\n").as_bytes())
                    .await
                    .unwrap();
                let mut out = String::new();
                s.read_to_string(&mut out).await.unwrap();
                out
            });
            let (stream, _) = listener.accept().await.unwrap();
            serve(stream, "{\"x\":1}".to_string(), "m 1\n".to_string());
            let out = client.await.unwrap();
            assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{out}");
            assert!(out.ends_with(expect), "{out}");
        }
    }
}
