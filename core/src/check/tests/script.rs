//! `vrrp_script` rules on the virtual clock.

use super::world::{Backend, World, at, secs};
use crate::Instant;
use crate::check::{
    HealthConfig, Output, ProbeAction, ProbeId, ProbeResult, ScriptResult, ScriptStatus,
};
use crate::vrrp::TrackScriptConfig;
use proptest::prelude::*;
use std::time::Duration;

fn script(rise: u32, fall: u32) -> TrackScriptConfig {
    let mut s = TrackScriptConfig::new("chk", "/usr/bin/check");
    s.rise = rise;
    s.fall = fall;
    s
}

fn world(config: TrackScriptConfig, backend: Backend) -> World {
    World::new(
        HealthConfig {
            scripts: vec![config],
            ..HealthConfig::default()
        },
        backend,
    )
}

/// Exits with `exit(now)` after 10 ms.
fn exits(mut exit: impl FnMut(Instant) -> i32 + 'static) -> Backend {
    Box::new(move |now, _| Some((Duration::from_millis(10), ProbeResult::Exited(exit(now)))))
}

fn results(w: &World) -> Vec<(Instant, bool)> {
    w.find(|o| match o {
        Output::ScriptResult(ScriptResult { up, .. }) => Some(*up),
        _ => None,
    })
}

#[test]
fn first_success_reports_up_at_once() {
    let mut w = world(script(3, 3), exits(|_| 0));
    w.run_until(at(0.5));
    assert_eq!(results(&w), vec![(at(0.01), true)]);
    assert_eq!(w.health.script_status("chk"), Some(ScriptStatus::Up));
}

#[test]
fn first_failure_without_init_fail_reports_down_at_once() {
    let mut w = world(script(3, 3), exits(|_| 1));
    w.run_until(at(0.5));
    assert_eq!(results(&w), vec![(at(0.01), false)]);
}

#[test]
fn status_is_init_until_the_first_result() {
    let w = world(script(1, 1), exits(|_| 0));
    assert_eq!(w.health.script_status("chk"), Some(ScriptStatus::Init));
}

#[test]
fn init_fail_reports_down_at_start_and_needs_rise_successes() {
    let mut config = script(3, 1);
    config.init_fail = true;
    let mut w = world(config, exits(|_| 0));
    assert_eq!(results(&w), vec![(at(0.0), false)]);
    w.run_until(at(5.0));
    // runs at 0, 1, 2: the third success (at 2.01) brings it up.
    assert_eq!(results(&w), vec![(at(0.0), false), (at(2.01), true)]);
}

#[test]
fn up_script_goes_down_after_fall_consecutive_failures() {
    // Fails from t = 5 on; fall 3 ⇒ failures at 5, 6, 7 ⇒ down at 7.01.
    let mut w = world(script(2, 3), exits(|now| if now < at(5.0) { 0 } else { 1 }));
    w.run_until(at(20.0));
    assert_eq!(results(&w), vec![(at(0.01), true), (at(7.01), false)]);
}

#[test]
fn down_script_comes_up_after_rise_consecutive_successes() {
    let mut w = world(script(4, 1), exits(|now| if now < at(3.0) { 1 } else { 0 }));
    w.run_until(at(20.0));
    // Successes at 3, 4, 5, 6 ⇒ up at 6.01.
    assert_eq!(results(&w), vec![(at(0.01), false), (at(6.01), true)]);
}

#[test]
fn flapping_shorter_than_fall_does_not_change_state() {
    // Two failures, one success, two failures …: never `fall` = 3 in a row.
    let mut w = world(
        script(2, 3),
        exits(|now| {
            let n = now.as_duration().as_secs();
            if n > 0 && n % 3 != 0 { 1 } else { 0 }
        }),
    );
    w.run_until(at(60.0));
    assert_eq!(results(&w), vec![(at(0.01), true)]);
}

#[test]
fn script_runs_every_interval_from_its_start() {
    let mut config = script(1, 1);
    config.interval = secs(2.0);
    config.timeout = secs(2.0);
    // Each run takes 0.5 s: the period stays 2 s (timed from the start).
    let mut w = world(
        config,
        Box::new(|_, _| Some((secs(0.5), ProbeResult::Exited(0)))),
    );
    w.run_until(at(7.0));
    assert_eq!(w.probe_starts(), vec![at(0.0), at(2.0), at(4.0), at(6.0)]);
}

#[test]
fn timeout_counts_as_failure_and_cancels_the_run() {
    let mut config = script(1, 1);
    config.interval = secs(5.0);
    config.timeout = secs(2.0);
    let mut w = world(config, Box::new(|_, _| None));
    w.run_until(at(2.5));
    let cancels = w.find(|o| match o {
        Output::CancelProbe(id) => Some(*id),
        _ => None,
    });
    assert_eq!(cancels, vec![(at(2.0), ProbeId::new(0, 0))]);
    assert_eq!(results(&w), vec![(at(2.0), false)]);
    assert_eq!(w.health.stats().probe_timeouts, 1);
}

