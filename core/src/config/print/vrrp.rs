//! `vrrp_instance` and `vrrp_sync_group` as keepalived.conf text.

use super::{onoff, quote, secs};
use crate::config::model::{AuthType, InitialState, VipEntry, VrrpInstance};
use crate::vrrp::config::NotifyConfig;
use crate::vrrp::{Preempt, SyncGroupConfig, TrackRef, TrackedInterface};
use crate::wire::Version;
use std::fmt::Write as _;

fn vip_line(o: &mut String, v: &VipEntry) {
    let _ = write!(o, "        {}/{}", v.address, v.prefix_len);
    if let Some(b) = v.brd {
        let _ = write!(o, " brd {b}");
    }
    for (k, val) in [
        ("dev", &v.dev),
        ("scope", &v.scope),
        ("label", &v.label),
        ("peer", &v.peer),
    ] {
        if let Some(val) = val {
            let _ = write!(o, " {k} {}", quote(val));
        }
    }
    if let Some(p) = v.preferred_lft {
        let _ = write!(o, " preferred_lft {p}");
    }
    for f in &v.flags {
        let _ = write!(o, " {f}");
    }
    o.push('\n');
}

fn tracked(
    o: &mut String,
    interfaces: &[TrackedInterface],
    scripts: &[TrackRef],
    files: &[TrackRef],
) {
    if !interfaces.is_empty() {
        o.push_str("    track_interface {\n");
        for t in interfaces {
            let _ = write!(o, "        {}", quote(&t.name));
            if t.weight != 0 || t.reverse {
                let _ = write!(o, " weight {}", t.weight);
            }
            if t.reverse {
                o.push_str(" reverse");
            }
            o.push('\n');
        }
        o.push_str("    }\n");
    }
    for (kw, refs) in [("track_script", scripts), ("track_file", files)] {
        if refs.is_empty() {
            continue;
        }
        let _ = writeln!(o, "    {kw} {{");
        for r in refs {
            let _ = write!(o, "        {}", quote(&r.name));
            if let Some(w) = r.weight {
                let _ = write!(o, " weight {w}");
            }
            o.push('\n');
        }
        o.push_str("    }\n");
    }
}

fn notify(o: &mut String, n: &NotifyConfig) {
    for (kw, v) in [
        ("notify_master", &n.master),
        ("notify_backup", &n.backup),
        ("notify_fault", &n.fault),
        ("notify_stop", &n.stop),
        ("notify", &n.generic),
        ("notify_master_rx_lower_pri", &n.master_rx_lower_pri),
    ] {
        if let Some(hook) = v {
            let _ = write!(o, "    {kw} {}", quote(&hook.command));
            if let Some(user) = &hook.user {
                for word in user.split_whitespace() {
                    let _ = write!(o, " {}", quote(word));
                }
            }
            o.push('\n');
        }
    }
}

