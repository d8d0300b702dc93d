#!/bin/sh
# The README's first command: install the dependencies, build nstopo, and run it on the example
# labs (validate each, draw the quickstart lab as SVG).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/contrib/install-deps.sh"
cmake -S "$top" -B "$top/build" >/dev/null
cmake --build "$top/build" -j"$(nproc)"
nstopo="$top/build/nstopo"
for lab in "$top"/topologies/*.yaml; do
	"$nstopo" validate "$lab"
	echo "valid: ${lab#"$top"/}"
done
"$nstopo" graph "$top/topologies/quickstart.yaml" | dot -Tsvg >"$top/build/quickstart.svg"
echo "drawn: build/quickstart.svg"
