#!/bin/sh
# Builds the Debian package of nstopo into OUTDIR: nstopo_VERSION_ARCH.deb with the binary
# (/usr/bin), the man pages, bash/zsh/fish completion and the rt_protos.d entry (a conffile).
# On a clean Debian 12, run contrib/install-deps.sh first (the build dependencies); this script
# needs only cmake, a C compiler and dpkg-dev. See contrib/debian/README for why dpkg-deb.
# usage: contrib/build-deb.sh OUTDIR
set -eu
if [ $# -ne 1 ]; then
	echo "usage: $0 OUTDIR" >&2
	exit 2
fi
top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
for tool in cmake dpkg-deb dpkg-shlibdeps; do
	command -v "$tool" >/dev/null || {
		echo "build-deb.sh: needs $tool (apt-get install cmake dpkg-dev)" >&2
		exit 3
	}
done
work=$(mktemp -d "${TMPDIR:-/tmp}/nstopo-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
stage=$work/root

cmake -S "$top" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
	-DBUILD_TESTING=OFF -DNSTOPO_WERROR=OFF >/dev/null
cmake --build "$work/build" -j"$(nproc)" >/dev/null
DESTDIR=$stage cmake --install "$work/build" --strip >/dev/null

# Debian revision 1 of the upstream version in CMakeLists.txt (a non-native package).
version=$(sed -n 's/^project(nstopo VERSION \([0-9.]*\).*/\1/p' "$top/CMakeLists.txt")-1
arch=$(dpkg --print-architecture)
doc=$stage/usr/share/doc/nstopo
mkdir -p "$doc"
cp "$top/contrib/debian/copyright" "$doc/copyright"
sed "s/@VERSION@/$version/" "$top/contrib/debian/changelog" | gzip -9n >"$doc/changelog.Debian.gz"
# Debian policy: man pages compressed, everything root-owned with plain modes.
find "$stage/usr/share/man" -type f -exec gzip -9n {} +
find "$stage" -type d -exec chmod 755 {} +
find "$stage" -type f -exec chmod 644 {} +
chmod 755 "$stage/usr/bin/nstopo"

# Depends from the libraries the binary links (dpkg-shlibdeps reads debian/control).
mkdir -p "$work/src/debian"
printf 'Source: nstopo\n\nPackage: nstopo\nArchitecture: any\n' >"$work/src/debian/control"
depends=$(cd "$work/src" && dpkg-shlibdeps -O "$stage/usr/bin/nstopo" 2>/dev/null |
	sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || {
	echo "build-deb.sh: dpkg-shlibdeps found no dependencies" >&2
	exit 3
}

mkdir -p "$stage/DEBIAN"
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" -e "s/@DEPENDS@/$depends/" \
	"$top/contrib/debian/control.in" >"$stage/DEBIAN/control"
cp "$top/contrib/debian/conffiles" "$stage/DEBIAN/conffiles"
chmod 644 "$stage/DEBIAN/control" "$stage/DEBIAN/conffiles"
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z |
	xargs -0 md5sum >DEBIAN/md5sums)
chmod 644 "$stage/DEBIAN/md5sums"

deb=$out/nstopo_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "$deb"
