//! Checker rules (retry, delays, kinds) on the virtual clock, observed through a one-server pool.

use super::world::{Backend, World, at, secs};
use crate::Instant;
use crate::check::http::body_digest;
use crate::check::{
    CheckKind, CheckerConfig, FailureReason, HealthConfig, Output, PoolAction, ProbeAction,
    ProbeResult, RealServerConfig, UrlCheck, VirtualServerConfig,
};
use std::net::SocketAddr;
use std::time::Duration;

fn rs_addr() -> SocketAddr {
    "192.0.2.10:80".parse().unwrap()
}

fn pool_world(checkers: Vec<CheckerConfig>, seed: u64, backend: Backend) -> World {
    let mut rs = RealServerConfig::new(rs_addr());
    rs.checkers = checkers;
    World::new(
        HealthConfig {
            virtual_servers: vec![VirtualServerConfig::new("vs", vec![rs])],
            warmup_seed: seed,
            ..HealthConfig::default()
        },
        backend,
    )
}

fn tcp(retry: u32) -> CheckerConfig {
    let mut c = CheckerConfig::tcp(rs_addr());
    c.retry = retry;
    c.delay_loop = secs(10.0);
    c.delay_before_retry = secs(2.0);
    c.connect_timeout = secs(1.0);
    c
}

/// TCP backend up before `down_at` and from `up_at` on; refuses in between.
fn tcp_backend(down_at: f64, up_at: f64) -> Backend {
    Box::new(move |now, _| {
        let up = now < at(down_at) || now >= at(up_at);
        let result = if up {
            ProbeResult::Connected
        } else {
            ProbeResult::ConnectFailed
        };
        Some((Duration::from_millis(1), result))
    })
}

/// (time, up) of every checker change.
fn checker_changes(w: &World) -> Vec<(Instant, bool)> {
    w.find(|o| match o {
        Output::Checker(c) => Some(c.up),
        _ => None,
    })
}

fn pool_ops(w: &World) -> Vec<(Instant, PoolAction)> {
    w.find(|o| match o {
        Output::Pool(p) => Some(p.action),
        _ => None,
    })
}

#[test]
fn up_checker_goes_down_only_after_retry_failed_retries() {
    // Fails from t = 5. Probes: 1 (after the bootstrap delay), 11 (fail), 13 (retry 1 fail),
    // 15 (retry 2 fail) ⇒ down.
    let mut w = pool_world(vec![tcp(2)], 0, tcp_backend(5.0, 1e9));
    w.run_until(at(16.0));
    let ms = Duration::from_millis(1);
    assert_eq!(
        w.probe_starts(),
        vec![at(1.0), at(11.0) + ms, at(13.0) + 2 * ms, at(15.0) + 3 * ms]
    );
    assert_eq!(checker_changes(&w), vec![(at(15.0) + 4 * ms, false)]);
}

#[test]
fn retry_zero_goes_down_on_the_first_failure() {
    let mut w = pool_world(vec![tcp(0)], 0, tcp_backend(5.0, 1e9));
    w.run_until(at(15.0));
    assert_eq!(
        checker_changes(&w),
        vec![(at(11.0) + Duration::from_millis(2), false)]
    );
}

#[test]
fn success_between_failures_resets_the_retry_count() {
    // retry 1: fail at 11, success at 13 (retry), fail at 23, 25 ⇒ down only at 25.
    let mut w = pool_world(
        vec![tcp(1)],
        0,
        Box::new(|now, _| {
            let fail = (at(10.0)..at(12.0)).contains(&now) || now >= at(22.0);
            let r = if fail {
                ProbeResult::ConnectFailed
            } else {
                ProbeResult::Connected
            };
            Some((Duration::ZERO, r))
        }),
    );
    w.run_until(at(30.0));
    assert_eq!(checker_changes(&w), vec![(at(25.0), false)]);
}

