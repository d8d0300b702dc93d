#!/bin/bash
# deb.sh - contrib/build-deb.sh builds the Debian package, and it installs into a scratch root
# with dpkg --root: the binary in /usr/bin, both man pages, completion for bash, zsh and fish,
# the rt_protos.d conffile; the installed binary runs and its bash completion loads; lintian
# (when installed) reports no error. Slow-ish (a Release build): label `package`, under a minute.
set -u
src=${NSTOPO_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
for tool in dpkg-deb dpkg-shlibdeps dpkg cmake; do
	command -v "$tool" >/dev/null || { echo "SKIP: needs $tool (dpkg-dev)"; exit 77; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nstopo-deb.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0
ok() { echo "ok   $*"; }
bad() {
	echo "FAIL $*"
	failures=$((failures + 1))
}

start=$(date +%s)
if deb=$("$src/contrib/build-deb.sh" "$tmp/out" 2>"$tmp/build.err") && [ -f "$deb" ]; then
	ok "build-deb.sh built $(basename "$deb") in $(($(date +%s) - start)) s"
else
	bad "build-deb.sh failed"
	sed 's/^/     | /' "$tmp/build.err" | tail -20
	exit 1
fi

# A scratch root with an empty dpkg database: dpkg --root installs there, nowhere else.
root=$tmp/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/var/log"
touch "$root/var/lib/dpkg/status" "$root/var/lib/dpkg/available"
if dpkg --root="$root" --force-depends --force-script-chrootless --log=/dev/null -i "$deb" >"$tmp/dpkg.out" 2>&1; then
	ok "dpkg --root installs it"
else
	bad "dpkg --root -i"
	sed 's/^/     | /' "$tmp/dpkg.out"
fi
for f in usr/bin/nstopo usr/share/man/man1/nstopo.1.gz usr/share/man/man5/nstopo-topology.5.gz \
	usr/share/bash-completion/completions/nstopo usr/share/zsh/vendor-completions/_nstopo \
	usr/share/fish/vendor_completions.d/nstopo.fish etc/iproute2/rt_protos.d/nstopo.conf \
	usr/share/doc/nstopo/copyright; do
	if [ -f "$root/$f" ]; then ok "installed /$f"; else bad "no /$f"; fi
done
[ -e "$root/usr/sbin/nstopo" ] && bad "a binary in sbin"
if grep -qx "/etc/iproute2/rt_protos.d/nstopo.conf" "$root/var/lib/dpkg/info/nstopo.conffiles" 2>/dev/null; then
	ok "rt_protos.d entry is a conffile"
else
	bad "rt_protos.d entry is no conffile"
fi
if grep -q '^77[[:space:]]*nstopo' "$root/etc/iproute2/rt_protos.d/nstopo.conf"; then ok "rt_protos.d names 77"; else bad "rt_protos.d content"; fi
if "$root/usr/bin/nstopo" --version | grep -q '^nstopo [0-9]'; then ok "the installed binary runs"; else bad "nstopo --version"; fi
if zcat "$root/usr/share/man/man5/nstopo-topology.5.gz" | grep -q '^\.TH NSTOPO-TOPOLOGY 5'; then ok "nstopo-topology(5)"; else bad "man 5 page"; fi
got=$(bash -c '. "$1"; complete -p nstopo; COMP_WORDS=(nstopo v) COMP_CWORD=1; _nstopo; echo "${COMPREPLY[*]}"' bash \
	"$root/usr/share/bash-completion/completions/nstopo" 2>&1)
if grep -qx "validate" <<<"$got" && grep -q "complete -o filenames -F _nstopo nstopo" <<<"$got"; then
	ok "the installed bash completion loads and completes"
else
	bad "bash completion: $got"
fi
if dpkg --root="$root" --log=/dev/null --purge nstopo >"$tmp/dpkg.out" 2>&1 && [ ! -e "$root/usr/bin/nstopo" ] &&
	[ ! -e "$root/etc/iproute2/rt_protos.d/nstopo.conf" ]; then
	ok "purge removes it all"
else
	bad "dpkg --purge"
	sed 's/^/     | /' "$tmp/dpkg.out"
fi

if command -v lintian >/dev/null; then
	lintian --tag-display-limit 0 "$deb" >"$tmp/lintian" 2>&1
	sed 's/^/     lintian: /' "$tmp/lintian"
	if grep -q '^E:' "$tmp/lintian"; then bad "lintian reports errors"; else ok "lintian: no error"; fi
else
	echo "# lintian not installed: not run"
fi
echo "# $failures failed"
[ "$failures" -eq 0 ]
