//! Failover: crash, return with preemption, nopreempt, preempt_delay, graceful stop, three nodes.

use super::helpers::*;
use vrrplab_core::vrrp::Preempt;
use vrrplab_sim::FaultAction::*;

#[test]
fn master_crash_backup_takes_over_within_master_down_interval() {
    let mut sc = cluster("master crash", &[100, 99]);
    at(&mut sc, 10.0, Crash("a".into()));
    let o = run_scenario(sc);
    let t = o
        .master_after("b", 10.0)
        .unwrap_or_else(|| panic!("b never took over{}", o.ctx()));
    // b's down timer was last reset by a's final advert, at most one interval before the crash.
    assert!(
        t >= 10.0 + mdi_v2(99) - 1.0 - TOL && t <= 10.0 + mdi_v2(99) + TOL,
        "takeover at {t}{}",
        o.ctx()
    );
    assert_eq!(o.analysis.failovers.len(), 1, "{}", o.ctx());
    assert!(
        o.analysis.failovers[0].gap_s <= mdi_v2(99) + TOL,
        "{}",
        o.ctx()
    );
    assert!(o.analysis.split_brain.is_empty(), "{}", o.ctx());
    o.assert_invariants();
    insta::assert_snapshot!(o.timeline());
}

#[test]
fn master_returns_and_preempts() {
    let mut sc = cluster("master returns", &[100, 99]);
    at(&mut sc, 10.0, Crash("a".into()));
    at(&mut sc, 20.0, Restart("a".into()));
    let o = run_scenario(sc);
    let t = o
        .master_after("a", 20.0)
        .unwrap_or_else(|| panic!("a never preempted{}", o.ctx()));
    // a starts as BACKUP, ignores b's lower-priority adverts and takes over after its own MDI.
    assert!(t <= 20.0 + mdi_v2(100) + TOL, "preempted at {t}{}", o.ctx());
    assert_eq!(o.analysis.final_masters[&51], ["a"], "{}", o.ctx());
    assert!(o.analysis.split_brain.is_empty(), "{}", o.ctx());
    o.assert_invariants();
    insta::assert_snapshot!(o.timeline());
}

#[test]
fn nopreempt_keeps_vip_on_backup() {
    let mut sc = cluster("nopreempt", &[100, 99]);
    for n in &mut sc.nodes {
        n.config.instances[0].preempt = Preempt::Disabled;
    }
    at(&mut sc, 10.0, Crash("a".into()));
    at(&mut sc, 20.0, Restart("a".into()));
    let o = run_scenario(sc);
    assert!(o.master_after("b", 10.0).is_some(), "{}", o.ctx());
    assert_eq!(
        o.master_after("a", 20.0),
        None,
        "a preempted despite nopreempt{}",
        o.ctx()
    );
    assert_eq!(o.analysis.final_masters[&51], ["b"], "{}", o.ctx());
    o.assert_invariants();
    insta::assert_snapshot!(o.timeline());
}

#[test]
fn preempt_delay_delays_takeback() {
    let mut sc = cluster("preempt_delay 5s", &[100, 99]);
    sc.nodes[0].config.instances[0].preempt = Preempt::Delay(s(5.0));
    at(&mut sc, 10.0, Crash("a".into()));
    at(&mut sc, 20.0, Restart("a".into()));
    let o = run_scenario(sc);
    let t = o
        .master_after("a", 20.0)
        .unwrap_or_else(|| panic!("a never preempted{}", o.ctx()));
    assert!(
        t >= 25.0,
        "took back at {t}, before preempt_delay{}",
        o.ctx()
    );
    assert!(
        t <= 20.0 + 5.0 + mdi_v2(100) + 1.0 + TOL,
        "took back at {t}{}",
        o.ctx()
    );
    o.assert_invariants();
    insta::assert_snapshot!(o.timeline());
}

#[test]
fn graceful_stop_hands_over_within_skew_time() {
    let mut sc = cluster("graceful stop", &[100, 99]);
    at(&mut sc, 10.0, Stop("a".into()));
    at(&mut sc, 20.0, Start("a".into()));
    let o = run_scenario(sc);
    let t = o
        .master_after("b", 10.0)
        .unwrap_or_else(|| panic!("b never took over{}", o.ctx()));
    assert!(
        t <= 10.0 + skew_v2(99) + TOL,
        "b took over at {t}, more than Skew_Time after the stop{}",
        o.ctx()
    );
    assert!(
        o.master_after("a", 20.0).is_some(),
        "a did not come back{}",
        o.ctx()
    );
    o.assert_invariants();
    insta::assert_snapshot!(o.timeline());
}

#[test]
fn three_nodes_fail_over_in_priority_order() {
    let mut sc = cluster("three nodes", &[100, 90, 80]);
    sc.settings.duration = s(50.0);
    at(&mut sc, 10.0, Crash("a".into()));
    at(&mut sc, 20.0, Crash("b".into()));
    at(&mut sc, 30.0, Restart("a".into()));
    let o = run_scenario(sc);
    let b = o
        .master_after("b", 10.0)
        .unwrap_or_else(|| panic!("b never took over{}", o.ctx()));
    assert!(b <= 10.0 + mdi_v2(90) + TOL, "{}", o.ctx());
    assert_eq!(
        o.master_after("c", 10.0).filter(|t| *t < 20.0),
        None,
        "c jumped ahead of b{}",
        o.ctx()
    );
    let c = o
        .master_after("c", 20.0)
        .unwrap_or_else(|| panic!("c never took over{}", o.ctx()));
    assert!(c <= 20.0 + mdi_v2(80) + TOL, "{}", o.ctx());
    let a = o
        .master_after("a", 30.0)
        .unwrap_or_else(|| panic!("a never preempted{}", o.ctx()));
    assert!(a <= 30.0 + mdi_v2(100) + TOL, "{}", o.ctx());
    let order: Vec<(String, String)> = o
        .analysis
        .failovers
        .iter()
        .map(|f| (f.from.clone(), f.to.clone()))
        .collect();
    assert_eq!(
        order,
        [
            ("a".into(), "b".into()),
            ("b".into(), "c".into()),
            ("c".into(), "a".into())
        ],
        "{}",
        o.ctx()
    );
    o.assert_invariants();
    insta::assert_snapshot!(o.timeline());
}
