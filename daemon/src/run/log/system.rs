//! The system log as a tracing layer: one datagram per event, to journald (native protocol:
//! `FIELD=value` lines, a value with a newline as `FIELD\n` + 64-bit little-endian length +
//! bytes + `\n`) or to syslog (`<PRI>IDENT[PID]: message`, PRI = facility × 8 + severity; the
//! local syslog daemon adds the time). A datagram that cannot be sent is written to stderr.

use super::Facility;
use std::fmt::Write as _;
use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::Context;

/// Which protocol the socket speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// systemd-journald's native datagrams.
    Journald,
    /// RFC 3164-style local syslog datagrams.
    Syslog,
}

/// A tracing layer that sends every event to the system log.
#[derive(Debug)]
pub struct SystemLog {
    protocol: Protocol,
    socket: UnixDatagram,
    path: PathBuf,
    facility: Facility,
    identifier: String,
    pid: u32,
}

impl SystemLog {
    /// A layer sending to `path`.
    pub fn new(
        protocol: Protocol,
        path: impl Into<PathBuf>,
        facility: Facility,
        identifier: &str,
        pid: u32,
    ) -> std::io::Result<SystemLog> {
        Ok(SystemLog {
            protocol,
            socket: UnixDatagram::unbound()?,
            path: path.into(),
            facility,
            identifier: identifier.to_string(),
            pid,
        })
    }

    /// The datagram for one event.
    fn datagram(&self, event: &Event<'_>) -> Vec<u8> {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let meta = event.metadata();
        let severity = severity(*meta.level());
        match self.protocol {
            Protocol::Syslog => {
                let mut line = format!(
                    "<{}>{}[{}]: {}",
                    u32::from(self.facility.0) * 8 + u32::from(severity),
                    self.identifier,
                    self.pid,
                    fields.message
                );
                for (name, value) in &fields.others {
                    let _ = write!(line, " {name}={value}");
                }
                line.into_bytes()
            }
            Protocol::Journald => {
                let mut out = Vec::new();
                journal_field(&mut out, "MESSAGE", &fields.message);
                journal_field(&mut out, "PRIORITY", &severity.to_string());
                journal_field(&mut out, "SYSLOG_FACILITY", &self.facility.0.to_string());
                journal_field(&mut out, "SYSLOG_IDENTIFIER", &self.identifier);
                journal_field(&mut out, "SYSLOG_PID", &self.pid.to_string());
                journal_field(&mut out, "CODE_MODULE", meta.target());
                if let Some(file) = meta.file() {
                    journal_field(&mut out, "CODE_FILE", file);
                }
                if let Some(line) = meta.line() {
                    journal_field(&mut out, "CODE_LINE", &line.to_string());
                }
                for (name, value) in &fields.others {
                    journal_field(&mut out, &journal_name(name), value);
                }
                out
            }
        }
    }
}

impl<S: Subscriber> tracing_subscriber::Layer<S> for SystemLog {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let datagram = self.datagram(event);
        if self.socket.send_to(&datagram, &self.path).is_err() {
            eprintln!("{}", String::from_utf8_lossy(&datagram).trim_end());
        }
    }
}

/// syslog severity of a tracing level (keepalived logs most lines at LOG_INFO).
fn severity(level: Level) -> u8 {
    match level {
        Level::ERROR => 3,
        Level::WARN => 4,
        Level::INFO => 6,
        Level::DEBUG | Level::TRACE => 7,
    }
}

/// A tracing field name as a journal field name: upper case, `[A-Z0-9_]`, not starting with
/// `_` (reserved for journald's trusted fields).
fn journal_name(name: &str) -> String {
    let upper: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    let trimmed = upper.trim_start_matches('_');
    if trimmed.is_empty() || trimmed.starts_with(|c: char| c.is_ascii_digit()) {
        format!("F_{trimmed}")
    } else {
        trimmed.to_string()
    }
}

/// Appends one field in journald's native format.
fn journal_field(out: &mut Vec<u8>, name: &str, value: &str) {
    out.extend_from_slice(name.as_bytes());
    if value.contains('\n') {
        out.push(b'\n');
        out.extend_from_slice(&(value.len() as u64).to_le_bytes());
        out.extend_from_slice(value.as_bytes());
    } else {
        out.push(b'=');
        out.extend_from_slice(value.as_bytes());
    }
    out.push(b'\n');
}

/// An event's message and other fields, in the order they were recorded.
#[derive(Default)]
struct Fields {
    message: String,
    others: Vec<(String, String)>,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message = value.to_string();
        } else {
            self.others
                .push((field.name().to_string(), value.to_string()));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.message = format!("{value:?}");
        } else {
            self.others
                .push((field.name().to_string(), format!("{value:?}")));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::layer::SubscriberExt;

    /// Logs one event through a layer speaking `protocol` to a socket in a temporary directory
    /// and returns the datagram received.
    fn one_datagram(protocol: Protocol, log: impl FnOnce()) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.sock");
        let receiver = UnixDatagram::bind(&path).unwrap();
        let layer = SystemLog::new(protocol, &path, Facility(19), "vrrplab", 4242).unwrap();
        tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), log);
        let mut buf = vec![0; 65536];
        let n = receiver.recv(&mut buf).unwrap();
        buf.truncate(n);
        buf
    }

    #[test]
    fn syslog_datagram_has_facility_severity_identifier_and_pid() {
        let d = one_datagram(Protocol::Syslog, || {
            tracing::warn!(instance = "VI_1", vrid = 51, "advert not sent")
        });
        // local3 (19) × 8 + warning (4) = 156
        assert_eq!(
            String::from_utf8(d).unwrap(),
            "<156>vrrplab[4242]: advert not sent instance=VI_1 vrid=51"
        );
    }

    #[test]
    fn journald_datagram_carries_fields_and_length_prefixes_multiline_values() {
        let d = one_datagram(Protocol::Journald, || {
            tracing::info!(instance = "VI_1", "reload refused:\nk.conf:3:5")
        });
        let text = String::from_utf8_lossy(&d);
        let message = "reload refused:\nk.conf:3:5";
        let mut expected_message = b"MESSAGE\n".to_vec();
        expected_message.extend_from_slice(&(message.len() as u64).to_le_bytes());
        expected_message.extend_from_slice(message.as_bytes());
        expected_message.push(b'\n');
        assert!(d.starts_with(&expected_message), "{text:?}");
        for line in [
            "\nPRIORITY=6\n",
            "\nSYSLOG_FACILITY=19\n",
            "\nSYSLOG_IDENTIFIER=vrrplab\n",
            "\nSYSLOG_PID=4242\n",
            "\nINSTANCE=VI_1\n",
        ] {
            assert!(text.contains(line), "{line:?} in {text:?}");
        }
    }

    #[test]
    fn journal_names_are_upper_case_and_never_start_with_underscore() {
        assert_eq!(journal_name("instance"), "INSTANCE");
        assert_eq!(journal_name("_hidden.field"), "HIDDEN_FIELD");
        assert_eq!(journal_name("9lives"), "F_9LIVES");
    }
}
