#!/bin/sh
# CTest install_consumer: installs the build into a scratch prefix, checks the installed files and
# SONAME links, then builds tests/consumer against that prefix (consume.sh: find_package shared and
# static, pkg-config as C89, pkg-config --static with -static) and runs each consumer (which checks
# the published ViaBTC signature). CMakeLists.txt passes the settings below in the environment.
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

# Building against it: find_package, pkg-config (C89), a fully static program.
CMAKE="$CMAKE" CC="$CC" PKG_CONFIG="$PKG_CONFIG" sh "$SOURCE_DIR/tests/consumer/consume.sh" "$prefix" "$LIBDIR" "$WORK_DIR/consume"
export PKG_CONFIG_PATH="$lib/pkgconfig"
[ "$("$PKG_CONFIG" --modversion restsign)" = "$VERSION" ] || fail "pkg-config --modversion is not $VERSION"
echo "install_consumer: ok (installed to $prefix)"
