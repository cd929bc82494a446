//! HTTP_GET / SSL_GET probes: the request keepalived's checker sends, and the response read
//! back until the server closes (at most [`MAX_RESPONSE`] bytes) and split into status and
//! body.
//!
//! Request (as keepalived's `check_http.c`): `GET PATH HTTP/1.0`, `User-Agent:
//! KeepAliveClient`, `Host: HOST[:PORT]` (the port only when it is not the scheme's default);
//! `http_protocol 1.0C` and `1.1` add `Connection: close`. The body is what follows the blank
//! line after the headers; a `chunked` body is de-chunked, and `Content-Length` cuts it, so the
//! MD5 `digest` is computed over the same bytes as keepalived's. Anything without a status line
//! is [`ProbeResult::HttpMalformed`] (the probe failed: "malformed HTTP response").

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use vrrplab_core::check::{HttpVersion, ProbeResult};

/// The most of a response read; a longer one is judged on its first bytes.
pub const MAX_RESPONSE: usize = 1 << 20;

/// The request for `path` on `host` (already with its `:port` when needed).
pub fn request(path: &str, host: &str, version: HttpVersion) -> String {
    let (line_version, close) = match version {
        HttpVersion::Http10 => ("1.0", false),
        HttpVersion::Http10Close => ("1.0", true),
        HttpVersion::Http11 => ("1.1", true),
    };
    let mut r = format!(
        "GET {path} HTTP/{line_version}\r\nUser-Agent: KeepAliveClient\r\nHost: {host}\r\n"
    );
    if close {
        r.push_str("Connection: close\r\n");
    }
    r.push_str("\r\n");
    r
}

/// The `Host:` value: `host`, with `:port` unless `port` is the scheme's default.
pub fn host_header(host: &str, port: u16, tls: bool) -> String {
    let default = if tls { 443 } else { 80 };
    if port == default {
        host.to_string()
    } else {
        format!("{host}:{port}")
    }
}

/// Sends `request` on `stream` and reads the response to the end; the error is the I/O
/// failure's text.
pub async fn exchange<S>(stream: &mut S, request: &str) -> Result<Vec<u8>, String>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| format!("sending the request: {e}"))?;
    stream
        .flush()
        .await
        .map_err(|e| format!("sending the request: {e}"))?;
    let mut response = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) => break,
            Ok(n) => {
                response.extend_from_slice(&buf[..n]);
                if response.len() >= MAX_RESPONSE {
                    response.truncate(MAX_RESPONSE);
                    break;
                }
            }
            // A TLS peer that closes without close_notify, or a reset after a complete
            // response: judge what arrived.
            Err(_) if !response.is_empty() => break,
            Err(e) => return Err(format!("reading the response: {e}")),
        }
    }
    Ok(response)
}

/// The core's view of a raw response, and a one-line description for logs and status.
pub fn parse(response: &[u8]) -> (ProbeResult, String) {
    let Some(header_end) = find(response, b"\r\n\r\n") else {
        let what = if response.is_empty() {
            "empty response".to_string()
        } else {
            format!("no end of headers in {} bytes", response.len())
        };
        return (ProbeResult::HttpMalformed, what);
    };
    let head = String::from_utf8_lossy(&response[..header_end]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .strip_prefix("HTTP/")
        .and_then(|rest| rest.split_whitespace().nth(1))
        .and_then(|code| code.parse::<u16>().ok())
        .filter(|code| (100..=999).contains(code));
    let Some(status) = status else {
        let shown: String = status_line.chars().take(40).collect();
        return (
            ProbeResult::HttpMalformed,
            format!("no HTTP status line: {shown:?}"),
        );
    };
    let mut content_length = None;
    let mut chunked = false;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            content_length = value.parse::<usize>().ok();
        } else if name.eq_ignore_ascii_case("transfer-encoding")
            && value.to_ascii_lowercase().contains("chunked")
        {
            chunked = true;
        }
    }
    let raw = &response[header_end + 4..];
    let body = if chunked {
        match dechunk(raw) {
            Some(b) => b,
            None => {
                return (
                    ProbeResult::HttpMalformed,
                    format!("HTTP {status}: broken chunked body"),
                );
            }
        }
    } else {
        match content_length {
            Some(n) if n < raw.len() => raw[..n].to_vec(),
            _ => raw.to_vec(),
        }
    };
    let what = format!("HTTP {status}, {} body bytes", body.len());
    (ProbeResult::HttpResponse { status, body }, what)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A `Transfer-Encoding: chunked` body, joined; `None` when a chunk size is unreadable.
