//! Issue 6 "`vrrplab check` understands every option listed": one keepalived.conf that writes
//! every tracking and checker option the health checks implement parses with no warning (only
//! the deprecated-alias notes), and each value reaches `check::HealthConfig` / the node config.

use crate::config_corpus::parse_text;
use std::net::SocketAddr;
use std::time::Duration;
use vrrplab_core::check::{CheckKind, HealthConfig};
use vrrplab_core::config::Severity;

const EVERY_OPTION: &str = r#"
global_defs {
    router_id LB1
    enable_script_security
    script_user root
}
vrrp_script chk_nginx {
    script "/usr/bin/pgrep nginx"
    interval 2
    timeout 3
    rise 2
    fall 3
    weight -20
    init_fail
}
vrrp_script chk_gw {
    script "/bin/ping -c1 -W1 192.0.2.1"
    interval 1
    weight 0
}
vrrp_track_file tf {
    file /run/vrrp.state
    weight 5
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    virtual_ipaddress {
        192.0.2.100/24
    }
    track_script {
        chk_nginx
        chk_gw weight 0
    }
    track_file {
        tf weight 10
    }
    track_interface {
        eth1 weight -10
    }
}
virtual_server 192.0.2.100 80 {
    delay_loop 6
    lb_algo rr
    lb_kind NAT
    protocol TCP
    persistence_timeout 50
    alpha
    omega
    quorum 2
    hysteresis 1
    quorum_up "/usr/local/bin/quorum_up"
    quorum_down "/usr/local/bin/quorum_down"
    sorry_server 192.0.2.200 80
    real_server 192.0.2.11 80 {
        weight 3
        inhibit_on_failure
        notify_up "/usr/local/bin/up"
        notify_down "/usr/local/bin/down"
        TCP_CHECK {
            connect_ip 192.0.2.31
            connect_port 8080
            connect_timeout 3
            retry 4
            delay_before_retry 2
            delay_loop 4
            warmup 5
        }
        HTTP_GET {
            url {
                path /health
                digest 9b3a0c85a887a256d6939da88aabd8cd
                status_code 200-299 304
            }
            url {
                path /
            }
            virtualhost www.example.com
            connect_timeout 7
            retry 2
            delay_before_retry 3
        }
    }
    real_server 192.0.2.12 80 {
        weight 1
        SSL_GET {
            url {
                path /tls
                status_code 200
            }
        }
        MISC_CHECK {
            misc_path "/usr/local/bin/check.sh 192.0.2.12"
            misc_timeout 5
            misc_dynamic
            warmup 3
        }
    }
}
"#;

fn sock(s: &str) -> SocketAddr {
    s.parse().expect("socket address")
}