#[test]
fn down_checker_comes_back_up_on_one_success() {
    let mut c = tcp(1);
    c.delay_loop = secs(5.0);
    let mut w = pool_world(vec![c], 0, tcp_backend(2.0, 20.0));
    w.run_until(at(30.0));
    let changes = checker_changes(&w);
    assert_eq!(changes.len(), 2);
    assert!(!changes[0].1);
    // The first probe at or after 20 s brings it up.
    assert!(changes[1].1);
    assert!(changes[1].0 >= at(20.0) && changes[1].0 < at(26.0));
}

#[test]
fn tcp_checker_still_retries_while_down() {
    let mut c = tcp(1);
    c.delay_loop = secs(10.0);
    let mut w = pool_world(
        vec![c],
        0,
        Box::new(|_, _| Some((Duration::ZERO, ProbeResult::ConnectFailed))),
    );
    w.run_until(at(26.0));
    // 1 fail, 3 retry ⇒ down; 13 fail, 15 retry; 25 …
    assert_eq!(
        w.probe_starts(),
        vec![at(1.0), at(3.0), at(13.0), at(15.0), at(25.0)]
    );
}

#[test]
fn misc_checker_does_not_retry_while_down() {
    let mut c = CheckerConfig::misc("/bin/check");
    c.retry = 1;
    c.delay_loop = secs(10.0);
    c.delay_before_retry = secs(2.0);
    let mut w = pool_world(
        vec![c],
        0,
        Box::new(|_, _| Some((Duration::ZERO, ProbeResult::Exited(1)))),
    );
    w.run_until(at(26.0));
    assert_eq!(w.probe_starts(), vec![at(1.0), at(3.0), at(13.0), at(23.0)]);
}

#[test]
fn http_checker_while_down_waits_the_longer_of_delay_loop_and_delay_before_retry() {
    let mut c = CheckerConfig::http(rs_addr(), vec![UrlCheck::new("/")]);
    c.retry = 0;
    c.delay_loop = secs(2.0);
    c.delay_before_retry = secs(5.0);
    let mut w = pool_world(
        vec![c],
        0,
        Box::new(|_, _| Some((Duration::ZERO, ProbeResult::ConnectFailed))),
    );
    w.run_until(at(14.0));
    // 1 fail ⇒ down (retry 0), next after delay_loop 2; while down: every max(2, 5) = 5.
    assert_eq!(w.probe_starts(), vec![at(1.0), at(3.0), at(8.0), at(13.0)]);
}

#[test]
fn connect_timeout_counts_as_failure_and_cancels_the_probe() {
    let mut w = pool_world(vec![tcp(0)], 0, Box::new(|_, _| None));
    w.run_until(at(2.5));
    let cancels = w.find(|o| matches!(o, Output::CancelProbe(_)).then_some(()));
    assert_eq!(cancels.len(), 1);
    assert_eq!(cancels[0].0, at(2.0));
    let reasons = w.find(|o| match o {
        Output::Checker(c) => c.reason.clone(),
        _ => None,
    });
    assert_eq!(reasons, vec![(at(2.0), FailureReason::Timeout)]);
}

#[test]
fn late_connect_result_after_timeout_is_ignored() {
    let mut w = pool_world(
        vec![tcp(0)],
        0,
        Box::new(|_, _| Some((secs(1.5), ProbeResult::Connected))),
    );
    w.run_until(at(5.0));
    assert_eq!(checker_changes(&w), vec![(at(2.0), false)]);
    assert_eq!(w.health.stats().late_results, 1);
}

fn http_backend(status: u16, body: &'static [u8]) -> Backend {
    Box::new(move |_, _| {
        Some((
            Duration::from_millis(5),
            ProbeResult::HttpResponse {
                status,
                body: body.to_vec(),
            },
        ))
    })
}

#[test]
fn http_status_outside_status_codes_fails_the_checker() {
    let mut c = CheckerConfig::http(rs_addr(), vec![UrlCheck::new("/health")]);
    c.retry = 0;
    let mut w = pool_world(vec![c], 0, http_backend(500, b"error"));
    w.run_until(at(2.0));
    let reasons = w.find(|o| match o {
        Output::Checker(c) => c.reason.clone(),
        _ => None,
    });
    assert_eq!(reasons.len(), 1);
    assert_eq!(reasons[0].1, FailureReason::Status(500));
}

