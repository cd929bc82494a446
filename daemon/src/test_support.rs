//! What the daemon's unit tests share: how a test whose precondition is missing skips.
//!
//! Same convention as the netns harness's gate: without the precondition a test prints
//! `SKIP test: reason` and returns (it passes); with [`REQUIRE_HOST`] set (CI sets it, and runs
//! as root with the tools installed) the same test fails instead, so CI cannot go green by
//! skipping.

/// The variable that turns a unit test's missing root, tool or kernel feature into a failure:
/// the netns tests' `VRRPLAB_REQUIRE_NETNS`, since those need the same privileged host.
pub const REQUIRE_HOST: &str = "VRRPLAB_REQUIRE_NETNS";

/// Whether `name` is set to something other than empty or `0` (as the netns harness reads it).
fn env_flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| !v.is_empty() && v != "0")
}

/// The running test's precondition is missing: prints `SKIP test: reason` for the caller to
/// return, or panics when [`REQUIRE_HOST`] is set. The test's name is its thread's (the test
/// harness names each test's thread after it).
pub fn skip(reason: &str) {
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a test");
    if env_flag(REQUIRE_HOST) {
        panic!("{test}: {reason}, and {REQUIRE_HOST} is set");
    }
    // Past the test harness's output capture, so a skip is visible in a plain `cargo test`.
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIP {test}: {reason}");
}