pub(super) fn instance(o: &mut String, i: &VrrpInstance) {
    let _ = writeln!(o, "vrrp_instance {} {{", quote(&i.name));
    let state = match i.state {
        InitialState::Master => "MASTER",
        InitialState::Backup => "BACKUP",
    };
    let _ = writeln!(o, "    state {state}");
    let _ = writeln!(o, "    interface {}", quote(&i.interface));
    let _ = writeln!(o, "    virtual_router_id {}", i.vrid);
    let _ = writeln!(o, "    priority {}", i.priority);
    let _ = writeln!(
        o,
        "    version {}",
        if i.version == Version::V3 { 3 } else { 2 }
    );
    let _ = writeln!(o, "    advert_int {}", secs(i.advert_int));
    match i.preempt {
        Preempt::Enabled => {}
        Preempt::Disabled => o.push_str("    nopreempt\n"),
        Preempt::Delay(d) => {
            let _ = writeln!(o, "    preempt_delay {}", secs(d));
        }
    }
    if let Some(a) = &i.authentication {
        o.push_str("    authentication {\n");
        let _ = writeln!(
            o,
            "        auth_type {}",
            if a.auth_type == AuthType::Ah {
                "AH"
            } else {
                "PASS"
            }
        );
        if !a.password.is_empty() {
            let _ = writeln!(o, "        auth_pass {}", quote(&a.password));
        }
        o.push_str("    }\n");
    }
    for (kw, list) in [
        ("virtual_ipaddress", &i.virtual_ipaddress),
        ("virtual_ipaddress_excluded", &i.virtual_ipaddress_excluded),
    ] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(o, "    {kw} {{");
        for v in list {
            vip_line(o, v);
        }
        o.push_str("    }\n");
    }
    if let Some(a) = i.unicast_src_ip {
        let _ = writeln!(o, "    unicast_src_ip {a}");
    }
    if !i.unicast_peers.is_empty() {
        o.push_str("    unicast_peer {\n");
        for p in &i.unicast_peers {
            let _ = write!(o, "        {}", p.address);
            if let Some(t) = p.min_ttl {
                let _ = write!(o, " min_ttl {t}");
            }
            if let Some(t) = p.max_ttl {
                let _ = write!(o, " max_ttl {t}");
            }
            o.push('\n');
        }
        o.push_str("    }\n");
    }
    if let Some(a) = i.mcast_src_ip {
        let _ = writeln!(o, "    mcast_src_ip {a}");
    }
    let _ = writeln!(o, "    mcast_dst_ip {}", i.mcast_dst_ip);
    tracked(o, &i.track_interfaces, &i.track_scripts, &i.track_files);
    notify(o, &i.notify);
    let _ = writeln!(o, "    {}", if i.accept { "accept" } else { "no_accept" });
    let g = &i.garp;
    let _ = writeln!(
        o,
        "    garp_master_delay {}",
        g.master_delay.map(|d| d.as_secs()).unwrap_or(0)
    );
    let _ = writeln!(o, "    garp_master_repeat {}", g.master_repeat);
    let _ = writeln!(
        o,
        "    garp_master_refresh {}",
        g.master_refresh.map(|d| d.as_secs()).unwrap_or(0)
    );
    let _ = writeln!(
        o,
        "    garp_master_refresh_repeat {}",
        g.master_refresh_repeat
    );
    let _ = writeln!(o, "    garp_lower_prio_repeat {}", g.lower_prio_repeat);
    let _ = writeln!(
        o,
        "    garp_lower_prio_delay {}",
        g.lower_prio_delay.map(|d| d.as_secs()).unwrap_or(0)
    );
    let _ = writeln!(
        o,
        "    lower_prio_no_advert {}",
        onoff(i.lower_prio_no_advert)
    );
    let _ = writeln!(
        o,
        "    higher_prio_send_advert {}",
        onoff(i.higher_prio_send_advert)
    );
    if i.v3_checksum_as_v2 {
        o.push_str("    v3_checksum_as_v2\n");
    }
    let _ = writeln!(o, "    strict_mode {}", onoff(i.strict));
    let _ = writeln!(
        o,
        "    skip_check_adv_addr {}",
        onoff(i.skip_check_adv_addr)
    );
    let _ = writeln!(o, "    down_timer_adverts {}", i.down_timer_adverts);
    let _ = writeln!(o, "    check_unicast_src {}", onoff(i.check_unicast_src));
    if i.notify_priority_changes {
        o.push_str("    notify_priority_changes\n");
    }
    if i.dont_track_primary {
        o.push_str("    dont_track_primary\n");
    }
    if let Some(v) = &i.use_vmac {
        let mac: Vec<String> = v.mac.iter().map(|b| format!("{b:02x}")).collect();
        let _ = writeln!(o, "    use_vmac {} {}", quote(&v.name), mac.join(":"));
        if v.xmit_base {
            o.push_str("    vmac_xmit_base\n");
        }
    }
    o.push_str("}\n\n");
}

pub(super) fn sync_group(o: &mut String, g: &SyncGroupConfig) {
    let _ = writeln!(o, "vrrp_sync_group {} {{", quote(&g.name));
    o.push_str("    group {\n");
    for m in &g.members {
        let _ = writeln!(o, "        {}", quote(m));
    }
    o.push_str("    }\n");
    tracked(o, &g.track_interfaces, &g.track_scripts, &g.track_files);
    notify(o, &g.notify);
    if g.tracking_weight {
        o.push_str("    sync_group_tracking_weight\n");
    }
    o.push_str("}\n\n");
}
