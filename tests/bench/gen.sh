#!/bin/bash
# gen.sh SHAPE N FORMAT: one topology in four forms, so every tool builds the same network.
#   SHAPE  chain (routers in a row, two routes each), star (hosts on one bridge node, N <= 1000),
#          grid (routers in a sqrt(N) x sqrt(N) mesh, a default route each)
#   FORMAT yaml (nstopo), or a shell script that builds the lab (add "down" for its teardown):
#          ip       one `ip` process per command
#          batch    `ip -batch`, veth ends made in the root namespace and moved, then one
#                   `ip -n NODE -batch` per node
#          inplace  `ip -batch` for namespaces and veth pairs with both ends made in place, then
#                   one `ip -n NODE` process per command inside a node (as tinet's scripts do)
#          pernode  as inplace, but one `ip -n NODE -batch` per node: the fastest script we found
#   or FORMAT floor: the lab as lines for floor.c ("node NAME KIND", "link A B IFA IFB ADDRA
#          ADDRB/LEN", "route NODE DEST VIA"; ADDRB "-" on a bridge's port)
set -eu
shape=$1 n=$2 format=$3 phase=${4:-up}
lab=bench-$shape

# Each link: "A B ifA ifB addrA addrB/len" on stdout, one per line.
links() {
	case $shape in
	chain)
		for ((i = 1; i < n; i++)); do
			local s=$(((i - 1) * 4)) # a /30 per link in 10.0.0.0/8
			printf 'r%d r%d e w 10.%d.%d.%d 10.%d.%d.%d/30\n' $i $((i + 1)) \
				$((s >> 16 & 255)) $((s >> 8 & 255)) $(((s & 255) + 1)) \
				$((s >> 16 & 255)) $((s >> 8 & 255)) $(((s & 255) + 2))
		done ;;
	star)
		for ((i = 1; i <= n; i++)); do
			printf 'h%d sw eth0 p%d 10.%d.%d.%d -/16\n' $i $i $((i >> 16 & 255)) $((i >> 8 & 255)) $((i & 255))
		done ;;
	grid)
		local side
		side=$(awk -v n="$n" 'BEGIN{s=int(sqrt(n)); if (s*s<n) s++; print s}')
		local k=0
		for ((i = 0; i < n; i++)); do
			local x=$((i % side)) y=$((i / side))
			for nb in $((x + 1 < side && i + 1 < n ? i + 1 : -1)) $((i + side < n ? i + side : -1)); do
				[ "$nb" -ge 0 ] || continue
				local s=$((k * 4))
				k=$((k + 1))
				printf 'g%d g%d x%d x%d 10.%d.%d.%d 10.%d.%d.%d/30\n' $i $nb $k $k \
					$((s >> 16 & 255)) $((s >> 8 & 255)) $(((s & 255) + 1)) \
					$((s >> 16 & 255)) $((s >> 8 & 255)) $(((s & 255) + 2))
			done
		done ;;
	esac
}

nodes() {
	case $shape in
	chain) for ((i = 1; i <= n; i++)); do echo "r$i router"; done ;;
	star) echo "sw bridge"; for ((i = 1; i <= n; i++)); do echo "h$i host"; done ;;
	grid) for ((i = 0; i < n; i++)); do echo "g$i router"; done ;;
	esac
}

# Routes per node: "NODE DEST VIA".
routes() {
	case $shape in
	chain)
		links | while read -r a b _ _ aa ba; do
			echo "$a 10.255.0.0/16 ${ba%/*}"   # towards the far end
			echo "$b 10.254.0.0/16 $aa"        # towards the near end
		done ;;
	grid)
		links | awk '!seen[$1]++ {split($6, b, "/"); print $1, "default", b[1]}' ;;
	star) ;;
	esac
}

