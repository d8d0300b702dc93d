#!/bin/bash
# install.sh - `cmake --install` puts nstopo in bin (validate and graph need no root), both man
# pages, bash/zsh/fish completion made from the command table, and the rt_protos.d entry; the
# man page nstopo-topology(5) in the tree is the one contrib/md2man.py makes from topology.md.
set -u
src=${NSTOPO_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${NSTOPO_BIN:-$src/build/nstopo}
[ -x "$bin" ] || { echo "SKIP: no nstopo binary at $bin"; exit 77; }
build=$(dirname "$bin")
[ -f "$build/cmake_install.cmake" ] || { echo "SKIP: $build is no cmake build directory"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nstopo-install.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0
ok() { echo "ok   $*"; }
bad() {
	echo "FAIL $*"
	failures=$((failures + 1))
}

if DESTDIR=$tmp/root cmake --install "$build" --prefix /usr/local >"$tmp/out" 2>&1; then
	ok "cmake --install"
else
	bad "cmake --install"
	sed 's/^/     | /' "$tmp/out"
fi
for f in usr/local/bin/nstopo usr/local/share/man/man1/nstopo.1 usr/local/share/man/man5/nstopo-topology.5 \
	usr/local/share/bash-completion/completions/nstopo usr/local/share/zsh/vendor-completions/_nstopo \
	usr/local/share/fish/vendor_completions.d/nstopo.fish etc/iproute2/rt_protos.d/nstopo.conf; do
	if [ -f "$tmp/root/$f" ]; then ok "installs /$f"; else bad "no /$f"; fi
done
if [ -e "$tmp/root/usr/local/sbin/nstopo" ]; then bad "installs into sbin"; else ok "nothing in sbin"; fi
if cmp -s <("$bin" completion bash) "$tmp/root/usr/local/share/bash-completion/completions/nstopo"; then
	ok "the installed bash completion is the command table's"
else
	bad "installed bash completion differs from nstopo completion bash"
fi
if command -v python3 >/dev/null; then
	if python3 "$src/contrib/md2man.py" "$src/docs/topology.md" | cmp -s - "$src/docs/nstopo-topology.5"; then
		ok "docs/nstopo-topology.5 is made from docs/topology.md"
	else
		bad "docs/nstopo-topology.5 is stale: contrib/md2man.py docs/topology.md > docs/nstopo-topology.5"
	fi
fi
if command -v man >/dev/null; then
	for page in "$src/docs/nstopo.1" "$src/docs/nstopo-topology.5"; do
		warn=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
		if [ -z "$warn" ]; then ok "man $(basename "$page"): no warning"; else bad "man $(basename "$page"): $warn"; fi
	done
fi
echo "# $failures failed"
[ "$failures" -eq 0 ]
