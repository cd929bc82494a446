//! The nftables backend: every service becomes one DNAT rule in a table of vrrplab's own,
//! `inet vrrplab_lb`, replaced whole by one `nft -f` transaction per pool change (create, delete
//! and re-create in one file: atomic, and idempotent whether the table existed or not).
//!
//! Scheduling: the destinations are spread over `numgen random mod N` where N is the sum of
//! their weights and each destination owns a range as wide as its weight — a weighted random
//! choice per new connection (conntrack keeps established ones where they are). With
//! `persistence_timeout`, `jhash` of the source address replaces `numgen`: a client sticks to
//! one destination while the pool stays the same (not for a timeout: there is no state). The
//! `lvs_sched` name is not otherwise honoured (named at start).
//!
//! Forwarding: NAT only (`dnat`); the real servers must route replies back through the
//! director, as with LVS-NAT. DR and TUN cannot be expressed as nat rules (DR rewrites the
//! MAC and keeps the virtual address as destination; TUN encapsulates): such services are not
//! installed and are named at start. The rules sit in `prerouting` (traffic passing the
//! director) and `output` (clients on the director itself).

use super::service::{Match, Method, Service};
use std::fmt::Write;
use std::net::{IpAddr, SocketAddr};
use vrrplab_core::config::model::Protocol;

/// The table's name (family `inet`).
pub const TABLE: &str = "vrrplab_lb";

/// Why a service cannot be installed by this backend, if it cannot.
pub fn refusal(service: &Service) -> Option<String> {
    match service.method {
        Method::Dr => {
            return Some(
                "lvs_method DR: nftables cannot forward with the virtual address kept as \
                 destination (that needs IPVS); not installed"
                    .into(),
            );
        }
        Method::Tun => {
            return Some("lvs_method TUN: nftables cannot encapsulate; not installed".into());
        }
        Method::Nat => {}
    }
    match &service.matches {
        None => Some("a group service cannot be installed".into()),
        Some(Match::Address { address, .. }) => {
            let mixed = service
                .destinations
                .iter()
                .any(|(d, _)| d.is_ipv4() != address.is_ipv4());
            mixed.then(|| "real servers of another address family than the service".into())
        }
        Some(Match::Fwmark(_)) => None,
    }
}

/// What a backend does not honour for `service` (named at start and by `vrrplab check`).
pub fn caveats(service: &Service) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(r) = refusal(service) {
        out.push(r);
    }
    let sched = service.scheduler.as_str();
    if service.persistence.is_some() {
        out.push(format!(
            "persistence_timeout {}: clients stick to a destination by a hash of their address \
             while the pool is unchanged, without a timeout",
            service.persistence.unwrap_or_default()
        ));
    } else if !matches!(sched, "rr" | "wrr" | "wlc" | "lc") {
        out.push(format!(
            "lvs_sched {sched}: new connections are spread at random by weight"
        ));
    } else if sched != "wrr" {
        out.push(format!(
            "lvs_sched {sched}: new connections are spread at random by weight (no connection \
             counts)"
        ));
    }
    out
}

fn protocol_name(p: Protocol) -> &'static str {
    match p {
        Protocol::Tcp => "tcp",
        Protocol::Udp => "udp",
        Protocol::Sctp => "sctp",
    }
}

fn family_of(address: &IpAddr) -> &'static str {
    if address.is_ipv4() { "ip" } else { "ip6" }
}

/// `ADDR . PORT` or `ADDR` as a map value.
fn target(d: &SocketAddr, with_port: bool) -> String {
    if with_port {
        format!("{} . {}", d.ip(), d.port())
    } else {
        d.ip().to_string()
    }
}

/// The DNAT rule of one installable service, `None` when it has no destination or is refused.
pub fn rule(service: &Service) -> Option<String> {
    if refusal(service).is_some() || service.destinations.is_empty() {
        return None;
    }
    let (family, matcher) = match service.matches.as_ref()? {
        Match::Address { address, port } => {
            let family = family_of(address);
            let mut m = format!("{family} daddr {address}");
            let proto = protocol_name(service.protocol);
            match port {
                Some(p) => write!(m, " {proto} dport {p}").ok()?,
                None => write!(m, " meta l4proto {proto}").ok()?,
            }
            (family, m)
        }
        Match::Fwmark(mark) => {
            let family = family_of(&service.destinations[0].0.ip());
            (family, format!("meta mark {mark}"))
        }
    };
    // Port 0 (or a service without port) keeps the client's destination port.
    let with_port = service.destinations.iter().all(|(d, _)| d.port() != 0)
        && !matches!(service.matches, Some(Match::Address { port: None, .. }));
    let total: u64 = service
        .destinations
        .iter()
        .map(|(_, w)| u64::from(*w))
        .sum();
    let mut entries = Vec::new();
    let mut from = 0u64;
    for (d, w) in &service.destinations {
        let to = from + u64::from(*w) - 1;
        let key = if from == to {
            from.to_string()
        } else {
            format!("{from}-{to}")
        };
        entries.push(format!("{key} : {}", target(d, with_port)));
        from = to + 1;
    }
    let selector = match (service.persistence, family) {
        (Some(_), "ip") => format!("jhash ip saddr mod {total} seed 0x5672726c"),
        (Some(_), _) => format!("jhash ip6 saddr mod {total} seed 0x5672726c"),
        (None, _) => format!("numgen random mod {total}"),
    };
    Some(format!(
        "{matcher} dnat {family} to {selector} map {{ {} }}",
        entries.join(", ")
    ))
}