#[test]
fn http_digest_mismatch_fails_and_matching_digest_passes() {
    let mut url = UrlCheck::new("/");
    url.digest = Some(body_digest(b"expected page"));
    let mut c = CheckerConfig::http(rs_addr(), vec![url]);
    c.retry = 0;
    let mut ok = pool_world(vec![c.clone()], 0, http_backend(200, b"expected page"));
    ok.run_until(at(100.0));
    assert!(checker_changes(&ok).is_empty());
    let mut bad = pool_world(vec![c], 0, http_backend(200, b"defaced page"));
    bad.run_until(at(2.0));
    let reasons = bad.find(|o| match o {
        Output::Checker(c) => c.reason.clone(),
        _ => None,
    });
    assert_eq!(reasons[0].1, FailureReason::DigestMismatch);
}

#[test]
fn http_get_asks_for_path_with_virtualhost_or_the_address_as_host() {
    let mut url = UrlCheck::new("/a");
    url.virtualhost = Some("www.example.com".into());
    let c = CheckerConfig::http(rs_addr(), vec![url, UrlCheck::new("/b")]);
    let mut w = pool_world(vec![c], 0, http_backend(200, b""));
    w.run_until(at(62.0));
    let actions = w.find(|o| match o {
        Output::StartProbe(p) => Some(p.action.clone()),
        _ => None,
    });
    let expected = |host: &str, path: &str| ProbeAction::HttpGet {
        address: rs_addr(),
        options: Default::default(),
        host: host.into(),
        path: path.into(),
        version: Default::default(),
        tls: None,
    };
    assert_eq!(actions[0].1, expected("www.example.com", "/a"));
    // Second URL, one delay_loop (60 s) later.
    assert_eq!(actions[1].0, at(61.0) + Duration::from_millis(5));
    assert_eq!(actions[1].1, expected("192.0.2.10", "/b"));
}

#[test]
fn http_checker_with_several_urls_comes_up_after_each_url_passes() {
    let mut c = CheckerConfig::http(rs_addr(), vec![UrlCheck::new("/a"), UrlCheck::new("/b")]);
    c.alpha = true;
    c.delay_loop = secs(1.0);
    let mut w = pool_world(vec![c], 0, http_backend(200, b""));
    w.run_until(at(4.0));
    let ms = Duration::from_millis(5);
    // /a passes at 1.005, /b at 2.010 ⇒ up.
    assert_eq!(checker_changes(&w), vec![(at(2.0) + 2 * ms, true)]);
}

#[test]
fn misc_exit_zero_passes_and_exit_one_fails() {
    let mut c = CheckerConfig::misc("/bin/check");
    c.delay_loop = secs(5.0);
    let mut w = pool_world(
        vec![c],
        0,
        Box::new(|now, _| {
            Some((
                secs(0.1),
                ProbeResult::Exited(if now < at(7.0) { 0 } else { 1 }),
            ))
        }),
    );
    w.run_until(at(12.0));
    // retry 0 (MISC default): runs at 1, 6, 11; the run at 11 fails ⇒ down.
    assert_eq!(checker_changes(&w), vec![(at(11.1), false)]);
}

#[test]
fn misc_dynamic_exit_status_sets_weight_to_status_minus_two() {
    let mut c = CheckerConfig::misc("/bin/weight");
    if let CheckKind::Misc { dynamic, .. } = &mut c.kind {
        *dynamic = true;
    }
    c.delay_loop = secs(5.0);
    let mut w = pool_world(
        vec![c],
        0,
        Box::new(|now, _| {
            Some((
                secs(0.1),
                ProbeResult::Exited(if now < at(4.0) { 12 } else { 1 }),
            ))
        }),
    );
    w.run_until(at(7.0));
    assert_eq!(
        pool_ops(&w),
        vec![
            (at(0.0), PoolAction::Add { weight: 1 }),
            (at(1.1), PoolAction::Reweight { weight: 10 }),
            (at(6.1), PoolAction::Remove),
        ]
    );
}

