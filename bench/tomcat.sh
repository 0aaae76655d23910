#!/usr/bin/env bash
# Measurements on the stock Apache Tomcat distribution (bench/target/dist, unpacked from Maven Central's
# org.apache.tomcat:tomcat zip by the bench build), set up as a new user would: each node an unpacked Tomcat with a
# CATALINA_BASE of its own, started with bin/catalina.sh run, a WAR holding BenchServlet (plus
# unisession-filter-*-all.jar in WEB-INF/lib for the unisession setups), settings as -Dunisession.* in
# CATALINA_OPTS, the PostgreSQL driver in the base's lib/. bench/run.sh hands these modes over:
#
#   bench/run.sh --tomcat [--quick] [--rounds N]
#       native (container sessions, no jar), wrap (the same behind a filter that only wraps request and response:
#       the floor of any filter), memory, redis, tiered; wrk -t2 -c64 with bench/wrk.lua (90 %
#       reads of three attributes, 10 % writes of one) for 30 s (--quick: 5 s) after 60 s (3 s) of warm-up (on 2 busy
#       cores the JIT still compiles a minute in) over 10,000 (2,000) seeded sessions. All setups are up at once;
#       each of N rounds (default 3, --quick 1) measures them in turn after 10 s (2 s) of load, and the table gives
#       the medians (a shared host's speed drifts by tens of percent within minutes: one sample per setup compared
#       setups measured at different times).
#       Per setup: req/s, p50/p99, ratio to native, server CPU µs per request (utime+stime of the Tomcat JVM over
#       the measured run / requests), Redis commands and database transactions per request, non-2xx answers.
#       Writes bench/results/tomcat.md.
#   bench/run.sh --tomcat --create [--seconds N] [--setups "..."]
#       the creation run: every request a first visit (no cookie) to op=create, which calls getSession() and sets
#       one short attribute, so every answer makes a new session; wrk -t2 -c64 with bench/wrk-create.lua for 15 s
#       (--seconds) after 30 s of warm-up (the JIT still compiles
#       a busy fifth of a core 15 s in); setups native, memory, redis, tiered and spring (Spring Session Data
#       Redis 4.0.4 in a WAR of its own on the same stock Tomcat: SpringSessionListener, RedisSessionRepository over
#       Lettuce). Tomcats on ports from 18400. Per setup: new sessions/s, p50/p99, server CPU µs per created
#       session, Redis commands per session (exact: a MONITOR sample of 100 sequential creations, the node's
#       connections and its keys only; and server-wide under load), Redis bytes per session (MEMORY USAGE of every
#       key of the run, indexes included, ÷ sessions stored; and used_memory's growth), sessions stored ÷ created,
#       database rows per session (tiered, in a schema of this run), non-2xx, log lines of failed creations. The
#       load average is read before each setup; one above BENCH_MAX_LOAD (default 3) runs that setup once more
#       (both rows shown). Redis keys and database rows of a setup are deleted before the next. Writes
#       bench/results/tomcat-create.md.
#   bench/run.sh --tomcat --create --rounds N [--seconds N] [--setups "..."]
#       the creation run's rates compared in rounds, as --tomcat compares the hot path: setups spring, redis and
#       tiered (the stores outside the JVM: native and memory would hold a million sessions in the heap) all up at
#       once, each warmed up for 30 s (a tiered JVM still compiled a third of a core 20 s in); then each of N
#       rounds measures every setup in turn (the order rotated by one each round), each 10 s (--seconds) after 3 s
#       of load, a tiered node's write-behind queue drained before the next setup's turn. Per round and setup: new
#       sessions/s, server CPU, Redis CPU and PostgreSQL CPU µs per session, CPU by thread; the medians, and the median of the rounds' ratios (tiered ÷ redis, redis ÷ spring: both setups
#       measured within a minute of each other, where a shared host's speed drifts by 2× over tens of minutes).
#       Writes bench/results/tomcat-create-rounds.md.
#   bench/run.sh --two-node [SECONDS] [--pause-redis]
#       two Tomcat nodes, no affinity, store=redis then store=tiered, the same 64 sessions used from both nodes at
#       once by dev.unisession.bench.TwoNodeLoad (32 client threads per node, SECONDS of load, default 60), which
#       checks every answer and, at the end, that every acknowledged write is there. --pause-redis: the nodes use a
#       private redis-server (started here on a free port; the shared one on 6379 is never signalled), stopped for
#       300 ms every 2 s during the load. Writes bench/results/two-node.md (two-node-pause-redis.md); exits 1 when a
#       check failed.
#
# Needs Redis on 127.0.0.1:6379 (keys under a prefix of this run, deleted at the end) and PostgreSQL on
# 127.0.0.1:5432 (database test, user postgres). BENCH_SKIP_BUILD=1 uses the built jars as they are;
# BENCH_FILTER_JAR=path measures another unisession-filter-*-all.jar; BENCH_UNISESSION_OPTS="-Dunisession.x=y ..."
# adds settings to the unisession setups (named in the results); BENCH_OUT=dir writes the results there instead;
# BENCH_KEEP_WORK=1 keeps the temporary CATALINA_BASEs and logs.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=; quick=; seconds=60; pause=; hog=; only=; seconds_given=; writes=10; create=; rounds=
while [ $# -gt 0 ]; do
  case "$1" in
    --tomcat) mode=tomcat ;;
    --two-node) mode=two-node; if [[ "${2:-}" =~ ^[0-9]+$ ]]; then seconds=$2; shift; fi ;;
    --quick) quick=1 ;;
    --pause-redis) pause=1 ;;
    --hog) hog=1 ;; # --tomcat: a busy loop per core beside the measured run (a saturated host)
    --create) create=1 ;; # --tomcat: the creation run (every request a new session)
    --seconds) seconds=${2:-}; seconds_given=1; shift ;; # --tomcat: the measured run's length instead of 30 s (5 with --quick)
    --setups) only=${2:-}; shift ;; # --tomcat: e.g. "redis tiered" instead of all five
    --writes) writes=${2:-}; shift ;; # --tomcat: the share of requests that write, in percent, instead of 10
    --rounds) rounds=${2:-}; shift ;; # --tomcat: measured rounds per setup (the median is reported) instead of 3 (1 with --quick)
    *) echo "usage: bench/run.sh --tomcat [--quick] [--seconds N] [--setups \"redis tiered\"] [--writes PERCENT] [--rounds N] [--hog] | --tomcat --create [--seconds N] [--setups \"...\"] | --two-node [SECONDS] [--pause-redis]" >&2; exit 64 ;;
  esac
  shift
done
[ -n "$mode" ] || { echo "usage: bench/run.sh --tomcat [--quick] | --two-node [SECONDS] [--pause-redis]" >&2; exit 64; }
if [ -n "$create" ]; then
  [ "$mode" = tomcat ] && [ -z "$quick$hog" ] && [ "$writes" = 10 ] \
    || { echo "[tomcat] --create goes with --tomcat and takes only --seconds, --setups and --rounds" >&2; exit 64; }
  mode=create
fi
[ "$seconds" -ge 1 ] && [ "$seconds" -le 3600 ] || { echo "[tomcat] SECONDS must be 1..3600" >&2; exit 64; }
[ -z "$rounds" ] || { [[ "$rounds" =~ ^[0-9]+$ ]] && [ "$rounds" -ge 1 ] && [ "$rounds" -le 20 ]; } \
  || { echo "[tomcat] --rounds takes 1..20" >&2; exit 64; }
[[ "$writes" =~ ^[0-9]+$ ]] && [ "$writes" -le 100 ] || { echo "[tomcat] --writes takes a percentage, 0..100" >&2; exit 64; }

tomcat_version=11.0.24
results_dir=${BENCH_OUT:-bench/results}
jar=bench/target/unisession-bench.jar
home=$PWD/bench/target/dist/apache-tomcat-$tomcat_version
if [ "${BENCH_SKIP_BUILD:-}" != 1 ]; then mvn -B -q -DskipTests -pl bench -am package; fi
alljar=${BENCH_FILTER_JAR:-$(ls -t all/target/unisession-filter-*-all.jar 2>/dev/null | head -1 || true)}
pgjar=$(ls bench/target/tomcat-lib/postgresql-*.jar 2>/dev/null | head -1 || true)
for f in "$jar" "$alljar" "$pgjar" "$home/bin/catalina.sh" bench/target/classes/dev/unisession/bench/BenchServlet.class; do
  [ -n "$f" ] && [ -e "$f" ] || { echo "[tomcat] missing ${f:-a jar}: build with mvn -B -q -DskipTests -pl bench -am package" >&2; exit 1; }
done
if [ "$mode" = create ] && ! ls bench/target/spring-lib/spring-session-data-redis-*.jar >/dev/null 2>&1; then
  echo "[tomcat] missing bench/target/spring-lib: build with mvn -B -q -DskipTests -pl bench -am package" >&2; exit 1
