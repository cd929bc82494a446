//! Optional extra hosts: the gateway (answers pings, for "ping the gateway" arbitration
//! scripts) and the client (an ARP cache fed by the routers' gratuitous ARPs, so a report can
//! say which router the client's traffic to a VIP reached), and the real servers the nodes'
//! health checkers probe.

use super::carrier::decode_announcement;
use super::driver::sim_now;
use super::net::{CLIENT_BUF, GARP_PORT, GATEWAY_BUF, PING_PORT, SharedRef, unspecified};
use crate::backends::{BackendControl, BackendKind, serve};
use crate::observe::EventKind;
use std::net::IpAddr;
use std::time::Duration;
use turmoil::net::UdpSocket;

/// The gateway's software: a UDP echo service.
pub(crate) async fn gateway(v6: bool) -> turmoil::Result {
    let sock = UdpSocket::bind((unspecified(v6), PING_PORT)).await?;
    let mut buf = [0u8; GATEWAY_BUF];
    loop {
        let (n, from) = sock.recv_from(&mut buf).await?;
        let _ = sock.try_send_to(&buf[..n], from);
    }
}

/// The client's software: learns VIP → router from GARPs and unsolicited NAs (the sender's
/// host address stands in for its MAC) and records every change of its ARP / neighbour cache.
/// The message is a [carrier](super::carrier) announcement.
pub(crate) async fn client(shared: SharedRef) -> turmoil::Result {
    let v6 = shared.borrow().v6;
    let sock = UdpSocket::bind((unspecified(v6), GARP_PORT)).await?;
    let mut buf = [0u8; CLIENT_BUF];
    loop {
        let (n, from) = sock.recv_from(&mut buf).await?;
        client_heard(&shared, from.ip(), &buf[..n], sim_now());
    }
}

/// The client got announcement `msg` from host `from` at `t`: its cache entry for the address
/// now points at that router (recorded when it changes). Not an announcement, or not from a
/// router: ignored.
pub(crate) fn client_heard(shared: &SharedRef, from: IpAddr, msg: &[u8], t: Duration) {
    let Some((vip, _vrid)) = decode_announcement(msg) else {
        return;
    };
    let mut shared = shared.borrow_mut();
    let Some(node) = shared.names.get(&from).cloned() else {
        return;
    };
    if shared.observer.client_arp(&vip) != Some(node.as_str()) {
        shared
            .observer
            .push(t, &node, EventKind::ClientArp { address: vip });
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
