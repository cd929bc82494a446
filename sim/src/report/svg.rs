//! A timeline picture of a run (`vrrplab sim --svg FILE`): one row per node and instance with
//! the state as colour, a VIP-ownership bar under it, fault periods shaded in a lane on top,
//! split-brain intervals highlighted across the rows, and a time axis.

use crate::analysis::Analysis;
use crate::fault::FaultAction;
use crate::observe::EventKind;
use crate::scenario::Scenario;
use crate::world::RunRecord;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::Duration;
use vrrplab_core::check::PoolAction;
use vrrplab_core::vrrp::State;

const WIDTH: f64 = 1100.0;
const LEFT: f64 = 150.0;
const RIGHT: f64 = 30.0;
const ROW: f64 = 44.0;
const LANE: f64 = 20.0;

fn colour(state: State) -> &'static str {
    match state {
        State::Master => "#2e9d4f",
        State::Backup => "#5b7fb5",
        State::Fault => "#e08a1e",
        State::Init => "#c9c9c9",
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

struct Band {
    start: Duration,
    end: Duration,
    label: String,
}

/// Fault periods (start action … undoing action) and instant markers.
fn fault_bands(run: &RunRecord) -> (Vec<Band>, Vec<(Duration, String)>) {
    let mut open: BTreeMap<String, (Duration, String)> = BTreeMap::new();
    let mut bands = Vec::new();
    let mut marks = Vec::new();
    let mut close = |open: &mut BTreeMap<String, (Duration, String)>, key: &str, t: Duration| {
        if let Some((start, label)) = open.remove(key) {
            bands.push(Band {
                start,
                end: t,
                label,
            });
        }
    };
    for e in &run.events {
        let EventKind::Fault(a) = &e.kind else {
            continue;
        };
        let t = e.t;
        use FaultAction::*;
        match a {
            Crash(n) => {
                open.insert(format!("down {n}"), (t, format!("{n} crashed")));
            }
            Stop(n) => {
                open.insert(format!("down {n}"), (t, format!("{n} stopped")));
            }
            Restart(n) | Start(n) => close(&mut open, &format!("down {n}"), t),
            Partition(x, y) => {
                open.insert(format!("part {x} {y}"), (t, format!("partition {x}<->{y}")));
            }
            Isolate(n) => {
                open.insert(format!("iso {n}"), (t, format!("{n} isolated")));
            }
            Heal(x, y) => {
                for k in [
                    format!("part {x} {y}"),
                    format!("part {y} {x}"),
                    format!("block {x} {y}"),
                    format!("block {y} {x}"),
                    format!("loss {x} {y}"),
                    format!("loss {y} {x}"),
                ] {
                    close(&mut open, &k, t);
                }
            }
            HealAll => {
                let keys: Vec<String> = open
                    .keys()
                    .filter(|k| {
                        ["part", "iso", "block", "loss", "gw"]
                            .iter()
                            .any(|p| k.starts_with(p))
                    })
                    .cloned()
                    .collect();
                for k in keys {
                    close(&mut open, &k, t);
                }
            }
            Block { receiver, sender } => {
                open.insert(
                    format!("block {receiver} {sender}"),
                    (t, format!("{receiver} drops VRRP from {sender}")),
                );
            }
            Unblock { receiver, sender } => {
                close(&mut open, &format!("block {receiver} {sender}"), t)
            }
            Loss { link, percent } => {
                let key = match link {
                    Some((x, y)) => format!("loss {x} {y}"),
                    None => "loss all".to_string(),
                };
                close(&mut open, &key, t);
                if *percent > 0 {
                    let what = match link {
                        Some((x, y)) => format!("{percent}% loss {x}<->{y}"),
                        None => format!("{percent}% loss"),
                    };
                    open.insert(key, (t, what));
                }
            }
            GatewayCut(n) => {
                open.insert(format!("gw {n}"), (t, format!("{n} cut from gateway")));
            }
            GatewayRestore(n) => close(&mut open, &format!("gw {n}"), t),
            InterfaceDown { node, interface } => {
                open.insert(
                    format!("if {node} {interface}"),
                    (t, format!("{node} {interface} down")),
                );
            }
            InterfaceUp { node, interface } => {
                close(&mut open, &format!("if {node} {interface}"), t)
            }
            Drift { node, rate } => {
                close(&mut open, &format!("drift {node}"), t);
                if *rate != 1.0 {
                    open.insert(
                        format!("drift {node}"),
                        (t, format!("{node} clock ×{rate}")),
                    );
                }
            }
            BackendDown(b) => {
                open.insert(format!("backend {b}"), (t, format!("real server {b} down")));
            }
            BackendSlow { backend, delay } => {
                close(&mut open, &format!("backend {backend}"), t);
                if !delay.is_zero() {
                    open.insert(
                        format!("backend {backend}"),
                        (t, format!("real server {backend} slow")),
                    );
                }
            }
            BackendStatus { backend, status } => {
                close(&mut open, &format!("backend {backend}"), t);
                if !(200..300).contains(status) {
                    open.insert(
                        format!("backend {backend}"),
                        (t, format!("real server {backend} answers {status}")),
                    );
                }
            }
            BackendHang(b) => {
                close(&mut open, &format!("backend {b}"), t);
                open.insert(
                    format!("backend {b}"),
                    (t, format!("real server {b} hangs")),
                );
            }
            BackendUp(b) => close(&mut open, &format!("backend {b}"), t),
            Script { .. } | TrackFile { .. } | Reload { .. } | Latency { .. } => {
                marks.push((t, a.to_string()))
            }
        }
    }
    for (_, (start, label)) in open {
        bands.push(Band {
            start,
            end: run.simulated,
            label,
        });
    }
    bands.sort_by_key(|b| b.start);
    (bands, marks)
}

/// Height of one load-balancer pool row.
const POOL_ROW: f64 = 16.0;

/// A pool row's key: (node, virtual server, destination, sorry server).
type PoolKey = (String, String, std::net::SocketAddr, bool);

/// For every (node, virtual server, destination, sorry): the periods it was in the pool, with
/// its weight.
fn pool_segments(run: &RunRecord) -> BTreeMap<PoolKey, Vec<(Duration, Duration, u32)>> {
    let mut open: BTreeMap<PoolKey, (Duration, u32)> = BTreeMap::new();
    let mut out: BTreeMap<PoolKey, Vec<(Duration, Duration, u32)>> = BTreeMap::new();
    for e in &run.events {
        let EventKind::RealServer {
            virtual_server,
            address,
            sorry_server,
            action,
        } = &e.kind
        else {
            continue;
        };
        let key = (
            e.node.clone(),
            virtual_server.clone(),
            *address,
            *sorry_server,
        );
        if let Some((t0, w)) = open.remove(&key) {
            out.entry(key.clone()).or_default().push((t0, e.t, w));
        }
        match action {
            PoolAction::Add { weight } | PoolAction::Reweight { weight } => {
                out.entry(key.clone()).or_default();
                open.insert(key, (e.t, *weight));
            }
            PoolAction::Remove => {
                out.entry(key).or_default();
            }
        }
    }
    for (key, (t0, w)) in open {
        out.entry(key).or_default().push((t0, run.simulated, w));
    }
    out
}

/// Renders the SVG document.
pub fn render(scenario: &Scenario, run: &RunRecord, a: &Analysis) -> String {
    let total = run.simulated.as_secs_f64().max(0.001);
    let pw = WIDTH - LEFT - RIGHT;
    let x = |t: f64| LEFT + (t / total).clamp(0.0, 1.0) * pw;
    let (bands, marks) = fault_bands(run);
    // fault lanes
    let mut lane_end: Vec<Duration> = Vec::new();
    let mut placed: Vec<(usize, &Band)> = Vec::new();
    for b in &bands {
        let lane = lane_end
            .iter()
            .position(|e| *e <= b.start)
            .unwrap_or(lane_end.len());
        if lane == lane_end.len() {
            lane_end.push(b.end);
        } else {
            lane_end[lane] = b.end;
        }
        placed.push((lane, b));
    }
    let lanes = lane_end.len().max(1) as f64 + if marks.is_empty() { 0.0 } else { 1.0 };
    let top = 56.0;
    let rows_top = top + lanes * LANE + 16.0;
    let rows: Vec<(String, String, Vec<std::net::IpAddr>)> = scenario
        .nodes
        .iter()
        .flat_map(|n| {
            n.config.instances.iter().map(move |i| {
                (
                    n.name.clone(),
                    i.name.clone(),
                    i.virtual_addresses.iter().map(|v| v.address).collect(),
                )
            })
        })
        .collect();
    let pools = pool_segments(run);
    let pool_top = rows_top + rows.len() as f64 * ROW;
    let rows_bottom = pool_top + pools.len() as f64 * POOL_ROW;
    let height = rows_bottom + 80.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{LEFT}" y="22" font-size="15" font-weight="bold">{}</text>"#,
        esc(&scenario.name)
    );
    let verdict = if a.passed(scenario) { "PASS" } else { "FAIL" };
    let _ = writeln!(
        s,
        r##"<text x="{LEFT}" y="40" fill="#444">seed {} · {:.0} s simulated · {} split-brain interval(s) · {} failover(s) · verdict {verdict}</text>"##,
        scenario.settings.seed,
        total,
        a.split_brain.len(),
        a.failovers.len()
    );
    let _ = writeln!(
        s,
        r##"<text x="10" y="{}" fill="#444">faults</text>"##,
        top + 14.0
    );
    for (lane, b) in &placed {
        let y = top + *lane as f64 * LANE;
        let (x0, x1) = (x(b.start.as_secs_f64()), x(b.end.as_secs_f64()));
        let _ = writeln!(
            s,
            r##"<rect x="{x0:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="#f3d36b" fill-opacity="0.55" stroke="#b8962e"/><text x="{:.1}" y="{:.1}" font-size="11">{}</text>"##,
            (x1 - x0).max(1.5),
            LANE - 4.0,
            x0 + 3.0,
            y + 12.0,
            esc(&b.label)
        );
        // shade the rows too
        let _ = writeln!(
            s,
            r##"<rect x="{x0:.1}" y="{rows_top:.1}" width="{:.1}" height="{:.1}" fill="#f3d36b" fill-opacity="0.18"/>"##,
            (x1 - x0).max(1.5),
            rows_bottom - rows_top
        );
    }
    let mark_y = top + lane_end.len().max(1) as f64 * LANE;
    for (t, label) in &marks {
        let xt = x(t.as_secs_f64());
        let _ = writeln!(
            s,
            r##"<line x1="{xt:.1}" y1="{mark_y:.1}" x2="{xt:.1}" y2="{rows_bottom:.1}" stroke="#8a6d00" stroke-dasharray="3,3"/><text x="{:.1}" y="{:.1}" font-size="11" fill="#8a6d00">{}</text>"##,
            xt + 3.0,
            mark_y + 12.0,
            esc(label)
        );
    }
    // state rows
    for (k, (node, instance, vips)) in rows.iter().enumerate() {
        let y = rows_top + k as f64 * ROW;
        let _ = writeln!(
            s,
            r##"<text x="10" y="{:.1}" font-weight="bold">{}</text><text x="10" y="{:.1}" font-size="10" fill="#555">{}</text>"##,
            y + 15.0,
            esc(node),
            y + 28.0,
            esc(instance)
        );
        let mut state: Option<(State, Duration)> = None;
        let mut segs: Vec<(State, Duration, Duration)> = Vec::new();
        for e in run.events.iter().filter(|e| &e.node == node) {
            if let EventKind::Transition {
                instance: i, to, ..
            } = &e.kind
                && i == instance
            {
                if let Some((st, since)) = state {
                    segs.push((st, since, e.t));
                }
                state = Some((*to, e.t));
            }
        }
        if let Some((st, since)) = state {
            segs.push((st, since, run.simulated));
        }
        for (st, t0, t1) in segs {
            let (x0, x1) = (x(t0.as_secs_f64()), x(t1.as_secs_f64()));
            let _ = writeln!(
                s,
                r#"<rect x="{x0:.1}" y="{y:.1}" width="{:.2}" height="22" fill="{}"><title>{node} {instance} {st} {:.3}s–{:.3}s</title></rect>"#,
                (x1 - x0).max(0.5),
                colour(st),
                t0.as_secs_f64(),
                t1.as_secs_f64()
            );
        }
        // VIP ownership bar
        let mut held_since: BTreeMap<std::net::IpAddr, Duration> = BTreeMap::new();
        let mut vip_segs: Vec<(Duration, Duration)> = Vec::new();
        for e in run.events.iter().filter(|e| &e.node == node) {
            match &e.kind {
                EventKind::VipAdded { address } if vips.contains(address) => {
                    held_since.entry(*address).or_insert(e.t);
                }
                EventKind::VipRemoved { address } => {
                    if let Some(t0) = held_since.remove(address) {
                        vip_segs.push((t0, e.t));
                    }
                }
                _ => {}
            }
        }
        for (_, t0) in held_since {
            vip_segs.push((t0, run.simulated));
        }
        for (t0, t1) in vip_segs {
            let (x0, x1) = (x(t0.as_secs_f64()), x(t1.as_secs_f64()));
            let _ = writeln!(
                s,
                r##"<rect x="{x0:.1}" y="{:.1}" width="{:.2}" height="6" fill="#222"><title>{node} holds the VIP {:.3}s–{:.3}s</title></rect>"##,
                y + 25.0,
                (x1 - x0).max(0.5),
                t0.as_secs_f64(),
                t1.as_secs_f64()
            );
        }
    }
    // load-balancer pools: one thin row per node and destination, filled while in the pool
    for (k, ((node, vs, dest, sorry), segs)) in pools.iter().enumerate() {
        let y = pool_top + k as f64 * POOL_ROW;
        let what = if *sorry { "sorry" } else { "rs" };
        let _ = writeln!(
            s,
            r##"<text x="10" y="{:.1}" font-size="10" fill="#555">{} {what} {}</text>"##,
            y + 10.0,
            esc(node),
            esc(&dest.to_string())
        );
        for (t0, t1, weight) in segs {
            let (x0, x1) = (x(t0.as_secs_f64()), x(t1.as_secs_f64()));
            let fill = match (*sorry, *weight) {
                (_, 0) => "#bbbbbb",
                (true, _) => "#8e5bb5",
                (false, _) => "#3aa6a0",
            };
            let _ = writeln!(
                s,
                r##"<rect x="{x0:.1}" y="{:.1}" width="{:.2}" height="10" fill="{fill}"><title>{node} [{vs}] {dest} in the pool, weight {weight}, {:.3}s–{:.3}s</title></rect>"##,
                y + 2.0,
                (x1 - x0).max(0.5),
                t0.as_secs_f64(),
                t1.as_secs_f64(),
                node = esc(node),
                vs = esc(vs),
            );
        }
    }
    // split-brain highlight
    for sb in &a.split_brain {
        let x0 = x(sb.start);
        let x1 = x(sb.end.unwrap_or(total));
        let _ = writeln!(
            s,
            r##"<rect x="{x0:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="#e0245e" fill-opacity="0.18" stroke="#e0245e" stroke-width="2"><title>split-brain VRID {}: {}</title></rect><text x="{:.1}" y="{:.1}" fill="#b0103a" font-weight="bold" font-size="11">split-brain VRID {}</text>"##,
            rows_top - 4.0,
            (x1 - x0).max(2.0),
            rows_bottom - rows_top + 4.0,
            sb.vrid,
            esc(&sb.cause),
            x0 + 3.0,
            rows_bottom + 12.0,
            sb.vrid
        );
    }
    // axis
    let axis_y = rows_bottom + 24.0;
    let _ = writeln!(
        s,
        r##"<line x1="{LEFT}" y1="{axis_y}" x2="{:.1}" y2="{axis_y}" stroke="#333"/>"##,
        LEFT + pw
    );
    let step = [
        1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0,
    ]
    .into_iter()
    .find(|st| total / st <= 15.0)
    .unwrap_or(7200.0);
    let mut t = 0.0;
    while t <= total + 1e-9 {
        let xt = x(t);
        let _ = writeln!(
            s,
            r##"<line x1="{xt:.1}" y1="{axis_y}" x2="{xt:.1}" y2="{:.1}" stroke="#333"/><text x="{xt:.1}" y="{:.1}" text-anchor="middle" font-size="11">{}s</text>"##,
            axis_y + 5.0,
            axis_y + 18.0,
            t
        );
        t += step;
    }
    // legend
    let ly = axis_y + 38.0;
    let mut lx = LEFT;
    let mut legend = vec![
        ("MASTER", colour(State::Master)),
        ("BACKUP", colour(State::Backup)),
        ("FAULT", colour(State::Fault)),
        ("INIT / down", colour(State::Init)),
        ("holds VIP", "#222"),
    ];
    if !pools.is_empty() {
        legend.push(("real server in pool", "#3aa6a0"));
        legend.push(("sorry server in pool", "#8e5bb5"));
    }
    legend.push(("fault active", "#f3d36b"));
    legend.push(("split-brain", "#e0245e"));
    for (label, fill) in legend {
        let _ = writeln!(
            s,
            r#"<rect x="{lx}" y="{:.1}" width="14" height="10" fill="{fill}"/><text x="{:.1}" y="{ly:.1}" font-size="11">{label}</text>"#,
            ly - 9.0,
            lx + 18.0
        );
        lx += 30.0 + label.len() as f64 * 7.0;
    }
    s.push_str("</svg>\n");
    s
}
