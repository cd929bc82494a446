//! Integration tests of the `vrrplab` binary: one binary, one module per area.

mod check;
mod config_cases;
mod examples;
mod netns;
mod packaging;
mod replay;
mod run_flags;
mod sim;
