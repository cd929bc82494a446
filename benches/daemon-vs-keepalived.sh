#!/usr/bin/env bash
# keepalived 2.2.7 and `vrrplab run` (the host build, see below) measured side by side, in one run, in
# network namespaces this script creates (and deletes on every exit path). Run as root.
#
#   benches/daemon-vs-keepalived.sh            # full run (~15 minutes)
#   RUNS=3 SIGTERM_RUNS=2 WINDOW=5 FLOOD_SECONDS=2 benches/daemon-vs-keepalived.sh   # quick
#
# Both daemons run under `chrt -f 50` (SCHED_FIFO; keepalived's VRRP child inherits it), the
# capture and the address monitor under `chrt -f 40`: on a shared, loaded machine a
# SCHED_OTHER daemon misses its 0.1 s timers ("A thread timer expired") and a capture drops
# what it had not read yet. The flood sender runs at normal priority.
#
# Sections (each for both implementations, same configuration text):
#   footprint  255 VRIDs on one link, VRRPv3 advert_int 0.1, master on h1 and backup on h2:
#              CPU (utime+stime from /proc/PID/stat over WINDOW s) per advert sent (master) and
#              received (backup), adverts counted in a bridge capture; RSS (keepalived: parent
#              + VRRP child): VmRSS, RssAnon and RssFile of /proc/PID/status, and the master's
#              /proc/PID/smaps_rollup saved in OUT.
#   failover   kill -9 of the master (keepalived: frozen then killed, parent and child), RUNS
#              times for keepalived→vrrplab, vrrplab→keepalived, vrrplab→vrrplab and
#              keepalived→keepalived: gap − Master_Down_Interval (old master's last advert to
#              the new one's first), first GARP − (last advert + MDI).
#   sigterm    SIGTERM to a master, SIGTERM_RUNS times, for both daemons: VIP deleted
#              (rtnetlink event time), priority-0 advert (bridge capture, tcpdump in immediate
#              mode), process exit; each as median (min … max) in a table of its own.
#   flood      FLOOD_RATE datagrams/s for FLOOD_SECONDS at the master (benches' advert_flood
#              on h3): random bytes, then valid adverts of VRIDs the master does not run. Late
#              adverts (gap > 1.5 × interval), discards counted (vrrplab's --status metrics),
#              RSS before and after.
# Environment: RUNS (20), SIGTERM_RUNS (5), WINDOW (20 s), FLOOD_SECONDS (5), FLOOD_RATE
# (100000), OUTLIER_MS (5: failovers later than this are noted with the host's steal time and
# the new master's late timer wake-ups), OUT (results directory, default a new
# /tmp/daemon-vs-keepalived.*), VRRPLAB and FLOOD (binaries; default: vrrplab's host build, the
# flood sender with --release), SKIP (sections to leave out, e.g. "flood sigterm"). The machine
# may be shared: load averages and the CPU time the hypervisor stole are printed with the table.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
  echo "daemon-vs-keepalived: needs root (network namespaces, raw sockets)" >&2
  exit 1
fi
for tool in keepalived tcpdump ip curl python3; do
  command -v "$tool" >/dev/null || { echo "daemon-vs-keepalived: $tool is missing" >&2; exit 1; }
done

RUNS=${RUNS:-20}
SIGTERM_RUNS=${SIGTERM_RUNS:-5}
WINDOW=${WINDOW:-20}
FLOOD_SECONDS=${FLOOD_SECONDS:-5}
FLOOD_RATE=${FLOOD_RATE:-100000}
OUTLIER_MS=${OUTLIER_MS:-5}
SKIP=${SKIP:-}
OUT=${OUT:-$(mktemp -d /tmp/daemon-vs-keepalived.XXXXXX)}
mkdir -p "$OUT"
RES=$OUT/results
: >"$RES"
ANALYSE=benches/daemon-vs-keepalived.py
HZ=$(getconf CLK_TCK)

