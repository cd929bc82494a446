//! [`TimerQueue`]: one deadline per key for owners whose number is known only at run time (every
//! `vrrp_script` and checker of a host), ordered by deadline.
//!
//! Contract: each key has at most one deadline; [`TimerQueue::set`] replaces it (or stops it with
//! `None`). [`TimerQueue::pop_expired`] hands out due keys by deadline, then by key, and stops
//! each one it hands out, so early or repeated calls find nothing due. O(log n) per change; the
//! order depends only on deadlines and keys, never on insertion order.
//!
//! ```
//! use vrrplab_core::Instant;
//! use vrrplab_core::timer::TimerQueue;
//!
//! let mut q = TimerQueue::new(3);
//! q.set(2, Some(Instant::from_millis(5)));
//! q.set(0, Some(Instant::from_millis(5)));
//! q.set(1, Some(Instant::from_millis(9)));
//! assert_eq!(q.next_timeout(), Some(Instant::from_millis(5)));
//! let now = Instant::from_millis(5);
//! assert_eq!((q.pop_expired(now), q.pop_expired(now), q.pop_expired(now)), (Some(0), Some(2), None));
//! ```

use crate::Instant;
use std::collections::BTreeSet;

/// Deadlines of keys `0..len`, ordered by (deadline, key).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TimerQueue {
    /// Every armed (deadline, key).
    ordered: BTreeSet<(Instant, u32)>,
    /// The deadline each key has in `ordered`.
    deadlines: Vec<Option<Instant>>,
}

impl TimerQueue {
    /// A queue for keys `0..len`, every one stopped.
    pub fn new(len: usize) -> TimerQueue {
        TimerQueue {
            ordered: BTreeSet::new(),
            deadlines: vec![None; len],
        }
    }

    /// Arms `key` at `deadline` (`None`: stops it). Keys outside `0..len` are ignored.
    pub fn set(&mut self, key: usize, deadline: Option<Instant>) {
        let Some(slot) = self.deadlines.get_mut(key) else {
            return;
        };
        if *slot == deadline {
            return;
        }
        let Ok(k) = u32::try_from(key) else {
            return;
        };
        if let Some(old) = slot.take() {
            self.ordered.remove(&(old, k));
        }
        if let Some(at) = deadline {
            self.ordered.insert((at, k));
        }
        *slot = deadline;
    }

    /// The deadline of `key`, if armed.
    pub fn get(&self, key: usize) -> Option<Instant> {
        self.deadlines.get(key).copied().flatten()
    }

    /// The earliest due key at `now` (earliest deadline, then lowest key), stopped as it is
    /// handed out; `None` when nothing is due.
    pub fn pop_expired(&mut self, now: Instant) -> Option<usize> {
        let &(at, key) = self.ordered.first()?;
        if at > now {
            return None;
        }
        self.ordered.pop_first();
        let key = key as usize;
        self.deadlines[key] = None;
        Some(key)
    }

    /// The earliest armed deadline.
    pub fn next_timeout(&self) -> Option<Instant> {
        self.ordered.first().map(|(at, _)| *at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Instant {
        Instant::from_millis(n)
    }

    #[test]
    fn due_keys_come_out_by_deadline_then_key_and_are_stopped() {
        let mut q = TimerQueue::new(4);
        q.set(3, Some(ms(10)));
        q.set(1, Some(ms(20)));
        q.set(0, Some(ms(10)));
        q.set(2, Some(ms(30)));
        let due: Vec<usize> = std::iter::from_fn(|| q.pop_expired(ms(20))).collect();
        assert_eq!(due, [0, 3, 1]);
        assert_eq!((q.get(0), q.get(2)), (None, Some(ms(30))));
        assert_eq!(q.pop_expired(ms(20)), None);
        assert_eq!(q.next_timeout(), Some(ms(30)));
    }

    #[test]
    fn setting_a_key_again_replaces_its_deadline_and_none_stops_it() {
        let mut q = TimerQueue::new(2);
        q.set(0, Some(ms(10)));
        q.set(0, Some(ms(50)));
        assert_eq!(q.next_timeout(), Some(ms(50)));
        assert_eq!(q.pop_expired(ms(10)), None);
        q.set(0, None);
        assert_eq!(q.next_timeout(), None);
    }

    #[test]
    fn a_key_outside_the_queue_is_ignored() {
        let mut q = TimerQueue::new(1);
        q.set(5, Some(ms(1)));
        assert_eq!((q.get(5), q.next_timeout()), (None, None));
    }
}
