//! The typed model of a keepalived.conf: what keepalived would run, with its defaults and
//! inference already applied (state/priority, version, advert_int rounding, accept, GARP
//! settings inherited from `global_defs`, …).
//!
//! VRRP parts are resolved values; `virtual_server` parts keep what was written (`Option`s),
//! because their inheritance (virtual server → real server → checker) belongs to `core::check`.
//! Locations live beside the model in [`ConfigSpans`], so two models compare by meaning only.

mod global;
mod lvs;
mod vrrp;

pub use global::{DEFAULT_RLIMIT_RTTIME_US, GlobalDefs, NotifyFifo, SmtpServer};
pub use lvs::{
    Checker, CheckerCommon, HttpCheck, HttpProtocol, LvsMethod, MiscCheck, Protocol, RealServer,
    SorryServer, SslSettings, StatusCodes, TcpCheck, UrlCheck, VirtualServer, VirtualServerAddress,
};
pub use vrrp::{
    AuthSettings, AuthType, InitialState, UnicastPeer, VipEntry, VrrpInstance, VrrpScript,
    VrrpTrackFile,
};

use super::source::Span;
use crate::vrrp::SyncGroupConfig;
use std::collections::BTreeMap;

/// A whole keepalived.conf.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeepalivedConfig {
    /// `global_defs`.
    pub global: GlobalDefs,
    /// `vrrp_script` blocks, in file order.
    pub scripts: Vec<VrrpScript>,
    /// `vrrp_track_file` blocks, in file order.
    pub track_files: Vec<VrrpTrackFile>,
    /// `vrrp_instance` blocks, in file order.
    pub instances: Vec<VrrpInstance>,
    /// `vrrp_sync_group` blocks, in file order.
    pub sync_groups: Vec<SyncGroupConfig>,
    /// `virtual_server` blocks, in file order.
    pub virtual_servers: Vec<VirtualServer>,
    /// The `SSL` block, when written (the last one wins, as in keepalived).
    pub ssl: Option<SslSettings>,
}

/// Where one block and its directives were written.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BlockSpans {
    /// The block's keyword (`vrrp_instance`).
    pub block: Span,
    /// The keyword of each directive inside, by directive name (last one wins).
    pub directives: BTreeMap<String, Span>,
}

impl BlockSpans {
    /// The directive's span, or the block's when the directive was not written.
    pub fn of(&self, directive: &str) -> Span {
        self.directives
            .get(directive)
            .copied()
            .unwrap_or(self.block)
    }
}

/// Locations of the model's parts, index-parallel to [`KeepalivedConfig`]'s lists.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConfigSpans {
    /// One per `vrrp_instance`.
    pub instances: Vec<BlockSpans>,
    /// One per `vrrp_sync_group`.
    pub sync_groups: Vec<BlockSpans>,
    /// One per `virtual_server`.
    pub virtual_servers: Vec<BlockSpans>,
    /// The keyword of each `vrrp_script` block, one per `vrrp_script`.
    pub scripts: Vec<Span>,
    /// The `SSL` block, when written.
    pub ssl: Option<BlockSpans>,
}
