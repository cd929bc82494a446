//! keepalived's options that need more than a field: refused ones (an error naming the option
//! and why), accepted ones that change nothing here (a warning logged at start), the syslog
//! facility, the umask, `--signum` and the pid files.

use super::Args;
use crate::run::log::Facility;

/// What the options come to after checking.
#[derive(Debug, Default)]
pub struct Checked {
    /// `-S`, or LOG_DAEMON.
    pub facility: Facility,
    /// `-u`, parsed.
    pub umask: Option<u32>,
    /// One line per option accepted but not acted on, logged at start.
    pub warnings: Vec<String>,
}

/// Checks the combination of options; `Err` names a refused option and why.
pub fn check(args: &Args) -> Result<Checked, String> {
    if args.genhash {
        return Err(
            "-T/--genhash: genhash is not part of vrrplab; use keepalived's genhash".into(),
        );
    }
    if args.dont_release_vrrp {
        return Err("-V/--dont-release-vrrp is not supported: vrrplab run always sends priority 0 and removes its virtual addresses when it stops".into());
    }
    if args.dont_release_ipvs {
        return Err("-I/--dont-release-ipvs is not supported: vrrplab run removes what it installed when it stops".into());
    }
    let facility = match &args.log_facility {
        Some(f) => Facility::parse(f).ok_or_else(|| {
            format!("-S/--log-facility {f}: expected 0-7, local0-local7, user or daemon")
        })?,
        None => Facility::default(),
    };
    let umask = match &args.umask {
        Some(m) => Some(parse_umask(m).ok_or_else(|| {
            format!("-u/--umask {m}: expected a number such as 022, 0x12 or 18 (at most 0777)")
        })?),
        None => None,
    };
    let mut warnings = Vec::new();
    let mut accepted = |set: bool, text: &str| {
        if set {
            warnings.push(text.to_string());
        }
    };
    accepted(
        args.release_vips,
        "-X/--release-vips: accepted, not acted on by vrrplab run",
    );
    accepted(
        args.address_monitoring,
        "-a/--address-monitoring: accepted, not acted on: address changes are not logged",
    );
    accepted(
        args.snmp || args.snmp_agent_socket.is_some(),
        "-x/--snmp, -A/--snmp-agent-socket: accepted, not acted on: there is no SNMP subagent (use --status for JSON and Prometheus metrics)",
    );
    accepted(
        args.core_dump_pattern.is_some(),
        "-M/--core-dump-pattern: accepted, not acted on: /proc/sys/kernel/core_pattern is left alone",
    );
    accepted(
        args.perf.is_some(),
        "--perf: accepted, not acted on: perf recording is not built in",
    );
    accepted(
        args.no_mem_check,
        "--no-mem-check: accepted, not acted on: no memory checks are built in",
    );
    accepted(
        args.debug.is_some(),
        "--debug: accepted, not acted on: keepalived's debug options are not built in (use -D)",
    );
    // Accepted and true of vrrplab as it is, so no warning: -B (no BFD), --all, -R (no child
    // processes to respawn), -b (no BFD process), --flush-log-file (every line is flushed),
    // -n (vrrplab run stays in the foreground).
    Ok(Checked {
        facility,
        umask,
        warnings,
    })
}

/// `-u MASK` as keepalived reads it: octal with a leading 0, hex with 0x, else decimal.
pub fn parse_umask(text: &str) -> Option<u32> {
    let value = if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        u32::from_str_radix(hex, 16).ok()?
    } else if text.len() > 1 && text.starts_with('0') {
        u32::from_str_radix(&text[1..], 8).ok()?
    } else {
        text.parse().ok()?
    };
    (value <= 0o777).then_some(value)
}

