#!/bin/bash
# The lab's run directory (issue 13, items 1, 2, 9, 10): /run/nstopo and /run/nstopo/LAB are
# root's alone, the lock and the lab directory are never followed through a planted symlink,
# `down` never leaves the store while a node's user swaps a directory for a symlink, files keep
# the mode they ask for and are reachable only through the node, `from:` is capped at 16 MiB,
# and `test --junit` never writes through a planted link.
. "$(dirname "$0")/../integration/lib.sh"
command -v setpriv >/dev/null || skip_feature "needs setpriv (util-linux)"
command -v nsenter >/dev/null || skip_feature "needs nsenter (util-linux)"
chmod 755 "$WORK" # the scratch user's commands below run from here

mkdir -p "$WORK/src/tree/sub"
printf 'bgp-password\n' >"$WORK/src/secret"
chmod 600 "$WORK/src/secret"
printf 'run me\n' >"$WORK/src/tree/script"
chmod 750 "$WORK/src/tree/script"
printf 'x\n' >"$WORK/src/tree/sub/suid"
chmod 4755 "$WORK/src/tree/sub/suid"
chmod 700 "$WORK/src/tree/sub"
ln -s script "$WORK/src/tree/link"
mkfifo "$WORK/src/tree/fifo"
cat >"$WORK/sec.yaml" <<YAML
name: sec
prefix: ""
nodes:
  r1:
    files:
      /var/tmp/shared: {dir: true, mode: "1777"}
      /etc/secret: {from: src/secret}
      /etc/inline: hello
      /etc/tree: {from: src/tree/}
      /usr/local/bin/suid: {from: /usr/bin/id, mode: "4755"}
      /srv/open: {dir: true, mode: "7777"}
    exec:
      - {cmd: [sh, -c, "echo started; exec sleep 1000"], background: true}
tests:
  - exec: {node: r1, cmd: [cat, /etc/inline]}
    output: hello
YAML
store=/run/nstopo/sec/files/r1
mode_of() { stat -c %a "$1"; }
node_mode() { n exec r1 stat -c %a "$1"; }

# ---- (d) /run/nstopo itself ----
# The sandbox's /run/nstopo is a fresh tmpfs: root's, mode 1777, the case of one to fix.
same "the sandbox starts with a world-writable /run/nstopo" 1777 "$(mode_of /run/nstopo)"
expect_rc 0 "up" n up "$WORK/sec.yaml"
same "/run/nstopo is made 0755" 755 "$(mode_of /run/nstopo)"
same "/run/nstopo/sec is root's, 0700" "0 700 directory" "$(stat -c '%u %a %F' /run/nstopo/sec)"
same "the lock is root's, 0600" "0 600 regular file" "$(stat -c '%u %a %F' /run/nstopo/sec.lock)"

# ---- (e) modes ----
same "a from: file keeps its source's 0600" 600 "$(node_mode /etc/secret)"
same "inline content is 0644" 644 "$(node_mode /etc/inline)"
same "a from: directory keeps its source's modes" "755 750 700" \
	"$(node_mode /etc/tree) $(node_mode /etc/tree/script) $(node_mode /etc/tree/sub)"
same "... and drops setuid bits the file did not ask for" 755 "$(node_mode /etc/tree/sub/suid)"
same "a symlink in a from: directory stays a symlink" "script" "$(n exec r1 readlink /etc/tree/link)"
check "a fifo in a from: directory is left out" n exec r1 test ! -e /etc/tree/fifo
same "mode: 4755 is setuid in the node" 4755 "$(node_mode /usr/local/bin/suid)"
same "mode: 1777 and 7777 directories as asked" "1777 7777" "$(node_mode /var/tmp/shared) $(node_mode /srv/open)"
same "the scratch user reads the secret in no store file" "" \
	"$(as_user cat "$store/%2Fetc%2Fsecret" "$store/%2Fetc%2Finline" 2>/dev/null)"
check "... not even a listing of the lab's directory" sh -c '! setpriv --reuid=4242 --regid=4242 --clear-groups ls /run/nstopo/sec'
# Through a shell: the path is looked up as the user.
if as_user sh -c "exec '$store/%2Fusr%2Flocal%2Fbin%2Fsuid' -u" >"$WORK/id" 2>&1; then
	not_ok "the setuid copy cannot be run from the host: $(cat "$WORK/id")"
else
	ok "the setuid copy cannot be run from the host"
fi
expect_rc 1 "the 7777 directory is not writable from the host" \
	as_user touch "$store/%2Fsrv%2Fopen/x"
same "the exec: record and the background log are root's 0600" "0 600 0 600" \
	"$(stat -c '%u %a' /run/nstopo/sec/exec/r1 /run/nstopo/sec/log/r1.1.log | tr '\n' ' ' | sed 's/ $//')"
