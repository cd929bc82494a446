//! `vrrp_script`, `vrrp_track_file` and `vrrp_sync_group`.

use super::instance::weight_option;
use super::values::Ctx;
use crate::config::diagnostic::Diagnostic;
use crate::config::grammar;
use crate::config::model::{BlockSpans, VrrpScript, VrrpTrackFile};
use crate::config::tree::Statement;
use crate::vrrp::config::NotifyConfig;
use crate::vrrp::{SyncGroupConfig, TrackRef, TrackedInterface};
use std::time::Duration;

/// A `track_interface`, `track_script` or `track_file` block, in a `vrrp_instance` or a
/// `vrrp_sync_group`: each listed name with its optional `weight` (−253…253; interfaces default
/// to 0 ⇒ FAULT while down).
pub(super) fn push_tracked(
    ctx: &mut Ctx,
    st: &Statement,
    interfaces: &mut Vec<TrackedInterface>,
    scripts: &mut Vec<TrackRef>,
    files: &mut Vec<TrackRef>,
) {
    let keyword = st.keyword.text.as_str();
    for item in st.items() {
        let name = item.keyword.text.clone();
        let weight = weight_option(ctx, item, -253, 253);
        let reverse = reverse_option(ctx, item, keyword);
        match keyword {
            "track_interface" => interfaces.push(TrackedInterface {
                name,
                weight: weight.unwrap_or(0),
                reverse,
            }),
            "track_script" => scripts.push(TrackRef { name, weight }),
            _ => files.push(TrackRef { name, weight }),
        }
    }
}

/// The word after `weight N`: `reverse` on a tracked interface; on a `track_script` /
/// `track_file` reference it is recognised and not supported (say so rather than drop it:
/// `reverse` belongs in the `vrrp_script` / `vrrp_track_file` block's `weight` line here).
fn reverse_option(ctx: &mut Ctx, item: &Statement, keyword: &str) -> bool {
    let Some(word) = item.args.get(2) else {
        return false;
    };
    match (keyword, word.text.as_str()) {
        ("track_interface", "reverse") => true,
        ("track_interface", "noreverse" | "no_reverse") => false,
        (_, "reverse" | "noreverse" | "no_reverse") => {
            ctx.diags.push(
                Diagnostic::warning(
                    word.span,
                    format!(
                        "recognised, not supported: `{}` in a {keyword} reference",
                        word.text
                    ),
                )
                .with_label("ignored")
                .with_help(format!(
                    "write `weight N {}` in the tracker's own block instead",
                    word.text
                )),
            );
            false
        }
        _ => {
            ctx.diags.push(
                Diagnostic::warning(
                    word.span,
                    format!("unexpected `{}` after the weight", word.text),
                )
                .with_label("ignored")
                .with_help("write `NAME weight N [reverse]`"),
            );
            false
        }
    }
}

fn name_of(ctx: &mut Ctx, block: &Statement) -> Option<String> {
    match block.args.first() {
        Some(t) => Some(t.text.clone()),
        None => {
            ctx.diags.push(
                Diagnostic::error(block.span(), format!("{} needs a name", block.keyword.text))
                    .with_help(format!("write `{} NAME {{`", block.keyword.text)),
            );
            None
        }
    }
}

/// `weight N [reverse]` for scripts and track files.
fn weight_reverse(ctx: &mut Ctx, st: &Statement) -> Option<(i32, bool)> {
    let w = ctx.int(st, 0, -253, 253, "write a weight from -253 to 253")?;
    let reverse = st.args.get(1).is_some_and(|t| t.text == "reverse");
    Some((w as i32, reverse))
}

/// Reads `vrrp_script NAME { … }`.
pub fn vrrp_script(ctx: &mut Ctx, block: &Statement) -> Option<VrrpScript> {
    let name = name_of(ctx, block)?;
    let mut script = None;
    let mut interval = Duration::from_secs(1);
    let mut timeout = None;
    let mut out = VrrpScript {
        name,
        script: String::new(),
        interval,
        timeout: interval,
        weight: 0,
        reverse: false,
        rise: 1,
        fall: 1,
        init_fail: false,
        user: None,
    };
    for st in block.items() {
        match st.keyword.text.as_str() {
            "script" => script = ctx.command(st),
            "interval" => {
                if let Some(d) = ctx.timer(
                    st,
                    0,
                    1,
                    super::global::TIMER_MAX_US,
                    "write the interval in seconds, e.g. `interval 2`",
                ) {
                    interval = d;
                }
            }
            "timeout" => {
                timeout = ctx.timer(
                    st,
                    0,
                    1,
                    super::global::TIMER_MAX_US,
                    "write the timeout in seconds",
                )
            }
            "weight" => {
                if let Some((w, r)) = weight_reverse(ctx, st) {
                    out.weight = w;
                    out.reverse = r;
                }
            }
            "rise" => {
                out.rise = ctx
                    .uint(st, 0, 1, u32::MAX as u64, "")
                    .map(|v| v as u32)
                    .unwrap_or(1)
            }
            "fall" => {
                out.fall = ctx
                    .uint(st, 0, 1, u32::MAX as u64, "")
                    .map(|v| v as u32)
                    .unwrap_or(1)
            }
            "init_fail" => out.init_fail = true,
            "user" => out.user = ctx.command(st),
            _ => ctx.unknown(st, "vrrp_script", grammar::Context::Script),
        }
    }
    let Some(script) = script else {
        // keepalived: "No script set for vrrp_script X - removing"; it runs without it.
        ctx.diags.push(
            Diagnostic::warning(
                block.span(),
                format!("vrrp_script {} has no script; it is ignored", out.name),
            )
            .with_label("no `script` line in this block")
            .with_help("add `script \"/path/to/check\"`, or remove the block and its track_script references"),
        );
        return None;
    };
    out.script = script;
    out.interval = interval;
    out.timeout = timeout.unwrap_or(interval);
    Some(out)
}

