//! Conformance: does the core decide like the captured router at ADDRESS did?
//!
//! A core [`Node`] is configured like the router (from the parameters its own adverts carry:
//! priority, interval, version, authentication, addresses, checksum convention; keepalived
//! defaults otherwise) and fed every *other* router's adverts at their capture timestamps. Its
//! life follows the captured process: it starts when the router joins the VRRP multicast group
//! (IGMP/MLD report; keepalived opens its socket at start), is shut down when the router sends
//! priority 0, and is dropped when the router leaves the group without priority 0 (killed).
//! Its MASTER entries and exits are compared with the router's observed ones within
//! [`TOLERANCE_NS`]. Observed changes the protocol cannot produce (a killed process, a router
//! that did not hear adverts the capture shows) are listed with the reason, not counted as
//! disagreements.

use crate::decode::{Decoded, Membership, decode, membership};
use crate::reader::CaptureReader;
use crate::report::{Report, RouterReport, secs, signed_dur};
use serde_json::{Value, json};
use std::io::Read;
use std::net::IpAddr;
use std::time::Duration;
use vrrplab_core::Instant;
use vrrplab_core::node::{InterfaceInfo, Node, NodeConfig, Output, RxMeta};
use vrrplab_core::vrrp::{InstanceConfig, State};
use vrrplab_core::wire::{Authentication, ChecksumConvention, Family, Version};

/// Agreement tolerance between the core's and the captured router's transitions.
pub const TOLERANCE_NS: u64 = 10_000_000;
const INTERFACE: &str = "capture0";

/// One transition (into or out of MASTER) with its time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Transition {
    time_ns: u64,
    vrid: u8,
    to_master: bool,
}

/// Builds the instance the captured router runs, from what it advertised.
fn instance_for(r: &RouterReport) -> Option<InstanceConfig> {
    let priority = r.priorities.iter().copied().find(|p| *p != 0)?;
    let mut c = InstanceConfig::new(&format!("VI_{}", r.vrid), INTERFACE, r.vrid, &r.addresses);
    c.family = r.family;
    c.version = if r.version.as_deref() == Some("v3") {
        Version::V3
    } else {
        Version::V2
    };
    c.priority = priority;
    c.advert_interval = Duration::from_secs_f64(r.interval?);
    c.source_address = Some(r.address);
    c.authentication = match (r.auth.as_deref(), &r.auth_pass) {
        (Some("pass"), Some(p)) => Authentication::simple_password(p),
        _ => Authentication::None,
    };
    c.checksum_convention = if r.checksum == Some("message-only") {
        ChecksumConvention::MessageOnly
    } else {
        ChecksumConvention::PseudoHeader
    };
    if let Some(d) = r.destination
        && d.is_multicast()
    {
        c.multicast_group = d;
    }
    Some(c)
}

struct Driver {
    config: NodeConfig,
    node: Option<Node>,
    shut_down: bool,
    origin_ns: u64,
    transitions: Vec<Transition>,
    notes: Vec<Value>,
    starts: Vec<u64>,
    /// Adverts with priority > 0 the core sent, and the router's own while the core ran.
    core_adverts: u64,
    router_adverts: u64,
    /// When the core sent each of its adverts (priority > 0).
    core_advert_times: Vec<u64>,
    /// When the core answered a received advert with one of its own at once.
    answer_times: Vec<u64>,
    /// Gratuitous ARPs / unsolicited NAs the core asked for, and the router's while it ran.
    core_announcements: u64,
    router_announcements: u64,
}

impl Driver {
    fn at(&self, t: u64) -> Instant {
        Instant::from_duration(Duration::from_nanos(t.saturating_sub(self.origin_ns)))
    }

    fn ns(&self, i: Instant) -> u64 {
        self.origin_ns + i.as_duration().as_nanos() as u64
    }