fi
if [ "$mode" = tomcat ] || [ "$mode" = create ]; then command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }; fi
java_home=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}

# Settings come only from what this script passes: nothing from the caller's environment.
for v in $(compgen -e | grep '^UNISESSION_' || true); do unset "$v"; done
unset JAVA_OPTS CATALINA_OPTS JRE_HOME CATALINA_PID CATALINA_OUT 2>/dev/null || true

work=$(mktemp -d "${TMPDIR:-/tmp}/unisession-tomcat.XXXXXX")
# A key prefix as short as the default "us:" (a session's key then falls in the same allocation size class, so
# bytes per session are what a default deployment pays), one no other run holds keys under.
prefix=
for i in $(seq $(( $$ % 100 )) 199); do
  p="b$(( i % 100 )):"
  if [ -z "$(redis-cli -h 127.0.0.1 -p 6379 --scan --pattern "$p*" --count 1000 2>/dev/null | head -1)" ]; then prefix=$p; break; fi
done
[ -n "$prefix" ] || prefix="tcbench$$:"
keys="b1:$(head -c 32 /dev/urandom | base64 -w0)"
tiered_prefix=$prefix # --tomcat: one under it (deleted with it), as its redis and tiered nodes are up side by side
jvm="-Xms1g -Xmx1g -XX:+UseParallelGC"
pids=()          # Tomcat JVMs started here
redis_pid=       # the private redis-server of --pause-redis
client_pid=      # the load client, seeder or wrk under way (timeout's pid)
monitor_pid=     # redis-cli MONITOR of --create's command sample
schema=          # --create, --tomcat: the PostgreSQL schema of this run (dropped at the end)
jpa_url=jdbc:postgresql://127.0.0.1:5432/test
cleaned=

# run_bounded SECONDS COMMAND...: in the background under timeout, so that a signal to this script is handled at
# once (bash runs traps only between foreground commands); the trap stops it too.
run_bounded() {
  local limit=$1 rc=0
  shift
  timeout -k 10 "$limit" "$@" &
  client_pid=$!
  wait "$client_pid" || rc=$?
  client_pid=
  return "$rc"
}
stop_pid() { # SIGTERM, up to 30 s for a clean stop, then SIGKILL
  local p=$1
  kill -0 "$p" 2>/dev/null || return 0
  kill -TERM "$p" 2>/dev/null || true
  for _ in $(seq 1 150); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
  kill -KILL "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
}
cleanup() {
  [ -n "$cleaned" ] && return; cleaned=1
  local p
  if [ -n "$client_pid" ]; then kill -TERM "$client_pid" 2>/dev/null || true; wait "$client_pid" 2>/dev/null || true; fi
  if [ -n "$monitor_pid" ]; then kill -TERM "$monitor_pid" 2>/dev/null || true; wait "$monitor_pid" 2>/dev/null || true; fi
  if [ -n "$redis_pid" ]; then kill -CONT "$redis_pid" 2>/dev/null || true; fi
  for p in "${pids[@]}"; do stop_pid "$p"; done
  if [ -n "$redis_pid" ]; then stop_pid "$redis_pid"; fi
  redis-cli -h 127.0.0.1 -p 6379 --scan --pattern "$prefix*" 2>/dev/null | xargs -r redis-cli -h 127.0.0.1 -p 6379 DEL >/dev/null 2>&1 || true
  if [ -n "$schema" ]; then psql -h 127.0.0.1 -U postgres -d test -qtAc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true; fi
  if [ "${BENCH_KEEP_WORK:-}" = 1 ]; then echo "[tomcat] kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { # the first port from $1 on that nothing listens on
  local p=$1
  while port_busy "$p"; do p=$((p + 1)); done
  echo "$p"
}

