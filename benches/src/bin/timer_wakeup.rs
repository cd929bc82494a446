//! How late a current-thread tokio loop wakes for a deadline, by mechanism — the choice behind
//! `vrrplab run`'s protocol timer (`daemon/src/run/deadline.rs`):
//!
//! - `tokio`: `tokio::time::sleep_until(deadline)` (1 ms timer wheel, rounds up);
//! - `timerfd`: a `CLOCK_MONOTONIC` timerfd armed with the absolute deadline, polled through
//!   `AsyncFd` (what the daemon does);
//! - `spin`: `sleep_until(deadline − 1 ms)`, then spinning on the clock until the deadline.
//!
//! `timer_wakeup [WAITS]` (default 500 per mechanism, deadlines 3–20 ms apart as a VRRP loop
//! sees them) prints per mechanism the lateness median / p99 / max in µs and the CPU time
//! (utime + stime) per wait. Run it as the daemon runs (`chrt -f 50`) to compare like with like.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::{Duration, Instant};
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;

fn monotonic() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: valid, writable timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn cpu() -> Duration {
    // SAFETY: a zeroed rusage is a valid out-parameter.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: RUSAGE_SELF with a valid pointer.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(u.ru_utime) + tv(u.ru_stime)
}

/// A timerfd armed with absolute `CLOCK_MONOTONIC` deadlines.
struct TimerFd(AsyncFd<OwnedFd>);

impl TimerFd {
    fn new() -> TimerFd {
        // SAFETY: plain syscall, result checked.
        let raw = unsafe {
            libc::timerfd_create(
                libc::CLOCK_MONOTONIC,
                libc::TFD_NONBLOCK | libc::TFD_CLOEXEC,
            )
        };
        assert!(
            raw >= 0,
            "timerfd_create: {}",
            std::io::Error::last_os_error()
        );
        // SAFETY: a new descriptor nothing else owns, kept open by the AsyncFd.
        let fd = unsafe {
            AsyncFd::register_with_interest(OwnedFd::from_raw_fd(raw), Interest::READABLE)
        };
        TimerFd(fd.expect("register the timerfd"))
    }

    async fn wait_until(&self, at: Duration) {
        let spec = libc::itimerspec {
            it_interval: libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
            it_value: libc::timespec {
                tv_sec: at.as_secs() as libc::time_t,
                tv_nsec: at.subsec_nanos() as libc::c_long,
            },
        };
        // SAFETY: our timerfd, a valid spec, no old value asked for.
        let rc = unsafe {
            libc::timerfd_settime(
                self.0.get_ref().as_raw_fd(),
                libc::TFD_TIMER_ABSTIME,
                &spec,
                std::ptr::null_mut(),
            )
        };
        assert_eq!(rc, 0, "timerfd_settime");
        loop {
            let mut guard = self.0.readable().await.expect("poll the timerfd");
            let mut buf = [0u8; 8];
            // SAFETY: 8 bytes into an 8-byte buffer.
            let n =
                unsafe { libc::read(guard.get_inner().as_raw_fd(), buf.as_mut_ptr().cast(), 8) };
            if n == 8 {
                return;
            }
            guard.clear_ready();
        }
    }
}

/// Deadline i of a run: 3–20 ms after the previous one (a fixed pseudo-random walk).
fn step(i: u64) -> Duration {
    Duration::from_micros(3_000 + (i.wrapping_mul(2_654_435_761) % 17_000))
}

fn report(name: &str, mut late: Vec<Duration>, cpu: Duration) {
    late.sort();
    let q = |f: f64| late[((late.len() - 1) as f64 * f) as usize].as_secs_f64() * 1e6;
    println!(
        "{name:8} waits {:5}  late median {:8.1} µs  p99 {:8.1} µs  max {:8.1} µs  CPU {:6.1} µs/wait",
        late.len(),
        q(0.5),
        q(0.99),
        q(1.0),
        cpu.as_secs_f64() * 1e6 / late.len() as f64
    );
}

fn main() {
    let waits: u64 = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("WAITS is a number"))
        .unwrap_or(500);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        for mechanism in ["tokio", "timerfd", "spin"] {
            let timer = TimerFd::new();
            let mut late = Vec::with_capacity(waits as usize);
            let c0 = cpu();
            let mut at = Instant::now();
            for i in 0..waits {
                at += step(i);
                match mechanism {
                    "tokio" => tokio::time::sleep_until(at.into()).await,
                    "timerfd" => {
                        let left = at.saturating_duration_since(Instant::now());
                        timer.wait_until(monotonic() + left).await;
                    }
                    _ => {
                        if let Some(early) = at.checked_sub(Duration::from_millis(1)) {
                            tokio::time::sleep_until(early.into()).await;
                        }
                        while Instant::now() < at {
                            std::hint::spin_loop();
                        }
                    }
                }
                late.push(Instant::now().saturating_duration_since(at));
            }
            report(mechanism, late, cpu() - c0);
        }
    });
}
