//! The parameters routers of one VRID must agree on, as values: what a `parameter-mismatch`
//! and a `parameters` timeline entry compare. [`crate::render::param_value`] writes them.

use std::net::IpAddr;
use vrrplab_core::wire::{Authentication, ChecksumConvention, Version};

/// One advertised parameter's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamValue {
    /// Protocol version.
    Version(Version),
    /// Advertisement interval, centiseconds.
    AdvertInt(u16),
    /// v2 authentication.
    Auth(Authentication),
    /// Announced virtual addresses, in packet order.
    VirtualAddresses(Vec<IpAddr>),
    /// v3 checksum convention that verified (None: none did).
    Checksum(Option<ChecksumConvention>),
    /// IP destination (multicast group).
    Destination(IpAddr),
}

impl ParamValue {
    /// The field's stable name: `version`, `advert_int`, `auth`, `virtual_addresses`,
    /// `checksum`, `destination`.
    pub fn field(&self) -> &'static str {
        match self {
            ParamValue::Version(_) => "version",
            ParamValue::AdvertInt(_) => "advert_int",
            ParamValue::Auth(_) => "auth",
            ParamValue::VirtualAddresses(_) => "virtual_addresses",
            ParamValue::Checksum(_) => "checksum",
            ParamValue::Destination(_) => "destination",
        }
    }
}
