//! Integration tests of vrrplab-sim: one binary, one module per area.

mod checks;
mod explore;
mod scenarios;
