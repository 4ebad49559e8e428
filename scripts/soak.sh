#!/usr/bin/env bash
# Soak test of `duty-search serve` on loopback; not part of `cargo test` (it takes a release
# build and a minute). wrk (Debian's package, installed when missing) keeps 64 connections busy
# for 60 s cycling through the judged queries of tests/data/*.jsonl (scripts/soak.lua), while
# the index is rebuilt over HTTP every 5 s. It reports requests, errors (which must be 0), the
# reindexes, and the server's resident memory (RSS) at start, every 10 s and at the end, then
# stops the server with SIGTERM (which must exit 0). Exits 1 when anything failed.
#
# Settings (environment): SOAK_CONNECTIONS (64), SOAK_SECONDS (60), SOAK_THREADS (2),
# SOAK_REINDEX_EVERY (seconds between reindexes, 5; 0 for none), SOAK_PORT (18080).
# Everything it writes goes to target/soak/ (index, server log, query log, wrk output).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

connections=${SOAK_CONNECTIONS:-64}
seconds=${SOAK_SECONDS:-60}
threads=${SOAK_THREADS:-2}
reindex_every=${SOAK_REINDEX_EVERY:-5}
port=${SOAK_PORT:-18080}
base="http://127.0.0.1:$port"

if ! command -v wrk >/dev/null 2>&1; then
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  echo "installing wrk"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk
fi

cargo build --release --quiet
work=target/soak
rm -rf "$work"
mkdir -p "$work"
token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
(umask 077 && printf '%s\n' "$token" >"$work/admin-token")

./target/release/duty-search --index "$work/index" serve --port "$port" \
  --admin-token-file "$work/admin-token" --query-log "$work/queries.jsonl" \
  2>"$work/serve.log" &
server=$!
background=()
cleanup() {
  for pid in "${background[@]}"; do kill "$pid" 2>/dev/null || true; done
  kill "$server" 2>/dev/null || true
}
trap cleanup EXIT

for _ in $(seq 600); do
  curl -fsS -o /dev/null "$base/healthz" 2>/dev/null && break
  kill -0 "$server" 2>/dev/null || { cat "$work/serve.log"; echo "serve exited" >&2; exit 1; }
  sleep 0.2
done
curl -fsS -o /dev/null "$base/healthz"

rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$server/status"; }
mib() { awk -v kib="$1" 'BEGIN { printf "%.1f MiB", kib / 1024 }'; }
rss_start=$(rss_kib)
: >"$work/rss.txt"

# RSS every 10 s, and a reindex every $reindex_every s, while wrk runs.
(
  for ((t = 10; t <= seconds; t += 10)); do
    sleep 10
    echo "$t $(rss_kib)" >>"$work/rss.txt"
  done
) &
background+=($!)
if ((reindex_every > 0)); then
  (
    end=$((SECONDS + seconds - reindex_every))
    while ((SECONDS < end)); do
      sleep "$reindex_every"
      curl -sS -o /dev/null -w '%{http_code}\n' -X POST \
        -H "Authorization: Bearer $token" "$base/admin/reindex" >>"$work/reindex.txt" || echo failed >>"$work/reindex.txt"
    done
  ) &
  background+=($!)
fi

wrk -t"$threads" -c"$connections" -d"${seconds}s" --timeout 5s --latency -s scripts/soak.lua \
  "$base" -- "$PWD"/tests/data/*.jsonl | tee "$work/wrk.txt"
for pid in "${background[@]}"; do wait "$pid" 2>/dev/null || true; done
background=()
rss_end=$(rss_kib)

kill -TERM "$server"
server_exit=0
wait "$server" || server_exit=$?
trap - EXIT

line=$(grep '^SOAK ' "$work/wrk.txt")
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" ${line#SOAK }"; }
requests=$(field requests)
errors=$(($(field connect) + $(field read) + $(field write) + $(field status) + $(field timeout)))
reindex_ok=0
reindex_failed=0
if [ -f "$work/reindex.txt" ]; then
  reindex_ok=$(grep -c '^200$' "$work/reindex.txt" || true)
  reindex_failed=$(grep -vc '^200$' "$work/reindex.txt" || true)
fi

echo
echo "== soak: $connections connections, ${seconds} s, $threads wrk threads, release build, $(cat tests/data/*.jsonl | grep -c '"query"') judged queries"
printf 'requests  %s (%.0f/s)\n' "$requests" "$(awk -v r="$requests" -v s="$(field seconds)" 'BEGIN { print r / s }')"
echo "errors    $errors (connect $(field connect), read $(field read), write $(field write), non-2xx $(field status), timeout $(field timeout))"
echo "latency   p50 $(field p50_ms) ms, p99 $(field p99_ms) ms, max $(field max_ms) ms"
echo "reindexes $reindex_ok ok, $reindex_failed failed (every ${reindex_every} s, during the load)"
printf 'RSS       start %s' "$(mib "$rss_start")"
while read -r t kib; do printf ', %ss %s' "$t" "$(mib "$kib")"; done <"$work/rss.txt"
printf ', end %s\n' "$(mib "$rss_end")"
echo "serve     exit code $server_exit after SIGTERM"
echo "query log $(./target/release/duty-search stats --query-log "$work/queries.jsonl" --top 0)"

if ((errors > 0 || reindex_failed > 0 || server_exit != 0)); then
  echo "soak FAILED" >&2
  exit 1
fi
echo "soak passed"
