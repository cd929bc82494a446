//! The IPVS backend: services and destinations through the kernel's `IPVS` generic netlink
//! family, as keepalived's checker process does (`ipvswrapper.c` via libipvs). Attribute and
//! command numbers are the kernel's uapi (`include/uapi/linux/ip_vs.h`), written down with
//! their sources in `docs/ipvs-netlink.md`; the encoding is tested against bytes derived by
//! hand from that table.
//!
//! Each apply computes the difference with what this backend installed (services added or
//! deleted, destinations added, re-weighted or deleted) and sends one request per change;
//! removal deletes every service it added. Schedulers are the kernel's (`rr`, `wrr`, `lc`,
//! `wlc`, `sh`, `mh`, …: the name is passed through); `lvs_method` NAT / DR / TUN map to
//! `IP_VS_CONN_F_MASQ` / `DROUTE` / `TUNNEL`; `persistence_timeout` sets
//! `IP_VS_SVC_F_PERSISTENT` and the timeout.

use super::genl::{Attrs, Socket};
use super::service::{Match, Method, Service};
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use vrrplab_core::config::model::Protocol;

/// The generic netlink family name.
pub const FAMILY: &str = "IPVS";
/// `IPVS_GENL_VERSION`.
pub const VERSION: u8 = 1;

/// `IPVS_CMD_*`.
pub mod cmd {
    /// Add a service.
    pub const NEW_SERVICE: u8 = 1;
    /// Delete a service.
    pub const DEL_SERVICE: u8 = 3;
    /// Add a destination.
    pub const NEW_DEST: u8 = 5;
    /// Change a destination.
    pub const SET_DEST: u8 = 6;
    /// Delete a destination.
    pub const DEL_DEST: u8 = 7;
}

/// `IPVS_CMD_ATTR_SERVICE` / `IPVS_CMD_ATTR_DEST` (nested).
pub const CMD_ATTR_SERVICE: u16 = 1;
/// See [`CMD_ATTR_SERVICE`].
pub const CMD_ATTR_DEST: u16 = 2;

/// `IPVS_SVC_ATTR_*`.
pub mod svc {
    /// Address family (u16).
    pub const AF: u16 = 1;
    /// Protocol (u16).
    pub const PROTOCOL: u16 = 2;
    /// Address (`union nf_inet_addr`, 16 bytes).
    pub const ADDR: u16 = 3;
    /// Port (be16).
    pub const PORT: u16 = 4;
    /// Firewall mark (u32).
    pub const FWMARK: u16 = 5;
    /// Scheduler name (string).
    pub const SCHED_NAME: u16 = 6;
    /// Flags (`struct ip_vs_flags`: flags u32, mask u32).
    pub const FLAGS: u16 = 7;
    /// Persistence timeout (u32 seconds).
    pub const TIMEOUT: u16 = 8;
    /// Persistence netmask (u32; IPv6: prefix length).
    pub const NETMASK: u16 = 9;
}

/// `IPVS_DEST_ATTR_*`.
pub mod dest {
    /// Address (16 bytes).
    pub const ADDR: u16 = 1;
    /// Port (be16).
    pub const PORT: u16 = 2;
    /// Forwarding method (u32).
    pub const FWD_METHOD: u16 = 3;
    /// Weight (u32).
    pub const WEIGHT: u16 = 4;
    /// Upper connection threshold (u32).
    pub const U_THRESH: u16 = 5;
    /// Lower connection threshold (u32).
    pub const L_THRESH: u16 = 6;
    /// Address family of the destination (u16).
    pub const ADDR_FAMILY: u16 = 11;
}

/// `IP_VS_CONN_F_MASQ` / `TUNNEL` / `DROUTE`.
pub fn forwarding(method: Method) -> u32 {
    match method {
        Method::Nat => 0,
        Method::Tun => 2,
        Method::Dr => 3,
    }
}

/// `IP_VS_SVC_F_PERSISTENT`.
pub const SVC_F_PERSISTENT: u32 = 0x1;

fn af(ip: &IpAddr) -> u16 {
    if ip.is_ipv4() {
        libc::AF_INET as u16
    } else {
        libc::AF_INET6 as u16
    }
}

/// `union nf_inet_addr`: the address in network order, zero-padded to 16 bytes.
fn inet_addr(ip: &IpAddr) -> [u8; 16] {
    let mut out = [0u8; 16];
    match ip {
        IpAddr::V4(a) => out[..4].copy_from_slice(&a.octets()),
        IpAddr::V6(a) => out.copy_from_slice(&a.octets()),
    }
    out
}

