//! The checkers' part of `--status` (JSON and Prometheus) and of the SIGUSR1 dump: per virtual
//! server its quorum and live weight, per real server up/down, weight, weight in the pool, the
//! last probe's latency and result, and the error that took it down.

use super::Checkers;
use serde_json::{Value, json};
use std::fmt::Write;

/// The `virtual_servers` array of the status document.
pub fn json(checkers: &Checkers) -> Value {
    let pools = checkers.pools();
    Value::Array(
        pools
            .iter()
            .enumerate()
            .map(|(v, vs)| {
                let real_servers: Vec<Value> = vs
                    .real_servers
                    .iter()
                    .enumerate()
                    .map(|(r, rs)| {
                        let record = checkers.record(v, r).cloned().unwrap_or_default();
                        json!({
                            "address": rs.address.to_string(),
                            "up": rs.alive,
                            "weight": rs.weight,
                            "in_pool": rs.in_pool,
                            "probes": record.probes,
                            "last_probe_latency_ms": record
                                .last_latency
                                .map(|d| (d.as_secs_f64() * 1e6).round() / 1e3),
                            "last_result": record.last_result,
                            "error": record.error,
                        })
                    })
                    .collect();
                json!({
                    "name": vs.name,
                    "quorum_up": vs.quorum_up,
                    "live_weight": vs.live_weight,
                    "sorry_server": checkers.sorry_server(v).map(|a| json!({
                        "address": a.to_string(),
                        "in_pool": vs.sorry_server_in_pool,
                    })),
                    "real_servers": real_servers,
                })
            })
            .collect(),
    )
}

fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Prometheus text for the checkers (appended to the daemon's metrics).
pub fn metrics(checkers: &Checkers) -> String {
    let pools = checkers.pools();
    let mut out = String::new();
    let head = |out: &mut String, name: &str, kind: &str, help: &str| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
    };
    head(
        &mut out,
        "vrrplab_checker_probes_running",
        "gauge",
        "Checker probes (connections, children) running now.",
    );
    let _ = writeln!(out, "vrrplab_checker_probes_running {}", checkers.running());
    head(
        &mut out,
        "vrrplab_virtual_server_quorum_up",
        "gauge",
        "1 while the virtual server holds its quorum.",
    );
    for vs in &pools {
        let _ = writeln!(
            out,
            "vrrplab_virtual_server_quorum_up{{virtual_server=\"{}\"}} {}",
            label(&vs.name),
            u8::from(vs.quorum_up)
        );
    }
    head(
        &mut out,
        "vrrplab_virtual_server_live_weight",
        "gauge",
        "Sum of the weights of the live real servers.",
    );
    for vs in &pools {
        let _ = writeln!(
            out,
            "vrrplab_virtual_server_live_weight{{virtual_server=\"{}\"}} {}",
            label(&vs.name),
            vs.live_weight
        );
    }
    let rows = |f: &dyn Fn(usize, usize) -> Option<String>| -> Vec<String> {
        let mut lines = Vec::new();
        for (v, vs) in pools.iter().enumerate() {
            for (r, rs) in vs.real_servers.iter().enumerate() {
                if let Some(value) = f(v, r) {
                    lines.push(format!(
                        "virtual_server=\"{}\",real_server=\"{}\"{value}",
                        label(&vs.name),
                        rs.address
                    ));
                }
            }
        }
        lines
    };
    let families: [(&str, &str, &str, Vec<String>); 5] = [
        (
            "vrrplab_real_server_up",
            "gauge",
            "1 while every checker of the real server is up.",
            rows(&|v, r| Some(format!("}} {}", u8::from(pools[v].real_servers[r].alive)))),
        ),
        (
            "vrrplab_real_server_weight",
            "gauge",
            "Weight of the real server (configured, or set by misc_dynamic).",
            rows(&|v, r| Some(format!("}} {}", pools[v].real_servers[r].weight))),
        ),
        (
            "vrrplab_real_server_in_pool",
            "gauge",
            "1 while the real server is a destination of the data plane (any weight).",
            rows(&|v, r| {
                Some(format!(
                    "}} {}",
                    u8::from(pools[v].real_servers[r].in_pool.is_some())
                ))
            }),
        ),
        (
            "vrrplab_real_server_probe_latency_seconds",
            "gauge",
            "Duration of the last finished probe.",
            rows(&|v, r| {
                let d = checkers.record(v, r)?.last_latency?;
                Some(format!("}} {}", d.as_secs_f64()))
            }),
        ),
        (
            "vrrplab_real_server_probes_total",
            "counter",
            "Probes finished or timed out.",
            rows(&|v, r| {
                Some(format!(
                    "}} {}",
                    checkers.record(v, r).map_or(0, |x| x.probes)
                ))
            }),
        ),
    ];
    for (name, kind, help, lines) in families {
        head(&mut out, name, kind, help);
        for l in lines {
            let _ = writeln!(out, "{name}{{{l}");
        }
    }
    head(
        &mut out,
        "vrrplab_real_server_error",
        "gauge",
        "1, with the reason, while a checker of the real server is down.",
    );
    for l in rows(&|v, r| {
        let e = checkers.record(v, r)?.error.clone()?;
        Some(format!(",error=\"{}\"}} 1", label(&e)))
    }) {
        let _ = writeln!(out, "vrrplab_real_server_error{{{l}");
    }
    out
}
