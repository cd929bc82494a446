//! Integration tests of vrrplab-core against real bytes and files from `shared/corpus`.

mod check_corpus;
mod check_options;
mod check_tracking;
mod config_corpus;
mod wire_corpus;