fn protocol_number(p: Protocol) -> u16 {
    match p {
        Protocol::Tcp => libc::IPPROTO_TCP as u16,
        Protocol::Udp => libc::IPPROTO_UDP as u16,
        Protocol::Sctp => libc::IPPROTO_SCTP as u16,
    }
}

/// The attributes that name a service (enough for deletes and destination requests).
fn service_key(service: &Service) -> Option<Attrs> {
    Some(match service.matches.as_ref()? {
        Match::Address { address, port } => Attrs::new()
            .u16(svc::AF, af(address))
            .u16(svc::PROTOCOL, protocol_number(service.protocol))
            .bytes(svc::ADDR, &inet_addr(address))
            .be16(svc::PORT, port.unwrap_or(0)),
        Match::Fwmark(mark) => {
            let family = service
                .destinations
                .first()
                .map(|(d, _)| af(&d.ip()))
                .unwrap_or(libc::AF_INET as u16);
            Attrs::new().u16(svc::AF, family).u32(svc::FWMARK, *mark)
        }
    })
}

/// `IPVS_CMD_NEW_SERVICE`'s attributes: the key plus scheduler, flags, timeout, netmask.
pub fn new_service(service: &Service) -> Option<Attrs> {
    let v6 = matches!(
        service.matches,
        Some(Match::Address {
            address: IpAddr::V6(_),
            ..
        })
    );
    let (flags, timeout) = match service.persistence {
        Some(t) => (SVC_F_PERSISTENT, t),
        None => (0, 0),
    };
    let mut flag_bytes = flags.to_ne_bytes().to_vec();
    flag_bytes.extend_from_slice(&u32::MAX.to_ne_bytes());
    let inner = service_key(service)?
        .string(svc::SCHED_NAME, &service.scheduler)
        .bytes(svc::FLAGS, &flag_bytes)
        .u32(svc::TIMEOUT, timeout)
        .u32(svc::NETMASK, if v6 { 128 } else { u32::MAX });
    Some(Attrs::new().nested(CMD_ATTR_SERVICE, inner))
}

/// `IPVS_CMD_DEL_SERVICE`'s attributes.
pub fn del_service(service: &Service) -> Option<Attrs> {
    Some(Attrs::new().nested(CMD_ATTR_SERVICE, service_key(service)?))
}

/// `IPVS_CMD_NEW_DEST` / `SET_DEST`'s attributes (`DEL_DEST` takes the same).
pub fn destination(service: &Service, address: SocketAddr, weight: u32) -> Option<Attrs> {
    let inner = Attrs::new()
        .bytes(dest::ADDR, &inet_addr(&address.ip()))
        .be16(dest::PORT, address.port())
        .u32(dest::FWD_METHOD, forwarding(service.method))
        .u32(dest::WEIGHT, weight)
        .u32(dest::U_THRESH, 0)
        .u32(dest::L_THRESH, 0)
        .u16(dest::ADDR_FAMILY, af(&address.ip()));
    Some(
        Attrs::new()
            .nested(CMD_ATTR_SERVICE, service_key(service)?)
            .nested(CMD_ATTR_DEST, inner),
    )
}

/// What the kernel cannot do for `service` through this backend.
pub fn caveats(service: &Service) -> Vec<String> {
    match service.matches {
        None => vec!["a group service cannot be installed".into()],
        _ => Vec::new(),
    }
}

/// IPVS through generic netlink.
pub struct Ipvs {
    socket: Socket,
    family: u16,
    /// What this backend installed: service name → (service, destinations by address).
    installed: BTreeMap<String, (Service, BTreeMap<SocketAddr, u32>)>,
}

impl Ipvs {
    /// Connects when the kernel has the `IPVS` family; `Ok(None)` when it does not.
    pub fn open() -> std::io::Result<Option<Ipvs>> {
        let mut socket = Socket::open()?;
        Ok(socket.family_id(FAMILY)?.map(|family| Ipvs {
            socket,
            family,
            installed: BTreeMap::new(),
        }))
    }

    fn send(&mut self, command: u8, attrs: Option<Attrs>, what: &str) -> Result<(), String> {
        let Some(attrs) = attrs else {
            return Err(format!("{what}: cannot be expressed"));
        };
        self.socket
            .request(self.family, command, VERSION, attrs)
            .map(|_| ())
            .map_err(|e| format!("{what}: {e}"))
    }

