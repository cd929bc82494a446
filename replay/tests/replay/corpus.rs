//! Every capture of `testdata/corpus` against the ground truth of MANIFEST.md: failover gaps
//! within ±2 ms of the measured values, the split-brain interval, the resignations. The whole
//! text report is pinned as an insta snapshot.

use std::path::{Path, PathBuf};
use vrrplab_core::wire::ChecksumConvention;
use vrrplab_replay::render::{conformance_text, explanation, render};
use vrrplab_replay::report::{AdvertChecksum, ResignOutcome};
use vrrplab_replay::{Finding, FindingDetail, FindingKind, Report, replay_reader};

/// The corpus of real keepalived captures and configs in this repository (`testdata/corpus`).
pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/corpus")
}

fn replay_corpus(name: &str) -> Report {
    let path = corpus_dir().join(format!("{name}.pcap"));
    let file = std::fs::File::open(&path).unwrap();
    let report = replay_reader(&format!("{name}.pcap"), file).unwrap();
    assert!(report.error.is_none(), "{name}: {:?}", report.error);
    report
}

const TOLERANCE_S: f64 = 0.002;

fn s(ns: u64) -> f64 {
    ns as f64 / 1e9
}

fn assert_near(actual: f64, expected: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= TOLERANCE_S,
        "{what}: {actual:.6} is not within ±2 ms of {expected:.6}"
    );
}

/// A failover's expected Master_Down_Interval, seconds.
fn mdi(f: &Finding) -> f64 {
    match &f.detail {
        FindingDetail::Failover(d) => d.expected_master_down_interval.as_secs_f64(),
        _ => panic!("{f:?}"),
    }
}

fn kinds(report: &Report, kind: FindingKind) -> Vec<&Finding> {
    report.of_kind(kind).collect()
}

/// Nothing in the corpus is invalid, mismatched, missing GARPs or flapping.
fn assert_clean(report: &Report) {
    for kind in [
        FindingKind::InvalidPacket,
        FindingKind::ParameterMismatch,
        FindingKind::MissingGarp,
        FindingKind::Flapping,
    ] {
        assert!(
            kinds(report, kind).is_empty(),
            "{}: unexpected {kind}: {:?}",
            report.file,
            kinds(report, kind)
        );
    }
}

fn assert_failovers(report: &Report, measured: &[(f64, f64)]) {
    let failovers = kinds(report, FindingKind::Failover);
    assert_eq!(
        failovers.len(),
        measured.len(),
        "{}: failovers {failovers:?}",
        report.file
    );
    for (f, (last_old, gap)) in failovers.iter().zip(measured) {
        assert_near(s(f.start_ns), *last_old, "old master's last advert");
        assert_near(s(f.end_ns - f.start_ns), *gap, "failover gap");
        let FindingDetail::Failover(d) = &f.detail else {
            panic!("{f:?}")
        };
        assert!((d.gap.as_secs_f64() - gap).abs() <= TOLERANCE_S, "{d:?}");
    }
}

fn assert_resigns(report: &Report, measured: &[(f64, Option<f64>)]) {
    let resigns = kinds(report, FindingKind::Resign);
    assert_eq!(
        resigns.len(),
        measured.len(),
        "{}: resigns {resigns:?}",
        report.file
    );
    for (f, (prio0, takeover)) in resigns.iter().zip(measured) {
        assert_near(s(f.start_ns), *prio0, "priority-0 advert");
        match takeover {
            Some(t) => assert_near(s(f.end_ns), *t, "takeover after resign"),
            None => assert!(
                matches!(
                    &f.detail,
                    FindingDetail::Resign(d) if !matches!(d.outcome, ResignOutcome::TakenOver(_))
                ),
                "{f:?}"
            ),
        }
    }
}

#[test]
fn v2_steady_has_one_master_and_the_final_resignations() {
    let report = replay_corpus("v2-steady");
    assert_clean(&report);
    assert!(kinds(&report, FindingKind::DualMaster).is_empty());
    assert!(kinds(&report, FindingKind::Failover).is_empty());
    assert_resigns(
        &report,
        &[
            (1795300224.699031, Some(1795300225.316197)),
            (1795300225.768561, None),
        ],
    );
    insta::assert_snapshot!(render(&report));
}

