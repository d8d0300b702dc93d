#!/bin/bash
# validate.sh - `nstopo validate` and `graph` from the command line: the example labs are valid and
# drawable, usage errors exit 2, and files that cannot be topologies (empty, not regular, too big,
# binary, hostile YAML) are refused with FILE:LINE:COL, exit 2, fast and in little memory.
# Needs no root. ctest sets NSTOPO_BIN and NSTOPO_SOURCE_DIR; exit 77 means skipped.
set -u

src=${NSTOPO_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${NSTOPO_BIN:-$src/build/nstopo}
if [ ! -x "$bin" ]; then
	echo "SKIP: no nstopo binary at $bin (set NSTOPO_BIN)"
	exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nstopo-cli.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

failures=0
ok() { echo "ok   $*"; }
bad() {
	echo "FAIL $*"
	failures=$((failures + 1))
}

# run ARGS...: runs nstopo, leaving its status in $rc and its output in $tmp/out and $tmp/err.
run() {
	"$bin" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# expect_status WHAT WANT: checks $rc.
expect_status() {
	if [ "$rc" -eq "$2" ]; then
		ok "$1: exit $rc"
	else
		bad "$1: exit $rc, wanted $2"
		sed 's/^/     | /' "$tmp/err" | head -5
	fi
}

# expect_refused WHAT FILE PATTERN: validate FILE exits 2 and its first line on stderr matches the
# extended regex PATTERN (the whole line), with nothing on stdout.
expect_refused() {
	local what=$1 file=$2 pattern=$3
	run validate "$file"
	local first
	first=$(head -n 1 "$tmp/err")
	if [ "$rc" -ne 2 ]; then
		bad "$what: exit $rc, wanted 2"
	elif ! grep -Eqx -- "$pattern" <<<"$first"; then
		bad "$what: stderr '$first' does not match '$pattern'"
	elif [ -s "$tmp/out" ]; then
		bad "$what: printed on stdout"
	else
		ok "$what: exit 2, $first"
	fi
}

re_quote() { printf '%s' "$1" | sed 's/[][\.*^$+?(){}|/]/\\&/g'; }

# --- the example labs ---------------------------------------------------------------------------
have_dot=1
command -v dot >/dev/null 2>&1 || have_dot=0
for f in "$src"/topologies/*.yaml "$src"/tests/good/*.yaml; do
	[ -e "$f" ] || continue
	name=${f#"$src"/}
	run validate "$f"
	if [ "$rc" -eq 0 ] && [ ! -s "$tmp/out" ] && [ ! -s "$tmp/err" ]; then
		ok "validate $name: exit 0, no output"
	else
		bad "validate $name: exit $rc, output: $(head -c 300 "$tmp/out" "$tmp/err")"
	fi
	run graph "$f"
	if [ "$rc" -ne 0 ]; then
		bad "graph $name: exit $rc"
	elif [ "$have_dot" -eq 0 ]; then
		ok "graph $name: exit 0 (dot not installed: output not drawn)"
	elif dot -Tsvg <"$tmp/out" >"$tmp/svg" 2>"$tmp/dot.err" && grep -q '<svg' "$tmp/svg"; then
		ok "graph $name | dot -Tsvg: accepted"
	else
		bad "graph $name | dot -Tsvg: $(head -c 300 "$tmp/dot.err")"
	fi
done

# --- expand: a plain file that validates, is the same lab, and expands to itself -----------------
# (files with `files:` are left out: their sources are relative to the file's own directory)
for f in "$src"/topologies/*.yaml "$src"/tests/good/*.yaml "$src"/tests/fuzz/corpus/compact-*.yaml; do
	[ -e "$f" ] || continue
	grep -q '^ *files:' "$f" && continue
	name=${f#"$src"/}
	run expand "$f"
	cp "$tmp/out" "$tmp/expanded.yaml"
	if [ "$rc" -ne 0 ] || [ -s "$tmp/err" ]; then
		bad "expand $name: exit $rc, $(head -c 300 "$tmp/err")"
		continue
	fi
	run graph "$f"
	cp "$tmp/out" "$tmp/graph.a"
	run graph "$tmp/expanded.yaml"
	if [ "$rc" -ne 0 ] || ! cmp -s "$tmp/graph.a" "$tmp/out"; then
		bad "expand $name: the expanded file is not the same lab (graph differs)"
		diff "$tmp/graph.a" "$tmp/out" | sed 's/^/     | /' | head -6
		continue
	fi
	run expand "$tmp/expanded.yaml"
	if [ "$rc" -eq 0 ] && cmp -s "$tmp/out" "$tmp/expanded.yaml"; then
		ok "expand $name: validates, the same lab, expands to itself"
	else
		bad "expand $name: expanding the expanded file changes it (exit $rc)"
		diff "$tmp/expanded.yaml" "$tmp/out" | sed 's/^/     | /' | head -6
	fi
done
run expand "$src/tests/bad/x02-expand-patterns.yaml"
if [ "$rc" -eq 2 ] && [ ! -s "$tmp/out" ] && [ -s "$tmp/err" ]; then
	ok "expand of a bad file: exit 2, errors only"
else
	bad "expand of a bad file: exit $rc"
fi

# --- every bad file, through the real command: exit 2 and exactly its expected lines -------------
for f in "$src"/tests/bad/*.yaml; do
	[ -e "$f" ] || continue
	name=${f#"$src"/}
	run validate "$f"
	# "# expect: LINE:COL: MESSAGE" is printed as "FILE:LINE:COL: error: MESSAGE".
	grep '^# expect: ' "$f" | while IFS= read -r line; do
		line=${line#"# expect: "}
		printf '%s:%s: error: %s\n' "$f" "${line%%: *}" "${line#*: }"
	done >"$tmp/want"
	if [ "$rc" -ne 2 ]; then
		bad "validate $name: exit $rc, wanted 2"
	elif ! cmp -s "$tmp/want" "$tmp/err"; then
		bad "validate $name: output differs"
		diff "$tmp/want" "$tmp/err" | sed 's/^/     | /' | head -10
	else
		ok "validate $name: exit 2, $(wc -l <"$tmp/err") expected line(s)"
	fi
done

# --- usage --------------------------------------------------------------------------------------
run --help
expect_status "--help" 0
run help validate
expect_status "help validate" 0
grep -q 'validate' "$tmp/out" || bad "help validate: does not mention validate"
run validate --help
expect_status "validate --help" 0
run --version
expect_status "--version" 0
grep -Eq '^nstopo [0-9]+\.[0-9]+' "$tmp/out" || bad "--version: prints '$(cat "$tmp/out")'"
run frobnicate
expect_status "unknown command" 2
run
expect_status "no command" 2
run validate
expect_status "validate without a file" 2
run validate a.yaml b.yaml
expect_status "validate with two files" 2
run validate --frobnicate x.yaml
expect_status "validate with an unknown option" 2
run graph
expect_status "graph without a file" 2
run expand
expect_status "expand without a file" 2
run help frobnicate
expect_status "help for an unknown command" 2

# --- files that are not topologies --------------------------------------------------------------
: >"$tmp/empty.yaml"
expect_refused "empty file" "$tmp/empty.yaml" "$(re_quote "$tmp/empty.yaml"):1:1: error: .*empty.*"
mkdir "$tmp/dir.yaml"
expect_refused "directory" "$tmp/dir.yaml" "$(re_quote "$tmp/dir.yaml"):1:1: error: not a regular file"
expect_refused "/dev/null" /dev/null "/dev/null:1:1: error: not a regular file"
mkfifo "$tmp/fifo.yaml"
# A FIFO with no writer would block a plain open(); the timeout turns a hang into a failure.
rc=0
timeout 5 "$bin" validate "$tmp/fifo.yaml" >"$tmp/out" 2>"$tmp/err" || rc=$?
if [ "$rc" -eq 2 ] && grep -q "^$(re_quote "$tmp/fifo.yaml"):1:1: error: not a regular file" "$tmp/err"; then
	ok "FIFO: exit 2, not a regular file"
else
	bad "FIFO: exit $rc: $(head -c 200 "$tmp/err")"
fi
expect_refused "missing file" "$tmp/missing.yaml" \
	"$(re_quote "$tmp/missing.yaml"):1:1: error: cannot open the file: No such file or directory"
truncate -s $((8 * 1024 * 1024 + 1)) "$tmp/huge.yaml"
expect_refused "file over 8 MiB" "$tmp/huge.yaml" "$(re_quote "$tmp/huge.yaml"):1:1: error: .*8 MiB.*"
head -c 4096 /dev/zero >"$tmp/zeros.yaml"
expect_refused "file of NUL bytes" "$tmp/zeros.yaml" \
	"$(re_quote "$tmp/zeros.yaml"):1:1: error: YAML syntax: .*0x00.*"
printf 'name: lab\nnodes: {h1: {}}\x00\n' >"$tmp/nul.yaml"
expect_refused "NUL byte after a valid line" "$tmp/nul.yaml" \
	"$(re_quote "$tmp/nul.yaml"):2:16: error: YAML syntax: .*0x00.*"
printf 'name: lab\nnodes: {h\xff: {}}\n' >"$tmp/utf8.yaml"
expect_refused "invalid UTF-8" "$tmp/utf8.yaml" "$(re_quote "$tmp/utf8.yaml"):2:10: error: YAML syntax: .*0xff.*"
head -c 65536 /dev/urandom >"$tmp/random.yaml"
expect_refused "random bytes" "$tmp/random.yaml" "$(re_quote "$tmp/random.yaml"):[0-9]+:[0-9]+: error: .*"

# --- hostile YAML: refused fast and small -------------------------------------------------------
# The address-space limit would stop ASan's shadow memory from being mapped at all.
asan=${NSTOPO_ASAN:-0}
if [ "$asan" != 1 ] && nm "$bin" 2>/dev/null | grep -q '__asan_init'; then
	asan=1
fi
limit=()
# The time bounds catch a quadratic algorithm (minutes), not a slow machine: ASan's 2-4x slowdown
# on a loaded CI machine gets four times the room.
secs=5
if [ "$asan" = 1 ]; then
	echo "note: ASan build: the 64 MiB address-space checks are skipped"
	echo "note: ASan build: the time bounds are 20 s, not 5 s"
	secs=20
elif command -v prlimit >/dev/null 2>&1; then
	limit=(prlimit --as=$((64 << 20)))
else
	echo "note: no prlimit: the 64 MiB address-space checks are skipped"
fi

# bounded WHAT FILE PATTERN: refused with exit 2, a first line matching PATTERN, within $secs s and
# (when possible) 64 MiB of address space.
bounded() {
	local what=$1 file=$2 pattern=$3 start end
	start=$(date +%s%N)
	rc=0
	timeout $secs ${limit[@]+"${limit[@]}"} "$bin" validate "$file" >"$tmp/out" 2>"$tmp/err" || rc=$?
	end=$(date +%s%N)
	local ms=$(((end - start) / 1000000)) first
	first=$(head -n 1 "$tmp/err")
	if [ "$rc" -eq 124 ]; then
		bad "$what: still running after $secs s"
	elif [ "$rc" -ne 2 ]; then
		bad "$what: exit $rc (134 is an abort: out of memory under the limit?): $first"
	elif ! grep -Eqx -- "$pattern" <<<"$first"; then
		bad "$what: '$first' does not match '$pattern'"
	else
		ok "$what: exit 2 in ${ms} ms${limit[*]:+ under ${limit[*]}}: ${first#"$tmp/"}"
	fi
}

head -c 200000 /dev/zero | tr '\0' '[' >"$tmp/deep.yaml"
bounded "200,000 [" "$tmp/deep.yaml" ".*deep.yaml:1:65: error: nesting deeper than 64 levels"
{
	printf 'name: lab\nnodes: {h1: {}}\n'
	printf 'a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n'
	for i in $(seq 1 20); do
		printf 'a%d: &a%d [' "$i" "$i"
		for _ in $(seq 1 9); do printf '*a%d, ' $((i - 1)); done
		printf '*a%d]\n' $((i - 1))
	done
} >"$tmp/laughs.yaml"
bounded "billion laughs" "$tmp/laughs.yaml" ".*laughs.yaml:[0-9]+:[0-9]+: error: aliases expand the document beyond [0-9]+ nodes.*"
# The compact file's expansion is bounded the same way: in names, in text, in steps.
printf 'name: lab\nnodes:\n  n[1-2000]: {}\nlinks:\n  - mesh: "n[1-2000]"\n' >"$tmp/mesh.yaml"
bounded "a mesh of 2000 nodes" "$tmp/mesh.yaml" ".*mesh.yaml:5:5: error: ranges and patterns expand the file beyond [0-9]+ YAML nodes"
awk 'BEGIN { printf "name: lab\nnodes:\n  r[1-10000]: {config: \"{n}"; for (i = 0; i < 100000; i++) printf "xxxxxxxxxx"; print "\"}" }' \
	>"$tmp/text.yaml"
bounded "a megabyte string under a range of 10000" "$tmp/text.yaml" ".*text.yaml:3:3: error: ranges and patterns expand the file beyond [0-9]+ MiB of text"
awk 'BEGIN { printf "name: lab\na: &a ["; for (i = 0; i < 130; i++) printf "x,"; printf "x]\nnodes:\n  r[1-10000]: {y: \"{n}\", z: ["; for (i = 0; i < 130; i++) printf "*a,"; print "*a]}" }' \
	>"$tmp/steps.yaml"
bounded "a range of 10000 over an aliased body" "$tmp/steps.yaml" ".*steps.yaml:4:3: error: expanding the file takes more than [0-9]+ steps.*"
awk 'BEGIN { print "name: lab\nnodes: {}\nx: &x {k: v}"; for (i = 0; i < 200000; i++) printf "k%d: {<<: *x}\n", i }' \
	>"$tmp/merges.yaml"
bounded "200,000 merge keys" "$tmp/merges.yaml" ".*merges.yaml:[0-9]+:[0-9]+: error: .*"
awk 'BEGIN { printf "name: lab\nnodes: {}\nx: ["; for (i = 0; i < 1000000; i++) printf "1,"; print "1]" }' \
	>"$tmp/wide.yaml"
bounded "a list of a million scalars" "$tmp/wide.yaml" ".*wide.yaml:3:[0-9]+: error: the document has more than [0-9]+ nodes"
awk 'BEGIN { printf "name: lab\nnodes: {}\nx: {"; for (i = 0; i < 400000; i++) printf "k%d: v,", i; print "k: v}" }' \
	>"$tmp/keys.yaml"
bounded "a mapping of 400,000 keys" "$tmp/keys.yaml" ".*keys.yaml:3:[0-9]+: error: the document has more than [0-9]+ nodes"

# Control characters quoted from the file are shown escaped, never sent to the terminal.
printf 'name: t\nnodes:\n  "h\\x1b[31m1\\nline": {}\n' >"$tmp/esc.yaml"
"$bin" validate "$tmp/esc.yaml" >"$tmp/esc.out" 2>&1
if grep -q "$(printf '\033')" "$tmp/esc.out" || ! grep -qF "'h\x1b[31m1\x0aline'" "$tmp/esc.out" ||
	[ "$(wc -l <"$tmp/esc.out")" -ne 1 ]; then
	echo "FAIL control characters in a message are not escaped"
	sed 's/^/     | /' "$tmp/esc.out" | cat -v
	failures=$((failures + 1))
else
	ok "control characters in a message are escaped"
fi

# Checks stay linear in the file's size: 100,000 files: in one node (duplicates were found by
# comparing every pair, 20 s and more).
awk 'BEGIN { print "name: lab\nnodes:\n  r1:\n    files:"; for (i = 0; i < 100000; i++) printf "      /srv/f%d: x\n", i }' \
	>"$tmp/files.yaml"
rc=0
timeout $secs "$bin" validate "$tmp/files.yaml" >"$tmp/out" 2>"$tmp/err" || rc=$?
if [ "$rc" -eq 0 ]; then
	ok "100,000 files in one node: valid within $secs s"
else
	bad "100,000 files in one node: exit $rc (124: still running after $secs s): $(head -c 200 "$tmp/err")"
fi

# 80,000 addresses and 80,000 routes whose gateways none of them holds (issue 14: each route
# scanned every address, 15 s for 2 MB): every route refused, within 5 s.
awk 'BEGIN {
	print "name: lab\nnodes:\n  r1:\n    interfaces:\n      lo:"
	for (i = 0; i < 80000; i++) printf "        - 10.%d.%d.%d/32\n", int(i / 62500), int(i / 250) % 250, i % 250 + 1
	print "    routes:"
	for (i = 0; i < 80000; i++) printf "      - 172.%d.%d.%d/32 via 192.168.%d.%d\n", 16 + int(i / 62500), int(i / 250) % 250, i % 250 + 1, int(i / 250) % 250, i % 250 + 1
}' >"$tmp/routes.yaml"
rc=0
timeout $secs "$bin" validate "$tmp/routes.yaml" >"$tmp/out" 2>"$tmp/err" || rc=$?
if [ "$rc" -eq 2 ] && grep -q "is not in any subnet" "$tmp/err"; then
	ok "80,000 addresses x 80,000 unreachable gateways: refused within $secs s"
else
	bad "80,000 addresses x 80,000 unreachable gateways: exit $rc (124: still running after $secs s): $(head -c 200 "$tmp/err")"
fi

# A file with thousands of errors: the first thousand and a count of the rest.
awk 'BEGIN { print "name: t\nnodes:"; for (i = 0; i < 1500; i++) printf "  n%d: {interfaces: {eth0: 10.0.0.%d/33}}\n", i, i % 250 }' >"$tmp/many.yaml"
"$bin" validate "$tmp/many.yaml" >"$tmp/many.out" 2>&1
if [ "$(grep -c ': error: ' "$tmp/many.out")" -eq 1000 ] && grep -q '\.\.\. and [0-9]* more diagnostics' "$tmp/many.out"; then
	ok "thousands of errors: the first 1000 and a count"
else
	echo "FAIL thousands of errors are not capped"
	tail -2 "$tmp/many.out"
	failures=$((failures + 1))
fi

if [ "$failures" -ne 0 ]; then
	echo "$failures check(s) failed"
	exit 1
fi
echo "all checks passed"
