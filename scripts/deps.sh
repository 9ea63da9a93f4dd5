#!/bin/sh
# Fetch the C dependencies from their Debian 12 source packages, check them
# against scripts/deps.sha256, unpack them with their Debian patches applied,
# and build static libraries for one flavour:
#
#   scripts/deps.sh musl   musl-gcc -Os, for the shipped static binaries
#   scripts/deps.sh asan   host gcc with ASan+UBSan, for the test build
#
# Output: build/deps/<flavour>/lib/lib*.a and build/deps/include/.
# Nothing here is ever committed; build/ is the only place it writes.
set -eu

FLAVOUR=${1:?usage: deps.sh musl|asan}
TOP=$(cd "$(dirname "$0")/.." && pwd)
SRC=$TOP/build/deps/src
OUT=$TOP/build/deps/$FLAVOUR
INC=$TOP/build/deps/include
PKGS="lmdb=0.9.24-1 libyaml=0.2.5-1 bearssl=0.6+dfsg.1-3 civetweb=1.15+dfsg-4 pcre2=10.42-1"

case $FLAVOUR in
musl) CC=musl-gcc; CFLAGS="-Os -ffunction-sections -fdata-sections" ;;
asan) CC=gcc; CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined" ;;
*) echo "deps.sh: unknown flavour $FLAVOUR" >&2; exit 100 ;;
esac

mkdir -p "$SRC" "$OUT/lib" "$OUT/obj" "$INC"

# 1. Download (once) and verify.
cd "$SRC"
if ! sha256sum --quiet -c "$TOP/scripts/deps.sha256" >/dev/null 2>&1; then
	echo "deps: downloading source packages: $PKGS"
	timeout 300 apt-get source --download-only -qq -o APT::Sandbox::User=root $PKGS
	sha256sum --quiet -c "$TOP/scripts/deps.sha256"
fi

# 2. Unpack (once), Debian patches applied.
for p in $PKGS; do
	name=${p%%=*}
	[ -d "$name" ] && continue
	dsc=$(ls ${name}_*.dsc | head -1)
	dpkg-source -q --no-check -x "$dsc" "$name" >/dev/null
done

# 3. Headers (flavour independent).
cp lmdb/libraries/liblmdb/lmdb.h libyaml/include/yaml.h civetweb/include/civetweb.h "$INC/"
cp bearssl/inc/*.h "$INC/"

# 4. Libraries.
O=$OUT/obj
cc() { $CC $CFLAGS "$@"; }

if [ ! -f "$OUT/lib/liblmdb.a" ]; then
	echo "deps: building lmdb ($FLAVOUR)"
	cc -pthread -w -c lmdb/libraries/liblmdb/mdb.c -o $O/mdb.o
	cc -pthread -w -c lmdb/libraries/liblmdb/midl.c -o $O/midl.o
	ar rcs "$OUT/lib/liblmdb.a" $O/mdb.o $O/midl.o
fi

if [ ! -f "$OUT/lib/libyaml.a" ]; then
	echo "deps: building libyaml ($FLAVOUR)"
	mkdir -p $O/yaml
	for f in libyaml/src/*.c; do
		cc -w -DYAML_VERSION_MAJOR=0 -DYAML_VERSION_MINOR=2 -DYAML_VERSION_PATCH=5 \
			'-DYAML_VERSION_STRING="0.2.5"' -Ilibyaml/include \
			-c "$f" -o $O/yaml/$(basename "$f" .c).o
	done
	ar rcs "$OUT/lib/libyaml.a" $O/yaml/*.o
fi

if [ ! -f "$OUT/lib/libbearssl.a" ]; then
	echo "deps: building bearssl ($FLAVOUR)"
	# BearSSL reads unaligned words on purpose on x86; UBSan would flag it.
	bflags=$CFLAGS
	[ "$FLAVOUR" = asan ] && bflags="$CFLAGS -fno-sanitize=alignment"
	make -s -C bearssl -j2 CONF=Unix BUILD="$O/bearssl" CC="$CC" LD="$CC" AR=ar \
		CFLAGS="$bflags" lib >/dev/null
	cp $O/bearssl/libbearssl.a "$OUT/lib/"
fi

if [ ! -f "$OUT/lib/libcivetweb.a" ]; then
	echo "deps: building civetweb ($FLAVOUR)"
	# Quantum 200 ms: mg_stop() returns in 0.2 s instead of 2 s.
	cc -pthread -w -Icivetweb/include -DNDEBUG -DNO_SSL -DNO_CGI -DNO_FILES \
		-DNO_CACHING -DUSE_IPV6 -DSOCKET_TIMEOUT_QUANTUM=200 '-DBUILD_DATE="deps"' \
		-c civetweb/src/civetweb.c -o $O/civetweb.o
	ar rcs "$OUT/lib/libcivetweb.a" $O/civetweb.o
fi
if [ ! -f "$OUT/lib/libpcre2-8.a" ]; then
	echo "deps: building pcre2 ($FLAVOUR)"
	# No autotools: the generic config, 8-bit code units, Unicode, no JIT
	# (PromQL's regexes are small and compiled once per query).
	G=$O/pcre2-gen
	mkdir -p $G $O/pcre2
	cp pcre2/src/config.h.generic $G/config.h
	cp pcre2/src/pcre2.h.generic $G/pcre2.h
	cp pcre2/src/pcre2_chartables.c.dist $G/pcre2_chartables.c
	for f in auto_possess compile config context convert dfa_match error extuni \
		find_bracket jit_compile maketables match match_data newline ord2utf \
		pattern_info script_run serialize string_utils study substitute substring \
		tables ucd valid_utf xclass; do
		cc -w -DHAVE_CONFIG_H -DPCRE2_CODE_UNIT_WIDTH=8 -DPCRE2_STATIC -DSUPPORT_PCRE2_8 \
			-DSUPPORT_UNICODE -DHAVE_MEMMOVE -I$G -Ipcre2/src \
			-c pcre2/src/pcre2_$f.c -o $O/pcre2/$f.o
	done
	cc -w -DHAVE_CONFIG_H -DPCRE2_CODE_UNIT_WIDTH=8 -DPCRE2_STATIC -DSUPPORT_PCRE2_8 \
		-DSUPPORT_UNICODE -DHAVE_MEMMOVE -I$G -Ipcre2/src \
		-c $G/pcre2_chartables.c -o $O/pcre2/chartables.o
	ar rcs "$OUT/lib/libpcre2-8.a" $O/pcre2/*.o
	cp $G/pcre2.h "$INC/"
fi
touch "$OUT/.stamp"
