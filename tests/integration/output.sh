#!/bin/bash
# Output details of issue 17: the busy-lab message is one line whatever the lock file holds; an
# exec check's title is quoted so it can be pasted back into a shell; an uplink whose
# host_interface the machine lacks is a warning at up (FILE:LINE:COL, exit 0), an error with
# --strict; a bad option is one error line and the usage.
. "$(dirname "$0")/lib.sh"
command -v flock >/dev/null || skip_feature "needs flock (util-linux)"

cat >"$WORK/lab.yaml" <<'YAML'
name: outlab
prefix: ""
nodes:
  h1: { interfaces: { eth0: 10.0.1.10/24 } }
  r1:
    kind: router
    interfaces: { eth0: 10.0.1.1/24, up0: 10.210.0.2/30 }
    routes: [default via 10.210.0.1]
  host:
    interfaces: { outlab-up0: 10.210.0.1/30 }
links:
  - [h1:eth0, r1:eth0]
  - [r1:up0, host:outlab-up0]
uplink: { host_interface: nosuch9, masquerade: true }
tests:
  - exec: { node: h1, cmd: [sh, -c, "sleep 0; echo 'hi'"] }
    output: hi
YAML

mkdir -p /run/nstopo
printf '150\r\n\nzz' >/run/nstopo/outlab.lock
expect_rc 3 "up while the lab is held" flock /run/nstopo/outlab.lock "$NSTOPO" up "$WORK/lab.yaml"
cp "$WORK/out" "$WORK/o"
check "... says busy with the pid, in one line" grep -qx 'nstopo: lab outlab is busy: another nstopo run (pid 150) is changing it; try again when it has finished' "$WORK/o"
rm -f /run/nstopo/outlab.lock

expect_rc 2 "up --strict: the missing host_interface is an error" n up --strict "$WORK/lab.yaml"
cp "$WORK/out" "$WORK/o"
check "... at the uplink's line" grep -q "^$WORK/lab.yaml:14:9: error: uplink host_interface nosuch9 does not exist" "$WORK/o"
same "... and nothing was made" "" "$(ip netns list)"
expect_rc 0 "up: the missing host_interface is a warning" n up "$WORK/lab.yaml"
cp "$WORK/out" "$WORK/o"
check "... at the uplink's line" grep -q "^$WORK/lab.yaml:14:9: warning: uplink host_interface nosuch9 does not exist" "$WORK/o"

expect_rc 0 "test" n test "$WORK/lab.yaml"
cp "$WORK/out" "$WORK/o"
check "the exec check's title is quoted as a shell reads it" \
	grep -qxF "ok 1 - exec h1: sh -c 'sleep 0; echo '\\''hi'\\'''" "$WORK/o"
expect_rc 0 "... and pasted into a shell it runs the same" in_ns h1 sh -c "$(sed -n 's/^ok 1 - exec h1: //p' "$WORK/o")"
same "... printing hi" "hi" "$(cat "$WORK/out")"

expect_rc 2 "a bad option" n up --frobnicate "$WORK/lab.yaml"
cp "$WORK/out" "$WORK/o"
same "... is one error line" 1 "$(grep -vc '^usage:\|^  ' "$WORK/o")"
check "... naming the option" grep -qx "nstopo up: unrecognized option '--frobnicate'" "$WORK/o"
check "... then the usage" grep -q '^usage: nstopo up' "$WORK/o"

expect_rc 0 "down" n down "$WORK/lab.yaml"
check "nothing left" nothing_left
finish
