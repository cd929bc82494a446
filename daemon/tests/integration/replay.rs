//! Integration tests: `replay`.