yaml() {
	echo "name: $lab"
	# Bare names, as the scripts it is compared with use (and as the recorded results had).
	echo "prefix: \"\""
	echo "nodes:"
	local tmp
	tmp=$(mktemp)
	links >"$tmp"
	routes >"$tmp.r"
	nodes | while read -r node kind; do
		echo "  $node:"
		echo "    kind: $kind"
		[ "$kind" = bridge ] && continue
		echo "    interfaces:"
		awk -v me="$node" '$1 == me {print "      " $3 ": " $5 "/" (split($6, x, "/") ? x[2] : "")} $2 == me {print "      " $4 ": " $6}' "$tmp"
		if grep -q "^$node " "$tmp.r"; then
			echo "    routes:"
			awk -v me="$node" '$1 == me {print "      - " $2 " via " $3}' "$tmp.r"
		fi
	done | sed 's|: \(10\.[0-9.]*\)/16$|: \1/16|'
	echo "links:"
	awk '{print "  - [" $1 ":" $3 ", " $2 ":" $4 "]"}' "$tmp"
	rm -f "$tmp" "$tmp.r"
}

# The same network as commands. IP is "ip" or "" (inside a batch file).
script() {
	local tmp
	tmp=$(mktemp)
	links >"$tmp"
	routes >"$tmp.r"
	if [ "$phase" = down ]; then
		nodes | while read -r node _; do echo "ip netns del $node"; done
		rm -f "$tmp" "$tmp.r"
		return
	fi
	case $format in
	ip)
		nodes | while read -r node kind; do
			echo "ip netns add $node"
			echo "ip -n $node link set lo up"
			if [ "$kind" = router ]; then echo "ip netns exec $node sysctl -qw net.ipv4.ip_forward=1"; fi
			if [ "$kind" = bridge ]; then echo "ip -n $node link add br0 type bridge && ip -n $node link set br0 up"; fi
		done
		while read -r a b ia ib aa ba; do
			echo "ip link add $ia netns $a type veth peer name $ib netns $b"
			echo "ip -n $a link set $ia up"
			echo "ip -n $b link set $ib up"
			if [ "$b" = sw ]; then echo "ip -n $b link set $ib master br0"; fi
			echo "ip -n $a addr add $aa/${ba#*/} dev $ia"
			if [ "${ba%/*}" != - ]; then echo "ip -n $b addr add $ba dev $ib"; fi
		done <"$tmp"
		while read -r node dest via; do echo "ip -n $node route add $dest via $via"; done <"$tmp.r"
		;;
	batch | inplace | pernode)
		local dir
		dir=$(mktemp -d)
		{
			nodes | while read -r node _; do echo "netns add $node"; done
			while read -r a b ia ib _ _; do
				if [ "$format" = batch ]; then
					echo "link add $a-$ia type veth peer name $b-$ib"
					echo "link set $a-$ia netns $a name $ia"
					echo "link set $b-$ib netns $b name $ib"
				else
					echo "link add $ia netns $a type veth peer name $ib netns $b"
				fi
			done <"$tmp"
		} >"$dir/root"
		echo "ip -batch $dir/root"
		# What happens inside each node, as ip commands without "ip": a batch file of its own, or
		# one `ip -n NODE` process per line (inplace).
		nodes | while read -r node kind; do
			{
				echo "link set lo up"
				if [ "$kind" = bridge ]; then echo "link add br0 type bridge"; echo "link set br0 up"; fi
				awk -v me="$node" '$1 == me {print "link set " $3 " up"; split($6, m, "/"); print "addr add " $5 "/" m[2] " dev " $3}
					$2 == me {print "link set " $4 " up"; if ($2 == "sw") print "link set " $4 " master br0"; else print "addr add " $6 " dev " $4}' "$tmp"
				awk -v me="$node" '$1 == me {print "route add " $2 " via " $3}' "$tmp.r"
			} >"$dir/$node"
			if [ "$format" = inplace ]; then
				sed "s/^/ip -n $node /" "$dir/$node"
			else
				echo "ip -n $node -batch $dir/$node"
			fi
			if [ "$kind" = router ]; then echo "ip netns exec $node sysctl -qw net.ipv4.ip_forward=1"; fi
		done
		echo "rm -rf $dir"
		;;
	esac
	rm -f "$tmp" "$tmp.r"
}

floor() {
	nodes | sed 's/^/node /'
	links | sed 's/^/link /'
	routes | sed 's/^/route /'
}

case $format in
yaml) yaml ;;
floor) floor ;;
ip | batch | inplace | pernode) script ;;
*) echo "unknown format $format" >&2; exit 2 ;;
esac
