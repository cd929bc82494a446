//! Integration tests: pcap replay. `corpus` checks every capture of `testdata/corpus` against
//! MANIFEST.md; `handmade` writes small captures for each link type and container.

mod corpus;
mod handmade;
mod json;
mod robustness;
mod util;