    /// Runs timers up to `t` and drains outputs.
    fn advance(&mut self, t: u64) {
        loop {
            let Some(node) = &mut self.node else { return };
            let due = match node.poll_timeout() {
                Some(d)
                    if d <= Instant::from_duration(Duration::from_nanos(
                        t.saturating_sub(self.origin_ns),
                    )) =>
                {
                    d
                }
                _ => break,
            };
            node.handle_timeout(due);
            self.drain(due);
        }
    }

    fn drain(&mut self, now: Instant) {
        let t = self.ns(now);
        let Some(node) = &mut self.node else { return };
        while let Some(out) = node.poll_output() {
            match out {
                Output::StateChange(c) if (c.to == State::Master) != (c.from == State::Master) => {
                    self.transitions.push(Transition {
                        time_ns: t,
                        vrid: c.vrid,
                        to_master: c.to == State::Master,
                    });
                }
                Output::Transmit(tx) if tx.payload.get(2).is_some_and(|p| *p != 0) => {
                    self.core_adverts += 1;
                    self.core_advert_times.push(t);
                }
                Output::Announce(_) => self.core_announcements += 1,
                _ => {}
            }
        }
    }

    fn start(&mut self, t: u64, why: &str) {
        let now = self.at(t);
        self.node = Some(Node::new(self.config.clone(), now));
        self.shut_down = false;
        self.starts.push(t);
        self.notes
            .push(json!({"time": secs(t), "note": format!("core instance started ({why})")}));
        self.drain(now);
    }
}

/// Adapts a keepalived configuration's instances to the capture: the instances of the VRIDs
/// the router advertised on, on one capture interface, with trackers and sync groups left out
/// (a capture shows neither). Returns the instances and notes about what was changed or
/// differs from the adverts.
fn from_config(
    config: &NodeConfig,
    mine: &[&RouterReport],
    target: IpAddr,
) -> Result<(Vec<InstanceConfig>, Vec<String>), String> {
    let mut notes = Vec::new();
    let mut out = Vec::new();
    for r in mine {
        let Some(i) = config
            .instances
            .iter()
            .find(|i| i.vrid == r.vrid && i.family == r.family)
        else {
            notes.push(format!(
                "the configuration has no {} instance for VRID {}: built from the adverts",
                r.family, r.vrid
            ));
            if let Some(c) = instance_for(r) {
                out.push(c);
            }
            continue;
        };
        let mut c = i.clone();
        c.interface = INTERFACE.to_string();
        for a in c
            .virtual_addresses
            .iter_mut()
            .chain(c.excluded_addresses.iter_mut())
        {
            a.interface = None;
        }
        if c.source_address.is_none() {
            c.source_address = Some(target);
        }
        if !(c.track_interfaces.is_empty()
            && c.track_scripts.is_empty()
            && c.track_files.is_empty())
        {
            notes.push(format!(
                "{}: trackers are not visible in a capture and were left out",
                c.name
            ));
            c.track_interfaces.clear();
            c.track_scripts.clear();
            c.track_files.clear();
        }
        let observed = r.priorities.iter().copied().find(|p| *p != 0);
        if observed.is_some_and(|p| p != c.priority) {
            notes.push(format!(
                "{}: configured priority {} but {target} advertised {} (trackers or a different config?)",
                c.name,
                c.priority,
                observed.unwrap_or(0)
            ));
        }
        if r.interval
            .is_some_and(|iv| (iv - c.advert_interval.as_secs_f64()).abs() > 1e-6)
        {
            notes.push(format!(
                "{}: configured advert_int {} s but {target} advertised {} s",
                c.name,
                c.advert_interval.as_secs_f64(),
                r.interval.unwrap_or(0.0)
            ));
        }
        out.push(c);
    }
    if !config.sync_groups.is_empty() {
        notes.push("sync groups were left out (one capture interface)".to_string());
    }
    Ok((out, notes))
}

