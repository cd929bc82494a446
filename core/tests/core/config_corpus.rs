//! keepalived.conf parsing against the shared corpus, broken configs (one per error class),
//! cross-node pairs, and the print → parse round trip.

mod broken;
mod cross;
mod roundtrip;

use std::path::{Path, PathBuf};
use vrrplab_core::config::{self, MemoryLoader, ParseOptions, Parsed};

/// The corpus of real keepalived captures and configs in this repository (`testdata/corpus`).
pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/corpus")
}

/// Corpus configs as paths relative to the corpus directory, sorted.
pub fn corpus_configs() -> Vec<String> {
    let dir = corpus_dir();
    let mut out = Vec::new();
    for sub in ["", "configs/"] {
        let listing = std::fs::read_dir(dir.join(sub)).expect("corpus directory readable");
        for e in listing {
            let name = e
                .expect("dir entry")
                .file_name()
                .into_string()
                .expect("utf-8 name");
            if name.ends_with(".conf") {
                out.push(format!("{sub}{name}"));
            }
        }
    }
    out.sort();
    out
}

/// Parses a corpus config under its relative path (so snapshots don't depend on the machine).
pub fn parse_corpus(rel: &str) -> Parsed {
    let text = std::fs::read_to_string(corpus_dir().join(rel)).expect("corpus file readable");
    config::parse(
        rel,
        &MemoryLoader::new().with(rel, &text),
        &ParseOptions::default(),
    )
}

/// Parses inline text as `name`.
pub fn parse_text(name: &str, text: &str) -> Parsed {
    config::parse_str(name, text, &ParseOptions::default())
}

/// A compact summary of what keepalived would run, for snapshots.
pub fn summary(p: &Parsed) -> String {
    let mut s = String::new();
    for i in &p.model.instances {
        s.push_str(&format!(
            "instance {} vrid {} {:?} {} {:?} prio {} advert {:?} preempt {:?} auth {:?} vips {:?} accept {} peers {:?}\n",
            i.name,
            i.vrid,
            i.family,
            i.version,
            i.state,
            i.priority,
            i.advert_int,
            i.preempt,
            i.authentication.as_ref().map(|a| (a.auth_type, a.password.clone())),
            i.virtual_ipaddress.iter().map(|v| format!("{}/{}", v.address, v.prefix_len)).collect::<Vec<_>>(),
            i.accept,
            i.unicast_peers.iter().map(|p| p.address).collect::<Vec<_>>(),
        ));
    }
    for sc in &p.model.scripts {
        s.push_str(&format!(
            "script {} {:?} every {:?} weight {} rise {} fall {}\n",
            sc.name, sc.script, sc.interval, sc.weight, sc.rise, sc.fall
        ));
    }
    for v in &p.model.virtual_servers {
        s.push_str(&format!(
            "virtual_server {:?} sched {:?} method {:?} real servers {}\n",
            v.address,
            v.lvs_sched,
            v.lvs_method,
            v.real_servers.len()
        ));
    }
    s
}

/// Rendered diagnostics plus the summary.
pub fn report(p: &Parsed) -> String {
    format!(
        "valid: {}\n{}\n--- diagnostics ---\n{}",
        p.is_valid(),
        summary(p),
        p.render_diagnostics()
    )
}

#[test]
fn every_corpus_config_parses_and_its_check_output_is_pinned() {
    let configs = corpus_configs();
    assert!(configs.len() >= 17, "corpus has {} configs", configs.len());
    for rel in configs {
        let p = parse_corpus(&rel);
        assert!(!p.model.instances.is_empty(), "{rel}: no instance parsed");
        let name = rel.replace(['/', '.'], "_");
        insta::assert_snapshot!(name, report(&p));
    }
}

#[test]
fn tutorial_lvs_configs_are_invalid_for_the_same_lines_keepalived_rejects() {
    // keepalived 2.2.7 `-t`: lines 11, 12 (vrrp_garp_interval / vrrp_gna_interval 0),
    // 38 (persistence_timeout 0), 46 and 55 ("Unknown keyword 'nb_get_retry'" in TCP_CHECK).
    for rel in ["configs/lvs-dr-master.conf", "configs/lvs-dr-backup.conf"] {
        let p = parse_corpus(rel);
        assert!(!p.is_valid());
        let lines: Vec<u32> = p
            .diagnostics
            .of(config::Severity::Error)
            .filter_map(|d| d.span.map(|s| s.line))
            .collect();
        assert_eq!(lines, vec![11, 12, 38, 46, 55], "{rel}");
    }
}

#[test]
fn steady_state_master_converts_into_the_cores_instance_config() {
    let p = parse_corpus("v2-steady.h1.conf");
    let node = p.model.to_node_config();
    assert_eq!(node.router_id, "h1");
    let i = &node.instances[0];
    assert_eq!((i.vrid, i.priority, i.initial_master), (51, 100, true));
    assert_eq!(i.advert_interval, std::time::Duration::from_secs(1));
    assert_eq!(
        i.authentication,
        vrrplab_core::wire::Authentication::SimplePassword(*b"1111\0\0\0\0")
    );
    assert_eq!(i.virtual_addresses[0].prefix_len, 24);
    assert_eq!(
        i.multicast_group,
        "224.0.0.18".parse::<std::net::IpAddr>().expect("ip")
    );
    assert!(node.interfaces.is_empty());
}

#[test]
fn preempt_delay_v3_ipv6_keeps_its_delay_and_half_second_interval() {
    let p = parse_corpus("configs/preempt-delay-v3.conf");
    let i = &p.model.instances[0];
    assert_eq!(i.version, vrrplab_core::wire::Version::V3);
    assert_eq!(i.advert_int, std::time::Duration::from_millis(500));
    assert_eq!(
        i.preempt,
        vrrplab_core::vrrp::Preempt::Delay(std::time::Duration::from_secs(60))
    );
    assert_eq!(
        i.mcast_dst_ip,
        "ff02::12".parse::<std::net::IpAddr>().expect("ip")
    );
}