#[test]
fn v2_failover_preempt_reports_both_resignations_and_the_preemption() {
    let report = replay_corpus("v2-failover-preempt");
    assert_clean(&report);
    assert!(kinds(&report, FindingKind::DualMaster).is_empty());
    assert!(kinds(&report, FindingKind::Failover).is_empty());
    assert_resigns(
        &report,
        &[
            (1795300244.795789, Some(1795300245.412581)),
            (1795300263.019419, Some(1795300263.63481)),
            (1795300264.09414, None),
        ],
    );
    let preempt = report
        .timeline
        .iter()
        .find(|e| e.name() == "master" && e.text().starts_with("preempts"))
        .expect("h1's preemption in the timeline");
    assert_near(s(preempt.time_ns), 1795300256.531406, "preemption");
    insta::assert_snapshot!(render(&report));
}

#[test]
fn v2_kill_master_failovers_match_master_down_interval_measurements() {
    let report = replay_corpus("v2-kill-master");
    assert_clean(&report);
    assert!(kinds(&report, FindingKind::DualMaster).is_empty());
    assert_failovers(
        &report,
        &[
            (1795300281.808249, 3.618),
            (1795300295.104856, 3.614),
            (1795300308.281665, 3.614),
        ],
    );
    for f in kinds(&report, FindingKind::Failover) {
        assert_near(mdi(f), 3.613, "MDI");
    }
    assert_resigns(
        &report,
        &[
            (1795300321.943831, Some(1795300322.560207)),
            (1795300322.998884, None),
        ],
    );
    insta::assert_snapshot!(render(&report));
}

#[test]
fn split_brain_is_one_dual_master_interval_between_h2_first_and_last_advert() {
    let report = replay_corpus("split-brain");
    assert_clean(&report);
    let dual = kinds(&report, FindingKind::DualMaster);
    assert_eq!(dual.len(), 1, "{dual:?}");
    assert_near(s(dual[0].start_ns), 1795300881.994625, "split brain start");
    assert_near(s(dual[0].end_ns), 1795300892.007483, "split brain end");
    assert_eq!(
        dual[0].routers,
        vec![
            "192.0.2.11".parse::<std::net::IpAddr>().unwrap(),
            "192.0.2.12".parse().unwrap()
        ]
    );
    assert!(kinds(&report, FindingKind::Failover).is_empty());
    assert_resigns(
        &report,
        &[
            (1795300899.132444, Some(1795300899.748417)),
            (1795300900.16635, None),
        ],
    );
    insta::assert_snapshot!(render(&report));
}

#[test]
fn v3_ipv4_failovers_match_master_down_interval_and_resignations_chain() {
    let report = replay_corpus("v3-ipv4");
    assert_clean(&report);
    assert!(kinds(&report, FindingKind::DualMaster).is_empty());
    assert_failovers(
        &report,
        &[
            (1795300556.685846, 0.362),
            (1795300563.830278, 0.363),
            (1795300571.091068, 0.362),
        ],
    );
    for f in kinds(&report, FindingKind::Failover) {
        assert_near(mdi(f), 0.361, "MDI");
    }
    assert_resigns(
        &report,
        &[
            (1795300578.299185, Some(1795300578.366302)),
            (1795300579.342574, Some(1795300579.427845)),
            (1795300580.380788, None),
        ],
    );
    let checksum: Vec<_> = report.routers.iter().map(|r| r.checksum).collect();
    assert_eq!(
        checksum,
        vec![Some(AdvertChecksum::V3(ChecksumConvention::PseudoHeader)); 3]
    );
    insta::assert_snapshot!(render(&report));
}

#[test]
fn corpus_json_has_the_documented_top_level_keys_and_stable_kind_names() {
    let report = replay_corpus("split-brain");
    let json = serde_json::to_value(&report).unwrap();
    let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "file",
            "findings",
            "packets",
            "routers",
            "timeline",
            "vrrp_packets"
        ]
    );
    assert_eq!(json["packets"], 296);
    assert_eq!(json["vrrp_packets"], 39);
    let finding = &json["findings"][0];
    assert_eq!(finding["kind"], "dual-master");
    assert_eq!(finding["family"], "ipv4");
    assert_eq!(finding["vrid"], 51);
    assert_eq!(finding["start"].as_f64(), Some(1795300881.994625));
    assert_eq!(finding["end"].as_f64(), Some(1795300892.007483));
    assert_eq!(
        finding["routers"],
        serde_json::json!(["192.0.2.11", "192.0.2.12"])
    );
    insta::assert_snapshot!(serde_json::to_string_pretty(&json["findings"]).unwrap());
}

