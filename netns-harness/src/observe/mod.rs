//! Observation: which host holds which VIP, and whom the client would send VIP traffic to,
//! polled at a fixed rate into a [`Timeline`].
//!
//! One thread owns a netlink socket per host namespace (created inside that namespace) and
//! dumps links, addresses and the client's neighbours every `period`. A VIP counts as held when
//! it is configured on an operational link (up, carrier, not protodown: FRR's backups keep the
//! VIP on a protodown macvlan). Consecutive equal samples are merged into one [`Segment`], so the
//! timeline is short and reads as a list of changes. Times are Unix-epoch durations from the same
//! clock as the capture's timestamps.

pub mod netlink;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::error::{HarnessError, Result};
use crate::processes::epoch_now;
use crate::topology::{Host, Role, Topology, format_mac};
use netlink::NetlinkSocket;

/// What was true at one sample.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObservedState {
    /// For each watched VIP, the hosts that hold it (sorted by name).
    pub holders: BTreeMap<IpAddr, Vec<String>>,
    /// For each watched VIP, whom the client's neighbour entry points to: a host name, or the
    /// MAC when it belongs to no host (a virtual MAC); absent when unresolved or no client.
    pub client_neighbour: BTreeMap<IpAddr, String>,
}

impl ObservedState {
    /// The hosts holding `vip` (empty when none).
    pub fn holders_of(&self, vip: IpAddr) -> &[String] {
        self.holders.get(&vip).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// A stretch of time in which every sample was the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Time of the first sample with this state.
    pub from: Duration,
    /// Time of the last sample with this state.
    pub to: Duration,
    /// The state.
    pub state: ObservedState,
}

/// Every observed change, in time order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timeline {
    /// Polling period.
    pub period: Duration,
    /// Number of samples taken.
    pub samples: u64,
    /// Merged samples.
    pub segments: Vec<Segment>,
}

impl Timeline {
    fn push(&mut self, at: Duration, state: ObservedState) {
        self.samples += 1;
        match self.segments.last_mut() {
            Some(last) if last.state == state => last.to = at,
            _ => self.segments.push(Segment {
                from: at,
                to: at,
                state,
            }),
        }
    }

    /// The latest state.
    pub fn last(&self) -> Option<&ObservedState> {
        self.segments.last().map(|s| &s.state)
    }

    /// Who held `vip` when: consecutive segments with the same holders of `vip` merged
    /// (other VIPs or the client's entry may change inside one interval).
    pub fn holder_intervals(&self, vip: IpAddr) -> Vec<(Duration, Duration, Vec<String>)> {
        let mut out: Vec<(Duration, Duration, Vec<String>)> = Vec::new();
        for s in &self.segments {
            let holders = s.state.holders_of(vip);
            match out.last_mut() {
                Some(last) if last.2 == holders => last.1 = s.to,
                _ => out.push((s.from, s.to, holders.to_vec())),
            }
        }
        out
    }

    /// The successive holder sets of `vip`, without times: `["-", "h1", "h1+h2", "h1"]`. Stable
    /// across runs where the scenario is, so it suits snapshot tests.
    pub fn holder_sequence(&self, vip: IpAddr) -> Vec<String> {
        self.holder_intervals(vip)
            .into_iter()
            .map(|(_, _, h)| {
                if h.is_empty() {
                    "-".to_string()
                } else {
                    h.join("+")
                }
            })
            .collect()
    }

    /// Intervals in which more than one host held `vip`: `(from, to, holders)`.
    pub fn multiple_holders(&self, vip: IpAddr) -> Vec<(Duration, Duration, Vec<String>)> {
        self.holder_intervals(vip)
            .into_iter()
            .filter(|(_, _, h)| h.len() > 1)
            .collect()
    }

    /// The first time at or after `after` when exactly `hosts` held `vip`.
    pub fn first_time_held_by(
        &self,
        vip: IpAddr,
        hosts: &[&str],
        after: Duration,
    ) -> Option<Duration> {
        self.segments
            .iter()
            .filter(|s| s.to >= after && s.state.holders_of(vip) == hosts)
            .map(|s| s.from.max(after))
            .next()
    }

    /// One line per segment, times relative to `origin`: `+1.234..+2.345 s  192.0.2.100=h1 …`.
    pub fn render(&self, origin: Duration) -> String {
        let rel = |t: Duration| t.as_secs_f64() - origin.as_secs_f64();
        let mut out = String::new();
        for s in &self.segments {
            let held: Vec<String> = s
                .state
                .holders
                .iter()
                .map(|(vip, h)| {
                    format!(
                        "{vip}={}",
                        if h.is_empty() {
                            "-".into()
                        } else {
                            h.join("+")
                        }
                    )
                })
                .collect();
            let neigh: Vec<String> = s
                .state
                .client_neighbour
                .iter()
                .map(|(vip, who)| format!("client:{vip}->{who}"))
                .collect();
            out.push_str(&format!(
                "{:+9.3}..{:+9.3} s  {} {}\n",
                rel(s.from),
                rel(s.to),
                held.join(" "),
                neigh.join(" ")
            ));
        }
        out
    }
}

struct Watched {
    host: Host,
    socket: NetlinkSocket,
}

/// A running observer; [`Observer::stop`] returns the timeline.
pub struct Observer {
    stop: Arc<AtomicBool>,
    shared: Arc<Mutex<Timeline>>,
    thread: Option<JoinHandle<Result<()>>>,
}