expect_rc 0 "diff is clean after up (modes included)" n diff "$WORK/sec.yaml"
expect_rc 0 "up again changes nothing" n up "$WORK/sec.yaml"
contains "... saying so" "up to date" "$WORK/out"
chmod 640 "$WORK/src/secret"
expect_rc 1 "a source's new mode is a difference" n diff "$WORK/sec.yaml"
expect_rc 0 "up applies it" n up "$WORK/sec.yaml"
same "... in the node" 640 "$(node_mode /etc/secret)"
# Removal never enters another mount, even one under a directory it removes.
mkdir "$store/%2Fvar%2Ftmp%2Fshared/mnt"
mount -t tmpfs keep "$store/%2Fvar%2Ftmp%2Fshared/mnt"
: >"$store/%2Fvar%2Ftmp%2Fshared/mnt/kept"
expect_rc 3 "down with a mount inside the store: refused there" n down "$WORK/sec.yaml"
contains "... saying why" "something is mounted inside it" "$WORK/out"
check "... the mount's file is untouched" test -e "$store/%2Fvar%2Ftmp%2Fshared/mnt/kept"
umount "$store/%2Fvar%2Ftmp%2Fshared/mnt"
expect_rc 0 "down" n down --lab sec
check "the lab's directory is gone" test ! -e /run/nstopo/sec

# ---- (b) the lock planted as a symlink ----
printf 'keep\n' >"$WORK/target"
ln -s "$WORK/target" /run/nstopo/sec.lock
expect_rc 3 "up with a symlink as the lock: refused" n up "$WORK/sec.yaml"
contains "... saying why" "sec.lock is a symbolic link" "$WORK/out"
expect_rc 3 "down --lab too" n down --lab sec
same "the symlink's target is unchanged" keep "$(cat "$WORK/target")"
same "nothing was made" "" "$(ip netns list)"
rm /run/nstopo/sec.lock
# A hard link (planted while /run/nstopo was writable by others) is refused the same way.
printf 'keep\n' >/run/nstopo/other
ln /run/nstopo/other /run/nstopo/sec.lock
expect_rc 3 "up with a hard link as the lock: refused" n up "$WORK/sec.yaml"
contains "... saying why" "sec.lock has other names" "$WORK/out"
same "the other file is unchanged" keep "$(cat /run/nstopo/other)"
rm /run/nstopo/sec.lock /run/nstopo/other

# ---- (c) the lab directory planted as a symlink ----
mkdir "$WORK/labdir"
ln -s "$WORK/labdir" /run/nstopo/sec
expect_rc 3 "up with a symlink as the lab's directory: refused" n up "$WORK/sec.yaml"
contains "... saying why" "/run/nstopo/sec is a symbolic link" "$WORK/out"
same "its target is unchanged" "" "$(ls -A "$WORK/labdir")"
same "nothing was made" "" "$(ip netns list)"
rm /run/nstopo/sec
mkdir -m 755 /run/nstopo/sec
chown 4242 /run/nstopo/sec
expect_rc 3 "a lab directory of another user: refused" n up "$WORK/sec.yaml"
contains "... saying why" "/run/nstopo/sec is owned by uid 4242" "$WORK/out"
rmdir /run/nstopo/sec

# ---- (d) /run/nstopo of another user, or a symlink ----
chown 4242 /run/nstopo
expect_rc 3 "/run/nstopo owned by another user: refused" n up "$WORK/sec.yaml"
contains "... saying why" "/run/nstopo is owned by uid 4242" "$WORK/out"
chown 0 /run/nstopo
chmod 0777 /run/nstopo
expect_rc 0 "a root-owned /run/nstopo of mode 0777: used" n down --lab sec
same "... and made 0755" 755 "$(mode_of /run/nstopo)"
mkdir "$WORK/elsewhere"
# A /run of its own, where /run/nstopo can be a symlink (the sandbox's is a mount point).
expect_rc 3 "/run/nstopo a symlink: refused" unshare --mount --propagation private sh -c '
	mount -t tmpfs x /run && ln -s "$1" /run/nstopo && exec "$2" up "$3"' - \
	"$WORK/elsewhere" "$NSTOPO" "$WORK/sec.yaml"
contains "... saying why" "/run/nstopo is a symbolic link" "$WORK/out"
same "its target is unchanged" "" "$(ls -A "$WORK/elsewhere")"
same "nothing was made" "" "$(ip netns list)"

# ---- (f) the from: size cap ----
truncate -s 17M "$WORK/big"
cat >"$WORK/big.yaml" <<YAML
name: big
nodes:
  r1:
    files:
      /etc/big: {from: big}
YAML
expect_rc 2 "a 17 MiB from: file: validate refuses it" n validate "$WORK/big.yaml"
contains "... naming the limit" "16 MiB" "$WORK/out"
expect_rc 2 "a 17 MiB from: file: up refuses it" n up "$WORK/big.yaml"
contains "... naming the limit" "16 MiB" "$WORK/out"
contains "... and the place" "big.yaml:5:" "$WORK/out"
same "nothing was made" "" "$(ip netns list)"
check "... not even the lab's directory" test ! -e /run/nstopo/big
mkdir -p "$WORK/bigdir/a"
truncate -s 9M "$WORK/bigdir/one" "$WORK/bigdir/a/two"
sed -i 's|from: big}|from: bigdir/}|' "$WORK/big.yaml"
expect_rc 2 "a from: directory of 18 MiB in all: refused too" n up "$WORK/big.yaml"
contains "... naming the limit" "16 MiB" "$WORK/out"
same "nothing was made" "" "$(ip netns list)"

