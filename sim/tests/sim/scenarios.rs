//! Integration tests: named simulator scenarios (timing bounds + insta timelines), determinism,
//! property tests over generated clusters and fault plans. Submodules live in `scenarios/`.

mod helpers;

mod determinism;
mod failover;
mod properties;
mod split_brain;
mod tracking;
mod checkers;
