#!/bin/bash
# What validate refuses, up refuses before anything changes (issue 13 item 8, issue 14 item 9):
# interface addresses the kernel refuses, ignores or never uses (up used to stop midway with
# "Input/output error", the lab partly done), files: paths that are not plain or too long to keep,
# a NUL in any string, a hostname over 63 bytes. Each: exit 2 at FILE:LINE:COL, no namespace, no
# state under /run/nstopo. Gateways the kernel refuses likewise. The forms next to them that are
# accepted come up and diff clean.
. "$(dirname "$0")/../integration/lib.sh"
command -v jq >/dev/null || skip_feature "needs jq"

lab=$WORK/lab.yaml
# A scratch /srv for the exec check below (nodes have their own /tmp), before any node's mount
# namespace copies the sandbox's mounts.
mount -t tmpfs validate-up /srv
nothing_made() { nothing_left && [ -z "$(ls -A /run/nstopo)" ]; }

# refused WHAT LINE: up refuses $lab with an error at LINE (of the file) and makes nothing.
refused() {
	expect_rc 2 "up refuses $1" n up "$lab"
	contains "... at its line" "$lab:$2:" "$WORK/out"
	check "... and makes nothing" nothing_made
}

# address ADDR IFACE: a two-node lab with ADDR on a's IFACE (eth0 is on the link, lo is not).
address() {
	cat >"$lab" <<Y
name: v
nodes:
  a:
    interfaces:
      eth0: 10.9.0.1/24
      $2: ["$1"]
  b: {interfaces: {eth0: 10.9.0.2/24}}
links: [[a:eth0, b:eth0]]
Y
	# One key per interface: the second eth0 key takes the place of the first.
	[ "$2" = eth0 ] && sed -i '/eth0: 10.9.0.1/d' "$lab"
	refused "address $1 on $2" "$([ "$2" = eth0 ] && echo 5 || echo 6)"
}

for a in 0.0.0.0/0 0.0.0.0/8 10.0.0.1/0 224.0.0.1/24 239.1.1.1/32 255.255.255.255/32 "::/0" \
	"::/128" "::1/128" "::1/64" "2001:db8::1/0" "ff02::1/64" "ff05::1/128" "::ffff:10.0.0.1/128" \
	"fe80::1/64"; do
	address "$a" eth0
done
for a in 0.0.0.0/0 10.0.0.1/0 "::1/128" 127.0.0.1/8 "ff02::1/64"; do
	address "$a" lo
done

# The forms beside them that the kernel keeps: up, then diff is clean and a second up does nothing.
cat >"$lab" <<'Y'
name: v
nodes:
  a:
    interfaces:
      eth0: [10.9.0.1/24, 127.0.0.5/8, 240.0.0.1/4, 0.1.2.3/8, "::10.0.0.1/96", "::2/128"]
      lo: [127.0.0.2/8, 127.0.0.1/32, "::3/128"]
  b: {interfaces: {eth0: 10.9.0.2/24}}
links: [[a:eth0, b:eth0]]
Y
expect_rc 0 "up with the addresses the kernel keeps" n up "$lab"
expect_rc 0 "... diff is clean" n diff "$lab"
expect_rc 0 "... a second up has nothing to do" n up "$lab"
expect_rc 0 "down" n down "$lab"
check "... nothing left" nothing_left

# Gateways the kernel refuses though they are in one of the node's subnets.
for r in "192.0.2.0/24 via 10.9.0.255" "192.0.3.0/24 via 0.1.2.4" '"2001:db8:9::/64 via ff02::1"'; do
	cat >"$lab" <<Y
name: v
nodes:
  a:
    interfaces: {eth0: [10.9.0.1/24, 0.1.2.3/8, "8000::1/1"]}
    routes: [$r]
  b: {interfaces: {eth0: 10.9.0.2/24}}
links: [[a:eth0, b:eth0]]
Y
	refused "route $r" 5
done

# files: paths
file_path() {
	printf 'name: v\nnodes:\n  r1:\n    files:\n      %s\n' "$1" >"$lab"
	refused "file $2" 5
}
file_path '/.: {dir: true}' "/. (a dir: true there would empty the node's root)"
file_path '/etc/.: hi' "/etc/."
file_path '/etc/: hi' "/etc/ (trailing /)"
file_path '/a/../etc/motd: hi' "/a/../etc/motd"
file_path "/srv/$(printf 'x%.0s' $(seq 300)): hi" "with a 300-byte name"
file_path "$(printf '/a%.0s' $(seq 90)): hi" "whose store name (/ as %2F) is over 255 bytes"
file_path '"/etc/a\nb": hi' "with a newline"

# A NUL in a string: refused, not cut short ("lab1\0../../etc" was lab1).
printf 'name: "lab1\\0../../etc"\nnodes: {r1: {}}\n' >"$lab"
refused 'a lab name with \0' 1
check "... no state for lab1" test ! -e /run/nstopo/lab1
# The part before the NUL used to run alone ("touch ran\0; rm -rf /" was "touch ran").
printf 'name: v\nnodes:\n  r1:\n    exec:\n      - ["sh", "-c", "touch /srv/ran\\0; false"]\n' >"$lab"
refused 'an exec word with \0' 5
check "... nothing ran" test ! -e /srv/ran

# Hostnames: 64 bytes is refused (it was cut to 63 and diff never came clean); 63 is kept.
h63=$(printf 'h%.0s' $(seq 63))
printf 'name: v\nnodes:\n  r1: {hostname: %s}\n' "${h63}x" >"$lab"
refused "a 64-byte hostname" 3
printf 'name: v\nnodes:\n  r1: {hostname: %s}\n' "$h63" >"$lab"
expect_rc 0 "up with a 63-byte hostname" n up "$lab"
same "... the node has it whole" "$h63" "$(n exec r1 hostname)"
expect_rc 0 "... diff is clean" n diff "$lab"
expect_rc 0 "down" n down "$lab"
check "... nothing left" nothing_made

finish
