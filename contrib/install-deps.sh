#!/bin/sh
# Installs what nstopo needs to build and to run its test suite, on Debian 12 or Ubuntu 22.04+.
# Run as root. Routing daemons (frr, bird2) are installed for the routing labs and their tests,
# but never started in the machine's own namespace: nstopo starts them inside lab nodes.
set -eu

BUILD="build-essential cmake pkg-config libyaml-dev libnl-3-dev libnl-route-3-dev \
libnftnl-dev libmnl-dev libjson-c-dev libcmocka-dev"
RUN="iproute2 nftables util-linux procps"
TEST="iputils-ping socat tcpdump graphviz jq libxml2-utils strace frr bird2 clang dpkg-dev lintian python3 bc"
# The full-kernel tests (tests/vm/run): qemu boots the distribution's stock kernel. Installing a
# kernel only adds it to /boot and /lib/modules; no boot loader is installed with it.
VM="qemu-system-x86 busybox-static cpio xz-utils kmod"
if grep -q '^ID=ubuntu' /etc/os-release 2>/dev/null; then
	VM="$VM linux-image-generic"
else
	VM="$VM linux-image-amd64"
fi

if [ "$(id -u)" != 0 ]; then
	echo "install-deps.sh: run as root (sudo $0)" >&2
	exit 1
fi

# Packages whose install would start a daemon on the host: keep them stopped. policy-rc.d is
# the Debian way to tell maintainer scripts not to start services.
fresh_daemons=""
for p in frr bird2; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		fresh_daemons="$fresh_daemons $p"
done
policy=/usr/sbin/policy-rc.d
own_policy=no
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	own_policy=yes
fi
trap 'if [ "$own_policy" = yes ]; then rm -f "$policy"; fi' EXIT

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $BUILD $RUN $TEST >/dev/null
# A kernel's install runs hooks (initramfs, a boot loader where there is one) that may fail in a
# container; the vm tests then skip with the reason, and everything else still runs.
# shellcheck disable=SC2086
if ! apt-get install -y -qq --no-install-recommends $VM >/dev/null; then
	echo "install-deps.sh: warning: $VM did not install; the vm tests will be skipped" >&2
	dpkg --configure -a >/dev/null 2>&1 || true
fi

# On a machine with systemd, daemons installed just now stay disabled at boot as well.
if [ -d /run/systemd/system ]; then
	for p in $fresh_daemons; do
		case $p in bird2) unit=bird ;; *) unit=$p ;; esac
		systemctl disable --now "$unit" >/dev/null 2>&1 || true
	done
fi
echo "install-deps.sh: done"
