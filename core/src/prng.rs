//! The core's one pseudo-random generator: SplitMix64, seeded by the caller.
//!
//! The core never reads a random source; where it needs spread (checker `warmup` jitter, the
//! [`crate::lan`] harness's packet loss) it draws from a [`SplitMix64`] whose seed comes from the
//! configuration or the test, so the same seed always gives the same run. Drivers (the simulator,
//! explorers of fault plans) use the same generator for their seeded plans, so one seed printed
//! with a failure reproduces it end to end.
//!
//! SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators",
//! OOPSLA 2014): one 64-bit state advanced by the golden-ratio gamma, then a 64-bit finaliser.
//! Full period 2^64, every seed is valid (including 0), not cryptographic.
//!
//! ```
//! use vrrplab_core::prng::SplitMix64;
//!
//! let mut a = SplitMix64::new(7);
//! let mut b = SplitMix64::new(7);
//! assert_eq!(a.next_u64(), b.next_u64());
//! let d6 = a.below(6) + 1;
//! assert!((1..=6).contains(&d6));
//! ```

/// The golden-ratio increment of SplitMix64 (2^64 / φ, odd).
pub const GOLDEN_GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// SplitMix64: one 64-bit state, full period, good enough for loss draws, jitter and plans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator seeded with `seed` (the same seed gives the same sequence).
    pub const fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN_GAMMA);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A value in `0..bound` (`next_u64() % bound`: a bias below 2^-32 for bounds under 2^32);
    /// 0 when `bound` is 0.
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next_u64().checked_rem(bound).unwrap_or(0)
    }

    /// True with probability `numerator` / `denominator` (`below(denominator) < numerator`).
    /// Always exactly one draw, so a plan's later draws do not depend on earlier outcomes.
    pub fn chance_in(&mut self, numerator: u64, denominator: u64) -> bool {
        self.below(denominator) < numerator
    }

    /// True with probability `per_million` / 1,000,000.
    pub fn chance(&mut self, per_million: u32) -> bool {
        self.chance_in(u64::from(per_million), 1_000_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence_and_first_output_matches_the_reference() {
        // Reference value of SplitMix64 seeded with 0 (first output).
        assert_eq!(SplitMix64::new(0).next_u64(), 0xe220_a839_7b1d_cdaf);
        let mut a = SplitMix64::new(42);
        let mut b = SplitMix64::new(42);
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
    }

    #[test]
    fn chance_hits_roughly_the_requested_rate() {
        let mut r = SplitMix64::new(7);
        let hits = (0..100_000).filter(|_| r.chance(250_000)).count();
        assert!((23_000..27_000).contains(&hits), "{hits}");
        assert!(!(0..1000).any(|_| r.chance(0)));
        assert!((0..1000).all(|_| r.chance(1_000_000)));
    }

    #[test]
    fn below_stays_in_range_and_a_zero_bound_gives_zero() {
        let mut r = SplitMix64::new(3);
        assert!((0..1000).all(|_| r.below(10) < 10));
        assert_eq!(r.below(0), 0);
        assert!(!(0..100).any(|_| r.chance_in(0, 100)));
        assert!((0..100).all(|_| r.chance_in(100, 100)));
    }
}
