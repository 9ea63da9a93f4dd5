#!/bin/sh
# Prepare a Debian 12 machine to build, run and test pharos.
# Idempotent: a second run on a prepared machine only checks and returns.
# Needs root (apt-get); run as `make setup`, which `make`, `make run` and
# `make test` call through a stamp file.
set -eu

PKGS="build-essential musl-tools dpkg-dev clang python3 python3-pytest curl \
 prometheus prometheus-node-exporter wrk"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
have_src=0
grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && have_src=1
grep -qs '^deb-src' /etc/apt/sources.list && have_src=1

if [ -z "$missing" ] && [ $have_src = 1 ]; then
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "setup: need root to install:$missing (and deb-src)" >&2
	exit 111
fi
export DEBIAN_FRONTEND=noninteractive
if [ $have_src = 0 ]; then
	echo "setup: enabling deb-src entries for apt-get source"
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
			> /etc/apt/sources.list.d/pharos-deb-src.sources
	else
		grep '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' \
			> /etc/apt/sources.list.d/pharos-deb-src.list
	fi
fi
apt-get update -qq
if [ -n "$missing" ]; then
	echo "setup: installing$missing"
	# The Debian packages of the reference daemons start services; pharos
	# tests start their own copies on other ports, so keep them stopped.
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
	chmod +x /usr/sbin/policy-rc.d
	apt-get install -y -qq --no-install-recommends $missing
	rm -f /usr/sbin/policy-rc.d
fi
