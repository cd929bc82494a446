//! Integration tests: `vrrplab check` on corpus files, on clusters of files (cross-node
//! findings), JSON output, includes through the filesystem, and exit codes.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The corpus of real keepalived captures and configs in this repository (`testdata/corpus`).
fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/corpus")
}

/// Runs `vrrplab check ARGS` in `dir`; returns (exit code, stdout).
fn check(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_vrrplab"))
        .arg("check")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run vrrplab");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("utf-8 output"),
    )
}

const NODE: &str = "vrrp_instance VI_1 {\n    state BACKUP\n    interface eth0\n    virtual_router_id 51\n    priority PRIO\n    advert_int 1\n    authentication {\n        auth_type PASS\n        auth_pass SECRET\n    }\n    virtual_ipaddress {\n        192.0.2.100/24\n    }\n}\n";

fn write_pair(dir: &Path, a: (&str, &str), b: (&str, &str)) {
    let node = |(prio, pass): (&str, &str)| NODE.replace("PRIO", prio).replace("SECRET", pass);
    std::fs::write(dir.join("n1.conf"), node(a)).expect("write n1");
    std::fs::write(dir.join("n2.conf"), node(b)).expect("write n2");
}

#[test]
fn valid_corpus_config_exits_zero_with_a_status_line() {
    let (code, out) = check(&corpus_dir(), &["v2-steady.h1.conf"]);
    assert_eq!(code, 0, "{out}");
    insta::assert_snapshot!("corpus_valid", out);
}

#[test]
fn tutorial_lvs_config_exits_one_with_range_errors() {
    let (code, out) = check(&corpus_dir(), &["configs/lvs-dr-master.conf"]);
    assert_eq!(code, 1, "{out}");
    insta::assert_snapshot!("corpus_lvs_invalid", out);
}

#[test]
fn corpus_cluster_has_no_cross_node_finding() {
    let (code, out) = check(
        &corpus_dir(),
        &["v3-ipv4.h1.conf", "v3-ipv4.h2.conf", "v3-ipv4.h3.conf"],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("cross-node: 0 finding(s)"), "{out}");
}

#[test]
fn auth_mismatch_pair_reports_the_finding_and_exits_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_pair(dir.path(), ("100", "1111"), ("99", "2222"));
    let (code, out) = check(dir.path(), &["n1.conf", "n2.conf"]);
    assert_eq!(code, 1, "{out}");
    insta::assert_snapshot!("pair_auth_mismatch_text", out);
    let (code, json) = check(dir.path(), &["n1.conf", "n2.conf", "--format", "json"]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("pair_auth_mismatch_json", json);
}

#[test]
fn duplicate_priority_alone_is_a_warning_and_exits_zero() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_pair(dir.path(), ("100", "1111"), ("100", "1111"));
    let (code, out) = check(dir.path(), &["n1.conf", "n2.conf"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("warning[duplicate-priority]: VRID 51"),
        "{out}"
    );
}

#[test]
fn json_errors_and_warnings_carry_line_and_column() {
    let (code, json) = check(
        &corpus_dir(),
        &[
            "--format",
            "json",
            "configs/lvs-dr-backup.conf",
            "configs/unicast-gateway-arbiter.conf",
        ],
    );
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    let files = v["files"].as_array().expect("files array");
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["path"], "configs/lvs-dr-backup.conf");
    assert_eq!(files[0]["valid"], false);
    let errors = files[0]["errors"].as_array().expect("errors");
    let at: Vec<(u64, u64)> = errors
        .iter()
        .map(|e| {
            (
                e["line"].as_u64().expect("line"),
                e["column"].as_u64().expect("column"),
            )
        })
        .collect();
    assert_eq!(at, vec![(11, 23), (12, 22), (38, 25), (46, 13), (55, 13)]);
    let warnings = files[1]["warnings"].as_array().expect("warnings");
    assert_eq!(warnings[0]["line"], 30);
    assert_eq!(warnings[0]["column"], 25);
    assert!(v["findings"].as_array().expect("findings").is_empty());
}

#[test]
fn includes_are_read_relative_to_the_including_file_through_globs() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("etc/conf.d")).expect("mkdir");
    std::fs::write(
        dir.path().join("etc/keepalived.conf"),
        "global_defs {\n    router_id R\n}\ninclude conf.d/*.conf\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("etc/conf.d/vi1.conf"),
        NODE.replace("PRIO", "100").replace("SECRET", "1111"),
    )
    .expect("write");
    std::fs::write(
        dir.path().join("etc/conf.d/bad.conf"),
        "vrrp_instance VI_2 {\n    virtual_router_id 300\n}\n",
    )
    .expect("write");
    let (code, out) = check(dir.path(), &["etc/keepalived.conf"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("--> etc/conf.d/bad.conf:2:23"), "{out}");
    assert!(out.contains("1 vrrp_instance"), "{out}");
}

#[test]
fn config_id_option_selects_conditional_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = NODE
        .replace(
            "    priority PRIO\n",
            "@n1 priority 300\n@^n1 priority 90\n",
        )
        .replace("SECRET", "1111");
    std::fs::write(dir.path().join("c.conf"), text).expect("write");
    let (code, _) = check(dir.path(), &["--config-id", "n1", "c.conf"]);
    assert_eq!(code, 1, "priority 300 is kept for n1 and is out of range");
    let (code, out) = check(dir.path(), &["--config-id", "n2", "c.conf"]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn unreadable_file_is_an_error_and_exits_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, out) = check(dir.path(), &["missing.conf"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("error: cannot read configuration file missing.conf"),
        "{out}"
    );
}

#[test]
fn health_check_parts_that_are_not_carried_over_are_warnings_with_their_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = "global_defs {\n    enable_script_security\n}\nvrrp_script chk_unused {\n    script \"/bin/true\"\n}\nvirtual_server 192.0.2.100 80 {\n    real_server 192.0.2.11 80 {\n        HTTP_GET {\n            url {\n                path /\n                regex \"ok\"\n            }\n        }\n    }\n}\n";
    std::fs::write(dir.path().join("lb.conf"), conf).expect("write");
    let (code, out) = check(dir.path(), &["lb.conf", "--format", "json"]);
    assert_eq!(code, 0, "warnings only: {out}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let all = v["files"][0]["warnings"].as_array().expect("warnings");
    let (run, warnings): (Vec<&serde_json::Value>, Vec<&serde_json::Value>) =
        all.iter().partition(|w| {
            w["message"]
                .as_str()
                .unwrap_or("")
                .starts_with("accepted, not acted on by `vrrplab run`")
        });
    let run_lines: Vec<u64> = run
        .iter()
        .map(|w| w["line"].as_u64().unwrap_or(0))
        .collect();
    assert_eq!(
        run_lines,
        vec![7],
        "the virtual_server, for `vrrplab run`: {out}"
    );
    let at: Vec<(u64, bool)> = warnings
        .iter()
        .map(|w| {
            (
                w["line"].as_u64().unwrap_or(0),
                w["message"].as_str().unwrap_or("").contains("regex"),
            )
        })
        .collect();
    assert_eq!(at, vec![(4, false), (7, true)], "{out}");
    assert!(
        warnings[0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("chk_unused")
    );
}
