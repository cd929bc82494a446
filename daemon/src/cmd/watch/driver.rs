//! The watch loop: one tokio current-thread runtime; signals, frames, status requests and a
//! [`TICK`] are selected (biased, in that order). Frames are numbered, written to `--pcap` and
//! fed to the [`Watcher`]; after every input its notices are drained and printed.

use super::Args;
use super::link::{self, Link};
use super::output::{Output, Summary};
use super::pcap::PcapFile;
use super::relevant;
use crate::run::capture::{Received, now_ns};
use crate::run::http;
use tokio::signal::unix::{Signal, SignalKind, signal};
use vrrplab_replay::LinkType;
use vrrplab_replay::live::Watcher;

/// How often the clock is given to the watcher (a split brain closes on time even when the
/// line goes quiet) and the interface looked for.
pub const TICK: std::time::Duration = std::time::Duration::from_millis(100);

/// Why the loop stopped.
enum Stop {
    /// SIGINT / SIGTERM.
    Signal,
    /// A write failed, or the interface is absent without `--wait-for-interface`.
    Error(String),
    /// The interface went away (fatal without `--wait-for-interface`).
    Lost(String),
}

struct State {
    args: Args,
    watcher: Watcher,
    output: Output,
    pcap: Option<PcapFile>,
    frames: u64,
    skipped: u64,
    buf: Vec<u8>,
}

impl State {
    fn drain(&mut self) {
        while let Some(n) = self.watcher.poll_notice() {
            self.output.notice(&n);
        }
    }

    /// Takes every queued frame; `Err` when the interface went away.
    fn receive_all(&mut self, link: &Link) -> Result<(), Stop> {
        loop {
            let received = link.fd.get_ref().0.receive(&mut self.buf);
            match received {
                Ok(Received::Frame {
                    len,
                    orig_len,
                    time_ns,
                }) => self.frame(link.link, len, orig_len, time_ns)?,
                Ok(Received::Empty) => return Ok(()),
                Ok(Received::InterfaceDown) => return self.interface_down(link),
                Err(e) => {
                    self.output
                        .note(now_ns(), &format!("receive failed (not fatal): {e}"));
                    return Ok(());
                }
            }
        }
    }

    fn frame(
        &mut self,
        link: LinkType,
        len: usize,
        orig_len: u32,
        time_ns: u64,
    ) -> Result<(), Stop> {
        let data = &self.buf[..len];
        let wanted = if link == LinkType::RAW {
            relevant::ip(data)
        } else {
            relevant::ethernet(data)
        };
        if !wanted {
            self.skipped += 1;
            return Ok(());
        }
        self.frames += 1;
        if let Some(p) = &mut self.pcap {
            p.write(time_ns, orig_len, data).map_err(Stop::Error)?;
        }
        self.watcher.handle_frame(&vrrplab_replay::Frame {
            number: self.frames,
            time_ns,
            link,
            interface: 0,
            data,
            orig_len,
        });
        self.drain();
        Ok(())
    }

    /// `ENETDOWN`: the link is down (frames resume when it is up) or the interface is gone.
    fn interface_down(&mut self, link: &Link) -> Result<(), Stop> {
        let name = &self.args.interface;
        if link::index_of(name) == Some(link.index) {
            self.output.note(
                now_ns(),
                &format!("{name} is down; watching on until it is up"),
            );
            return Ok(());
        }
        Err(Stop::Lost(format!("interface {name} went away")))
    }
}

/// Waits until the interface exists (or returns at once without `--wait-for-interface`);
/// `Ok(None)` when a signal came first.
async fn find_interface(
    state: &State,
    term: &mut Signal,
    int: &mut Signal,
) -> Result<Option<Link>, String> {
    let name = &state.args.interface;
    let mut said = false;
    loop {
        if let Some(index) = link::index_of(name) {
            return link::open(name, index).map(Some);
        }
        if !state.args.wait_for_interface {
            return Err(format!(
                "interface {name} does not exist (--wait-for-interface waits for it)"
            ));
        }
        if !said {
            state
                .output
                .note(now_ns(), &format!("waiting for interface {name}"));
            said = true;
        }
        tokio::select! {
            biased;
            _ = term.recv() => return Ok(None),
            _ = int.recv() => return Ok(None),
            _ = tokio::time::sleep(link::POLL) => {}
        }
    }
}

