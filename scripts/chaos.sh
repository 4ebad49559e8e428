#!/usr/bin/env bash
# Chaos test of the index's lifecycle on loopback; not part of `cargo test`. Each round starts
# `serve` on one index directory and keeps two clients searching 燃气 (every answer must be a
# 200 naming coop-1-1) while it runs, at once, two `duty-search index` on the same directory, a
# SIGHUP, three `POST /admin/reindex`, and one more `index` killed with SIGKILL at a random
# moment; then it stops the clients and SIGKILLs the server. The next round's server must open
# the index and answer 261 items, and so must a last one after the last round. It reports each
# round and exits 1 when a query failed, a build that was not killed failed, or an index did
# not open with every item.
#
# Settings (environment): CHAOS_ROUNDS (5), CHAOS_PORT (18090), CHAOS_PROFILE (release, or
# debug to use the debug build). Everything it writes goes to target/chaos/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

rounds=${CHAOS_ROUNDS:-5}
port=${CHAOS_PORT:-18090}
profile=${CHAOS_PROFILE:-release}
base="http://127.0.0.1:$port"
items_expected=261

if [ "$profile" = release ]; then
  cargo build --release --quiet
else
  cargo build --quiet
fi
binary=./target/$profile/duty-search
work=target/chaos
rm -rf "$work"
mkdir -p "$work"
token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
index=(--corpus corpus --index "$work/index")

server=
clients=()
cleanup() {
  for pid in "${clients[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -z "$server" ] || kill -9 "$server" 2>/dev/null || true
}
trap cleanup EXIT

# Starts serve and waits until /healthz answers; sets $items to the items it holds.
start_server() {
  DUTY_SEARCH_ADMIN_TOKEN=$token "$binary" "${index[@]}" serve --port "$port" \
    >/dev/null 2>>"$work/serve.log" &
  server=$!
  for _ in $(seq 600); do
    if curl -fsS -o "$work/health.json" "$base/healthz" 2>/dev/null; then
      items=$(sed -E 's/.*"items":([0-9]+).*/\1/' "$work/health.json")
      return
    fi
    kill -0 "$server" 2>/dev/null || { echo "serve exited" >&2; tail -20 "$work/serve.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "serve never answered" >&2
  exit 1
}

# Searches until killed, appending ok or the failure to $1.
search_loop() {
  while true; do
    if body=$(curl -sS -m 10 "$base/api/search?q=%E7%87%83%E6%B0%94" 2>&1) &&
      [[ $body == *'"coop-1-1"'* ]]; then
      echo ok
    else
      echo "failed: ${body:0:200}"
    fi
  done >>"$1"
}

failed=0
for round in $(seq "$rounds"); do
  start_server
  [ "$items" = "$items_expected" ] || { echo "round $round: the index holds $items items" >&2; failed=1; }
  : >"$work/queries.txt"
  clients=()
  for _ in 1 2; do
    search_loop "$work/queries.txt" &
    clients+=($!)
  done

  builds=()
  for _ in 1 2; do
    "$binary" "${index[@]}" index >>"$work/index.log" 2>&1 &
    builds+=($!)
  done
  kill -HUP "$server"
  reindexes=()
  for _ in 1 2 3; do
    curl -sS -o /dev/null -w '%{http_code}\n' -X POST -H "Authorization: Bearer $token" \
      "$base/admin/reindex" >>"$work/reindex.txt" &
    reindexes+=($!)
  done
  "$binary" "${index[@]}" index >>"$work/index.log" 2>&1 &
  victim=$!
  sleep "0.$((RANDOM % 10))"
  kill -9 "$victim" 2>/dev/null || true
  wait "$victim" 2>/dev/null || true

  build_failures=0
  for pid in "${builds[@]}"; do wait "$pid" || build_failures=$((build_failures + 1)); done
  for pid in "${reindexes[@]}"; do wait "$pid" || true; done
  sleep 0.5
  for pid in "${clients[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  clients=()
  kill -9 "$server"
  wait "$server" 2>/dev/null || true
  server=

  queries=$(grep -c . "$work/queries.txt" || true)
  query_failures=$(grep -c '^failed' "$work/queries.txt" || true)
  codes=$(tail -3 "$work/reindex.txt" | tr '\n' ' ')
  echo "round $round: $items items at start; $queries queries, $query_failures failed;" \
    "index failures $build_failures of 2; reindex answers $codes"
  if ((query_failures > 0 || build_failures > 0)); then
    grep -m 3 '^failed' "$work/queries.txt" >&2 || true
    failed=1
  fi
done

start_server
echo "after $rounds rounds: the index opens with $items items"
[ "$items" = "$items_expected" ] || failed=1
kill -9 "$server"
wait "$server" 2>/dev/null || true
server=
exit "$failed"
