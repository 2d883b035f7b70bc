#!/bin/bash
# Build one libre version from pinned source into a cache outside the
# clone, and print its install prefix (the last line on stdout).
#
#   tests/ci/libre.sh 4.10.0       -> /var/cache/sippushd-ci/libre-4.10.0-f630d952/inst
#   SIPPUSHD_CI_CACHE=DIR tests/ci/libre.sh 3.16.0
#   SIPPUSH_DEPS=DIR ...           where re-3.16.0.tar.gz etc. are
#
# Sources, each checked against the SHA-256 pinned here:
#   2.0.1   Debian 13's source package "libre" 2.0.1-3: its upstream
#           tarball libre_2.0.1.orig.tar.gz (SHA-256 as in trixie's
#           Sources index), fetched with `apt-get source` from this
#           machine's own Debian mirror through a trixie deb-src line
#   3.16.0, 4.10.0   shared/deps/re-VERSION.tar.gz beside the clone
# 1.1.0 is Debian 12's libre-dev and is not built here.
#
# The cache is keyed by version and checksum: a new pin builds anew, an
# old build is reused (a build takes about 40 s on 2 cores).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${SIPPUSHD_CI_CACHE:-/var/cache/sippushd-ci}
ver=${1:?usage: libre.sh VERSION}

case $ver in
2.0.1)
	sha=43aa439b96aff75fe5768b9f9d49dea97042e42e7647df47b345465763e2f7ed
	file=libre_2.0.1.orig.tar.gz
	;;
3.16.0)
	sha=40ecf005def51e2e6f0767d34523ec7ae94d585df3250fac66757e6818509188
	file=re-3.16.0.tar.gz
	;;
4.10.0)
	sha=f630d952eebfb7e2247dffe454cbdc485575d5893cc9ddedde333af25e36e8f3
	file=re-4.10.0.tar.gz
	;;
*)
	echo "libre.sh: no pinned source for libre $ver (have 2.0.1 3.16.0 4.10.0)" >&2
	exit 2
	;;
esac

dir=$cache/libre-$ver-${sha:0:8}
prefix=$dir/inst
log() { echo "# [libre $ver $(date +%T)] $*" >&2; }

if [ -s "$prefix/lib/pkgconfig/libre.pc" ] && [ -f "$dir/.done" ]; then
	log "cached in $prefix"
	echo "$prefix"
	exit 0
fi

mkdir -p "$cache/src"
src=$cache/src/$file

# the Debian source package, through apt with a private state directory
fetch_debian() {
	local apt uri
	apt=$(mktemp -d)
	# this machine's Debian mirror, whatever it is
	uri=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
	[ -n "$uri" ] || uri=$(awk '$1 == "deb" && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
	[ -n "$uri" ] || { echo "libre.sh: no Debian mirror configured in /etc/apt" >&2; return 1; }
	echo "deb-src $uri trixie main" >"$apt/sources.list"
	mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial"
	local o=(-o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
		-o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache")
	log "apt-get source libre=2.0.1-3 (trixie, from $uri)"
	apt-get "${o[@]}" update -q >"$apt/update.log" 2>&1 || { tail -n 5 "$apt/update.log" >&2; rm -rf "$apt"; return 1; }
	# Only the upstream tarball is needed (its SHA-256 is pinned below,
	# the same as in the signed Sources index); some mirrors serve it but
	# not the .dsc, so apt-get's own verdict is not the test here.
	(cd "$apt" && apt-get "${o[@]}" source --download-only libre=2.0.1-3 >"$apt/source.log" 2>&1) || true
	[ -s "$apt/$file" ] || { tail -n 5 "$apt/source.log" >&2; rm -rf "$apt"; return 1; }
	mv "$apt/$file" "$src"
	rm -rf "$apt"
}

if [ ! -s "$src" ]; then
	case $ver in
	2.0.1) fetch_debian ;;
	*)
		found=
		for d in ${SIPPUSH_DEPS:-} "$top/../shared/deps" /work/shared/deps; do
			[ -s "$d/$file" ] && { found=$d/$file; break; }
		done
		[ -n "$found" ] || { echo "libre.sh: $file not found (set SIPPUSH_DEPS)" >&2; exit 1; }
		cp "$found" "$src"
		;;
	esac
fi

got=$(sha256sum "$src" | cut -d' ' -f1)
if [ "$got" != "$sha" ]; then
	echo "libre.sh: $src: SHA-256 $got, want $sha" >&2
	rm -f "$src"
	exit 1
fi


t0=$(date +%s)
rm -rf "$dir"
mkdir -p "$dir"
tar -xzf "$src" -C "$dir"
srcdir=$(find "$dir" -mindepth 1 -maxdepth 1 -type d | head -n 1)
if [ -f "$srcdir/CMakeLists.txt" ] && ! command -v cmake >/dev/null; then
	echo "libre.sh: cmake missing (apt-get install cmake)" >&2
	exit 1
fi
log "building in $dir"
if [ -f "$srcdir/CMakeLists.txt" ]; then
	if ! { cmake -S "$srcdir" -B "$dir/build" -DCMAKE_BUILD_TYPE=Release \
		-DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=lib &&
		cmake --build "$dir/build" -j2 &&
		cmake --install "$dir/build"; } >"$dir/build.log" 2>&1; then
		tail -n 20 "$dir/build.log" >&2
		exit 1
	fi
else
	# libre before 2.1 has its own makefiles (mk/re.mk), no cmake
	make -C "$srcdir" -j2 RELEASE=1 PREFIX="$prefix" LIBDIR="$prefix/lib" \
		install >"$dir/build.log" 2>&1 || { tail -n 20 "$dir/build.log" >&2; exit 1; }
fi
rm -rf "$dir/build" "$srcdir"
touch "$dir/.done"
log "built in $(($(date +%s) - t0)) s: $prefix"
echo "$prefix"
