#!/usr/bin/env bash
# Speed and scale benchmarks of duty-search on a release build, in one command; not part of
# `cargo test` (about a minute with the defaults, once the examples' dev-dependencies are
# built). Prints markdown tables, each row with its target and whether it holds (✓ / ✗), and
# saves them to target/bench/report.md:
#
#   1. in-process latency on the real corpus (examples/latency.rs): p50, p99 and mean search
#      time per kind of judged query (tests/data/dev-queries.jsonl and holdout-queries.jsonl),
#      query analysis alone, and the index build time;
#   2. HTTP load over loopback with wrk (Debian's package, installed when missing) at 1, 16 and
#      64 connections, cycling through the judged queries as GET /api/search?q=...
#      (scripts/soak.lua): requests/s, p50, p99, errors;
#   3. start-up: from spawning `duty-search serve` to its first answer to /api/search?q=燃气,
#      with the index present and with none (the server builds it first), polled every 5 ms;
#      and the wall time of `duty-search search 燃气`;
#   4. the serve process's peak RSS (VmHWM) across the HTTP load;
#   5. optionally, synthetic corpora of many towns (examples/scale.rs), one row per town count.
#
# Exits 1 when wrk reports an error (a socket error or a status other than 2xx/3xx), when the
# server dies or does not answer, or when it does not exit 0 on SIGTERM; a missed target is
# only marked ✗ (unless BENCH_STRICT=1). The machine's other load shows in every figure.
#
# Settings (environment):
#   BENCH_SECONDS       seconds of wrk load per connection count (10)
#   BENCH_CONNECTIONS   connection counts, space-separated ("1 16 64")
#   BENCH_WRK_THREADS   wrk threads at most; never more than the connections (2)
#   BENCH_PORT          loopback port of the server under test (18090)
#   BENCH_ROUNDS        in-process rounds of every judged query (200)
#   BENCH_BUILDS        in-process index builds of the real corpus, median reported (5)
#   BENCH_STARTS        start-ups measured per case, median reported (5)
#   BENCH_TOWNS         town counts of the scale table, e.g. "10 100 1000 4000" (none: skipped;
#                       4,000 towns take several minutes and about 2 GB of disk)
#   BENCH_SCALE_BUDGET  seconds of query rounds per query kind in a scale row (60)
#   BENCH_STRICT        1: also exit 1 when a target is missed (0)
# The server runs with its defaults otherwise (RUST_LOG, when set, is passed on); DUTY_SEARCH_*
# variables of the caller are ignored. Everything goes to target/bench/ (emptied first): the
# report, the index, server logs, the examples' and wrk's raw output.
#
#   scripts/bench.sh
#   BENCH_SECONDS=3 BENCH_STARTS=2 scripts/bench.sh          # a quick look
#   BENCH_TOWNS="10 100 1000 4000" scripts/bench.sh          # with the scale table
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

seconds=${BENCH_SECONDS:-10}
connection_counts=${BENCH_CONNECTIONS:-1 16 64}
max_wrk_threads=${BENCH_WRK_THREADS:-2}
port=${BENCH_PORT:-18090}
rounds=${BENCH_ROUNDS:-200}
builds=${BENCH_BUILDS:-5}
starts=${BENCH_STARTS:-5}
town_counts=${BENCH_TOWNS:-}
scale_budget=${BENCH_SCALE_BUDGET:-60}
strict=${BENCH_STRICT:-0}

fail() {
  echo "bench: $*" >&2
  exit 1
}
for setting in seconds max_wrk_threads port rounds builds starts scale_budget; do
  [[ ${!setting} =~ ^[1-9][0-9]*$ ]] || fail "$setting must be a positive integer, not '${!setting}'"
