//! Gratuitous ARPs and unsolicited NAs, grouped into bursts (keepalived sends 5 within a few
//! milliseconds; FRR sends one).

use crate::decode::{AnnounceFrame, AnnounceKind, Segment};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// Announcements of one address from one MAC closer than this belong to one burst.
pub const BURST_GAP_NS: u64 = 200_000_000;

/// A burst of announcements of one address from one MAC.
#[derive(Debug, Clone)]
pub struct Burst {
    /// Where.
    pub segment: Segment,
    /// GARP or NA.
    pub kind: AnnounceKind,
    /// The address claimed.
    pub address: IpAddr,
    /// The MAC it is claimed for.
    pub mac: Option<[u8; 6]>,
    /// The frames' link-layer source.
    pub l2_src: Option<[u8; 6]>,
    /// First announcement.
    pub first_ns: u64,
    /// Its frame.
    pub first_frame: u64,
    /// Last announcement.
    pub last_ns: u64,
    /// Announcements in the burst.
    pub count: u64,
}

impl Burst {
    /// True when the burst comes from `mac` (claimed or link-layer source).
    pub fn from_mac(&self, mac: &[u8; 6]) -> bool {
        self.mac.as_ref() == Some(mac) || self.l2_src.as_ref() == Some(mac)
    }
}

type BurstKey = (Segment, AnnounceKind, IpAddr, Option<[u8; 6]>);

/// All bursts of a capture.
#[derive(Debug, Clone, Default)]
pub struct Announcements {
    /// Bursts, in order of their first announcement.
    pub bursts: Vec<Burst>,
    open: BTreeMap<BurstKey, usize>,
}

impl Announcements {
    /// Adds one announcement.
    pub fn add(&mut self, time_ns: u64, frame: u64, a: &AnnounceFrame) {
        let key = (a.segment, a.kind, a.address, a.mac);
        if let Some(&i) = self.open.get(&key) {
            let burst = &mut self.bursts[i];
            if time_ns.saturating_sub(burst.last_ns) <= BURST_GAP_NS {
                burst.last_ns = time_ns;
                burst.count += 1;
                return;
            }
        }
        self.open.insert(key, self.bursts.len());
        self.bursts.push(Burst {
            segment: a.segment,
            kind: a.kind,
            address: a.address,
            mac: a.mac,
            l2_src: a.l2_src,
            first_ns: time_ns,
            first_frame: frame,
            last_ns: time_ns,
            count: 1,
        });
    }
}

impl Announcements {
    /// Forgets the bursts that began before `before_ns` (a long-running watch keeps only the
    /// recent ones).
    pub(super) fn forget_before(&mut self, before_ns: u64) {
        let old = self.bursts.partition_point(|b| b.first_ns < before_ns);
        if old == 0 {
            return;
        }
        self.bursts.drain(..old);
        self.open.retain(|_, i| *i >= old);
        self.open.values_mut().for_each(|i| *i -= old);
    }
}
