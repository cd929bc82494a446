//! Integration tests: `vrrplab replay` on corpus captures (text, `--json`, `--fail-on`, `--as`).

use std::path::{Path, PathBuf};
use std::process::Command;

fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/corpus")
        .join(name)
}

fn vrrplab(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_vrrplab"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn replay_json_of_split_brain_lists_the_dual_master_and_fail_on_exits_1() {
    let file = corpus("split-brain.pcap");
    let file = file.to_str().unwrap();
    let out = vrrplab(&[
        "replay",
        file,
        "--json",
        "--fail-on",
        "dual-master,flapping",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["packets"], 296);
    assert_eq!(json["vrrp_packets"], 39);
    assert_eq!(json["findings"][0]["kind"], "dual-master");
    let ok = vrrplab(&["replay", file, "--fail-on", "failover"]);
    assert_eq!(ok.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("TIMELINE"));
}

#[test]
fn replay_as_the_surviving_router_agrees_with_keepalived() {
    let file = corpus("v2-kill-master.pcap");
    let out = vrrplab(&[
        "replay",
        file.to_str().unwrap(),
        "--as",
        "192.0.2.12",
        "--json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json["conformance"]["differences"].as_array().unwrap().len(),
        0
    );
    assert_eq!(
        json["conformance"]["agreements"].as_array().unwrap().len(),
        8
    );
}

#[test]
fn replay_of_a_missing_file_or_bad_kind_fails_cleanly() {
    assert_eq!(
        vrrplab(&["replay", "/nonexistent.pcap"]).status.code(),
        Some(2)
    );
    let file = corpus("v2-steady.pcap");
    assert_eq!(
        vrrplab(&["replay", file.to_str().unwrap(), "--fail-on", "nonsense"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn replay_as_h1_with_its_keepalived_conf_explains_the_kills_and_agrees_otherwise() {
    let file = corpus("v3-ipv4.pcap");
    let conf = corpus("v3-ipv4.h1.conf");
    let out = vrrplab(&[
        "replay",
        file.to_str().unwrap(),
        "--as",
        "192.0.2.11",
        "--config",
        conf.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("as 192.0.2.11: 3 agreements, 0 differences, 5 explained"),
        "{stdout}"
    );
    assert!(stdout.contains("process killed"), "{stdout}");
}

#[test]
fn replay_config_follows_includes_and_config_id_like_check() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("conf.d")).unwrap();
    let root = dir.path().join("keepalived.conf");
    std::fs::write(
        &root,
        "global_defs {\n    router_id h1\n    vrrp_version 3\n}\ninclude conf.d/*.conf\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("conf.d/vi1.conf"),
        "vrrp_instance VI_1 {\n    state MASTER\n    interface eth0\n    virtual_router_id 51\n@h1  priority 200\n@^h1 priority 10\n    advert_int 0.1\n    virtual_ipaddress {\n        192.0.2.100/24\n    }\n}\n",
    )
    .unwrap();
    let file = corpus("v3-ipv4.pcap");
    let run = |config_id: &str| {
        let out = vrrplab(&[
            "replay",
            file.to_str().unwrap(),
            "--as",
            "192.0.2.11",
            "--config",
            root.to_str().unwrap(),
            "--config-id",
            config_id,
            "--json",
        ]);
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let notes: Vec<String> = json["conformance"]["notes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["note"].as_str().unwrap_or("").to_string())
            .collect();
        (out.status.code(), json, notes)
    };
    let (code, json, notes) = run("h1");
    assert_eq!(code, Some(0), "{notes:?}");
    assert!(
        !notes
            .iter()
            .any(|n| n.contains("has no") || n.contains("configured priority")),
        "the included instance with priority 200 is used: {notes:?}"
    );
    assert_eq!(
        json["conformance"]["differences"].as_array().unwrap().len(),
        0
    );
    assert_eq!(
        json["conformance"]["agreements"].as_array().unwrap().len(),
        3
    );
    let (_, _, notes) = run("h2");
    assert!(
        notes.iter().any(|n| n.contains("configured priority 10")),
        "@^h1 line taken for another config id: {notes:?}"
    );
}
