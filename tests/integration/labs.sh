#!/bin/bash
# Every example lab in topologies/ comes up, passes its own tests: and goes down leaving
# nothing (labs that need FRR or BIRD are skipped, with the reason, when those are missing).
. "$(dirname "$0")/lib.sh"
for p in socat nft; do command -v $p >/dev/null || skip_feature "needs $p"; done

for file in "$TOPOS"/*.yaml; do
	name=$(basename "$file" .yaml)
	if grep -qE 'kind: *frr' "$file" && [ ! -x /usr/lib/frr/zebra ]; then
		echo "# skip $name: FRR is not installed"
		continue
	fi
	if grep -qE 'kind: *bird' "$file" && ! command -v bird >/dev/null; then
		echo "# skip $name: BIRD is not installed"
		continue
	fi
	if grep -qE '^ *(delay|jitter|loss|corrupt|duplicate|reorder):' "$file" &&
		! unshare -n tc qdisc add dev lo root netem delay 1ms 2>/dev/null; then
		echo "# skip $name: the kernel has no sch_netem (tests/vm/ runs it)"
		continue
	fi
	grep -q '^tests:' "$file" || { not_ok "$name has no tests:"; continue; }
	expect_rc 0 "$name: up --test" n up --test "$file"
	[ "$FAILED" = 0 ] || sed 's/^/    /' "$WORK/out" | grep -E 'not ok|^    #' | head -20
	expect_rc 0 "$name: diff is clean after its tests" n diff "$file"
	expect_rc 0 "$name: down" n down "$file"
	check "$name: nothing left" wait_until 3000 nothing_left
done
finish
