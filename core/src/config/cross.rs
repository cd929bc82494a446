//! Cross-node findings: compare the configurations of the nodes of one cluster, VRID by VRID
//! on each segment, and say what goes wrong at run time.
//!
//! Two instances of different files are taken to be on one segment when they have the same
//! VRID and family and either the same interface name, overlapping `virtual_ipaddress` sets, or
//! one lists the other's `unicast_src_ip` as a peer. Kind names ([`FindingKind::as_str`]) are
//! stable: they appear in `vrrplab check --format json`.

use super::Parsed;
use super::model::VrrpInstance;
use super::source::Span;
use crate::vrrp::Preempt;
use crate::wire::{Family, Version};
use std::collections::BTreeSet;
use std::net::IpAddr;

/// What kind of cross-node problem a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FindingKind {
    /// Different auth type or password: each rejects the other's adverts ⇒ both master.
    AuthMismatch,
    /// Different `advert_int`: v2 drops the adverts ⇒ both master; v3 only logs.
    IntervalMismatch,
    /// Different VRRP versions: each drops the other's adverts ⇒ both master.
    VersionMismatch,
    /// Overlapping but different `virtual_ipaddress` sets.
    VipMismatch,
    /// Equal non-owner priorities: the election rests on the primary addresses.
    DuplicatePriority,
    /// Two nodes with priority 255.
    BothOwner,
    /// `nopreempt` on a node that would never preempt anyway.
    NopreemptMisplaced,
    /// Unicast peers that do not list each other (or unicast against multicast).
    UnicastPeersNotMutual,
    /// Same VRID, disjoint VIP sets, one segment: two virtual routers collide.
    VridReuse,
    /// v3 over IPv4 with and without `v3_checksum_as_v2`: checksum errors ⇒ both master.
    ChecksumConventionMismatch,
}

impl FindingKind {
    /// The stable kebab-case name used in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::AuthMismatch => "auth-mismatch",
            FindingKind::IntervalMismatch => "interval-mismatch",
            FindingKind::VersionMismatch => "version-mismatch",
            FindingKind::VipMismatch => "vip-mismatch",
            FindingKind::DuplicatePriority => "duplicate-priority",
            FindingKind::BothOwner => "both-owner",
            FindingKind::NopreemptMisplaced => "nopreempt-misplaced",
            FindingKind::UnicastPeersNotMutual => "unicast-peers-not-mutual",
            FindingKind::VridReuse => "vrid-reuse",
            FindingKind::ChecksumConventionMismatch => "checksum-convention-mismatch",
        }
    }
}

/// One place a finding points at.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FindingLocation {
    /// File path (the included file when the directive was written there).
    pub path: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// What is written there, e.g. `advert_int 1`.
    pub note: String,
}

/// A cross-node problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Kind (stable name via [`FindingKind::as_str`]).
    pub kind: FindingKind,
    /// The VRID concerned.
    pub vrid: u8,
    /// What differs and the consequence, in one or two sentences.
    pub message: String,
    /// Where, in each file.
    pub locations: Vec<FindingLocation>,
}

struct Member<'a> {
    node: usize,
    index: usize,
    inst: &'a VrrpInstance,
}

fn src_of(i: &VrrpInstance) -> Option<IpAddr> {
    i.unicast_src_ip.or(i.mcast_src_ip)
}

fn vips(i: &VrrpInstance) -> BTreeSet<IpAddr> {
    i.virtual_ipaddress.iter().map(|v| v.address).collect()
}

fn same_segment(a: &VrrpInstance, b: &VrrpInstance) -> bool {
    if a.vrid != b.vrid || a.family != b.family {
        return false;
    }
    let peers = |x: &VrrpInstance, y: &VrrpInstance| {
        src_of(y).is_some_and(|s| x.unicast_peers.iter().any(|p| p.address == s))
    };
    a.interface == b.interface || !vips(a).is_disjoint(&vips(b)) || peers(a, b) || peers(b, a)
}