/// Runs conformance for the router at `target` over the capture in `reader` (the same bytes
/// `report` was made from). With `config` (the router's keepalived.conf as a node
/// configuration) its instances are used; without, instances are built from the adverts.
pub fn conformance<R: Read>(
    reader: R,
    report: &Report,
    target: IpAddr,
    config: Option<&NodeConfig>,
) -> Result<Value, String> {
    let mine: Vec<&RouterReport> = report
        .routers
        .iter()
        .filter(|r| r.address == target)
        .collect();
    if mine.is_empty() {
        return Err(format!("no VRRP adverts from {target} in the capture"));
    }
    let (instances, config_notes) = match config {
        Some(c) => from_config(c, &mine, target)?,
        None => (
            mine.iter().filter_map(|r| instance_for(r)).collect(),
            vec![
                "instances built from the router's adverts (keepalived defaults otherwise)"
                    .to_string(),
            ],
        ),
    };
    let family = Family::of(&target);
    let group = mine[0].destination.unwrap_or(family.multicast_group());
    let vrids: Vec<u8> = instances.iter().map(|i| i.vrid).collect();
    let config = NodeConfig {
        router_id: config.map_or_else(|| target.to_string(), |c| c.router_id.clone()),
        interfaces: vec![InterfaceInfo::up(
            INTERFACE,
            (family == Family::Ipv4).then_some(target),
            (family == Family::Ipv6).then_some(target),
        )],
        instances,
        ..NodeConfig::default()
    };
    let mut d = Driver {
        config,
        node: None,
        shut_down: false,
        origin_ns: report.first_ns.unwrap_or(0),
        transitions: Vec::new(),
        notes: config_notes
            .into_iter()
            .map(|n| json!({"time": null, "note": n}))
            .collect(),
        starts: Vec::new(),
        core_adverts: 0,
        router_adverts: 0,
        core_advert_times: Vec::new(),
        answer_times: Vec::new(),
        core_announcements: 0,
        router_announcements: 0,
    };
    let my_mac = mine.iter().find_map(|r| r.mac);
    let my_addresses: Vec<IpAddr> = mine
        .iter()
        .flat_map(|r| r.addresses.iter().copied())
        .collect();
    let mut capture = CaptureReader::new(reader).map_err(|e| e.to_string())?;
    let mut deaths: Vec<u64> = Vec::new();
    let mut late_start = false;
    while let Ok(Some(frame)) = capture.next_frame() {
        let t = frame.time_ns;
        d.advance(t);
        if let Some(m) = membership(frame.link, frame.data, target, group) {
            match (m, d.node.is_some()) {
                (Membership::Join, false) => d.start(t, "joined the VRRP group"),
                (Membership::Leave, true) => {
                    if !d.shut_down {
                        deaths.push(t);
                        d.notes.push(json!({"time": secs(t), "note": format!(
                            "{target} left the VRRP group without sending priority 0: the process was killed; core instance dropped")}));
                    }
                    d.node = None;
                }
                _ => {}
            }
            continue;
        }
        let v = match decode(frame.link, frame.interface, frame.data) {
            Decoded::Vrrp(v) => v,
            Decoded::Announce(a) => {
                let mine = my_addresses.contains(&a.address)
                    && my_mac.is_some_and(|m| a.mac == Some(m) || a.l2_src == Some(m));
                if mine && d.node.is_some() && !d.shut_down {
                    d.router_announcements += 1;
                }
                continue;
            }
            _ => continue,
        };
        let vrid = v.payload.get(1).copied().unwrap_or(0);
        if !vrids.contains(&vrid) || Family::of(&v.src) != family {
            continue;
        }
        if v.src == target {
            if d.node.is_none() {
                late_start = true;
                d.start(t, "first advert seen without a group join: started late");
            }
            if v.payload.get(2) != Some(&0) && d.node.is_some() && !d.shut_down {
                d.router_adverts += 1;
            }
            if v.payload.get(2) == Some(&0) && !d.shut_down {
                let now = d.at(t);
                if let Some(node) = &mut d.node {
                    node.shutdown(now);
                }
                d.drain(now);
                d.shut_down = true;
                d.notes.push(json!({"time": secs(t), "note": format!("{target} sent priority 0 (shutdown): applied to the core")}));
            }
            continue;
        }
        let now = d.at(t);
        let meta = RxMeta {
            interface: INTERFACE.to_string(),
            src: v.src,
            dst: v.dst,
            hop_limit: v.hop_limit,
        };
        if let Some(node) = &mut d.node {
            node.handle_packet(now, &meta, v.payload);
        }
        let sent_before = d.core_adverts;
        d.drain(now);
        if d.core_adverts > sent_before {
            d.answer_times.push(t);
        }
    }
    if let Some(end) = report.last_ns {
        d.advance(end);
    }
    Ok(compare(report, &mine, target, &d, &deaths, late_start))
}

