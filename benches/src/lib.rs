//! vrrplab-benches: shared helpers for the criterion benches in `benches/benches/`.

pub mod capture;
