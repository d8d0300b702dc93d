#!/bin/bash
# Failure part-way: the kernel refuses the Nth netlink message (or nstopo is killed there), for
# every N of a whole `up`. Each time the next `up` converges (diff clean) and `down` leaves
# nothing. Faults come from outside (strace), the product has no test hooks.
. "$(dirname "$0")/lib.sh"
command -v strace >/dev/null || skip_feature "needs strace"

lab=$(dirname "$0")/labs/chain.yaml
# How many sendmsg calls a whole up makes.
strace -f -qq -c -o "$WORK/count" -e trace=sendmsg "$NSTOPO" up "$lab" >/dev/null 2>&1
total=$(awk '$NF == "sendmsg" {print $4}' "$WORK/count")
expect_rc 0 "down after counting" n down "$lab"
[ -n "$total" ] && [ "$total" -gt 10 ] || { not_ok "count sendmsg calls (got '$total')"; finish; }
ok "a whole up makes $total sendmsg calls"

bad=0
for fault in error=EPERM signal=KILL; do
	for ((i = 1; i <= total; i++)); do
		strace -f -qq -o /dev/null -e trace=sendmsg -e inject=sendmsg:$fault:when=$i \
			"$NSTOPO" up "$lab" >"$WORK/first" 2>&1
		rc=$?
		case $fault:$rc in
		error*:3 | signal*:137) ;;
		*) bad=1; not_ok "$fault at $i: first up exited $rc"; sed 's/^/    /' "$WORK/first" ;;
		esac
		if [ "$fault" = error=EPERM ] && ! grep -q "Operation not permitted" "$WORK/first"; then
			bad=1; not_ok "$fault at $i: the error does not give the reason"; sed 's/^/    /' "$WORK/first"
		fi
		if ! "$NSTOPO" up "$lab" >"$WORK/second" 2>&1 || ! "$NSTOPO" diff "$lab" >"$WORK/diff" 2>&1; then
			bad=1; not_ok "$fault at $i: up does not converge"; sed 's/^/    /' "$WORK/second" "$WORK/diff"
		fi
		# Every other time, down right after the fault instead of finishing first.
		if ((i % 2)); then
			"$NSTOPO" down "$lab" >/dev/null 2>&1
		else
			strace -f -qq -o /dev/null -e trace=sendmsg -e inject=sendmsg:$fault:when=$i \
				"$NSTOPO" up "$lab" >/dev/null 2>&1
			"$NSTOPO" down "$lab" >"$WORK/down" 2>&1 || { bad=1; not_ok "$fault at $i: down failed"; }
		fi
		if ! wait_until 2000 nothing_left; then
			bad=1; not_ok "$fault at $i: down left something: $(ip netns list | tr '\n' ' ')"
		fi
	done
	[ $bad = 0 ] && ok "$fault at each of $total sendmsg calls: up converges, down leaves nothing"
done
finish