/// `--signum=SIGFUNC`: the signal this daemon acts on for keepalived's function names.
/// DATA and JSON both map to SIGUSR1 (a JSON state dump); STATS, STATS_CLEAR and TDATA have no
/// handler here, and sending keepalived's numbers would end the daemon, so they are errors.
pub fn signum(name: &str) -> Result<i32, String> {
    match name.to_ascii_uppercase().as_str() {
        "STOP" => Ok(libc::SIGTERM),
        "RELOAD" => Ok(libc::SIGHUP),
        "DATA" | "JSON" => Ok(libc::SIGUSR1),
        "STATS" | "STATS_CLEAR" | "TDATA" => Err(format!(
            "--signum={name}: vrrplab run has no {name} signal (STOP, RELOAD, DATA and JSON have one; use --status for statistics)"
        )),
        _ => Err(format!(
            "--signum={name}: unknown signal function (STOP, RELOAD, DATA, JSON)"
        )),
    }
}

/// The pid files to write: `-p` and `-r` (keepalived's defaults when not given, so that
/// vrrplab and keepalived never run side by side unnoticed), `-c` when given.
pub fn pid_files(args: &Args) -> Vec<String> {
    let dir = match &args.namespace {
        // keepalived keeps a namespace's pid files in /run/keepalived/keepalived_NAME.
        Some(ns) => format!("/run/keepalived/keepalived_{ns}"),
        None => "/run".to_string(),
    };
    let mut files = vec![
        args.pid
            .clone()
            .unwrap_or_else(|| format!("{dir}/keepalived.pid")),
        args.vrrp_pid
            .clone()
            .unwrap_or_else(|| format!("{dir}/keepalived_vrrp.pid")),
    ];
    files.extend(args.checkers_pid.clone());
    files.dedup();
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn umask_is_octal_with_leading_zero_hex_with_0x_else_decimal() {
        assert_eq!(parse_umask("022"), Some(0o22));
        assert_eq!(parse_umask("0x12"), Some(0o22));
        assert_eq!(parse_umask("18"), Some(0o22));
        assert_eq!(parse_umask("0"), Some(0));
        assert_eq!(parse_umask("0999"), None);
        assert_eq!(parse_umask("01000"), None);
        assert_eq!(parse_umask("abc"), None);
    }

    #[test]
    fn signum_names_only_signals_the_daemon_handles() {
        assert_eq!(signum("STOP"), Ok(15));
        assert_eq!(signum("reload"), Ok(1));
        assert_eq!(signum("DATA"), Ok(10));
        assert_eq!(signum("JSON"), Ok(10));
        assert!(signum("STATS").unwrap_err().contains("no STATS signal"));
        assert!(signum("FOO").unwrap_err().contains("unknown"));
    }

    #[test]
    fn refused_options_are_errors_naming_the_option() {
        let args = Args {
            dont_release_vrrp: true,
            ..Args::default()
        };
        assert!(
            check(&args)
                .unwrap_err()
                .starts_with("-V/--dont-release-vrrp")
        );
        let args = Args {
            genhash: true,
            ..Args::default()
        };
        assert!(check(&args).unwrap_err().contains("genhash"));
        let args = Args {
            log_facility: Some("local9".into()),
            ..Args::default()
        };
        assert!(
            check(&args)
                .unwrap_err()
                .contains("-S/--log-facility local9")
        );
    }

    #[test]
    fn accepted_options_without_effect_are_warned_about() {
        let args = Args {
            snmp: true,
            release_vips: true,
            no_bfd: true,
            dont_respawn: true,
            ..Args::default()
        };
        let checked = check(&args).unwrap();
        assert_eq!(checked.warnings.len(), 2, "{:?}", checked.warnings);
        assert!(checked.warnings[1].contains("no SNMP subagent"));
    }

    #[test]
    fn pid_files_default_to_keepalived_paths_and_follow_the_namespace() {
        assert_eq!(
            pid_files(&Args::default()),
            ["/run/keepalived.pid", "/run/keepalived_vrrp.pid"]
        );
        let args = Args {
            namespace: Some("blue".into()),
            checkers_pid: Some("/tmp/c.pid".into()),
            ..Args::default()
        };
        assert_eq!(
            pid_files(&args),
            [
                "/run/keepalived/keepalived_blue/keepalived.pid",
                "/run/keepalived/keepalived_blue/keepalived_vrrp.pid",
                "/tmp/c.pid"
            ]
        );
    }
}
