//! `advert_flood`: sends VRRP (protocol 112) datagrams to 224.0.0.18 at a fixed rate for a
//! bounded time, for `benches/daemon-vs-keepalived.sh`'s flood section. Run it inside a test
//! namespace only (it needs CAP_NET_RAW; it never picks a target of its own: the group on the
//! interface it is given).
//!
//! ```text
//! advert_flood --interface eth0 --src 192.0.2.3 --mode garbage|foreign \
//!              [--rate 100000] [--seconds 5] [--skip-vrid 51]...
//! ```
//! `garbage`: random bytes, 0–60 of them. `foreign`: valid VRRPv3 adverts (good checksum) for
//! every VRID except the `--skip-vrid` ones, in turn. Prints what it sent and the rate it
//! reached; exits 2 on bad arguments, 1 when the socket cannot be opened.

use socket2::{Domain, Protocol, Socket, Type};
use std::net::{IpAddr, Ipv4Addr, SocketAddrV4};
use std::time::{Duration, Instant};
use vrrplab_core::prng::SplitMix64;
use vrrplab_core::wire::{Advert, Authentication, ChecksumConvention, Version};

const GROUP: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);
/// Datagrams sent between two looks at the clock.
const BATCH: u64 = 64;
/// Never send for longer than this, whatever `--seconds` says.
const MAX_SECONDS: f64 = 60.0;

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Garbage,
    Foreign,
}

struct Args {
    interface: String,
    src: Ipv4Addr,
    mode: Mode,
    rate: u64,
    seconds: f64,
    skip: Vec<u8>,
}

fn parse_args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let mut interface = None;
    let mut src = None;
    let mut mode = None;
    let mut rate = 100_000;
    let mut seconds = 5.0;
    let mut skip = Vec::new();
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--interface" => interface = Some(value()?),
            "--src" => src = Some(value()?.parse().map_err(|e| format!("--src: {e}"))?),
            "--mode" => {
                mode = Some(match value()?.as_str() {
                    "garbage" => Mode::Garbage,
                    "foreign" => Mode::Foreign,
                    other => return Err(format!("--mode {other}: garbage or foreign")),
                })
            }
            "--rate" => rate = value()?.parse().map_err(|e| format!("--rate: {e}"))?,
            "--seconds" => seconds = value()?.parse().map_err(|e| format!("--seconds: {e}"))?,
            "--skip-vrid" => skip.push(value()?.parse().map_err(|e| format!("--skip-vrid: {e}"))?),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if !(0.0..=MAX_SECONDS).contains(&seconds) || rate == 0 {
        return Err(format!("--seconds must be 0–{MAX_SECONDS}, --rate above 0"));
    }
    Ok(Args {
        interface: interface.ok_or("--interface is required")?,
        src: src.ok_or("--src is required")?,
        mode: mode.ok_or("--mode is required")?,
        rate,
        seconds,
        skip,
    })
}

/// The datagrams to cycle through.
fn payloads(args: &Args) -> Vec<Vec<u8>> {
    match args.mode {
        Mode::Garbage => {
            // Reproducible garbage from the core's seeded generator.
            let mut rng = SplitMix64::new(0x05ee_d0ff_100d);
            (0..4096)
                .map(|_| {
                    let len = rng.below(61) as usize;
                    (0..len).map(|_| rng.next_u64() as u8).collect()
                })
                .collect()
        }
        Mode::Foreign => (1..=255u8)
            .filter(|v| !args.skip.contains(v))
            .map(|vrid| {
                let advert = Advert {
                    version: Version::V3,
                    vrid,
                    priority: 100,
                    interval_cs: 10,
                    authentication: Authentication::None,
                    addresses: vec![IpAddr::V4(Ipv4Addr::new(198, 51, 100, vrid))],
                };
                advert.to_bytes(
                    IpAddr::V4(args.src),
                    IpAddr::V4(GROUP),
                    ChecksumConvention::PseudoHeader,
                )
            })
            .collect(),
    }
}

fn open(args: &Args) -> std::io::Result<Socket> {
    let socket = Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::from(112)))?;
    socket.bind_device(Some(args.interface.as_bytes()))?;
    socket.set_multicast_if_v4(&args.src)?;
    socket.set_multicast_ttl_v4(255)?;
    socket.set_multicast_loop_v4(false)?;
    socket.bind(&SocketAddrV4::new(args.src, 0).into())?;
    Ok(socket)
}

fn main() -> std::process::ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("advert_flood: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let socket = match open(&args) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("advert_flood: raw socket on {}: {e}", args.interface);
            return std::process::ExitCode::from(1);
        }
    };
    let payloads = payloads(&args);
    let to = SocketAddrV4::new(GROUP, 0).into();
    let start = Instant::now();
    let end = start + Duration::from_secs_f64(args.seconds);
    let (mut sent, mut errors) = (0u64, 0u64);
    let mut i = 0usize;
    loop {
        let now = Instant::now();
        if now >= end {
            break;
        }
        // Pace: the datagrams due by now, in batches.
        let due = (now - start).as_secs_f64() * args.rate as f64;
        if (sent + errors) as f64 >= due {
            std::thread::sleep(Duration::from_micros(100));
            continue;
        }
        for _ in 0..BATCH {
            match socket.send_to(&payloads[i % payloads.len()], &to) {
                Ok(_) => sent += 1,
                Err(_) => errors += 1,
            }
            i += 1;
        }
    }
    let took = start.elapsed().as_secs_f64();
    println!(
        "sent {sent} errors {errors} seconds {took:.3} rate {:.0}",
        sent as f64 / took
    );
    std::process::ExitCode::SUCCESS
}
