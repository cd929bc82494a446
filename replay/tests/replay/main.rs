//! Integration tests of vrrplab-replay: one binary. `corpus` checks every capture of
//! `testdata/corpus` against MANIFEST.md; `handmade` writes small captures for each link type
//! and container; `json` pins the `--json` document; `robustness` feeds it broken captures;
//! `live` feeds the corpus frame by frame to the incremental engine of `vrrplab watch`;
//! `wire_corpus` reads every corpus frame with the capture reader and checks the core's wire
//! codec against tshark's decode (here rather than in core: core cannot depend on replay).

mod corpus;
mod handmade;
mod json;
mod live;
mod narrative;
mod rejection;
mod robustness;
mod util;
mod vendors;
mod wire_corpus;
