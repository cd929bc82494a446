//! The incremental engine (`vrrplab watch`) against the batch one (`vrrplab replay`): fed the
//! corpus frame by frame, its `finding` notices are the batch findings, nothing is revised at
//! the end, a split brain is opened and closed while the capture goes on, and garbage frames
//! are counted, never fatal.

use super::corpus::corpus_dir;
use super::util::*;
use pcap_file::DataLink;
use proptest::prelude::*;
use serde_json::Value;
use vrrplab_replay::live::{FrameSource, Notice, NoticeKind, Watcher};
use vrrplab_replay::{CaptureReader, FindingKind, LinkType, Report, replay_reader};

const CORPUS: [&str; 5] = [
    "split-brain",
    "v2-failover-preempt",
    "v2-kill-master",
    "v2-steady",
    "v3-ipv4",
];

/// How the clock is driven while frames are fed.
#[derive(Clone, Copy, Debug)]
enum Clock {
    /// Frames only.
    Frames,
    /// A timeout at every frame's time, as a live loop polling the clock does.
    Ticking,
}

/// Every notice of a whole watch of `bytes`, the final report and how much was forgotten.
fn watch_forgetting(name: &str, bytes: &[u8], clock: Clock) -> (Vec<Notice>, Report, u64) {
    let mut reader = CaptureReader::new(bytes).unwrap();
    let mut w = Watcher::new(name);
    let mut notices = Vec::new();
    while let Some(frame) = FrameSource::next_frame(&mut reader).unwrap() {
        if let Clock::Ticking = clock {
            w.handle_timeout(frame.time_ns);
        }
        w.handle_frame(&frame.as_frame());
        notices.extend(std::iter::from_fn(|| w.poll_notice()));
    }
    let report = w.finish(None);
    notices.extend(std::iter::from_fn(|| w.poll_notice()));
    (notices, report, w.forgotten_before())
}

/// Every notice of a whole watch of `bytes` and the final report.
fn watch(name: &str, bytes: &[u8], clock: Clock) -> (Vec<Notice>, Report) {
    let (notices, report, _) = watch_forgetting(name, bytes, clock);
    (notices, report)
}

fn sorted(mut v: Vec<Value>) -> Vec<Value> {
    v.sort_by_key(|f| f.to_string());
    v
}

fn corpus(name: &str) -> Vec<u8> {
    std::fs::read(corpus_dir().join(format!("{name}.pcap"))).unwrap()
}

/// A finding as JSON (what `--json` prints for it).
fn finding_json(f: &vrrplab_replay::Finding) -> serde_json::Value {
    serde_json::to_value(f).unwrap()
}

#[test]
fn corpus_watched_frame_by_frame_gives_the_batch_findings_and_revises_none() {
    for name in CORPUS {
        let bytes = corpus(name);
        let batch = replay_reader(name, &bytes[..]).unwrap();
        let expected = sorted(batch.findings.iter().map(finding_json).collect());
        for clock in [Clock::Frames, Clock::Ticking] {
            let (notices, _, forgotten) = watch_forgetting(name, &bytes, clock);
            // keep = 37 advert intervals: the 0.1 s capture and the 47 s one forget their start
            if matches!(name, "v3-ipv4" | "v2-kill-master") {
                assert!(
                    forgotten > batch.first_ns.unwrap(),
                    "{name} {clock:?}: nothing forgotten"
                );
            }
            let revised: Vec<&Notice> = notices
                .iter()
                .filter(|n| n.kind == NoticeKind::Revised)
                .collect();
            assert!(revised.is_empty(), "{name} {clock:?}: revised {revised:#?}");
            let given = sorted(
                notices
                    .iter()
                    .filter(|n| n.kind == NoticeKind::Finding)
                    .map(|n| finding_json(&n.finding))
                    .collect(),
            );
            assert_eq!(given, expected, "{name} {clock:?}");
        }
    }
}

