#!/bin/bash
# Issue 13, items 3 and 7: `files:` over host paths that are symlinks are resolved in the node's
# own view and never change the host's filesystem (a dangling link, the systemd-resolved
# /etc/resolv.conf, a loop, a link climbing past /); and `diff` checks what the node sees, not
# only the store (a file that could not be laid is drift until it is).
. "$(dirname "$0")/../integration/lib.sh"

# Everything planted lives in the sandbox: a scratch /etc, tmpfs on /srv and /run/systemd.
scratch_etc
[ -d /srv ] || skip_feature "needs /srv to lay a scratch tmpfs over"
mount -t tmpfs x /srv
mkdir -p /srv/keep /srv/outside && echo kept >/srv/keep/file
# Without /run/systemd on the machine the link dangles on the host: the node's is made all the same.
host_stub=
if [ -d /run/systemd ]; then
	mount -t tmpfs x /run/systemd
	mkdir -p /run/systemd/resolve
	host_stub="nameserver 127.0.0.53"
	echo "$host_stub" >/run/systemd/resolve/stub-resolv.conf
fi
rm -f /etc/resolv.conf
ln -s ../run/systemd/resolve/stub-resolv.conf /etc/resolv.conf
ln -s /srv/outside/x /etc/dangle
ln -s ../../../../../srv/climbed /etc/climb
ln -s loop-b /etc/loop-a
ln -s loop-a /etc/loop-b
mkdir -p /etc/ssh
snapshot() { (ls -laR /srv /run/systemd; ls -la /etc) 2>&1 | md5sum; }
before=$(snapshot)

cat >"$WORK/links.yaml" <<'YAML'
name: hostpaths
nodes:
  r1:
    files:
      /etc/dangle: "hi\n"
      /etc/resolv.conf: "nameserver 192.0.2.53\n"
      /etc/climb: "clamped\n"
      /srv/keep/new/deep.conf: "deep\n"
      /srv/app: {dir: true}
      /srv/app/x.conf: "nested\n"
  r2: {}
YAML

# (1) A dangling host symlink, (2) the systemd-resolved layout, a link climbing past /.
expect_rc 0 "up with files over host symlinks" n up "$WORK/links.yaml"
check "... the dangling link's target is not made on the host" test ! -e /srv/outside/x
same "... the node reads the file through the link" "hi" "$(n exec r1 cat /etc/dangle)"
same "... where the link leads, in the node only" "hi" "$(n exec r1 cat /srv/outside/x)"
same "resolv.conf: the node sees the lab's" "nameserver 192.0.2.53" "$(n exec r1 cat /etc/resolv.conf)"
same "... laid on the link's target in the node's own /run" "nameserver 192.0.2.53" \
	"$(n exec r1 cat /run/systemd/resolve/stub-resolv.conf)"
same "... the host's is unchanged" "$host_stub" "$(cat /run/systemd/resolve/stub-resolv.conf 2>/dev/null)"
check "... the host's link is still a link" test -L /etc/resolv.conf
same "... not another node (its /run is its own)" "" "$(n exec r2 cat /etc/resolv.conf 2>/dev/null)"
same "'..' past / stays at the node's /" "clamped" "$(n exec r1 cat /srv/climbed)"
check "... not made on the host" test ! -e /srv/climbed
same "a file in a new directory under an existing one" "deep" "$(n exec r1 cat /srv/keep/new/deep.conf)"
same "... the host's files beside it still seen in the node" "kept" "$(n exec r1 cat /srv/keep/file)"
check "... nothing made on the host" test ! -e /srv/keep/new
same "a file inside a directory of the lab's" "nested" "$(n exec r1 cat /srv/app/x.conf)"
same "a directory under a private layer keeps its mode and owner" "$(stat -c '%a %U' /srv)" \
	"$(n exec r1 stat -c '%a %U' /srv)"
same "the host's /srv, /run/systemd and /etc are unchanged" "$before" "$(snapshot)"
expect_rc 0 "diff is clean after up" n diff "$WORK/links.yaml"
# The cost: one child visits every node with files; a lab without files forks nothing.
forks() {
	strace -f -qq -e trace=fork,vfork,clone,clone3 -o "$WORK/strace" "$NSTOPO" diff "$1" >/dev/null 2>&1
	grep -cE '(fork|clone3?)\(' "$WORK/strace"
}
if command -v strace >/dev/null; then
	same "diff checks what the nodes see in one child" 1 "$(forks "$WORK/links.yaml")"
	printf 'name: nofiles\nnodes:\n  n1: {}\n  n2: {}\n' >"$WORK/nofiles.yaml"
	n up "$WORK/nofiles.yaml" >/dev/null
	same "... and forks nothing for a lab without files" 0 "$(forks "$WORK/nofiles.yaml")"
	n down "$WORK/nofiles.yaml" >/dev/null
