//! Opening a checker's TCP connection with its socket options: `bindto` (source address),
//! `bind_port` (source port, with `SO_REUSEADDR` so a port in TIME_WAIT can be bound again),
//! `bind_if` (`SO_BINDTODEVICE`) and `fwmark` (`SO_MARK`). The connect is awaited on the tokio
//! loop (non-blocking); the caller bounds it with the probe's timeout.

use socket2::{Domain, Protocol, Socket, Type};
use std::net::SocketAddr;
use tokio::net::{TcpSocket, TcpStream};
use vrrplab_core::check::ConnectOptions;

/// Connects to `address` with `options`; the error text says which step failed.
pub async fn connect(address: SocketAddr, options: &ConnectOptions) -> Result<TcpStream, String> {
    let socket = prepare(address, options)?;
    socket
        .connect(address)
        .await
        .map_err(|e| format!("connect to {address}: {e}"))
}

/// A non-blocking TCP socket with the checker's options applied, not yet connected.
fn prepare(address: SocketAddr, options: &ConnectOptions) -> Result<TcpSocket, String> {
    let socket = Socket::new(
        Domain::for_address(address),
        Type::STREAM,
        Some(Protocol::TCP),
    )
    .map_err(|e| format!("socket: {e}"))?;
    socket
        .set_nonblocking(true)
        .map_err(|e| format!("socket: {e}"))?;
    if let Some(mark) = options.fwmark {
        socket
            .set_mark(mark)
            .map_err(|e| format!("fwmark {mark}: {e}"))?;
    }
    if let Some(device) = &options.bind_interface {
        socket
            .bind_device(Some(device.as_bytes()))
            .map_err(|e| format!("bind_if {device}: {e}"))?;
    }
    if options.bind_address.is_some() || options.bind_port.is_some() {
        let ip = options.bind_address.unwrap_or(match address {
            SocketAddr::V4(_) => std::net::Ipv4Addr::UNSPECIFIED.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::UNSPECIFIED.into(),
        });
        let source = SocketAddr::new(ip, options.bind_port.unwrap_or(0));
        if options.bind_port.is_some() {
            socket
                .set_reuse_address(true)
                .map_err(|e| format!("bind {source}: {e}"))?;
        }
        socket
            .bind(&source.into())
            .map_err(|e| format!("bindto {source}: {e}"))?;
    }
    let std: std::net::TcpStream = socket.into();
    Ok(TcpSocket::from_std_stream(std))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn connect_to_a_listener_succeeds_and_to_a_closed_port_fails() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let open = listener.local_addr().unwrap();
        assert!(connect(open, &ConnectOptions::default()).await.is_ok());
        drop(listener);
        let err = connect(open, &ConnectOptions::default()).await.unwrap_err();
        assert!(err.contains("refused"), "{err}");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn bindto_and_bind_port_set_the_source_of_the_connection() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let target = listener.local_addr().unwrap();
        let probe = std::net::TcpListener::bind("127.0.0.2:0").unwrap();
        let port = probe.local_addr().unwrap().port();
        drop(probe);
        let options = ConnectOptions {
            bind_address: Some("127.0.0.2".parse().unwrap()),
            bind_port: Some(port),
            ..ConnectOptions::default()
        };
        let _stream = connect(target, &options).await.unwrap();
        let (_, peer) = listener.accept().await.unwrap();
        assert_eq!(peer, SocketAddr::new("127.0.0.2".parse().unwrap(), port));
    }
}
