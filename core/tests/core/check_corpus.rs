//! keepalived.conf → `check::HealthConfig` on the corpus (`testdata/corpus`): every config with a
//! `vrrp_script` or `virtual_server` converts, its resolved checks are pinned, and the LVS
//! director pair's checks run against a simulated backend.

use crate::config_corpus::{corpus_configs, parse_corpus};
use std::time::Duration;
use vrrplab_core::Instant;
use vrrplab_core::check::{
    CheckKind, Health, HealthConfig, Output, PoolAction, ProbeAction, ProbeResult,
};

/// One line per resolved script, virtual server, real server and checker.
fn describe(config: &HealthConfig) -> String {
    let mut s = String::new();
    for sc in &config.scripts {
        s.push_str(&format!(
            "script {} {:?} interval {:?} timeout {:?} rise {} fall {} init_fail {}\n",
            sc.name, sc.command, sc.interval, sc.timeout, sc.rise, sc.fall, sc.init_fail
        ));
    }
    for vs in &config.virtual_servers {
        s.push_str(&format!(
            "virtual_server {} quorum {} hysteresis {} sorry {:?} omega {}\n",
            vs.name,
            vs.quorum,
            vs.hysteresis,
            vs.sorry_server.as_ref().map(|s| s.address),
            vs.omega
        ));
        for rs in &vs.real_servers {
            s.push_str(&format!(
                "  real_server {} weight {} inhibit {}\n",
                rs.address, rs.weight, rs.inhibit_on_failure
            ));
            for c in &rs.checkers {
                let kind = match &c.kind {
                    CheckKind::Tcp { connect } => format!("TCP_CHECK {connect}"),
                    CheckKind::Http { connect, urls, .. } => format!(
                        "HTTP_GET {connect} {:?}",
                        urls.iter().map(|u| u.path.as_str()).collect::<Vec<_>>()
                    ),
                    CheckKind::Misc { command, .. } => format!("MISC_CHECK {command:?}"),
                };
                s.push_str(&format!(
                    "    {kind} connect_timeout {:?} retry {} delay_before_retry {:?} delay_loop {:?} warmup {:?} alpha {}\n",
                    c.connect_timeout, c.retry, c.delay_before_retry, c.delay_loop, c.warmup, c.alpha
                ));
            }
        }
    }
    s
}

#[test]
fn every_corpus_config_with_checks_converts_and_its_checks_are_pinned() {
    let mut converted = 0;
    for rel in corpus_configs() {
        let parsed = parse_corpus(&rel);
        let (config, notes) = HealthConfig::from_keepalived(&parsed.model, 1);
        if config.scripts.is_empty() && config.virtual_servers.is_empty() {
            continue;
        }
        converted += 1;
        let notes: Vec<String> = notes.iter().map(ToString::to_string).collect();
        let name = format!("check_{}", rel.replace(['/', '.'], "_"));
        insta::assert_snapshot!(
            name,
            format!("{}--- notes ---\n{}\n", describe(&config), notes.join("\n"))
        );
    }
    assert!(converted >= 5, "only {converted} corpus configs had checks");
}

#[test]
fn lvs_dr_corpus_director_removes_a_dead_real_server_after_its_retries() {
    let parsed = parse_corpus("configs/lvs-dr-master.conf");
    let (config, _) = HealthConfig::from_keepalived(&parsed.model, 1);
    let dead = config.virtual_servers[0].real_servers[1].address;
    let mut health = Health::new(config, Instant::ZERO);
    // Virtual clock; .22 refuses from t = 30 s, .21 always answers; answers take 1 ms.
    let mut now = Instant::ZERO;
    let mut pending: Vec<(Instant, _, ProbeResult)> = Vec::new();
    let mut removed_at = None;
    let end = Instant::from_duration(Duration::from_secs(60));
    while now <= end {
        while let Some(output) = health.poll_output() {
            match output {
                Output::StartProbe(p) => {
                    let ProbeAction::TcpConnect { address, .. } = p.action else {
                        panic!("lvs-dr uses TCP_CHECK: {p:?}");
                    };
                    let refused = address == dead && now >= Instant::from_millis(30_000);
                    let result = if refused {
                        ProbeResult::ConnectFailed
                    } else {
                        ProbeResult::Connected
                    };
                    pending.push((now + Duration::from_millis(1), p.id, result));
                }
                Output::Pool(p) if p.action == PoolAction::Remove => {
                    assert_eq!(p.destination, dead);
                    removed_at = removed_at.or(Some(now));
                }
                _ => {}
            }
        }
        let next_result = pending.iter().map(|p| p.0).min();
        let Some(next) = [next_result, health.poll_timeout()]
            .into_iter()
            .flatten()
            .min()
        else {
            break;
        };
        now = next;
        if let Some(i) = pending.iter().position(|p| p.0 == now) {
            let (_, id, result) = pending.remove(i);
            health.handle_probe_result(now, id, result);
        } else {
            health.handle_timeout(now);
        }
    }
    // delay_loop 6, nb_get_retry 3, delay_before_retry 3: the first failed probe comes within
    // 6 s of the stop, then 3 retries 3 s apart.
    let removed_at = removed_at.expect("the dead real server was removed");
    let after_stop = removed_at - Instant::from_millis(30_000);
    assert!(after_stop >= Duration::from_secs(9), "{after_stop:?}");
    assert!(
        after_stop <= Duration::from_secs(6 + 9 + 1),
        "{after_stop:?}"
    );
}
