//! The instance the core runs for the captured router: built from its adverts, or taken from
//! its keepalived configuration and adapted to one capture interface.

use super::INTERFACE;
use crate::report::conformance::NoteKind;
use crate::report::{AdvertChecksum, RouterReport};
use std::net::IpAddr;
use vrrplab_core::node::NodeConfig;
use vrrplab_core::vrrp::InstanceConfig;
use vrrplab_core::wire::{Authentication, ChecksumConvention, Version};

/// Builds the instance the captured router runs, from what it advertised.
pub(super) fn instance_for(r: &RouterReport) -> Option<InstanceConfig> {
    let priority = r.priorities.iter().copied().find(|p| *p != 0)?;
    let mut c = InstanceConfig::new(&format!("VI_{}", r.vrid), INTERFACE, r.vrid, &r.addresses);
    c.family = r.family;
    c.version = r.version.unwrap_or(Version::V2);
    c.priority = priority;
    c.advert_interval = r.interval?;
    c.source_address = Some(r.address);
    c.authentication = match &r.auth {
        Some(pass @ Authentication::SimplePassword(_)) => pass.clone(),
        _ => Authentication::None,
    };
    c.checksum_convention = match r.checksum {
        Some(AdvertChecksum::V3(ChecksumConvention::MessageOnly)) => {
            ChecksumConvention::MessageOnly
        }
        _ => ChecksumConvention::PseudoHeader,
    };
    if let Some(d) = r.destination
        && d.is_multicast()
    {
        c.multicast_group = d;
    }
    Some(c)
}

/// Adapts a keepalived configuration's instances to the capture: the instances of the VRIDs
/// the router advertised on, on one capture interface, with trackers and sync groups left out
/// (a capture shows neither). Returns the instances and notes about what was changed or
/// differs from the adverts.
pub(super) fn from_config(
    config: &NodeConfig,
    mine: &[&RouterReport],
    target: IpAddr,
) -> (Vec<InstanceConfig>, Vec<NoteKind>) {
    let mut notes = Vec::new();
    let mut out = Vec::new();
    for r in mine {
        let Some(i) = config
            .instances
            .iter()
            .find(|i| i.vrid == r.vrid && i.family == r.family)
        else {
            notes.push(NoteKind::NoConfiguredInstance {
                family: r.family,
                vrid: r.vrid,
            });
            if let Some(c) = instance_for(r) {
                out.push(c);
            }
            continue;
        };
        let mut c = i.clone();
        c.interface = INTERFACE.to_string();
        for a in c
            .virtual_addresses
            .iter_mut()
            .chain(c.excluded_addresses.iter_mut())
        {
            a.interface = None;
        }
        if c.source_address.is_none() {
            c.source_address = Some(target);
        }
        if !(c.track_interfaces.is_empty()
            && c.track_scripts.is_empty()
            && c.track_files.is_empty())
        {
            notes.push(NoteKind::TrackersLeftOut {
                instance: c.name.clone(),
            });
            c.track_interfaces.clear();
            c.track_scripts.clear();
            c.track_files.clear();
        }
        if let Some(advertised) = r.priorities.iter().copied().find(|p| *p != 0)
            && advertised != c.priority
        {
            notes.push(NoteKind::PriorityDiffers {
                instance: c.name.clone(),
                configured: c.priority,
                router: target,
                advertised,
            });
        }
        if let Some(advertised) = r.interval
            && advertised != c.advert_interval
        {
            notes.push(NoteKind::IntervalDiffers {
                instance: c.name.clone(),
                configured: c.advert_interval,
                router: target,
                advertised,
            });
        }
        out.push(c);
    }
    if !config.sync_groups.is_empty() {
        notes.push(NoteKind::SyncGroupsLeftOut);
    }
    (out, notes)
}
