//! Outputs of a run: the text timeline, JSON, pcap and SVG.

pub mod json;
pub mod pcap;
pub mod svg;
pub mod text;