/// How much later than the router the core may take over after a start, when the start
/// instant is only known from the group join.
const STARTUP_SLACK_NS: u64 = 20_000_000;

/// A first takeover within Master_Down_Interval (+ 1 s of process start-up) of a start.
fn startup_limit(r: &RouterReport) -> u64 {
    (r.interval.unwrap_or(1.0) * 4.0e9) as u64 + 1_000_000_000
}

fn compare(
    report: &Report,
    mine: &[&RouterReport],
    target: IpAddr,
    d: &Driver,
    deaths: &[u64],
    late_start: bool,
) -> Value {
    let starts = &d.starts;
    let mut agreements = Vec::new();
    let mut differences = Vec::new();
    let mut explained = Vec::new();
    let mut used = vec![false; d.transitions.len()];
    let take = |want_master: bool, vrid: u8, lo: u64, hi: u64, used: &mut Vec<bool>| {
        d.transitions
            .iter()
            .enumerate()
            .filter(|(i, c)| {
                !used[*i]
                    && c.vrid == vrid
                    && c.to_master == want_master
                    && c.time_ns + TOLERANCE_NS >= lo
                    && c.time_ns <= hi + TOLERANCE_NS
            })
            .min_by_key(|(_, c)| c.time_ns.abs_diff(lo))
            .map(|(i, c)| {
                used[i] = true;
                *c
            })
    };
    for r in mine {
        let interval = (r.interval.unwrap_or(1.0) * 1e9) as u64;
        for (k, span) in r.master.iter().enumerate() {
            // Entering MASTER at the first advert.
            let t = span.start_ns;
            let mut not_heard = false;
            match take(true, r.vrid, t, t, &mut used) {
                Some(c) => agreements.push(json!({"vrid": r.vrid, "transition": "MASTER", "observed": secs(t), "core": secs(c.time_ns), "offset": signed_dur(c.time_ns as i64 - t as i64)})),
                None if starts.iter().any(|&s| s <= t && t <= s + startup_limit(r))
                    && let Some(c) = take(true, r.vrid, t.saturating_sub(TOLERANCE_NS), t + STARTUP_SLACK_NS, &mut used) =>
                {
                    explained.push(json!({"vrid": r.vrid, "transition": "MASTER", "observed": secs(t), "core": secs(c.time_ns), "offset": signed_dur(c.time_ns as i64 - t as i64),
                        "why": "first takeover after start: the start instant is only known from the router's IGMP/MLD join, which keepalived sends after arming its Master_Down timer"}));
                }
                None if k == 0 && late_start => explained.push(json!({"vrid": r.vrid, "transition": "MASTER", "observed": secs(t), "why": "the router was already running when the capture began"})),
                None => {
                    let why = others_master_at(report, r, t).map(|(who, prio)| format!(
                        "{who} (priority {prio}) was advertising as master: {target} did not receive its adverts (filtered or lost before it), which the capture cannot show"));
                    match why {
                        Some(why) => {
                            not_heard = true;
                            explained.push(json!({"vrid": r.vrid, "transition": "MASTER", "observed": secs(t), "why": why}));
                        }
                        None => differences.push(json!({"vrid": r.vrid, "transition": "MASTER", "observed": secs(t), "core": null, "why": "the core did not become master within 10 ms"})),
                    }
                }
            }
            // Leaving MASTER.
            match span.end {
                "resigned" => {
                    let t = span.resigned_ns.unwrap_or(span.end_ns);
                    match take(false, r.vrid, t, t, &mut used) {
                        Some(c) => agreements.push(json!({"vrid": r.vrid, "transition": "leave MASTER", "observed": secs(t), "core": secs(c.time_ns), "offset": signed_dur(c.time_ns as i64 - t as i64), "note": "priority 0 (shutdown) is an input applied to the core"})),
                        None => differences.push(json!({"vrid": r.vrid, "transition": "leave MASTER", "observed": secs(t), "core": null, "why": "the core did not leave MASTER on shutdown"})),
                    }
                }
                "silent" => {
                    let last = span.end_ns;
                    if not_heard {
                        explained.push(json!({"vrid": r.vrid, "transition": "leave MASTER", "observed": secs(last), "why": "ends the mastership the core could not reproduce (above): the router yielded once it heard the other master again"}));
                        continue;
                    }
                    if let Some(death) = deaths
                        .iter()
                        .find(|&&x| x >= last && x <= last + 3 * interval)
                    {
                        explained.push(json!({"vrid": r.vrid, "transition": "leave MASTER", "observed": secs(last), "why": format!("process killed (left the group at {:.6} without priority 0)", secs(*death))}));
                        continue;
                    }
                    match take(false, r.vrid, last, last + interval, &mut used) {
                        Some(c) => {
                            // The router left between its last advert and its next one; the
                            // cause on the wire is the other master's first advert in that window.
                            let cause = report
                                .routers
                                .iter()
                                .filter(|o| o.vrid == r.vrid && o.family == r.family && o.segment == r.segment && o.address != r.address)
                                .flat_map(|o| o.master.iter().map(|m| m.start_ns))
                                .filter(|&s| s > last && s <= last + interval)
                                .min()
                                .unwrap_or(last);
                            agreements.push(json!({"vrid": r.vrid, "transition": "leave MASTER", "observed_last_advert": secs(last), "observed_cause": secs(cause), "core": secs(c.time_ns), "offset": signed_dur(c.time_ns as i64 - cause as i64)}));
                        }
                        None => differences.push(json!({"vrid": r.vrid, "transition": "leave MASTER", "observed_last_advert": secs(last), "core": null, "why": "the core stayed master"})),
                    }
                }
                _ => {}
            }
        }
    }
    for (i, c) in d.transitions.iter().enumerate() {
        if !used[i] {
            differences.push(json!({"vrid": c.vrid, "transition": if c.to_master { "MASTER" } else { "leave MASTER" }, "observed": null, "core": secs(c.time_ns), "why": "the captured router did not do this"}));
        }
    }
    let mut text = format!(
        "  as {target}: {} agreements, {} differences, {} explained (tolerance {} ms)\n",
        agreements.len(),
        differences.len(),
        explained.len(),
        TOLERANCE_NS / 1_000_000
    );
    let base = report.first_ns.map_or(0.0, secs);
    let mut items: Vec<(f64, String)> = Vec::new();
    for (label, list) in [
        ("agree", &agreements),
        ("DIFFER", &differences),
        ("explained", &explained),
    ] {
        for item in list.iter() {
            items.push(item_line(label, item, base));
        }
    }
    items.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (_, line) in items {
        text.push_str(&line);
    }
    let early = timer_adverts_just_before_answers(d);
    let adverts_note = if d.core_adverts == d.router_adverts {
        String::new()
    } else if early > 0 && d.core_adverts.checked_sub(early) == Some(d.router_adverts) {
        format!(" (differ by {early}: {EARLY_TIMER_WHY})")
    } else if early > 0 {
        format!(" (differ; {early} of the core's: {EARLY_TIMER_WHY})")
    } else {
        " (differ)".to_string()
    };
    text.push_str(&format!(
        "  adverts (priority > 0) while the core ran: core {}, router {}{}; gratuitous ARPs / NAs: core {}, router {}{}\n",
        d.core_adverts,
        d.router_adverts,
        adverts_note,
        d.core_announcements,
        d.router_announcements,
        if d.core_announcements == d.router_announcements { "" } else { " (differ)" },
    ));
    json!({
        "router": target.to_string(),
        "tolerance": TOLERANCE_NS as f64 / 1e9,
        "adverts": {"core": d.core_adverts, "router": d.router_adverts, "core_timer_before_answer": early},
        "announcements": {"core": d.core_announcements, "router": d.router_announcements},
        "agreements": agreements,
        "differences": differences,
        "explained": explained,
        "notes": d.notes,
        "text": text,
    })
}

