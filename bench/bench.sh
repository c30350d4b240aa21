#!/usr/bin/env bash
# make bench (full sizes, release build) and make bench-quick (small sizes, debug build, under a
# minute): every figure of BENCHMARKS.md measured in one run on this machine.
#
#   bench/bench.sh          builds in release mode, measures, prints the table, writes BENCHMARKS.md
#   bench/bench.sh --quick  the same steps at toy sizes; writes target/bench/BENCHMARKS-quick.md
#
# Each step prints `BENCH {json}` lines into target/bench/results.jsonl; bench/report.py turns
# them into the table (medians of the runs). Servers run on 127.0.0.1 only, each started here
# and stopped here by its own process id; every load is bounded in time and in requests.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=full
[ "${1:-}" = "--quick" ] && mode=quick
CARGO=${CARGO:-cargo}
out=target/bench
mkdir -p "$out"
results="$out/results.jsonl"
: >"$results"
started=$(date +%s)

say() { echo "bench: $*" >&2; }
record() { grep '^BENCH ' | sed 's/^BENCH //' | tee -a "$results" >&2; }

# One delegation, one socket: 1,000 delegations and the server's side need a few thousand.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

say "building ($mode)"
if [ "$mode" = quick ]; then
	$CARGO build -q -p penholder-cli -p penholder-loadgen
	bin=target/debug
	engine_profile=(--profile dev)
else
	$CARGO build -q --release -p penholder-cli -p penholder-loadgen
	bin=target/release
	engine_profile=()
fi
engine=$($CARGO bench "${engine_profile[@]}" -p penholder-diff --bench compile --no-run 2>&1 |
	sed -n 's/.*Executable benches\/compile.rs (\(.*\))/\1/p' | tail -1)
[ -x "$engine" ] || { say "cannot find the engine benchmark's executable"; exit 1; }
aligner=$($CARGO bench "${engine_profile[@]}" -p penholder-diff --bench align --no-run 2>&1 |
	sed -n 's/.*Executable benches\/align.rs (\(.*\))/\1/p' | tail -1)
[ -x "$aligner" ] || { say "cannot find the alignment benchmark's executable"; exit 1; }
filtered=$($CARGO bench "${engine_profile[@]}" -p penholder-diff --bench filtered_redline --no-run 2>&1 |
	sed -n 's/.*Executable benches\/filtered_redline.rs (\(.*\))/\1/p' | tail -1)
[ -x "$filtered" ] || { say "cannot find the filtered redline benchmark's executable"; exit 1; }
word_reader=$($CARGO bench "${engine_profile[@]}" -p penholder-negotiation --bench word_read --no-run 2>&1 |
	sed -n 's/.*Executable benches\/word_read.rs (\(.*\))/\1/p' | tail -1)
[ -x "$word_reader" ] || { say "cannot find the Word reading benchmark's executable"; exit 1; }
loadgen=$bin/penholder-loadgen
penholder=$bin/penholder

