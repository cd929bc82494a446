//! From the statement tree to the typed model: one function per block kind, then checks that
//! span blocks (names referenced by tracking and sync groups, VRID clashes).

mod global;
mod instance;
mod lvs;
mod tracking;
mod values;

pub use values::{decimal_micros, format_seconds};

use super::diagnostic::{Diagnostic, Diagnostics};
use super::grammar;
use super::model::{ConfigSpans, KeepalivedConfig};
use super::source::Span;
use super::tree::Statement;
use std::collections::BTreeMap;
use values::Ctx;

/// Builds the model from the top-level statements.
pub fn model(top: &[Statement], diags: &mut Diagnostics) -> (KeepalivedConfig, ConfigSpans) {
    let mut ctx = Ctx { diags };
    let mut cfg = KeepalivedConfig::default();
    let mut spans = ConfigSpans::default();
    let mut first_script = None;
    // global_defs first: instances inherit from it wherever it is written.
    for st in top.iter().filter(|s| s.keyword.text == "global_defs") {
        if ctx.expect_block(st) {
            global::global_defs(&mut ctx, st, &mut cfg.global);
        }
    }
    for st in top {
        let kw = st.keyword.text.as_str();
        if grammar::TOP.contains(&kw) && kw != "global_defs" && !ctx.expect_block(st) {
            continue;
        }
        match kw {
            "global_defs" => {}
            "vrrp_script" => {
                first_script.get_or_insert(st.span());
                if let Some(script) = tracking::vrrp_script(&mut ctx, st) {
                    cfg.scripts.push(script);
                    spans.scripts.push(st.span());
                }
            }
            "vrrp_track_file" => cfg
                .track_files
                .extend(tracking::vrrp_track_file(&mut ctx, st)),
            "vrrp_instance" => {
                if let Some((i, s)) = instance::vrrp_instance(&mut ctx, st, &cfg.global) {
                    cfg.instances.push(i);
                    spans.instances.push(s);
                }
            }
            "vrrp_sync_group" => {
                if let Some((g, s)) = tracking::vrrp_sync_group(&mut ctx, st) {
                    cfg.sync_groups.push(g);
                    spans.sync_groups.push(s);
                }
            }
            "SSL" => {
                let (ssl, s) = lvs::ssl(&mut ctx, st);
                cfg.ssl = Some(ssl);
                spans.ssl = Some(s);
            }
            "virtual_server" => {
                if let Some((v, s)) = lvs::virtual_server(&mut ctx, st) {
                    cfg.virtual_servers.push(v);
                    spans.virtual_servers.push(s);
                }
            }
            _ => ctx.unknown(st, "the top level", grammar::Context::Top),
        }
    }
    cross_references(&mut ctx, &cfg, &spans);
    script_security(&mut ctx, &cfg, &spans, first_script);
    (cfg, spans)
}

