#!/bin/bash
# Impairments that need sch_netem, in a full kernel (issue 15): delay (ping RTT within 20 % of
# twice the delay), loss (1000 probes at 10 %: 5 to 15 % lost), jitter, rate and delay together
# (HTB with netem under it), and an in-place change that keeps a TCP connection and the link.
. "$(dirname "$0")/../integration/lib.sh"
command -v socat >/dev/null || skip_feature "needs socat"
unshare -n tc qdisc add dev lo root netem delay 1ms 2>/dev/null || skip_feature "the kernel has no sch_netem"

lab=$WORK/netem.yaml
write_lab() { # DELAY of link e1
	cat >"$lab" <<YAML
name: netem
prefix: ""
nodes:
  h1:
    interfaces: {e1: 10.0.1.1/24, e2: 10.0.2.1/24, e3: 10.0.3.1/24, e4: 10.0.4.1/24}
  h2:
    interfaces: {e1: 10.0.1.2/24, e2: 10.0.2.2/24, e3: 10.0.3.2/24, e4: 10.0.4.2/24}
links:
  - endpoints: [h1:e1, h2:e1]
    delay: $1
  - endpoints: [h1:e2, h2:e2]
    impair:
      h1:e2: {loss: 10%}
  - endpoints: [h1:e3, h2:e3]
    delay: 20ms
    jitter: 10ms
  - endpoints: [h1:e4, h2:e4]
    rate: 1mbit
    delay: 30ms
YAML
}
write_lab 50ms
expect_rc 0 "up" n up "$lab"
expect_rc 0 "diff is clean" n diff "$lab"
contains "tc: netem delay 50ms on h1:e1" "delay 50ms" <(tc -n h1 qdisc show dev e1)
contains "tc: netem loss 10% on h1:e2" "loss 10%" <(tc -n h1 qdisc show dev e2)
same "h2:e2 (the other direction) is not impaired" "" "$(tc -n h2 qdisc show dev e2 | grep -v noqueue)"
contains "tc: htb at the root of h1:e4" "qdisc htb 1: root" <(tc -n h1 qdisc show dev e4)
contains "tc: netem under it" "qdisc netem 10: parent 1:1" <(tc -n h1 qdisc show dev e4)

# avg RTT of COUNT pings from h1 to ADDR (ms, integer), and mdev
rtt() { in_ns h1 ping -q -c "$2" -i 0.05 -W 2 "$1" | awk -F'[/ ]+' '/^rtt/ { print int($8 + 0.5), $10 }'; }
in_ns h1 ping -c1 -W2 10.0.1.2 >/dev/null # ARP first
read -r avg _ < <(rtt 10.0.1.2 20)
echo "# delay 50ms: avg RTT ${avg} ms"
check "delay 50ms: RTT ${avg} ms is within 20% of 100 ms" test "${avg:-0}" -ge 80 -a "${avg:-0}" -le 120

in_ns h1 ping -c1 -W2 10.0.2.2 >/dev/null
lost=$(in_ns h1 ping -q -c 1000 -i 0.005 -W 1 10.0.2.2 | awk '/packet loss/ { print $1 - $4 }')
echo "# loss 10%: $lost of 1000 lost"
check "loss 10%: $lost of 1000 probes lost (50 to 150)" test "${lost:-0}" -ge 50 -a "${lost:-0}" -le 150

in_ns h1 ping -c1 -W2 10.0.3.2 >/dev/null
read -r avg mdev < <(rtt 10.0.3.2 50)
echo "# delay 20ms jitter 10ms: avg RTT ${avg} ms, mdev ${mdev} ms"
check "jitter: RTT varies (mdev ${mdev} ms >= 3)" sh -c "echo '${mdev:-0} >= 3' | bc | grep -q 1"
check "jitter: avg RTT ${avg} ms is near 40 ms" test "${avg:-0}" -ge 28 -a "${avg:-0}" -le 52

# rate + delay: 250 kB through 1 mbit/s is 2 s, and each ping waits 2 x 30 ms.
in_ns h1 ping -c1 -W2 10.0.4.2 >/dev/null
read -r avg _ < <(rtt 10.0.4.2 10)
check "rate+delay: RTT ${avg} ms is within 20% of 60 ms" test "${avg:-0}" -ge 48 -a "${avg:-0}" -le 72
in_ns h2 socat -u TCP-LISTEN:5001,reuseaddr OPEN:/dev/null >/dev/null 2>&1 &
listener=$!
wait_until 5000 sh -c 'ip netns exec h2 ss -ltn | grep -q :5001'
t0=$(date +%s.%N)
head -c 250000 /dev/zero | in_ns h1 socat -u - TCP:10.0.4.2:5001
wait $listener
secs=$(echo "$(date +%s.%N) - $t0" | bc)
echo "# 250 kB through 1mbit with 30ms delay: $secs s"
# Never faster than the rate allows; the emulated guest's own slowness (a second or more for the
# programs to start, more when the machine is busy) is all that the upper bound leaves room for.
check "rate+delay: 250 kB take 1.8 to 20 s ($secs s)" sh -c "echo '$secs >= 1.8 && $secs <= 20' | bc | grep -q 1"

# In place: delay 50ms -> 80ms while a TCP connection is open across the link.
idx=$(ip -n h1 -j link show e1 | jq '.[0].ifindex')
in_ns h2 socat -u TCP-LISTEN:5002,reuseaddr OPEN:"$WORK/recv",creat,trunc >/dev/null 2>&1 &
listener=$!
wait_until 5000 sh -c 'ip netns exec h2 ss -ltn | grep -q :5002'
(for i in $(seq 30); do echo "line $i"; sleep 0.1; done) | in_ns h1 socat -u - TCP:10.0.1.2:5002 &
sender=$!
sleep 0.5
write_lab 80ms
expect_rc 1 "diff shows the change" n diff "$lab"
contains "... as the issue writes it" "~ link h1:e1 delay 50ms -> 80ms" "$WORK/out"
expect_rc 0 "up changes it in place" n up "$lab"
contains "... two link ends, nothing made or deleted" "2 changes: ~2 link" "$WORK/out"
check "the sender finished without error" wait $sender
check "the receiver finished without error" wait $listener
same "all 30 lines arrived over the one connection" 30 "$(wc -l <"$WORK/recv")"
same "h1:e1 keeps its ifindex" "$idx" "$(ip -n h1 -j link show e1 | jq '.[0].ifindex')"
read -r avg _ < <(rtt 10.0.1.2 10)
check "delay 80ms: RTT ${avg} ms is within 20% of 160 ms" test "${avg:-0}" -ge 128 -a "${avg:-0}" -le 192
expect_rc 0 "diff is clean" n diff "$lab"

# Drift: by hand with tc, and with nstopo link.
tc -n h2 qdisc change dev e1 root netem delay 5ms
expect_rc 1 "a netem changed by hand is drift" n diff "$lab"
contains "... shown as the delay" "~ link h2:e1 delay 5ms -> 80ms" "$WORK/out"
expect_rc 0 "nstopo link h1:e3 loss 5% reorder 10%" n link h1:e3 loss 5% reorder 10%
contains "... keeps the delay and jitter it had" "link h1:e3: delay 20ms jitter 10ms loss 5% reorder 10%" "$WORK/out"
expect_rc 0 "up repairs both" n up "$lab"
expect_rc 0 "diff is clean" n diff "$lab"
same "reorder is gone from h1:e3" "" "$(tc -n h1 qdisc show dev e3 | grep reorder)"

expect_rc 0 "down" n down "$lab"
check "nothing left" nothing_left
finish