# ---- the machine ---------------------------------------------------------------------------
model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
memory=$(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
command="make bench"
[ "$mode" = quick ] && command="make bench-quick"
printf '{"kind":"machine","load_before":"%s","mode":"%s","nproc":%s,"model":"%s","memory":"%s","kernel":"%s","date":"%s","commit":"%s","command":"%s","disk":"%s"}\n' \
	"$(cut -d' ' -f1-3 /proc/loadavg)" "$mode" "$(nproc)" "$model" "$memory" "$(uname -r)" "$(date -u +%FT%TZ)" "$commit" "$command" \
	"$(df -h "$out" | awk 'NR==2 {print $1}')" >>"$results"

# ---- engine and peers ----------------------------------------------------------------------
if [ "$mode" = quick ]; then scenarios=(eu-file); runs=1; else scenarios=(eu-file un-scale); runs=3; fi
for scenario in "${scenarios[@]}"; do
	dump="$out/$scenario.json"
	for run in $(seq "$runs"); do
		say "engine: $scenario, run $run of $runs"
		if [ "$run" = 1 ]; then
			PENHOLDER_BENCH_DUMP="$dump" "$engine" --scenario "$scenario"
		else
			"$engine" --scenario "$scenario"
		fi | awk '/^RESULT / {
			printf "BENCH {\"kind\":\"engine\",\"scenario\":\"%s\",\"amendments\":%s,\"bare_cpu_ms\":%s,\"compile_cpu_ms\":%s,\"peak_kib\":%s,\"changes\":%s,\"contested\":%s,\"paragraphs\":%s,\"bare_wall_ms\":%s,\"compile_wall_ms\":%s,\"one_thread_wall_ms\":%s,\"threads\":%s}\n",
				$2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13 }' | record
	done
	say "peer: Python difflib on $scenario"
	peer_runs=5
	[ "$scenario" = un-scale ] && peer_runs=3
	[ "$mode" = quick ] && peer_runs=1
	python3 bench/difflib_peer.py "$dump" "$peer_runs" | awk -v s="$scenario" '
		/^PEER_MS / {best = $2} /^PEER_MEDIAN_MS / {median = $2}
		/^PEER_CHANGES / {changes = $2; contested = $3}
		END { printf "BENCH {\"kind\":\"difflib\",\"scenario\":\"%s\",\"best_ms\":%s,\"median_ms\":%s,\"changes\":%s,\"contested\":%s}\n",
			s, best, median, changes, contested }' | record
done

# Command-line word diffs on a sample of the 4,000-amendment scenario's pairs.
if ! command -v wdiff >/dev/null 2>&1 && [ "$mode" = full ]; then
	say "installing GNU wdiff (Debian package wdiff)"
	{ apt-get install -y -qq wdiff >/dev/null 2>&1 ||
		{ apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq wdiff >/dev/null 2>&1; }; } ||
		say "wdiff cannot be installed; git diff --word-diff --no-index stands in"
fi
sample=200
[ "$mode" = quick ] && sample=20
tools=(git)
command -v wdiff >/dev/null 2>&1 && tools=(wdiff git)
for tool in "${tools[@]}"; do
	say "peer: $tool on $sample pairs"
	"$loadgen" peer --dump "$out/eu-file.json" --tool "$tool" --sample "$sample" --runs "$runs" | record
done

# ---- alignment of a revision made elsewhere -------------------------------------------------
say "alignment"
if [ "$mode" = quick ]; then "$aligner" --quick; else "$aligner"; fi | record

# ---- a delegation's Word file read into items (issue 14, item 6: <= 200 ms) -----------------
say "reading a Word file"
if [ "$mode" = quick ]; then "$word_reader" --quick; else "$word_reader"; fi | record

# ---- a redline narrowed to one delegation against the whole one (issue 17: <= 1.2x) --------
say "filtered redline"
if [ "$mode" = quick ]; then "$filtered" --quick; else "$filtered"; fi | record

# ---- redline -------------------------------------------------------------------------------
say "redline and rendering"
if [ "$mode" = quick ]; then
	"$loadgen" redline --paragraphs 200 --delegations 10 --items 5 --runs 1 | record
else
	"$loadgen" redline --paragraphs 5000 --delegations 100 --items 20 --runs 5 | record
fi