done
for n in $connection_counts $town_counts; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || fail "BENCH_CONNECTIONS and BENCH_TOWNS take positive integers, not '$n'"
done
[[ -n ${connection_counts// /} ]] || fail "BENCH_CONNECTIONS is empty"

# The server and the CLI run with their defaults, not the caller's configuration.
while IFS= read -r name; do unset "$name"; done < <(compgen -e DUTY_SEARCH_ || true)

if ! command -v wrk >/dev/null 2>&1; then
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  echo "installing wrk" >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk
fi

examples=(--example latency)
[ -z "$town_counts" ] || examples+=(--example scale)
echo "building (release)" >&2
cargo build --release --quiet --bin duty-search "${examples[@]}"

bin=$root/target/release/duty-search
corpus=$root/corpus
queries=("$root/tests/data/dev-queries.jsonl" "$root/tests/data/holdout-queries.jsonl")
work=$root/target/bench
report=$work/report.md
rm -rf "$work"
mkdir -p "$work"
: >"$report"

# ---------------------------------------------------------------- helpers

# meets OP VALUE LIMIT: whether VALUE OP LIMIT holds (OP is < or >=).
meets() { awk -v op="$1" -v v="$2" -v l="$3" 'BEGIN { exit !(op == "<" ? v < l : v >= l) }'; }
# holds OP VALUE LIMIT: ✓ or ✗.
holds() { if meets "$@"; then printf '✓'; else printf '✗'; fi; }
# num VALUE [DECIMALS]: VALUE rounded, with thousands separators.
num() {
  awk -v v="$1" -v d="${2:-0}" 'BEGIN {
    s = sprintf("%.*f", d, v); sign = ""
    if (substr(s, 1, 1) == "-") { sign = "-"; s = substr(s, 2) }
    i = index(s, "."); whole = i ? substr(s, 1, i - 1) : s; frac = i ? substr(s, i) : ""
    while (length(whole) > 3) { frac = "," substr(whole, length(whole) - 2) frac; whole = substr(whole, 1, length(whole) - 3) }
    print sign whole frac }'
}
# us VALUE: microseconds, one decimal below 100.
us() { if awk -v v="$1" 'BEGIN { exit !(v < 100) }'; then num "$1" 1; else num "$1"; fi; }
# field FILE WORD KEY [KIND]: KEY's value on the `WORD key=value ...` line (of kind=KIND).
field() {
  awk -v word="$2" -v key="$3" -v kind="${4:-}" '$1 == word {
    delete f
    for (i = 2; i <= NF; i++) { at = index($i, "="); f[substr($i, 1, at - 1)] = substr($i, at + 1) }
    if (kind == "" || f["kind"] == kind) { print f[key]; exit } }' "$1"
}
# median and range of the integers given: "MEDIAN MIN MAX".
spread() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)], v[1], v[NR] }'; }
# mib KIB
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
# ms MICROSECONDS
ms() { awk -v v="$1" 'BEGIN { printf "%.0f", v / 1000 }'; }
now_us() { local t=${EPOCHREALTIME/[.,]/}; echo "$((10#$t))"; }
section() { printf '\n%s\n\n' "$*" | tee -a "$report"; }
row() { printf '%s\n' "$*" | tee -a "$report"; }
progress() { echo "-- $*" >&2; }

# ---------------------------------------------------------------- the server

