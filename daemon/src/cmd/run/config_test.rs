//! `-t/--config-test[=FILE]`: `vrrplab check` on one file — the same diagnostics, from the same
//! code ([`crate::cmd::check::diagnosed`]), then one status line — with keepalived's exit codes,
//! as Debian's keepalived 2.2.7 returns them (its `config_test_exit`; the man page's numbers
//! are one lower than what that build returns, we follow the build):
//!
//! | code | keepalived                                   | vrrplab                                  |
//! |------|----------------------------------------------|------------------------------------------|
//! | 0    | configuration OK                             | valid, no warning                        |
//! | 4    | cannot be run (file missing, fatal, bad interface) | an error: `vrrplab run` would refuse to start |
//! | 5    | errors, but it runs (unknown keyword, bad value ignored) | errors keepalived runs past (`keepalived_runs`: unknown keywords, corrected values), or warnings (among them what `vrrplab run` accepts and does not act on) |
//! | 6    | scripts configured without `enable_script_security` | the same, when there is nothing worse    |
//!
//! Diagnostics go to stderr, or to FILE with `-t=FILE`.

use crate::cmd::check::loader::FsLoader;
use std::process::ExitCode;
use vrrplab_core::config::{self, ParseOptions, Parsed, Severity};

/// keepalived's KEEPALIVED_EXIT_CONFIG: the configuration cannot be run.
pub const EXIT_CANNOT_RUN: u8 = 4;
/// keepalived's KEEPALIVED_EXIT_CONFIG_TEST: errors, but keepalived would run.
pub const EXIT_RUNS_WITH_ERRORS: u8 = 5;
/// keepalived's KEEPALIVED_EXIT_CONFIG_TEST_SECURITY: scripts without script security.
pub const EXIT_SCRIPT_SECURITY: u8 = 6;

/// Parses `file` as `vrrplab run` reads it, with `vrrplab check`'s diagnostics; with
/// `all_config` (`-e`), an `include` that matches no file is an error instead of a warning.
pub fn parse(file: &str, config_id: Option<String>, all_config: bool) -> Parsed {
    let parsed = config::parse(file, &FsLoader, &ParseOptions { config_id });
    let mut parsed = crate::cmd::check::diagnosed(parsed);
    if all_config {
        for d in &mut parsed.diagnostics.items {
            let missing = d.message.starts_with("cannot read included file")
                || (d.message.starts_with("include ") && d.message.ends_with("matches no file"));
            if missing {
                d.severity = Severity::Error;
                d.help = Some("-e/--all-config: every included file must exist".into());
            }
        }
    }
    parsed
}

/// The exit code keepalived's `-t` gives for what vrrplab found.
pub fn exit_code(parsed: &Parsed) -> u8 {
    if !parsed.runs() {
        return EXIT_CANNOT_RUN;
    }
    if !parsed.is_valid() {
        return EXIT_RUNS_WITH_ERRORS;
    }
    if scripts_without_security(parsed) {
        return EXIT_SCRIPT_SECURITY;
    }
    if parsed.diagnostics.of(Severity::Warning).next().is_some() {
        return EXIT_RUNS_WITH_ERRORS;
    }
    0
}

/// Scripts or notify hooks configured without `enable_script_security`.
fn scripts_without_security(parsed: &Parsed) -> bool {
    let m = &parsed.model;
    if m.global.enable_script_security {
        return false;
    }
    let hooks = |n: &vrrplab_core::vrrp::config::NotifyConfig| {
        n.master.is_some()
            || n.backup.is_some()
            || n.fault.is_some()
            || n.stop.is_some()
            || n.generic.is_some()
    };
    !m.scripts.is_empty()
        || m.instances.iter().any(|i| hooks(&i.notify))
        || m.sync_groups.iter().any(|g| hooks(&g.notify))
}

/// Runs `-t`: diagnostics to stderr (or `target` when not empty), keepalived's exit code.
pub fn run(file: &str, config_id: Option<String>, all_config: bool, target: &str) -> ExitCode {
    let parsed = parse(file, config_id, all_config);
    let code = exit_code(&parsed);
    let mut text = parsed.render_diagnostics();
    if !text.is_empty() {
        text.push('\n');
    }
    text.push_str(&format!(
        "{file}: {} (config test exit status {code})\n",
        if code == 0 {
            "OK"
        } else if parsed.runs() {
            "runs, with warnings or errors keepalived runs past"
        } else {
            "cannot be run"
        }
    ));
    if target.is_empty() {
        eprint!("{text}");
    } else if let Err(e) = std::fs::write(target, &text) {
        eprintln!("cannot write {target}: {e}");
        eprint!("{text}");
    }
    ExitCode::from(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str) -> u8 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.conf");
        std::fs::write(&path, text).unwrap();
        exit_code(&parse(path.to_str().unwrap(), None, false))
    }

    const INSTANCE: &str = "vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  priority 100\n  virtual_ipaddress {\n    192.0.2.100/24\n  }\n";

    #[test]
    fn valid_config_exits_0() {
        assert_eq!(code(&format!("{INSTANCE}}}\n")), 0);
    }

    #[test]
    fn error_exits_4_cannot_be_run() {
        let text = INSTANCE.replace("virtual_router_id 51", "virtual_router_id 300");
        assert_eq!(code(&format!("{text}}}\n")), EXIT_CANNOT_RUN);
    }

    #[test]
    fn unknown_keyword_exits_5_like_keepalived() {
        assert_eq!(
            code(&format!("{INSTANCE}  bogus_kw 1\n}}\n")),
            EXIT_RUNS_WITH_ERRORS
        );
    }

    #[test]
    fn directive_run_does_not_act_on_is_a_warning_and_exits_5() {
        let text = INSTANCE.replace("192.0.2.100/24\n", "192.0.2.100/24 label eth0:vip\n");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.conf");
        std::fs::write(&path, format!("{text}}}\n")).unwrap();
        let parsed = parse(path.to_str().unwrap(), None, false);
        assert!(
            parsed
                .render_diagnostics()
                .contains(crate::run::not_acted_on::PREFIX),
            "{}",
            parsed.render_diagnostics()
        );
        assert_eq!(exit_code(&parsed), EXIT_RUNS_WITH_ERRORS);
    }

    #[test]
    fn script_without_script_security_exits_6() {
        let text = format!(
            "vrrp_script chk {{\n  script \"/bin/true\"\n}}\n{INSTANCE}  track_script {{\n    chk\n  }}\n}}\n"
        );
        assert_eq!(code(&text), EXIT_SCRIPT_SECURITY);
        let secured =
            format!("global_defs {{\n  enable_script_security\n  script_user root\n}}\n{text}");
        assert_eq!(code(&secured), 0);
    }

    #[test]
    fn missing_include_is_an_error_only_with_all_config() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.conf");
        std::fs::write(
            &path,
            format!(
                "include {}/missing.conf\n{INSTANCE}}}\n",
                dir.path().display()
            ),
        )
        .unwrap();
        let file = path.to_str().unwrap();
        assert_eq!(exit_code(&parse(file, None, false)), EXIT_RUNS_WITH_ERRORS);
        assert_eq!(exit_code(&parse(file, None, true)), EXIT_CANNOT_RUN);
    }
}
