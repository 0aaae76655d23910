#!/usr/bin/env bash
# Side-by-side benchmark on this machine: the same servlet (90 % reads of three attributes, 10 % changes of one)
# under each setup, driven by wrk with 64 connections, then the JMH micro-benchmarks. Writes
# bench/results/latest.md (table with ratios) and latest.png (chart) and prints the table.
#   bench/run.sh            30 s per setup, 10,000 sessions
#   bench/run.sh --quick     5 s per setup, 2,000 sessions, short JMH (a few minutes in all)
#   bench/run.sh --smoke     1 s per setup, 100 sessions, two setups, no JMH (the CI's seconds-long check)
#   bench/run.sh --tomcat [--quick]                 on the stock Tomcat distribution (bench/tomcat.sh)
#   bench/run.sh --two-node [SECONDS] [--pause-redis] two stock Tomcat nodes, checked (bench/tomcat.sh)
# Needs Redis on 127.0.0.1:6379 and PostgreSQL on 127.0.0.1:5432 (database test, user postgres) for the Redis
# and tiered setups; wrk is installed from Debian's packages if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in --tomcat|--two-node) exec bench/tomcat.sh "$@" ;; esac
mode=${1:-full}
case "$mode" in
  --quick) duration=5s; warmup=3s; sessions=2000; setups="client native memory tiered spring tomcat-tiered redisson-tomcat"
           jmh="-f 1 -wi 2 -w 1s -i 3 -r 1s" ;;
  --smoke) duration=1s; warmup=1s; sessions=100; setups="native memory"; jmh="" ;;
  *)       duration=30s; warmup=10s; sessions=10000; setups="client native memory tiered spring tomcat-tiered redisson-tomcat"
           jmh="-f 1 -wi 3 -w 2s -i 5 -r 2s" ;;
esac
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
jar=bench/target/unisession-bench.jar
# Build what is measured (the smoke run in CI uses the jar the CI build just made).
if [ "$mode" != --smoke ] || [ ! -f "$jar" ]; then mvn -B -q -DskipTests -pl bench -am package; fi
work=$(mktemp -d)
out=bench/results
[ "$mode" = --smoke ] && out="$work/results" # the smoke run leaves the published results alone
mkdir -p "$out"
tsv="$work/results.tsv"
: > "$tsv"
port=18190
secret=$(head -c 32 /dev/urandom | base64)
export UNISESSION_TOKEN_KEYS="bench:$secret"
export UNISESSION_REDIS_URL=${UNISESSION_REDIS_URL:-redis://127.0.0.1:6379}
export UNISESSION_REDIS_PREFIX="bench$$:"
export UNISESSION_JPA_URL=${UNISESSION_JPA_URL:-jdbc:postgresql://127.0.0.1:5432/test}
export UNISESSION_JPA_USER=${UNISESSION_JPA_USER:-postgres}
export UNISESSION_AUDIT_SINK=none
jvm="-Xms1g -Xmx1g -XX:+UseParallelGC"
pid=
cleanup() { # the server is waited for before its directory goes (a JVM still writing there fails rm, and the run)
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work" || { sleep 1; rm -rf "$work"; } || echo "[bench] could not remove $work"
}
trap cleanup EXIT

redis_calls() { redis-cli -p 6379 INFO commandstats 2>/dev/null | awk -F'[=,:]' '/^cmdstat_/ && $1 !~ /info|ping/ {s+=$3} END {print s+0}'; }
db_tx() { psql -h 127.0.0.1 -U postgres -d test -tAc "SELECT xact_commit FROM pg_stat_database WHERE datname='test'" 2>/dev/null || echo 0; }

for setup in $setups; do
  port=$((port + 1))
  server=$setup; [ "$setup" = client ] && server=native
  if [ "$setup" = redisson-tomcat ]; then
    java $jvm -cp "$(ls bench/target/unisession-bench-[0-9]*.jar | head -1):bench/target/peer-redisson/*" \
      dev.unisession.bench.Bench serve redisson-tomcat "$port" >"$work/$setup.log" 2>&1 &
  else
    java $jvm -jar "$jar" serve "$server" "$port" >"$work/$setup.log" 2>&1 &
  fi
  pid=$!
  for _ in $(seq 1 150); do curl -s -o /dev/null "http://127.0.0.1:$port/bench?op=noop" && break; sleep 0.2; done
  if [ "$setup" = client ]; then
    wrk -t2 -c64 -d"$warmup" "http://127.0.0.1:$port/bench?op=noop" >/dev/null
    r=$(wrk -t2 -c64 -d"$duration" --latency "http://127.0.0.1:$port/bench?op=noop")
    rps=$(echo "$r" | awk '/Requests\/sec/ {print $2}')
    p50=$(echo "$r" | awk '$1=="50%" {print $2}'); p99=$(echo "$r" | awk '$1=="99%" {print $2}')
    to_ms() { case "$1" in *us) echo "${1%us}/1000" | bc -l;; *ms) echo "${1%ms}";; *s) echo "${1%s}*1000" | bc -l;; esac; }
    printf "client\t%s\t%s\t%s\t0\t0\n" "$rps" "$(to_ms "$p50")" "$(to_ms "$p99")" >> "$tsv"
  else
    java -jar "$jar" seed "http://127.0.0.1:$port" "$sessions" "$work/cookies.txt" \
      || { echo "[bench] $setup failed to start or seed:"; tail -20 "$work/$setup.log"; exit 1; }
    wrk -t2 -c64 -d"$warmup" -s bench/wrk.lua "http://127.0.0.1:$port" -- "$work/cookies.txt" >/dev/null
    sleep 1
    r0=$(redis_calls); d0=$(db_tx)
    line=$(wrk -t2 -c64 -d"$duration" -s bench/wrk.lua "http://127.0.0.1:$port" -- "$work/cookies.txt" | grep '^BENCH')
    r1=$(redis_calls); d1=$(db_tx)
    read -r _ reqs status_err sock_err p50us p99us secs <<<"$line"
    awk -v s="$setup" -v n="$reqs" -v t="$secs" -v a="$p50us" -v b="$p99us" -v r="$((r1 - r0))" -v d="$((d1 - d0))" \
      'BEGIN {printf "%s\t%.1f\t%.3f\t%.3f\t%.3f\t%.3f\n", s, n/t, a/1000, b/1000, r/n, d/n}' >> "$tsv"
    [ "$status_err$sock_err" = "00" ] || echo "[bench] $setup: $status_err status errors, $sock_err socket errors"
  fi
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
done
redis-cli -p 6379 --scan --pattern "bench$$:*" | xargs -r redis-cli -p 6379 DEL >/dev/null || true
redis-cli -p 6379 --scan --pattern "bench:spring*" | xargs -r redis-cli -p 6379 DEL >/dev/null || true
redis-cli -p 6379 --scan --pattern "redisson:tomcat_session:*" | xargs -r redis-cli -p 6379 DEL >/dev/null || true

echo "## HTTP load ($mode; $(nproc) cores; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(java -version 2>&1 | head -1))"
cp "$tsv" "$out/latest.tsv"
java -jar "$jar" report "$tsv" "$out/latest.md" "$out/latest.png"
if [ -n "$jmh" ]; then
  echo "## JMH (µs per operation)"
  java -jar "$jar" $jmh -rf text -rff "$out/jmh.txt" FilterBenchmark >/dev/null
  cat "$out/jmh.txt"
fi
