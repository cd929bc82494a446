//! Following the host's links and addresses over rtnetlink: a socket bound to the multicast
//! groups `RTMGRP_LINK`, `RTMGRP_IPV4_IFADDR` and `RTMGRP_IPV6_IFADDR` (no polling), and one
//! dump of every link and address at start.
//!
//! The subscription is made before the dump, so no change falls between the two; an event
//! that repeats what the dump already showed is harmless ([`super::interfaces::Links::apply`]
//! is idempotent). Events go to the driver loop over an unbounded channel: they are few
//! (a link or address change each), and losing one would leave the daemon wrong about the host.

use super::interfaces::Links;
use futures_util::{StreamExt, TryStreamExt};
use rtnetlink::constants::{RTMGRP_IPV4_IFADDR, RTMGRP_IPV6_IFADDR, RTMGRP_LINK};
use rtnetlink::packet_core::NetlinkPayload;
use rtnetlink::packet_route::RouteNetlinkMessage;
use rtnetlink::sys::{AsyncSocket, SocketAddr};
use tokio::sync::mpsc;

/// Link and address events, as the kernel sent them.
pub type Events = mpsc::UnboundedReceiver<RouteNetlinkMessage>;

/// Subscribes to link and address events, then reads every link and address through
/// `handle`. Returns the table and the event stream that keeps it current.
pub async fn start(handle: &rtnetlink::Handle) -> std::io::Result<(Links, Events)> {
    let (mut connection, _, mut messages) = rtnetlink::new_connection()?;
    let groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR;
    connection
        .socket_mut()
        .socket_mut()
        .bind(&SocketAddr::new(0, groups))?;
    tokio::spawn(connection);
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some((message, _)) = messages.next().await {
            if let NetlinkPayload::InnerMessage(m) = message.payload
                && tx.send(m).is_err()
            {
                return;
            }
        }
        tracing::error!(
            "rtnetlink event socket closed: link and address changes are no longer seen"
        );
    });
    let links = dump(handle).await.map_err(std::io::Error::other)?;
    Ok((links, rx))
}

/// Every link, then every address, of the host.
pub async fn dump(handle: &rtnetlink::Handle) -> Result<Links, rtnetlink::Error> {
    let mut links = Links::default();
    let mut dump = handle.link().get().execute();
    while let Some(link) = dump.try_next().await? {
        links.apply(&RouteNetlinkMessage::NewLink(link));
    }
    let mut dump = handle.address().get().execute();
    while let Some(address) = dump.try_next().await? {
        links.apply(&RouteNetlinkMessage::NewAddress(address));
    }
    Ok(links)
}
