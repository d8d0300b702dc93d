#!/bin/bash
# frr.sh [--sizes "10 50 100 200"] [--kinds "frr bird"] [--out FILE] | --yaml frr|bird N
# How fast routing labs come up: a ring of N routers running OSPF (FRR: zebra, staticd, ospfd;
# BIRD: one bird), 1 s hellos on point-to-point links. For each N: the time of `up` (it returns
# when every node's daemons are started and configured) and per router, the daemons' memory per
# router (PSS from /proc/PID/smaps_rollup: shared pages counted once), the time from the end of
# `up` until r1 has a route to every other router's loopback (convergence), and `down`. Runs
# inside a throwaway sandbox like bench.sh. A benchmark: it asserts nothing, it reports.
# --yaml KIND N prints the lab.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
NSTOPO=${NSTOPO_BIN:-$top/build/nstopo}
# The ring: router i (1..n) has lo 10.255.H.L/32, e1 towards i-1 and e2 towards i+1, link i
# (i to i+1) is the /30 10.X.Y.Z.
lo_addr() { echo "10.255.$(($1 >> 8)).$(($1 & 255))"; }
link_addr() { # link i, end 1 or 2
	local s=$((($1 - 1) * 4))
	echo "10.$((s >> 16 & 255)).$((s >> 8 & 255)).$(((s & 255) + $2))"
}
ring() {
	local kind=$1 n=$2 i prev
	echo "name: ring"
	echo 'prefix: ""'
	echo "nodes:"
	for ((i = 1; i <= n; i++)); do
		prev=$((i == 1 ? n : i - 1))
		echo "  r$i:"
		echo "    kind: $kind"
		[ "$kind" = frr ] && echo "    daemons: [ospfd]"
		echo "    interfaces:"
		echo "      lo: $(lo_addr $i)/32"
		echo "      e1: $(link_addr $prev 2)/30"
		echo "      e2: $(link_addr $i 1)/30"
		echo "    config: |"
		if [ "$kind" = frr ]; then
			for e in e1 e2; do
				printf '      interface %s\n       ip ospf network point-to-point\n' $e
				printf '       ip ospf hello-interval 1\n       ip ospf dead-interval 4\n'
			done
			printf '      router ospf\n       ospf router-id %s\n' "$(lo_addr $i)"
			printf '       timers throttle spf 10 100 1000\n       network 10.0.0.0/8 area 0\n'
		else
			printf '      router id %s;\n' "$(lo_addr $i)"
			printf '      protocol device { scan time 1; }\n'
			printf '      protocol kernel { ipv4 { export where source = RTS_OSPF; }; }\n'
			printf '      protocol ospf v2 {\n        ipv4 { import all; export none; };\n'
			printf '        area 0 {\n          interface "lo" { stub yes; };\n'
			printf '          interface "e*" { type ptp; hello 1; dead 4; };\n        };\n      }\n'
		fi
	done
	echo "links:"
	for ((i = 1; i <= n; i++)); do
		echo "  - [r$i:e2, r$((i == n ? 1 : i + 1)):e1]"
	done
}

sizes="10 50 100 200"
kinds="frr bird"
out=""
while [ $# -gt 0 ]; do
	case $1 in
	--sizes) sizes=$2; shift 2 ;;
	--kinds) kinds=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--yaml) ring "$2" "$3"; exit ;;
	*) echo "usage: $0 [--sizes LIST] [--kinds \"frr bird\"] [--out FILE]" >&2; exit 2 ;;
	esac
done
[ "$(id -u)" = 0 ] || { echo "frr.sh: needs root (namespaces)" >&2; exit 2; }
[ -x "$NSTOPO" ] || { echo "frr.sh: build nstopo first ($NSTOPO)" >&2; exit 2; }
out=${out:-$top/build/bench-routing-$(date +%Y%m%d-%H%M%S).txt}

if [ -z "${NSTOPO_BENCH_SANDBOXED:-}" ]; then
	export NSTOPO_BENCH_SANDBOXED=1
	mkdir -p /run/netns /run/nstopo /etc/netns "$(dirname "$out")"
	exec unshare --mount --net --pid --fork --mount-proc --propagation private bash -c '
		mount -t tmpfs bench /run/netns && mount -t tmpfs bench /run/nstopo &&
		mount -t tmpfs bench /etc/netns && ip link set lo up && exec bash "$0" "$@"' \
		"$0" --sizes "$sizes" --kinds "$kinds" --out "$out"