#[test]
fn misc_checker_is_timed_from_the_start_of_each_run() {
    let mut c = CheckerConfig::misc("/bin/slow");
    c.delay_loop = secs(5.0);
    let mut w = pool_world(
        vec![c],
        0,
        Box::new(|_, _| Some((secs(1.5), ProbeResult::Exited(0)))),
    );
    w.run_until(at(12.0));
    assert_eq!(w.probe_starts(), vec![at(1.0), at(6.0), at(11.0)]);
}

#[test]
fn misc_timeout_defaults_to_delay_loop() {
    let mut c = CheckerConfig::misc("/bin/hang");
    c.delay_loop = secs(3.0);
    let mut w = pool_world(vec![c], 0, Box::new(|_, _| None));
    w.run_until(at(4.5));
    let cancels = w.find(|o| matches!(o, Output::CancelProbe(_)).then_some(()));
    assert_eq!(cancels[0].0, at(4.0));
}

#[test]
fn alpha_checker_starts_down_so_its_server_is_not_in_the_pool() {
    let mut c = tcp(1);
    c.alpha = true;
    let mut w = pool_world(vec![c], 0, tcp_backend(1e9, 0.0));
    assert!(pool_ops(&w).is_empty());
    w.run_until(at(2.0));
    assert_eq!(
        pool_ops(&w),
        vec![(
            at(1.0) + Duration::from_millis(1),
            PoolAction::Add { weight: 1 }
        )]
    );
}

#[test]
fn warmup_delays_the_first_probe_by_a_jitter_fixed_by_the_seed() {
    let mut c = tcp(1);
    c.warmup = Some(secs(10.0));
    let first = |seed| {
        let mut w = pool_world(vec![c.clone()], seed, tcp_backend(1e9, 0.0));
        w.run_until(at(11.0));
        w.probe_starts()[0]
    };
    let a = first(1);
    assert_eq!(a, first(1));
    assert!(a >= at(1.0) && a < at(11.0));
    let others: Vec<Instant> = (2..6).map(first).collect();
    assert!(others.iter().any(|b| *b != a));
}

#[test]
fn http_checker_without_urls_never_probes_and_never_panics() {
    let c = CheckerConfig::http(rs_addr(), Vec::new());
    let mut w = pool_world(vec![c], 0, http_backend(200, b""));
    w.run_until(at(300.0));
    assert!(w.probe_starts().is_empty());
    assert!(checker_changes(&w).is_empty());
}

#[test]
fn absurd_durations_saturate_instead_of_overflowing() {
    let mut c = tcp(u32::MAX);
    c.delay_loop = Duration::MAX;
    c.delay_before_retry = Duration::MAX;
    c.connect_timeout = Duration::MAX;
    c.warmup = Some(Duration::MAX);
    let mut w = pool_world(vec![c], u64::MAX, tcp_backend(0.0, 1e9));
    w.run_until(at(100.0));
    assert!(w.health.poll_timeout().is_some());
}

#[test]
fn fast_recovery_checks_the_next_url_at_once_while_not_up() {
    let mut c = CheckerConfig::http(rs_addr(), vec![UrlCheck::new("/a"), UrlCheck::new("/b")]);
    c.alpha = true;
    c.delay_loop = secs(1.0);
    if let CheckKind::Http { fast_recovery, .. } = &mut c.kind {
        *fast_recovery = true;
    }
    let mut w = pool_world(vec![c], 0, http_backend(200, b""));
    w.run_until(at(4.0));
    let ms = Duration::from_millis(5);
    // /a passes at 1.005, /b is asked at once and passes at 1.010 ⇒ up (not 2.010).
    assert_eq!(checker_changes(&w), vec![(at(1.0) + 2 * ms, true)]);
    // Once up, URLs are delay_loop apart again.
    let starts = w.probe_starts();
    assert_eq!(starts[2], at(2.0) + 2 * ms);
}
