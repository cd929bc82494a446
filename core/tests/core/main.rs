//! Integration tests of vrrplab-core against real bytes and files from `testdata/corpus`.

mod check_corpus;
mod check_options;
mod check_tracking;
mod config_corpus;
mod receive_path;