# A file whose size says nothing of what it holds is measured as it is read.
sed -i 's|from: bigdir/}|from: /proc/self/pagemap}|' "$WORK/big.yaml"
expect_rc 2 "a from: that reads on past 16 MiB: refused" n up "$WORK/big.yaml"
contains "... naming the limit" "16 MiB" "$WORK/out"
same "nothing was made" "" "$(ip netns list)"

# ---- (g) test --junit through a planted link ----
expect_rc 0 "up for test --junit" n up "$WORK/sec.yaml"
printf 'victim\n' >"$WORK/victim"
ln -s "$WORK/victim" "$WORK/report.xml"
expect_rc 0 "test --junit onto a symlink" n test --junit "$WORK/report.xml" "$WORK/sec.yaml"
same "the symlink's target is unchanged" victim "$(cat "$WORK/victim")"
check "the report is a new regular file" test -f "$WORK/report.xml" -a ! -L "$WORK/report.xml"
contains "... with the report" "<testsuite" "$WORK/report.xml"
printf 'victim\n' >"$WORK/victim2"
ln "$WORK/victim2" "$WORK/report2.xml"
expect_rc 0 "test --junit onto a hard link" n test --junit "$WORK/report2.xml" "$WORK/sec.yaml"
same "the other name's file is unchanged" victim "$(cat "$WORK/victim2")"
contains "... and the report is written" "<testsuite" "$WORK/report2.xml"
expect_rc 3 "test --junit into a directory that does not exist: a clear error" \
	n test --junit "$WORK/no/such/dir/r.xml" "$WORK/sec.yaml"
contains "... naming it" "$WORK/no/such/dir/r.xml" "$WORK/out"
expect_rc 0 "down" n down "$WORK/sec.yaml"

# ---- (a) a node's user swaps a directory for a symlink while root runs down ----
mkdir "$WORK/victim.d"
for i in $(seq 400); do : >"$WORK/victim.d/f$i"; done
# Runs in the node's view (its mount namespace) as the scratch user: fills the shared 1777
# directory, then keeps swapping each sK/ (full of files named like the victim's) with a symlink to
# the victim, which the node cannot see but root on the host would follow.
cat >"$WORK/attack.pl" <<'PERL'
chdir "/var/tmp/shared" or die "cd: $!";
my ($victim, $tag) = @ARGV;
for my $k (0 .. 9) { mkdir "fill$tag$k"; open(my $f, ">", "fill$tag$k/f$_") for 0 .. 99; }
for my $k (0 .. 4) {
	mkdir "s$tag$k";
	open(my $f, ">", "s$tag$k/f$_") for 1 .. 400;
	symlink $victim, "l$tag$k";
}
open(my $r, ">", "ready$tag");
close $r;
while (1) {
	for my $k (0 .. 4) {
		rename "s$tag$k", "t$tag$k"; rename "l$tag$k", "s$tag$k";
		rename "s$tag$k", "l$tag$k"; rename "t$tag$k", "s$tag$k";
	}
}
PERL
attack=$(cat "$WORK/attack.pl")
shared="$store/%2Fvar%2Ftmp%2Fshared"
intact=0
for round in 1 2 3 4 5; do
	n up "$WORK/sec.yaml" >"$WORK/up.log" 2>&1 || { cat "$WORK/up.log"; break; }
	# One attacker inside the node (it ends with the node), one in its mount namespace only.
	n exec r1 setpriv --reuid=4242 --regid=4242 --clear-groups perl -e "$attack" "$WORK/victim.d" a &
	a1=$!
	nsenter --mount=/run/nstopo/sec/ns/r1.mnt setpriv --reuid=4242 --regid=4242 --clear-groups \
		perl -e "$attack" "$WORK/victim.d" b &
	a2=$!
	wait_until 5000 test -e "$shared/readya" -a -e "$shared/readyb"
	n down --lab sec >"$WORK/down.log" 2>&1
	kill "$a1" "$a2" 2>/dev/null
	wait "$a1" "$a2" 2>/dev/null
	# What down left because the attacker kept writing is removed by a second down.
	[ -e /run/nstopo/sec ] && n down --lab sec >>"$WORK/down.log" 2>&1
	left=$(find "$WORK/victim.d" -type f | wc -l)
	[ "$left" = 400 ] && intact=$((intact + 1))
	echo "# round $round: $left of 400 victim files left"
done
same "the victim is intact after every round" 5 "$intact"
check "the lab is gone" test ! -e /run/nstopo/sec
n down --lab sec >/dev/null 2>&1
finish
