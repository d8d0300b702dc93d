#!/bin/bash
# nstopo exec: the command's own exit status, arguments passed intact, nstopo's own failures as
# 125, 126 and 127, /sys of the node, and a shell without a command.
. "$(dirname "$0")/lib.sh"

lab=$(dirname "$0")/labs/chain.yaml
expect_rc 0 "up chain" n up "$lab"
expect_rc 7 "the command's exit status" n exec h1 sh -c 'exit 7'
expect_rc 0 "arguments with spaces and quotes" n exec h1 printf '%s|' "a b" "c'd" 'e"f' '' '$HOME'
same "they arrive intact" "a b|c'd|e\"f||\$HOME|" "$(cat "$WORK/out")"
expect_rc 0 "the command's options are its own" n exec h1 ls -a -d /
expect_rc 0 "/sys shows the node's interfaces" n exec r1 ls /sys/class/net
same "r1's interfaces in /sys" "eth0 eth1 lo up0" "$(sort "$WORK/out" | tr '\n' ' ' | sed 's/ $//')"
expect_rc 127 "a command that is not found" n exec h1 no-such-command-here
# The node's /tmp is its own: the file is made there.
n exec h1 sh -c 'printf "echo hi\n" >/tmp/noexec; chmod 644 /tmp/noexec'
expect_rc 126 "a command that cannot run" n exec h1 /tmp/noexec
expect_rc 125 "an unknown node" n exec nosuchnode true
contains "it says no lab has it" "no running lab has a node 'nosuchnode'" "$WORK/out"
expect_rc 125 "a lab that is not running" n exec --lab nolab h1 true
expect_rc 0 "-f FILE" n exec -f "$lab" h2 true
expect_rc 0 "--lab NAME" n exec --lab chain h2 true
out=$(printf 'echo from-the-shell\nexit 3\n' | SHELL=/bin/sh n exec h1)
rc=$?
same "without a command, the user's shell" "from-the-shell 3" "$out $rc"
expect_rc 0 "down" n down "$lab"
finish
