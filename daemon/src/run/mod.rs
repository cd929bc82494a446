//! `vrrplab run`: the production daemon around [`vrrplab_core::node::Node`].
//!
//! One tokio current-thread runtime and one driver loop ([`driver`]): signals, link and
//! address events, host-change results, received datagrams, probe results, a track-file poll
//! tick and the core's next deadline are selected (biased, in that order); after every input
//! the node's outputs are drained completely. The core's clock is the tokio clock since start.
//!
//! Linux I/O: raw protocol-112 sockets per interface and family ([`socket`]), VIPs over
//! rtnetlink ([`addresses`]) from a worker task that never blocks the loop ([`host`]), GARP /
//! unsolicited NA over AF_PACKET ([`announce`]), interfaces and their addresses followed
//! through rtnetlink events ([`monitor`], [`interfaces`]), scripts and hooks as children
//! ([`scripts`]). At start: capabilities checked before the fork and the pid files ([`caps`]),
//! and addresses a previous run left behind removed ([`stale`]). Optional status endpoint ([`http`]): JSON and Prometheus text.
//!
//! `virtual_server` blocks: their checkers run as tasks and children ([`checkers`]) and the pools
//! become kernel forwarding state through a worker thread ([`lb`]: IPVS or nftables); the loop
//! selects on probe results and the checkers' deadline too, and never waits for either.
//!
//! Around the loop, as keepalived: the network namespace (`-s`), umask and core dumps, the fork
//! (as `keepalived` without `-n`, [`daemonize`]), logging ([`log`]), pid files ([`pidfile`]),
//! readiness for systemd ([`lifecycle`], [`sdnotify`]), and the loop's real-time scheduling
//! (`vrrp_rt_priority`, [`realtime`]).

pub mod addresses;
pub mod announce;
pub mod caps;
#[cfg(feature = "replay")]
pub mod capture;
pub mod checkers;
pub mod config;
pub mod daemonize;
pub mod deadline;
mod driver;
pub mod dumps;
pub mod fifo;
pub mod firewall;
pub mod host;
pub mod http;
pub mod interfaces;
pub mod lb;
pub mod lifecycle;
pub mod log;
pub mod memory;
pub mod monitor;
pub mod not_acted_on;
pub mod packet;
pub mod pidfile;
pub mod realtime;
pub mod scripts;
pub mod sdnotify;
pub mod socket;
pub mod stale;
pub mod status;
pub mod vmac;

use std::process::ExitCode;

/// What `vrrplab run` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// keepalived.conf path.
    pub file: String,
    /// Config id for `@id` lines.
    pub config_id: Option<String>,
    /// Loopback address of the status endpoint.
    pub status: Option<std::net::SocketAddr>,
    /// Run the VRRP instances (not `-C`).
    pub vrrp: bool,
    /// Run the health checkers (not `-P`).
    pub checkers: bool,
    /// `-e`: a missing include is an error (checked at start).
    pub all_config: bool,
    /// `-d`: log the configuration as read at start.
    pub dump_conf: bool,
    /// Where to log.
    pub log: log::Settings,
    /// Pid files to write at start and remove at exit.
    pub pid_files: Vec<String>,
    /// `-s`: the network namespace (/run/netns/NAME) to run in.
    pub namespace: Option<String>,
    /// `-u`: the umask.
    pub umask: Option<u32>,
    /// `-m`: allow core dumps.
    pub core_dump: bool,
    /// Fork into the background (the binary invoked as `keepalived` without `-n`).
    pub fork: bool,
    /// Options accepted but not acted on, logged as warnings at start.
    pub warnings: Vec<String>,
    /// `--lb-backend`: the virtual servers' data plane.
    pub lb_backend: lb::Choice,
}

/// Runs the daemon until SIGTERM / SIGINT; exit 0 after a graceful stop, 1 when it cannot start.
pub fn run(mut options: Options) -> ExitCode {
    match prepare(&mut options) {
        Ok(pid_files) => {
            let code = run_loop(options);
            drop(pid_files);
            code
        }
        Err(e) => {
            eprintln!("vrrplab run: {e}");
            ExitCode::from(1)
        }
    }
}

