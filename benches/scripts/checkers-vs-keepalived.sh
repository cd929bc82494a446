#!/bin/sh
# 1,000 real servers x TCP_CHECK at delay_loop 1 s on loopback, in a network namespace of its
# own: CPU and memory of vrrplab's checker side against keepalived's checker process (-C), in
# the same run, each for DURATION seconds (default 60).
#
# keepalived's checker process needs IPVS; on a kernel without it, it exits at start
# ("IPVS: Can't initialize ipvs") and this script says so and measures, instead of
# keepalived, the bare probe cost: one process doing the same 1,000 connects per second
# (python3 asyncio), the floor any checker pays.
#
# Needs root, ip netns, python3, keepalived; the vrrplab binary as $VRRPLAB (default: the
# release build, else the debug build). Usage: sudo benches/scripts/checkers-vs-keepalived.sh
set -eu
# One measurement at a time on the machine, and none during the netns tests' timed scenarios
# (the same lock file as their ScenarioLock).
if [ -z "${VRRPLAB_BENCH_LOCKED:-}" ]; then
    export VRRPLAB_BENCH_LOCKED=1
    exec flock "${TMPDIR:-/tmp}/vrrplab-netns-scenario.lock" "$0" "$@"
fi
N=${N:-1000}
DURATION=${DURATION:-60}
BASE_PORT=20000
HERE=$(cd "$(dirname "$0")/../.." && pwd)
VRRPLAB=${VRRPLAB:-$HERE/target/release/vrrplab}
[ -x "$VRRPLAB" ] || VRRPLAB=$HERE/target/debug/vrrplab
NS=vrrplab-bench-$$
WORK=$(mktemp -d)
cleanup() {
    for p in $(ip netns pids "$NS" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
    ip netns del "$NS" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
ip netns add "$NS"
ip -n "$NS" link set lo up
inns() { ip netns exec "$NS" "$@"; }

# The real servers: N listening ports in one process that accepts and closes.
cat > "$WORK/servers.py" <<PY
import selectors, socket
sel = selectors.DefaultSelector()
for port in range($BASE_PORT, $BASE_PORT + $N):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port)); s.listen(64); s.setblocking(False)
    sel.register(s, selectors.EVENT_READ)
while True:
    for key, _ in sel.select():
        try:
            c, _ = key.fileobj.accept(); c.close()
        except OSError:
            pass
PY
inns sh -c "ulimit -n 8192; exec python3 $WORK/servers.py" &
sleep 2

{
    echo 'global_defs {'
    echo '    router_id BENCH'
    echo '}'
    echo 'virtual_server 10.9.9.1 80 {'
    echo '    delay_loop 1'
    echo '    lb_algo wrr'
    echo '    lb_kind NAT'
    echo '    protocol TCP'
    i=0
    while [ $i -lt "$N" ]; do
        echo "    real_server 127.0.0.1 $((BASE_PORT + i)) {"
        echo '        TCP_CHECK {'
        echo '            connect_timeout 1'
        echo '            warmup 1'
        echo '        }'
        echo '    }'
        i=$((i + 1))
    done
    echo '}'
} > "$WORK/bench.conf"

# CPU seconds (user + system) of a pid and its children so far, and its RSS in KiB.
cpu_of() { awk '{ printf "%.2f", ($14 + $15 + $16 + $17) / 100 }' "/proc/$1/stat"; }
rss_of() { awk '/VmRSS/ { print $2 }' "/proc/$1/status"; }

measure() { # label pid; fails when the process is gone
    sleep 5 # past start-up and the warmup
    [ -e "/proc/$2/stat" ] || { echo "$1: not running"; return 1; }
    c0=$(cpu_of "$2"); t0=$(date +%s.%N)
    sleep "$DURATION"
    [ -e "/proc/$2/stat" ] || { echo "$1: exited during the measurement"; return 1; }
    c1=$(cpu_of "$2"); t1=$(date +%s.%N)
    rss=$(rss_of "$2")
    awk -v l="$1" -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" -v rss="$rss" 'BEGIN {
        printf "%-28s CPU %6.2f%% of one core   RSS %6.1f MiB\n", l, 100 * (c1 - c0) / (t1 - t0), rss / 1024 }'
}

echo "== $N real servers x TCP_CHECK, delay_loop 1 s, loopback, ${DURATION} s each"
echo "vrrplab: $VRRPLAB"

inns sh -c "ulimit -n 8192; exec $VRRPLAB run -C -n -l -f $WORK/bench.conf -p $WORK/v.pid -r $WORK/v.vrrp.pid -c $WORK/v.checkers.pid --lb-backend nftables --status 127.0.0.1:9190" > "$WORK/vrrplab.log" 2>&1 &
sleep 1
VPID=$(cat "$WORK/v.pid")
measure "vrrplab run -C" "$VPID"
probes=$(inns curl -s 127.0.0.1:9190/metrics | awk '/^vrrplab_real_server_probes_total/ { s += $2 } END { print s }')
up=$(inns curl -s 127.0.0.1:9190/metrics | awk '/^vrrplab_real_server_up/ { s += $2 } END { print s }')
echo "  probes finished so far: $probes; real servers up: $up of $N"
kill "$VPID"; sleep 2

inns keepalived -n -l -D -C -f "$WORK/bench.conf" -p "$WORK/k.pid" -c "$WORK/k.checkers.pid" -r "$WORK/k.vrrp.pid" > "$WORK/keepalived.log" 2>&1 &
sleep 8 # reading 1,000 real servers, then initialising IPVS
KC=$(cat "$WORK/k.checkers.pid" 2>/dev/null || true)
if [ -n "$KC" ] && kill -0 "$KC" 2>/dev/null && measure "keepalived -C (checker)" "$KC"; then
    kill "$(cat "$WORK/k.pid")"
else
    echo "keepalived -C: its checker process does not keep running here:"
    grep -E "IPVS|FATAL|exited" "$WORK/keepalived.log" | sed 's/^/  /'
    echo "comparing with the bare probe cost instead (python3 asyncio, $N connects per second):"
    cat > "$WORK/bare.py" <<PY
import asyncio
async def probe(port):
    while True:
        try:
            r, w = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 1)
            w.close()
        except Exception:
            pass
        await asyncio.sleep(1)
async def main():
    await asyncio.gather(*(probe(p) for p in range($BASE_PORT, $BASE_PORT + $N)))
asyncio.run(main())
PY
    inns sh -c "ulimit -n 8192; exec python3 $WORK/bare.py" &
    BARE=$!
    sleep 1
    measure "bare probes (python3)" "$(pgrep -P "$BARE" python3 || echo "$BARE")"
    kill "$BARE" 2>/dev/null || true
fi
