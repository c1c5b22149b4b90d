#!/bin/sh
# deps.sh [bench] -- install the Debian packages the build, make run and make test need (Guile 3.0
# for the differential test, tests/diff/; the Unicode Character Database that
# lisp/gen_unicode.py reads; node, which runs the inspector page's script in
# tests/qemu/inspector_page.js; Chromium, which shows the page headless in tests/qemu/cdp.py),
# only those missing; with "bench" also what make bench compares against (Guile 3.0, Chez Scheme,
# the Boehm collector), gnuplot (the GC pause picture), Go and Erlang (the sharing comparison), Debian's
# amd64 kernel and a static busybox (the Linux guest of the network benchmark, scripts/bench_net.sh).
# Not root and something missing: print the apt-get line and fail.
set -eu
pkgs="make gcc libc6-dev gcc-i686-linux-gnu binutils-i686-linux-gnu gcc-arm-none-eabi
	qemu-system-x86 qemu-system-arm grub-pc-bin grub-common xorriso mtools
	libcmocka-dev gdb gdb-multiarch python3 coreutils guile-3.0 unicode-data nodejs chromium"
[ "${1:-}" = bench ] && pkgs="$pkgs chezscheme libgc-dev gnuplot-nox golang-go erlang-base
	linux-image-amd64 busybox-static cpio xz-utils"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "missing packages:$missing" >&2
	echo "run as root:  apt-get update && apt-get install -y$missing" >&2
	exit 1
fi
echo "deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing > /tmp/deps-apt.log 2>&1 ||
	{ cat /tmp/deps-apt.log >&2; exit 1; }
