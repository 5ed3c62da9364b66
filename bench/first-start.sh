#!/usr/bin/env bash
# First start of a fresh clone: `npm ci`, then `npm start` until /health answers, then a fresh
# `npm run build` alone. Alternates the commits given, RUNS times each, so a noisy machine
# weighs on all of them alike. Usage: bench/first-start.sh <commit> [<commit> ...]
# (RUNS=3 by default). Needs the MariaDB and Redis of .env.default; each clone gets a database
# and Redis prefix of its own, removed afterwards.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-3}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
now() { date +%s.%N; }
for n in $(seq 1 "$RUNS"); do
  for commit in "$@"; do
    dir="$WORK/clone-$n"
    id="bench_first_$$_$n"
    port=$((18700 + RANDOM % 200))
    git clone -q "$REPO" "$dir" && git -C "$dir" checkout -q "$commit"
    cd "$dir"
    t0=$(now)
    npm ci --no-audit --no-fund >/dev/null 2>&1
    t1=$(now)
    DATABASE_URL="mysql://root@127.0.0.1:3306/$id" REDIS_PREFIX="$id" PORT=$port \
      npm start >"$dir/start.log" 2>&1 &
    pid=$!
    until curl -sf "http://127.0.0.1:$port/health" >/dev/null; do
      kill -0 $pid 2>/dev/null || { tail "$dir/start.log"; exit 1; }
      sleep 0.25
    done
    t2=$(now)
    pkill -TERM -P $pid || true
    wait $pid 2>/dev/null || true
    rm -rf dist
    t3=$(now)
    npm run build >/dev/null 2>&1
    t4=$(now)
    printf '%s run %s: npm ci %.1f s, start until /health %.1f s, both %.1f s, build alone %.1f s\n' \
      "${commit:0:8}" "$n" "$(echo "$t1 - $t0" | bc)" "$(echo "$t2 - $t1" | bc)" \
      "$(echo "$t2 - $t0" | bc)" "$(echo "$t4 - $t3" | bc)"
    mysql -h 127.0.0.1 -u root -e "DROP DATABASE IF EXISTS \`$id\`"
    redis-cli -h 127.0.0.1 --scan --pattern "$id:*" | xargs -r redis-cli -h 127.0.0.1 del >/dev/null
    cd "$REPO" && rm -rf "$dir"
  done
done