fn sample(
    watched: &mut [Watched],
    vips: &[IpAddr],
    macs: &[(Vec<u8>, String)],
) -> Result<ObservedState> {
    let mut state = ObservedState::default();
    for vip in vips {
        state.holders.insert(*vip, Vec::new());
    }
    for w in watched.iter_mut() {
        if w.host.role == Role::Client {
            for n in w.socket.neighbours()? {
                let resolved = n.state & (0x01 | 0x20) == 0; // not INCOMPLETE / FAILED
                if let (true, true, Some(ll)) = (vips.contains(&n.destination), resolved, &n.lladdr)
                {
                    let who = macs
                        .iter()
                        .find(|(m, _)| m == ll)
                        .map(|(_, name)| name.clone())
                        .unwrap_or_else(|| format_mac(ll));
                    state.client_neighbour.insert(n.destination, who);
                }
            }
            continue;
        }
        let links = w.socket.links()?;
        for a in w.socket.addresses()? {
            let operational = links
                .iter()
                .any(|l| l.index == a.index && l.is_operational());
            if operational && let Some(holders) = state.holders.get_mut(&a.address) {
                holders.push(w.host.name.clone());
            }
        }
    }
    for holders in state.holders.values_mut() {
        holders.sort();
        holders.dedup();
    }
    Ok(state)
}

impl Observer {
    /// Starts polling every `period` which hosts of `topology` hold `vips`, and (when the
    /// topology has a client) the client's neighbour entries for them.
    pub fn start(topology: &Topology, vips: &[IpAddr], period: Duration) -> Result<Observer> {
        let mut watched = Vec::new();
        for host in topology.hosts() {
            if host.role == Role::Gateway {
                continue;
            }
            watched.push(Watched {
                host: host.clone(),
                socket: NetlinkSocket::open_in(&host.namespace)?,
            });
        }
        let macs: Vec<(Vec<u8>, String)> = topology
            .hosts()
            .iter()
            .map(|h| (h.mac.to_vec(), h.name.clone()))
            .collect();
        let vips = vips.to_vec();
        let stop = Arc::new(AtomicBool::new(false));
        let shared = Arc::new(Mutex::new(Timeline {
            period,
            ..Timeline::default()
        }));
        let (stop2, shared2) = (Arc::clone(&stop), Arc::clone(&shared));
        let thread = std::thread::Builder::new()
            .name("netns-observer".into())
            .spawn(move || -> Result<()> {
                let mut next = Instant::now();
                while !stop2.load(Ordering::Relaxed) {
                    let at = epoch_now();
                    let state = sample(&mut watched, &vips, &macs)?;
                    shared2
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push(at, state);
                    next += period;
                    let now = Instant::now();
                    if next > now {
                        std::thread::sleep(next - now);
                    } else {
                        next = now; // overloaded machine: don't try to catch up
                    }
                }
                Ok(())
            })
            .map_err(|e| HarnessError::io("spawn observer thread", e))?;
        Ok(Observer {
            stop,
            shared,
            thread: Some(thread),
        })
    }

    /// A copy of the timeline so far.
    pub fn timeline(&self) -> Timeline {
        self.shared
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Polls (every 10 ms) until `condition` holds for the latest sample, or fails after
    /// `timeout` with the timeline so far in the message.
    pub fn wait_for(
        &self,
        what: &str,
        timeout: Duration,
        condition: impl Fn(&ObservedState) -> bool,
    ) -> Result<Duration> {
        let deadline = Instant::now() + timeout;
        let started = epoch_now();
        loop {
            {
                let t = self.shared.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(seg) = t.segments.last()
                    && seg.to >= started
                    && condition(&seg.state)
                {
                    return Ok(seg.to);
                }
            }
            if self.thread.as_ref().is_none_or(JoinHandle::is_finished) {
                return Err(HarnessError::Invalid(format!(
                    "observer stopped while waiting for {what}"
                )));
            }
            if Instant::now() >= deadline {
                let t = self.timeline();
                return Err(HarnessError::Timeout(format!(
                    "{what} within {timeout:?}; observed:\n{}",
                    t.render(started)
                )));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Stops polling and returns the timeline.
    pub fn stop(mut self) -> Result<Timeline> {
        self.finish()?;
        Ok(self.timeline())
    }

    fn finish(&mut self) -> Result<()> {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.join()
                .map_err(|_| HarnessError::Invalid("observer thread panicked".into()))??;
        }
        Ok(())
    }
}

impl Drop for Observer {
    fn drop(&mut self) {
        let _ = self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(vip: IpAddr, holders: &[&str], neighbour: Option<&str>) -> ObservedState {
        let mut s = ObservedState::default();
        s.holders
            .insert(vip, holders.iter().map(|h| h.to_string()).collect());
        if let Some(n) = neighbour {
            s.client_neighbour.insert(vip, n.to_string());
        }
        s
    }

    #[test]
    fn holder_intervals_merge_across_client_changes() {
        let vip: IpAddr = "192.0.2.100".parse().unwrap();
        let mut t = Timeline::default();
        let ms = Duration::from_millis;
        t.push(ms(0), state(vip, &["h1"], Some("h1")));
        t.push(ms(10), state(vip, &["h1", "h2"], Some("h1")));
        t.push(ms(20), state(vip, &["h1", "h2"], Some("h2")));
        t.push(ms(30), state(vip, &["h1", "h2"], Some("h2")));
        t.push(ms(40), state(vip, &["h1"], Some("h1")));
        assert_eq!(t.samples, 5);
        assert_eq!(t.segments.len(), 4);
        assert_eq!(
            t.multiple_holders(vip),
            vec![(ms(10), ms(30), vec!["h1".to_string(), "h2".to_string()])]
        );
        assert_eq!(t.first_time_held_by(vip, &["h1"], ms(35)), Some(ms(40)));
        assert_eq!(t.holder_sequence(vip), ["h1", "h1+h2", "h1"]);
    }
}