#[test]
fn corpus_findings_are_given_before_the_end_when_the_capture_settles_after_them() {
    // v2-kill-master: three failovers, each followed by more than Master_Down_Interval of
    // adverts; each is final (given) before the capture ends, not only by `finish`.
    let bytes = corpus("v2-kill-master");
    let mut reader = CaptureReader::new(&bytes[..]).unwrap();
    let mut w = Watcher::new("v2-kill-master");
    let mut live = Vec::new();
    while let Some(frame) = FrameSource::next_frame(&mut reader).unwrap() {
        w.handle_frame(&frame.as_frame());
        live.extend(std::iter::from_fn(|| w.poll_notice()));
    }
    let failovers = live
        .iter()
        .filter(|n| n.kind == NoticeKind::Finding && n.finding.kind() == FindingKind::Failover)
        .count();
    assert_eq!(failovers, 3, "{live:#?}");
    for n in live.iter().filter(|n| n.kind == NoticeKind::Finding) {
        assert!(n.at_ns >= n.finding.end_ns, "given before its end: {n:#?}");
    }
    assert_eq!(w.status().counters.failovers, 3);
}

#[test]
fn split_brain_is_opened_then_closed_while_the_capture_goes_on() {
    let bytes = corpus("split-brain");
    let (notices, report) = watch("split-brain", &bytes, Clock::Frames);
    let dual: Vec<&Notice> = notices
        .iter()
        .filter(|n| n.finding.kind() == FindingKind::DualMaster)
        .collect();
    let kinds: Vec<NoticeKind> = dual.iter().map(|n| n.kind).collect();
    assert_eq!(
        kinds,
        [NoticeKind::Opened, NoticeKind::Closed, NoticeKind::Finding],
        "{dual:#?}"
    );
    let (opened, closed) = (dual[0], dual[1]);
    let last = report.last_ns.unwrap();
    // opened once it lasted one advert interval (1 s), closed once h2 missed 4 of them
    assert!(opened.at_ns >= opened.finding.start_ns + S, "{opened:#?}");
    assert!(
        opened.at_ns < opened.finding.start_ns + S + S / 2,
        "{opened:#?}"
    );
    assert!(
        closed.at_ns < last,
        "closed before the capture ended: {closed:#?}"
    );
    assert_eq!(closed.finding.end_ns, dual[2].finding.end_ns);
}

#[test]
fn status_counts_dual_master_seconds_and_names_the_masters() {
    let bytes = corpus("split-brain");
    let mut reader = CaptureReader::new(&bytes[..]).unwrap();
    let mut w = Watcher::new("split-brain");
    let mut during = None;
    while let Some(frame) = FrameSource::next_frame(&mut reader).unwrap() {
        w.handle_frame(&frame.as_frame());
        while w.poll_notice().is_some() {}
        if during.is_none() && w.status().vrids.iter().any(|v| v.masters.len() == 2) {
            during = Some(w.status().clone());
        }
    }
    let during = during.expect("two masters at some point");
    let metrics = during.to_prometheus();
    assert!(
        metrics.contains("vrrplab_watch_masters{vrid=\"51\",family=\"ipv4\",segment=\"-\"} 2"),
        "{metrics}"
    );
    let report = w.finish(None);
    let dual = report.of_kind(FindingKind::DualMaster).next().unwrap();
    let seconds = w.status().counters.dual_master_seconds;
    assert!(
        (seconds - (dual.end_ns - dual.start_ns) as f64 / 1e9).abs() < 1e-6,
        "{seconds}"
    );
    assert!(
        w.status()
            .to_prometheus()
            .contains("vrrplab_watch_failovers_total 0"),
    );
}

/// The hand-made story as Ethernet frames, with `garbage` inserted after frame `at`.
fn story_with(garbage: &[Vec<u8>], at: usize) -> Vec<u8> {
    let st = story(
        vrrplab_core::wire::Version::V2,
        ip("192.0.2.11"),
        ip("192.0.2.12"),
        ip("192.0.2.100"),
    );
    let mut frames: Vec<(u64, Vec<u8>)> = st
        .adverts
        .iter()
        .map(|(t, p, m)| (*t, ethernet_ip(*m, None, p)))
        .chain(st.garps.iter().cloned())
        .collect();
    frames.sort_by_key(|f| f.0);
    let t = frames[at.min(frames.len() - 1)].0;
    let at = at.min(frames.len());
    for (k, g) in garbage.iter().enumerate() {
        frames.insert(at + k, (t, g.clone()));
    }
    pcap(DataLink::ETHERNET, &frames)
}

