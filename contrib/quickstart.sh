#!/bin/sh
# The README's first command: install the dependencies, build nstopo and install it (in
# /usr/local: bin/nstopo, its man pages and shell completion), bring the quickstart lab up, ping
# across it, show that the kernel matches the file, and take it down again.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/contrib/install-deps.sh"
cmake -S "$top" -B "$top/build" >/dev/null
cmake --build "$top/build" -j"$(nproc)"
cmake --install "$top/build" >/dev/null
# From here on, nstopo as the README writes it: the installed one, found on PATH.
nstopo=$(PATH="/usr/local/bin:$PATH" command -v nstopo)
echo "installed $nstopo (man nstopo, man nstopo-topology; completion for bash, zsh, fish)"
lab="$top/topologies/quickstart.yaml"
for file in "$top"/topologies/*.yaml; do
	"$nstopo" validate "$file"
done
echo "every lab in topologies/ is valid"
trap '"$nstopo" down --lab quickstart >/dev/null 2>&1 || true' EXIT
"$nstopo" up "$lab"
"$nstopo" exec h1 ping -c 2 -W 2 10.0.2.10
"$nstopo" exec h1 ping -6 -c 2 -W 2 2001:db8:2::10
"$nstopo" diff "$lab" && echo "the kernel matches $lab"
"$nstopo" down "$lab"
trap - EXIT
