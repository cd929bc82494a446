//! Cross-node pairs: one per finding kind, plus pairs that must produce no finding.

use super::parse_text;
use vrrplab_core::config::{FindingKind, findings};

/// A node config with the given extra lines inside the instance and the given priority line.
fn node(priority: u32, extra: &str) -> String {
    format!(
        "vrrp_instance VI_1 {{\n    state BACKUP\n    interface eth0\n    virtual_router_id 51\n    priority {priority}\n    advert_int 1\n{extra}    virtual_ipaddress {{\n        192.0.2.100/24\n    }}\n}}\n"
    )
}

const AUTH_1111: &str =
    "    authentication {\n        auth_type PASS\n        auth_pass 1111\n    }\n";

fn kinds(a: &str, b: &str) -> (Vec<FindingKind>, String) {
    let nodes = vec![parse_text("a.conf", a), parse_text("b.conf", b)];
    for n in &nodes {
        assert!(n.is_valid(), "{}", n.render_diagnostics());
    }
    let f = findings(&nodes);
    let text = f
        .iter()
        .map(|f| {
            let locs: Vec<String> = f
                .locations
                .iter()
                .map(|l| format!("{}:{}:{} {}", l.path, l.line, l.column, l.note))
                .collect();
            format!(
                "{} vrid {}: {}\n  {}",
                f.kind.as_str(),
                f.vrid,
                f.message,
                locs.join("\n  ")
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    (f.iter().map(|f| f.kind).collect(), text)
}

fn expect(name: &str, a: &str, b: &str, want: &[FindingKind]) {
    let (got, text) = kinds(a, b);
    assert_eq!(got, want, "{name}:\n{text}");
    if !want.is_empty() {
        insta::assert_snapshot!(name, text);
    }
}

#[test]
fn matching_pair_has_no_finding() {
    expect("clean", &node(100, AUTH_1111), &node(99, AUTH_1111), &[]);
}

#[test]
fn different_vrids_are_different_routers_and_have_no_finding() {
    let other = node(100, "")
        .replace("virtual_router_id 51", "virtual_router_id 52")
        .replace("192.0.2.100", "192.0.2.101");
    expect("different_vrid", &node(100, ""), &other, &[]);
}

#[test]
fn different_password_is_auth_mismatch() {
    expect(
        "auth_mismatch",
        &node(100, AUTH_1111),
        &node(99, &AUTH_1111.replace("1111", "2222")),
        &[FindingKind::AuthMismatch],
    );
}

#[test]
fn different_v2_interval_is_interval_mismatch() {
    let b = node(99, "").replace("advert_int 1", "advert_int 2");
    expect(
        "interval_mismatch",
        &node(100, ""),
        &b,
        &[FindingKind::IntervalMismatch],
    );
}

#[test]
fn v2_against_v3_is_version_mismatch() {
    expect(
        "version_mismatch",
        &node(100, ""),
        &node(99, "    version 3\n"),
        &[FindingKind::VersionMismatch],
    );
}

#[test]
fn overlapping_but_different_vips_are_vip_mismatch() {
    let b = node(99, "").replace(
        "192.0.2.100/24\n",
        "192.0.2.100/24\n        192.0.2.101/24\n",
    );
    expect(
        "vip_mismatch",
        &node(100, ""),
        &b,
        &[FindingKind::VipMismatch],
    );
}

#[test]
fn equal_priorities_are_duplicate_priority() {
    expect(
        "duplicate_priority",
        &node(100, ""),
        &node(100, ""),
        &[FindingKind::DuplicatePriority],
    );
}

#[test]
fn two_priority_255_nodes_are_both_owner() {
    let a = node(255, "").replace("BACKUP", "MASTER");
    expect("both_owner", &a, &a, &[FindingKind::BothOwner]);
}

#[test]
fn nopreempt_on_the_lower_priority_node_is_misplaced() {
    expect(
        "nopreempt_misplaced",
        &node(100, ""),
        &node(90, "    nopreempt\n"),
        &[FindingKind::NopreemptMisplaced],
    );
}

#[test]
fn nopreempt_on_the_higher_priority_node_is_fine() {
    expect(
        "nopreempt_placed",
        &node(100, "    nopreempt\n"),
        &node(90, ""),
        &[],
    );
}

#[test]
fn unicast_peers_that_do_not_list_each_other_are_not_mutual() {
    let a = node(
        100,
        "    unicast_src_ip 192.0.2.11\n    unicast_peer {\n        192.0.2.12\n    }\n",
    );
    let b = node(
        99,
        "    unicast_src_ip 192.0.2.12\n    unicast_peer {\n        192.0.2.13\n    }\n",
    );
    expect(
        "unicast_not_mutual",
        &a,
        &b,
        &[FindingKind::UnicastPeersNotMutual],
    );
}

#[test]
fn mutual_unicast_peers_have_no_finding() {
    let a = node(
        100,
        "    unicast_src_ip 192.0.2.11\n    unicast_peer {\n        192.0.2.12\n    }\n",
    );
    let b = node(
        99,
        "    unicast_src_ip 192.0.2.12\n    unicast_peer {\n        192.0.2.11\n    }\n",
    );
    expect("unicast_mutual", &a, &b, &[]);
}

#[test]
fn unicast_against_multicast_is_not_mutual() {
    let a = node(
        100,
        "    unicast_src_ip 192.0.2.11\n    unicast_peer {\n        192.0.2.12\n    }\n",
    );
    expect(
        "unicast_vs_multicast",
        &a,
        &node(99, ""),
        &[FindingKind::UnicastPeersNotMutual],
    );
}

#[test]
fn same_vrid_with_disjoint_vips_on_one_interface_is_vrid_reuse() {
    let b = node(99, "").replace("192.0.2.100", "198.51.100.7");
    expect("vrid_reuse", &node(100, ""), &b, &[FindingKind::VridReuse]);
}

#[test]
fn v3_ipv4_with_and_without_checksum_as_v2_is_checksum_convention_mismatch() {
    let v3 = "    version 3\n";
    expect(
        "checksum_convention_mismatch",
        &node(100, v3),
        &node(99, "    version 3\n    v3_checksum_as_v2\n"),
        &[FindingKind::ChecksumConventionMismatch],
    );
}

#[test]
fn v3_interval_mismatch_is_reported_as_logged_only() {
    let a = node(100, "    version 3\n");
    let b = a
        .replace("advert_int 1", "advert_int 0.5")
        .replace("priority 100", "priority 99");
    let (got, text) = kinds(&a, &b);
    assert_eq!(got, vec![FindingKind::IntervalMismatch]);
    assert!(text.contains("only logs"), "{text}");
}

#[test]
fn corpus_cluster_pairs_have_no_finding() {
    let corpus = |names: &[&str]| {
        let nodes: Vec<_> = names.iter().map(|n| super::parse_corpus(n)).collect();
        findings(&nodes)
            .into_iter()
            .map(|f| f.kind)
            .collect::<Vec<_>>()
    };
    assert!(corpus(&["v2-steady.h1.conf", "v2-steady.h2.conf"]).is_empty());
    assert!(corpus(&["configs/lvs-dr-master.conf", "configs/lvs-dr-backup.conf"]).is_empty());
    assert!(
        corpus(&[
            "configs/nginx-track-master.conf",
            "configs/nginx-track-backup.conf"
        ])
        .is_empty()
    );
    assert!(corpus(&["v3-ipv4.h1.conf", "v3-ipv4.h2.conf", "v3-ipv4.h3.conf"]).is_empty());
}