fn cross_references(ctx: &mut Ctx, cfg: &KeepalivedConfig, spans: &ConfigSpans) {
    let mut names = BTreeMap::new();
    for (i, inst) in cfg.instances.iter().enumerate() {
        let span = spans.instances[i].block;
        if let Some(first) = names.insert(inst.name.clone(), span) {
            ctx.diags.push(
                Diagnostic::error(
                    span,
                    format!("vrrp_instance {} is defined twice", inst.name),
                )
                .with_label("second definition")
                .with_help(format!(
                    "rename one of them (the first is at line {})",
                    first.line
                )),
            );
        }
        for r in &inst.track_scripts {
            if !cfg.scripts.iter().any(|s| s.name == r.name) {
                ctx.diags.push(
                    Diagnostic::warning(
                        spans.instances[i].of("track_script"),
                        format!(
                            "track_script {} is not defined; keepalived ignores it",
                            r.name
                        ),
                    )
                    .with_help(format!(
                        "add `vrrp_script {} {{ script \"…\" }}` or fix the name",
                        r.name
                    )),
                );
            }
        }
        for r in &inst.track_files {
            if !cfg.track_files.iter().any(|s| s.name == r.name) {
                ctx.diags.push(
                    Diagnostic::warning(
                        spans.instances[i].of("track_file"),
                        format!(
                            "track_file {} is not defined; keepalived ignores it",
                            r.name
                        ),
                    )
                    .with_help(format!(
                        "add `vrrp_track_file {} {{ file … }}` or fix the name",
                        r.name
                    )),
                );
            }
        }
        // VRID clash on one interface and family (keepalived's check_vrid_conflicts, checked
        // with `keepalived -t`): two multicast instances clash when they send to the same
        // group; two unicast instances only when they send from the same source address to
        // at least one common peer. A unicast and a multicast instance never clash.
        for (j, other) in cfg.instances.iter().enumerate().take(i) {
            let same_wire = other.vrid == inst.vrid
                && other.family == inst.family
                && other.interface == inst.interface;
            let clash = match (
                inst.unicast_peers.is_empty(),
                other.unicast_peers.is_empty(),
            ) {
                (true, true) => other.mcast_dst_ip == inst.mcast_dst_ip,
                (false, false) => {
                    inst.unicast_src_ip.or(inst.mcast_src_ip)
                        == other.unicast_src_ip.or(other.mcast_src_ip)
                        && inst
                            .unicast_peers
                            .iter()
                            .any(|p| other.unicast_peers.iter().any(|q| q.address == p.address))
                }
                _ => false,
            };
            if same_wire && clash {
                ctx.diags.push(
                    Diagnostic::error(
                        spans.instances[i].of("virtual_router_id"),
                        format!(
                            "vrrp_instance {} uses VRID {} on {} like vrrp_instance {} (line {})",
                            inst.name,
                            inst.vrid,
                            inst.interface,
                            other.name,
                            spans.instances[j].block.line
                        ),
                    )
                    .with_label("duplicate VRID")
                    .with_help(if inst.unicast_peers.is_empty() {
                        "give each virtual router on one interface its own virtual_router_id (or its own mcast_dst_ip)"
                    } else {
                        "give it its own virtual_router_id, or let the two unicast instances use different peers or a different unicast_src_ip"
                    }),
                );
            }
        }
    }
    for (i, g) in cfg.sync_groups.iter().enumerate() {
        let prios: Vec<u8> = g
            .members
            .iter()
            .filter_map(|m| cfg.instances.iter().find(|inst| &inst.name == m))
            .map(|inst| inst.priority)
            .collect();
        if prios.contains(&255) && prios.iter().any(|p| *p != 255) {
            ctx.diags.push(
                Diagnostic::error(spans.sync_groups[i].block, format!("vrrp_sync_group {} mixes address owners (priority 255) and other instances", g.name))
                    .with_label("keepalived -t: \"This won't work\"")
                    .keepalived_runs()
                    .with_help("give all members owner priority or none"),
            );
        }
        for m in &g.members {
            if !cfg.instances.iter().any(|inst| &inst.name == m) {
                let span = spans.sync_groups[i]
                    .directives
                    .get(&format!("member:{m}"))
                    .copied()
                    .unwrap_or(spans.sync_groups[i].block);
                // keepalived: "Virtual router X specified in sync group G doesn't exist -
                // ignoring"; the group runs with the members that exist.
                ctx.diags.push(
                    Diagnostic::warning(
                        span,
                        format!(
                            "vrrp_sync_group {} names unknown instance {m}; it is ignored",
                            g.name
                        ),
                    )
                    .with_label("no vrrp_instance with this name")
                    .with_help("list names of vrrp_instance blocks defined in this configuration, or remove this line"),
                );
            }
        }
    }
}

/// keepalived (`-t` exit 6) raises "SECURITY VIOLATION - scripts are being executed but
/// script_security not enabled" when scripts or notify hooks exist without
/// `enable_script_security`.
fn script_security(
    ctx: &mut Ctx,
    cfg: &KeepalivedConfig,
    spans: &ConfigSpans,
    first_script: Option<Span>,
) {
    if cfg.global.enable_script_security {
        return;
    }
    let notify = spans
        .instances
        .iter()
        .chain(&spans.sync_groups)
        .find_map(|s| {
            s.directives
                .iter()
                .find(|(k, _)| k.starts_with("notify"))
                .map(|(_, span)| *span)
        });
    if let Some(span) = first_script.or(notify) {
        ctx.diags.push(
            Diagnostic::warning(span, "scripts are run but enable_script_security is not set")
                .with_label("keepalived reports a SECURITY VIOLATION for this")
                .with_help("add `enable_script_security` (and `script_user`) to global_defs, and make scripts writable by root only"),
        );
    }
}
