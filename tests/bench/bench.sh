#!/bin/bash
# bench.sh [--quick] [--big] [--shapes "chain star grid"] [--sizes "10 100 1000"] [--out FILE]
# How fast labs come up, reconcile and go down: nstopo against the same lab built by a script of
# single `ip` commands, by `ip -batch`, and by `ip -batch` with veth ends made in place; and the
# kernel's own floor (floor.c). Prints a table and writes it to a file. Runs inside a throwaway
# sandbox (its own mount, network and pid namespaces), so an interrupt leaves nothing behind.
# A benchmark, not a test: it asserts nothing, it reports.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
NSTOPO=${NSTOPO_BIN:-$top/build/nstopo}
shapes="chain star grid"
sizes="10 100 1000"
out=""
quick=0
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1; sizes="10 100"; shift ;;
	--big) sizes="10 100 1000 3000"; shift ;;
	--shapes) shapes=$2; shift 2 ;;
	--sizes) sizes=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	*) echo "usage: $0 [--quick] [--big] [--shapes LIST] [--sizes LIST] [--out FILE]" >&2; exit 2 ;;
	esac
done
[ "$(id -u)" = 0 ] || { echo "bench: needs root (namespaces)" >&2; exit 2; }
[ -x "$NSTOPO" ] || { echo "bench: build nstopo first ($NSTOPO)" >&2; exit 2; }
out=${out:-$top/build/bench-$(date +%Y%m%d-%H%M%S).txt}

if [ -z "${NSTOPO_BENCH_SANDBOXED:-}" ]; then
	export NSTOPO_BENCH_SANDBOXED=1
	mkdir -p /run/netns /run/nstopo /etc/netns "$(dirname "$out")"
	exec unshare --mount --net --pid --fork --mount-proc --propagation private bash -c '
		mount -t tmpfs bench /run/netns && mount -t tmpfs bench /run/nstopo &&
		mount -t tmpfs bench /etc/netns && ip link set lo up && exec bash "$0" "$@"' \
		"$0" --shapes "$shapes" --sizes "$sizes" --out "$out"
fi

work=$(mktemp -d /tmp/nstopo-bench.XXXXXX)
cleanup() {
	for ns in $(ip netns list | awk '{print $1}'); do ip netns del "$ns" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
# timed CMD...: runs it, prints milliseconds; a failure prints "fail".
timed() {
	local s
	s=$(date +%s%N)
	if "$@" >/dev/null 2>"$work/err"; then ms "$s"; else echo fail; sed 's/^/    /' "$work/err" | head -3 >&2; fi
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a+0 > 0 && b+0 > 0) printf "%.1fx", b / a; else printf "-" }'; }

cc -O2 "$here/floor.c" $(pkg-config --cflags --libs libnl-route-3.0) -o "$work/floor" 2>/dev/null
{
	echo "nstopo benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r)"
	echo "times in ms; ratio = the script's time / nstopo's"
	printf '\n%-6s %5s | %7s %6s %7s %6s %8s | %8s %8s %8s | %7s %7s %7s | %6s\n' shape N up diff change down "peak-MiB" \
		"ip:up" "batch:up" "inplace" "ip" "batch" "inplace" floor
} | tee "$out"

for shape in $shapes; do
	for n in $sizes; do
		[ "$shape" = star ] && [ "$n" -gt 1000 ] && continue # a bridge has at most 1023 ports
		"$here/gen.sh" "$shape" "$n" yaml >"$work/lab.yaml"
		s=$(date +%s%N)
		# GNU time (Debian package "time") reports the peak memory; without it, no memory column.
		if [ -x /usr/bin/time ]; then
			/usr/bin/time -f %M -o "$work/mem" "$NSTOPO" up "$work/lab.yaml" >/dev/null 2>"$work/err" && up=$(ms "$s") || up=fail
		else
			"$NSTOPO" up "$work/lab.yaml" >/dev/null 2>"$work/err" && up=$(ms "$s") || up=fail
		fi
		peak=$(awk '{printf "%.1f", $1/1024}' "$work/mem" 2>/dev/null)
		diff=$(timed "$NSTOPO" diff "$work/lab.yaml")
		# One link changed: the first link's mtu.
		awk 'done == 0 && /^  - \[/ {sub(/^  - /, "  - endpoints: "); print; print "    mtu: 1400"; done = 1; next} {print}' \
			"$work/lab.yaml" >"$work/lab2.yaml"
		change=$(timed "$NSTOPO" up "$work/lab2.yaml")
		down=$(timed "$NSTOPO" down "$work/lab2.yaml")
		row_ip=() row_t=()
		for f in ip batch inplace; do
			if [ "$f" = ip ] && [ "$n" -gt 1000 ]; then row_ip+=(-); continue; fi
			"$here/gen.sh" "$shape" "$n" $f up >"$work/up.sh"
			"$here/gen.sh" "$shape" "$n" $f down >"$work/down.sh"
			t=$(timed bash -e "$work/up.sh")
			row_ip+=("$t")
			timed bash "$work/down.sh" >/dev/null
		done
		fl=-
		[ "$shape" = chain ] && [ -x "$work/floor" ] && fl=$("$work/floor" "$n" | awk '{printf "%d", $4 * 1000}')
		printf '%-6s %5d | %7s %6s %7s %6s %8s | %8s %8s %8s | %7s %7s %7s | %6s\n' "$shape" "$n" \
			"$up" "$diff" "$change" "$down" "${peak:--}" "${row_ip[0]}" "${row_ip[1]}" "${row_ip[2]}" \
			"$(ratio "$up" "${row_ip[0]}")" "$(ratio "$up" "${row_ip[1]}")" "$(ratio "$up" "${row_ip[2]}")" "$fl" | tee -a "$out"
	done
done
echo "written to $out"
