#!/bin/sh
# Builds and runs tests/consumer against an installed restsign under PREFIX (a `cmake --install`
# prefix, or usr/ of an extracted .deb): find_package (shared and static), pkg-config with plain cc
# as C89 -pedantic, and a fully static program from `pkg-config --static` and -static.
#   consume.sh PREFIX LIBDIR WORK_DIR      (LIBDIR relative to PREFIX, e.g. lib/x86_64-linux-gnu)
# Uses CMAKE, CC and PKG_CONFIG from the environment (defaults: cmake, cc, pkg-config).
set -eu
prefix=$1 libdir=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
: "${CMAKE:=cmake}" "${CC:=cc}" "${PKG_CONFIG:=pkg-config}"
lib="$prefix/$libdir"
soname=$(readelf -d "$lib/librestsign.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
fail() { echo "consume: $*" >&2; exit 1; }
mkdir -p "$work"

# find_package, both libraries.
"$CMAKE" -S "$here" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$CC" \
  >"$work/cmake.log" || { cat "$work/cmake.log"; fail "configure failed"; }
"$CMAKE" --build "$work/cmake" >"$work/build.log" || { cat "$work/build.log"; fail "build failed"; }
"$work/cmake/consumer_shared"
"$work/cmake/consumer_static"
# The shared consumer must load the installed library, through its SONAME.
ldd "$work/cmake/consumer_shared" | grep -q "$soname => $lib/$soname" \
  || { ldd "$work/cmake/consumer_shared"; fail "consumer_shared does not load $lib/$soname"; }
if readelf -d "$work/cmake/consumer_static" | grep -q librestsign; then fail "consumer_static needs librestsign.so"; fi

# pkg-config with plain cc: the shared library, from C89.
export PKG_CONFIG_PATH="$lib/pkgconfig"
# shellcheck disable=SC2046 # the flags are meant to split into words
"$CC" -std=c89 -Wall -Wextra -pedantic -Werror "$here/consumer.c" \
  $("$PKG_CONFIG" --cflags --libs restsign) -Wl,-rpath,"$lib" -o "$work/consumer_pc"
"$work/consumer_pc"
ldd "$work/consumer_pc" | grep -q "$soname => $lib/$soname" || fail "consumer_pc does not load $lib/$soname"

# Fully static: the archive and what `pkg-config --static` adds, no shared object at all. (glibc
# warns that getaddrinfo in the Rust runtime would need its shared libraries at run time; restsign
# never resolves names, so the warning is filtered, any other is shown.)
# shellcheck disable=SC2046
"$CC" -static -std=c89 -Wall -Wextra -pedantic -Werror "$here/consumer.c" \
  $("$PKG_CONFIG" --static --cflags --libs restsign) -o "$work/consumer_pc_static" 2>"$work/static.log" \
  || { cat "$work/static.log"; fail "static link failed: $("$PKG_CONFIG" --static --libs restsign)"; }
grep -v -e "in statically linked applications requires at runtime" -e "in function" "$work/static.log" >&2 || true
if readelf -d "$work/consumer_pc_static" 2>/dev/null | grep -q NEEDED; then fail "consumer_pc_static needs shared objects"; fi
"$work/consumer_pc_static"
echo "consume: ok against $prefix (find_package shared + static, pkg-config C89, pkg-config --static -static)"
