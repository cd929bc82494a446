//! Integration tests of vrrplab-replay: one binary. `corpus` checks every capture of
//! `testdata/corpus` against MANIFEST.md; `handmade` writes small captures for each link type
//! and container; `json` pins the `--json` document; `robustness` feeds it broken captures;
//! `live` feeds the corpus frame by frame to the incremental engine of `vrrplab watch`.

mod corpus;
mod handmade;
mod json;
mod live;
mod narrative;
mod rejection;
mod robustness;
mod util;
mod vendors;