/// Findings across the given nodes' configurations, sorted by VRID and kind.
pub fn findings(nodes: &[Parsed]) -> Vec<Finding> {
    let members: Vec<Member> = nodes
        .iter()
        .enumerate()
        .flat_map(|(node, p)| {
            p.model
                .instances
                .iter()
                .enumerate()
                .map(move |(index, inst)| Member { node, index, inst })
        })
        .collect();
    // Clusters: connected components of "same segment, different node".
    let mut cluster: Vec<usize> = (0..members.len()).collect();
    fn root(c: &mut [usize], mut i: usize) -> usize {
        while c[i] != i {
            c[i] = c[c[i]];
            i = c[i];
        }
        i
    }
    for i in 0..members.len() {
        for j in 0..i {
            if members[i].node != members[j].node && same_segment(members[i].inst, members[j].inst)
            {
                let (ri, rj) = (root(&mut cluster, i), root(&mut cluster, j));
                cluster[ri] = rj;
            }
        }
    }
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut roots: Vec<usize> = Vec::new();
    for i in 0..members.len() {
        let r = root(&mut cluster, i);
        match roots.iter().position(|&x| x == r) {
            Some(g) => groups[g].push(i),
            None => {
                roots.push(r);
                groups.push(vec![i]);
            }
        }
    }
    let mut out = Vec::new();
    let ctx = Ctx {
        nodes,
        members: &members,
    };
    for g in groups.iter().filter(|g| g.len() > 1) {
        for (x, &i) in g.iter().enumerate() {
            for &j in &g[..x] {
                if members[i].node != members[j].node {
                    ctx.pair(&members[j], &members[i], &mut out);
                }
            }
        }
        ctx.group(g, &mut out);
    }
    out.sort_by(|a, b| (a.vrid, a.kind, &a.locations).cmp(&(b.vrid, b.kind, &b.locations)));
    out
}

struct Ctx<'a> {
    nodes: &'a [Parsed],
    members: &'a [Member<'a>],
}