#[test]
fn conformance_core_configured_from_each_hosts_keepalived_conf_agrees_within_10_ms() {
    let cases = [
        ("v2-steady", &["192.0.2.11", "192.0.2.12"][..]),
        ("v2-failover-preempt", &["192.0.2.11", "192.0.2.12"][..]),
        ("v2-kill-master", &["192.0.2.11", "192.0.2.12"][..]),
        ("split-brain", &["192.0.2.11", "192.0.2.12"][..]),
        ("v3-ipv4", &["192.0.2.11", "192.0.2.12", "192.0.2.13"][..]),
    ];
    let mut summary = String::new();
    for (name, routers) in cases {
        let report = replay_corpus(name);
        for (n, router) in routers.iter().enumerate() {
            let file = std::fs::File::open(corpus_dir().join(format!("{name}.pcap"))).unwrap();
            let conf_path = corpus_dir().join(format!("{name}.h{}.conf", n + 1));
            let text = std::fs::read_to_string(&conf_path).unwrap();
            let parsed = vrrplab_core::config::parse_str(
                &conf_path.display().to_string(),
                &text,
                &vrrplab_core::config::ParseOptions::default(),
            );
            assert!(parsed.is_valid(), "{}", parsed.render_diagnostics());
            let node = parsed.model.to_node_config();
            let result = vrrplab_replay::conformance::conformance(
                file,
                &report,
                router.parse().unwrap(),
                Some(&node),
            )
            .unwrap();
            let notes: Vec<_> = result
                .notes
                .iter()
                .filter(|n| n.time_ns.is_none())
                .collect();
            assert!(
                notes.is_empty(),
                "{name} as {router}: config differs from the adverts: {notes:?}"
            );
            assert!(
                result.differences.is_empty(),
                "{name} as {router}: {:#?}",
                result.differences
            );
            assert!(
                result.agreements.len() >= 2,
                "{name} as {router}: {result:#?}"
            );
            for a in &result.agreements {
                assert!(
                    a.offset_ns().abs() <= 10_000_000,
                    "{name} as {router}: {a:?}"
                );
            }
            summary.push_str(&format!(
                "{name} as {router}: {} agree, {} explained; adverts core/router {}/{} ({} core timer adverts just before an answer), GARPs {}/{}: {}\n",
                result.agreements.len(),
                result.explained.len(),
                result.adverts.core,
                result.adverts.router,
                result.adverts.core_timer_before_answer,
                result.announcements.core,
                result.announcements.router,
                result
                    .explained
                    .iter()
                    .map(|e| explanation(e.why)
                        .split(':')
                        .next()
                        .unwrap()
                        .to_string())
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
        }
    }
    insta::assert_snapshot!(summary);
}

#[test]
fn split_brain_extra_core_adverts_are_all_timer_adverts_just_before_an_immediate_answer() {
    // During the split brain h1 answers each of h2's lower-priority adverts at once. The core
    // answers at the instant of receipt, so whenever h2's next advert comes a few ms late the
    // core's re-armed timer fires first: two adverts where keepalived (answering ~1 ms after
    // receipt) sent one. The conformance report accounts for every one of them.
    let report = replay_corpus("split-brain");
    let file = std::fs::File::open(corpus_dir().join("split-brain.pcap")).unwrap();
    let conf_path = corpus_dir().join("split-brain.h1.conf");
    let text = std::fs::read_to_string(&conf_path).unwrap();
    let parsed = vrrplab_core::config::parse_str(
        &conf_path.display().to_string(),
        &text,
        &vrrplab_core::config::ParseOptions::default(),
    );
    let node = parsed.model.to_node_config();
    let result = vrrplab_replay::conformance::conformance(
        file,
        &report,
        "192.0.2.11".parse().unwrap(),
        Some(&node),
    )
    .unwrap();
    let adverts = result.adverts;
    let (core, router, early) = (
        adverts.core,
        adverts.router,
        adverts.core_timer_before_answer,
    );
    assert!(core > router, "{adverts:?}");
    assert_eq!(core - early, router, "{adverts:?}");
    let text = conformance_text(&result);
    assert!(
        text.contains(&format!("differ by {early}: periodic adverts")),
        "{text}"
    );
}

#[test]
fn streamed_json_equals_the_json_value_for_every_capture() {
    for name in [
        "v2-steady",
        "v2-failover-preempt",
        "v2-kill-master",
        "split-brain",
        "v3-ipv4",
    ] {
        let report = replay_corpus(name);
        let mut bytes = Vec::new();
        report.write_json(&mut bytes).unwrap();
        let streamed: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(streamed, serde_json::to_value(&report).unwrap(), "{name}");
    }
}
