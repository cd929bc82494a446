//! One `virtual_ipaddress` / `virtual_ipaddress_excluded` line and its per-address options.

use super::super::values::Ctx;
use crate::config::diagnostic::Diagnostic;
use crate::config::model::VipEntry;
use crate::config::tree::Statement;

/// One `virtual_ipaddress` line: `ADDRESS[/LEN] [brd A] [dev IF] [scope S] [label L] …`.
pub(super) fn vip(ctx: &mut Ctx, item: &Statement) -> Option<VipEntry> {
    let (address, len) = ctx.ip_prefix(&item.keyword)?;
    let mut v = VipEntry::new(address);
    if let Some(l) = len {
        v.prefix_len = l;
    }
    let mut i = 0;
    while i < item.args.len() {
        let opt = &item.args[i];
        let value = item.args.get(i + 1);
        let needs_value = [
            "brd",
            "broadcast",
            "dev",
            "scope",
            "label",
            "peer",
            "preferred_lft",
        ];
        if needs_value.contains(&opt.text.as_str()) {
            let Some(value) = value else {
                ctx.diags.push(
                    Diagnostic::error(opt.span, format!("`{}` needs a value", opt.text))
                        .with_help(format!("write `{} VALUE` after the address", opt.text)),
                );
                return None;
            };
            match opt.text.as_str() {
                "brd" | "broadcast" => v.brd = ctx.ip(value, "a broadcast address"),
                "dev" => v.dev = Some(value.text.clone()),
                "scope" => v.scope = Some(value.text.clone()),
                "label" => v.label = Some(value.text.clone()),
                "peer" => v.peer = Some(value.text.clone()),
                _ => match value.text.parse::<u32>() {
                    Ok(n) => v.preferred_lft = Some(n),
                    Err(_) => ctx.diags.push(
                        Diagnostic::error(value.span, "preferred_lft needs a number of seconds")
                            .with_help("write `preferred_lft 0` or `preferred_lft forever` is not accepted; use a number"),
                    ),
                },
            }
            i += 2;
            continue;
        }
        match opt.text.as_str() {
            "home" | "-nodad" | "nodad" | "mngtmpaddr" | "noprefixroute" | "autojoin"
            | "no_track" => v.flags.push(opt.text.clone()),
            "use_vmac" => ctx.diags.push(
                Diagnostic::warning(opt.span, "recognised, not supported: use_vmac")
                    .with_label("ignored by vrrplab")
                    .with_help(
                        "remove `use_vmac`; vrrplab adds the address to the interface itself",
                    ),
            ),
            other => {
                ctx.diags.push(
                    Diagnostic::error(opt.span, format!("unknown address option `{other}`"))
                        .with_label("not an ip-address option")
                        .with_help("options are brd, dev, scope, label, peer, home, -nodad, mngtmpaddr, noprefixroute, autojoin, no_track, preferred_lft"),
                );
                return None;
            }
        }
        i += 1;
    }
    Some(v)
}