/// The whole transaction for `services`: the table replaced at once.
pub fn transaction(services: &[Service]) -> String {
    let rules: Vec<String> = services.iter().filter_map(rule).collect();
    let mut out = String::new();
    let _ = writeln!(out, "table inet {TABLE} {{}}");
    let _ = writeln!(out, "delete table inet {TABLE}");
    let _ = writeln!(out, "table inet {TABLE} {{");
    for (chain, hook, priority) in [
        ("prerouting", "prerouting", "dstnat"),
        ("output", "output", "-100"),
    ] {
        let _ = writeln!(out, "  chain {chain} {{");
        let _ = writeln!(
            out,
            "    type nat hook {hook} priority {priority}; policy accept;"
        );
        for r in &rules {
            let _ = writeln!(out, "    {r}");
        }
        let _ = writeln!(out, "  }}");
    }
    let _ = writeln!(out, "}}");
    out
}

/// The transaction that removes the table (whether or not it exists).
pub fn removal() -> String {
    format!("table inet {TABLE} {{}}\ndelete table inet {TABLE}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(destinations: &[(&str, u32)]) -> Service {
        Service {
            name: "10.0.0.100:80".into(),
            matches: Some(Match::Address {
                address: "10.0.0.100".parse().unwrap(),
                port: Some(80),
            }),
            protocol: Protocol::Tcp,
            scheduler: "wrr".into(),
            method: Method::Nat,
            persistence: None,
            destinations: destinations
                .iter()
                .map(|(a, w)| (a.parse().unwrap(), *w))
                .collect(),
            inhibited: Vec::new(),
        }
    }

    #[test]
    fn weights_become_ranges_of_a_random_number() {
        let s = service(&[("10.0.1.1:80", 1), ("10.0.1.2:80", 2), ("10.0.1.3:8080", 3)]);
        assert_eq!(
            rule(&s).unwrap(),
            "ip daddr 10.0.0.100 tcp dport 80 dnat ip to numgen random mod 6 map \
             { 0 : 10.0.1.1 . 80, 1-2 : 10.0.1.2 . 80, 3-5 : 10.0.1.3 . 8080 }"
        );
    }

    #[test]
    fn persistence_hashes_the_source_address() {
        let mut s = service(&[("10.0.1.1:80", 1), ("10.0.1.2:80", 1)]);
        s.persistence = Some(300);
        let r = rule(&s).unwrap();
        assert!(r.contains("jhash ip saddr mod 2 seed"), "{r}");
        assert!(caveats(&s)[0].contains("without a timeout"));
    }

    #[test]
    fn empty_pool_and_dr_services_have_no_rule() {
        assert_eq!(rule(&service(&[])), None);
        let mut dr = service(&[("10.0.1.1:80", 1)]);
        dr.method = Method::Dr;
        assert_eq!(rule(&dr), None);
        assert!(caveats(&dr)[0].contains("DR"));
    }

    #[test]
    fn ipv6_service_uses_ip6_matches_and_dnat() {
        let mut s = service(&[("[fd00::1]:80", 1)]);
        s.matches = Some(Match::Address {
            address: "fd00::100".parse().unwrap(),
            port: Some(80),
        });
        assert_eq!(
            rule(&s).unwrap(),
            "ip6 daddr fd00::100 tcp dport 80 dnat ip6 to numgen random mod 1 map { 0 : fd00::1 . 80 }"
        );
    }

    #[test]
    fn transaction_replaces_the_whole_table_in_both_chains() {
        let t = transaction(&[service(&[("10.0.1.1:80", 1)])]);
        assert!(t.starts_with("table inet vrrplab_lb {}\ndelete table inet vrrplab_lb\n"));
        assert_eq!(t.matches("dnat ip to").count(), 2, "{t}");
        assert!(t.contains("type nat hook prerouting priority dstnat"));
    }
}
