//! Reading values of directives: numbers with ranges, timers, booleans, addresses. Every
//! failure is a diagnostic at the offending word that says the accepted range or form.

use crate::config::diagnostic::{Diagnostic, Diagnostics};
use crate::config::grammar::{self, Context};
use crate::config::keepalived_keywords;
use crate::config::keywords;
use crate::config::lexer::Token;
use crate::config::tree::Statement;
use std::net::IpAddr;
use std::time::Duration;

/// Diagnostics sink plus the helpers every block parser uses.
pub struct Ctx<'a> {
    /// Where findings go.
    pub diags: &'a mut Diagnostics,
}

/// Parses decimal seconds (`1`, `0.5`, `2.000001`) into microseconds, exactly.
pub fn decimal_micros(text: &str) -> Option<u64> {
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i, f),
        None => (text, ""),
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    if !int.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if frac.len() > 6 {
        return None;
    }
    let whole: u64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let mut micros: u64 = 0;
    for (i, c) in frac.chars().enumerate() {
        micros += u64::from(c.to_digit(10)?) * 10u64.pow(5 - i as u32);
    }
    whole.checked_mul(1_000_000)?.checked_add(micros)
}

/// Formats a duration as keepalived seconds (`1`, `0.5`, `2.000001`).
pub fn format_seconds(d: Duration) -> String {
    let micros = d.as_micros();
    let whole = micros / 1_000_000;
    let frac = micros % 1_000_000;
    if frac == 0 {
        whole.to_string()
    } else {
        let f = format!("{frac:06}");
        format!("{whole}.{}", f.trim_end_matches('0'))
    }
}