/// Why the core can send more adverts than keepalived while it hears lower-priority adverts.
const EARLY_TIMER_WHY: &str = "periodic adverts the core sent within 10 ms before a lower-priority advert it then answered at once; keepalived answers 0.3-2 ms after receipt and re-arms its advert timer after that work (answer and GARPs), so its periodic advert falls after the peer's next advert and only the answer is sent";

/// How many of the core's periodic adverts were followed, within [`TOLERANCE_NS`], by an
/// immediate answer to a received advert (two core adverts where keepalived sends one).
fn timer_adverts_just_before_answers(d: &Driver) -> u64 {
    let mut count = 0;
    let mut i = 0;
    for &answer in &d.answer_times {
        while i < d.core_advert_times.len() && d.core_advert_times[i] + TOLERANCE_NS < answer {
            i += 1;
        }
        if d.core_advert_times.get(i).is_some_and(|&c| c < answer) {
            count += 1;
            i += 1;
        }
    }
    count
}

/// Another router of the same VRID advertising as master with a higher priority around `t`.
fn others_master_at(report: &Report, me: &RouterReport, t: u64) -> Option<(IpAddr, u8)> {
    report
        .routers
        .iter()
        .filter(|r| {
            r.vrid == me.vrid
                && r.family == me.family
                && r.segment == me.segment
                && r.address != me.address
        })
        .find_map(|r| {
            r.master
                .iter()
                .find(|m| m.start_ns < t && m.end_ns > t)
                .map(|m| (r.address, m.priority_at(t)))
        })
}

/// One conformance item as a text line, with its observed time for sorting.
fn item_line(label: &str, item: &Value, base: f64) -> (f64, String) {
    let observed = ["observed", "observed_cause", "observed_last_advert"]
        .iter()
        .find_map(|k| item[*k].as_f64())
        .or_else(|| item["core"].as_f64())
        .unwrap_or(base);
    let mut line = format!(
        "  {label:<9} +{:<10.6} vrid {:<3} {:<12}",
        observed - base,
        item["vrid"],
        item["transition"].as_str().unwrap_or("?")
    );
    match (item["core"].as_f64(), item["offset"].as_f64()) {
        (Some(_), Some(offset)) => line.push_str(&format!(" core {:+.1} ms", offset * 1e3)),
        (Some(core), None) => line.push_str(&format!(" core at +{:.6}", core - base)),
        (None, _) => line.push_str(" core: none"),
    }
    if let Some(why) = item["why"].as_str() {
        line.push_str(&format!(" — {why}"));
    } else if let Some(note) = item["note"].as_str() {
        line.push_str(&format!(" ({note})"));
    }
    line.push('\n');
    (observed, line)
}