impl Ctx<'_> {
    fn loc(&self, m: &Member, directive: &str, note: String) -> FindingLocation {
        let p = &self.nodes[m.node];
        let spans = &p.spans.instances[m.index];
        let span: Span = spans.of(directive);
        let note = if spans.directives.contains_key(directive) {
            note
        } else {
            format!("{note} (not written; default)")
        };
        FindingLocation {
            path: p.sources.path(span.file).to_string(),
            line: span.line,
            column: span.column,
            note,
        }
    }

    fn name(&self, m: &Member) -> String {
        self.nodes[m.node].path.clone()
    }

    fn pair(&self, a: &Member, b: &Member, out: &mut Vec<Finding>) {
        let (x, y) = (a.inst, b.inst);
        let vrid = x.vrid;
        let (na, nb) = (self.name(a), self.name(b));
        let mut push = |kind, message: String, locations| {
            out.push(Finding {
                kind,
                vrid,
                message,
                locations,
            })
        };
        if x.version != y.version {
            push(
                FindingKind::VersionMismatch,
                format!(
                    "{na} speaks VRRP{} and {nb} VRRP{}: each drops the other's adverts as the wrong version, so both become master.",
                    x.version, y.version
                ),
                vec![
                    self.loc(a, "version", format!("version {}", x.version.number())),
                    self.loc(b, "version", format!("version {}", y.version.number())),
                ],
            );
        } else {
            if x.version == Version::V2 && x.authentication != y.authentication {
                let describe = |i: &VrrpInstance| match &i.authentication {
                    None => "no authentication".to_string(),
                    Some(s) if s.auth_type == super::model::AuthType::Ah => {
                        "auth_type AH".to_string()
                    }
                    Some(s) => format!("auth_type PASS, auth_pass {}", s.password),
                };
                push(
                    FindingKind::AuthMismatch,
                    format!(
                        "{na} uses {} and {nb} uses {}: each rejects the other's adverts, so both become master.",
                        describe(x),
                        describe(y)
                    ),
                    vec![
                        self.loc(a, "authentication", describe(x)),
                        self.loc(b, "authentication", describe(y)),
                    ],
                );
            }
            if x.advert_int != y.advert_int {
                let (ia, ib) = (
                    super::format_seconds(x.advert_int),
                    super::format_seconds(y.advert_int),
                );
                let consequence = if x.version == Version::V2 {
                    "VRRPv2 drops adverts whose interval differs, so both become master."
                        .to_string()
                } else {
                    "VRRPv3 only logs the mismatch; a backup adopts the master's interval, so takeover time depends on which node is master.".to_string()
                };
                push(
                    FindingKind::IntervalMismatch,
                    format!("advert_int is {ia} s in {na} and {ib} s in {nb}: {consequence}"),
                    vec![
                        self.loc(a, "advert_int", format!("advert_int {ia}")),
                        self.loc(b, "advert_int", format!("advert_int {ib}")),
                    ],
                );
            }
            if x.version == Version::V3
                && x.family == Family::Ipv4
                && x.v3_checksum_as_v2 != y.v3_checksum_as_v2
            {
                let d = |i: &VrrpInstance| {
                    if i.v3_checksum_as_v2 {
                        "v3_checksum_as_v2 (no pseudo-header)"
                    } else {
                        "checksum with pseudo-header"
                    }
                };
                push(
                    FindingKind::ChecksumConventionMismatch,
                    format!(
                        "{na} uses {} and {nb} uses {}: every advert fails the other's checksum check, so both become master.",
                        d(x),
                        d(y)
                    ),
                    vec![
                        self.loc(a, "v3_checksum_as_v2", d(x).to_string()),
                        self.loc(b, "v3_checksum_as_v2", d(y).to_string()),
                    ],
                );
            }
        }
        let (va, vb) = (vips(x), vips(y));
        if !va.is_empty() && !vb.is_empty() && va != vb {
            let list = |s: &BTreeSet<IpAddr>| {
                s.iter()
                    .map(|a| a.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            if va.is_disjoint(&vb) {
                push(
                    FindingKind::VridReuse,
                    format!(
                        "{na} ({}) and {nb} ({}) use VRID {vrid} on one segment for different addresses: the two virtual routers elect one master between them, so the losing router's addresses are never configured.",
                        list(&va),
                        list(&vb)
                    ),
                    vec![
                        self.loc(a, "virtual_router_id", format!("VIPs {}", list(&va))),
                        self.loc(b, "virtual_router_id", format!("VIPs {}", list(&vb))),
                    ],
                );
            } else {
                let only_a: BTreeSet<_> = va.difference(&vb).copied().collect();
                let only_b: BTreeSet<_> = vb.difference(&va).copied().collect();
                let mut parts = Vec::new();
                if !only_a.is_empty() {
                    parts.push(format!("{} only in {na}", list(&only_a)));
                }
                if !only_b.is_empty() {
                    parts.push(format!("{} only in {nb}", list(&only_b)));
                }
                push(
                    FindingKind::VipMismatch,
                    format!(
                        "virtual_ipaddress differs ({}): after a failover the new master holds a different set of addresses, and adverts carry mismatching address lists.",
                        parts.join("; ")
                    ),
                    vec![
                        self.loc(a, "virtual_ipaddress", list(&va)),
                        self.loc(b, "virtual_ipaddress", list(&vb)),
                    ],
                );
            }
        }
        self.unicast(a, b, out);
    }

    fn unicast(&self, a: &Member, b: &Member, out: &mut Vec<Finding>) {
        let (x, y) = (a.inst, b.inst);
        let (na, nb) = (self.name(a), self.name(b));
        let peers = |i: &VrrpInstance| {
            if i.unicast_peers.is_empty() {
                return "multicast".to_string();
            }
            let list = i
                .unicast_peers
                .iter()
                .map(|p| p.address.to_string())
                .collect::<Vec<_>>()
                .join(", ");
            format!("unicast_peer {{ {list} }}")
        };
        let mut problems = Vec::new();
        match (x.unicast_peers.is_empty(), y.unicast_peers.is_empty()) {
            (true, true) => return,
            (false, true) => {
                problems.push(format!("{na} sends unicast adverts but {nb} multicasts"))
            }
            (true, false) => {
                problems.push(format!("{nb} sends unicast adverts but {na} multicasts"))
            }
            (false, false) => {
                for (from, to, nf, nt) in [(x, y, &na, &nb), (y, x, &nb, &na)] {
                    if let Some(src) = src_of(to)
                        && !from.unicast_peers.iter().any(|p| p.address == src)
                    {
                        problems.push(format!(
                            "{nf} does not list {nt}'s address {src} in unicast_peer"
                        ));
                    }
                }
            }
        }
        if problems.is_empty() {
            return;
        }
        out.push(Finding {
            kind: FindingKind::UnicastPeersNotMutual,
            vrid: x.vrid,
            message: format!(
                "{}: adverts do not reach the other node, so both become master.",
                problems.join("; ")
            ),
            locations: vec![
                self.loc(a, "unicast_peer", peers(x)),
                self.loc(b, "unicast_peer", peers(y)),
            ],
        });
    }

    fn group(&self, g: &[usize], out: &mut Vec<Finding>) {
        let ms: Vec<&Member> = g.iter().map(|&i| &self.members[i]).collect();
        let vrid = ms[0].inst.vrid;
        let prio_loc =
            |m: &Member| self.loc(m, "priority", format!("priority {}", m.inst.priority));
        let owners: Vec<&&Member> = ms.iter().filter(|m| m.inst.priority == 255).collect();
        if owners.len() > 1 {
            out.push(Finding {
                kind: FindingKind::BothOwner,
                vrid,
                message: format!(
                    "{} have priority 255 (address owner): only one node can own the addresses; the owners fight, and keepalived logs a configuration error and lowers one to 254.",
                    owners.iter().map(|m| self.name(m)).collect::<Vec<_>>().join(" and ")
                ),
                locations: owners.iter().map(|m| prio_loc(m)).collect(),
            });
        }
        let mut by_prio: std::collections::BTreeMap<u8, Vec<&Member>> = Default::default();
        for m in &ms {
            if m.inst.priority != 255 {
                by_prio.entry(m.inst.priority).or_default().push(m);
            }
        }
        for (p, same) in by_prio {
            let nodes: BTreeSet<usize> = same.iter().map(|m| m.node).collect();
            if nodes.len() > 1 {
                out.push(Finding {
                    kind: FindingKind::DuplicatePriority,
                    vrid,
                    message: format!(
                        "{} have the same priority {p}: the election then rests on the nodes' primary IP addresses (the higher wins), not on the configuration.",
                        same.iter().map(|m| self.name(m)).collect::<Vec<_>>().join(" and ")
                    ),
                    locations: same.iter().map(|m| prio_loc(m)).collect(),
                });
            }
        }
        let max = ms.iter().map(|m| m.inst.priority).max().unwrap_or(0);
        let top_preempts = ms
            .iter()
            .any(|m| m.inst.priority == max && m.inst.preempt != Preempt::Disabled);
        for m in &ms {
            if m.inst.preempt == Preempt::Disabled && m.inst.priority < max && top_preempts {
                let top: Vec<&&Member> = ms.iter().filter(|t| t.inst.priority == max).collect();
                let mut locations = vec![self.loc(
                    m,
                    "nopreempt",
                    format!("nopreempt, priority {}", m.inst.priority),
                )];
                locations.extend(top.iter().map(|t| prio_loc(t)));
                out.push(Finding {
                    kind: FindingKind::NopreemptMisplaced,
                    vrid,
                    message: format!(
                        "nopreempt is set in {} (priority {}), the node that never preempts anyway; {} (priority {max}) still takes the addresses back when it returns. Put nopreempt (with state BACKUP) on the higher-priority node.",
                        self.name(m),
                        m.inst.priority,
                        top.iter().map(|t| self.name(t)).collect::<Vec<_>>().join(", ")
                    ),
                    locations,
                });
            }
        }
    }
}
