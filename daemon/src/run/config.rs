//! Reading keepalived.conf for the daemon: parse and validate (errors rendered with
//! file:line:column), convert to the core's [`NodeConfig`], and fill its interfaces from the
//! host. Used at start and on SIGHUP (a bad file leaves the running config in place).

use super::interfaces::{self, Links};
use crate::cmd::check::loader::FsLoader;
use std::collections::BTreeSet;
use std::net::IpAddr;
use vrrplab_core::config::{self, ParseOptions};
use vrrplab_core::node::NodeConfig;

/// What the daemon runs from one file: the VRRP node and the virtual servers' checkers.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The VRRP side.
    pub node: NodeConfig,
    /// The `virtual_server` side (checkers, pools), with keepalived's defaults resolved.
    pub health: vrrplab_core::check::HealthConfig,
    /// Each virtual server as written (address, protocol, scheduler, forwarding method), in the
    /// same order as `health.virtual_servers`.
    pub virtual_servers: Vec<vrrplab_core::config::model::VirtualServer>,
    /// The global `SSL` block's files, for SSL_GET.
    pub ssl: vrrplab_core::config::model::SslSettings,
    /// `vrrp_rt_priority` / `vrrp_rlimit_rttime`.
    pub realtime: Option<super::realtime::Setting>,
}

/// Reads and validates `path`; the `Err` is the rendered diagnostics.
pub fn load(path: &str, config_id: Option<String>) -> Result<Loaded, String> {
    let options = ParseOptions { config_id };
    let parsed = config::parse(path, &FsLoader, &options);
    if !parsed.runs() {
        return Err(parsed.render_diagnostics());
    }
    for d in parsed
        .diagnostics
        .items
        .iter()
        .chain(&super::not_acted_on::diagnostics(&parsed))
    {
        tracing::warn!("{}", d.render(&parsed.sources).trim_end());
    }
    let (health, notes) = vrrplab_core::check::HealthConfig::from_keepalived(
        &parsed.model,
        super::checkers::warmup_seed(),
    );
    for d in vrrplab_core::check::from_keepalived::conversion_warnings(&parsed, &notes) {
        tracing::warn!("{}", d.render(&parsed.sources).trim_end());
    }
    Ok(Loaded {
        node: parsed.model.to_node_config(),
        health,
        virtual_servers: parsed.model.virtual_servers.clone(),
        ssl: parsed.model.ssl.clone().unwrap_or_default(),
        realtime: super::realtime::Setting::of(&parsed.model.global),
    })
}

/// Names of every interface the configuration refers to, sorted.
pub fn interface_names(config: &NodeConfig) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for i in &config.instances {
        names.push(i.interface.clone());
        names.extend(i.track_interfaces.iter().map(|t| t.name.clone()));
        let vips = i.virtual_addresses.iter().chain(&i.excluded_addresses);
        names.extend(vips.filter_map(|v| v.interface.clone()));
    }
    names.sort();
    names.dedup();
    names
}

/// Every virtual and excluded address the configuration installs.
pub fn vip_addresses(config: &NodeConfig) -> BTreeSet<IpAddr> {
    config
        .instances
        .iter()
        .flat_map(|i| i.virtual_addresses.iter().chain(&i.excluded_addresses))
        .map(|v| v.address)
        .collect()
}

/// Fills `config.interfaces` from the host's links; an interface the host lacks is down and
/// has no addresses (its instances go to FAULT until it appears).
pub fn fill_interfaces(config: &mut NodeConfig, links: &Links) {
    let vips = vip_addresses(config);
    config.interfaces = interface_names(config)
        .iter()
        .map(|name| interfaces::info_of(links, name, &vips))
        .collect();
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONF: &str = "vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  priority 100\n  track_interface {\n    eth9\n  }\n  virtual_ipaddress {\n    10.0.0.100/24\n    10.1.0.1/32 dev eth1\n  }\n}\n";

    #[test]
    fn interfaces_come_from_instances_trackers_and_vip_devices() {
        use rtnetlink::packet_route::RouteNetlinkMessage;
        use rtnetlink::packet_route::address::{AddressAttribute, AddressMessage};
        use rtnetlink::packet_route::link::{LinkAttribute, LinkFlags, LinkMessage};
        let parsed = config::parse_str("k.conf", CONF, &ParseOptions::default());
        assert!(parsed.is_valid(), "{}", parsed.render_diagnostics());
        let mut node = parsed.model.to_node_config();
        assert_eq!(interface_names(&node), ["eth0", "eth1", "eth9"]);
        let mut links = Links::default();
        let mut link = LinkMessage::default();
        link.header.index = 2;
        link.header.flags = LinkFlags::Up | LinkFlags::Running;
        link.attributes.push(LinkAttribute::IfName("eth0".into()));
        links.apply(&RouteNetlinkMessage::NewLink(link));
        for a in ["10.0.0.100", "10.0.0.1"] {
            let mut m = AddressMessage::default();
            m.header.index = 2;
            m.header.prefix_len = 24;
            m.attributes
                .push(AddressAttribute::Address(a.parse().unwrap()));
            links.apply(&RouteNetlinkMessage::NewAddress(m));
        }
        fill_interfaces(&mut node, &links);
        assert_eq!(node.interfaces.len(), 3);
        assert!(node.interfaces[0].up);
        assert_eq!(
            node.interfaces[0].primary_v4,
            Some("10.0.0.1".parse().unwrap()),
            "a VIP left on the interface is not its primary address"
        );
        assert!(!node.interfaces[1].up && node.interfaces[1].primary_v4.is_none());
    }

    #[test]
    fn invalid_file_reports_file_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.conf");
        std::fs::write(
            &path,
            "vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 300\n}\n",
        )
        .unwrap();
        let err = load(path.to_str().unwrap(), None).unwrap_err();
        assert!(err.contains("bad.conf:3:"), "{err}");
    }
}
