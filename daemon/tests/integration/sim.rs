//! Integration tests: `sim`.