#[test]
fn every_listed_check_option_parses_without_warnings_and_reaches_the_check_config() {
    let parsed = parse_text("every-option.conf", EVERY_OPTION);
    let not_notes: Vec<String> = parsed
        .diagnostics
        .items
        .iter()
        .filter(|d| d.severity != Severity::Note)
        .map(|d| d.message.clone())
        .collect();
    assert!(not_notes.is_empty(), "{not_notes:#?}");
    let notes: Vec<&str> = parsed
        .diagnostics
        .of(Severity::Note)
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(
        notes.len(),
        2,
        "only the lb_algo / lb_kind alias notes: {notes:#?}"
    );
    assert!(notes.iter().all(|n| n.contains("deprecated alias")));

    let (health, conversion) = HealthConfig::from_keepalived(&parsed.model, 7);
    assert!(conversion.is_empty(), "{conversion:?}");
    assert_eq!(health.warmup_seed, 7);

    // vrrp_script: interval, timeout, rise, fall, weight, init_fail.
    let nginx = &health.scripts[0];
    assert_eq!(nginx.name, "chk_nginx");
    assert_eq!(nginx.interval, Duration::from_secs(2));
    assert_eq!(nginx.timeout, Duration::from_secs(3));
    assert_eq!((nginx.rise, nginx.fall, nginx.weight), (2, 3, -20));
    assert!(nginx.init_fail);
    assert_eq!(health.scripts[1].weight, 0);

    // Tracking references reach the instance.
    let node = parsed.model.to_node_config();
    let inst = &node.instances[0];
    assert_eq!(inst.track_scripts[1].weight, Some(0));
    assert_eq!(inst.track_files[0].weight, Some(10));
    assert_eq!(inst.track_interfaces[0].weight, -10);
    assert_eq!(node.track_files[0].weight, 5);

    // virtual_server: quorum, hysteresis, hooks, sorry_server, omega.
    let vs = &health.virtual_servers[0];
    assert_eq!((vs.quorum, vs.hysteresis), (2, 1));
    assert_eq!(vs.quorum_up.as_deref(), Some("/usr/local/bin/quorum_up"));
    assert_eq!(
        vs.quorum_down.as_deref(),
        Some("/usr/local/bin/quorum_down")
    );
    assert_eq!(
        vs.sorry_server.as_ref().map(|s| s.address),
        Some(sock("192.0.2.200:80"))
    );
    assert!(vs.omega);

    // real_server: weight, inhibit_on_failure, notify_up/down.
    let rs = &vs.real_servers[0];
    assert_eq!(rs.weight, 3);
    assert!(rs.inhibit_on_failure);
    assert_eq!(rs.notify_up.as_deref(), Some("/usr/local/bin/up"));
    assert_eq!(rs.notify_down.as_deref(), Some("/usr/local/bin/down"));

    // TCP_CHECK: connect_ip/port, connect_timeout, retry, delay_before_retry, delay_loop,
    // warmup; alpha inherited from the virtual server.
    let tcp = &rs.checkers[0];
    assert_eq!(
        tcp.kind,
        CheckKind::Tcp {
            connect: sock("192.0.2.31:8080")
        }
    );
    assert_eq!(tcp.connect_timeout, Duration::from_secs(3));
    assert_eq!(tcp.retry, 4);
    assert_eq!(tcp.delay_before_retry, Duration::from_secs(2));
    assert_eq!(tcp.delay_loop, Duration::from_secs(4));
    assert_eq!(tcp.warmup, Some(Duration::from_secs(5)));
    assert!(tcp.alpha);

    // HTTP_GET: url path / digest / status_code ranges (default 200–299), virtualhost,
    // retry, delay_loop inherited from the virtual server.
    let http = &rs.checkers[1];
    let CheckKind::Http {
        connect,
        virtualhost,
        urls,
        tls,
        ..
    } = &http.kind
    else {
        panic!("HTTP_GET converted to {:?}", http.kind);
    };
    assert_eq!(*connect, sock("192.0.2.11:80"));
    assert_eq!(virtualhost.as_deref(), Some("www.example.com"));
    assert!(tls.is_none());
    assert_eq!(urls[0].path, "/health");
    assert_eq!(urls[0].digest.map(|d| d[0]), Some(0x9b));
    assert_eq!(urls[0].status_codes.ranges(), &[200..=299, 304..=304]);
    assert!(urls[1].status_codes.accepts(204) && !urls[1].status_codes.accepts(500));
    assert_eq!(http.connect_timeout, Duration::from_secs(7));
    assert_eq!(http.retry, 2);
    assert_eq!(http.delay_loop, Duration::from_secs(6));

    // SSL_GET is HTTP over TLS.
    let ssl = &vs.real_servers[1].checkers[0];
    assert!(
        matches!(&ssl.kind, CheckKind::Http { tls: Some(_), urls, .. } if urls[0].path == "/tls")
    );

    // MISC_CHECK: misc_path, misc_timeout, misc_dynamic; retry default 0.
    let misc = &vs.real_servers[1].checkers[1];
    assert_eq!(
        misc.kind,
        CheckKind::Misc {
            command: "/usr/local/bin/check.sh 192.0.2.12".to_string(),
            timeout: Some(Duration::from_secs(5)),
            dynamic: true,
            user: None,
        }
    );
    assert_eq!(misc.retry, 0);
    assert_eq!(misc.warmup, Some(Duration::from_secs(3)));
}
