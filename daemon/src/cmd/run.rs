//! `vrrplab run`: the VRRP daemon (see `crate::run`), with keepalived's command line.
//!
//! Every option of keepalived 2.2.7's `--help` is either carried out, accepted with a warning
//! saying what it does not do here, or refused with an error naming it ([`flags`]); anything
//! else is a usage error (exit 2). The binary also answers to the name `keepalived` (a symlink
//! `keepalived -> vrrplab`): it then parses this command line directly and forks into the
//! background unless `-n` is given, as keepalived does; `vrrplab run` always stays in the
//! foreground (`-n` is accepted and changes nothing).
//!
//! Exit status: 0 after SIGTERM / SIGINT (priority 0 sent, addresses removed); 1 when the
//! daemon cannot start (invalid configuration, a live process holds the pid file, missing
//! privilege). `-t` exits with keepalived's config-test codes ([`config_test`]).

mod config_test;
mod flags;

use std::process::ExitCode;

/// Default configuration file, as keepalived's.
pub const DEFAULT_CONFIG: &str = "/etc/keepalived/keepalived.conf";

/// Arguments of `vrrplab run` (and of the binary invoked as `keepalived`).
#[derive(clap::Args, Debug, Default)]
#[command(disable_version_flag = true)]
pub struct Args {
    /// keepalived.conf to run.
    #[arg(short = 'f', long = "use-file", value_name = "FILE", default_value = DEFAULT_CONFIG)]
    pub file: String,
    /// Only run the VRRP subsystem: `virtual_server` blocks are not acted on.
    #[arg(short = 'P', long = "vrrp")]
    pub vrrp_only: bool,
    /// Only run the health checkers: `vrrp_instance` blocks are not run.
    #[arg(short = 'C', long = "check", conflicts_with = "vrrp_only")]
    pub check_only: bool,
    /// Accepted: there is no BFD subsystem.
    #[arg(short = 'B', long = "no_bfd")]
    pub no_bfd: bool,
    /// Accepted: there are no child processes to force.
    #[arg(long = "all")]
    pub all: bool,
    /// Log to the console (stderr), besides the system log.
    #[arg(short = 'l', long = "log-console")]
    pub log_console: bool,
    /// Detailed logs (debug level: every discarded datagram, every skipped output).
    #[arg(short = 'D', long = "log-detail")]
    pub log_detail: bool,
    /// Syslog facility: 0-7 or local0-7 (LOG_LOCALn), user or daemon (the default).
    #[arg(short = 'S', long = "log-facility", value_name = "FACILITY")]
    pub log_facility: Option<String>,
    /// Also write the log to FILE (appended).
    #[arg(short = 'g', long = "log-file", value_name = "FILE")]
    pub log_file: Option<String>,
    /// Accepted: every log line is written (and flushed) at once.
    #[arg(long = "flush-log-file")]
    pub flush_log_file: bool,
    /// Don't log to the system log (syslog / journald).
    #[arg(short = 'G', long = "no-syslog")]
    pub no_syslog: bool,
    /// umask for files the daemon creates (numeric, e.g. 022 or 0x12).
    #[arg(short = 'u', long = "umask", value_name = "MASK")]
    pub umask: Option<String>,
    /// Accepted with a warning: not acted on.
    #[arg(short = 'X', long = "release-vips")]
    pub release_vips: bool,
    /// Refused: `vrrplab run` always removes its addresses when it stops.
    #[arg(short = 'V', long = "dont-release-vrrp")]
    pub dont_release_vrrp: bool,
    /// Refused: `vrrplab run` removes what it installed when it stops.
    #[arg(short = 'I', long = "dont-release-ipvs")]
    pub dont_release_ipvs: bool,
    /// Accepted: there are no child processes to respawn.
    #[arg(short = 'R', long = "dont-respawn")]
    pub dont_respawn: bool,
    /// Stay in the foreground (always so for `vrrplab run`; as `keepalived`, don't fork).
    #[arg(short = 'n', long = "dont-fork")]
    pub dont_fork: bool,
    /// Log the configuration as read (keepalived.conf text, defaults written out) at start.
    #[arg(short = 'd', long = "dump-conf")]
    pub dump_conf: bool,
    /// Pid file of the daemon [default: /run/keepalived.pid].
    #[arg(short = 'p', long = "pid", value_name = "FILE")]
    pub pid: Option<String>,
    /// Pid file of the VRRP process: the same process here [default: /run/keepalived_vrrp.pid].
    #[arg(short = 'r', long = "vrrp_pid", value_name = "FILE")]
    pub vrrp_pid: Option<String>,
    /// Pid file of the checkers: written (with this process's pid) only when given.
    #[arg(short = 'c', long = "checkers_pid", value_name = "FILE")]
    pub checkers_pid: Option<String>,
    /// Accepted: there is no BFD process (no file is written).
    #[arg(short = 'b', long = "bfd_pid", value_name = "FILE")]
    pub bfd_pid: Option<String>,
    /// Refused: genhash is not part of vrrplab.
    #[arg(short = 'T', long = "genhash")]
    pub genhash: bool,
    /// Accepted with a warning: address changes are not reported.
    #[arg(short = 'a', long = "address-monitoring")]
    pub address_monitoring: bool,
    /// Accepted with a warning: there is no SNMP subagent (see `--status`).
    #[arg(short = 'x', long = "snmp")]
    pub snmp: bool,
    /// Accepted with a warning: there is no SNMP subagent.
    #[arg(short = 'A', long = "snmp-agent-socket", value_name = "FILE")]
    pub snmp_agent_socket: Option<String>,
    /// Run in the network namespace NAME (/run/netns/NAME).
    #[arg(short = 's', long = "namespace", value_name = "NAME")]
    pub namespace: Option<String>,
    /// Allow a core dump on abnormal exit (RLIMIT_CORE unlimited).
    #[arg(short = 'm', long = "core-dump")]
    pub core_dump: bool,
    /// Accepted with a warning: the system's core_pattern is left alone.
    #[arg(
        short = 'M',
        long = "core-dump-pattern",
        value_name = "PATTERN",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "core"
    )]
    pub core_dump_pattern: Option<String>,
    /// A missing `include` file is an error, not a warning.
    #[arg(short = 'e', long = "all-config")]
    pub all_config: bool,
    /// Config id for `@id` lines; default: the short host name.
    #[arg(short = 'i', long = "config-id", value_name = "ID")]
    pub config_id: Option<String>,
    /// Print the signal number for STOP, RELOAD, DATA or JSON and exit.
    #[arg(long = "signum", value_name = "SIGFUNC")]
    pub signum: Option<String>,
    /// Check the configuration and exit with keepalived's codes (0, 4, 5, 6); diagnostics to
    /// stderr, or to FILE.
    #[arg(
        short = 't',
        long = "config-test",
        value_name = "FILE",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = ""
    )]
    pub config_test: Option<String>,
    /// Accepted with a warning: perf recording is not built in.
    #[arg(long = "perf", value_name = "WHEN", num_args = 0..=1, require_equals = true, default_missing_value = "run")]
    pub perf: Option<String>,
    /// Accepted with a warning: no memory checks are built in.
    #[arg(long = "no-mem-check")]
    pub no_mem_check: bool,
    /// Accepted with a warning: keepalived's debug options are not built in (use -D).
    #[arg(long = "debug", value_name = "OPTIONS", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    pub debug: Option<String>,
    /// Print the version and exit.
    #[arg(short = 'v', long = "version")]
    pub version: bool,
    /// Serve `GET /` (JSON state) and `GET /metrics` (Prometheus text) on this loopback address.
    #[arg(long, value_name = "127.0.0.1:PORT")]
    pub status: Option<std::net::SocketAddr>,
    /// Load balancer for virtual_server: auto (IPVS if the kernel has it, else nftables)
    #[arg(long, value_name = "BACKEND", default_value = "auto")]
    pub lb_backend: crate::run::lb::Choice,
}

