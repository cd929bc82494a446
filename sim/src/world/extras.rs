//! Optional extra hosts: the gateway (answers pings, for "ping the gateway" arbitration
//! scripts) and the client (an ARP cache fed by the routers' gratuitous ARPs, so a report can
//! say which router the client's traffic to a VIP reached), and the real servers the nodes'
//! health checkers probe.

use super::driver::sim_now;
use super::net::{GARP_PORT, PING_PORT, SharedRef};
use crate::backends::{BackendControl, BackendKind, serve};
use crate::observe::EventKind;
use std::net::{IpAddr, Ipv4Addr};
use turmoil::net::UdpSocket;

/// The gateway's software: a UDP echo service.
pub(crate) async fn gateway() -> turmoil::Result {
    let sock = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, PING_PORT)).await?;
    let mut buf = [0u8; 64];
    loop {
        let (n, from) = sock.recv_from(&mut buf).await?;
        let _ = sock.try_send_to(&buf[..n], from);
    }
}

/// The client's software: learns VIP → router from GARPs (the sender's host address stands in
/// for its MAC) and records every change of its ARP cache.
pub(crate) async fn client(shared: SharedRef) -> turmoil::Result {
    let sock = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, GARP_PORT)).await?;
    let mut buf = [0u8; 16];
    loop {
        let (n, from) = sock.recv_from(&mut buf).await?;
        if n < 4 {
            continue;
        }
        let vip = IpAddr::V4(Ipv4Addr::new(buf[0], buf[1], buf[2], buf[3]));
        let IpAddr::V4(from_ip) = from.ip() else {
            continue;
        };
        let mut shared = shared.borrow_mut();
        let Some(node) = shared.names.get(&from_ip).cloned() else {
            continue;
        };
        if shared.observer.client_arp(&vip) != Some(node.as_str()) {
            shared
                .observer
                .push(sim_now(), &node, EventKind::ClientArp { address: vip });
        }
    }
}

/// A real server's software: every checked port on its address, each as its control says.
pub(crate) async fn real_server(
    ports: std::rc::Rc<Vec<(u16, BackendKind, BackendControl)>>,
) -> turmoil::Result {
    for (port, kind, control) in ports.iter() {
        tokio::task::spawn_local(serve(control.clone(), *port, *kind));
    }
    std::future::pending::<()>().await;
    Ok(())
}
