#!/usr/bin/env python3
"""Analysis half of benches/daemon-vs-keepalived.sh: reads the bridge captures (classic pcap,
Ethernet) and the results file the shell half writes, and prints the comparison table.

Subcommands (times in the output are milliseconds unless named otherwise):
  count PCAP SRC                     adverts sent by SRC (IPv4, protocol 112)
  gaps PCAP SRC VRID INTERVAL_S      count, median and max gap between SRC's adverts for VRID,
                                     and how many gaps exceed 1.5 x INTERVAL_S
  failover PCAP OLD NEW MDI_S        gap - MDI (old's last advert -> new's first) and first
                                     GARP of NEW - (old's last advert + MDI)
  prio0 PCAP SRC T_EPOCH             time from T_EPOCH to SRC's first priority-0 advert
  table RESULTS                      the comparison table (RESULTS: lines "key impl value")
Standard library only.
"""
import statistics
import struct
import sys
from collections import defaultdict


def frames(path):
    """(epoch seconds, frame bytes) of every frame in a classic pcap file."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        raise SystemExit(f"{path}: not a classic pcap file")
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    div = 1e9 if nano else 1e6
    at = 24
    while at + 16 <= len(data):
        sec, frac, incl, _orig = struct.unpack(endian + "IIII", data[at:at + 16])
        at += 16
        yield sec + frac / div, data[at:at + incl]
        at += incl


def ip4(b):
    return ".".join(str(x) for x in b)


def decode(frame):
    """('vrrp', src, vrid, prio) or ('garp', sender ip) or None."""
    if len(frame) < 14:
        return None
    ethertype = struct.unpack("!H", frame[12:14])[0]
    body = frame[14:]
    if ethertype == 0x0800 and len(body) >= 20 and body[9] == 112:
        ihl = (body[0] & 0x0F) * 4
        vrrp = body[ihl:]
        if len(vrrp) >= 4:
            return ("vrrp", ip4(body[12:16]), vrrp[1], vrrp[2])
    if ethertype == 0x0806 and len(body) >= 28:
        sender, target = body[14:18], body[24:28]
        if sender == target:
            return ("garp", ip4(sender))
    return None


def adverts(path, src, vrid=None):
    out = []
    for t, f in frames(path):
        d = decode(f)
        if d and d[0] == "vrrp" and d[1] == src and (vrid is None or d[2] == vrid):
            out.append((t, d[3]))
    return out


def cmd_count(path, src):
    print(len(adverts(path, src)))


def cmd_gaps(path, src, vrid, interval):
    times = [t for t, _ in adverts(path, src, int(vrid))]
    gaps = [b - a for a, b in zip(times, times[1:])]
    if not gaps:
        print("0 nan nan 0")
        return
    late = sum(1 for g in gaps if g > 1.5 * float(interval))
    print(f"{len(times)} {statistics.median(gaps) * 1e3:.3f} {max(gaps) * 1e3:.3f} {late}")


def cmd_failover(path, old, new, mdi):
    mdi = float(mdi)
    last_old = None
    first_new = None
    garp = None
    for t, f in frames(path):
        d = decode(f)
        if not d:
            continue
        if d[0] == "vrrp" and d[1] == old and d[3] != 0 and first_new is None:
            last_old = t
        elif d[0] == "vrrp" and d[1] == new and first_new is None and last_old is not None:
            first_new = t
        elif d[0] == "garp" and first_new is not None and garp is None:
            garp = t
    if last_old is None or first_new is None or garp is None:
        print("nan nan")
        return
    print(f"{(first_new - last_old - mdi) * 1e3:.3f} {(garp - last_old - mdi) * 1e3:.3f}")


def cmd_prio0(path, src, t0):
    t0 = float(t0)
    for t, p in adverts(path, src):
        if p == 0 and t >= t0 - 0.5:
            print(f"{(t - t0) * 1e3:.3f}")
            return
    print("nan")


def fmt(v, unit):
    if v is None:
        return "—"
    if unit == "MiB":
        return f"{v:.2f} MiB"
    if unit == "%":
        return f"{v:.2f} %"
    if unit == "count":
        return f"{v:.0f}"
    return f"{v:.3f} {unit}" if abs(v) < 10 else f"{v:.1f} {unit}"


def cmd_table(path):
    values = defaultdict(lambda: defaultdict(list))
    notes = []
    for line in open(path):
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "note":
            notes.append(line.split(None, 1)[1].rstrip())
            continue
        key, impl, value = parts[0], parts[1], parts[2]
        try:
            values[key][impl].append(float(value))
        except ValueError:
            pass

    def one(key, impl, how):
        xs = [x for x in values[key].get(impl, []) if x == x]
        if not xs:
            return None
        return {"med": statistics.median(xs), "min": min(xs), "max": max(xs),
                "last": xs[-1], "sum": sum(xs)}[how]

    rows = [
        ("footprint: master CPU, % of a core", "master_cpu_pct", "%", "last"),
        ("footprint: µs CPU per advert sent", "master_us_per_advert", "µs", "last"),
        ("footprint: backup CPU, % of a core", "backup_cpu_pct", "%", "last"),
        ("footprint: µs CPU per advert received", "backup_us_per_advert", "µs", "last"),
        ("footprint: master RSS", "master_rss_mib", "MiB", "last"),
        ("footprint: backup RSS", "backup_rss_mib", "MiB", "last"),
        ("footprint: master RssAnon (private, no code pages)", "master_anon_mib", "MiB", "last"),
        ("footprint: master RssFile (code and libraries)", "master_file_mib", "MiB", "last"),
        ("SIGTERM → VIP gone (median)", "sigterm_vip_ms", "ms", "med"),
        ("SIGTERM → priority-0 advert (median)", "sigterm_prio0_ms", "ms", "med"),
        ("SIGTERM → exit (median)", "sigterm_exit_ms", "ms", "med"),
        ("flood garbage: sent/s", "flood_garbage_rate", "count", "last"),
        ("flood garbage: master adverts in the flood window", "flood_garbage_adverts", "count", "last"),
        ("flood garbage: adverts late (>1.5 × interval)", "flood_garbage_late", "count", "last"),
        ("flood garbage: max advert gap", "flood_garbage_maxgap_ms", "ms", "last"),
        ("flood garbage: discards counted", "flood_garbage_discards", "count", "last"),
        ("flood garbage: RSS growth", "flood_garbage_rss_delta_mib", "MiB", "last"),
        ("flood garbage: master CPU", "flood_garbage_cpu_pct", "%", "last"),
        ("flood foreign: sent/s", "flood_foreign_rate", "count", "last"),
        ("flood foreign: master adverts in the flood window", "flood_foreign_adverts", "count", "last"),
        ("flood foreign: adverts late (>1.5 × interval)", "flood_foreign_late", "count", "last"),
        ("flood foreign: max advert gap", "flood_foreign_maxgap_ms", "ms", "last"),
        ("flood foreign: discards counted", "flood_foreign_discards", "count", "last"),
        ("flood foreign: RSS growth", "flood_foreign_rss_delta_mib", "MiB", "last"),
        ("flood foreign: master CPU", "flood_foreign_cpu_pct", "%", "last"),
    ]
    print("| measure | keepalived 2.2.7 | vrrplab run | vrrplab / keepalived |")
    print("|---|---|---|---|")
    for label, key, unit, how in rows:
        k = one(key, "keepalived", how)
        v = one(key, "vrrplab", how)
        ratio = f"{v / k:.2f}" if k not in (None, 0) and v is not None else "—"
        print(f"| {label} | {fmt(k, unit)} | {fmt(v, unit)} | {ratio} |")
    print()
    print("| failover (kill -9 of the master) | runs | gap − MDI median (min … max) | "
          "first GARP − (last advert + MDI) median (min … max) |")
    print("|---|---|---|---|")
    for pair in ("keepalived→vrrplab", "vrrplab→keepalived", "vrrplab→vrrplab",
                 "keepalived→keepalived"):
        gaps = [x for x in values["failover_gap_ms"].get(pair, []) if x == x]
        garps = [x for x in values["failover_garp_ms"].get(pair, []) if x == x]
        if not gaps:
            continue
        g = f"{statistics.median(gaps):+.2f} ms ({min(gaps):+.2f} … {max(gaps):+.2f})"
        a = (f"{statistics.median(garps):+.2f} ms ({min(garps):+.2f} … {max(garps):+.2f})"
             if garps else "—")
        print(f"| {pair} | {len(gaps)} | {g} | {a} |")
    print()
    print("| SIGTERM to the master | runs | VIP gone | priority-0 advert | exit |")
    print("|---|---|---|---|---|")
    for impl in ("keepalived", "vrrplab"):
        cells = []
        runs = 0
        for key in ("sigterm_vip_ms", "sigterm_prio0_ms", "sigterm_exit_ms"):
            raw = values[key].get(impl, [])
            runs = max(runs, len(raw))
            xs = [x for x in raw if x == x]
            missing = len(raw) - len(xs)
            cell = (f"{statistics.median(xs):.1f} ms ({min(xs):.1f} … {max(xs):.1f})"
                    if xs else "—")
            if missing:
                cell += f", {missing} not seen"
            cells.append(cell)
        if runs:
            print(f"| {impl} | {runs} | " + " | ".join(cells) + " |")
    for n in notes:
        print(f"\n{n}", end="")
    print()


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    cmd, args = sys.argv[1], sys.argv[2:]
    {"count": cmd_count, "gaps": cmd_gaps, "failover": cmd_failover,
     "prio0": cmd_prio0, "table": cmd_table}[cmd](*args)


if __name__ == "__main__":
    main()
