//! One module per subcommand, each with its clap `Args` and a `run(args) -> ExitCode`.

pub mod check;
pub mod explore;
pub mod replay;
pub mod run;
pub mod sim;
pub mod watch;