/// Runs the watch until a signal (Ok) or an error.
pub async fn main(args: Args) -> Result<(), String> {
    let mut term = signal(SignalKind::terminate()).map_err(|e| e.to_string())?;
    let mut int = signal(SignalKind::interrupt()).map_err(|e| e.to_string())?;
    let listener = match args.status {
        Some(address) => Some(http::bind(address).await?),
        None => None,
    };
    let started_ns = now_ns();
    let mut state = State {
        watcher: Watcher::new(&args.interface),
        output: Output::new(args.json),
        pcap: None,
        frames: 0,
        skipped: 0,
        buf: vec![0u8; super::pcap::SNAPLEN as usize],
        args,
    };
    let mut current = find_interface(&state, &mut term, &mut int).await?;
    if let (Some(path), Some(l)) = (&state.args.pcap, &current) {
        state.pcap = Some(PcapFile::create(path, l.link)?);
    }
    if let Some(l) = &current {
        eprintln!(
            "vrrplab watch: watching {} ({}), passively; SIGINT or SIGTERM ends with a summary",
            state.args.interface,
            l.link.name()
        );
    }
    let mut tick = tokio::time::interval(TICK);
    let stop = loop {
        let Some(l) = &current else {
            break Stop::Signal;
        };
        let step = tokio::select! {
            biased;
            _ = term.recv() => Err(Stop::Signal),
            _ = int.recv() => Err(Stop::Signal),
            ready = l.fd.readable() => match ready {
                Ok(mut guard) => {
                    let result = state.receive_all(l);
                    guard.clear_ready();
                    result
                }
                Err(e) => Err(Stop::Error(format!("the capture socket cannot be polled: {e}"))),
            },
            accepted = accept(listener.as_ref()) => {
                if let Ok((stream, _)) = accepted {
                    let status = state.watcher.status();
                    let json = serde_json::to_string(status).unwrap_or_else(|e| format!("{{\"error\": {:?}}}", e.to_string()));
                    http::serve(stream, json, status.to_prometheus());
                }
                Ok(())
            }
            _ = tick.tick() => {
                state.watcher.handle_timeout(now_ns());
                state.drain();
                if link::index_of(&state.args.interface) == Some(l.index) {
                    Ok(())
                } else {
                    Err(Stop::Lost(format!("interface {} went away", state.args.interface)))
                }
            }
        };
        match step {
            Ok(()) => {}
            Err(Stop::Lost(e)) if state.args.wait_for_interface => {
                state.output.note(
                    now_ns(),
                    &format!("{e}; waiting for it (--wait-for-interface)"),
                );
                current = match find_interface(&state, &mut term, &mut int).await {
                    Ok(Some(l)) => Some(l),
                    Ok(None) => break Stop::Signal,
                    Err(e) => break Stop::Error(e),
                };
                state
                    .output
                    .note(now_ns(), &format!("{} is back", state.args.interface));
            }
            Err(stop) => break stop,
        }
    };
    // Frames the kernel queued before the signal belong to the watch.
    if let (Stop::Signal, Some(l)) = (&stop, &current) {
        let _ = state.receive_all(l);
    }
    let report = state.watcher.finish(None);
    state.drain();
    let ended_ns = now_ns();
    let summary = Summary {
        interface: &state.args.interface,
        started_ns,
        ended_ns,
        skipped: state.skipped,
        pcap: state.pcap.as_ref().map(|p| p.path()),
    };
    state
        .output
        .summary(&summary, state.watcher.status(), &report);
    match stop {
        Stop::Signal => Ok(()),
        Stop::Error(e) => Err(e),
        Stop::Lost(e) => Err(format!(
            "{e} (--wait-for-interface waits for it to come back)"
        )),
    }
}

async fn accept(
    listener: Option<&tokio::net::TcpListener>,
) -> std::io::Result<(tokio::net::TcpStream, std::net::SocketAddr)> {
    match listener {
        Some(l) => l.accept().await,
        None => std::future::pending().await,
    }
}
