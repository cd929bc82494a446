//! Integration tests of the netns harness itself (need root; skip otherwise).

mod topology;