/// Reads `vrrp_track_file NAME { file PATH; weight N [reverse] }`.
pub fn vrrp_track_file(ctx: &mut Ctx, block: &Statement) -> Option<VrrpTrackFile> {
    let name = name_of(ctx, block)?;
    let mut out = VrrpTrackFile {
        name,
        file: String::new(),
        weight: 1,
        reverse: false,
    };
    let mut file = None;
    for st in block.items() {
        match st.keyword.text.as_str() {
            "file" => {
                file = ctx
                    .arg(st, 0, "file /run/keepalived/prio")
                    .map(|t| t.text.clone())
            }
            "weight" => {
                if let Some((w, r)) = weight_reverse(ctx, st) {
                    out.weight = w;
                    out.reverse = r;
                }
            }
            "init_file" => ctx.diags.push(
                Diagnostic::warning(st.span(), "recognised, not supported: init_file")
                    .with_label("ignored by vrrplab")
                    .with_help("create the file with its initial value before vrrplab starts"),
            ),
            _ => ctx.unknown(st, "vrrp_track_file", grammar::Context::TrackFile),
        }
    }
    let Some(file) = file else {
        // keepalived: "No file set for track_file X - ignoring"; it runs without it.
        ctx.diags.push(
            Diagnostic::warning(
                block.span(),
                format!("vrrp_track_file {} has no file; it is ignored", out.name),
            )
            .with_label("no `file` line in this block")
            .with_help(
                "add `file /path/to/file`, or remove the block and its track_file references",
            ),
        );
        return None;
    };
    out.file = file;
    Some(out)
}

/// Reads `vrrp_sync_group NAME { group { … } … }`.
pub fn vrrp_sync_group(ctx: &mut Ctx, block: &Statement) -> Option<(SyncGroupConfig, BlockSpans)> {
    let name = name_of(ctx, block)?;
    let mut spans = BlockSpans {
        block: block.span(),
        ..BlockSpans::default()
    };
    let mut g = SyncGroupConfig {
        name,
        notify: NotifyConfig::default(),
        ..SyncGroupConfig::default()
    };
    for st in block.items() {
        spans.directives.insert(st.keyword.text.clone(), st.span());
        match st.keyword.text.as_str() {
            "group" => {
                for item in st.items() {
                    spans
                        .directives
                        .insert(format!("member:{}", item.keyword.text), item.span());
                    g.members.push(item.keyword.text.clone());
                    g.members.extend(item.args.iter().map(|t| t.text.clone()));
                }
            }
            "track_interface" | "track_script" | "track_file" => push_tracked(
                ctx,
                st,
                &mut g.track_interfaces,
                &mut g.track_scripts,
                &mut g.track_files,
            ),
            "notify_master" => g.notify.master = ctx.hook(st),
            "notify_backup" => g.notify.backup = ctx.hook(st),
            "notify_fault" => g.notify.fault = ctx.hook(st),
            "notify_stop" => g.notify.stop = ctx.hook(st),
            "notify" => g.notify.generic = ctx.hook(st),
            "sync_group_tracking_weight" => g.tracking_weight = true,
            _ => ctx.unknown(st, "vrrp_sync_group", grammar::Context::SyncGroup),
        }
    }
    if g.members.is_empty() {
        ctx.diags.push(
            Diagnostic::error(
                block.span(),
                format!("vrrp_sync_group {} has no members", g.name),
            )
            .with_help("add `group { VI_1 VI_2 }`"),
        );
    } else if g.members.len() == 1 {
        ctx.diags.push(
            Diagnostic::error(
                block.span(),
                format!("vrrp_sync_group {} has only one member", g.name),
            )
            .with_label("keepalived -t reports this")
            .keepalived_runs()
            .with_help(
                "a sync group needs at least two instances; remove the group or add members",
            ),
        );
    }
    Some((g, spans))
}

#[cfg(test)]
mod tests {
    use crate::config::{ParseOptions, parse_str};

    #[test]
    fn track_interface_reverse_is_read_and_a_reference_reverse_is_warned_about() {
        let text = "vrrp_script chk {\n  script \"true\"\n}\nvrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  track_interface {\n    eth1 weight -10 reverse\n    eth2\n  }\n  track_script {\n    chk weight 5 reverse\n  }\n  virtual_ipaddress {\n    10.0.0.1\n  }\n}\n";
        let parsed = parse_str("k.conf", text, &ParseOptions::default());
        let tracked = &parsed.model.instances[0].track_interfaces;
        assert_eq!(
            tracked
                .iter()
                .map(|t| (t.name.as_str(), t.weight, t.reverse))
                .collect::<Vec<_>>(),
            vec![("eth1", -10, true), ("eth2", 0, false)]
        );
        let warnings: Vec<String> = parsed
            .diagnostics
            .items
            .iter()
            .map(|d| d.render(&parsed.sources))
            .collect();
        assert!(
            warnings
                .iter()
                .any(|w| w.contains("`reverse` in a track_script reference")
                    && w.contains("k.conf:12:")),
            "{warnings:?}"
        );
    }
}