    /// Brings the kernel's services to `services` (every weight, including 0 for inhibited
    /// destinations).
    pub fn apply(&mut self, services: &[Service]) -> Result<(), String> {
        let mut errors = Vec::new();
        let wanted: BTreeMap<&str, &Service> = services
            .iter()
            .filter(|s| s.matches.is_some())
            .map(|s| (s.name.as_str(), s))
            .collect();
        let gone: Vec<String> = self
            .installed
            .keys()
            .filter(|k| !wanted.contains_key(k.as_str()))
            .cloned()
            .collect();
        for name in gone {
            if let Some((s, _)) = self.installed.remove(&name)
                && let Err(e) = self.send(cmd::DEL_SERVICE, del_service(&s), &name)
            {
                errors.push(e);
            }
        }
        for (name, service) in wanted {
            let mut dests: BTreeMap<SocketAddr, u32> =
                service.destinations.iter().copied().collect();
            for a in &service.inhibited {
                dests.insert(*a, 0);
            }
            let mut installed = self.installed.remove(name);
            // A changed scheduler, method or persistence: the service is made again.
            if let Some((old, _)) = &installed
                && (old.scheduler != service.scheduler
                    || old.method != service.method
                    || old.persistence != service.persistence
                    || old.protocol != service.protocol)
            {
                if let Err(e) = self.send(cmd::DEL_SERVICE, del_service(old), name) {
                    errors.push(e);
                }
                installed = None;
            }
            let mut have = match installed {
                Some((_, have)) => have,
                None => {
                    if let Err(e) = self.send(cmd::NEW_SERVICE, new_service(service), name) {
                        errors.push(e);
                        continue;
                    }
                    BTreeMap::new()
                }
            };
            let stale: Vec<SocketAddr> = have
                .keys()
                .filter(|a| !dests.contains_key(a))
                .copied()
                .collect();
            for a in stale {
                have.remove(&a);
                if let Err(e) = self.send(
                    cmd::DEL_DEST,
                    destination(service, a, 0),
                    &format!("{name} → {a}"),
                ) {
                    errors.push(e);
                }
            }
            for (a, w) in &dests {
                let command = match have.get(a) {
                    None => cmd::NEW_DEST,
                    Some(old) if old != w => cmd::SET_DEST,
                    Some(_) => continue,
                };
                match self.send(
                    command,
                    destination(service, *a, *w),
                    &format!("{name} → {a}"),
                ) {
                    Ok(()) => {
                        have.insert(*a, *w);
                    }
                    Err(e) => errors.push(e),
                }
            }
            self.installed
                .insert(name.to_string(), (service.clone(), have));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("; "))
        }
    }

    /// Deletes every service this backend added.
    pub fn remove(&mut self) -> Result<(), String> {
        self.apply(&[])
    }
}

#[cfg(all(test, target_endian = "little"))]
mod tests {
    use super::*;
    use crate::run::lb::genl;