# The host build of the daemon (README, "Replacing keepalived"): `run` and `check` only, static
# with musl (needs `rustup target add x86_64-unknown-linux-musl` and Debian's musl-tools).
# HOST_BUILD=glibc measures the same features linked against the system's glibc instead.
HOST_TARGET=x86_64-unknown-linux-musl
if [ -z "${VRRPLAB:-}" ]; then
  if [ "${HOST_BUILD:-musl}" = glibc ]; then
    cargo build --profile daemon -q -p vrrplab --bin vrrplab --no-default-features
  else
    CC_x86_64_unknown_linux_musl=${CC_x86_64_unknown_linux_musl:-musl-gcc} \
      cargo build --profile daemon -q -p vrrplab --bin vrrplab --no-default-features --target "$HOST_TARGET"
  fi
fi
if [ -z "${FLOOD:-}" ]; then
  cargo build --release -q -p vrrplab-benches --bin advert_flood
fi
if [ "${HOST_BUILD:-musl}" = glibc ]; then
  VRRPLAB=${VRRPLAB:-$PWD/target/daemon/vrrplab}
else
  VRRPLAB=${VRRPLAB:-$PWD/target/$HOST_TARGET/daemon/vrrplab}
fi
FLOOD=${FLOOD:-$PWD/target/release/advert_flood}

# ---- namespaces (names unique to this run) and cleanup on every exit path ----
P=vk$$
SW=$P-sw
NS1=$P-h1 NS2=$P-h2 NS3=$P-h3
IP1=192.0.2.1 IP2=192.0.2.2 IP3=192.0.2.3
VIP=192.0.2.100
declare -A STARTED=()   # pid -> 1 for every process this script started
declare -A IMPL_PIDS=() # "NS" -> "pid [pid]" of the daemon running there

