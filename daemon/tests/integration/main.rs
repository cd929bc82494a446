//! Integration tests of the `vrrplab` binary: one binary, one module per area.

mod check;
mod examples;
mod netns;
mod replay;
mod sim;
