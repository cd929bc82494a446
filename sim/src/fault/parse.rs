//! The one-line text form of faults: `<time> <action> <arguments>`, e.g. `12s block b<-a`.

use super::{Fault, FaultAction};
use std::time::Duration;

/// Why a fault line or a duration could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultParseError {
    /// The text that was rejected.
    pub input: String,
    /// What is wrong and what is expected instead.
    pub message: String,
}

impl std::fmt::Display for FaultParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot parse fault `{}`: {}", self.input, self.message)
    }
}

impl std::error::Error for FaultParseError {}

/// Parses `1.5s`, `500ms`, `2m`, `1h`, or a bare number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, FaultParseError> {
    let err = |message: &str| FaultParseError {
        input: text.to_string(),
        message: message.to_string(),
    };
    let t = text.trim();
    let (number, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix('m') {
        (n, 60.0)
    } else if let Some(n) = t.strip_suffix('h') {
        (n, 3600.0)
    } else {
        (t, 1.0)
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| err("expected a duration like 12s, 1.5s, 500ms, 2m or 1h"))?;
    if !value.is_finite() || value < 0.0 || value * scale > 1.0e9 {
        return Err(err("the duration must be a non-negative, finite number"));
    }
    // Whole microseconds: exact for every value a human writes.
    Ok(Duration::from_micros((value * scale * 1.0e6).round() as u64))
}

/// Prints a duration the way [`parse_duration`] reads it (`12s`, `1.5s`, `250ms`).
pub fn format_duration(d: Duration) -> String {
    let micros = d.as_micros();
    if micros.is_multiple_of(1_000_000) {
        format!("{}s", micros / 1_000_000)
    } else if micros.is_multiple_of(1000) && micros < 1_000_000 {
        format!("{}ms", micros / 1000)
    } else {
        let s = format!("{:.6}", d.as_secs_f64());
        format!("{}s", s.trim_end_matches('0').trim_end_matches('.'))
    }
}

fn pair<'a>(
    text: &'a str,
    sep: &str,
    input: &str,
    what: &str,
) -> Result<(&'a str, &'a str), FaultParseError> {
    match text.split_once(sep) {
        Some((a, b)) if !a.is_empty() && !b.is_empty() => Ok((a, b)),
        _ => Err(FaultParseError {
            input: input.to_string(),
            message: format!("expected {what}"),
        }),
    }
}

fn parse_percent(text: &str) -> Option<u8> {
    text.strip_suffix('%')
        .and_then(|p| p.parse::<u8>().ok())
        .filter(|p| *p <= 100)
}

