//! Diagnostics: errors, warnings and notes with a location, a message, a label under the caret
//! and a "help:" line saying what to write instead. Rendered like rustc's.
//!
//! A configuration is invalid when it has at least one [`Severity::Error`]. Warnings and notes
//! never make it invalid.

use super::source::{Sources, Span};
use std::fmt::Write as _;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The configuration is invalid (`vrrplab check` exits 1).
    Error,
    /// Something is ignored, not supported, or likely wrong.
    Warning,
    /// Information: a deprecated alias, a default that was inferred.
    Note,
}

impl Severity {
    /// Lower-case name as rendered (`error`, `warning`, `note`).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// One finding about one place in a configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error, warning or note.
    pub severity: Severity,
    /// Where (`None` for whole-file problems such as an unreadable root file).
    pub span: Option<Span>,
    /// What is wrong, in one line.
    pub message: String,
    /// Short text shown under the caret.
    pub label: Option<String>,
    /// What to write instead.
    pub help: Option<String>,
    /// An error keepalived reports (`keepalived -t` exits 5) and then runs past, without the
    /// line or with its own correction: `vrrplab check` refuses it, `vrrplab run` starts like
    /// keepalived does (see [`Parsed::runs`](super::Parsed::runs)).
    pub keepalived_runs: bool,
}

impl Diagnostic {
    /// An error at `span`.
    pub fn error(span: Span, message: impl Into<String>) -> Self {
        Diagnostic::new(Severity::Error, Some(span), message)
    }

    /// A warning at `span`.
    pub fn warning(span: Span, message: impl Into<String>) -> Self {
        Diagnostic::new(Severity::Warning, Some(span), message)
    }

    /// A note at `span`.
    pub fn note(span: Span, message: impl Into<String>) -> Self {
        Diagnostic::new(Severity::Note, Some(span), message)
    }

    /// A diagnostic of any severity, with or without a location.
    pub fn new(severity: Severity, span: Option<Span>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            span,
            message: message.into(),
            label: None,
            help: None,
            keepalived_runs: false,
        }
    }

    /// Adds the text shown under the caret.
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Marks an error keepalived reports and runs past ([`Diagnostic::keepalived_runs`]).
    pub fn keepalived_runs(mut self) -> Self {
        self.keepalived_runs = true;
        self
    }

    /// Adds the "help:" line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Renders like rustc: header, `--> file:line:col`, the source line, a caret, help.
    pub fn render(&self, sources: &Sources) -> String {
        let mut out = format!("{}: {}\n", self.severity.as_str(), self.message);
        let Some(span) = self.span else {
            if let Some(help) = &self.help {
                let _ = writeln!(out, "  = help: {help}");
            }
            return out;
        };
        let path = sources.path(span.file);
        let gutter = span.line.to_string().len();
        let pad = " ".repeat(gutter);
        let _ = writeln!(out, "{pad}--> {path}:{}:{}", span.line, span.column);
        if let Some(text) = sources.line_text(span.file, span.line) {
            let shown: String = text.replace('\t', "    ");
            let before: String = text
                .chars()
                .take(span.column.saturating_sub(1) as usize)
                .map(|c| if c == '\t' { "    " } else { " " })
                .collect();
            let carets = "^".repeat(span.len.max(1) as usize);
            let _ = writeln!(out, "{pad} |");
            let _ = writeln!(out, "{} | {}", span.line, shown.trim_end());
            let label = self
                .label
                .as_deref()
                .map(|l| format!(" {l}"))
                .unwrap_or_default();
            let _ = writeln!(out, "{pad} | {before}{carets}{label}");
        }
        if let Some(help) = &self.help {
            let _ = writeln!(out, "{pad} = help: {help}");
        }
        out
    }
}

/// Diagnostics collected while reading one configuration, in the order found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics {
    /// All diagnostics.
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Records one diagnostic.
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    /// Whether any error was recorded.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    /// Diagnostics of one severity.
    pub fn of(&self, severity: Severity) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(move |d| d.severity == severity)
    }

    /// Sorts by file, line, column (stable, so same-place diagnostics keep their order).
    pub fn sort(&mut self) {
        self.items
            .sort_by_key(|d| d.span.map(|s| (s.file, s.line, s.column)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::source::FileId;

    #[test]
    fn rendered_error_shows_location_excerpt_caret_and_help() {
        let mut s = Sources::default();
        let file = s.add("k.conf", "a {\n    persistence_timeout 0\n}\n".into());
        let d = Diagnostic::error(
            Span {
                file,
                line: 2,
                column: 25,
                len: 1,
            },
            "persistence_timeout 0 is out of range",
        )
        .with_label("must be 1–2678400")
        .with_help("write a number of seconds from 1 to 2678400");
        let text = d.render(&s);
        assert_eq!(
            text,
            "error: persistence_timeout 0 is out of range\n --> k.conf:2:25\n  |\n2 |     persistence_timeout 0\n  |                         ^ must be 1–2678400\n  = help: write a number of seconds from 1 to 2678400\n"
        );
        assert_eq!(FileId(0), file);
    }
}
