//! The harness's error type: every failing step says what it tried and why it failed.

use std::fmt;

/// Why a harness operation failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum HarnessError {
    /// A command (`ip`, `nft`, a daemon) could not be run or exited with a failure.
    Command {
        /// The command line, as it would be typed.
        command: String,
        /// Exit status or spawn error, plus the command's stderr.
        detail: String,
    },
    /// A system call or file operation failed.
    Io {
        /// What the harness was doing.
        context: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Something the harness waited for did not happen in time.
    Timeout(String),
    /// Input the harness parsed (a capture, a netlink reply, a pid file) was not usable.
    Invalid(String),
}

impl HarnessError {
    /// Wraps an I/O error with what the harness was doing.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> HarnessError {
        HarnessError::Io {
            context: context.into(),
            source,
        }
    }
}

impl fmt::Display for HarnessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HarnessError::Command { command, detail } => write!(f, "`{command}` failed: {detail}"),
            HarnessError::Io { context, source } => write!(f, "{context}: {source}"),
            HarnessError::Timeout(what) => write!(f, "timed out: {what}"),
            HarnessError::Invalid(what) => write!(f, "invalid: {what}"),
        }
    }
}

impl std::error::Error for HarnessError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            HarnessError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Result of a harness operation.
pub type Result<T, E = HarnessError> = std::result::Result<T, E>;