fn dechunk(mut raw: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = find(raw, b"\r\n")?;
        let size_text = std::str::from_utf8(&raw[..line_end]).ok()?;
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16).ok()?;
        raw = &raw[line_end + 2..];
        if size == 0 {
            return Some(body);
        }
        let chunk = raw.get(..size)?;
        body.extend_from_slice(chunk);
        raw = raw.get(size..)?;
        raw = raw.strip_prefix(b"\r\n").unwrap_or(raw);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_is_keepalived_s_with_connection_close_from_1_0c_on() {
        assert_eq!(
            request("/health", "10.0.0.1", HttpVersion::Http10),
            "GET /health HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 10.0.0.1\r\n\r\n"
        );
        assert!(request("/", "h", HttpVersion::Http10Close).contains("Connection: close\r\n"));
        assert!(request("/", "h", HttpVersion::Http11).starts_with("GET / HTTP/1.1\r\n"));
    }

    #[test]
    fn host_header_carries_the_port_only_when_not_the_default() {
        assert_eq!(host_header("10.0.0.1", 80, false), "10.0.0.1");
        assert_eq!(host_header("10.0.0.1", 8080, false), "10.0.0.1:8080");
        assert_eq!(host_header("www", 443, true), "www");
        assert_eq!(host_header("www", 80, true), "www:80");
    }

    #[test]
    fn response_with_content_length_gives_status_and_exact_body() {
        let (r, what) =
            parse(b"HTTP/1.0 200 OK\r\nContent-Length: 5\r\nServer: x\r\n\r\nhello, trailing");
        assert_eq!(
            r,
            ProbeResult::HttpResponse {
                status: 200,
                body: b"hello".to_vec()
            }
        );
        assert_eq!(what, "HTTP 200, 5 body bytes");
    }

    #[test]
    fn chunked_body_is_joined_before_the_digest() {
        let (r, _) = parse(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhel\r\n2;x=y\r\nlo\r\n0\r\n\r\n",
        );
        assert_eq!(
            r,
            ProbeResult::HttpResponse {
                status: 200,
                body: b"hello".to_vec()
            }
        );
    }

    #[test]
    fn garbage_or_a_cut_response_is_malformed_with_a_reason() {
        let (r, what) = parse(b"SSH-2.0-OpenSSH_9.6\r\n\r\n");
        assert_eq!(r, ProbeResult::HttpMalformed);
        assert!(what.contains("no HTTP status line"), "{what}");
        let (r, what) = parse(b"HTTP/1.0 200 OK\r\nContent-");
        assert_eq!(r, ProbeResult::HttpMalformed);
        assert!(what.contains("no end of headers"), "{what}");
        assert_eq!(parse(b"").1, "empty response");
        assert_eq!(parse(b"HTTP/1.1 abc\r\n\r\n").0, ProbeResult::HttpMalformed);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn exchange_sends_the_request_and_reads_to_the_close() {
        let (mut client, mut server) = tokio::io::duplex(64);
        let server_side = tokio::spawn(async move {
            let mut got = vec![0u8; 18];
            server.read_exact(&mut got).await.unwrap();
            server
                .write_all(b"HTTP/1.0 503 Busy\r\n\r\nlater")
                .await
                .unwrap();
            got
        });
        let response = exchange(&mut client, "GET / HTTP/1.0\r\n\r\n")
            .await
            .unwrap();
        assert_eq!(server_side.await.unwrap(), b"GET / HTTP/1.0\r\n\r\n");
        assert_eq!(
            parse(&response).0,
            ProbeResult::HttpResponse {
                status: 503,
                body: b"later".to_vec()
            }
        );
    }
}
