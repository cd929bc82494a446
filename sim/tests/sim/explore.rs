//! Integration tests of exploration: a planted failure shrinks to the known minimal plan, the
//! summary is identical for any number of jobs and for merged shards, nemesis specs with
//! mistakes are refused with messages that say what exists, and the summary text (snapshot).
//!
//! Small on purpose: a handful of plans with a short window (each plan ~30 s simulated).

use std::net::{IpAddr, Ipv4Addr};
use vrrplab_core::node::NodeConfig;
use vrrplab_core::vrrp::{InstanceConfig, Preempt};
use vrrplab_sim::explore::{Exploration, Property};
use vrrplab_sim::explore::{Explorer, Nemesis, Source, Summary, explore, text};
use vrrplab_sim::{NodeSpec, Scenario};

/// a (priority 100) and b (99) for VRID 51; both `nopreempt` when `nopreempt`; the scenario
/// expects a to be the master at the end.
fn pair(nopreempt: bool) -> Scenario {
    let node = |name: &str, octet: u8, priority: u8| {
        let mut i = InstanceConfig::new(
            "VI_1",
            "eth0",
            51,
            &[IpAddr::V4(Ipv4Addr::new(192, 0, 2, 100))],
        );
        i.priority = priority;
        if nopreempt {
            i.preempt = Preempt::Disabled;
        }
        NodeSpec::new(
            name,
            Ipv4Addr::new(192, 0, 2, octet),
            NodeConfig {
                router_id: name.to_uppercase(),
                instances: vec![i],
                ..NodeConfig::default()
            },
        )
    };
    let mut sc = Scenario::new(
        "explore test pair",
        vec![node("a", 11, 100), node("b", 12, 99)],
    );
    sc.expect.final_master.insert(51, "a".into());
    sc
}

fn source() -> Source {
    Source::Nodes(vec!["a.conf".into(), "b.conf".into()])
}

fn exploration<'a>(
    base: &'a Scenario,
    nemesis: &'a Nemesis,
    property: &'a Property,
    source: &'a Source,
    shard: Option<(u64, u64)>,
    jobs: usize,
) -> Exploration<'a> {
    Exploration {
        base,
        nemesis,
        property,
        source,
        seed: 11,
        plans: 6,
        shard,
        jobs,
        shrink_budget: 30,
    }
}

#[test]
fn planted_failure_nopreempt_crash_shrinks_to_one_short_crash_at_the_warmup() {
    // Both nopreempt and a expected as master: any takeover by b is a failure. Plans mix
    // crashes of a with blocks; the minimal failing plan is one crash of a, at the warm-up,
    // as short as a fault may be (500 ms).
    let report = Explorer::new(pair(true))
        .source(source())
        .nemesis("crash:a,block,faults=3,window=10s")
        .expect("valid nemesis")
        .seed(3)
        .jobs(2)
        .shrink_budget(60)
        .run(6);
    let f = report
        .summary
        .failures
        .first()
        .unwrap_or_else(|| panic!("no plan failed:\n{report}"));
    assert_eq!(
        f.shrunk.faults,
        vec!["10s crash a", "10.5s restart a"],
        "{report}"
    );
    assert_eq!(f.shrunk.duration, "26s", "{report}");
    assert!(
        f.shrunk.command.starts_with(&format!(
            "vrrplab sim --node a.conf --node b.conf --seed {} --duration 26s",
            f.seed
        )),
        "{}",
        f.shrunk.command
    );
    assert!(
        f.shrunk.reasons[0].contains("expected a to be the only master of VRID 51"),
        "{report}"
    );
    // The shrunk plan, run as an ordinary scenario, fails the same way.
    let sc = report.shrunk[0].scenario(&pair(true), false);
    let record = vrrplab_sim::run(&sc).expect("runs");
    let analysis = vrrplab_sim::analyse(&sc, &record);
    assert!(!analysis.passed(&sc));
    let message = std::panic::catch_unwind(|| report.assert_holds())
        .expect_err("assert_holds panics on a failure");
    let message = message
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(message.contains("10s crash a") && message.contains("reproduce: vrrplab sim"));
}

