#!/bin/bash
# bench.sh [--quick] [--big] [--shapes "chain star grid"] [--sizes "10 100 1000"] [--out FILE]
# How fast labs come up, reconcile and go down: nstopo (chain.yaml and star.yaml, compact files
# given their size; the grid from gen.sh) against the same lab built by the shell scripts gen.sh
# writes (one `ip` per command; `ip -batch` with veth ends moved; `ip -batch` with
# veth ends made in place and one `ip -n` per command; the same with one `ip -batch` per node),
# and the kernel's own floor (floor.c). Prints a table and writes it to a file. Runs inside a throwaway
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
# quiet: waits (up to a minute) until the CPUs have been idle for a second, so that each
# measurement starts after the kernel has finished freeing the namespaces of the previous one.
quiet() {
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
# ratio A B [FORMAT]: B / A (default "1.5x"), or "-" when either is not a positive number.
ratio() { awk -v a="$1" -v b="$2" -v f="${3:-%.1fx}" 'BEGIN { if (a+0 > 0 && b+0 > 0) printf f, b / a; else printf "-" }'; }

cc -O2 "$here/floor.c" $(pkg-config --cflags --libs libnl-route-3.0) -o "$work/floor" 2>/dev/null
{
	echo "nstopo benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r)"
	echo "times in ms; ms/node = nstopo's up / N; left = what down left behind; scripts: time to build"
	echo "the lab, and the ratio of that time to nstopo's up; floor = floor.c's up, and nstopo's up / it"
	printf '\n%-6s %5s | %6s %7s %6s %7s %6s %4s %8s | %7s %7s %7s %7s | %6s %6s %6s %6s | %6s %5s\n' shape N up ms/node \
		diff change down left "peak-MiB" ip batch inplace pernode ip batch inplac pernod floor /flr
} | tee "$out"

teardown=()
for shape in $shapes; do
	for n in $sizes; do
		[ "$shape" = star ] && [ "$n" -gt 1000 ] && continue # a bridge has at most 1023 ports
		# nstopo's lab: a compact file (chain.yaml, star.yaml) given its size; the grid, which no
		# pattern makes, from gen.sh. The scripts below come from gen.sh: the same network.
		if [ -e "$here/$shape.yaml" ]; then
			sed "s/@N@/$n/g; s/@N1@/$((n - 1))/g" "$here/$shape.yaml" >"$work/lab.yaml"
		else
			"$here/gen.sh" "$shape" "$n" yaml >"$work/lab.yaml"
		fi
		quiet
		s=$(date +%s%N)
		# GNU time (Debian package "time") reports the peak memory; without it, no memory column.
		if [ -x /usr/bin/time ]; then
			/usr/bin/time -f %M -o "$work/mem" "$NSTOPO" up "$work/lab.yaml" >/dev/null 2>"$work/err" && up=$(ms "$s") || up=fail
		else
			"$NSTOPO" up "$work/lab.yaml" >/dev/null 2>"$work/err" && up=$(ms "$s") || up=fail
		fi
		peak=$(awk '{printf "%.1f", $1/1024}' "$work/mem" 2>/dev/null)
		quiet
		diff=$(timed "$NSTOPO" diff "$work/lab.yaml")
		# One link changed: the first link's mtu (in the expanded file, where a link is one link).
		"$NSTOPO" expand "$work/lab.yaml" |
			awk 'done == 0 && match($0, /^ *- \[/) {ind = substr($0, 1, RLENGTH - 3); sub(/- /, "- endpoints: "); print; print ind "  mtu: 1400"; done = 1; next} {print}' \
			>"$work/lab2.yaml"
		quiet
		change=$(timed "$NSTOPO" up "$work/lab2.yaml")
		quiet
		down=$(timed "$NSTOPO" down "$work/lab2.yaml")
		# What down left behind (must be 0): namespaces, files under /run/nstopo, and interfaces
		# other than lo in the sandbox's own namespace.
		left=$(($(ip netns list | wc -l) + $(find /run/nstopo -mindepth 1 | wc -l) + $(ip -o link show | grep -vc ': lo:')))
		row=() ratios=() td=()
		for f in ip batch inplace pernode; do
			# Past 1000 nodes the slowest scripts take minutes: skipped.
			if [ "$n" -gt 1000 ] && { [ "$f" = ip ] || [ "$f" = batch ]; }; then
				row+=(-) ratios+=(-) td+=(-)
				continue
			fi
			"$here/gen.sh" "$shape" "$n" $f up >"$work/up.sh"
			"$here/gen.sh" "$shape" "$n" $f down >"$work/down.sh"
			quiet
			t=$(timed bash -e "$work/up.sh")
			row+=("$t") ratios+=("$(ratio "$up" "$t")")
			quiet
			td+=("$(timed bash "$work/down.sh")")
		done
		teardown+=("$(printf '%-6s %5d | %7s | %7s %7s %7s %7s' "$shape" "$n" "$down" "${td[@]}")")
		fl=- over_floor=-
		if [ -x "$work/floor" ]; then
			quiet
			fl=$("$here/gen.sh" "$shape" "$n" floor | "$work/floor" | awk '{printf "%d", $5 * 1000}')
			over_floor=$(ratio "$fl" "$up" %.2f)
		fi
		per_node=$(ratio "$n" "$up" %.2f)
		printf '%-6s %5d | %6s %7s %6s %7s %6s %4s %8s | %7s %7s %7s %7s | %6s %6s %6s %6s | %6s %5s\n' "$shape" "$n" \
			"$up" "$per_node" "$diff" "$change" "$down" "$left" "${peak:--}" "${row[@]}" "${ratios[@]}" "$fl" \
			"$over_floor" | tee -a "$out"
	done
done
{
	printf '\ndown, ms: nstopo, and the scripts (ip netns del per node)\n'
	printf '%-6s %5s | %7s | %7s %7s %7s %7s\n' shape N nstopo ip batch inplace pernode
	printf '%s\n' "${teardown[@]}"
} | tee -a "$out"
echo "written to $out"