cleanup() {
  set +e
  for pid in "${!STARTED[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  for pid in "${!STARTED[@]}"; do wait "$pid" 2>/dev/null; done
  # keepalived's VRRP child is not our child: its pid file names it.
  for f in "$OUT"/*.vrrp.pid; do
    [ -e "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null
  done
  for ns in "$NS1" "$NS2" "$NS3" "$SW"; do ip netns del "$ns" 2>/dev/null; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The machine-wide scenario lock of the netns tests (daemon/tests/integration/netns/common.rs,
# ScenarioLock): held for each measurement, so no other netns scenario runs during one.
exec 9>"${TMPDIR:-/tmp}/vrrplab-netns-scenario.lock"
lock() { flock 9; }
unlock() { flock -u 9; }

note() { echo "note $*" >>"$RES"; echo "# $*"; }
record() { echo "$1 $2 $3" >>"$RES"; }

setup() {
  ip netns add "$SW"
  ip netns exec "$SW" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n "$SW" link add br0 type bridge stp_state 0 mcast_snooping 0
  ip -n "$SW" link set br0 up
  local i ns
  for i in 1 2 3; do
    ns=$P-h$i
    ip netns add "$ns"
    # No IPv6 on the hosts: the captures and the daemons see only the IPv4 VRRP under test.
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip link add eth0 netns "$ns" address "02:00:00:00:00:0$i" type veth peer name "h$i" netns "$SW"
    ip -n "$SW" link set "h$i" master br0 up
    ip -n "$ns" addr add "192.0.2.$i/24" dev eth0
    ip -n "$ns" link set lo up
    ip -n "$ns" link set eth0 up
  done
}

# ---- daemons ----
# conf NAME PRIORITY VRIDS...: one VRRPv3 instance per VRID, advert_int 0.1, state BACKUP;
# VRID v's VIP is 198.51.100.v/32 (VRID 51 also has $VIP/24, the failover/sigterm/flood VIP).
conf() {
  local name=$1 prio=$2 v
  shift 2
  printf 'global_defs {\n    router_id %s\n    vrrp_version 3\n}\n' "$name"
  for v in "$@"; do
    printf 'vrrp_instance VI_%s {\n    state BACKUP\n    interface eth0\n' "$v"
    printf '    virtual_router_id %s\n    priority %s\n    advert_int 0.1\n' "$v" "$prio"
    printf '    virtual_ipaddress {\n'
    if [ "$v" = 51 ] && [ $# = 1 ]; then printf '        %s/24\n' "$VIP"; else printf '        198.51.100.%s/32\n' "$v"; fi
    printf '    }\n}\n'
  done
}

# start IMPL NS TAG CONFFILE: starts keepalived or vrrplab in NS; IMPL_PIDS[NS] = its pids.
start() {
  local impl=$1 ns=$2 tag=$3 cf=$4 pid
  rm -f "$OUT/$tag".*pid
  if [ "$impl" = keepalived ]; then
    ip netns exec "$ns" chrt -f 50 keepalived -n -l -P -f "$cf" -p "$OUT/$tag.pid" -r "$OUT/$tag.vrrp.pid" \
      -c "$OUT/$tag.check.pid" -i "$tag" >>"$OUT/$tag.log" 2>&1 &
    pid=$!
    STARTED[$pid]=1
    local i
    for i in $(seq 100); do [ -s "$OUT/$tag.vrrp.pid" ] && break; sleep 0.05; done
    IMPL_PIDS[$ns]="$pid $(cat "$OUT/$tag.vrrp.pid" 2>/dev/null)"
  else
    ip netns exec "$ns" chrt -f 50 "$VRRPLAB" run -f "$cf" -l -p "$OUT/$tag.pid" -r "$OUT/$tag.vrrp.pid" \
      --status 127.0.0.1:9100 >>"$OUT/$tag.log" 2>&1 &
    pid=$!
    STARTED[$pid]=1
    IMPL_PIDS[$ns]=$pid
  fi
}

# alive PID: the process exists and is not a zombie (keepalived's VRRP child is not our child,
# and an orphan's zombie may linger if nobody reaps it).
alive() {
  local state
  state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

# crash NS: kill -9 the daemon in NS (keepalived: freeze parent and child first, so the child
# cannot notice its parent's death and resign gracefully).
crash() {
  local ns=$1 pids=${IMPL_PIDS[$1]} pid
  # shellcheck disable=SC2086
  kill -STOP $pids 2>/dev/null || true
  # shellcheck disable=SC2086
  kill -KILL $pids 2>/dev/null || true
  for pid in $pids; do
    if [ -n "${STARTED[$pid]:-}" ]; then wait "$pid" 2>/dev/null || true; unset "STARTED[$pid]"; fi
  done
  for pid in $pids; do while alive "$pid"; do sleep 0.01; done; done
  unset "IMPL_PIDS[$ns]"
}

# stop NS: SIGTERM and wait.
stop() {
  local ns=$1 pids=${IMPL_PIDS[$1]:-} pid
  [ -n "$pids" ] || return 0
  kill -TERM "${pids%% *}" 2>/dev/null || true
  for pid in $pids; do
    if [ -n "${STARTED[$pid]:-}" ]; then wait "$pid" 2>/dev/null || true; unset "STARTED[$pid]"; fi
  done
  for pid in $pids; do while alive "$pid"; do sleep 0.01; done; done
  unset "IMPL_PIDS[$ns]"
}

# vip_count NS: addresses of 198.51.100.0/24 and $VIP on eth0.
vip_count() {
  ip -n "$1" -4 -o addr show dev eth0 | grep -c -e ' 198\.51\.100\.' -e " $VIP/" || true
}

# wait_vips NS COUNT SECONDS
wait_vips() {
  local i
  for i in $(seq $(($3 * 50))); do
    [ "$(vip_count "$1")" -ge "$2" ] && return 0
    sleep 0.02
  done
  echo "daemon-vs-keepalived: $1 never held $2 VIPs; logs in $OUT" >&2
  return 1
}

flush_vips() {
  local ns a
  for ns in "$NS1" "$NS2"; do
    for a in $(ip -n "$ns" -4 -o addr show dev eth0 | awk '{print $4}' | grep -v -e "^$IP1/" -e "^$IP2/"); do
      ip -n "$ns" addr del "$a" dev eth0 2>/dev/null || true
    done
  done
}

# ticks PIDS: utime+stime of the processes, in clock ticks.
ticks() {
  local pid sum=0
  for pid in "$@"; do
    sum=$((sum + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  echo "$sum"
}

# rss_kib PIDS [FIELD]: VmRSS (or FIELD of /proc/PID/status, e.g. RssAnon) summed, in KiB.
rss_kib() {
  local field=VmRSS pid sum=0
  if [[ "${*: -1}" == Rss* ]]; then field=${*: -1}; set -- "${@:1:$#-1}"; fi
  for pid in "$@"; do
    sum=$((sum + $(awk -v f="$field:" '$1 == f {print $2}' "/proc/$pid/status")))
  done
  echo "$sum"
}

# capture FILE FILTER: starts tcpdump on the bridge; CAPTURE_PID.
capture() {
  ip netns exec "$SW" chrt -f 40 tcpdump -i br0 -Z root -s 128 -U --immediate-mode -n -w "$1" "$2" 2>"$1.err" &
  CAPTURE_PID=$!
  STARTED[$CAPTURE_PID]=1
  local i
  for i in $(seq 200); do grep -q listening "$1.err" && return 0; sleep 0.01; done
}

capture_stop() {
  sleep 0.2
  kill -INT "$CAPTURE_PID" 2>/dev/null || true
  wait "$CAPTURE_PID" 2>/dev/null || true
  unset "STARTED[$CAPTURE_PID]"
}

# vrrplab's discards so far: node-level, per-instance, receive errors, the driver queue's overflow and
# the kernel's drops from a full socket queue (SO_RXQ_OVFL).
vrrplab_discards() {
  ip netns exec "$1" curl -s --max-time 2 http://127.0.0.1:9100/metrics |
    awk '/^vrrplab_(node_)?discards_total/ {s += $2} /^vrrplab_driver_errors_total\{kind="(receive|overflow|kernel_dropped)"\}/ {s += $2} END {print s + 0}'
}

# ---- sections ----
footprint() {
  local impl=$1 vrids
  vrids=$(seq 1 255)
  # shellcheck disable=SC2086
  conf h1 200 $vrids >"$OUT/fp-h1.conf"
  # shellcheck disable=SC2086
  conf h2 100 $vrids >"$OUT/fp-h2.conf"
  lock
  start "$impl" "$NS1" "fp-$impl-h1" "$OUT/fp-h1.conf"
  wait_vips "$NS1" 255 30
  start "$impl" "$NS2" "fp-$impl-h2" "$OUT/fp-h2.conf"
  # Past the start-up: the backup has heard the master, the 5 s GARP repeat is over.
  sleep 7
  [ "$(vip_count "$NS2")" = 0 ] || note "footprint $impl: the backup holds VIPs"
  local m b
  read -ra m <<<"${IMPL_PIDS[$NS1]}"
  read -ra b <<<"${IMPL_PIDS[$NS2]}"
  capture "$OUT/fp-$impl.pcap" "ip proto 112 and src host $IP1"
  local m0 b0 m1 b1 t0 t1
  m0=$(ticks "${m[@]}") b0=$(ticks "${b[@]}") t0=$(date +%s.%N)
  sleep "$WINDOW"
  m1=$(ticks "${m[@]}") b1=$(ticks "${b[@]}") t1=$(date +%s.%N)
  capture_stop
  local n
  n=$("$ANALYSE" count "$OUT/fp-$impl.pcap" "$IP1")
  record master_rss_mib "$impl" "$(echo "$(rss_kib "${m[@]}") / 1024" | bc -l)"
  record backup_rss_mib "$impl" "$(echo "$(rss_kib "${b[@]}") / 1024" | bc -l)"
  record master_anon_mib "$impl" "$(echo "$(rss_kib "${m[@]}" RssAnon) / 1024" | bc -l)"
  record master_file_mib "$impl" "$(echo "$(rss_kib "${m[@]}" RssFile) / 1024" | bc -l)"
  local pid
  for pid in "${m[@]}"; do cat "/proc/$pid/smaps_rollup" >"$OUT/fp-$impl-master-$pid.smaps_rollup"; done
  record master_cpu_pct "$impl" "$(echo "($m1 - $m0) / $HZ / ($t1 - $t0) * 100" | bc -l)"
  record backup_cpu_pct "$impl" "$(echo "($b1 - $b0) / $HZ / ($t1 - $t0) * 100" | bc -l)"
  record master_us_per_advert "$impl" "$(echo "($m1 - $m0) / $HZ * 1000000 / $n" | bc -l)"
  record backup_us_per_advert "$impl" "$(echo "($b1 - $b0) / $HZ * 1000000 / $n" | bc -l)"
  note "footprint $impl: $n adverts in $(printf %.1f "$(echo "$t1 - $t0" | bc -l)") s; master ticks $((m1 - m0)), backup ticks $((b1 - b0)) (HZ $HZ); master pids ${m[*]}, backup pids ${b[*]}"
  stop "$NS2"
  stop "$NS1"
  flush_vips
  unlock
}

# steal_ticks: CPU time the hypervisor took from this virtual machine so far, all CPUs, in
# clock ticks (the "steal" column of /proc/stat; 0 on bare metal).
steal_ticks() { awk '$1 == "cpu" {print $9}' /proc/stat; }

# late_lines IMPL LOG: how many late timer wake-ups the daemon logged so far (vrrplab: "protocol
# timer woke … after its deadline"; keepalived: "A thread timer expired … ago").
late_lines() {
  local pattern="protocol timer woke"
  [ "$1" = keepalived ] && pattern="thread timer expired"
  grep -c "$pattern" "$2" 2>/dev/null || true
}

# failover OLD NEW: RUNS crashes of OLD (master, h1, priority 200) with NEW as backup (h2).
# A takeover more than OUTLIER_MS late is noted with what the host did meanwhile: the steal time
# over the run and the late timer wake-ups the new master logged.
failover() {
  local old=$1 new=$2 run r
  conf h1 200 51 >"$OUT/fo-h1.conf"
  conf h2 100 51 >"$OUT/fo-h2.conf"
  # Master_Down_Interval of the priority-100 backup at 0.1 s: 3 × 0.1 + (256 − 100)/256 × 0.1.
  local mdi=0.3609375
  for run in $(seq "$RUNS"); do
    lock
    start "$old" "$NS1" "fo-$old-h1" "$OUT/fo-h1.conf"
    wait_vips "$NS1" 1 10
    start "$new" "$NS2" "fo-$new-h2" "$OUT/fo-h2.conf"
    sleep 1
    capture "$OUT/fo-$old-$new-$run.pcap" "ip proto 112 or arp"
    sleep 0.3
    local steal0 late0
    steal0=$(steal_ticks) late0=$(late_lines "$new" "$OUT/fo-$new-h2.log")
    crash "$NS1"
    wait_vips "$NS2" 1 5
    local steal=$(($(steal_ticks) - steal0)) late=$(($(late_lines "$new" "$OUT/fo-$new-h2.log") - late0))
    sleep 0.3
    capture_stop
    read -ra r <<<"$("$ANALYSE" failover "$OUT/fo-$old-$new-$run.pcap" "$IP1" "$IP2" "$mdi")"
    record failover_gap_ms "$old→$new" "${r[0]}"
    record failover_garp_ms "$old→$new" "${r[1]}"
    if [ "$(echo "${r[0]} > $OUTLIER_MS" | bc -l)" = 1 ]; then
      note "failover $old→$new run $run: gap − MDI ${r[0]} ms; meanwhile steal $((steal * 1000 / HZ)) ms of CPU, late timer wake-ups logged by $new: $late"
    fi
    crash "$NS2"
    flush_vips
    unlock
  done
}

sigterm() {
  local impl=$1 run t_sig t_exit pids
  conf h1 200 51 >"$OUT/st-h1.conf"
  for run in $(seq "$SIGTERM_RUNS"); do
    lock
    start "$impl" "$NS1" "st-$impl-h1" "$OUT/st-h1.conf"
    wait_vips "$NS1" 1 10
    sleep 0.5
    capture "$OUT/st-$impl-$run.pcap" "ip proto 112"
    ip netns exec "$NS1" chrt -f 40 ip -ts monitor address >"$OUT/st-$impl-$run.mon" &
    local mon=$!
    STARTED[$mon]=1
    sleep 0.2
    read -ra pids <<<"${IMPL_PIDS[$NS1]}"
    t_sig=$(date +%s.%N)
    kill -TERM "${pids[0]}"
    wait "${pids[0]}" 2>/dev/null || true
    for p in "${pids[@]}"; do while alive "$p"; do sleep 0.001; done; done
    t_exit=$(date +%s.%N)
    unset "STARTED[${pids[0]}]" "IMPL_PIDS[$NS1]"
    sleep 0.1
    kill "$mon"; wait "$mon" 2>/dev/null || true; unset "STARTED[$mon]"
    capture_stop
    local gone
    gone=$(python3 - "$OUT/st-$impl-$run.mon" "$t_sig" <<'PY'
import sys, datetime
t0 = float(sys.argv[2])
for line in open(sys.argv[1]):
    if line.startswith("[") and "Deleted" in line and "192.0.2.100" in line:
        stamp = line[1:line.index("]")]
        t = datetime.datetime.fromisoformat(stamp).astimezone().timestamp()
        print(f"{(t - t0) * 1e3:.3f}")
        break
else:
    print("nan")
PY
)
    record sigterm_vip_ms "$impl" "$gone"
    record sigterm_prio0_ms "$impl" "$("$ANALYSE" prio0 "$OUT/st-$impl-$run.pcap" "$IP1" "$t_sig")"
    record sigterm_exit_ms "$impl" "$(echo "($t_exit - $t_sig) * 1000" | bc -l)"
    flush_vips
    unlock
  done
}

flood() {
  local impl=$1 mode
  conf h1 200 51 >"$OUT/fl-h1.conf"
  lock
  start "$impl" "$NS1" "fl-$impl-h1" "$OUT/fl-h1.conf"
  wait_vips "$NS1" 1 10
  sleep 1
  local pids
  read -ra pids <<<"${IMPL_PIDS[$NS1]}"
  for mode in garbage foreign; do
    local rss0 rss1 c0 c1 d0=0 d1=0 t0 t1 out
    rss0=$(rss_kib "${pids[@]}")
    [ "$impl" = vrrplab ] && d0=$(vrrplab_discards "$NS1")
    capture "$OUT/fl-$impl-$mode.pcap" "ip proto 112 and src host $IP1"
    c0=$(ticks "${pids[@]}") t0=$(date +%s.%N)
    out=$(ip netns exec "$NS3" "$FLOOD" --interface eth0 --src "$IP3" --mode "$mode" \
      --rate "$FLOOD_RATE" --seconds "$FLOOD_SECONDS" --skip-vrid 51)
    c1=$(ticks "${pids[@]}") t1=$(date +%s.%N)
    sleep 0.3
    capture_stop
    rss1=$(rss_kib "${pids[@]}")
    [ "$impl" = vrrplab ] && d1=$(vrrplab_discards "$NS1")
    local g
    read -ra g <<<"$("$ANALYSE" gaps "$OUT/fl-$impl-$mode.pcap" "$IP1" 51 0.1)"
    record "flood_${mode}_rate" "$impl" "$(awk '{print $8}' <<<"$out")"
    record "flood_${mode}_adverts" "$impl" "${g[0]}"
    record "flood_${mode}_late" "$impl" "${g[3]}"
    record "flood_${mode}_maxgap_ms" "$impl" "${g[2]}"
    [ "$impl" = vrrplab ] && record "flood_${mode}_discards" "$impl" "$((d1 - d0))"
    record "flood_${mode}_rss_delta_mib" "$impl" "$(echo "($rss1 - $rss0) / 1024" | bc -l)"
    record "flood_${mode}_cpu_pct" "$impl" "$(echo "($c1 - $c0) / $HZ / ($t1 - $t0) * 100" | bc -l)"
    note "flood $mode $impl: $out; master adverts ${g[0]}, median gap ${g[1]} ms, RSS ${rss0} → ${rss1} KiB"
    sleep 1
  done
  stop "$NS1"
  flush_vips
  unlock
}

skipped() { [[ " $SKIP " == *" $1 "* ]]; }

# ---- run ----
STEAL_AT_START=$(steal_ticks)
note "started $(date -u +%Y-%m-%dT%H:%M:%SZ); $(nproc) cores; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
note "keepalived: $(keepalived --version 2>&1 | head -1); vrrplab: $VRRPLAB"
setup
for impl in keepalived vrrplab; do
  skipped footprint || footprint "$impl"
done
if ! skipped failover; then
  for pair in "keepalived vrrplab" "vrrplab keepalived" "vrrplab vrrplab" "keepalived keepalived"; do
    # shellcheck disable=SC2086
    failover $pair
  done
fi
for impl in keepalived vrrplab; do
  skipped sigterm || sigterm "$impl"
done
for impl in keepalived vrrplab; do
  skipped flood || flood "$impl"
done
note "finished $(date -u +%Y-%m-%dT%H:%M:%SZ); load average at end: $(cut -d' ' -f1-3 /proc/loadavg); CPU time stolen by the hypervisor during the run: $((($(steal_ticks) - STEAL_AT_START) * 1000 / HZ)) ms"
echo
"$ANALYSE" table "$RES" | tee "$OUT/table.md"
echo "raw results, captures and logs: $OUT"
