//! Split-brain: one-way block, full partition, authentication and interval mismatches.

use super::helpers::*;
use vrrplab_core::wire::Authentication;
use vrrplab_sim::FaultAction::*;

#[test]
fn vrrp_blocked_on_backup_causes_split_brain_and_unblock_heals() {
    // The tutorial experiment: a firewall on the backup drops the master's VRRP.
    let mut sc = cluster("firewall on the backup", &[100, 99]);
    sc.client = true;
    at(
        &mut sc,
        10.0,
        Block {
            receiver: "b".into(),
            sender: "a".into(),
        },
    );
    at(
        &mut sc,
        25.0,
        Unblock {
            receiver: "b".into(),
            sender: "a".into(),
        },
    );
    let o = run_scenario(sc);
    assert_eq!(o.analysis.split_brain.len(), 1, "{}", o.ctx());
    let sb = &o.analysis.split_brain[0];
    assert!(sb.start <= 10.0 + mdi_v2(99) + TOL, "{}", o.ctx());
    let end = sb.end.unwrap_or_else(|| panic!("never healed{}", o.ctx()));
    assert!(
        end <= 25.0 + 1.0 + TOL,
        "healed at {end}, more than one advert after the unblock{}",
        o.ctx()
    );
    assert!(sb.cause.contains("b drops VRRP from a"), "{}", o.ctx());
    // The client first still points at a, then follows b's GARPs (and a's answering bursts).
    assert!(
        sb.client_reached
            .first()
            .is_some_and(|r| r.starts_with("a from"))
            && sb.client_reached.iter().any(|r| r.starts_with("b from")),
        "client ARP during the split: {:?}{}",
        sb.client_reached,
        o.ctx()
    );
    assert_eq!(o.analysis.final_masters[&51], ["a"], "{}", o.ctx());
    o.assert_invariants();
    insta::assert_snapshot!(o.timeline());
}

#[test]
fn full_partition_both_master_then_heal() {
    let mut sc = cluster("partition", &[100, 99]);
    at(&mut sc, 10.0, Partition("a".into(), "b".into()));
    at(&mut sc, 20.0, Heal("a".into(), "b".into()));
    let o = run_scenario(sc);
    assert_eq!(o.analysis.split_brain.len(), 1, "{}", o.ctx());
    let sb = &o.analysis.split_brain[0];
    assert!(sb.cause.contains("partition a<->b"), "{}", o.ctx());
    let end = sb.end.unwrap_or_else(|| panic!("never healed{}", o.ctx()));
    assert!(
        end > 20.0 && end <= 20.0 + 1.0 + TOL,
        "healed at {end}{}",
        o.ctx()
    );
    assert_eq!(o.analysis.final_masters[&51], ["a"], "{}", o.ctx());
    o.assert_invariants();
    insta::assert_snapshot!(o.timeline());
}

#[test]
fn auth_mismatch_causes_permanent_split_brain() {
    let mut sc = cluster("auth mismatch", &[100, 99]);
    sc.nodes[0].config.instances[0].authentication = Authentication::simple_password("1111");
    sc.nodes[1].config.instances[0].authentication = Authentication::simple_password("2222");
    sc.settings.duration = s(30.0);
    let o = run_scenario(sc);
    assert_eq!(o.analysis.split_brain.len(), 1, "{}", o.ctx());
    let sb = &o.analysis.split_brain[0];
    assert_eq!(
        sb.end,
        None,
        "a split-brain from mismatched passwords never heals{}",
        o.ctx()
    );
    assert!(sb.start <= mdi_v2(99) + TOL, "{}", o.ctx());
    assert!(sb.cause.contains("authentication mismatch"), "{}", o.ctx());
    insta::assert_snapshot!(o.timeline());
}

#[test]
fn v2_interval_mismatch_causes_split_brain() {
    let mut sc = cluster("advert_int mismatch", &[100, 99]);
    sc.nodes[1].config.instances[0].advert_interval = s(2.0);
    sc.settings.duration = s(30.0);
    let o = run_scenario(sc);
    assert_eq!(o.analysis.split_brain.len(), 1, "{}", o.ctx());
    let sb = &o.analysis.split_brain[0];
    assert_eq!(sb.end, None, "{}", o.ctx());
    assert!(sb.cause.contains("advert_int mismatch"), "{}", o.ctx());
    insta::assert_snapshot!(o.timeline());
}