# The WAR: BenchServlet at /bench, as ROOT.war; with the drop-in jar in WEB-INF/lib when $2 is yes.
make_war() { # make_war OUT KIND: KIND no (the servlet), wrap (plus PassThroughFilter), yes (plus the drop-in jar) or
  # spring (plus SpringSessionListener, which puts Spring Session's filter in front, and its jars in WEB-INF/lib)
  local out=$1 with_jar=$2 d filter=
  d=$(mktemp -d "$work/war.XXXX")
  mkdir -p "$d/WEB-INF/classes/dev/unisession/bench"
  cp bench/target/classes/dev/unisession/bench/BenchServlet.class "$d/WEB-INF/classes/dev/unisession/bench/"
  if [ "$with_jar" = wrap ]; then
    cp bench/target/classes/dev/unisession/bench/PassThroughFilter.class "$d/WEB-INF/classes/dev/unisession/bench/"
    filter='<filter><filter-name>wrap</filter-name><filter-class>dev.unisession.bench.PassThroughFilter</filter-class></filter>
  <filter-mapping><filter-name>wrap</filter-name><url-pattern>/*</url-pattern></filter-mapping>'
  fi
  if [ "$with_jar" = spring ]; then
    cp bench/target/classes/dev/unisession/bench/SpringSessionListener.class "$d/WEB-INF/classes/dev/unisession/bench/"
    filter='<listener><listener-class>dev.unisession.bench.SpringSessionListener</listener-class></listener>'
    mkdir -p "$d/WEB-INF/lib"; cp bench/target/spring-lib/*.jar "$d/WEB-INF/lib/"
  fi
  cat >"$d/WEB-INF/web.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
  $filter
  <servlet><servlet-name>bench</servlet-name><servlet-class>dev.unisession.bench.BenchServlet</servlet-class></servlet>
  <servlet-mapping><servlet-name>bench</servlet-name><url-pattern>/bench</url-pattern></servlet-mapping>
</web-app>
EOF
  if [ "$with_jar" = yes ]; then mkdir -p "$d/WEB-INF/lib"; cp "$alljar" "$d/WEB-INF/lib/"; fi
  (cd "$d" && jar cf "$out" .)
  rm -rf "$d"
}
make_war "$work/plain.war" no
make_war "$work/wrap.war" wrap
make_war "$work/unisession.war" yes
[ "$mode" = create ] && make_war "$work/spring.war" spring

# start_tomcat NAME PORT WAR SETTINGS...: a CATALINA_BASE of its own under $work, started in the background;
# sets $tomcat_pid (the JVM: catalina.sh run execs java) after the WAR answers.
start_tomcat() {
  local name=$1 port=$2 war=$3 base=$work/$1 p
  shift 3
  mkdir -p "$base"/{logs,temp,work,webapps,lib}
  cp -r "$home/conf" "$base/"
  sed -i -e "s|<Connector port=\"8080\"|<Connector address=\"127.0.0.1\" port=\"$port\"|" \
         -e 's|<Server port="8005"|<Server port="-1"|' "$base/conf/server.xml"
  grep -q "address=\"127.0.0.1\" port=\"$port\"" "$base/conf/server.xml" || { echo "[tomcat] server.xml not as expected" >&2; exit 1; }
  cp "$pgjar" "$base/lib/"
  cp "$war" "$base/webapps/ROOT.war"
  CATALINA_HOME=$home CATALINA_BASE=$base CATALINA_TMPDIR=$base/temp JAVA_HOME=$java_home \
    CATALINA_OPTS="$jvm $*" sh "$home/bin/catalina.sh" run >"$base/logs/console.log" 2>&1 &
  p=$!
  pids+=("$p")
  local deadline=$((SECONDS + 120)) code
  while :; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$port/bench?op=noop" || true)
    [ "$code" = 200 ] && break
    if ! kill -0 "$p" 2>/dev/null || [ $SECONDS -ge $deadline ] \
       || grep -q -e 'startup failed due to previous errors' -e 'Error filterStart' -e 'Error listenerStart' "$base/logs/console.log"; then
      echo "[tomcat] $name did not start on port $port:" >&2; tail -40 "$base/logs/console.log" >&2; exit 1
    fi
    sleep 0.3
  done
  tomcat_pid=$p
  if [ "$(cat "/proc/$p/comm" 2>/dev/null)" != java ]; then
    tomcat_pid=$(pgrep -P "$p" -x java | head -1)
    [ -n "$tomcat_pid" ] || { echo "[tomcat] no JVM under pid $p" >&2; exit 1; }
  fi
}
stop_tomcat() { # stop_tomcat PID: the JVM, then forget it
  local p=$1 q keep=()
  stop_pid "$p"
  for q in "${pids[@]}"; do [ "$q" = "$p" ] || keep+=("$q"); done
  pids=("${keep[@]+"${keep[@]}"}")
}

# spring_opts: the -Dbench.spring.* of the Spring Session setup (Redis and key namespace: its keys under the run's prefix)
spring_opts() { echo "-Dbench.spring.redis=127.0.0.1:6379 -Dbench.spring.namespace=${prefix}spring"; }

settings() { # settings STORE REDIS_URL: the -Dunisession.* of a setup
  local s="-Dunisession.store=$1 -Dunisession.token.keys=$keys -Dunisession.audit.sink=none -Dunisession.cookie.secure=false -Dunisession.health.enabled=true -Dunisession.health.allow-loopback=true"
  case "$1" in
    redis) s="$s -Dunisession.redis.url=$2 -Dunisession.redis.prefix=$prefix" ;;
    tiered) s="$s -Dunisession.redis.url=$2 -Dunisession.redis.prefix=$tiered_prefix -Dunisession.jpa.url=$jpa_url -Dunisession.jpa.user=postgres" ;;
  esac
  echo "$s${BENCH_UNISESSION_OPTS:+ $BENCH_UNISESSION_OPTS}"
}

redis_calls() { redis-cli -h 127.0.0.1 -p "${1:-6379}" INFO commandstats 2>/dev/null | awk -F'[=,:]' '/^cmdstat_/ && $1 !~ /info|ping/ {s+=$3} END {print s+0}'; }
db_tx() { psql -h 127.0.0.1 -U postgres -d test -tAc "SELECT xact_commit FROM pg_stat_database WHERE datname='test'" 2>/dev/null || echo 0; }
# redis_trips PORT: Redis calls (round trips: a script or a pipelined batch is one) the node made so far, from the
# "calls" of its health endpoint's redis tier; 0 without one.
redis_trips() {
  curl -s --max-time 5 "http://127.0.0.1:$1/unisession/health" | grep -o '"name":"redis"[^}]*' \
    | grep -o '"calls":[0-9]*' | cut -d: -f2 | grep . || echo 0
}
cpu_ticks() { awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$1/stat"; } # utime+stime, fields 14 and 15
# thread_ticks PID: "group ticks" (utime+stime) per thread of the JVM, numbers in thread names folded into N (all
# request threads one group), one per line.
thread_ticks() {
  local t c
  for t in /proc/"$1"/task/*; do
    c=$(sed 's/[0-9]\+/N/g; s/ /_/g' "$t/comm" 2>/dev/null) || continue
    awk -v c="$c" '{sub(/^.*\) /, ""); print c, $12 + $13}' "$t/stat" 2>/dev/null || true
  done
}
# thread_note NAME BEFORE AFTER COUNT UNIT [WHAT]: a notes line with the groups' CPU between two thread_ticks (or
# pg_roles) readings, in µs per COUNT (largest first; groups under 1 % left out); WHAT names them (server CPU by thread).
thread_note() {
  awk -v n="$1" -v cnt="$4" -v u="$5" -v w="${6:-server CPU by thread}" -v hz="$(getconf CLK_TCK)" '
    NR == FNR { b[$1] += $2; next } { a[$1] += $2 }
    END { for (g in a) { d[g] = a[g] - b[g]; tot += d[g] }
          if (tot <= 0 || cnt <= 0) exit
          k = ""; while (1) { m = ""; for (g in d) if (m == "" || d[g] > d[m]) m = g
                             if (m == "" || d[m] < tot / 100) break
                             k = k sprintf("%s`%s` %.1f", (k ? ", " : ""), m, d[m] / hz * 1e6 / cnt); delete d[m] }
          printf "- %s: %s, µs per %s: %s (named alike summed, numbers as N)\n", n, w, u, k }' "$2" "$3"
}
# service_ticks: "pid ticks kind role" (utime+stime; kind postgres or redis; role: a PostgreSQL client connection is
# "backend", another PostgreSQL process its title's role, e.g. checkpointer, walwriter, autovacuum_worker) of every
# PostgreSQL process and the shared redis-server, one per line.
service_ticks() {
  local p t
  for p in $(pgrep -x postgres); do
    t=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) || t=
    case "$t" in "") t=unknown ;; *"("*) t=backend ;; *": "*) t=$(echo "${t##*: }" | xargs | tr ' ' _) ;; *) t=postmaster ;; esac
    awk -v p="$p" -v r="$t" '{sub(/^.*\) /, ""); print p, $12 + $13, "postgres", r}' "/proc/$p/stat" 2>/dev/null || true
  done
  for p in $(pgrep -f 'redis-server 127.0.0.1:6379'); do
    awk -v p="$p" '{sub(/^.*\) /, ""); print p, $12 + $13, "redis", "redis-server"}' "/proc/$p/stat" 2>/dev/null || true
  done
}
# pg_roles READING: "role ticks" of a service_ticks reading's PostgreSQL processes, one per line, for thread_note.
pg_roles() { awk '$3 == "postgres" {print $4, $2}' "$1"; }
# service_delta BEFORE AFTER [KIND]: ticks the services (of that kind only) used between two service_ticks readings
# (a process started between them counts whole; one that ended between them is missed).
service_delta() {
  awk -v k="${3:-}" 'NR == FNR { b[$1] = $2; next } k == "" || $3 == k { s += $2 - ($1 in b ? b[$1] : 0) } END { print s + 0 }' "$1" "$2"
}
jar_info() {
  echo "\`$(basename "$alljar")\` of $(date -u -r "$alljar" '+%Y-%m-%d %H:%M UTC'), sha256 $(sha256sum "$alljar" | cut -c1-12)${BENCH_UNISESSION_OPTS:+; extra settings \`$BENCH_UNISESSION_OPTS\`}"
}
machine() { echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(java -version 2>&1 | head -1)"; }
# Lines of the nodes' console and localhost logs (catalina.*.log repeats the console) with a fixed string, but not
# Tomcat's own leak warnings at undeploy ("... failed to remove it when the web application was stopped").
log_lines() { # log_lines PATTERN BASE...
  local b f
  for b in "${@:2}"; do
    for f in "$b"/logs/console.log "$b"/logs/localhost.*.log; do
      [ -f "$f" ] && grep -h -F -- "$1" "$f" | grep -v -e checkThreadLocalMapForLeaks -e clearReferencesThreads || true
    done
  done
}
log_count() { log_lines "$@" | wc -l | tr -d ' '; }

# --------------------------------------------------------------------------------------------------------------
# --tomcat --create
rcli() { redis-cli -h 127.0.0.1 -p 6379 "$@"; }
psql_test() { psql -h 127.0.0.1 -U postgres -d test -qtAc "$1"; }
used_memory() { rcli INFO memory | awk -F: '/^used_memory:/ {print $2 + 0}'; }
# keys_matching PATTERN: how many keys match; key_bytes PATTERN: MEMORY USAGE (exact: SAMPLES 0) summed over them.
keys_matching() { rcli --scan --pattern "$1" | wc -l | tr -d ' '; }
key_bytes() { rcli --scan --pattern "$1" | awk '{print "MEMORY USAGE " $0 " SAMPLES 0"}' | rcli | awk '{s += $1} END {print s + 0}'; }
# commandstats_delta BEFORE AFTER: "cmd calls" per command between two INFO commandstats readings (not info, ping).
commandstats_delta() {
  # (names may hold "_", as evalsha_ro: the name is what lies between "cmdstat_" and ":")
  awk -F'[:=,]' '/^cmdstat_/ { n = substr($1, 9); c = $3 } /^cmdstat_/ && FILENAME == ARGV[1] { b[n] = c; next }
    /^cmdstat_/ && n !~ /^(info|ping|monitor)$/ && c - b[n] > 0 { print n, c - b[n] }' "$1" "$2"
}
# redis_addrs PID: the local addresses (ip:port) of the JVM's connections to the shared Redis.
redis_addrs() { ss -tnpH state established '( dport = :6379 )' 2>/dev/null | awk -v p="pid=$1," 'index($0, p) {print $3}'; }
# monitor_sample PORT PID N OUT: N sequential creations with MONITOR on; OUT gets the commands that came from the
# JVM's connections or touched this run's keys (a script's own commands come as "[0 lua]": counted by key).
monitor_sample() {
  local port=$1 pid=$2 n=$3 out=$4 i
  redis_addrs "$pid" >"$work/addrs"
  stdbuf -oL redis-cli -h 127.0.0.1 -p 6379 MONITOR >"$work/monitor.raw" 2>/dev/null &
  monitor_pid=$!
  sleep 0.5
  for i in $(seq 1 "$n"); do curl -s -o /dev/null --max-time 5 "http://127.0.0.1:$port/bench?op=create" || true; done
  sleep 1.5 # writes that trail the answer (near-cache notices, write-behind) land in the sample too
  redis_addrs "$pid" >>"$work/addrs"
  kill -TERM "$monitor_pid" 2>/dev/null || true; wait "$monitor_pid" 2>/dev/null || true; monitor_pid=
  awk -v pre="\"$prefix" 'NR == FNR { a[$1 "]"] = 1; next } ($3 in a) || index($0, pre) { print }' \
    "$work/addrs" "$work/monitor.raw" >"$out"
}
# wrk_line FILE: the BENCH line of a wrk run (requests status_errors socket_errors p50us p99us seconds)
wrk_line() { grep '^BENCH' "$1" || { echo "[tomcat] no result from wrk: $(cat "$1")" >&2; exit 1; }; }

if [ "$mode" = create ] && [ -n "$rounds" ]; then
  duration=10; warmup=30; rewarm=3; label="--tomcat --create --rounds $rounds"
  [ -n "$seconds_given" ] && { duration=$seconds; label="$label --seconds $seconds"; }
  setups=${only:-spring redis tiered}; [ -n "$only" ] && label="$label --setups \"$only\""
  for s in $setups; do case "$s" in spring|redis|tiered) ;; *) echo "[tomcat] --create --rounds measures spring, redis and tiered (native and memory would keep every session in the heap), not $s" >&2; exit 64 ;; esac; done
  schema="uscreate$$"
  psql_test "CREATE SCHEMA $schema" >/dev/null || { echo "[tomcat] cannot create schema $schema" >&2; exit 1; }
  jpa_url="jdbc:postgresql://127.0.0.1:5432/test?currentSchema=$schema"
  tiered_prefix=${prefix}t: # its keys apart from redis's (both up at once), deleted with the run's
  tsv=$work/rounds.tsv; : >"$tsv"; : >"$work/threads.notes"
  declare -A setup_pid setup_port
  port=18400
  for setup in $setups; do
    port=$(free_port "$port"); war=$work/unisession.war; opts=$(settings "$setup" redis://127.0.0.1:6379)
    [ "$setup" = spring ] && { war=$work/spring.war; opts=$(spring_opts); }
    echo "[tomcat] create $setup: Tomcat $tomcat_version on 127.0.0.1:$port, ${warmup} s of warm-up"
    start_tomcat "$setup" "$port" "$war" $opts
    setup_pid[$setup]=$tomcat_pid; setup_port[$setup]=$port
    [ "$(curl -s --max-time 5 "http://127.0.0.1:$port/bench?op=create")" = created ] \
      || { echo "[tomcat] $setup: a creation did not answer 'created'" >&2; exit 1; }
    run_bounded $((warmup + 30)) wrk -t2 -c64 -d"${warmup}s" -s bench/wrk-create.lua "http://127.0.0.1:$port" >/dev/null
    port=$((port + 1))
  done
  # drained PORT: waits (at most 15 s) until a tiered node's health reports no write-behind backlog.
  drained() {
    local b
    for _ in $(seq 1 150); do
      b=$(curl -s --max-time 2 "http://127.0.0.1:$1/unisession/health" | grep -o '"backlog":[0-9]*' | cut -d: -f2 || true)
      [ "${b:-0}" = 0 ] && return 0
      sleep 0.1
    done
  }
  read -r -a order <<<"$setups"
  for round in $(seq 1 "$rounds"); do
    n=${#order[@]}
    for k in $(seq 0 $((n - 1))); do
      setup=${order[$(( (k + round - 1) % n ))]}; pid=${setup_pid[$setup]}; port=${setup_port[$setup]}
      load=$(cut -d' ' -f1 /proc/loadavg)
      run_bounded $((rewarm + 30)) wrk -t2 -c64 -d"${rewarm}s" -s bench/wrk-create.lua "http://127.0.0.1:$port" >/dev/null
      c0=$(cpu_ticks "$pid"); service_ticks >"$work/svc0"; thread_ticks "$pid" >"$work/thr0"
      run_bounded $((duration + 30)) wrk -t2 -c64 -d"${duration}s" -s bench/wrk-create.lua "http://127.0.0.1:$port" >"$work/wrk.out"
      c1=$(cpu_ticks "$pid"); service_ticks >"$work/svc1"; thread_ticks "$pid" >"$work/thr1"
      sc=$(service_delta "$work/svc0" "$work/svc1"); pg=$(service_delta "$work/svc0" "$work/svc1" postgres)
      line=$(wrk_line "$work/wrk.out"); read -r _ reqs status_err sock_err _ _ secs <<<"$line"
      thread_note "$setup, round $round" "$work/thr0" "$work/thr1" "$((reqs - status_err))" session >>"$work/threads.notes"
      [ "$setup" = tiered ] && thread_note "$setup, round $round" <(pg_roles "$work/svc0") <(pg_roles "$work/svc1") \
        "$((reqs - status_err))" session "PostgreSQL CPU by process" >>"$work/threads.notes"
      [ "$setup" = tiered ] && drained "$port"
      awk -v s="$setup" -v r="$round" -v l="$load" -v ok="$((reqs - status_err))" -v t="$secs" -v cpu="$((c1 - c0))" \
          -v sc="$sc" -v pg="$pg" -v hz="$(getconf CLK_TCK)" -v e="$status_err" -v x="$sock_err" \
        'BEGIN {printf "%s\t%d\t%s\t%.1f\t%.1f\t%.1f\t%d\t%d\t%.1f\n", s, r, l, ok / t, cpu / hz * 1e6 / ok, (sc - pg) / hz * 1e6 / ok, e, x, pg / hz * 1e6 / ok}' >>"$tsv"
      echo "[tomcat] round $round/$rounds: $(tail -1 "$tsv")"
    done
  done
  declare -A failed_lines
  for setup in $setups; do
    stop_tomcat "${setup_pid[$setup]}"
    failed_lines[$setup]=$(( $(log_count "Redis save failed" "$work/$setup") + $(log_count "Session store unavailable" "$work/$setup") \
      + $(log_count "Command still hasn't been written" "$work/$setup") + $(log_count "threw exception" "$work/$setup") ))
  done
  md=$results_dir/tomcat-create-rounds.md
  mkdir -p "$results_dir"
  {
    echo "## Session creation in rounds on the stock Tomcat $tomcat_version distribution (bench/run.sh $label)"
    echo
    echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(machine); every request a first visit without a cookie to \`op=create\`"
    echo "(BenchServlet: \`getSession()\`, one short attribute); wrk -t2 -c64 (bench/wrk-create.lua). The setups' Tomcats"
    echo "(as in tomcat-create.md: \`$jvm\`, stock conf/) were all up at once, each warmed up for $warmup s; each round"
    echo "measured every setup in turn for $duration s after $rewarm s of load, the order rotated by one each round, a tiered"
    echo "node's write-behind queue drained before the next setup's turn. Filter jar: $(jar_info)."
    echo
    echo "New sessions/s · server CPU µs/session · Redis CPU µs/session · PostgreSQL CPU µs/session, per round (load average at the"
    echo "setup's turn in brackets), and the ratios of each round's rates:"
    echo
    printf '| round |'; for s in $setups; do printf ' %s |' "$s"; done
    has() { [[ " $setups " == *" $1 "* ]]; }
    has redis && has spring && printf ' redis ÷ spring |'; has tiered && has redis && printf ' tiered ÷ redis |'; echo
    printf '| ---: |'; for s in $setups; do printf ' ---: |'; done
    has redis && has spring && printf ' ---: |'; has tiered && has redis && printf ' ---: |'; echo
    awk -F'\t' -v setups="$setups" '
      function median(a, n,   i, j, t) { for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
      { rate[$1, $2] = $4; cpu[$1, $2] = $5; svc[$1, $2] = $6; pg[$1, $2] = $9; load[$1, $2] = $3; err[$1] += $7 + $8; if ($2 > rounds) rounds = $2 }
      END { ns = split(setups, s, " "); for (i = 1; i <= ns; i++) has[s[i]] = 1
        for (r = 1; r <= rounds; r++) { printf "| %d |", r
          for (i = 1; i <= ns; i++) printf " %.0f · %.0f · %.0f · %.0f (%.1f) |", rate[s[i], r], cpu[s[i], r], svc[s[i], r], pg[s[i], r], load[s[i], r]
          if (has["redis"] && has["spring"]) { q = rate["redis", r] / rate["spring", r]; rsp[r] = q; printf " %.2f |", q }
          if (has["tiered"] && has["redis"]) { q = rate["tiered", r] / rate["redis", r]; tr[r] = q; printf " %.2f |", q }
          printf "\n" }
        printf "| **median** |"
        for (i = 1; i <= ns; i++) { for (r = 1; r <= rounds; r++) { a[r] = rate[s[i], r]; b[r] = cpu[s[i], r]; c[r] = svc[s[i], r]; d[r] = pg[s[i], r] }
          printf " **%.0f** · %.0f · %.0f · %.0f |", median(a, rounds), median(b, rounds), median(c, rounds), median(d, rounds) }
        if (has["redis"] && has["spring"]) printf " **%.2f** |", median(rsp, rounds)
        if (has["tiered"] && has["redis"]) printf " **%.2f** |", median(tr, rounds)
        printf "\n\nNon-2xx answers and socket errors, all rounds:"
        for (i = 1; i <= ns; i++) printf " %s %d;", s[i], err[s[i]]
        printf "\n" }' "$tsv"
    printf 'Failed-creation log lines (as in tomcat-create.md), whole run:'
    for s in $setups; do printf ' %s %s;' "$s" "${failed_lines[$s]}"; done; echo
    echo
    echo "Server CPU: utime+stime of the Tomcat JVM over the measured $duration s ÷ 2xx answers; Redis, PostgreSQL: the"
    echo "same for the shared redis-server, and for every postgres process (anyone else's use included). What a session"
    echo "costs the stores (commands, bytes, rows) is tomcat-create.md's (one setup at a time)."
    echo
    sort -s -t, -k1,1 "$work/threads.notes"
  } >"$md"
  cat "$md"
  exit 0
fi

if [ "$mode" = create ]; then
  duration=15; warmup=30; label="--tomcat --create"; sample=100
  [ -n "$seconds_given" ] && { duration=$seconds; label="$label --seconds $seconds"; }
  setups=${only:-native memory redis tiered spring}; [ -n "$only" ] && label="$label --setups \"$only\""
  max_load=${BENCH_MAX_LOAD:-3}
  for s in $setups; do case "$s" in native|memory|redis|tiered|spring) ;; *) echo "[tomcat] --create knows native memory redis tiered spring, not $s" >&2; exit 64 ;; esac; done
  # tiered writes into a schema of its own: its rows are counted and deleted without touching anyone else's.
  schema="uscreate$$"
  psql_test "CREATE SCHEMA $schema" >/dev/null || { echo "[tomcat] cannot create schema $schema" >&2; exit 1; }
  jpa_url="jdbc:postgresql://127.0.0.1:5432/test?currentSchema=$schema"
  tsv=$work/create.tsv; : >"$tsv"; notes=$work/create.notes; : >"$notes"
  port=18400

  # create_setup SETUP RUN: one measured setup; appends a row to $tsv and sets $load (the load average at start).
  create_setup() {
    local setup=$1 run=$2 name war opts cookie hdr pid keypat line w_reqs w_err reqs status_err sock_err p50us p99us secs
    local c0 c1 r0 r1 d0 d1 t0 t1 t_end m0 m1 sc created stored bytes rows_s rows_a prev i exact still failed unavailable thrown exc
    load=$(cut -d' ' -f1 /proc/loadavg)
    name=$setup; [ "$run" != 1 ] && name="$setup-$run"
    port=$(free_port "$port")
    keypat=; cookie=USESSION; war=$work/unisession.war; opts=$(settings "$setup" redis://127.0.0.1:6379)
    case "$setup" in
      native) war=$work/plain.war; opts=; cookie=JSESSIONID ;;
      spring) war=$work/spring.war; cookie=SESSION; keypat="${prefix}spring:sessions:*"
              opts=$(spring_opts) ;;
      redis|tiered) keypat="${prefix}{*}" ;;
    esac
    echo "[tomcat] create $name: load average $load at start; Tomcat $tomcat_version on 127.0.0.1:$port"
    echo "- $name: load average $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) before the setup started" >>"$notes"
    start_tomcat "$name" "$port" "$war" $opts
    pid=$tomcat_pid
    hdr=$(curl -s -D - -o "$work/body" --max-time 5 "http://127.0.0.1:$port/bench?op=create" | tr -d '\r')
    if ! grep -qi "^set-cookie: $cookie=" <<<"$hdr" || [ "$(cat "$work/body")" != created ]; then
      echo "[tomcat] $name: a creation answered '$(cat "$work/body")' with headers: $hdr" >&2; exit 1
    fi
    grep -i '^set-cookie:' <<<"$hdr" | awk -v n="$name" '{c++; b += length($0) + 2} END {printf "- %s: a creation'"'"'s answer carries %d Set-Cookie header(s), %d bytes\n", n, c, b}' >>"$notes"
    run_bounded $((warmup + 30)) wrk -t2 -c64 -d"${warmup}s" -s bench/wrk-create.lua "http://127.0.0.1:$port" >"$work/warm.out"
    line=$(wrk_line "$work/warm.out"); read -r _ w_reqs w_err _ <<<"$line"
    sleep 1
    t0=$(redis_trips "$port"); rcli INFO commandstats >"$work/cs0"; m0=$(used_memory); d0=$(db_tx); c0=$(cpu_ticks "$pid")
    service_ticks >"$work/svc0"; thread_ticks "$pid" >"$work/thr0"
    run_bounded $((duration + 30)) wrk -t2 -c64 -d"${duration}s" -s bench/wrk-create.lua "http://127.0.0.1:$port" >"$work/wrk.out"
    c1=$(cpu_ticks "$pid"); thread_ticks "$pid" >"$work/thr1"; service_ticks >"$work/svc1"; rcli INFO commandstats >"$work/cs1"; m1=$(used_memory); d1=$(db_tx)
    t1=$(redis_trips "$port"); t_end=$SECONDS
    sc=$(service_delta "$work/svc0" "$work/svc1")
    line=$(wrk_line "$work/wrk.out"); read -r _ reqs status_err sock_err p50us p99us secs <<<"$line"
    thread_note "$name" "$work/thr0" "$work/thr1" "$((reqs - status_err))" session >>"$notes"
    created=$((1 + w_reqs - w_err + reqs - status_err)) # answers that made a session: the check, warm-up, run
    # What the store holds: Redis keys of the run (MEMORY USAGE of all of them, indexes included, per session
    # stored) and, for tiered, rows in the run's schema once the write-behind has drained.
    stored=-; bytes=-; rows_s=-; rows_a=-
    [ -n "$keypat" ] && stored=$(keys_matching "$keypat")
    if [ "$setup" = tiered ]; then
      # The write-behind drains in its own time: wait until the rows reach the sessions Redis holds, or stop
      # growing for 10 s, at most 90 s.
      prev=-1; i=0
      for _ in $(seq 1 90); do
        rows_s=$(psql_test "SELECT count(*) FROM $schema.us_session")
        [ "$rows_s" -ge "$stored" ] && break
        if [ "$rows_s" = "$prev" ]; then i=$((i + 1)); [ "$i" -ge 10 ] && break; else i=0; fi
        prev=$rows_s; sleep 1
      done
      rows_a=$(psql_test "SELECT count(*) FROM $schema.us_attribute")
      echo "- $name: database rows $rows_s us_session, $rows_a us_attribute for $stored sessions in Redis, $((SECONDS - t_end)) s after the run" >>"$notes"
      h=$(curl -s --max-time 5 "http://127.0.0.1:$port/unisession/health" | cut -c1-600 || true)
      echo "- $name: health after the drain: \`$h\`" >>"$notes"
    fi
    if [ -n "$keypat" ]; then
      bytes=$(key_bytes "$prefix*")
      rcli --scan --pattern "$prefix*" | sed -E 's/\{[^}]*\}/{ID}/; s/:sessions:.*/:sessions:ID/; s/:x:[0-9]+$/:x:N/' | sort | uniq -c \
        | awk -v n="$name" '{k = k sprintf("%s`%s` × %d", (k ? ", " : ""), $2, $1)} END {print "- " n ": keys after the run: " k}' >>"$notes"
      monitor_sample "$port" "$pid" "$sample" "$work/$name.monitor"
      exact=$(awk -v n="$sample" 'END {printf "%.2f", NR / n}' "$work/$name.monitor")
      awk '{gsub(/"/, "", $4); c[toupper($4)]++} END {for (k in c) print c[k], k}' "$work/$name.monitor" | sort -rn \
        | awk -v n="$sample" -v s="$name" '{k = k sprintf("%s%s %.2f", (k ? ", " : ""), $2, $1 / n)} END {print "- " s ": Redis commands per creation (MONITOR, " n " sequential creations): " (k ? k : "none")}' >>"$notes"
    else
      exact=-
    fi
    commandstats_delta "$work/cs0" "$work/cs1" | sort -k2 -rn | head -8 \
      | awk -v n="$((reqs - status_err))" -v s="$name" '{k = k sprintf("%s%s %.2f", (k ? ", " : ""), $1, $2 / n)} END {print "- " s ": server-wide Redis commands per created session under load (all clients): " (k ? k : "none")}' >>"$notes"
    r0=$(commandstats_delta /dev/null "$work/cs0" | awk '{s += $2} END {print s + 0}')
    r1=$(commandstats_delta /dev/null "$work/cs1" | awk '{s += $2} END {print s + 0}')
    stop_tomcat "$pid" # the logs are complete once the node is down
    if [ "$setup" = tiered ]; then
      # The node flushes its backlog when it stops: the rows a session costs, counted once all are written.
      rows_s=$(psql_test "SELECT count(*) FROM $schema.us_session"); rows_a=$(psql_test "SELECT count(*) FROM $schema.us_attribute")
      echo "- $name: after the node stopped: $rows_s us_session and $rows_a us_attribute rows (sessions created in all, MONITOR sample included: $((created + sample)))" >>"$notes"
      created=$((created + sample))
    fi
    still=$(log_count "Command still hasn't been written" "$work/$name")
    failed=$(log_count "Redis save failed" "$work/$name")
    unavailable=$(log_count "Session store unavailable" "$work/$name")
    thrown=$(log_count "threw exception" "$work/$name")
    exc=$(log_count "Exception" "$work/$name")
    { log_lines "failed" "$work/$name"; log_lines "Exception" "$work/$name"; log_lines "Command still hasn't been written" "$work/$name"
      log_lines "Session store unavailable" "$work/$name"; } \
      | sed -E 's/^[0-9A-Za-z-]+ [0-9:.]+ //; s/[0-9a-f]{8,}|[0-9]+/N/g' | cut -c1-160 | sort | uniq -c | sort -rn | head -4 \
      | awk -v s="$name" '{c = $1; $1 = ""; print "- " s ": log, " c " × `" substr($0, 2) "`"}' >>"$notes" || true
    # The next setup starts from an empty store: this run's keys and rows go.
    rcli --scan --pattern "$prefix*" | xargs -r -n 1000 redis-cli -h 127.0.0.1 -p 6379 DEL >/dev/null
    [ "$setup" = tiered ] && psql_test "TRUNCATE $schema.us_session, $schema.us_attribute" >/dev/null 2>&1 || true
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
      "$name" "$load" "$reqs" "$status_err" "$sock_err" "$p50us" "$p99us" "$secs" "$((c1 - c0))" "$sc" "$((r1 - r0))" \
      "$((t1 - t0))" "$((d1 - d0))" "$((m1 - m0))" "$created" "$stored" "$bytes" "$rows_s" "$rows_a" "$exact" \
      "$still" "$failed" "$unavailable" "$thrown" "$exc" >>"$tsv"
    tail -1 "$tsv"
    port=$((port + 1))
  }

  for setup in $setups; do
    create_setup "$setup" 1
    if awk -v l="$load" -v m="$max_load" 'BEGIN {exit !(l > m)}'; then
      echo "[tomcat] $setup started at load average $load (> $max_load): once more"
      create_setup "$setup" 2
    fi
  done

  md=$results_dir/tomcat-create.md
  mkdir -p "$results_dir"
  {
    echo "## Session creation on the stock Tomcat $tomcat_version distribution (bench/run.sh $label)"
    echo
    echo "$(date -u +%Y-%m-%d), $(machine); every request a first visit without a cookie to \`op=create\` (BenchServlet:"
    echo "\`getSession()\`, one short attribute), so every 2xx answer made a session; wrk -t2 -c64 (bench/wrk-create.lua)"
    echo "for $duration s after $warmup s of warm-up. Each setup: an unpacked \`org.apache.tomcat:tomcat:$tomcat_version\` zip,"
    echo "own CATALINA_BASE, \`catalina.sh run\` with \`$jvm\`, stock conf/ but the connector on 127.0.0.1. native:"
    echo "container sessions (no jar); memory/redis/tiered: \`unisession-filter-*-all.jar\` in WEB-INF/lib, settings as"
    echo "\`-Dunisession.*\`; spring: Spring Session Data Redis 4.0.4 (spring-data-redis 4.0.6, Lettuce 7.2.3) jars in"
    echo "WEB-INF/lib, no Spring Boot: a ServletContextListener (bench's SpringSessionListener) builds a"
    echo "\`RedisSessionRepository\` (what \`@EnableRedisHttpSession\` configures by default: one hash per session with a TTL,"
    echo "no indexes; the indexed repository is \`@EnableRedisIndexedHttpSession\`'s) over a \`LettuceConnectionFactory\`,"
    echo "JDK-serialized values, and registers \`SessionRepositoryFilter\`. Filter jar: $(jar_info)."
    echo
    echo "| setup | load avg at start | new sessions/s | × container | p50 ms | p99 ms | server CPU µs/session | Redis + PostgreSQL CPU µs/session | non-2xx | socket errors | failed-creation log lines | log lines with \"Exception\" |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    awk -F'\t' -v hz="$(getconf CLK_TCK)" '
      { rows[NR] = $0; ok = $3 - $4; if ($1 ~ /^native/) nat = ok / $8 }
      END { for (i = 1; i <= NR; i++) { split(rows[i], f, "\t"); ok = f[3] - f[4]
              printf "| %s | %.2f | %.0f | %s | %.2f | %.2f | %.0f | %.0f | %d | %d | %d | %d |\n", f[1], f[2], ok / f[8],
                (nat > 0 ? sprintf("%.2f", ok / f[8] / nat) : "–"), f[6] / 1000, f[7] / 1000,
                (ok > 0 ? f[9] / hz * 1e6 / ok : 0), (ok > 0 ? f[10] / hz * 1e6 / ok : 0), f[4], f[5],
                f[21] + f[22] + f[23] + f[24], f[25] } }' "$tsv"
    echo
    echo "What a created session costs the stores:"
    echo
    echo "| setup | Redis commands/session (MONITOR, exact) | Redis commands/session under load (server-wide) | Redis round trips/session (node's count) | Redis bytes/session (MEMORY USAGE, indexes incl.) | Redis bytes/session (used_memory growth) | sessions stored − created answers | DB rows/session us_session + us_attribute | DB tx/session (server-wide) |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    # tiered: $15 counts the MONITOR sample too (for rows per session), $16 was counted before it
    awk -F'\t' -v sample="$sample" '
      function per(a, b) { return (a == "-" || b <= 0) ? "–" : sprintf("%.2f", a / b) }
      { ok = $3 - $4; redis = ($16 != "-")
        printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, ($20 == "-" ? "–" : $20),
          (redis ? per($11, ok) : "–"), ($1 ~ /^(redis|tiered)/ ? per($12, ok) : "–"),
          (redis ? per($17, $16) : "–"), (redis ? sprintf("%.0f", $14 / ok) : "–"), (redis ? sprintf("%+d", $16 - $15 + ($1 ~ /^tiered/ ? sample : 0)) : "–"),
          ($18 == "-" ? "–" : per($18, $15) " + " per($19, $15)), ($1 ~ /^tiered/ ? ($13 / ok < 0.01 ? sprintf("%.4f", $13 / ok) : per($13, ok)) : "–") }' "$tsv"
    echo
    echo "Notes, per setup (load averages, what the store held, which commands a creation sends, log lines):"
    echo
    cat "$notes"
    echo
    echo "Columns. new sessions/s: 2xx answers of the measured run per second (each one a new session); × container:"
    echo "against the (last) native row. Server CPU:"
    echo "utime+stime of the Tomcat JVM (/proc/<pid>/stat) over the measured run ÷ 2xx answers; Redis + PostgreSQL CPU:"
    echo "the same for the shared redis-server and every postgres process (includes anyone else's use meanwhile)."
    echo "failed-creation log lines: lines in the node's console and localhost logs with \"Redis save failed\", \"Session"
    echo "store unavailable\", \"Command still hasn't been written\" or \"threw exception\"; the last column counts every"
    echo "line with \"Exception\" (stack-trace lines included). Redis commands, MONITOR: after the measured run, $sample"
    echo "sequential creations with MONITOR on, counting the commands from the node's own connections (ss) and those of"
    echo "Lua scripts on this run's keys, ÷ $sample; as INFO commandstats counts them (a script: EVALSHA plus each command it"
    echo "runs). Under load: INFO commandstats delta of the shared Redis over the measured run ÷ 2xx answers (other"
    echo "clients of the shared server included). Round trips: the node's health endpoint's redis \"calls\". Bytes,"
    echo "MEMORY USAGE: every key of the run's prefix (session hashes, expiry index, tombstones, ...) summed after the run"
    echo "÷ sessions stored (key-space dictionary entries of the expires table not included); used_memory growth: INFO"
    echo "memory's used_memory after − before the measured run ÷ 2xx answers of it (noisy: the shared server). sessions"
    echo "stored − created answers: session keys in Redis after the run − 2xx creation answers wrk counted (check,"
    echo "warm-up, run): 0 to +128 are the requests in flight when wrk stopped (64 connections, twice), which the server"
    echo "answered but wrk did not count; below 0 means answers with a cookie for a session never stored. DB rows: rows in the run's own schema once the"
    echo "node stopped (it flushes its backlog then) ÷ created sessions (MONITOR sample included); DB tx: pg_stat_database xact_commit delta of database test (other"
    echo "users included)."
  } >"$md"
  cat "$md"
  exit 0