/// Everything before the loop. First what refuses a start before anything is changed: the
/// file read and validated (with the start-up checks of `-e`), then the capabilities
/// ([`caps`]); then in keepalived's order: namespace, umask, core dumps, fork, logging, pid
/// files and the dump of `-d`.
fn prepare(options: &mut Options) -> Result<pidfile::PidFiles, String> {
    if options.fork {
        absolute_paths(options);
    }
    // The file is read again by the driver; read here first so that an invalid file is
    // reported before the fork and before any pid file is written, and for -e and -d.
    let parsed =
        crate::cmd::run::parse_config(&options.file, options.config_id.clone(), options.all_config);
    if !parsed.runs() {
        return Err(parsed.render_diagnostics());
    }
    caps::check()?;
    if let Some(ns) = &options.namespace {
        enter_namespace(ns)?;
    }
    if let Some(mask) = options.umask {
        nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(mask));
    }
    if options.core_dump {
        let unlimited = libc::rlimit {
            rlim_cur: libc::RLIM_INFINITY,
            rlim_max: libc::RLIM_INFINITY,
        };
        // SAFETY: setrlimit reads one rlimit from a valid pointer.
        if unsafe { libc::setrlimit(libc::RLIMIT_CORE, &unlimited) } != 0 {
            let e = std::io::Error::last_os_error();
            return Err(format!("-m: cannot allow core dumps: {e}"));
        }
    }
    let pipe = if options.fork {
        let pipe = daemonize::fork()?;
        std::env::set_current_dir("/").map_err(|e| format!("cannot change to /: {e}"))?;
        Some(pipe)
    } else {
        None
    };
    log::init(&options.log)?;
    lifecycle::init(pipe);
    for w in &options.warnings {
        tracing::warn!("{w}");
    }
    scripts::configure_from(
        &parsed.model.global,
        any_scripts(&parsed.model),
        !parsed.model.virtual_servers.is_empty(),
    );
    let pid_files = pidfile::PidFiles::create(&options.pid_files, std::process::id())?;
    if options.dump_conf {
        for line in parsed.model.to_keepalived_conf().lines() {
            tracing::info!("{line}");
        }
    }
    Ok(pid_files)
}

/// Whether the configuration runs anything as a child: `vrrp_script`s, notify hooks, FIFO
/// reader scripts.
pub(crate) fn any_scripts(model: &vrrplab_core::config::model::KeepalivedConfig) -> bool {
    let g = &model.global;
    let node = model.to_node_config();
    !node.scripts.is_empty()
        || g.notify_fifo.script.is_some()
        || g.vrrp_notify_fifo.script.is_some()
        || node
            .instances
            .iter()
            .map(|i| &i.notify)
            .chain(node.sync_groups.iter().map(|g| &g.notify))
            .any(|n| n.any())
}

fn run_loop(options: Options) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("vrrplab run: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(driver::main(options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vrrplab run: {e}");
            ExitCode::from(1)
        }
    }
}

/// `-s NAME`: joins the network namespace /run/netns/NAME (as `ip netns exec` does).
fn enter_namespace(name: &str) -> Result<(), String> {
    let path = format!("/run/netns/{name}");
    let file =
        std::fs::File::open(&path).map_err(|e| format!("-s {name}: cannot open {path}: {e}"))?;
    nix::sched::setns(file, nix::sched::CloneFlags::CLONE_NEWNET)
        .map_err(|e| format!("-s {name}: cannot enter the network namespace: {e}"))
}

/// Relative paths made absolute before the fork changes to `/`.
fn absolute_paths(options: &mut Options) {
    let absolute = |p: &str| {
        std::path::absolute(p)
            .map(|a| a.display().to_string())
            .unwrap_or_else(|_| p.to_string())
    };
    options.file = absolute(&options.file);
    options.pid_files = options.pid_files.iter().map(|p| absolute(p)).collect();
    options.log.file = options.log.file.as_deref().map(absolute);
}

/// `-C` (checkers only): the VRRP side of the configuration is not run.
pub(crate) fn keep_subsystems(options: &Options, config: &mut vrrplab_core::node::NodeConfig) {
    if !options.checkers {
        tracing::info!("-P: only the VRRP subsystem runs (virtual_server blocks are not run)");
    }
    if !options.vrrp {
        tracing::warn!(
            instances = config.instances.len(),
            "-C: only the health checkers run; the vrrp_instance blocks are not run"
        );
        config.instances.clear();
        config.sync_groups.clear();
        config.scripts.clear();
        config.track_files.clear();
    }
}
