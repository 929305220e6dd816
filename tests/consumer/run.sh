#!/bin/sh
# CTest install_consumer: installs the build into a scratch prefix, checks the installed files and
# SONAME links, then builds tests/consumer against that prefix with find_package (shared and
# static) and with pkg-config and plain cc, and runs each consumer (which checks the published
# ViaBTC signature). CMakeLists.txt passes the settings below in the environment.
set -eu
: "$CMAKE" "$BUILD_DIR" "$SOURCE_DIR" "$CC" "$PKG_CONFIG" "$WORK_DIR" "$LIBDIR" "$INCLUDEDIR" "$SONAME" \
  "$SHARED_REAL" "$VERSION"

fail() { echo "install_consumer: $*" >&2; exit 1; }

rm -rf "$WORK_DIR"
prefix="$WORK_DIR/prefix"
lib="$prefix/$LIBDIR"
"$CMAKE" --install "$BUILD_DIR" --prefix "$prefix"

# The files, and the links: librestsign.so -> SONAME -> real file, whose SONAME is that name.
for f in "$INCLUDEDIR/restsign.h" "$LIBDIR/$SHARED_REAL" "$LIBDIR/librestsign.a" "$LIBDIR/pkgconfig/restsign.pc" \
         "$LIBDIR/cmake/restsign/restsignConfig.cmake" "$LIBDIR/cmake/restsign/restsignConfigVersion.cmake"; do
  [ -f "$prefix/$f" ] && [ ! -L "$prefix/$f" ] || fail "$f is not installed as a file"
done
[ "$(readlink "$lib/librestsign.so")" = "$SONAME" ] || fail "librestsign.so does not link to $SONAME"
[ "$(readlink "$lib/$SONAME")" = "$SHARED_REAL" ] || fail "$SONAME does not link to $SHARED_REAL"
readelf -d "$lib/$SHARED_REAL" | grep -q "(SONAME).*\[$SONAME\]" || fail "the SONAME of $SHARED_REAL is not $SONAME"
cmp -s "$SOURCE_DIR/include/restsign.h" "$prefix/$INCLUDEDIR/restsign.h" || fail "installed header differs"

# find_package, both libraries.
"$CMAKE" -S "$SOURCE_DIR/tests/consumer" -B "$WORK_DIR/cmake" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_C_COMPILER="$CC" >"$WORK_DIR/cmake.log" || { cat "$WORK_DIR/cmake.log"; fail "configure failed"; }
"$CMAKE" --build "$WORK_DIR/cmake"
"$WORK_DIR/cmake/consumer_shared"
"$WORK_DIR/cmake/consumer_static"
# The shared consumer must load the installed library, through its SONAME.
ldd "$WORK_DIR/cmake/consumer_shared" | grep -q "$SONAME => $lib/$SONAME" \
  || { ldd "$WORK_DIR/cmake/consumer_shared"; fail "consumer_shared does not load $lib/$SONAME"; }
if readelf -d "$WORK_DIR/cmake/consumer_static" | grep -q librestsign; then fail "consumer_static needs librestsign.so"; fi

# pkg-config with plain cc.
export PKG_CONFIG_PATH="$lib/pkgconfig"
[ "$("$PKG_CONFIG" --modversion restsign)" = "$VERSION" ] || fail "pkg-config --modversion is not $VERSION"
# shellcheck disable=SC2046 # the flags are meant to split into words
"$CC" -std=c99 -Wall -Wextra -Wpedantic -Werror "$SOURCE_DIR/tests/consumer/consumer.c" \
  $("$PKG_CONFIG" --cflags --libs restsign) -Wl,-rpath,"$lib" -o "$WORK_DIR/consumer_pc"
"$WORK_DIR/consumer_pc"
echo "install_consumer: ok (installed to $prefix; find_package shared + static, pkg-config)"
