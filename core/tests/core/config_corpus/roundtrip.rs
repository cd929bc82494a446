//! Property: printing a parsed model back as keepalived.conf and parsing it again gives the same
//! model. Configurations are generated as text from random choices, so they exercise the
//! inference (state/priority, version, advert_int rounding, strict mode, GARP inheritance).

use super::parse_text;
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, RngSeed};

#[derive(Debug, Clone)]
struct Inst {
    v6: bool,
    state: u8,
    priority: Option<u8>,
    advert: &'static str,
    preempt: u8,
    auth: Option<&'static str>,
    vips: Vec<(u8, u8, u8)>,
    unicast: bool,
    accept: u8,
    garp_delay: Option<u8>,
    checksum_as_v2: bool,
    track: Option<i16>,
    notify: bool,
    version: Option<u8>,
}

fn inst() -> impl Strategy<Value = Inst> {
    (
        (
            any::<bool>(),
            0u8..3,
            prop::option::of(1u8..=255),
            prop::sample::select(vec!["1", "2", "0.5", "1.7", "0.01", "3"]),
            0u8..3,
        ),
        (
            prop::option::of(prop::sample::select(vec![
                "1111",
                "s3cret",
                "x y",
                "longpassword",
            ])),
            prop::collection::vec((1u8..250, 0u8..3, 0u8..4), 1..4),
        ),
        (
            any::<bool>(),
            0u8..3,
            prop::option::of(0u8..10),
            any::<bool>(),
            prop::option::of(-50i16..50),
            any::<bool>(),
            prop::option::of(2u8..4),
        ),
    )
        .prop_map(
            |(
                (v6, state, priority, advert, preempt),
                (auth, vips),
                (unicast, accept, garp_delay, checksum_as_v2, track, notify, version),
            )| Inst {
                v6,
                state,
                priority,
                advert,
                preempt,
                auth,
                vips,
                unicast,
                accept,
                garp_delay,
                checksum_as_v2,
                track,
                notify,
                version,
            },
        )
}

/// Real-time scheduling of the VRRP side: `vrrp_rt_priority`, and `vrrp_rlimit_rttime` (µs).
type Rt = Option<(u8, Option<u32>)>;

fn text(
    strict: bool,
    v3: bool,
    garp_interval: Option<u8>,
    rt: Rt,
    insts: &[Inst],
    lvs: bool,
) -> String {
    let mut s = String::from("global_defs {\n    router_id R1\n");
    if let Some((priority, rttime)) = rt {
        s.push_str(&format!("    vrrp_rt_priority {priority}\n"));
        if let Some(t) = rttime {
            s.push_str(&format!("    vrrp_rlimit_rttime {t}\n"));
        }
    }
    if v3 {
        s.push_str("    vrrp_version 3\n");
    }
    if strict {
        s.push_str("    vrrp_strict\n");
    }
    if let Some(g) = garp_interval {
        s.push_str(&format!("    vrrp_garp_interval 0.00{}\n", g + 1));
    }
    s.push_str("}\nvrrp_script chk {\n    script \"/bin/check 'a b'\"\n    interval 2\n    weight -20 reverse\n    fall 2\n}\n");
    for (n, i) in insts.iter().enumerate() {
        s.push_str(&format!(
            "vrrp_instance VI_{n} {{\n    interface eth{}\n    virtual_router_id {}\n",
            n % 2,
            n + 1
        ));
        match i.state {
            1 => s.push_str("    state MASTER\n"),
            2 => s.push_str("    state BACKUP\n"),
            _ => {}
        }
        if let Some(p) = i.priority {
            s.push_str(&format!("    priority {p}\n"));
        }
        if let Some(v) = i.version {
            s.push_str(&format!("    version {v}\n"));
        }
        s.push_str(&format!("    advert_int {}\n", i.advert));
        match (i.preempt, strict) {
            (1, _) => s.push_str("    nopreempt\n"),
            (2, false) => s.push_str("    preempt_delay 7.5\n"),
            _ => {}
        }
        if let (Some(a), false) = (i.auth, strict) {
            s.push_str(&format!(
                "    authentication {{\n        auth_type PASS\n        auth_pass \"{a}\"\n    }}\n"
            ));
        }
        s.push_str("    virtual_ipaddress {\n");
        for (k, (host, len, opt)) in i.vips.iter().enumerate() {
            let addr = if i.v6 {
                format!("2001:db8::{:x}{k}", host)
            } else {
                format!("192.0.{k}.{host}")
            };
            let len = match len {
                0 => String::new(),
                1 => {
                    if i.v6 {
                        "/64".into()
                    } else {
                        "/24".into()
                    }
                }
                _ => {
                    if i.v6 {
                        "/128".into()
                    } else {
                        "/32".into()
                    }
                }
            };
            let opt = match opt {
                1 => " dev eth1 label eth1:1",
                2 => " scope global no_track",
                3 if !i.v6 => " brd 192.0.2.255",
                _ => "",
            };
            s.push_str(&format!("        {addr}{len}{opt}\n"));
        }
        s.push_str("    }\n");
        if i.unicast && !strict {
            if i.v6 {
                s.push_str("    unicast_src_ip 2001:db8::11\n    unicast_peer {\n        2001:db8::12 min_ttl 250\n    }\n");
            } else {
                s.push_str("    unicast_src_ip 192.0.2.11\n    unicast_peer {\n        192.0.2.12 max_ttl 255\n        192.0.2.13\n    }\n");
            }
        }
        match i.accept {
            1 => s.push_str("    accept\n"),
            2 => s.push_str("    no_accept\n"),
            _ => {}
        }
        if let Some(d) = i.garp_delay {
            s.push_str(&format!(
                "    garp_master_delay {d}\n    garp_master_repeat 3\n"
            ));
        }
        if i.checksum_as_v2 {
            s.push_str("    v3_checksum_as_v2\n");
        }
        if let Some(w) = i.track {
            s.push_str(&format!("    track_interface {{\n        eth9 weight {w}\n    }}\n    track_script {{\n        chk weight {w}\n    }}\n"));
        }
        if i.notify {
            s.push_str("    notify_master \"/opt/notify.sh master $1\"\n    notify /bin/notify\n");
        }
        s.push_str("}\n");
    }
    if insts.len() >= 2 {
        s.push_str("vrrp_sync_group G1 {\n    group {\n        VI_0\n        VI_1\n    }\n    notify_fault \"/bin/fault x\"\n}\n");
    }
    if lvs {
        s.push_str("SSL {\n    password \"pass phrase\"\n    ca /etc/keepalived/ca.pem\n    certificate /etc/keepalived/client.pem\n    key /etc/keepalived/client.key\n}\n");
        s.push_str("virtual_server 192.0.2.100 443 {\n    delay_loop 6\n    lvs_sched wrr\n    lvs_method DR\n    persistence_timeout 300\n    protocol TCP\n    sorry_server 192.0.2.30 443\n    real_server 192.0.2.21 443 {\n        weight 2\n        SSL_GET {\n            url {\n                path /health\n                status_code 200-299 301\n            }\n            connect_timeout 2.5\n            retry 3\n            delay_before_retry 1\n        }\n        MISC_CHECK {\n            misc_path \"/bin/check 192.0.2.21\"\n            misc_dynamic\n        }\n    }\n    real_server 192.0.2.22 443 {\n        HTTP_GET {\n            url {\n                path /\n                digest 9b3a0c85a887a256d6939da88aabd8cd\n            }\n            http_protocol 1.1\n        }\n        TCP_CHECK {\n            connect_port 443\n        }\n    }\n}\n");
    }
    s
}

