//! Integration tests: `netns`.
