//! The protocol loop's wake-up: a `timerfd` on `CLOCK_MONOTONIC` armed with an absolute
//! deadline and polled through the runtime ([`AsyncFd`]).
//!
//! tokio's timer wheel has a 1 ms granularity and rounds every deadline up to the next
//! millisecond tick, so an advert or Master_Down timer slept with `tokio::time::sleep_until`
//! fires up to ~2 ms late. The kernel fires a timerfd at its deadline (plus the thread's timer
//! slack: 50 µs by default, none under a real-time policy), and epoll wakes the loop at once.
//!
//! Contract: [`Deadline::set`] arms the timer for an instant of the driver's clock (time since
//! `start`, the same clock as [`tokio::time::Instant`], that is `CLOCK_MONOTONIC`);
//! [`Deadline::wait`] completes once the clock has reached it, never before, and is pending
//! forever while no deadline is set.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::Duration;
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;

/// An absolute-deadline timer on `CLOCK_MONOTONIC`.
pub struct Deadline {
    fd: AsyncFd<OwnedFd>,
    /// `CLOCK_MONOTONIC` when the driver's clock read zero (never before it, so a deadline
    /// converted with it is never earlier than the driver's own).
    origin: Duration,
    /// The deadline armed, as time since the driver's start.
    armed: Option<Duration>,
}

/// `CLOCK_MONOTONIC` now.
fn monotonic() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_MONOTONIC always exists on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

impl Deadline {
    /// Creates the timer, disarmed, for the driver's clock that started at `start`: the
    /// origin is `CLOCK_MONOTONIC` now less the time since `start`, read in that order, so it
    /// is off by the two reads' distance (nanoseconds) and never early.
    pub fn new(start: std::time::Instant) -> std::io::Result<Deadline> {
        // SAFETY: plain syscall; the result is checked before use.
        let raw = unsafe {
            libc::timerfd_create(
                libc::CLOCK_MONOTONIC,
                libc::TFD_NONBLOCK | libc::TFD_CLOEXEC,
            )
        };
        if raw < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: `raw` is a new descriptor nothing else owns.
        let owned = unsafe { OwnedFd::from_raw_fd(raw) };
        // SAFETY: the descriptor stays open as long as the AsyncFd owns it.
        let fd = unsafe { AsyncFd::register_with_interest(owned, Interest::READABLE) }?;
        Ok(Deadline {
            fd,
            origin: {
                let since_start = start.elapsed();
                monotonic().saturating_sub(since_start)
            },
            armed: None,
        })
    }

    /// Arms the timer for `at` (time since the driver's start), or disarms it with `None`.
    /// Re-arming with the same deadline is free.
    pub fn set(&mut self, at: Option<Duration>) -> std::io::Result<()> {
        if at == self.armed {
            return Ok(());
        }
        let value = match at {
            // A zero it_value disarms; a deadline at the very origin is 1 ns after it.
            Some(d) => timespec(self.origin + d.max(Duration::from_nanos(1))),
            None => timespec(Duration::ZERO),
        };
        let spec = libc::itimerspec {
            it_interval: timespec(Duration::ZERO),
            it_value: value,
        };
        // SAFETY: the fd is a timerfd we own; `spec` is valid; the old value is not asked for.
        let rc = unsafe {
            libc::timerfd_settime(
                self.fd.get_ref().as_raw_fd(),
                libc::TFD_TIMER_ABSTIME,
                &spec,
                std::ptr::null_mut(),
            )
        };
        if rc != 0 {
            self.armed = None;
            return Err(std::io::Error::last_os_error());
        }
        self.armed = at;
        Ok(())
    }

    /// Completes when the armed deadline has passed (and disarms); pending while none is set.
    pub async fn wait(&mut self) -> std::io::Result<()> {
        if self.armed.is_none() {
            return std::future::pending().await;
        }
        loop {
            let mut guard = self.fd.readable().await?;
            let mut expirations = [0u8; 8];
            let fd = guard.get_inner().as_raw_fd();
            // SAFETY: reads 8 bytes into an 8-byte buffer from a non-blocking timerfd.
            let n = unsafe { libc::read(fd, expirations.as_mut_ptr().cast(), 8) };
            if n == 8 {
                self.armed = None;
                return Ok(());
            }
            let e = std::io::Error::last_os_error();
            if e.kind() == std::io::ErrorKind::WouldBlock {
                guard.clear_ready();
                continue;
            }
            return Err(e);
        }
    }
}

fn timespec(d: Duration) -> libc::timespec {
    libc::timespec {
        tv_sec: d.as_secs() as _,
        tv_nsec: d.subsec_nanos() as libc::c_long,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn deadline_never_completes_before_its_instant() {
        runtime().block_on(async {
            let start = tokio::time::Instant::now();
            let mut d = Deadline::new(start.into_std()).unwrap();
            for ms in [3u64, 7, 12] {
                let at = Duration::from_millis(ms);
                d.set(Some(at)).unwrap();
                d.wait().await.unwrap();
                assert!(
                    start.elapsed() >= at,
                    "woke at {:?} for {at:?}",
                    start.elapsed()
                );
            }
        });
    }

    #[test]
    fn deadline_in_the_past_completes_at_once() {
        runtime().block_on(async {
            let mut d = Deadline::new(std::time::Instant::now()).unwrap();
            std::thread::sleep(Duration::from_millis(2));
            d.set(Some(Duration::from_millis(1))).unwrap();
            tokio::time::timeout(Duration::from_secs(1), d.wait())
                .await
                .expect("a past deadline completes")
                .unwrap();
        });
    }

    #[test]
    fn deadline_counts_from_the_start_given_not_from_its_creation() {
        runtime().block_on(async {
            let start = std::time::Instant::now() - Duration::from_secs(2);
            let mut d = Deadline::new(start).unwrap();
            d.set(Some(Duration::from_millis(2_005))).unwrap();
            tokio::time::timeout(Duration::from_secs(1), d.wait())
                .await
                .expect("2.005 s after a start 2 s ago is 5 ms away, not 2 s")
                .unwrap();
            assert!(start.elapsed() >= Duration::from_millis(2_005));
        });
    }

    #[test]
    fn disarmed_deadline_stays_pending() {
        runtime().block_on(async {
            let mut d = Deadline::new(std::time::Instant::now()).unwrap();
            d.set(Some(Duration::from_secs(3600))).unwrap();
            d.set(None).unwrap();
            let waited = tokio::time::timeout(Duration::from_millis(20), d.wait()).await;
            assert!(waited.is_err(), "no deadline, no wake-up");
        });
    }
}