    fn service() -> Service {
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
            destinations: vec![("10.0.1.1:8080".parse().unwrap(), 3)],
            inhibited: Vec::new(),
        }
    }

    /// `IPVS_CMD_NEW_SERVICE` for TCP 10.0.0.100:80, `wrr`, no persistence; family id 0x1d,
    /// sequence 7. Every byte derived by hand from the table in docs/ipvs-netlink.md
    /// (x86-64: host order is little-endian).
    #[test]
    #[rustfmt::skip]
    fn new_service_message_matches_the_hand_derived_bytes() {
        let expected: Vec<u8> = vec![
            // nlmsghdr: len 104, type 0x1d, flags REQUEST|ACK, seq 7, pid 0
            104, 0, 0, 0,  0x1d, 0,  5, 0,  7, 0, 0, 0,  0, 0, 0, 0,
            // genlmsghdr: cmd NEW_SERVICE (1), version 1, reserved
            1, 1, 0, 0,
            // IPVS_CMD_ATTR_SERVICE (1), nested, len 4 + 80
            84, 0, 1, 0,
            //   IPVS_SVC_ATTR_AF (1) = AF_INET (2), u16 + 2 padding
            6, 0, 1, 0,  2, 0, 0, 0,
            //   IPVS_SVC_ATTR_PROTOCOL (2) = IPPROTO_TCP (6)
            6, 0, 2, 0,  6, 0, 0, 0,
            //   IPVS_SVC_ATTR_ADDR (3) = 10.0.0.100 as union nf_inet_addr (16 bytes)
            20, 0, 3, 0,  10, 0, 0, 100,  0, 0, 0, 0,  0, 0, 0, 0,  0, 0, 0, 0,
            //   IPVS_SVC_ATTR_PORT (4) = 80 in network order
            6, 0, 4, 0,  0, 80, 0, 0,
            //   IPVS_SVC_ATTR_SCHED_NAME (6) = "wrr\0"
            8, 0, 6, 0,  b'w', b'r', b'r', 0,
            //   IPVS_SVC_ATTR_FLAGS (7) = { flags 0, mask 0xffffffff }
            12, 0, 7, 0,  0, 0, 0, 0,  0xff, 0xff, 0xff, 0xff,
            //   IPVS_SVC_ATTR_TIMEOUT (8) = 0
            8, 0, 8, 0,  0, 0, 0, 0,
            //   IPVS_SVC_ATTR_NETMASK (9) = 0xffffffff
            8, 0, 9, 0,  0xff, 0xff, 0xff, 0xff,
        ];
        let m = genl::message(0x1d, genl::NLM_F_REQUEST | genl::NLM_F_ACK, 7, cmd::NEW_SERVICE, VERSION, new_service(&service()).unwrap());
        assert_eq!(m, expected);
    }

    /// `IPVS_CMD_NEW_DEST` of 10.0.1.1:8080, weight 3, DR, into a persistent service (the
    /// destination request carries only the service's key).
    #[test]
    #[rustfmt::skip]
    fn new_dest_message_matches_the_hand_derived_bytes() {
        let mut s = service();
        s.method = Method::Dr;
        s.persistence = Some(300);
        let expected: Vec<u8> = vec![
            // nlmsghdr: len 140, type 0x1d, flags 5, seq 8, pid 0; genlmsghdr NEW_DEST (5)
            140, 0, 0, 0,  0x1d, 0,  5, 0,  8, 0, 0, 0,  0, 0, 0, 0,  5, 1, 0, 0,
            // IPVS_CMD_ATTR_SERVICE (1), len 4 + 44: AF, PROTOCOL, ADDR, PORT
            48, 0, 1, 0,
            6, 0, 1, 0,  2, 0, 0, 0,
            6, 0, 2, 0,  6, 0, 0, 0,
            20, 0, 3, 0,  10, 0, 0, 100,  0, 0, 0, 0,  0, 0, 0, 0,  0, 0, 0, 0,
            6, 0, 4, 0,  0, 80, 0, 0,
            // IPVS_CMD_ATTR_DEST (2), len 4 + 68
            72, 0, 2, 0,
            //   IPVS_DEST_ATTR_ADDR (1) = 10.0.1.1
            20, 0, 1, 0,  10, 0, 1, 1,  0, 0, 0, 0,  0, 0, 0, 0,  0, 0, 0, 0,
            //   IPVS_DEST_ATTR_PORT (2) = 8080 (0x1f90) in network order
            6, 0, 2, 0,  0x1f, 0x90, 0, 0,
            //   IPVS_DEST_ATTR_FWD_METHOD (3) = IP_VS_CONN_F_DROUTE (3)
            8, 0, 3, 0,  3, 0, 0, 0,
            //   IPVS_DEST_ATTR_WEIGHT (4) = 3
            8, 0, 4, 0,  3, 0, 0, 0,
            //   IPVS_DEST_ATTR_U_THRESH (5), IPVS_DEST_ATTR_L_THRESH (6) = 0
            8, 0, 5, 0,  0, 0, 0, 0,
            8, 0, 6, 0,  0, 0, 0, 0,
            //   IPVS_DEST_ATTR_ADDR_FAMILY (11) = AF_INET
            6, 0, 11, 0,  2, 0, 0, 0,
        ];
        let d = destination(&s, "10.0.1.1:8080".parse().unwrap(), 3).unwrap();
        let m = genl::message(0x1d, genl::NLM_F_REQUEST | genl::NLM_F_ACK, 8, cmd::NEW_DEST, VERSION, d);
        assert_eq!(m, expected);
    }

    #[test]
    fn persistent_service_sets_the_flag_and_timeout() {
        let mut s = service();
        s.persistence = Some(300);
        let attrs = new_service(&s).unwrap().into_bytes();
        let outer = genl::parse_attrs(&attrs);
        let inner = genl::parse_attrs(outer[0].1);
        let flags = inner.iter().find(|(k, _)| *k == svc::FLAGS).unwrap().1;
        assert_eq!(&flags[..4], &SVC_F_PERSISTENT.to_ne_bytes());
        let timeout = inner.iter().find(|(k, _)| *k == svc::TIMEOUT).unwrap().1;
        assert_eq!(timeout, &300u32.to_ne_bytes());
    }

    #[test]
    fn fwmark_service_is_keyed_by_family_and_mark() {
        let mut s = service();
        s.matches = Some(Match::Fwmark(7));
        let attrs = del_service(&s).unwrap().into_bytes();
        let inner = genl::parse_attrs(genl::parse_attrs(&attrs)[0].1)
            .into_iter()
            .map(|(k, v)| (k, v.to_vec()))
            .collect::<Vec<_>>();
        assert_eq!(
            inner,
            vec![
                (svc::AF, 2u16.to_ne_bytes().to_vec()),
                (svc::FWMARK, 7u32.to_ne_bytes().to_vec())
            ]
        );
    }
}