impl Fault {
    /// Parses one line such as `12s block b<-a`, `30s partition a<->b`, `5s loss a<->b 30%`.
    ///
    /// Actions: `crash N`, `restart N`, `stop N`, `start N`, `partition A<->B`, `isolate N`,
    /// `heal A<->B`, `heal all`, `block R<-S`, `unblock R<-S`, `loss [A<->B|all] P%`,
    /// `latency A<->B D`, `drift N RATE`, `ifdown N IF`, `ifup N IF`, `script N NAME ok|fail`,
    /// `trackfile N NAME VALUE`, `gateway-cut N`, `gateway-restore N`, `reload N CONFIG`,
    /// `backend-down IP:PORT`, `backend-up IP:PORT`, `backend-hang IP:PORT`,
    /// `backend-slow IP:PORT D`,
    /// `backend-status IP:PORT CODE`.
    pub fn parse(line: &str) -> Result<Fault, FaultParseError> {
        let err = |message: &str| FaultParseError {
            input: line.to_string(),
            message: message.to_string(),
        };
        let words: Vec<&str> = line.split_whitespace().collect();
        let [at, verb, args @ ..] = words.as_slice() else {
            return Err(err("expected `<time> <action> …`, e.g. `12s block b<-a`"));
        };
        let at = parse_duration(at).map_err(|e| err(&e.message))?;
        let s = |x: &str| x.to_string();
        let one = |args: &[&str]| -> Result<String, FaultParseError> {
            match args {
                [n] => Ok(s(n)),
                _ => Err(err(&format!("`{verb}` takes one node name"))),
            }
        };
        let backend = |text: &str| -> Result<std::net::SocketAddr, FaultParseError> {
            text.parse().map_err(|_| {
                err(&format!(
                    "`{verb}` takes a real server as IP:PORT (e.g. 192.0.2.21:80), not `{text}`"
                ))
            })
        };
        let action = match (*verb, args) {
            ("crash", a) => FaultAction::Crash(one(a)?),
            ("restart", a) => FaultAction::Restart(one(a)?),
            ("stop", a) => FaultAction::Stop(one(a)?),
            ("start", a) => FaultAction::Start(one(a)?),
            ("isolate", a) => FaultAction::Isolate(one(a)?),
            ("gateway-cut", a) => FaultAction::GatewayCut(one(a)?),
            ("gateway-restore", a) => FaultAction::GatewayRestore(one(a)?),
            ("heal", ["all"]) => FaultAction::HealAll,
            ("partition", [link]) => {
                let (a, b) = pair(link, "<->", line, "`A<->B`")?;
                FaultAction::Partition(s(a), s(b))
            }
            ("heal", [link]) => {
                let (a, b) = pair(link, "<->", line, "`A<->B` or `all`")?;
                FaultAction::Heal(s(a), s(b))
            }
            ("block", [link]) | ("unblock", [link]) => {
                let (receiver, sender) =
                    pair(link, "<-", line, "`R<-S` (R stops hearing S's VRRP)")?;
                let (receiver, sender) = (s(receiver), s(sender));
                if *verb == "block" {
                    FaultAction::Block { receiver, sender }
                } else {
                    FaultAction::Unblock { receiver, sender }
                }
            }
            ("loss", [percent]) => FaultAction::Loss {
                link: None,
                percent: parse_percent(percent)
                    .ok_or_else(|| err("expected a loss percentage 0%–100%"))?,
            },
            ("loss", [link, percent]) => {
                let percent = parse_percent(percent)
                    .ok_or_else(|| err("expected a loss percentage 0%–100%"))?;
                let link = if *link == "all" {
                    None
                } else {
                    let (a, b) = pair(link, "<->", line, "`A<->B` or `all`")?;
                    Some((s(a), s(b)))
                };
                FaultAction::Loss { link, percent }
            }
            ("latency", [link, d]) => {
                let (a, b) = pair(link, "<->", line, "`A<->B`")?;
                let latency = parse_duration(d).map_err(|e| err(&e.message))?;
                FaultAction::Latency {
                    a: s(a),
                    b: s(b),
                    latency,
                }
            }
            ("drift", [node, rate]) => {
                let rate: f64 = rate
                    .parse()
                    .ok()
                    .filter(|r: &f64| r.is_finite() && *r >= 0.5 && *r <= 2.0)
                    .ok_or_else(|| err("expected a clock rate between 0.5 and 2.0"))?;
                FaultAction::Drift {
                    node: s(node),
                    rate,
                }
            }
            ("ifdown", [node, interface]) => FaultAction::InterfaceDown {
                node: s(node),
                interface: s(interface),
            },
            ("ifup", [node, interface]) => FaultAction::InterfaceUp {
                node: s(node),
                interface: s(interface),
            },
            ("script", [node, script, result]) => FaultAction::Script {
                node: s(node),
                script: s(script),
                ok: match *result {
                    "ok" | "up" | "pass" => true,
                    "fail" | "down" => false,
                    _ => return Err(err("expected `ok` or `fail` after the script name")),
                },
            },
            ("trackfile", [node, name, value]) => FaultAction::TrackFile {
                node: s(node),
                name: s(name),
                value: value
                    .parse()
                    .map_err(|_| err("expected an integer track file value"))?,
            },
            ("reload", [node, config]) => FaultAction::Reload {
                node: s(node),
                config: s(config),
            },
            ("backend-down", [b]) => FaultAction::BackendDown(backend(b)?),
            ("backend-up", [b]) => FaultAction::BackendUp(backend(b)?),
            ("backend-hang", [b]) => FaultAction::BackendHang(backend(b)?),
            ("backend-slow", [b, d]) => FaultAction::BackendSlow {
                backend: backend(b)?,
                delay: parse_duration(d).map_err(|e| err(&e.message))?,
            },
            ("backend-status", [b, status]) => FaultAction::BackendStatus {
                backend: backend(b)?,
                status: status
                    .parse()
                    .ok()
                    .filter(|s| (100..=599).contains(s))
                    .ok_or_else(|| err("expected an HTTP status code 100–599"))?,
            },
            _ => {
                return Err(err(
                    "unknown action or wrong arguments; actions: crash, restart, stop, start, \
                     partition A<->B, isolate, heal A<->B|all, block R<-S, unblock R<-S, \
                     loss [A<->B] P%, latency A<->B D, drift N RATE, ifdown/ifup N IF, \
                     script N NAME ok|fail, trackfile N NAME V, gateway-cut, gateway-restore, \
                     reload N CONFIG, backend-down/backend-up/backend-hang IP:PORT, \
                     backend-slow IP:PORT D, backend-status IP:PORT CODE",
                ));
            }
        };
        Ok(Fault { at, action })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_round_trips_through_its_text_form() {
        for line in [
            "12s block b<-a",
            "1.5s unblock b<-a",
            "250ms crash a",
            "3s restart a",
            "4s stop a",
            "5s start a",
            "6s partition a<->b",
            "7s isolate c",
            "8s heal a<->b",
            "9s heal all",
            "10s loss a<->b 30%",
            "11s loss all 5%",
            "12s latency a<->b 20ms",
            "13s drift a 1.05",
            "14s ifdown a eth0",
            "15s ifup a eth0",
            "16s script a chk fail",
            "17s script a chk ok",
            "18s trackfile a tf -20",
            "19s gateway-cut a",
            "20s gateway-restore a",
            "21s reload a b_conf",
            "22s backend-down 192.0.2.21:80",
            "23s backend-up 192.0.2.21:80",
            "23s backend-hang 192.0.2.21:80",
            "24s backend-slow 192.0.2.21:80 5s",
            "25s backend-status 192.0.2.21:80 500",
        ] {
            let fault = Fault::parse(line).unwrap();
            assert_eq!(fault.to_string(), line);
        }
    }

    #[test]
    fn loss_without_link_means_every_link() {
        let f = Fault::parse("2s loss 10%").unwrap();
        assert_eq!(
            f.action,
            FaultAction::Loss {
                link: None,
                percent: 10
            }
        );
    }

    #[test]
    fn malformed_lines_are_errors_that_say_what_to_write() {
        for line in [
            "",
            "12s",
            "x block b<-a",
            "12s block b",
            "12s loss a<->b 130%",
            "12s explode a",
            "12s backend-down web1",
            "12s backend-status 192.0.2.21:80 999",
            "12s drift a fast",
            "-1s crash a",
        ] {
            let e = Fault::parse(line).unwrap_err();
            assert!(!e.message.is_empty(), "{line}");
        }
    }

    #[test]
    fn durations_print_the_way_they_parse() {
        for (text, d) in [
            ("12s", Duration::from_secs(12)),
            ("250ms", Duration::from_millis(250)),
            ("1.5s", Duration::from_millis(1500)),
            ("3.61s", Duration::from_millis(3610)),
        ] {
            assert_eq!(parse_duration(text).unwrap(), d);
            assert_eq!(format_duration(d), text);
        }
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("1h").unwrap(), Duration::from_secs(3600));
    }
}
