#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster for the pgstore tests, on a Unix
# socket under a temp dir (no TCP port is opened), and prints the DSN.
# Usage:  dsn=$(bash .ci/postgres.sh start DIR)   ...   bash .ci/postgres.sh stop DIR
# Installs Debian's postgresql package when no server binaries are found.
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?data directory}

find_bin() {
	for d in /usr/lib/postgresql/*/bin; do
		[ -x "$d/initdb" ] && { echo "$d"; return; }
	done
	command -v initdb >/dev/null 2>&1 && dirname "$(command -v initdb)"
}

bin=$(find_bin || true)
if [ -z "$bin" ] && [ "$cmd" = start ]; then
	echo "installing postgresql (Debian package)" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2
	apt-get install -y -qq postgresql >&2
	bin=$(find_bin)
fi

# PostgreSQL refuses to run as root: use the postgres account when we are root.
as_pg() {
	if [ "$(id -u)" = 0 ]; then
		id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
		chown -R postgres "$dir"
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

case "$cmd" in
start)
	mkdir -p "$dir/data" "$dir/sock"
	chmod 700 "$dir/data"
	as_pg "$bin/initdb" -D "$dir/data" -U mspsync --auth=trust -E UTF8 >/dev/null
	as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
		-o "-c listen_addresses='' -k $dir/sock -c fsync=off -c max_connections=200" start >/dev/null
	echo "host=$dir/sock user=mspsync dbname=postgres sslmode=disable"
	;;
stop)
	[ -d "$dir/data" ] && as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
	;;
*)
	echo "usage: $0 start|stop DIR" >&2; exit 2
	;;
esac
