//! keepalived.conf: the language, a typed model with keepalived's defaults, diagnostics with
//! file:line:column, conversion into the core's [`NodeConfig`](crate::node::NodeConfig), and
//! cross-node findings for several nodes' configurations.
//!
//! Sans-IO: files (the root and every `include`) are read through a [`Loader`] the caller
//! supplies; the `@id` config id comes from the caller too. Parsing never panics and never
//! stops at the first problem: every error and warning is collected in [`Parsed::diagnostics`].
//!
//! Pipeline: [`lexer`] (comments, includes, parameters, conditionals, tokens) → [`tree`]
//! (blocks) → `parse` (typed [`model`], keepalived's inference) → [`convert`] / [`print`](mod@print) /
//! [`cross`].

pub mod convert;
pub mod cross;
pub mod diagnostic;
pub mod glob;
pub mod grammar;
pub mod keepalived_keywords;
pub mod keywords;
pub mod lexer;
pub mod model;
mod parse;
pub mod print;
pub mod source;
pub mod tree;

pub use cross::{Finding, FindingKind, FindingLocation, findings};
pub use diagnostic::{Diagnostic, Diagnostics, Severity};
pub use lexer::LexOptions as ParseOptions;
pub use model::{ConfigSpans, KeepalivedConfig};
pub use parse::{decimal_micros, format_seconds};
pub use source::{FileId, Loader, MemoryLoader, Sources, Span};

/// The result of reading one configuration: the model, where its parts were written, every
/// file read, and every diagnostic.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// Path of the root file.
    pub path: String,
    /// The model (parts with errors are left out or keep their defaults).
    pub model: KeepalivedConfig,
    /// Locations of the model's parts.
    pub spans: ConfigSpans,
    /// The files read (root first, then includes in reading order).
    pub sources: Sources,
    /// Errors, warnings and notes, sorted by file and position.
    pub diagnostics: Diagnostics,
}

impl Parsed {
    /// Whether the configuration has no errors (warnings and notes allowed).
    pub fn is_valid(&self) -> bool {
        !self.diagnostics.has_errors()
    }

    /// Whether keepalived would run this configuration: no error other than those keepalived
    /// reports and runs past ([`Diagnostic::keepalived_runs`]). `vrrplab run` starts when this
    /// holds; `vrrplab check` wants [`Parsed::is_valid`].
    pub fn runs(&self) -> bool {
        !self
            .diagnostics
            .items
            .iter()
            .any(|d| d.severity == Severity::Error && !d.keepalived_runs)
    }

    /// Every diagnostic rendered like rustc, separated by blank lines.
    pub fn render_diagnostics(&self) -> String {
        self.diagnostics
            .items
            .iter()
            .map(|d| d.render(&self.sources))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Reads the configuration at `path` (and its includes) through `loader`.
pub fn parse(path: &str, loader: &dyn Loader, options: &ParseOptions) -> Parsed {
    let mut sources = Sources::default();
    let mut diagnostics = Diagnostics::default();
    let lines = lexer::lex(path, loader, options, &mut sources, &mut diagnostics);
    let top = tree::build(lines, &mut diagnostics);
    let (model, spans) = parse::model(&top, &mut diagnostics);
    diagnostics.sort();
    Parsed {
        path: path.to_string(),
        model,
        spans,
        sources,
        diagnostics,
    }
}

/// Reads a configuration given as text (no includes beyond `path` itself).
pub fn parse_str(path: &str, text: &str, options: &ParseOptions) -> Parsed {
    parse(path, &MemoryLoader::new().with(path, text), options)
}
