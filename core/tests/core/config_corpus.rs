//! Integration tests: config_corpus.
