//! Scheduling stalls: the moments a real-time thread could not run, measured while a test
//! measures protocol timers.
//!
//! On the shared 2-core CI machine a `SCHED_FIFO` thread at the peers' priority is now and then
//! woken 20–100 ms late (kernel work that does not yield, the hypervisor), on one CPU or both.
//! A keepalived or `vrrplab run` whose timer falls due in such a stall acts late by as much,
//! through no fault of the protocol code; a fixed tolerance wide enough for the worst stall
//! would let real timer bugs through on a quiet machine.
//!
//! Contract: [`StallProbe::start`] runs one thread per online CPU, pinned to it, at
//! `SCHED_FIFO` priority [`PRIORITY`], one above the peers' (keepalived's `vrrp_rt_priority 50`
//! in the harness, `chrt -f 50` for the daemon under test): it is held up by whatever would hold
//! them up, but not by the peers themselves. Each sleeps to an absolute deadline every
//! [`PERIOD`] and records every wake-up more than [`THRESHOLD`] late as a [`Stall`]: the span,
//! in Unix time like the capture's, during which it was due but did not run. [`StallProbe::stop`]
//! returns them as [`Stalls`]. Without the right to real-time scheduling (or to pin) a thread
//! records nothing, so the allowance a test derives from it is then zero, never invented.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::processes::epoch_now;

/// The probe threads' `SCHED_FIFO` priority: one above the peers whose timers are measured.
pub const PRIORITY: i32 = 51;
/// How often each probe thread wakes up.
pub const PERIOD: Duration = Duration::from_millis(1);
/// Wake-ups later than this are recorded (a real-time thread normally wakes within µs).
pub const THRESHOLD: Duration = Duration::from_millis(1);

/// One span during which a real-time thread on `cpu` was due but did not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stall {
    /// The CPU the probe thread was pinned to.
    pub cpu: usize,
    /// When it was due (Unix time).
    pub from: Duration,
    /// When it ran (Unix time).
    pub to: Duration,
}

/// The stalls a probe recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stalls {
    /// Every stall, in the order the probe threads recorded them.
    pub stalls: Vec<Stall>,
}

impl Stalls {
    /// How long one CPU at most could not run a real-time thread within `[from, to]`: per CPU
    /// the stalls' overlaps with the window, summed; the largest sum. A timer of a peer that
    /// fell due in the window can have been delayed by no more (it runs on one CPU at a time
    /// and never waits for a stall outside the window).
    pub fn within(&self, from: Duration, to: Duration) -> Duration {
        let mut per_cpu: Vec<(usize, Duration)> = Vec::new();
        for s in &self.stalls {
            let overlap = s.to.min(to).saturating_sub(s.from.max(from));
            if overlap.is_zero() {
                continue;
            }
            match per_cpu.iter_mut().find(|(cpu, _)| *cpu == s.cpu) {
                Some((_, total)) => *total += overlap,
                None => per_cpu.push((s.cpu, overlap)),
            }
        }
        per_cpu
            .into_iter()
            .map(|(_, total)| total)
            .max()
            .unwrap_or_default()
    }

    /// The stalls overlapping `[from, to]`, for failure messages.
    pub fn describe(&self, from: Duration, to: Duration) -> String {
        let mut out = String::new();
        for s in self.stalls.iter().filter(|s| s.to > from && s.from < to) {
            out.push_str(&format!(
                "cpu{} stalled {:.1} ms from {:.6}\n",
                s.cpu,
                (s.to - s.from).as_secs_f64() * 1000.0,
                s.from.as_secs_f64()
            ));
        }
        out
    }
}

/// Probe threads, one per CPU, running until [`StallProbe::stop`] (or drop).
pub struct StallProbe {
    stop: Arc<AtomicBool>,
    recorded: Arc<Mutex<Vec<Stall>>>,
    threads: Vec<JoinHandle<()>>,
}

impl StallProbe {
    /// Starts one probe thread per online CPU.
    pub fn start() -> StallProbe {
        let stop = Arc::new(AtomicBool::new(false));
        let recorded = Arc::new(Mutex::new(Vec::new()));
        let cpus = std::thread::available_parallelism().map_or(1, usize::from);
        let threads = (0..cpus)
            .filter_map(|cpu| {
                let (stop, recorded) = (Arc::clone(&stop), Arc::clone(&recorded));
                std::thread::Builder::new()
                    .name(format!("stall-probe-{cpu}"))
                    .spawn(move || probe(cpu, &stop, &recorded))
                    .ok()
            })
            .collect();
        StallProbe {
            stop,
            recorded,
            threads,
        }
    }

    /// Stops the threads and returns what they recorded.
    pub fn stop(mut self) -> Stalls {
        self.halt();
        let stalls = std::mem::take(&mut *self.recorded.lock().unwrap_or_else(|p| p.into_inner()));
        Stalls { stalls }
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Drop for StallProbe {
    fn drop(&mut self) {
        self.halt();
    }
}

/// Pins the calling thread to `cpu` and makes it `SCHED_FIFO` [`PRIORITY`]; `false` when
/// either is refused.
fn pin_real_time(cpu: usize) -> bool {
    // SAFETY: a zeroed cpu_set_t is an empty set; CPU_SET writes inside it; the calls take
    // pointers to these locals only and 0 names the calling thread.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        if libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) != 0 {
            return false;
        }
        let param = libc::sched_param {
            sched_priority: PRIORITY,
        };
        libc::sched_setscheduler(0, libc::SCHED_FIFO, &param) == 0
    }
}

fn probe(cpu: usize, stop: &AtomicBool, recorded: &Mutex<Vec<Stall>>) {
    if !pin_real_time(cpu) {
        return;
    }
    let mut due = Instant::now() + PERIOD;
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(due.saturating_duration_since(Instant::now()));
        let now = Instant::now();
        let late = now.saturating_duration_since(due);
        if late > THRESHOLD {
            let to = epoch_now();
            recorded
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(Stall {
                    cpu,
                    from: to.saturating_sub(late),
                    to,
                });
        }
        due = (due + PERIOD).max(now + PERIOD / 2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn stall(cpu: usize, from: u64, to: u64) -> Stall {
        Stall {
            cpu,
            from: ms(from),
            to: ms(to),
        }
    }

    #[test]
    fn within_sums_the_overlaps_per_cpu_and_takes_the_largest() {
        let s = Stalls {
            stalls: vec![
                stall(0, 90, 130),  // 30 ms inside [100, 400]
                stall(0, 200, 210), // 10 more on cpu0
                stall(1, 300, 335), // 35 on cpu1
                stall(1, 390, 450), // 10 more on cpu1
                stall(0, 500, 600), // outside
            ],
        };
        assert_eq!(s.within(ms(100), ms(400)), ms(45));
        assert_eq!(s.within(ms(100), ms(250)), ms(40));
        assert_eq!(s.within(ms(460), ms(490)), Duration::ZERO);
        assert_eq!(Stalls::default().within(ms(0), ms(1000)), Duration::ZERO);
    }

    #[test]
    fn describe_lists_the_stalls_touching_the_window() {
        let s = Stalls {
            stalls: vec![stall(1, 300, 335), stall(0, 500, 600)],
        };
        assert_eq!(
            s.describe(ms(100), ms(400)),
            "cpu1 stalled 35.0 ms from 0.300000\n"
        );
    }
}
