//! Tracking arithmetic (keepalived `vrrp_track.c`): what one tracked interface, script or file
//! does to an instance, and the effective priority that results.
//!
//! - weight 0: the tracker going down puts the instance in FAULT;
//! - positive weight: added while up; negative weight: added (subtracted) while down;
//! - the sum is clamped to 1–254; an owner (255) is never changed, and nobody reaches 255;
//! - a track file contributes value × weight (negated by `reverse`); with weight 0 any non-zero
//!   value is a FAULT, and a contribution below −253 is a FAULT too.

/// What one tracker does to an instance right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Contribution {
    /// The instance must be in FAULT.
    Fault,
    /// Add this to the configured priority (0 = no effect).
    Delta(i32),
}

/// A tracked interface with `weight`.
pub fn interface_contribution(weight: i32, up: bool) -> Contribution {
    match (weight, up) {
        (0, false) => Contribution::Fault,
        (w, true) if w > 0 => Contribution::Delta(w),
        (w, false) if w < 0 => Contribution::Delta(w),
        _ => Contribution::Delta(0),
    }
}

/// A `vrrp_script` result after rise/fall. `weight` already carries the sign flip of
/// `reverse`; `reverse` also swaps which result counts as failed, so `weight 0 reverse` is FAULT
/// while the script succeeds and `weight 10 reverse` subtracts 10 while it succeeds.
pub fn script_contribution(weight: i32, reverse: bool, up: bool) -> Contribution {
    let failed = up == reverse;
    match weight {
        0 if failed => Contribution::Fault,
        w if w > 0 && !failed => Contribution::Delta(w),
        w if w < 0 && failed => Contribution::Delta(w),
        _ => Contribution::Delta(0),
    }
}

/// A `vrrp_track_file` value with `weight` (`reverse` negates the product).
pub fn file_contribution(weight: i32, reverse: bool, value: i64) -> Contribution {
    if weight == 0 {
        return if value == 0 {
            Contribution::Delta(0)
        } else {
            Contribution::Fault
        };
    }
    let sign = if reverse { -1 } else { 1 };
    let product = value.saturating_mul(i64::from(weight) * sign);
    if product < -253 {
        Contribution::Fault
    } else {
        Contribution::Delta(i32::try_from(product.min(253)).unwrap_or(253))
    }
}

/// Configured priority plus the trackers' delta, clamped to 1–254; an owner stays 255.
pub fn effective_priority(base: u8, delta: i32) -> u8 {
    if base == 255 {
        return 255;
    }
    let sum = i64::from(base) + i64::from(delta);
    u8::try_from(sum.clamp(1, 254)).unwrap_or(254)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positive_weight_adds_while_up_and_negative_subtracts_while_down() {
        assert_eq!(interface_contribution(10, true), Contribution::Delta(10));
        assert_eq!(interface_contribution(10, false), Contribution::Delta(0));
        assert_eq!(interface_contribution(-20, false), Contribution::Delta(-20));
        assert_eq!(interface_contribution(-20, true), Contribution::Delta(0));
        assert_eq!(interface_contribution(0, false), Contribution::Fault);
        assert_eq!(script_contribution(5, false, true), Contribution::Delta(5));
        assert_eq!(
            script_contribution(-5, false, false),
            Contribution::Delta(-5)
        );
    }

    #[test]
    fn reverse_weight_zero_script_is_fault_while_the_script_succeeds() {
        assert_eq!(script_contribution(0, true, true), Contribution::Fault);
        assert_eq!(script_contribution(0, true, false), Contribution::Delta(0));
        assert_eq!(
            script_contribution(-10, true, true),
            Contribution::Delta(-10)
        );
    }

    #[test]
    fn track_file_multiplies_and_faults_below_minus_253_or_on_weight_zero() {
        assert_eq!(file_contribution(2, false, 10), Contribution::Delta(20));
        assert_eq!(file_contribution(2, true, 10), Contribution::Delta(-20));
        assert_eq!(file_contribution(1, false, -254), Contribution::Fault);
        assert_eq!(file_contribution(0, false, 3), Contribution::Fault);
        assert_eq!(file_contribution(0, false, 0), Contribution::Delta(0));
        assert_eq!(file_contribution(1, false, 1000), Contribution::Delta(253));
    }

    #[test]
    fn effective_priority_is_clamped_to_1_254_and_owner_stays_255() {
        assert_eq!(effective_priority(100, 200), 254);
        assert_eq!(effective_priority(100, -200), 1);
        assert_eq!(effective_priority(255, -100), 255);
        assert_eq!(effective_priority(250, 10), 254);
        assert_eq!(effective_priority(100, -30), 70);
    }
}