#[test]
fn late_result_of_a_timed_out_run_is_ignored() {
    let mut config = script(1, 1);
    config.interval = secs(10.0);
    config.timeout = secs(1.0);
    // Answers "success" after 1.5 s: too late.
    let mut w = world(
        config,
        Box::new(|_, _| Some((secs(1.5), ProbeResult::Exited(0)))),
    );
    w.run_until(at(5.0));
    assert_eq!(results(&w), vec![(at(1.0), false)]);
    assert_eq!(w.health.script_status("chk"), Some(ScriptStatus::Down));
    assert_eq!(w.health.stats().late_results, 1);
}

#[test]
fn still_running_script_is_skipped_not_queued() {
    let mut config = script(1, 1);
    config.interval = secs(1.0);
    config.timeout = secs(10.0);
    // The first run takes 2.5 s; later runs 0.1 s.
    let mut first = true;
    let mut w = world(
        config,
        Box::new(move |_, _| {
            let took = if first { 2.5 } else { 0.1 };
            first = false;
            Some((secs(took), ProbeResult::Exited(0)))
        }),
    );
    w.run_until(at(4.5));
    // Ticks at 1 and 2 are skipped (not run later); the next run is the tick at 3.
    assert_eq!(w.probe_starts(), vec![at(0.0), at(3.0), at(4.0)]);
    assert_eq!(w.health.stats().skipped_runs, 2);
}

#[test]
fn killed_script_blocks_runs_until_it_ends_or_the_kill_grace_passes() {
    let mut config = script(1, 1);
    config.interval = secs(1.0);
    config.timeout = secs(1.0);
    let mut w = world(config, Box::new(|_, _| None));
    w.run_until(at(3.5));
    // Timeout at 1 (tick at 1 skipped), SIGKILL grace to 3 (tick at 2 skipped), run at 3.
    assert_eq!(w.probe_starts(), vec![at(0.0), at(3.0)]);
}

#[test]
fn nonzero_exit_signal_and_spawn_failure_all_count_as_failure() {
    for result in [
        ProbeResult::Exited(2),
        ProbeResult::Signalled(9),
        ProbeResult::SpawnFailed,
    ] {
        let mut w = world(
            script(1, 1),
            Box::new(move |_, _| Some((secs(0.1), result.clone()))),
        );
        w.run_until(at(0.5));
        assert_eq!(results(&w), vec![(at(0.1), false)]);
    }
}

#[test]
fn result_for_an_unknown_owner_is_counted_and_ignored() {
    let mut w = world(script(1, 1), Box::new(|_, _| None));
    w.health
        .handle_probe_result(at(0.1), ProbeId::new(42, 0), ProbeResult::Exited(0));
    assert!(w.health.poll_output().is_none());
    assert_eq!(w.health.stats().unknown_results, 1);
}

#[test]
fn script_probe_runs_the_configured_command() {
    let mut w = world(script(1, 1), Box::new(|_, _| None));
    w.run_until(at(0.0));
    let actions = w.find(|o| match o {
        Output::StartProbe(p) => Some(p.action.clone()),
        _ => None,
    });
    assert_eq!(
        actions,
        vec![(
            at(0.0),
            ProbeAction::RunScript {
                command: "/usr/bin/check".into(),
                user: None,
            }
        )]
    );
}

/// Reference model of rise/fall: the state after a sequence of results.
fn model(rise: usize, fall: usize, runs: &[bool]) -> Option<bool> {
    let mut state: Option<bool> = None;
    for (i, _) in runs.iter().enumerate() {
        let tail = &runs[..=i];
        let ok_streak = tail.iter().rev().take_while(|r| **r).count();
        let fail_streak = tail.iter().rev().take_while(|r| !**r).count();
        state = match state {
            // The first result decides.
            None => Some(runs[0]),
            Some(false) if ok_streak >= rise => Some(true),
            Some(true) if fail_streak >= fall => Some(false),
            s => s,
        };
    }
    state
}

proptest! {
    #[test]
    fn script_state_follows_rise_fall_streaks(
        rise in 1u32..5,
        fall in 1u32..5,
        runs in proptest::collection::vec(any::<bool>(), 1..40),
    ) {
        let n = runs.len();
        let plan = runs.clone();
        let mut w = world(
            script(rise, fall),
            Box::new(move |now, _| {
                let i = now.as_duration().as_secs() as usize;
                Some((secs(0.1), ProbeResult::Exited(if plan[i.min(n - 1)] { 0 } else { 1 })))
            }),
        );
        w.run_until(at(n as f64 - 0.5));
        let status = w.health.script_status("chk");
        let expected = match model(rise as usize, fall as usize, &runs) {
            None => ScriptStatus::Init,
            Some(true) => ScriptStatus::Up,
            Some(false) => ScriptStatus::Down,
        };
        prop_assert_eq!(status, Some(expected));
        // Outputs alternate: never two identical transitions in a row.
        let ups: Vec<bool> = results(&w).into_iter().map(|(_, up)| up).collect();
        prop_assert!(ups.windows(2).all(|p| p[0] != p[1]));
    }
}

#[test]
fn huge_rise_fall_and_interval_do_not_overflow() {
    let mut config = script(u32::MAX, u32::MAX);
    config.interval = Duration::MAX;
    config.timeout = Duration::MAX;
    let mut w = world(config, exits(|_| 1));
    w.run_until(at(10.0));
    assert_eq!(results(&w), vec![(at(0.01), false)]);
}
