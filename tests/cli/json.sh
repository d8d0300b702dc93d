#!/bin/bash
# json.sh - --json of the commands that need no root (validate, graph), checked with a JSON
# parser; the output is valid UTF-8 whatever bytes the input had; warnings (FILE:LINE:COL, exit
# 0) and --strict; one error per mistake. Needs no root; python3 for the parser (exit 77 without).
set -u

src=${NSTOPO_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${NSTOPO_BIN:-$src/build/nstopo}
[ -x "$bin" ] || { echo "SKIP: no nstopo binary at $bin (set NSTOPO_BIN)"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: needs python3"; exit 77; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nstopo-json.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0
ok() { echo "ok   $*"; }
bad() {
	echo "FAIL $*"
	failures=$((failures + 1))
}
run() {
	"$bin" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}
# expect WHAT STATUS: checks $rc.
expect() {
	if [ "$rc" -eq "$2" ]; then ok "$1: exit $rc"; else bad "$1: exit $rc, wanted $2"; sed 's/^/     | /' "$tmp/err" | head -5; fi
}
# pyjson WHAT EXPR: stdout is one strict JSON document (UTF-8, no NaN) and EXPR holds for it (d).
pyjson() {
	if python3 - "$tmp/out" "$2" <<'PY'; then ok "$1"; else bad "$1"; head -c 600 "$tmp/out"; echo; fi
import json, sys
raw = open(sys.argv[1], "rb").read()
text = raw.decode("utf-8")  # strict: raises on invalid UTF-8
def no_const(c): raise ValueError(c)
d = json.loads(text, parse_constant=no_const)
assert text.count("\n") == 1 and text.endswith("\n"), "one line"
sys.exit(0 if eval(sys.argv[2]) else 1)
PY
}

lab=$src/topologies/quickstart.yaml
run validate --json "$lab"
expect "validate --json of a valid file" 0
pyjson "... valid, no diagnostics" 'd["valid"] is True and d["diagnostics"] == [] and d["errors"] == 0'
[ -s "$tmp/err" ] && bad "... printed on stderr: $(head -c 200 "$tmp/err")"

run validate -j "$src/tests/bad/83-link-end-typo.yaml"
expect "validate -j of a bad file" 2
pyjson "... the diagnostic as an object" 'd["valid"] is False and d["diagnostics"] == [{"file": d["file"], "line": 9, "col": 9, "severity": "error", "message": "node h1 has no interface '"'eht0'"' (did you mean eth0?)"}]'
[ -s "$tmp/err" ] && bad "... printed on stderr: $(head -c 200 "$tmp/err")"

# Invalid UTF-8 in what the output quotes (here the file's name) is replaced, never passed on:
# stray bytes, a truncated sequence, an overlong form, a surrogate; a valid é is kept.
bad_name=$tmp/$'lab-\xff\xfe-\xc3(-\xc0\xaf-\xed\xa0\x80-\xc3\xa9.yaml'
cp "$src/tests/bad/83-link-end-typo.yaml" "$bad_name"
run validate --json "$bad_name"
expect "validate --json of a file whose name is not UTF-8" 2
pyjson "... the output is valid UTF-8 with U+FFFD in place of each bad byte" \
	'd["file"].endswith("/lab-\ufffd\ufffd-\ufffd(-\ufffd\ufffd-\ufffd\ufffd\ufffd-\u00e9.yaml") and d["diagnostics"][0]["file"] == d["file"]'

run graph --json "$lab"
expect "graph --json" 0
pyjson "... nodes and links" 'len(d["nodes"]) > 0 and len(d["links"]) > 0 and all(set(l) >= {"a", "b"} for l in d["links"]) and all("interfaces" in n and "kind" in n for n in d["nodes"])'

# Warnings: a valid file that is most likely wrong.
cat >"$tmp/warn.yaml" <<'YAML'
name: warn
nodes:
  h1: {interfaces: {eth0: 10.0.1.10/24}, routes: [default via 10.0.1.254]}
  r1: {kind: router, interfaces: {eth0: 10.0.9.1/24}}
links:
  - [h1:eth0, r1:eth0]
YAML
run validate "$tmp/warn.yaml"
expect "validate of a file with warnings" 0
printf '%s\n' "$tmp/warn.yaml:3:51: warning: h1: gateway 10.0.1.254 is no interface's address in the lab" \
	"$tmp/warn.yaml:6:5: warning: link h1:eth0 <-> r1:eth0: the two ends have no IPv4 subnet in common, so they cannot reach each other directly" >"$tmp/want"
if cmp -s "$tmp/want" "$tmp/err"; then ok "... both warnings, at their lines"; else bad "... warnings differ"; diff "$tmp/want" "$tmp/err" | head; fi
run validate --strict "$tmp/warn.yaml"
expect "validate --strict makes them errors" 2
[ "$(grep -c ': error: ' "$tmp/err")" = 2 ] && ok "... two errors" || bad "... $(cat "$tmp/err")"
run validate --strict --json "$tmp/warn.yaml"
expect "validate --strict --json" 2
pyjson "... two errors" '[x["severity"] for x in d["diagnostics"]] == ["error", "error"]'
# diff and test read the file before the kernel: --strict refuses it there too, needing no root.
for cmd in diff test up; do
	run $cmd --strict "$tmp/warn.yaml"
	expect "$cmd --strict of a file with warnings" 2
	[ "$(grep -c ': error: ' "$tmp/err")" = 2 ] && ok "... two errors" || bad "... $(head -3 "$tmp/err")"
done
run validate --json "$tmp/warn.yaml"
expect "validate --json with warnings" 0
pyjson "... valid, two warnings" 'd["valid"] and d["warnings"] == 2 and [x["line"] for x in d["diagnostics"]] == [3, 6]'

# One mistake, one error.
run validate "$src/tests/bad/84-key-typo-once.yaml"
expect "a key typo" 2
[ "$(wc -l <"$tmp/err")" = 1 ] && ok "... is exactly one error" || bad "... $(cat "$tmp/err")"

# A bad option: one error line, then the usage.
run validate --frobnicate "$lab"
expect "a bad option" 2
if [ "$(grep -vc '^usage:\|^  ' "$tmp/err")" = 1 ] && grep -qx "nstopo validate: unrecognized option '--frobnicate'" "$tmp/err"; then
	ok "... one error line naming it"
else
	bad "... $(cat "$tmp/err")"
fi

if [ "$failures" -ne 0 ]; then
	echo "$failures check(s) failed"
	exit 1
fi
echo "all checks passed"
