#!/bin/bash
# Programs started in a node get a clean start (issue 13, item 4): no descriptor of nstopo's
# (the host-namespace netfilter socket was one), no /dev/null left over, and a clean environment
# (PATH, HOME, LANG/LC_ALL/TERM, NSTOPO_*, the node's env:), while `nstopo exec` keeps the
# caller's, as `ip netns exec` does. And an audit: every descriptor nstopo itself makes is
# close-on-exec, checked on every fd-creating system call of a whole up/diff/test/exec/down.
# A program's own descriptors are listed by `ls -m /proc/self/fd`, which opens one itself: 3.
. "$(dirname "$0")/../integration/lib.sh"
command -v strace >/dev/null || skip_feature "needs strace"

cat >"$WORK/lab.yaml" <<'YAML'
name: fds
prefix: ""
nodes:
  h1:
    interfaces: {eth0: 10.0.1.10/24}
    env: {GREETING: hello, PATH: "/usr/bin:/bin"}
    files:
      /etc/fds-test: "x\n"
    exec:
      - {cmd: [sleep, "1001"], background: true}
      - [sh, -c, "env | sort >/tmp/env; exec ls -m /proc/self/fd >/tmp/fds"]
  r1:
    kind: router
    interfaces: {eth0: 10.0.1.1/24}
    nat:
      - masquerade: {out: eth0}
links:
  - [h1:eth0, r1:eth0]
tests:
  - ping: {from: h1, to: r1}
  - exec: {node: h1, cmd: [ls, -m, /proc/self/fd]}
    output_regex: "^0, 1, 2, 3[[:space:]]*$"
  - exec: {node: h1, cmd: [env]}
    output_regex: "GREETING=(hello|goodbye)"
YAML

# The caller's environment holds a secret and a PATH of its own; only the kept names pass.
caller() { env -i PATH="$PATH" HOME=/caller TERM=xterm LANG=C.UTF-8 SECRET_TOKEN=hunter2 "$@"; }

check "up with a secret in the caller's environment" caller "$NSTOPO" up "$WORK/lab.yaml"

# A background program is started through a double fork: it may not have reached exec yet.
wait_until 5000 pgrep -f '^sleep 1001$' >/dev/null
pid=$(pgrep -f '^sleep 1001$')
same "a background program has only 0, 1 and 2 open" "0 1 2" "$(ls /proc/$pid/fd | sort -n | tr '\n' ' ' | sed 's/ $//')"
keys=$(tr '\0' '\n' </proc/$pid/environ | cut -d= -f1 | sort | tr '\n' ' ')
same "its environment is the clean one plus env:" \
	"GREETING HOME LANG NSTOPO_LAB NSTOPO_NODE NSTOPO_ROLE PATH TERM " "$keys"
same "env: wins over the default PATH" "PATH=/usr/bin:/bin" \
	"$(tr '\0' '\n' </proc/$pid/environ | grep '^PATH=')"
same "HOME is the user's own, not the caller's" "HOME=/root" \
	"$(tr '\0' '\n' </proc/$pid/environ | grep '^HOME=')"
same "an exec: line has only 0, 1 and 2 open (3 is ls's own)" "0, 1, 2, 3" "$(n exec h1 cat /tmp/fds)"
n exec h1 cat /tmp/env >"$WORK/env"
if grep -q SECRET_TOKEN "$WORK/env"; then not_ok "the caller's secret stays out of exec: lines"
else ok "the caller's secret stays out of exec: lines"; fi
contains "exec: lines see env:" "GREETING=hello" "$WORK/env"
check "an exec check sees 0, 1, 2 and env:" n test "$WORK/lab.yaml"
same "nstopo exec keeps the caller's environment (as ip netns exec)" "hunter2" \
	"$(caller "$NSTOPO" exec h1 printenv SECRET_TOKEN)"

