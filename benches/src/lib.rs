//! vrrplab-benches: shared helpers for the criterion benches in `benches/benches/` and the
//! comparison binaries in `src/bin/` (run through the scripts in `benches/`).

pub mod capture;
pub mod sim;
