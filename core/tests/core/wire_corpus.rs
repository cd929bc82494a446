//! Integration tests: wire_corpus.