fi

work=$(mktemp -d /tmp/nstopo-bench.XXXXXX)
cleanup() {
	[ -f "$work/lab.yaml" ] && "$NSTOPO" down "$work/lab.yaml" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ms() { echo $((($(date +%s%N) - $1) / 1000000)); }
# Waits (up to a minute) until the CPUs have been idle for a second (see bench.sh); on a machine
# others load, NSTOPO_BENCH_NOQUIET=1 waits a second instead.
quiet() {
	if [ "${NSTOPO_BENCH_NOQUIET:-}" = 1 ]; then
		sleep 1
		return
	fi
	local a b i k tot
	for i in $(seq 60); do
		read -ra a </proc/stat
		sleep 1
		read -ra b </proc/stat
		tot=0
		for k in 1 2 3 4 5 6 7 8; do tot=$((tot + b[k] - a[k])); done
		[ "$tot" -gt 0 ] && [ $(((b[4] - a[4]) * 100 / tot)) -ge 95 ] && return 0
	done
}

# The routing daemons' pids in the sandbox (its own pid namespace).
daemons() {
	local f c
	for f in /proc/[0-9]*/comm; do
		read -r c <"$f" 2>/dev/null || continue
		case $c in zebra | staticd | ospfd | bird) f=${f#/proc/} && echo "${f%/comm}" ;; esac
	done
}
# Their PSS, in KiB.
pss_kib() {
	local total=0 p v
	for p in $(daemons); do
		v=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null)
		total=$((total + ${v:-0}))
	done
	echo $total
}
# Routes r1 has to the other routers' loopbacks.
loopbacks() { ip -n r1 -4 route show 2>/dev/null | grep -c '^10\.255\.'; }

{
	echo "nstopo routing benchmark (OSPF ring), $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), kernel $(uname -r)"
	echo "up, converge (after up: r1 has a route to every loopback), down in ms; PSS per router in MiB"
	printf '\n%-5s %5s | %7s %8s | %9s | %9s | %7s %4s\n' kind N up ms/rtr PSS/rtr converge down left
} | tee "$out"
for kind in $kinds; do
	case $kind in
	frr) [ -x /usr/lib/frr/zebra ] || { echo "no FRR: $kind skipped" | tee -a "$out"; continue; } ;;
	bird) command -v bird >/dev/null || { echo "no BIRD: $kind skipped" | tee -a "$out"; continue; } ;;
	esac
	for n in $sizes; do
		ring "$kind" "$n" >"$work/lab.yaml"
		quiet
		s=$(date +%s%N)
		if "$NSTOPO" up "$work/lab.yaml" >/dev/null 2>"$work/err"; then
			up=$(ms "$s")
		else
			up=fail
			sed 's/^/    /' "$work/err" | head -5
		fi
		s=$(date +%s%N)
		conv=timeout
		for _ in $(seq 1200); do
			if [ "$(loopbacks)" -ge $((n - 1)) ]; then
				conv=$(ms "$s")
				break
			fi
			sleep 0.05
		done
		pss=$(awk -v k="$(pss_kib)" -v n="$n" 'BEGIN { printf "%.1f", k / 1024 / n }')
		per=$(awk -v u="$up" -v n="$n" 'BEGIN { if (u + 0 > 0) printf "%.1f", u / n; else printf "-" }')
		quiet
		s=$(date +%s%N)
		"$NSTOPO" down "$work/lab.yaml" >/dev/null 2>"$work/err" && down=$(ms "$s") || down=fail
		left=$(($(ip netns list | wc -l) + $(find /run/nstopo -mindepth 1 | wc -l) + $(daemons | wc -l)))
		printf '%-5s %5d | %7s %8s | %9s | %9s | %7s %4s\n' "$kind" "$n" "$up" "$per" "$pss" "$conv" \
			"$down" "$left" | tee -a "$out"
	done
done
rm -f "$work/lab.yaml"
echo "written to $out"