fi

# --------------------------------------------------------------------------------------------------------------
if [ "$mode" = tomcat ]; then
  if [ -n "$quick" ]; then duration=5; warmup=3; rewarm=2; sessions=2000; label="--tomcat --quick"; default_rounds=1
  else duration=30; warmup=60; rewarm=10; sessions=10000; label="--tomcat"; default_rounds=3; fi
  rounds=${rounds:-$default_rounds}
  [ "$rounds" != "$default_rounds" ] && label="$label --rounds $rounds"
  [ -n "$seconds_given" ] && { duration=$seconds; label="$label --seconds $seconds"; }
  [ "$writes" != 10 ] && label="$label --writes $writes"
  [ -n "$hog" ] && label="$label --hog"
  setups=${only:-native wrap memory redis tiered}; [ -n "$only" ] && label="$label --setups \"$only\""
  tsv="$work/tomcat.tsv"; : >"$tsv"; thrnotes=$work/threads.notes; : >"$thrnotes"
  port=18290
  # Every setup's Tomcat is started, seeded and warmed up first and stays up; then each round measures every setup
  # in turn, so that a host whose speed drifts (a shared machine: other tenants, the kernel's own work) is sampled
  # alike for all setups. The table gives per setup the median of its rounds.
  declare -A setup_pid setup_port
  tiered_prefix=${prefix}t:
  # tiered writes into a schema of its own, dropped at the end: rows an earlier run left in a shared schema expire
  # during a later one, and its tiered node's expiry sweep then deletes them (hundreds per second, in Redis and the
  # database) while other setups are measured.
  schema="ustomcat$$"
  psql_test "CREATE SCHEMA $schema" >/dev/null || { echo "[tomcat] cannot create schema $schema" >&2; exit 1; }
  jpa_url="jdbc:postgresql://127.0.0.1:5432/test?currentSchema=$schema"
  for setup in $setups; do
    port=$(free_port "$port")
    war=$work/unisession.war; opts=$(settings "$setup" redis://127.0.0.1:6379)
    [ "$setup" = native ] && { war=$work/plain.war; opts=; }
    [ "$setup" = wrap ] && { war=$work/wrap.war; opts=; }
    echo "[tomcat] $setup: starting Tomcat $tomcat_version on 127.0.0.1:$port"
    start_tomcat "$setup" "$port" "$war" $opts
    setup_pid[$setup]=$tomcat_pid; setup_port[$setup]=$port
    cookies=$work/cookies-$setup.txt
    run_bounded 300 java -jar "$jar" seed "http://127.0.0.1:$port" "$sessions" "$cookies" \
      || { echo "[tomcat] $setup failed to seed:" >&2; tail -40 "$work/$setup/logs/console.log" >&2; exit 1; }
    want=USESSION; case "$setup" in native|wrap) want=JSESSIONID ;; esac
    first=$(head -1 "$cookies")
    [[ "; $first" == *"; $want="* ]] || { echo "[tomcat] $setup: seeded cookies are '$first', no $want" >&2; exit 1; }
    check=$(curl -s --max-time 5 -H "Cookie: $first" "http://127.0.0.1:$port/bench?op=read")
    [[ "$check" == user*" member "* ]] || { echo "[tomcat] $setup: a seeded session reads as '$check'" >&2; exit 1; }
    run_bounded $((warmup + 30)) wrk -t2 -c64 -d"${warmup}s" -s bench/wrk.lua "http://127.0.0.1:$port" -- "$cookies" "$writes" >/dev/null
    port=$((port + 1))
  done
  for round in $(seq 1 "$rounds"); do
    for setup in $setups; do
      pid=${setup_pid[$setup]}; port=${setup_port[$setup]}; cookies=$work/cookies-$setup.txt
      # A few seconds of load first: the setup sat idle while the others were measured.
      run_bounded $((rewarm + 30)) wrk -t2 -c64 -d"${rewarm}s" -s bench/wrk.lua "http://127.0.0.1:$port" -- "$cookies" "$writes" >/dev/null
      sleep 1
      hogs=()
      if [ -n "$hog" ]; then
        for _ in $(seq 1 "$(nproc)"); do sh -c 'while :; do :; done' & hogs+=($!); done
      fi
      t0=$(redis_trips "$port"); r0=$(redis_calls); d0=$(db_tx); c0=$(cpu_ticks "$pid"); service_ticks >"$work/svc0"
      thread_ticks "$pid" >"$work/thr0"
      run_bounded $((duration + 30)) wrk -t2 -c64 -d"${duration}s" -s bench/wrk.lua "http://127.0.0.1:$port" -- "$cookies" "$writes" >"$work/wrk.out"
      c1=$(cpu_ticks "$pid"); thread_ticks "$pid" >"$work/thr1"; service_ticks >"$work/svc1"; r1=$(redis_calls); d1=$(db_tx); t1=$(redis_trips "$port")
      sc=$(service_delta "$work/svc0" "$work/svc1")
      [ ${#hogs[@]} -gt 0 ] && { kill "${hogs[@]}" 2>/dev/null || true; wait "${hogs[@]}" 2>/dev/null || true; }
      out=$(cat "$work/wrk.out")
      line=$(echo "$out" | grep '^BENCH') || { echo "[tomcat] $setup: no result from wrk: $out" >&2; exit 1; }
      read -r _ reqs status_err sock_err p50us p99us secs <<<"$line"
      thread_note "$setup, round $round" "$work/thr0" "$work/thr1" "$reqs" request >>"$thrnotes"
      awk -v s="$setup" -v n="$reqs" -v t="$secs" -v a="$p50us" -v b="$p99us" -v r="$((r1 - r0))" -v d="$((d1 - d0))" \
          -v cpu="$((c1 - c0))" -v hz="$(getconf CLK_TCK)" -v e="$status_err" -v x="$sock_err" -v rt="$((t1 - t0))" -v sc="$sc" \
        'BEGIN {printf "%s\t%.1f\t%.3f\t%.3f\t%.1f\t%.3f\t%.4f\t%d\t%d\t%.3f\t%.1f\n", s, n/t, a/1000, b/1000, cpu/hz*1e6/n, r/n, d/n, e, x, rt/n, sc/hz*1e6/n}' >>"$tsv"
      echo "[tomcat] round $round/$rounds: $(tail -1 "$tsv")"
    done
  done
  # Mode switches: a tiered node that took Redis for gone switched (with its cluster) to the database.
  declare -A switches
  for setup in $setups; do
    stop_tomcat "${setup_pid[$setup]}"
    switches[$setup]=$(log_count "this node serves from the database tier" "$work/$setup")
  done
  # Per setup: the median of each measured figure over the rounds, the sums of the error counts, and every
  # round's req/s and CPU µs/req (the spread).
  summary="$work/tomcat-summary.tsv"; : >"$summary"
  for setup in $setups; do
    awk -F'\t' -v s="$setup" -v sw="${switches[$setup]}" '
      function median(col,   n, i, j, t, v) { n = 0
        for (i = 1; i <= rows; i++) v[++n] = val[i, col]
        for (i = 2; i <= n; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
        return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }
      $1 == s { rows++; for (c = 2; c <= NF; c++) val[rows, c] = $c
                e += $8; x += $9; spread = spread (rows > 1 ? " · " : "") sprintf("%.1fk/%.0f", $2 / 1000, $5) }
      END { if (!rows) exit
            printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s\n", s, median(2), median(3), median(4),
                   median(5), median(6), median(7), e, x, median(10), median(11), sw, spread }' "$tsv" >>"$summary"
  done
  md=$results_dir/tomcat.md; [ -n "$hog" ] && md=$results_dir/tomcat-hog.md
  mkdir -p "$results_dir"
  {
    echo "## Stock Tomcat $tomcat_version distribution (bench/run.sh $label)"
    echo
    echo "$(date -u +%Y-%m-%d), $(machine); wrk -t2 -c64 for ${duration} s after ${warmup} s of warm-up over $sessions"
    echo "seeded sessions; $((100 - writes)) % reads of three attributes, $writes % writes of one. Each setup: an unpacked"
    echo "\`org.apache.tomcat:tomcat:$tomcat_version\` zip, own CATALINA_BASE, \`catalina.sh run\` with \`$jvm\`, stock"
    echo "conf/ (access log on) but the connector on 127.0.0.1; the WAR's servlet is bench's BenchServlet; unisession as"
    echo "\`unisession-filter-*-all.jar\` in WEB-INF/lib, settings as \`-Dunisession.*\` in CATALINA_OPTS; PostgreSQL"
    echo "driver in the base's lib/. Filter jar: $(jar_info)."
    echo
    [ -n "$hog" ] && echo "A busy loop per core ($(nproc)) ran beside each measured run: a saturated host." && echo
    echo "Each figure is the median over $rounds round(s); every setup's Tomcat was started, seeded and warmed up first and"
    echo "stayed up, and each round measured the setups in turn, each after ${rewarm} s of load (it sat idle meanwhile)."
    echo
    echo "| setup | req/s | × native | p50 ms | p99 ms | server CPU µs/req | × native CPU | Redis + PostgreSQL CPU µs/req | Redis round trips/req | Redis cmds/req | DB tx/req | non-2xx | socket errors | switches to the database | rounds: req/s / CPU µs/req |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
    awk -F'\t' '
      BEGIN { l["native"] = "Tomcat, container sessions (no jar)"; l["memory"] = "Tomcat + unisession memory"
              l["wrap"] = "Tomcat, container sessions + a filter that only wraps request and response"
              l["redis"] = "Tomcat + unisession redis"; l["tiered"] = "Tomcat + unisession tiered (Redis + PostgreSQL)" }
      $1 == "native" { nat = $2; natcpu = $5 }
      { rows[NR] = $0 }
      END { for (i = 1; i <= NR; i++) { split(rows[i], f, "\t")
              printf "| %s | %.0f | %s | %.2f | %.2f | %.1f | %s | %.1f | %.3f | %.3f | %.4f | %d | %d | %d | %s |\n", l[f[1]], f[2],
                     (nat > 0 ? sprintf("%.2f", f[2] / nat) : "–"), f[3], f[4], f[5],
                     (natcpu > 0 ? sprintf("%.2f", f[5] / natcpu) : "–"), f[11], f[10], f[6], f[7], f[8], f[9], f[12], f[13] } }' "$summary"
    echo
    echo "Server CPU: utime+stime of the Tomcat JVM (/proc/<pid>/stat) over the measured run, per request; Redis +"
    echo "PostgreSQL CPU: the same for every postgres process and the shared redis-server (what the stores cost beside the"
    echo "JVM; includes any other use of the shared servers meanwhile). Redis round"
    echo "trips: the node's own count of its Redis calls (the \"calls\" of its health endpoint's redis tier; a script or"
    echo "a pipelined batch is one). Redis commands (each command a script runs counts) and database transactions are server-wide counters (INFO commandstats, pg_stat_database"
    echo "xact_commit) of the shared servers, so they include whatever else used them meanwhile (the memory row"
    echo "shows that background). non-2xx: wrk's count of answers with status ≥ 400."
    echo
    cat "$thrnotes"
  } >"$md"
  cat "$md"
  exit 0
fi

# --------------------------------------------------------------------------------------------------------------
# --two-node
redis_port=6379
if [ -n "$pause" ]; then
  command -v redis-server >/dev/null || { echo "[tomcat] redis-server is needed for --pause-redis" >&2; exit 1; }
  redis_port=$(free_port 16390)
  mkdir -p "$work/redis"
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work/redis" \
    --logfile "$work/redis/redis.log" >/dev/null 2>&1 &
  redis_pid=$!
  for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 -p "$redis_port" PING 2>/dev/null | grep -q PONG && break; sleep 0.1; done
  redis-cli -h 127.0.0.1 -p "$redis_port" PING 2>/dev/null | grep -q PONG || { echo "[tomcat] private redis-server did not start" >&2; exit 1; }
  [ "$redis_port" != 6379 ] && grep -q redis-server "/proc/$redis_pid/cmdline" || { echo "[tomcat] pid $redis_pid is not our redis-server" >&2; exit 1; }
  echo "[tomcat] private redis-server pid $redis_pid on 127.0.0.1:$redis_port (stopped 300 ms every 2 s during the load)"
fi
redis_url=redis://127.0.0.1:$redis_port
tsv="$work/two-node.tsv"; : >"$tsv"
failed=0
port=18300
for store in redis tiered; do
  p1=$(free_port "$port"); p2=$(free_port $((p1 + 1))); port=$((p2 + 1))
  opts=$(settings "$store" "$redis_url")
  echo "[tomcat] two-node $store: nodes on 127.0.0.1:$p1 and 127.0.0.1:$p2, Redis $redis_url"
  start_tomcat "$store-1" "$p1" "$work/unisession.war" $opts; n1=$tomcat_pid
  start_tomcat "$store-2" "$p2" "$work/unisession.war" $opts; n2=$tomcat_pid
  pause_args=()
  [ -n "$pause" ] && pause_args=(--pause-pid "$redis_pid" --pause-ms 300 --pause-every-ms 2000)
  rc=0
  run_bounded $((seconds + 300)) java -cp "$jar" dev.unisession.bench.TwoNodeLoad --label "$store" \
    --nodes "http://127.0.0.1:$p1,http://127.0.0.1:$p2" --sessions 64 --connections 32 --seconds "$seconds" \
    --result "$work/$store.result" "${pause_args[@]+"${pause_args[@]}"}" || rc=$?
  [ -n "$pause" ] && kill -CONT "$redis_pid" 2>/dev/null || true
  stop_tomcat "$n1"; stop_tomcat "$n2" # the logs are complete once the nodes are down
  [ "$rc" = 0 ] || failed=1
  [ "$rc" = 124 ] && echo "FAIL $store: the load client did not finish in time"
  still=$(log_count "Command still hasn't been written" "$work/$store-1" "$work/$store-2")
  fails=$(log_count "failed" "$work/$store-1" "$work/$store-2")
  unavailable=$(log_count "Session store unavailable" "$work/$store-1" "$work/$store-2")
  thrown=$(log_count "threw exception" "$work/$store-1" "$work/$store-2")
  # A tiered node that takes Redis for gone switches (with its cluster) to the database; a slow
  # (paused) Redis must never cause one.
  switches=$(log_count "this node serves from the database tier" "$work/$store-1" "$work/$store-2")
  if [ -n "$pause" ] && [ "$switches" != 0 ]; then
    failed=1; echo "FAIL $store: $switches switches to the database while Redis was only slow"
  fi
  if [ -s "$work/$store.result" ]; then
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(cut -f2- "$work/$store.result")" "$still" "$fails" "$unavailable" "$thrown" \
      "$switches" >>"$tsv"
  else
    printf '%s\t0\t0\t–\t–\t–\t–\t–\t–\t–\t–\t–\t–\t–\t–\t%s\t%s\t%s\t%s\t%s\t%s\n' "$store" "NO RESULT (exit $rc)" "$still" "$fails" "$unavailable" "$thrown" "$switches" >>"$tsv"
  fi
  { log_lines "failed" "$work/$store-1" "$work/$store-2"; log_lines "Command still hasn't been written" "$work/$store-1" "$work/$store-2"; } \
    | sed -E 's/^[0-9A-Za-z-]+ [0-9:.]+ //; s/[0-9a-f]{8,}|[0-9]+/N/g' | cut -c1-200 | sort | uniq -c | sort -rn | head -6 \
    | sed 's/^/[tomcat]   log: /' || true
done

md=$results_dir/two-node.md; title="Two stock Tomcat nodes, one Redis"
[ -n "$pause" ] && { md=$results_dir/two-node-pause-redis.md; title="Two stock Tomcat nodes, a private Redis stopped 300 ms every 2 s"; }
mkdir -p "$results_dir"
{
  echo "## $title (bench/run.sh --two-node $seconds${pause:+ --pause-redis})"
  echo
  echo "$(date -u +%Y-%m-%d), $(machine). Tomcat $tomcat_version distribution (own CATALINA_BASE each, \`$jvm\`),"
  echo "the same WAR (BenchServlet + \`unisession-filter-*-all.jar\` in WEB-INF/lib) and settings on both, no affinity;"
  echo "dev.unisession.bench.TwoNodeLoad: 64 sessions used from both nodes at once, 32 client threads per node, $seconds s;"
  echo "90 % reads that check the three seeded attributes, 10 % writes of an attribute of a unique name, then every"
  echo "session's attribute names read on both nodes. Filter jar: $(jar_info)."
  echo
  awk -F'\t' '
    { n++; for (i = 1; i <= NF; i++) v[n, i] = $i }
    END {
      split("4:req/s|3:requests|2:seconds of load|5:answers by status|6:503 without Retry-After|7:requests with no HTTP answer|" \
            "8:reads that found no data|9:writes answered for another or no session|10:acknowledged writes|" \
            "11:**acknowledged writes lost** (missing on every node)|12:acknowledged writes missing on some node only|" \
            "13:missing per node|14:final reads that got no 2xx|15:Redis pauses|" \
            "17:log lines \"Command still hasn\x27t been written\"|18:log lines \"failed\"|" \
            "19:log lines \"Session store unavailable\"|20:log lines \"threw exception\"|" \
            "21:switches to the database (Redis taken for gone)|16:**verdict**", rows, "|")
      printf "| store |"; for (j = 1; j <= n; j++) printf " %s |", v[j, 1]; printf "\n| --- |"
      for (j = 1; j <= n; j++) printf " ---: |"; printf "\n"
      for (r = 1; r in rows; r++) {
        k = substr(rows[r], 1, index(rows[r], ":") - 1); label = substr(rows[r], index(rows[r], ":") + 1)
        printf "| %s |", label; for (j = 1; j <= n; j++) printf " %s |", (k == 16 ? "**" v[j, k] "**" : v[j, k]); printf "\n"
      }
    }' "$tsv"
  echo
  echo "Expected (the checks that make the client exit non-zero and print FAIL): only 2xx and 503 answers, every"
  echo "503 with Retry-After, every request answered, 0 reads that found no data (404, a missing seeded attribute,"
  echo "another session, or a Set-Cookie for another session or clearing it), 0 acknowledged (2xx) writes missing"
  echo "from any node's final view (read 1 s after the load with the client's newest cookies). Log counts: lines"
  echo "in both nodes' console and localhost logs, start to shutdown (Tomcat's own leak warnings at undeploy left"
  echo "out); \"threw exception\": exceptions that reached Tomcat (localhost log)."
} >"$md"
cat "$md"
exit "$failed"
