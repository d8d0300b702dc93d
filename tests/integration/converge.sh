#!/bin/bash
# One pass converges, always: random edits to a small lab (random_edits.py, deterministic by
# seed), each followed by one `up`, after which `diff` must be clean and the neighbours the file
# pings must answer. Then the regression cases in labs/converge/: NAME.a.yaml is brought up
# (and tested, when it has tests), then NAME.b.yaml, and one `up` must be enough.
# NSTOPO_CONVERGE_SEEDS="1 2 3" NSTOPO_CONVERGE_STEPS=1000 run more locally (CI: seed 1, 200
# edits). A failure prints the seed, the step, the edit and both files; with
# NSTOPO_CONVERGE_SAVE=DIR the two files are written there as seedS-stepN.{a,b}.yaml: copy them
# to labs/converge/ (with a comment saying where they came from) to keep the case.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip_feature "needs python3"
here=$(dirname "$0")

for a in "$here"/labs/converge/*.a.yaml; do
	[ -e "$a" ] || continue
	b=${a%.a.yaml}.b.yaml
	case=$(basename "${a%.a.yaml}")
	expect_rc 0 "$case: up the first file" n up "$a"
	# Its tests fill the neighbour caches the second file's changes must not leave stale.
	grep -qE '^ *"?tests"?:' "$a" &&
		expect_rc 0 "$case: the first file's tests pass" n test "$a"
	expect_rc 0 "$case: up the second file" n up "$b"
	expect_rc 0 "$case: diff is clean after one up" n diff "$b"
	grep -qE '^ *"?tests"?:' "$b" &&
		expect_rc 0 "$case: its tests pass" n test "$b"
	expect_rc 0 "$case: down" n down "$b"
done

steps=${NSTOPO_CONVERGE_STEPS:-200}
for seed in ${NSTOPO_CONVERGE_SEEDS:-1}; do
	python3 "$here/random_edits.py" --seed "$seed" --steps "$steps" --nstopo "$NSTOPO" \
		--work "$WORK" --tests ${NSTOPO_CONVERGE_SAVE:+--save "$NSTOPO_CONVERGE_SAVE"} >"$WORK/edits" 2>&1
	if [ $? = 0 ]; then
		ok "seed $seed: $steps edits converge in one up each"
	else
		# Each failing step: the edit, what diff or the tests said, the files before and after.
		not_ok "seed $seed: $steps edits converge in one up each"
		sed 's/^/    /' "$WORK/edits" | head -300
	fi
	tail -1 "$WORK/edits"
done
check "nothing left" wait_until 2000 nothing_left
finish