#[test]
fn summary_json_is_the_same_for_one_or_two_jobs_and_for_merged_shards() {
    let base = pair(true);
    let nemesis = Nemesis::parse("crash,stop,block,loss<=20%,faults=2,window=6s", &base)
        .expect("valid nemesis");
    let property = Property::healthy_network();
    let src = source();
    let json = |s: &Summary| serde_json::to_string_pretty(s).expect("json");
    let one = explore(
        &exploration(&base, &nemesis, &property, &src, None, 1),
        &mut |_, _| {},
    );
    let two = explore(
        &exploration(&base, &nemesis, &property, &src, None, 2),
        &mut |_, _| {},
    );
    assert_eq!(json(&one.summary), json(&two.summary));
    assert!(one.summary.failed > 0, "the pair should fail somewhere");
    let shards: Vec<Summary> = [(1, 2), (0, 2)]
        .iter()
        .map(|&(k, m)| {
            explore(
                &exploration(&base, &nemesis, &property, &src, Some((k, m)), 2),
                &mut |_, _| {},
            )
            .summary
        })
        .collect();
    assert!(shards.iter().all(|s| s.plans_run == 3));
    let merged = Summary::merge(&shards).expect("merge");
    assert_eq!(json(&merged), json(&one.summary));
    // A merged summary read back from JSON merges the same way (what `sim merge` does).
    let back: Vec<Summary> = shards
        .iter()
        .map(|s| serde_json::from_str(&json(s)).expect("parse"))
        .collect();
    assert_eq!(
        json(&Summary::merge(&back).expect("merge")),
        json(&one.summary)
    );
    insta::assert_snapshot!(text::render(&one.summary));
}

#[test]
fn merging_a_shard_twice_or_a_different_exploration_is_refused() {
    let base = pair(false);
    let nemesis = Nemesis::parse("crash,faults=1,window=2s", &base).expect("valid");
    let property = Property::healthy_network();
    let src = source();
    let mut x = exploration(&base, &nemesis, &property, &src, Some((0, 2)), 1);
    x.plans = 2;
    let a = explore(&x, &mut |_, _| {}).summary;
    let e = Summary::merge(&[a.clone(), a.clone()]).expect_err("twice");
    assert!(e.contains("shard 0/2 is given twice"), "{e}");
    let mut other = a.clone();
    other.seed = 12;
    other.shards.as_mut().expect("sharded").covered = vec![1];
    let e = Summary::merge(&[a, other]).expect_err("other seed");
    assert!(e.contains("another exploration"), "{e}");
}

#[test]
fn nemesis_specs_with_mistakes_are_refused_with_what_exists() {
    let base = pair(false);
    for (spec, needle) in [
        ("crash,explode", "unknown fault kind `explode`"),
        ("crash:z", "unknown node `z`; the scenario has: a, b"),
        ("script:chk_gw", "the scenario has no vrrp_script"),
        ("loss<=130%", "bad percentage `130%`"),
        ("loss<=lots", "bad percentage `lots`"),
        ("drift<=0%", "bad percentage `0%`"),
        ("crash<=5%", "`crash` takes no bound"),
        ("gateway", "no gateway host"),
        ("partition:a", "needs at least two nodes"),
        ("crash,faults=0", "faults per plan must be 1–20"),
        ("crash,window=soon", "`window=soon`"),
        ("crash,colour=red", "unknown setting `colour`"),
        (
            "ifdown:eth9",
            "unknown interface `eth9`; the scenario has: eth0",
        ),
    ] {
        let e = Nemesis::parse(spec, &base).expect_err(spec);
        assert!(e.message.contains(needle), "{spec}: {e}");
    }
    let mut with_script = pair(false);
    with_script.nodes[0]
        .config
        .scripts
        .push(vrrplab_core::vrrp::TrackScriptConfig::new("chk_gw", "true"));
    let e = Nemesis::parse("script:chk_web", &with_script).expect_err("unknown script");
    assert!(
        e.message
            .contains("unknown vrrp_script `chk_web`; the scenario has: chk_gw"),
        "{e}"
    );
    Nemesis::parse("script:chk_gw", &with_script).expect("known script");
}

#[test]
fn a_nemesis_spec_reads_back_the_same() {
    let base = pair(false);
    let n = Nemesis::parse(
        "crash:a,partition,loss<=12%,latency<=300ms,drift<=3%,faults=4,window=12s,quiet=20s,split_brain=fail",
        &base,
    )
    .expect("valid");
    assert_eq!(Nemesis::parse(&n.spec(), &base).expect("again"), n);
    assert!(n.split_brain_fails);
    assert_eq!(
        Nemesis::parse("", &base).expect("defaults"),
        Nemesis::defaults(&base)
    );
}