# Changing env: runs the exec: lines again (a new environment needs new processes).
sed -i 's/GREETING: hello/GREETING: goodbye/' "$WORK/lab.yaml"
expect_rc 1 "diff sees a changed env:" n diff "$WORK/lab.yaml"
check "up runs the exec: lines again" n up "$WORK/lab.yaml"
contains "with the new value" "GREETING=goodbye" <(n exec h1 cat /tmp/env)
expect_rc 0 "diff is clean afterwards" n diff "$WORK/lab.yaml"
check "down" n down "$WORK/lab.yaml"

# The audit: every fd-creating call of nstopo's own processes asks for close-on-exec. strace
# lets go of a process at its execve (-b execve): the programs nstopo runs are not audited, and
# a background program does not hold strace (and the test) until it ends.
calls=open,openat,openat2,creat,socket,socketpair,pipe,pipe2,dup,fcntl,accept,accept4
calls=$calls,memfd_create,eventfd,eventfd2,epoll_create,epoll_create1,signalfd,signalfd4
calls=$calls,timerfd_create,inotify_init,inotify_init1,fsopen,fsmount,fspick,open_tree,recvmsg
traced() {
	caller timeout 120 strace -f -b execve -qq -s 64 -o "$WORK/trace.$1" -e trace=$calls \
		"$NSTOPO" "$@"
}
check "up under strace" traced up "$WORK/lab.yaml"
check "diff under strace" traced diff "$WORK/lab.yaml"
check "test under strace" traced test "$WORK/lab.yaml"
check "exec under strace" traced exec h1 true
check "down under strace" traced down "$WORK/lab.yaml"
# In an ASan build (-DNSTOPO_SANITIZE=ON) the sanitizer runtime reads /proc/self/maps, cmdline
# and environ through the raw open syscall (nstopo's own opens are openat), without
# close-on-exec: those are the runtime's, not nstopo's, and are left out of the audit.
asan=0
if nm "$NSTOPO" 2>/dev/null | grep -q '__asan_init'; then
	asan=1
	echo "note: ASan build: the sanitizer runtime's own opens of /proc/self/{maps,cmdline,environ} are not audited"
fi
cat "$WORK"/trace.up "$WORK"/trace.diff "$WORK"/trace.test "$WORK"/trace.exec "$WORK"/trace.down |
	awk -v asan=$asan '
	function audit(line,   name, res) {
		if (line !~ /^[a-z_0-9]+\(/)
			return
		name = line; sub(/\(.*/, "", name)
		res = line; sub(/.*\) += /, "", res); sub(/ .*/, "", res)
		if (res !~ /^[0-9]+$/) return                       # failed, or detached at execve
		if (name == "recvmsg" && line !~ /SCM_RIGHTS/) return   # no descriptor received
		if (name == "fcntl" && line !~ /F_DUPFD/) return
		if (asan && name == "open" && line ~ /^open\("\/proc\/self\/(maps|cmdline|environ)", O_RDONLY\)/) return
		calls++
		if (line !~ /CLOEXEC/) { print "    no close-on-exec: " line; bad++ }
	}
	{
		pid = $1; $1 = ""; sub(/^ /, "")
		if ($0 ~ /<unfinished \.\.\.>$/) { sub(/ <unfinished \.\.\.>$/, ""); pending[pid] = $0; next }
		if ($0 ~ /^<\.\.\. [a-z_0-9]+ resumed>/) {
			sub(/^<\.\.\. [a-z_0-9]+ resumed>/, ""); $0 = pending[pid] $0
		}
		audit($0)
	}
	END {
		if (calls < 50) { print "    too few calls audited: " calls; bad++ }
		exit bad > 0
	}' >"$WORK/findings"
rc=$?
if [ $rc = 0 ]; then ok "every descriptor nstopo makes is close-on-exec"
else not_ok "every descriptor nstopo makes is close-on-exec"; head -20 "$WORK/findings"; fi
check "nothing left" nothing_left
finish
