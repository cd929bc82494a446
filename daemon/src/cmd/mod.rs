//! One module per subcommand, each with its clap `Args` and a `run(args) -> ExitCode`.

pub mod check;
#[cfg(feature = "sim")]
pub mod explore;
#[cfg(feature = "replay")]
pub mod replay;
pub mod run;
#[cfg(feature = "sim")]
pub mod sim;
#[cfg(feature = "replay")]
pub mod watch;
