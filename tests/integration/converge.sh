#!/bin/bash
# One pass converges, always: random edits to a small lab (random_edits.py, deterministic by
# seed), each followed by one `up`, after which `diff` must be clean and the neighbours the file
# pings must answer. Then the regression cases in labs/converge/: NAME.a.yaml is brought up,
# then NAME.b.yaml, and one `up` must be enough.
# NSTOPO_CONVERGE_SEEDS / NSTOPO_CONVERGE_STEPS run more locally (CI: one seed, 200 edits).
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip_feature "needs python3"
here=$(dirname "$0")

for a in "$here"/labs/converge/*.a.yaml; do
	[ -e "$a" ] || continue
	b=${a%.a.yaml}.b.yaml
	case=$(basename "${a%.a.yaml}")
	expect_rc 0 "$case: up the first file" n up "$a"
	expect_rc 0 "$case: up the second file" n up "$b"
	expect_rc 0 "$case: diff is clean after one up" n diff "$b"
	grep -qE '^ *"?tests"?:' "$b" &&
		expect_rc 0 "$case: its tests pass" n test "$b"
	expect_rc 0 "$case: down" n down "$b"
done

for seed in ${NSTOPO_CONVERGE_SEEDS:-1}; do
	check "seed $seed: ${NSTOPO_CONVERGE_STEPS:-200} edits converge in one up each" \
		python3 "$here/random_edits.py" --seed "$seed" --steps "${NSTOPO_CONVERGE_STEPS:-200}" \
		--nstopo "$NSTOPO" --work "$WORK" --tests ${NSTOPO_CONVERGE_SAVE:+--save "$NSTOPO_CONVERGE_SAVE"}
	tail -1 "$WORK/out"
done
check "nothing left" wait_until 2000 nothing_left
finish