/// The configuration as `vrrplab run` reads it (see [`config_test::parse`]).
pub fn parse_config(
    file: &str,
    config_id: Option<String>,
    all_config: bool,
) -> vrrplab_core::config::Parsed {
    config_test::parse(file, config_id, all_config)
}

/// How the daemon was invoked: `vrrplab run …` or as `keepalived …` (argv\[0\]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invocation {
    /// `vrrplab run`: foreground always.
    Vrrplab,
    /// The binary called `keepalived`: forks unless `-n`.
    Keepalived,
}

/// Runs `vrrplab run` (or `keepalived`).
pub fn run(args: Args, invocation: Invocation) -> ExitCode {
    if args.version {
        println!("{}", version_text(invocation));
        return ExitCode::SUCCESS;
    }
    if let Some(name) = &args.signum {
        return match flags::signum(name) {
            Ok(n) => {
                println!("{n}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{}: {e}", invocation.name());
                ExitCode::from(1)
            }
        };
    }
    let config_id = args.config_id.clone().or_else(short_hostname);
    if let Some(target) = &args.config_test {
        return config_test::run(&args.file, config_id, args.all_config, target);
    }
    let checked = match flags::check(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{}: {e}", invocation.name());
            return ExitCode::from(1);
        }
    };
    let options = crate::run::Options {
        file: args.file.clone(),
        config_id,
        status: args.status,
        vrrp: !args.check_only,
        checkers: !args.vrrp_only,
        all_config: args.all_config,
        dump_conf: args.dump_conf,
        log: crate::run::log::Settings {
            console: args.log_console,
            detail: args.log_detail,
            facility: checked.facility,
            file: args.log_file.clone(),
            system: !args.no_syslog,
            identifier: match invocation {
                Invocation::Vrrplab => "vrrplab",
                Invocation::Keepalived => "Keepalived_vrrp",
            },
        },
        pid_files: flags::pid_files(&args),
        namespace: args.namespace.clone(),
        umask: checked.umask,
        core_dump: args.core_dump,
        fork: invocation == Invocation::Keepalived && !args.dont_fork,
        warnings: checked.warnings,
        lb_backend: args.lb_backend,
    };
    crate::run::run(options)
}

impl Invocation {
    /// The program name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Invocation::Vrrplab => "vrrplab run",
            Invocation::Keepalived => "keepalived",
        }
    }
}

/// `-v`: the version, and what this binary stands in for.
fn version_text(invocation: Invocation) -> String {
    let version = env!("CARGO_PKG_VERSION");
    match invocation {
        Invocation::Vrrplab => format!("vrrplab {version}"),
        Invocation::Keepalived => format!(
            "vrrplab {version} (invoked as keepalived: keepalived-compatible VRRP daemon, not keepalived)"
        ),
    }
}

/// The short host name (up to the first dot), as keepalived's default config id.
fn short_hostname() -> Option<String> {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").ok()?;
    let short = name.trim().split('.').next()?.to_string();
    (!short.is_empty()).then_some(short)
}
