//! Where `vrrplab run` logs, with keepalived's habits: the system log unless `-G`, the console
//! with `-l`, a file with `-g FILE`, debug detail with `-D`; `VRRPLAB_LOG` (an `EnvFilter`
//! directive such as `debug` or `vrrplab::run::socket=debug`) overrides the level.
//!
//! The system log is journald's native protocol when `/run/systemd/journal/socket` exists (every
//! tracing field becomes a journal field: `INSTANCE=VI_1`, `VRID=51`), else syslog datagrams to
//! `/dev/log` with the facility of `-S` (LOG_DAEMON by default). The console is used as well
//! when stderr is a terminal, and instead when no system log can be reached and no `-g` file is
//! given, so that no line is lost.

mod system;

pub use system::{Protocol, SystemLog};

use std::io::IsTerminal;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// journald's native socket.
pub const JOURNAL_SOCKET: &str = "/run/systemd/journal/socket";
/// The syslog socket.
pub const SYSLOG_SOCKET: &str = "/dev/log";

/// A syslog facility (RFC 5424 code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facility(pub u8);

impl Default for Facility {
    /// LOG_DAEMON, keepalived's default.
    fn default() -> Self {
        Facility(3)
    }
}

impl Facility {
    /// keepalived's `-S` values: `0`-`7` or `local0`-`local7` (LOG_LOCALn), `user`, `daemon`.
    pub fn parse(text: &str) -> Option<Facility> {
        let lower = text.to_ascii_lowercase();
        let local = lower.strip_prefix("local").unwrap_or(&lower);
        match local {
            "user" => Some(Facility(1)),
            "daemon" => Some(Facility(3)),
            n => n
                .parse::<u8>()
                .ok()
                .filter(|n| *n <= 7)
                .map(|n| Facility(16 + n)),
        }
    }
}

/// Logging options of `vrrplab run`.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// `-l`: log to stderr.
    pub console: bool,
    /// `-D`: debug level.
    pub detail: bool,
    /// `-S`.
    pub facility: Facility,
    /// `-g FILE`.
    pub file: Option<String>,
    /// Not `-G`: use the system log.
    pub system: bool,
    /// Syslog identifier (`vrrplab`, or `Keepalived_vrrp` when invoked as keepalived).
    pub identifier: &'static str,
}

/// The system log to use, if one can be reached.
fn system_log(settings: &Settings) -> Option<SystemLog> {
    if !settings.system {
        return None;
    }
    let pid = std::process::id();
    let (protocol, path) = if std::path::Path::new(JOURNAL_SOCKET).exists() {
        (Protocol::Journald, JOURNAL_SOCKET)
    } else if std::path::Path::new(SYSLOG_SOCKET).exists() {
        (Protocol::Syslog, SYSLOG_SOCKET)
    } else {
        return None;
    };
    SystemLog::new(protocol, path, settings.facility, settings.identifier, pid).ok()
}

/// Installs the global subscriber; `Err` when the `-g` file cannot be opened.
pub fn init(settings: &Settings) -> Result<(), String> {
    let system = system_log(settings);
    let file = match &settings.file {
        Some(path) => Some(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| format!("cannot open the log file {path}: {e}"))?,
        ),
        None => None,
    };
    let terminal = std::io::stderr().is_terminal();
    let console = settings.console || terminal || (system.is_none() && file.is_none());
    let console_layer = console.then(|| {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(terminal)
    });
    let file_layer = file.map(|f| {
        tracing_subscriber::fmt::layer()
            .with_writer(std::sync::Mutex::new(f))
            .with_ansi(false)
    });
    let _ = tracing_subscriber::registry()
        .with(console_layer.with_filter(level_filter(settings)))
        .with(file_layer.with_filter(level_filter(settings)))
        .with(system.with_filter(level_filter(settings)))
        .try_init();
    Ok(())
}

/// The same level for every sink (an `EnvFilter` is not `Clone`).
fn level_filter(settings: &Settings) -> EnvFilter {
    let level = if settings.detail { "debug" } else { "info" };
    EnvFilter::try_from_env("VRRPLAB_LOG").unwrap_or_else(|_| EnvFilter::new(level))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facility_follows_keepalived_s_option() {
        assert_eq!(Facility::parse("0"), Some(Facility(16)));
        assert_eq!(Facility::parse("7"), Some(Facility(23)));
        assert_eq!(Facility::parse("local3"), Some(Facility(19)));
        assert_eq!(Facility::parse("LOCAL3"), Some(Facility(19)));
        assert_eq!(Facility::parse("user"), Some(Facility(1)));
        assert_eq!(Facility::parse("daemon"), Some(Facility::default()));
        assert_eq!(Facility::parse("8"), None);
        assert_eq!(Facility::parse("local8"), None);
        assert_eq!(Facility::parse("kern"), None);
    }
}
