//! Virtual addresses left over from a previous run: after `kill -9`, an OOM kill or a power
//! cut the addresses a master held are still on the interface while the peer took over, so
//! both hosts answer for them. keepalived removes an instance's addresses when it starts
//! (`(VI_1) removing VIPs.`); so does `vrrplab run`, before its first advert, and only the
//! addresses its configuration names (virtual and excluded, on the interface each goes on).

use super::addresses::Addresses;
use super::host::describe;
use super::interfaces::Links;
use std::net::IpAddr;
use vrrplab_core::node::NodeConfig;

/// One configured address found on the host at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leftover {
    /// The instance that configures it.
    pub instance: String,
    /// Interface it sits on.
    pub interface: String,
    /// Its index.
    pub index: u32,
    /// The address.
    pub address: IpAddr,
    /// The prefix length it has on the host.
    pub prefix_len: u8,
}

/// The configured addresses present on the host, in configuration order.
pub fn leftovers(config: &NodeConfig, links: &Links) -> Vec<Leftover> {
    let mut found: Vec<Leftover> = Vec::new();
    for instance in &config.instances {
        for vip in instance
            .virtual_addresses
            .iter()
            .chain(&instance.excluded_addresses)
        {
            let interface = vip.interface.as_deref().unwrap_or(&instance.interface);
            let Some(link) = links.get(interface) else {
                continue;
            };
            let Some(on_host) = link.addresses.iter().find(|a| a.address == vip.address) else {
                continue;
            };
            if found
                .iter()
                .any(|f| f.address == vip.address && f.index == link.index)
            {
                continue;
            }
            found.push(Leftover {
                instance: instance.name.clone(),
                interface: interface.to_string(),
                index: link.index,
                address: vip.address,
                prefix_len: on_host.prefix_len,
            });
        }
    }
    found
}

/// Removes every leftover (logged one by one); failures are logged and counted in the result.
pub async fn remove(addresses: &Addresses, leftovers: &[Leftover]) -> u64 {
    let mut failures = 0;
    for l in leftovers {
        match addresses.remove(l.index, l.address, l.prefix_len).await {
            Ok(()) => tracing::warn!(
                instance = l.instance,
                "({}) removing {}/{} from {}: left over from a previous run",
                l.instance,
                l.address,
                l.prefix_len,
                l.interface
            ),
            Err(e) => {
                failures += 1;
                tracing::error!(
                    instance = l.instance,
                    "({}) cannot remove {}/{} left over on {}: {}",
                    l.instance,
                    l.address,
                    l.prefix_len,
                    l.interface,
                    describe(&e)
                );
            }
        }
    }
    failures
}

#[cfg(test)]
mod tests {
    use super::*;
    use rtnetlink::packet_route::RouteNetlinkMessage;
    use rtnetlink::packet_route::address::{AddressAttribute, AddressMessage};
    use rtnetlink::packet_route::link::{LinkAttribute, LinkMessage};
    use vrrplab_core::vrrp::InstanceConfig;

    #[test]
    fn only_configured_addresses_found_on_their_interface_are_leftovers() {
        let mut links = Links::default();
        let mut link = LinkMessage::default();
        link.header.index = 2;
        link.attributes.push(LinkAttribute::IfName("eth0".into()));
        links.apply(&RouteNetlinkMessage::NewLink(link));
        for (a, len) in [("192.0.2.11", 24), ("192.0.2.100", 24), ("192.0.2.200", 24)] {
            let mut m = AddressMessage::default();
            m.header.index = 2;
            m.header.prefix_len = len;
            m.attributes
                .push(AddressAttribute::Address(a.parse().unwrap()));
            links.apply(&RouteNetlinkMessage::NewAddress(m));
        }
        let vips = [
            "192.0.2.100".parse().unwrap(),
            "192.0.2.101".parse().unwrap(),
        ];
        let config = NodeConfig {
            instances: vec![InstanceConfig::new("VI_1", "eth0", 51, &vips)],
            ..Default::default()
        };
        let found = leftovers(&config, &links);
        assert_eq!(
            found,
            vec![Leftover {
                instance: "VI_1".into(),
                interface: "eth0".into(),
                index: 2,
                address: "192.0.2.100".parse().unwrap(),
                prefix_len: 24,
            }],
            "the host's own address and foreign ones stay"
        );
    }
}