server=
# 燃气, percent-encoded: the query whose first answer ends a start-up.
probe_path='/api/search?q=%E7%87%83%E6%B0%94'
# probe: whether the server on $port answers the probe query with 200 (no process spawned).
probe() {
  local status=
  { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null || return 1
  printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$probe_path" >&3 || true
  IFS= read -r -t 30 status <&3 || true
  exec 3<&-
  [[ $status == "HTTP/1."?" 200"* ]]
}
# start_server INDEX_DIR LOG: spawns serve and waits for its first answer; sets $started_ms.
start_server() {
  local begun waited
  begun=$(now_us)
  "$bin" --corpus "$corpus" --index "$1" serve --port "$port" 2>"$2" &
  server=$!
  until probe; do
    if ! kill -0 "$server" 2>/dev/null; then
      cat "$2" >&2
      fail "serve exited before answering (log: $2)"
    fi
    waited=$(($(now_us) - begun))
    ((waited < 60000000)) || fail "serve did not answer within 60 s (log: $2)"
    sleep 0.005
  done
  started_ms=$(ms "$(($(now_us) - begun))")
  curl -fsS --max-time 5 "http://127.0.0.1:$port$probe_path" | grep -q '"hits":\[{' ||
    fail "serve's answer to 燃气 has no hits (log: $2)"
}
# stop_server: SIGTERM, which must end it with exit code 0.
stop_server() {
  local code=0
  kill -TERM "$server" 2>/dev/null || fail "serve (pid $server) died"
  wait "$server" || code=$?
  server=
  ((code == 0)) || fail "serve exited with code $code after SIGTERM"
}
cleanup() {
  if [ -n "$server" ]; then
    kill -TERM "$server" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server" 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Nothing may listen on the port already: the probe would time someone else's server.
if { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null; then
  exec 3<&-
  fail "port $port is in use (set BENCH_PORT)"
fi

{
  echo "# duty-search speed and scale"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)'),"
  echo "$(nproc) cores ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)), $(rustc --version | cut -d' ' -f1-2), release build."
  echo "Command: \`scripts/bench.sh\` (BENCH_SECONDS=$seconds, BENCH_CONNECTIONS=\"$connection_counts\", BENCH_ROUNDS=$rounds, BENCH_STARTS=$starts${town_counts:+, BENCH_TOWNS=\"$town_counts\"})."
} | tee -a "$report"

# ---------------------------------------------------------------- 1. in-process latency

progress "in-process latency: $rounds rounds of every judged query, $builds index builds"
"$root/target/release/examples/latency" --rounds "$rounds" --builds "$builds" --work "$work" \
  >"$work/latency.txt"
lat() { field "$work/latency.txt" "$1" "$2" "$3"; }
# chars KIND: the query lengths of KIND, as a range.
chars() { local range; range=$(lat search chars "$1"); echo "${range/-/–}"; }

section "## In-process search, real corpus ($(lat build items "") items; examples/latency.rs)"
row "Each judged query (dev and held-out sets) $rounds rounds after one warm-up round; one thread, no HTTP."
row "The judged complaints are $(chars complaint) characters long; \`complaint, joined\` joins each with the next ones (，) to reach 20+ characters, as complaints written down at the hotline do. \`message\` are the judged residents' letters; \`message, 2000\` joins each with the next ones to the longest query accepted, 2,000 characters."
row ""
row "| queries | count | characters | p50 µs | p99 µs | mean µs | target | holds |"
row "|---|---|---|---|---|---|---|---|"
for kind in keyword complaint complaint-joined pinyin message message-2000; do
  p99=$(lat search p99_us "$kind")
  target="–"
  mark="–"
  if [[ $kind == complaint* ]]; then
    target="p99 < 1,000 µs"
    mark=$(holds "<" "$p99" 1000)
  elif [[ $kind == message-2000 ]]; then
    target="p99 < 5,000 µs; max < 100 × p50"
    max=$(lat search max_us "$kind")
    p50=$(lat search p50_us "$kind")
    mark=✗
    if meets "<" "$p99" 5000 && meets "<" "$max" "$(awk -v m="$p50" 'BEGIN { print 100 * m }')"; then
      mark=✓
    fi
  fi
  row "| search: ${kind/-/, } | $(lat search queries "$kind") | $(chars "$kind") | $(us "$(lat search p50_us "$kind")") | $(us "$p99") | $(us "$(lat search mean_us "$kind")") | $target | $mark |"
done
for kind in complaint message-2000; do
  row "| query analysis alone: ${kind/-/, } | $(lat analyze queries "$kind") | $(chars "$kind") | $(us "$(lat analyze p50_us "$kind")") | $(us "$(lat analyze p99_us "$kind")") | $(us "$(lat analyze mean_us "$kind")") | – | – |"
done
row ""
build_ms=$(lat build median_ms "")
row "| index build, real corpus | runs | median ms | min ms | max ms | target | holds |"
row "|---|---|---|---|---|---|---|"
row "| $(lat build items "") items, from scratch (lexicon, segmenter, index) | $builds | $(num "$build_ms") | $(num "$(lat build min_ms "")") | $(num "$(lat build max_ms "")") | < 1,000 ms | $(holds "<" "$build_ms" 1000) |"

# ---------------------------------------------------------------- 3. start-up

progress "start-up: $starts starts of serve and of search, with and without an index"
index=$work/index
serve_empty=()
serve_present=()
for run in $(seq "$starts"); do
  rm -rf "$index"
  start_server "$index" "$work/serve-start-empty-$run.log"
  serve_empty+=("$started_ms")
  stop_server
done
for run in $(seq "$starts"); do
  start_server "$index" "$work/serve-start-$run.log"
  serve_present+=("$started_ms")
  stop_server
done
search_cli() {
  local begun
  begun=$(now_us)
  "$bin" --corpus "$corpus" --index "$1" search 燃气 >"$work/search.txt" 2>>"$work/search.log" ||
    fail "duty-search search 燃气 failed (log: $work/search.log)"
  grep -q . "$work/search.txt" || fail "duty-search search 燃气 printed nothing"
  ms "$(($(now_us) - begun))"
}
search_empty=()
search_present=()
for run in $(seq "$starts"); do
  took=$(search_cli "$index") || exit 1
  search_present+=("$took")
  rm -rf "$work/index-cli"
  took=$(search_cli "$work/index-cli") || exit 1
  search_empty+=("$took")
done
rm -rf "$work/index-cli"

# ---------------------------------------------------------------- 2 and 4. HTTP load, memory

progress "HTTP load: ${seconds} s at each of $connection_counts connections"
start_server "$index" "$work/serve-load.log"
# One second of load first, not counted: connections, threads and caches warm up.
wrk -t1 -c4 -d1s --timeout 5s -s scripts/soak.lua "http://127.0.0.1:$port" -- "${queries[@]}" \
  >"$work/wrk-warmup.txt" || fail "wrk failed (output: $work/wrk-warmup.txt)"
load_rows=()
wrk_errors=0
# get KEY: a value of wrk's summary line `SOAK key=value ...` in $line.
get() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" ${line#SOAK }"; }
for connections in $connection_counts; do
  threads=$((connections < max_wrk_threads ? connections : max_wrk_threads))
  out=$work/wrk-$connections.txt
  progress "wrk -t$threads -c$connections -d${seconds}s"
  wrk -t"$threads" -c"$connections" -d"${seconds}s" --timeout 5s --latency -s scripts/soak.lua \
    "http://127.0.0.1:$port" -- "${queries[@]}" >"$out" || fail "wrk failed (output: $out)"
  kill -0 "$server" 2>/dev/null || fail "serve died under load (log: $work/serve-load.log)"
  line=$(grep '^SOAK ' "$out") || fail "no summary line in $out"
  requests=$(get requests)
  errors=$(($(get connect) + $(get read) + $(get write) + $(get status) + $(get timeout)))
  wrk_errors=$((wrk_errors + errors))
  rate=$(awk -v r="$requests" -v s="$(get seconds)" 'BEGIN { print r / s }')
  p99=$(get p99_ms)
  target="p99 < 10 ms, 0 errors"
  failed=()
  if ((connections == 64)); then
    target="≥ 15,000 req/s, $target"
    meets ">=" "$rate" 15000 || failed+=(req/s)
  fi
  meets "<" "$p99" 10 || failed+=(p99)
  ((errors == 0)) || failed+=(errors)
  mark=✓
  ((${#failed[@]} == 0)) || mark="✗ (${failed[*]})"
  load_rows+=("| $connections | $threads | $(num "$requests") | $(num "$rate") | $(get p50_ms) | $p99 | $(get max_ms) | $errors | $target | $mark |")
done
hwm_kib=$(awk '/^VmHWM:/ { print $2 }' "/proc/$server/status")
rss_kib=$(awk '/^VmRSS:/ { print $2 }' "/proc/$server/status")
stop_server

section "## HTTP load over loopback (wrk, scripts/soak.lua)"
row "GET /api/search?q=… cycling through the $(cat "${queries[@]}" | grep -c '"query"') judged queries (every kind, out-of-scope included), ${seconds} s per row, after 1 s of warm-up; \`serve\` with its defaults, logging each request to a file. There is no result cache in the engine: every request is searched. wrk runs on the same $(nproc)-core machine as the server."
row "Errors are socket errors (connect, read, write, timeout) and statuses other than 2xx/3xx; they must be 0."
row ""
row "| connections | wrk threads | requests | req/s | p50 ms | p99 ms | max ms | errors | target | holds |"
row "|---|---|---|---|---|---|---|---|---|---|"
for line in "${load_rows[@]}"; do row "$line"; done

section "## Start-up (median of $starts; polled every 5 ms)"
row "| what | median ms | min – max ms | target | holds |"
row "|---|---|---|---|---|"
read -r median low high < <(spread "${serve_present[@]}")
row "| \`serve\`: spawn → first answer to /api/search?q=燃气, index present | $median | $low – $high | < 300 ms | $(holds "<" "$median" 300) |"
read -r median low high < <(spread "${serve_empty[@]}")
row "| \`serve\`: same, no index (built first) | $median | $low – $high | – | – |"
read -r median low high < <(spread "${search_present[@]}")
row "| \`duty-search search 燃气\` (whole run), index present | $median | $low – $high | < 300 ms | $(holds "<" "$median" 300) |"
read -r median low high < <(spread "${search_empty[@]}")
row "| \`duty-search search 燃气\`, no index (built first) | $median | $low – $high | – | – |"

section "## Server memory"
hwm_mib=$(mib "$hwm_kib")
row "| what | MiB | target | holds |"
row "|---|---|---|---|"
row "| \`serve\` peak RSS (VmHWM) from start through the HTTP load | $hwm_mib | < 100 MiB | $(holds "<" "$hwm_mib" 100) |"
row "| \`serve\` RSS at the end of the load | $(mib "$rss_kib") | – | – |"

# ---------------------------------------------------------------- 5. scale

if [ -n "$town_counts" ]; then
  section "## Scale: synthetic corpora of many towns (examples/scale.rs)"
  row "Towns renamed, items sampled and shuffled, terms reworded from the real lists; build from scratch; keyword and complaint judged queries, up to 20 rounds each (fewer past ${scale_budget} s) after a warm-up round; peak RSS of the whole run (generation, build, queries). Targets are those set for 4,000 towns."
  row ""
  row "| towns | items | build s | index MB | keyword p50 / p99 µs | complaint p50 / p99 µs | peak RSS MiB | target | holds |"
  row "|---|---|---|---|---|---|---|---|---|"
  for towns in $town_counts; do
    progress "scale: $towns towns"
    out=$work/scale-$towns.txt
    "$root/target/release/examples/scale" "$towns" --work "$work" --budget "$scale_budget" \
      >"$out" 2>"$work/scale-$towns.log" || fail "examples/scale $towns failed (log: $work/scale-$towns.log)"
    # | towns | items | build s | index MB | kw p50 / p99 | complaint p50 / p99 | peak RSS |
    IFS='|' read -r _ _ items build_s index_mb keyword complaint rss _ < <(grep '^|' "$out")
    read -r kw50 _ kw99 <<<"$keyword"
    read -r c50 _ c99 <<<"$complaint"
    failed=()
    meets "<" "$build_s" 300 || failed+=(build)
    meets "<" "$c99" 50000 || failed+=("complaint p99")
    mark=✓
    ((${#failed[@]} == 0)) || mark="✗ (${failed[*]})"
    row "| $(num "$towns") | $(num "$items") | $(num "$build_s" 1) | $(num "$index_mb" 1) | $(num "$kw50") / $(num "$kw99") | $(num "$c50") / $(num "$c99") | $(num "$rss") | build < 300 s, complaint p99 < 50,000 µs | $mark |"
  done
fi

echo >&2
echo "report: target/bench/report.md" >&2
if ((wrk_errors > 0)); then
  fail "wrk reported $wrk_errors errors"
fi
misses=$(grep -c '| ✗' "$report" || true)
if ((misses > 0)); then
  echo "bench: $misses row(s) missed a target (✗)" >&2
  [ "$strict" != 1 ] || exit 1
fi