fi
expect_rc 0 "a second up has nothing to do" n up "$WORK/links.yaml"
contains "... up to date" "up to date" "$WORK/out"

# A file dropped from the lab is taken away from where it was laid (through the link).
sed -i '/\/etc\/resolv.conf/d' "$WORK/links.yaml"
expect_rc 0 "up without resolv.conf" n up "$WORK/links.yaml"
check "... the node no longer sees the lab's text" sh -c "! $NSTOPO exec r1 cat /etc/resolv.conf | grep -q 192.0.2.53"
expect_rc 0 "... diff is clean" n diff "$WORK/links.yaml"

# A symlink loop: a clear error, nothing made.
cat >"$WORK/loop.yaml" <<'YAML'
name: hostloop
nodes:
  l1:
    files:
      /etc/loop-a: "x\n"
YAML
expect_rc 3 "a symlink loop fails up" n up "$WORK/loop.yaml"
contains "... saying it is a loop" "symlink" "$WORK/out"
contains "... naming the file" "/etc/loop-a" "$WORK/out"
expect_rc 0 "down the loop lab" n down "$WORK/loop.yaml"

# (7) A file over a host directory: up fails; diff must not call the lab clean.
cat >"$WORK/dir.yaml" <<'YAML'
name: hostdir
nodes:
  d1:
    files:
      /etc/ssh: "hello\n"
YAML
expect_rc 3 "a file over a host directory fails up" n up "$WORK/dir.yaml"
contains "... naming the file" "/etc/ssh" "$WORK/out"
expect_rc 1 "diff then shows the file is not laid" n diff "$WORK/dir.yaml"
contains "... naming it" "file d1:/etc/ssh is not what the node sees" "$WORK/out"
expect_rc 3 "up again fails again, not 'up to date'" n up "$WORK/dir.yaml"
contains "... with the same error" "/etc/ssh is a directory in the node" "$WORK/out"
sed -i 's|/etc/ssh:|/etc/ssh2:|' "$WORK/dir.yaml"
expect_rc 0 "once the file is fixed, up converges" n up "$WORK/dir.yaml"
same "... the node sees it" "hello" "$(n exec d1 cat /etc/ssh2)"
check "... the host's directory is untouched" test -d /etc/ssh
expect_rc 0 "... diff is clean" n diff "$WORK/dir.yaml"

# A file laid and then taken away inside the node (by hand) is drift too.
n exec d1 umount /etc/ssh2
expect_rc 1 "a file unmounted in the node is drift" n diff "$WORK/dir.yaml"
expect_rc 0 "up lays it again" n up "$WORK/dir.yaml"
same "... the node sees it" "hello" "$(n exec d1 cat /etc/ssh2)"
expect_rc 0 "... diff is clean" n diff "$WORK/dir.yaml"

# The lab's /etc/hosts is laid the same way: a dangling host link is followed in the node only.
mv /etc/hosts "$WORK/hosts.saved"
ln -s /srv/elsewhere/hosts /etc/hosts
printf 'name: hostlink\nnodes:\n  h1: {}\n' >"$WORK/hosts.yaml"
expect_rc 0 "up with /etc/hosts a dangling link" n up "$WORK/hosts.yaml"
contains "... the node sees the lab's hosts file" "every node of lab hostlink" <(n exec h1 cat /etc/hosts)
check "... not made on the host" test ! -e /srv/elsewhere
expect_rc 0 "... down" n down "$WORK/hosts.yaml"
rm /etc/hosts && mv "$WORK/hosts.saved" /etc/hosts

expect_rc 0 "down" n down "$WORK/links.yaml"
expect_rc 0 "down the other lab" n down "$WORK/dir.yaml"
check "down leaves nothing" nothing_left
check "... no run directory" test -z "$(ls -A /run/nstopo)"
check "... nothing made on the host" test ! -e /srv/outside/x -a ! -e /srv/climbed -a ! -e /srv/keep/new
same "... the host's /srv, /run/systemd and /etc as before" "$before" \
	"$(snapshot)"
finish