# ---- servers -------------------------------------------------------------------------------
pids=()
pg_data=""
as_postgres=()
cleanup() {
	for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	if [ -n "$pg_data" ]; then
		"${as_postgres[@]}" "$pg_bin/pg_ctl" -D "$pg_data" -m fast -w stop >/dev/null 2>&1 || true
		rm -rf "$pg_root"
	fi
	# The scenario dumps and the rushes' database (gigabytes after a full run) are measured by now.
	rm -f "$out"/*.json "$out"/penholder.db "$out"/penholder.db-wal "$out"/penholder.db-shm \
		"$out"/cold.db "$out"/cold.db-wal "$out"/cold.db-shm
}
trap cleanup EXIT

# Starts a server command in the background, in a session of its own (as a service runs: with
# the kernel's autogroup scheduling it then gets its own share of the CPU, not a share of this
# script's, which also runs the load generator); sets server_pid and server_url from the first
# line it prints ("... listening on http://ADDR").
start() {
	local log=$1
	shift
	# The files exist before the server starts: the background child opens its redirections
	# only once it runs, and the wait below must not read a file not yet made (a race seen on
	# a loaded machine).
	: >"$log.out"
	: >"$log.err"
	setsid "$@" >>"$log.out" 2>>"$log.err" &
	server_pid=$!
	pids+=("$server_pid")
	server_url=""
	for _ in $(seq 300); do
		server_url=$(sed -n 's/.*listening on \(http:\/\/[^ ]*\).*/\1/p' "$log.out" | head -1)
		[ -n "$server_url" ] && return 0
		kill -0 "$server_pid" 2>/dev/null || break
		sleep 0.05
	done
	say "the server did not start: $(tail -5 "$log.err")"
	exit 1
}
stop() {
	kill -TERM "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

say "ceiling: axum hello world"
start "$out/hello" "$loadgen" hello-serve --lifetime 120
if [ "$mode" = quick ]; then
	"$loadgen" hello --url "$server_url" --clients 20 --seconds 0.5 --runs 1 | record
else
	"$loadgen" hello --url "$server_url" --clients 200 --seconds 3 --runs 3 | record
fi
stop "$server_pid"

say "ceiling: raw SQLite durable commits"
if [ "$mode" = quick ]; then
	"$loadgen" sqlite --dir "$out" --seconds 0.3 --runs 1 | record
else
	"$loadgen" sqlite --dir "$out" --seconds 2 --runs 3 | record
fi

PENHOLDER_JWT_SECRET="$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')"
export PENHOLDER_JWT_SECRET
db="$out/penholder.db"
rm -f "$db" "$db-wal" "$db-shm" "$out/cold.db" "$out/cold.db-wal" "$out/cold.db-shm"
cold_runs=5
[ "$mode" = quick ] && cold_runs=2
say "cold start on an empty database"
"$loadgen" coldstart --binary "$penholder" --db "$out/cold.db" --runs "$cold_runs" --label "empty database" | record

start "$out/server" "$penholder" serve --db "$db" --addr 127.0.0.1:0
if [ "$mode" = quick ]; then
	say "server: quick rush"
	"$loadgen" rush --url "$server_url" --server-pid "$server_pid" --slug rush-20 --paragraphs 100 \
		--delegations 20 --items 5 --rate 200 --seconds 1 --runs 1 --saturate --chairs 1 --chair-rate 4 | record
	"$loadgen" rush --url "$server_url" --server-pid "$server_pid" --slug rush-50 --paragraphs 100 \
		--delegations 50 --items 5 --rate 200 --seconds 1 --runs 1 --chairs 1 --chair-rate 4 | record
else
	for clients in 200 1000; do
		say "server: $clients delegations, 20 items each, chairs reading the live compilation"
		# 200: the target's load (2,000/s) and half of it; 1,000: the target's load.
		rates=(--rate 2000 --rate 1000)
		runs=3
		[ "$clients" = 1000 ] && { rates=(--rate 2000); runs=2; }
		"$loadgen" rush --url "$server_url" --server-pid "$server_pid" --slug "rush-$clients" \
			--paragraphs 1000 --delegations "$clients" --items 20 "${rates[@]}" --seconds 8 \
			--runs "$runs" --saturate --chairs 2 --chair-rate 1 | record
	done
fi
if [ "$mode" = quick ]; then
	say "server: the chair's exact compilation of a closed round (quick)"
	"$loadgen" exact --url "$server_url" --slug exact --paragraphs 100 --delegations 20 --items 5 --runs 2 | record
else
	say "server: the chair's exact compilation of a closed round of 4,000 amendments, first request"
	"$loadgen" exact --url "$server_url" --slug exact --runs 5 | record
fi
# The web front in Chromium (issue 15, item 10): the first page's bytes (the sign-in link's; the
# draft page of a delegate is checked by crates/cli/tests/web_front.rs), and the chairmanship's
# compilation page of the round `exact` just closed (exact-0: 4,000 amendments at full size),
# from navigation to its first decision answering the keyboard. Skipped, said, without Chromium
# or web-tests/node_modules (.ci/run installs both).
if [ -x "${CHROMIUM:-/usr/bin/chromium}" ] && [ -d web-tests/node_modules/playwright-core ]; then
	say "web: the compilation page of the closed round exact-0 in Chromium"
	# A server started afresh on the same database: the first load compiles the round (the
	# API's request above left its compilation kept in the server), the next ones find it kept.
	stop "$server_pid"
	start "$out/server" "$penholder" serve --db "$db" --addr 127.0.0.1:0
	amendments=$(grep '"kind":"exact"' "$results" | tail -1 | sed -n 's/.*"amendments":\([0-9]*\).*/\1/p')
	link=$("$penholder" token --role chair --delegation CHAIR --sub bench-chair --ttl 30m --link "$server_url")
	PENHOLDER_URL="$server_url" PENHOLDER_LINK="$link" PENHOLDER_AMENDMENTS="${amendments:-0}" \
		PENHOLDER_COMPILATION_PATH=/p/exact-0/rounds/1/compilation \
		node web-tests/speed.mjs | record
else
	say "web: skipped (needs ${CHROMIUM:-/usr/bin/chromium} and npm ci in web-tests/)"
fi
if [ "$mode" = quick ]; then
	say "server: search (quick)"
	"$loadgen" search --url "$server_url" --slug search --paragraphs 100 --versions 5 --queries 30 | record
else
	say "server: search over 100 versions of 1,000 paragraphs"
	"$loadgen" search --url "$server_url" --slug search --paragraphs 1000 --versions 100 --queries 500 | record
fi
if [ "$mode" = quick ]; then
	say "server: synoptic table (quick)"
	"$loadgen" synoptic --url "$server_url" --slug synoptic --paragraphs 100 --versions 4 --requests 10 | record
else
	say "server: synoptic table of 4 versions of 1,000 paragraphs"
	"$loadgen" synoptic --url "$server_url" --slug synoptic --paragraphs 1000 --versions 4 --requests 60 | record
fi
stop "$server_pid"
say "cold start after the scenario"
"$loadgen" coldstart --binary "$penholder" --db "$db" --runs "$cold_runs" --label "after the rush" | record
# Nothing reads the SQLite file again: removed, and what the kernel still had to write of it
# written, so that PostgreSQL's figures do not pay for writing back SQLite's gigabytes.
rm -f "$db" "$db-wal" "$db-shm"
sync

# ---- PostgreSQL ------------------------------------------------------------------------------
# The same rush on PostgreSQL, with one server and with two servers of one database (the load
# generator spreads the delegations over both, as a balancer would), beside its raw commit
# ceiling (pgbench: one durable single-row INSERT per transaction). The server runs on this
# machine in a temporary folder, on a loopback port, with its default settings (fsync on,
# synchronous_commit on).
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -x "$pg_bin/initdb" ]; then
	# Absolute: the server runs in its data folder, and the socket folder is relative to nothing.
	pg_root="$(pwd)/$out/pg"
	pg_data="$pg_root/data"
	rm -rf "$pg_root" && mkdir -p "$pg_root"
	if [ "$(id -u)" = 0 ]; then
		# initdb refuses root: the cluster belongs to the postgres user.
		chown postgres "$pg_root"
		as_postgres=(runuser -u postgres --)
	fi
	"${as_postgres[@]}" "$pg_bin/initdb" -D "$pg_data" -U postgres -A trust >"$pg_root/initdb.log" 2>&1 ||
		{ say "initdb failed: $(tail -5 "$pg_root/initdb.log")"; exit 1; }
	pg_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	"${as_postgres[@]}" "$pg_bin/pg_ctl" -D "$pg_data" -l "$pg_root/server.log" -w \
		-o "-k $pg_root -c listen_addresses=127.0.0.1 -p $pg_port -c max_connections=300" start >/dev/null ||
		{ say "PostgreSQL did not start: $(tail -5 "$pg_root/server.log" 2>/dev/null)"; exit 1; }
	pg_url="postgres://postgres@127.0.0.1:$pg_port/postgres"
	label() { sed "s/^BENCH {/BENCH {\"backend\":\"$1\",/"; }

	say "ceiling: raw PostgreSQL durable commits (pgbench)"
	pg_clients=200
	pg_seconds=3
	[ "$mode" = quick ] && { pg_clients=20; pg_seconds=1; }
	"$pg_bin/psql" -q -h 127.0.0.1 -p "$pg_port" -U postgres -c "CREATE TABLE IF NOT EXISTS ceiling (id bigserial PRIMARY KEY, body bytea)" postgres
	printf 'INSERT INTO ceiling (body) VALUES (decode(repeat($$ab$$, 512), $$hex$$));\n' >"$pg_root/insert.sql"
	tps=$("$pg_bin/pgbench" -n -h 127.0.0.1 -p "$pg_port" -U postgres -c "$pg_clients" -j 2 -T "$pg_seconds" \
		-f "$pg_root/insert.sql" postgres 2>/dev/null | sed -n 's/^tps = \([0-9.]*\).*/\1/p')
	printf '{"kind":"pgbench","clients":%s,"seconds":%s,"commits_per_s":%s,"row_bytes":512}\n' \
		"$pg_clients" "$pg_seconds" "${tps:-0}" | tee -a "$results" >&2

	for servers in 1 2; do
		start "$out/pg-a" "$penholder" serve --db "$pg_url" --addr 127.0.0.1:0
		a_pid=$server_pid a_url=$server_url
		also=()
		if [ "$servers" = 2 ]; then
			start "$out/pg-b" "$penholder" serve --db "$pg_url" --addr 127.0.0.1:0
			also=(--also-url "$server_url")
			b_pid=$server_pid
		fi
		name="postgresql, $servers server"
		[ "$servers" = 2 ] && name="postgresql, 2 servers"
		# Search first, on the fresh cluster: after the rush PostgreSQL spends a minute writing out
		# and vacuuming its gigabytes, and a search measured then measured that (p99 20 ms against
		# 7-9 ms alone, 2026-12-07).
		if [ "$servers" = 1 ]; then
			say "server on PostgreSQL: search"
			if [ "$mode" = quick ]; then
				"$loadgen" search --url "$a_url" --slug pg-search --paragraphs 100 --versions 5 --queries 30 | label "$name" | record
			else
				"$loadgen" search --url "$a_url" --slug pg-search --paragraphs 1000 --versions 100 --queries 500 | label "$name" | record
			fi
		fi
		if [ "$mode" = quick ]; then
			say "server on PostgreSQL ($servers): quick rush"
			"$loadgen" rush --url "$a_url" "${also[@]}" --server-pid "$a_pid" --slug "pg$servers-20" --paragraphs 100 \
				--delegations 20 --items 5 --rate 200 --seconds 1 --runs 1 --chairs 1 --chair-rate 4 | label "$name" | record
		else
			say "server on PostgreSQL ($servers): 200 delegations, 20 items each"
			"$loadgen" rush --url "$a_url" "${also[@]}" --server-pid "$a_pid" --slug "pg$servers-200" \
				--paragraphs 1000 --delegations 200 --items 20 --rate 2000 --rate 1000 --seconds 8 \
				--runs 3 --saturate --chairs 2 --chair-rate 1 | label "$name" | record
		fi
		stop "$a_pid"
		[ "$servers" = 2 ] && stop "$b_pid"
	done
else
	say "PostgreSQL's server binaries are missing (apt-get install postgresql): no PostgreSQL figures"
fi

printf '{"kind":"load","after":"%s"}\n' "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$results"

# ---- the table -----------------------------------------------------------------------------
report_out=BENCHMARKS.md
[ "$mode" = quick ] && report_out="$out/BENCHMARKS-quick.md"
python3 bench/report.py "$results" "$report_out" "$(($(date +%s) - started))"
say "done in $(($(date +%s) - started)) s; wrote $report_out"