impl Ctx<'_> {
    /// The `i`th argument, or an error saying what is missing (`example` is a full line).
    pub fn arg<'s>(&mut self, st: &'s Statement, i: usize, example: &str) -> Option<&'s Token> {
        let tok = st.args.get(i);
        if tok.is_none() {
            self.diags.push(
                Diagnostic::error(st.span(), format!("`{}` needs a value", st.keyword.text))
                    .with_label("value missing")
                    .with_help(format!("write it like `{example}`")),
            );
        }
        tok
    }

    /// An integer argument in `min..=max`.
    pub fn uint(
        &mut self,
        st: &Statement,
        i: usize,
        min: u64,
        max: u64,
        help: &str,
    ) -> Option<u64> {
        let example = format!("{} {}", st.keyword.text, min.max(1));
        let tok = self.arg(st, i, &example)?;
        match tok.text.parse::<u64>() {
            Ok(v) if (min..=max).contains(&v) => Some(v),
            Ok(_) => {
                self.out_of_range(st, tok, &format!("{min}–{max}"), help);
                None
            }
            Err(_) => {
                self.not_a(st, tok, "whole number", &format!("{min}–{max}"), help);
                None
            }
        }
    }

    /// A signed integer argument in `min..=max`.
    pub fn int(&mut self, st: &Statement, i: usize, min: i64, max: i64, help: &str) -> Option<i64> {
        let tok = self.arg(st, i, &format!("{} {}", st.keyword.text, max))?;
        match tok.text.parse::<i64>() {
            Ok(v) if (min..=max).contains(&v) => Some(v),
            Ok(_) => {
                self.out_of_range(st, tok, &format!("{min}–{max}"), help);
                None
            }
            Err(_) => {
                self.not_a(st, tok, "whole number", &format!("{min}–{max}"), help);
                None
            }
        }
    }

    /// A timer in seconds (µs resolution) in `min..=max` microseconds.
    pub fn timer(
        &mut self,
        st: &Statement,
        i: usize,
        min_us: u64,
        max_us: u64,
        help: &str,
    ) -> Option<Duration> {
        let range = format!(
            "{}–{} s",
            format_seconds(Duration::from_micros(min_us)),
            format_seconds(Duration::from_micros(max_us))
        );
        let tok = self.arg(st, i, &format!("{} 1", st.keyword.text))?;
        match decimal_micros(&tok.text) {
            Some(v) if (min_us..=max_us).contains(&v) => Some(Duration::from_micros(v)),
            Some(_) => {
                self.out_of_range(st, tok, &range, help);
                None
            }
            None => {
                self.not_a(st, tok, "number of seconds", &range, help);
                None
            }
        }
    }

    /// An optional boolean argument: absent ⇒ true; on|off|true|false|yes|no.
    pub fn flag(&mut self, st: &Statement) -> bool {
        let Some(tok) = st.args.first() else {
            return true;
        };
        match tok.text.to_ascii_lowercase().as_str() {
            "on" | "true" | "yes" => true,
            "off" | "false" | "no" => false,
            _ => {
                self.diags.push(
                    Diagnostic::error(tok.span, format!("`{}` is not a boolean", tok.text))
                        .with_label("expected on/off")
                        .with_help(format!(
                            "write `{}` alone, or with on|off|true|false|yes|no",
                            st.keyword.text
                        )),
                );
                true
            }
        }
    }

    /// An IP address token.
    pub fn ip(&mut self, tok: &Token, what: &str) -> Option<IpAddr> {
        match tok.text.parse::<IpAddr>() {
            Ok(a) => Some(a),
            Err(_) => {
                self.diags.push(
                    Diagnostic::error(tok.span, format!("`{}` is not an IP address", tok.text))
                        .with_label(format!("expected {what}"))
                        .with_help("write an IPv4 address like 192.0.2.10 or an IPv6 address like 2001:db8::10"),
                );
                None
            }
        }
    }

    /// An `ADDRESS[/LEN]` token.
    pub fn ip_prefix(&mut self, tok: &Token) -> Option<(IpAddr, Option<u8>)> {
        let (addr, len) = match tok.text.split_once('/') {
            Some((a, l)) => (a, Some(l)),
            None => (tok.text.as_str(), None),
        };
        let Ok(address) = addr.parse::<IpAddr>() else {
            self.diags.push(
                Diagnostic::error(tok.span, format!("`{}` is not an address", tok.text))
                    .with_label("expected ADDRESS[/PREFIX]")
                    .with_help("write it like 192.0.2.100/24 or 2001:db8::100/64"),
            );
            return None;
        };
        let max = if address.is_ipv4() { 32 } else { 128 };
        match len.map(|l| l.parse::<u8>()) {
            None => Some((address, None)),
            Some(Ok(l)) if l <= max => Some((address, Some(l))),
            Some(_) => {
                self.diags.push(
                    Diagnostic::error(
                        tok.span,
                        format!("prefix length in `{}` is invalid", tok.text),
                    )
                    .with_label(format!("must be 0–{max}"))
                    .with_help(format!("write a prefix length from 0 to {max}")),
                );
                None
            }
        }
    }

    /// A port number token.
    pub fn port(&mut self, tok: &Token) -> Option<u16> {
        match tok.text.parse::<u16>() {
            Ok(p) => Some(p),
            Err(_) => {
                self.diags.push(
                    Diagnostic::error(tok.span, format!("`{}` is not a port", tok.text))
                        .with_label("must be 0–65535")
                        .with_help("write a port number from 0 to 65535"),
                );
                None
            }
        }
    }

    /// The rest of the arguments joined by spaces (command lines).
    pub fn command(&mut self, st: &Statement) -> Option<String> {
        self.arg(
            st,
            0,
            &format!("{} \"/path/to/script arg\"", st.keyword.text),
        )?;
        Some(
            st.args
                .iter()
                .map(|t| t.text.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        )
    }

    /// A notify hook: `KEYWORD "command args" [USER [GROUP]]` (keepalived man5: the command is
    /// one word, quoted when it has arguments; the words after it name the user).
    pub fn hook(&mut self, st: &Statement) -> Option<crate::vrrp::Hook> {
        let command = self
            .arg(
                st,
                0,
                &format!("{} \"/path/to/script arg\"", st.keyword.text),
            )?
            .text
            .clone();
        if let Some(extra) = st.args.get(3) {
            self.diags.push(
                Diagnostic::warning(extra.span, "words after USER GROUP are ignored")
                    .with_label("ignored")
                    .with_help(format!(
                        "quote the command when it has arguments: `{} \"/path/to/script arg\" [USER [GROUP]]`",
                        st.keyword.text
                    )),
            );
        }
        let user = (st.args.len() > 1).then(|| {
            st.args[1..st.args.len().min(3)]
                .iter()
                .map(|t| t.text.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        });
        Some(crate::vrrp::Hook { command, user })
    }

    /// Reports a keyword vrrplab does not read in `context` (a block called `name`): a
    /// warning when keepalived knows it there ("recognised, not supported"), an error with the
    /// closest known keyword otherwise (keepalived -t fails on "Unknown keyword").
    pub fn unknown(&mut self, st: &Statement, name: &str, context: Context) {
        let word = st.keyword.text.as_str();
        let by_keepalived = keepalived_keywords::known_by_keepalived(context);
        if by_keepalived.contains(&word) || keywords::is_recognised_unsupported(word) {
            self.diags.push(
                Diagnostic::warning(st.span(), format!("recognised, not supported: {word}"))
                    .with_label("ignored by vrrplab")
                    .with_help(format!("keepalived implements `{word}`; vrrplab ignores it, so remove it or expect different behaviour")),
            );
            return;
        }
        // keepalived -t: "Unknown keyword 'X'" is a configuration error (exit status 5), and
        // keepalived runs without the line: a typo silently changes what runs.
        let mut d = Diagnostic::error(st.span(), format!("unknown keyword `{word}` in {name}"))
            .with_label("keepalived reports and ignores this line");
        let mut candidates: Vec<&str> = grammar::known_in(context).to_vec();
        candidates.extend_from_slice(by_keepalived);
        if let Some(best) = keywords::closest(word, &candidates) {
            d = d.with_help(format!("did you mean `{best}`?"));
        } else {
            d = d.with_help(format!("remove it; it is not a keepalived {name} keyword"));
        }
        self.diags.push(d.keepalived_runs());
    }

    /// A deprecated alias: a note when keepalived accepts it silently, an error when
    /// `keepalived -t` fails on it (both apply the value).
    pub fn alias_note(&mut self, st: &Statement, new: &str) {
        let word = st.keyword.text.as_str();
        let d = if keywords::alias_is_reported(word) {
            Diagnostic::error(
                st.span(),
                format!("`{word}` is a deprecated alias of `{new}`"),
            )
            .with_label("keepalived -t fails on this (\"is deprecated\")")
            .keepalived_runs()
        } else {
            Diagnostic::note(
                st.span(),
                format!("`{word}` is a deprecated alias of `{new}`"),
            )
            .with_label("accepted")
        };
        self.diags
            .push(d.with_help(format!("write `{new}` instead")));
    }

    /// A warning that a directive expects a block and has none (or the reverse).
    pub fn expect_block(&mut self, st: &Statement) -> bool {
        if st.block.is_none() {
            self.diags.push(
                Diagnostic::error(st.span(), format!("`{}` needs a block", st.keyword.text))
                    .with_label("no `{` follows")
                    .with_help(format!("write `{} {{` … `}}`", st.keyword.text)),
            );
            return false;
        }
        true
    }

    fn out_of_range(&mut self, st: &Statement, tok: &Token, range: &str, help: &str) {
        let help = if help.is_empty() {
            format!("write a value in {range}")
        } else {
            help.to_string()
        };
        self.diags.push(
            Diagnostic::error(
                tok.span,
                format!("{} {} is out of range", st.keyword.text, tok.text),
            )
            .with_label(format!("must be {range}"))
            .with_help(help),
        );
    }

    fn not_a(&mut self, st: &Statement, tok: &Token, kind: &str, range: &str, help: &str) {
        let help = if help.is_empty() {
            format!("write a {kind} in {range}")
        } else {
            help.to_string()
        };
        self.diags.push(
            Diagnostic::error(
                tok.span,
                format!("`{}` is not a {kind} ({})", tok.text, st.keyword.text),
            )
            .with_label(format!("expected a {kind}"))
            .with_help(help),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_seconds_parse_exactly_and_print_back() {
        assert_eq!(decimal_micros("1"), Some(1_000_000));
        assert_eq!(decimal_micros("0.5"), Some(500_000));
        assert_eq!(decimal_micros(".01"), Some(10_000));
        assert_eq!(decimal_micros("4294.967295"), Some(4_294_967_295));
        assert_eq!(decimal_micros("1.0000001"), None);
        assert_eq!(decimal_micros("-1"), None);
        assert_eq!(decimal_micros("x"), None);
        assert_eq!(format_seconds(Duration::from_micros(2_500_000)), "2.5");
        assert_eq!(format_seconds(Duration::from_secs(3)), "3");
    }
}