proptest! {
    #![proptest_config(Config {
        cases: 128,
        rng_seed: RngSeed::Fixed(0x6b65_6570),
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        ..Config::default()
    })]
    #[test]
    fn printing_a_parsed_model_and_parsing_it_again_gives_the_same_model(
        strict in any::<bool>(),
        v3 in any::<bool>(),
        garp_interval in prop::option::of(0u8..9),
        rt in prop::option::of((1u8..=99, prop::option::of(1u32..=u32::MAX))),
        insts in prop::collection::vec(inst(), 1..5),
        lvs in any::<bool>(),
    ) {
        let original = text(strict, v3, garp_interval, rt, &insts, lvs);
        let first = parse_text("gen.conf", &original);
        // Generated configs may be legitimately invalid (e.g. strict + accept with v2); the
        // property is about the model of valid ones.
        prop_assume!(first.is_valid());
        let printed = first.model.to_keepalived_conf();
        let second = parse_text("printed.conf", &printed);
        prop_assert!(second.is_valid(), "printed config invalid:\n{}\n{}", printed, second.render_diagnostics());
        prop_assert_eq!(&second.model, &first.model, "printed:\n{}", printed);
    }
}

#[test]
fn generated_configs_are_mostly_valid_so_the_property_is_not_vacuous() {
    let i = Inst {
        v6: false,
        state: 1,
        priority: None,
        advert: "2",
        preempt: 0,
        auth: Some("longpassword"),
        vips: vec![(10, 1, 1)],
        unicast: true,
        accept: 0,
        garp_delay: Some(0),
        checksum_as_v2: false,
        track: Some(-10),
        notify: true,
        version: None,
    };
    let p = parse_text(
        "one.conf",
        &text(
            false,
            false,
            Some(1),
            Some((50, None)),
            &[i.clone(), i],
            true,
        ),
    );
    assert!(p.is_valid(), "{}", p.render_diagnostics());
    assert_eq!(p.model.instances.len(), 2);
    let again = parse_text("again.conf", &p.model.to_keepalived_conf());
    assert_eq!(again.model, p.model);
}

proptest! {
    #![proptest_config(Config {
        cases: 512,
        rng_seed: RngSeed::Fixed(0x6e6f_7061),
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        ..Config::default()
    })]
    #[test]
    fn arbitrary_text_never_panics_and_errors_have_locations(
        pieces in prop::collection::vec(prop::sample::select(vec![
            "vrrp_instance", "VI", "{", "}", "\n", " ", "\"", "'", "\\", "#", "!", "$X=", "${X}", "$X",
            "@h1 ", "@^h1 ", "~SEQ(i,1,3) ", "~LST(i,a,b) ", "~SEQ(i,-9223372036854775808,9223372036854775807)",
            "virtual_router_id", "255", "256", "-1", "0.5", "priority", "state", "MASTER",
            "virtual_ipaddress", "192.0.2.1/24", "2001:db8::1/200", "include", "x.conf", "*.conf",
            "authentication", "auth_type", "PASS", "auth_pass", "unicast_peer", "virtual_server",
            "real_server", "TCP_CHECK", "HTTP_GET", "url", "status_code", "600-100", "global_defs",
            "vrrp_sync_group", "group", "track_script", "weight", "é", "\t",
        ]), 0..80),
    ) {
        let text: String = pieces.concat();
        let p = parse_text("fuzz.conf", &text);
        for d in &p.diagnostics.items {
            prop_assert!(d.span.is_some(), "diagnostic without location: {:?}", d);
            let _ = d.render(&p.sources);
        }
        let _ = p.model.to_node_config();
        let _ = p.model.to_keepalived_conf();
    }
}
