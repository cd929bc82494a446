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

/// `use_vmac` as written: the name, and the MAC with how many octets were given.
pub(super) type VmacArgs = (Option<String>, Option<([u8; 6], usize)>);

/// `use_vmac [NAME] [MAC]`: a word with colons is the MAC (six octets, or five: the VRID is the
/// sixth), any other word the interface name.
pub(super) fn vmac_args(ctx: &mut Ctx, st: &Statement) -> VmacArgs {
    let mut name = None;
    let mut mac = None;
    for arg in &st.args {
        if !arg.text.contains(':') {
            name = Some(arg.text.clone());
            continue;
        }
        let octets: Option<Vec<u8>> = arg
            .text
            .split(':')
            .map(|o| u8::from_str_radix(o, 16).ok())
            .collect();
        match octets {
            Some(o) if o.len() == 6 || o.len() == 5 => {
                let mut bytes = [0u8; 6];
                bytes[..o.len()].copy_from_slice(&o);
                mac = Some((bytes, o.len()));
            }
            _ => ctx.diags.push(
                Diagnostic::error(arg.span, format!("`{}` is not a MAC address", arg.text))
                    .with_help("write `use_vmac [NAME] [00:00:5e:00:01:33]`"),
            ),
        }
    }
    // Five octets: keepalived completes them with the VRID, which the resolver knows.
    (name, mac)
}

#[cfg(test)]
mod tests {
    use crate::config::{ParseOptions, parse_str};
    use crate::vrrp::Vmac;

    fn vmac_of(lines: &str) -> (Option<Vmac>, String) {
        let text = format!(
            "vrrp_instance VI_1 {{\n  interface eth0\n  virtual_router_id 51\n{lines}  virtual_ipaddress {{\n    192.0.2.100/24\n  }}\n}}\n"
        );
        let parsed = parse_str("k.conf", &text, &ParseOptions::default());
        (
            parsed.model.instances[0].use_vmac.clone(),
            parsed.render_diagnostics(),
        )
    }

    #[test]
    fn use_vmac_takes_keepalived_defaults_a_name_a_mac_and_a_five_octet_mac() {
        let (v, d) = vmac_of("  use_vmac\n");
        assert_eq!(
            v,
            Some(Vmac {
                name: "vrrp.51".into(),
                mac: [0, 0, 0x5e, 0, 1, 51],
                xmit_base: false
            }),
            "{d}"
        );
        let (v, _) = vmac_of("  use_vmac vip0 02:00:00:00:aa:bb\n  vmac_xmit_base\n");
        assert_eq!(
            v,
            Some(Vmac {
                name: "vip0".into(),
                mac: [2, 0, 0, 0, 0xaa, 0xbb],
                xmit_base: true
            })
        );
        let (v, _) = vmac_of("  use_vmac 02:00:00:00:aa\n");
        assert_eq!(v.map(|v| v.mac), Some([2, 0, 0, 0, 0xaa, 51]));
        let (v, d) = vmac_of("  use_vmac 02:zz\n");
        assert!(d.contains("`02:zz` is not a MAC address"), "{d}");
        assert_eq!(v.map(|v| v.name), Some("vrrp.51".into()));
        let (v, d) = vmac_of("  vmac_xmit_base\n");
        assert!(
            v.is_none() && d.contains("vmac_xmit_base without use_vmac"),
            "{d}"
        );
    }
}
