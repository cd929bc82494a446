//! One broken configuration per error class, with the rendered diagnostics pinned.

use super::parse_text;
use vrrplab_core::config::{self, MemoryLoader, ParseOptions, Severity};

const BASE: &str = "vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n    priority 100\n    virtual_ipaddress {\n        192.0.2.100/24\n    }\n";

fn with(extra: &str) -> String {
    format!("{BASE}{extra}}}\n")
}

fn case(name: &str, text: &str, expect_valid: bool) {
    let p = parse_text("broken.conf", text);
    assert_eq!(
        p.is_valid(),
        expect_valid,
        "{name}:\n{}",
        p.render_diagnostics()
    );
    assert!(!p.diagnostics.items.is_empty(), "{name}: no diagnostic");
    insta::assert_snapshot!(name, p.render_diagnostics());
}

#[test]
fn extra_closing_brace_is_an_error_at_the_brace() {
    case("extra_brace", &format!("{}}}\n", with("")), false);
}

#[test]
fn unclosed_block_is_an_error_at_its_opening_brace() {
    case("unclosed_block", BASE, false);
}

#[test]
fn missing_virtual_router_id_is_an_error() {
    case(
        "missing_vrid",
        "vrrp_instance VI_1 {\n    interface eth0\n    virtual_ipaddress {\n        192.0.2.100\n    }\n}\n",
        false,
    );
}

#[test]
fn out_of_range_values_report_the_range() {
    case(
        "out_of_range",
        "vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 256\n    priority 0\n    advert_int 300\n    virtual_ipaddress {\n        192.0.2.100\n    }\n}\n",
        false,
    );
}

#[test]
fn words_where_numbers_belong_are_errors() {
    case(
        "not_a_number",
        &with("    advert_int fast\n    garp_master_repeat many\n"),
        false,
    );
}

#[test]
fn mixed_address_families_in_virtual_ipaddress_are_an_error() {
    case(
        "mixed_family",
        &with("    virtual_ipaddress {\n        2001:db8::1/64\n    }\n"),
        false,
    );
}

#[test]
fn bad_addresses_and_prefixes_are_errors() {
    case(
        "bad_address",
        &with(
            "    virtual_ipaddress {\n        192.0.2.300/24\n        192.0.2.5/33\n        192.0.2.6 frobnicate\n    }\n    unicast_src_ip localhost\n",
        ),
        false,
    );
}

#[test]
fn unknown_keyword_is_an_error_that_suggests_the_closest_one() {
    // keepalived 2.2.7 -t: "Unknown keyword 'prority'", exit status 5.
    case(
        "unknown_keyword",
        &with("    prority 150\n    advert_intt 1\n    frobnicate\n"),
        false,
    );
}

#[test]
fn recognised_unsupported_directives_are_warnings_that_name_them() {
    case(
        "unsupported",
        &with("    use_ipvlan\n    track_process {\n        nginx\n    }\n"),
        true,
    );
}

#[test]
fn deprecated_aliases_are_applied_and_nb_get_retry_is_refused_like_keepalived() {
    // keepalived 2.2.7 -t accepts lb_algo / lb_kind silently and fails on `nb_get_retry`
    // ("is deprecated - please use 'retry'", exit status 5) although it applies it.
    let text = "virtual_server 192.0.2.100 80 {\n    lb_algo rr\n    lb_kind NAT\n    real_server 192.0.2.21 80 {\n        HTTP_GET {\n            url {\n                path /\n            }\n            nb_get_retry 2\n        }\n    }\n}\n";
    let p = parse_text("alias.conf", text);
    assert!(!p.is_valid());
    assert_eq!(p.diagnostics.of(Severity::Note).count(), 2);
    assert_eq!(p.diagnostics.of(Severity::Error).count(), 1);
    let vs = &p.model.virtual_servers[0];
    assert_eq!(vs.lvs_sched.as_deref(), Some("rr"));
    let vrrplab_core::config::model::Checker::Http(t) = &vs.real_servers[0].checkers[0] else {
        panic!("expected HTTP_GET");
    };
    assert_eq!(t.common.retry, Some(2));
    insta::assert_snapshot!("aliases", p.render_diagnostics());
}

#[test]
fn unterminated_quote_is_an_error() {
    case(
        "unterminated_quote",
        &with("    notify_master \"/bin/echo master\n"),
        false,
    );
}

#[test]
fn include_cycle_is_an_error_and_missing_include_a_warning() {
    let loader = MemoryLoader::new()
        .with(
            "/etc/k/keepalived.conf",
            "include conf.d/*.conf\ninclude missing.conf\n",
        )
        .with("/etc/k/conf.d/a.conf", "include ../keepalived.conf\n");
    let p = config::parse("/etc/k/keepalived.conf", &loader, &ParseOptions::default());
    assert!(!p.is_valid());
    insta::assert_snapshot!("include_cycle", p.render_diagnostics());
}

#[test]
fn sync_group_with_unknown_member_is_a_warning_because_keepalived_drops_it_and_runs() {
    case(
        "sync_group_unknown_member",
        &format!(
            "{}vrrp_sync_group G {{\n    group {{\n        VI_1\n        VI_9\n    }}\n}}\n",
            with("")
        ),
        true,
    );
}

