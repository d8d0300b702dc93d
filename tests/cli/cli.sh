#!/bin/bash
# cli.sh - the command line itself, without root and without a kernel lab: suggestions for a
# mistyped command, help, --color and NO_COLOR, validate reading standard input, --name, what
# needs root and says so, exec's usage errors, and shell completion made from the command table
# (loaded in bash). ctest sets NSTOPO_BIN and NSTOPO_SOURCE_DIR; exit 77 means skipped.
set -u

src=${NSTOPO_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${NSTOPO_BIN:-$src/build/nstopo}
if [ ! -x "$bin" ]; then
	echo "SKIP: no nstopo binary at $bin (set NSTOPO_BIN)"
	exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nstopo-cli.XXXXXX") || exit 1
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT

failures=0
ok() { echo "ok   $*"; }
bad() {
	echo "FAIL $*"
	failures=$((failures + 1))
}
run() {
	"$bin" "$@" >"$tmp/out" 2>"$tmp/err" <"${stdin:-/dev/null}"
	rc=$?
}
# expect WHAT RC FILE TEXT: the last run exited RC and FILE (out or err) holds TEXT (is empty
# when TEXT is empty).
expect() {
	if [ "$rc" -ne "$2" ]; then
		bad "$1: exit $rc, wanted $2"
		sed 's/^/     | /' "$tmp/err" | head -5
	elif [ -z "$4" ] && [ -s "$tmp/$3" ]; then
		bad "$1: std$3 is not empty"
		sed 's/^/     | /' "$tmp/$3" | head -5
	elif [ -n "$4" ] && ! grep -qF -- "$4" "$tmp/$3"; then
		bad "$1: no '$4' in std$3"
		sed 's/^/     | /' "$tmp/$3" | head -5
	else
		ok "$1"
	fi
}

printf 'name: demo\nnodes:\n  h1: {interfaces: {eth0: 10.0.0.1/24}}\n  h2: {interfaces: {eth0: 10.0.0.2/24}}\nlinks:\n  - [h1:eth0, h2:eth0]\n' >"$tmp/lab.yaml"

run upp
expect "a mistyped command gets the nearest" 2 err "nstopo: unknown command 'upp' (did you mean 'up'?)"
run lsit
expect "lsit: list" 2 err "(did you mean 'list'?)"
run frobnicate
expect "far from every command: see --help" 2 err "(see nstopo --help)"
run help --help
expect "help --help" 0 out "usage: nstopo help [COMMAND]"
run help exec
expect "help exec" 0 out "nstopo exec [-f FILE | --lab NAME]"
run help capture
expect "help capture" 0 out "NODE:IF"
run help upp
expect "help of a mistyped command" 2 err "(did you mean 'up'?)"
run exec --help
expect "exec --help" 0 out "--all"

# --- colour -------------------------------------------------------------------------------------
run --color=always validate "$tmp/nosuch.yaml"
expect "--color=always colours error" 2 err $'\033[1;31merror\033[0m'
run validate --color=always "$tmp/nosuch.yaml"
expect "--color after the command too" 2 err $'\033[1;31merror\033[0m'
run --color=never validate "$tmp/nosuch.yaml"
if grep -q $'\033' "$tmp/err"; then bad "--color=never: escape codes"; else ok "--color=never: none"; fi
out=$(TERM=xterm NO_COLOR=1 script -qec "'$bin' validate '$tmp/nosuch.yaml'" /dev/null 2>&1)
if grep -q $'\033' <<<"$out"; then bad "NO_COLOR on a terminal: escape codes"; else ok "NO_COLOR on a terminal: none"; fi
out=$(TERM=xterm script -qec "'$bin' validate '$tmp/nosuch.yaml'" /dev/null 2>&1)
if grep -q $'\033\[1;31merror' <<<"$out"; then ok "a terminal: coloured"; else bad "a terminal: not coloured: $out"; fi
run --color=sometimes list
expect "--color with a bad value" 2 err "--color takes auto, always or never"

# --- validate - and --name ------------------------------------------------------------------------
stdin=$tmp/lab.yaml run validate -
expect "validate - reads standard input" 0 out ""
printf 'name: demo\nnodes: {h1: {interfacs: {}}}\n' >"$tmp/bad.yaml"
stdin=$tmp/bad.yaml run validate -
expect "errors on standard input are at <stdin>" 2 err "<stdin>:2:"
stdin=$tmp/lab.yaml run graph -
expect "graph - too" 0 out "h1"
run validate --name other "$tmp/lab.yaml"
expect "validate --name" 0 out ""
run validate --name Not_A_Name "$tmp/lab.yaml"
expect "validate --name with a bad name" 2 err "--name: invalid lab name 'Not_A_Name'"
run graph --name other "$tmp/lab.yaml"
expect "graph --name" 0 out "other"

# --- root: only what needs it, said precisely -----------------------------------------------------
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	as_user() { setpriv --reuid=4242 --regid=4242 --clear-groups "$@"; }
	as_user "$bin" validate "$tmp/lab.yaml" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	expect "validate needs no root" 0 out ""
	as_user "$bin" graph "$tmp/lab.yaml" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	expect "graph needs no root" 0 out "graph \"demo\""
	as_user "$bin" list >"$tmp/out" 2>"$tmp/err"
	rc=$?
	expect "list says why it needs root" 3 err "nstopo list: needs root (it reads the marker inside each namespace"
	as_user "$bin" up "$tmp/lab.yaml" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	expect "up says why" 3 err "nstopo up: needs root (it creates namespaces"
	as_user "$bin" diff "$tmp/lab.yaml" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	expect "diff says why" 3 err "nstopo diff: needs root (it reads the lab's namespaces"
	as_user "$bin" help >"$tmp/out" 2>"$tmp/err"
	rc=$?
	expect "help needs no root" 0 out "commands:"
else
	echo "# not root: the root checks are skipped"
fi

# --- exec's usage errors are 125 (exec's own) -----------------------------------------------------
run exec
expect "exec without a node" 125 err "expected a node, --all or --group NAME"
run exec -f "$tmp/lab.yaml" --lab demo h1 true
expect "exec -f and --lab" 125 err "not both"
run exec --all -f "$tmp/lab.yaml"
expect "exec --all without a command" 125 err "on several nodes, give the command to run"
run exec h1,h2
expect "exec on a list without a command" 125 err "on several nodes, give the command to run"

# --- completion from the command table ------------------------------------------------------------
run completion bash
expect "completion bash" 0 out "complete -o filenames -F _nstopo nstopo"
cp "$tmp/out" "$tmp/nstopo.bash"
got=$(bash -c '
	. "$1"
	complete -p nstopo || exit 1
	COMP_WORDS=(nstopo "") COMP_CWORD=1; _nstopo; echo "cmds: ${COMPREPLY[*]}"
	COMP_WORDS=(nstopo ca) COMP_CWORD=1; _nstopo; echo "ca: ${COMPREPLY[*]}"
	COMP_WORDS=(nstopo up --d) COMP_CWORD=2; _nstopo; echo "up --d: ${COMPREPLY[*]}"
	COMP_WORDS=(nstopo exec --a) COMP_CWORD=2; _nstopo; echo "exec --a: ${COMPREPLY[*]}"
	COMP_WORDS=(nstopo help v) COMP_CWORD=2; _nstopo; echo "help v: ${COMPREPLY[*]}"
' bash "$tmp/nstopo.bash" 2>&1)
for want in "complete -o filenames -F _nstopo nstopo" "ca: capture" "up --d: --dry-run" \
	"exec --a: --all" "help v: validate"; do
	if grep -qxF -- "$want" <<<"$got"; then ok "bash completes: $want"; else bad "bash completion: no '$want' in: $got"; fi
done
# Every command of the table (as `help` lists it) is completed.
cmds=$("$bin" help | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }' | sort | tr '\n' ' ')
listed=$(grep '^cmds: ' <<<"$got" | cut -d' ' -f2- | tr ' ' '\n' | grep -v '^--' | sort | tr '\n' ' ')
if [ -n "$cmds" ] && [ "$cmds" = "$listed" ]; then ok "every command of the table is completed"; else bad "completion: '$listed' vs help's '$cmds'"; fi
run completion zsh
expect "completion zsh" 0 out "#compdef nstopo"
if command -v zsh >/dev/null; then
	cp "$tmp/out" "$tmp/_nstopo"
	if zsh -n "$tmp/_nstopo"; then ok "zsh parses it"; else bad "zsh -n"; fi
fi
run completion fish
expect "completion fish" 0 out "complete -c nstopo -n __fish_use_subcommand -a up"
if command -v fish >/dev/null; then
	cp "$tmp/out" "$tmp/nstopo.fish"
	if fish -n "$tmp/nstopo.fish"; then ok "fish parses it"; else bad "fish -n"; fi
fi
run completion tcsh
expect "completion of an unknown shell" 2 err "bash, zsh or fish"
run help
if grep -q completion "$tmp/out"; then bad "help lists the hidden completion"; else ok "completion is not in help"; fi

echo "# $failures failed"
[ "$failures" -eq 0 ]