#[test]
fn truncated_and_garbage_frames_are_counted_and_the_story_still_told() {
    let garbage = vec![
        vec![],
        vec![0xff; 5],
        // Ethernet header announcing IPv4 with 3 bytes of IP
        ethernet(mac(9), [0xff; 6], None, [0x08, 0x00], &[0x45, 0, 0]),
        // IPv6 ether type, garbage body
        ethernet(mac(9), [0xff; 6], None, [0x86, 0xdd], &[0x60, 1, 2, 3, 4]),
    ];
    let bytes = story_with(&garbage, 3);
    let (notices, report) = watch("garbage", &bytes, Clock::Ticking);
    assert_eq!(report.counts.malformed, 4, "{:?}", report.counts);
    let given: Vec<FindingKind> = notices
        .iter()
        .filter(|n| n.kind == NoticeKind::Finding)
        .map(|n| n.finding.kind())
        .collect();
    assert_eq!(given, [FindingKind::Failover], "{notices:#?}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, rng_seed: proptest::test_runner::RngSeed::Fixed(11), ..ProptestConfig::default() })]

    /// Seed 11 (fixed): any frames at all, fed live, never panic and are all counted.
    #[test]
    fn arbitrary_frames_fed_live_never_panic_and_are_all_counted(
        frames in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..120), 0..40),
        link in prop_oneof![Just(LinkType::ETHERNET), Just(LinkType::RAW), Just(LinkType::LINUX_SLL2)],
    ) {
        let mut w = Watcher::new("fuzz");
        for (k, data) in frames.iter().enumerate() {
            let frame = vrrplab_replay::Frame {
                number: k as u64 + 1,
                time_ns: T0 + k as u64 * 50_000_000,
                link,
                interface: 0,
                data,
                orig_len: data.len() as u32,
            };
            w.handle_frame(&frame);
            w.handle_timeout(frame.time_ns + 1);
            while w.poll_notice().is_some() {}
        }
        let report = w.finish(None);
        prop_assert_eq!(report.counts.packets, frames.len() as u64);
    }
}

/// Two v2 routers taking turns for `cycles` cycles: each advertises 20 times at 1 s, falls
/// silent, and the other takes over 3.62 s after its last advert with a GARP burst.
fn alternating(cycles: u64) -> Vec<u8> {
    let (a, b) = (ip("192.0.2.11"), ip("192.0.2.12"));
    let vip = ip("192.0.2.100");
    let auth = vrrplab_core::wire::Authentication::simple_password("1111");
    let mut frames = Vec::new();
    let mut t = T0;
    for k in 0..cycles * 2 {
        let (src, n, prio) = if k % 2 == 0 { (a, 1, 100) } else { (b, 2, 99) };
        for i in 0..20 {
            let payload = advert(
                vrrplab_core::wire::Version::V2,
                51,
                prio,
                100,
                src,
                &[vip],
                auth.clone(),
            );
            frames.push((
                t + i * S,
                ethernet_ip(mac(n), None, &ip_packet(src, 255, &payload)),
            ));
            if i == 0 && k > 0 {
                for g in 0..5 {
                    frames.push((t + 2_000_000 + g * 300_000, garp(mac(n), [192, 0, 2, 100])));
                }
            }
        }
        t += 19 * S + GAP_NS;
    }
    frames.sort_by_key(|f| f.0);
    pcap(DataLink::ETHERNET, &frames)
}

#[test]
fn long_watch_keeps_forgetting_and_still_gives_every_batch_finding() {
    let bytes = alternating(40);
    let batch = replay_reader("alternating", &bytes[..]).unwrap();
    assert_eq!(batch.of_kind(FindingKind::Failover).count(), 79);
    let (notices, report, forgotten) = watch_forgetting("alternating", &bytes, Clock::Ticking);
    assert!(!notices.iter().any(|n| n.kind == NoticeKind::Revised));
    let given = sorted(
        notices
            .iter()
            .filter(|n| n.kind == NoticeKind::Finding)
            .map(|n| finding_json(&n.finding))
            .collect(),
    );
    assert_eq!(
        given,
        sorted(batch.findings.iter().map(finding_json).collect())
    );
    // keep is 37 s at 1 s adverts: what is remembered never lags the end by much more
    let last = report.last_ns.unwrap();
    assert!(
        forgotten + 60 * S >= last,
        "forgetting stalled: {} s before the end",
        (last - forgotten) / S
    );
    // the final report only holds what was not forgotten: a handful of mastership spans
    let spans: usize = report.routers.iter().map(|r| r.master.len()).sum();
    assert!(spans <= 4, "{spans} mastership spans remembered");
}