#[test]
fn duplicate_vrid_on_one_interface_is_an_error() {
    let second = with("")
        .replace("VI_1", "VI_2")
        .replace("192.0.2.100", "192.0.2.101");
    case("duplicate_vrid", &format!("{}{second}", with("")), false);
}

#[test]
fn keepalived_inference_changes_are_errors_like_keepalived_t() {
    // keepalived 2.2.7 -t exits 5 on each: it clears nopreempt with state MASTER, rounds a
    // VRRPv3 interval to centiseconds and a VRRPv2 one to seconds (testdata/configs).
    case(
        "inference_warnings",
        "global_defs {\n    vrrp_version 3\n}\nvrrp_instance VI_1 {\n    state MASTER\n    nopreempt\n    interface eth0\n    virtual_router_id 51\n    priority 100\n    advert_int 0.333\n    authentication {\n        auth_type PASS\n        auth_pass 123456789\n    }\n    virtual_ipaddress {\n        192.0.2.100\n    }\n}\nvrrp_instance VI_2 {\n    interface eth0\n    virtual_router_id 52\n    version 2\n    advert_int 1.6\n    virtual_ipaddress {\n        192.0.2.101\n    }\n}\n",
        false,
    );
}

#[test]
fn strict_mode_rejects_authentication_and_preempt_delay_and_warns_about_unicast() {
    case(
        "strict_mode",
        &format!(
            "global_defs {{\n    vrrp_strict\n}}\n{}",
            with(
                "    authentication {\n        auth_type PASS\n        auth_pass x\n    }\n    unicast_peer {\n        192.0.2.12\n    }\n    preempt_delay 5\n"
            )
        ),
        false,
    );
}

#[test]
fn state_and_priority_are_inferred_like_keepalived() {
    let p = parse_text(
        "infer.conf",
        "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n state MASTER\n}\nvrrp_instance B {\n interface eth0\n virtual_router_id 2\n priority 255\n}\nvrrp_instance C {\n interface eth0\n virtual_router_id 3\n}\n",
    );
    use vrrplab_core::config::model::InitialState::*;
    let got: Vec<_> = p
        .model
        .instances
        .iter()
        .map(|i| (i.state, i.priority, i.accept))
        .collect();
    assert_eq!(
        got,
        vec![
            (Master, 255, true),
            (Master, 255, true),
            (Backup, 100, true)
        ]
    );
}

#[test]
fn config_id_selects_conditional_lines() {
    let text = "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n @h1 priority 150\n @^h1 priority 50\n virtual_ipaddress {\n  192.0.2.100\n }\n}\n";
    let prio = |id: Option<&str>| {
        let opts = ParseOptions {
            config_id: id.map(str::to_string),
        };
        config::parse_str("c.conf", text, &opts).model.instances[0].priority
    };
    assert_eq!(prio(Some("h1")), 150);
    assert_eq!(prio(Some("h2")), 50);
    assert_eq!(prio(None), 50);
}

#[test]
fn track_file_init_file_is_a_recognised_unsupported_warning_not_dropped() {
    let p = parse_text(
        "broken.conf",
        "vrrp_track_file tf {\n    file /run/tf\n    init_file 0 overwrite\n}\n",
    );
    assert!(p.is_valid(), "{}", p.render_diagnostics());
    let warnings: Vec<&str> = p
        .diagnostics
        .of(Severity::Warning)
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(warnings, vec!["recognised, not supported: init_file"]);
}

#[test]
fn nb_get_retry_is_an_error_in_every_checker_like_keepalived_t() {
    // keepalived 2.2.7 (`keepalived -t`): "Unknown keyword 'nb_get_retry'" in TCP_CHECK and
    // MISC_CHECK, "nb_get_retry is deprecated - please use 'retry'" in HTTP_GET / SSL_GET.
    let p = parse_text(
        "broken.conf",
        "virtual_server 192.0.2.100 80 {\n    real_server 192.0.2.21 80 {\n        TCP_CHECK {\n            nb_get_retry 3\n        }\n        HTTP_GET {\n            url {\n                path /\n            }\n            nb_get_retry 2\n        }\n    }\n}\n",
    );
    assert!(!p.is_valid(), "{}", p.render_diagnostics());
    let at = |s: Severity| -> Vec<u32> {
        p.diagnostics
            .of(s)
            .filter_map(|d| d.span.map(|sp| sp.line))
            .collect()
    };
    assert_eq!(at(Severity::Error), vec![4, 10]);
    let rs = &p.model.virtual_servers[0].real_servers[0];
    let retries: Vec<Option<u32>> = rs
        .checkers
        .iter()
        .map(|c| match c {
            vrrplab_core::config::model::Checker::Tcp(t) => t.common.retry,
            vrrplab_core::config::model::Checker::Http(h) => h.common.retry,
            _ => None,
        })
        .collect();
    assert_eq!(retries, vec![Some(3), Some(2)], "vrrplab applies both");
}
