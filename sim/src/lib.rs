//! vrrplab-sim: runs vrrplab-core nodes in a deterministic turmoil network, and replays captures.
pub mod backends;
pub mod replay;
