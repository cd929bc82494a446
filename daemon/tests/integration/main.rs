//! Integration tests of the `vrrplab` binary: one binary, one module per area.

mod check;
mod examples;
mod netns;
mod packaging;
mod replay;
mod run_flags;
mod sim;
