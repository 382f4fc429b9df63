#!/usr/bin/env bash
# Local single-node Apache Kafka (KRaft, combined broker+controller) on 127.0.0.1,
# without Docker: the jars come from Maven Central (deploy/local/kafka/pom.xml).
#
#   deploy/local/kafka.sh start          resolve jars (once), format storage (once), start,
#                                        wait until the broker answers, create the topics
#   deploy/local/kafka.sh stop           SIGTERM, wait up to KAFKA_STOP_TIMEOUT s, then SIGKILL
#   deploy/local/kafka.sh status
#   deploy/local/kafka.sh create-topics  create the contract topics if missing
#   deploy/local/kafka.sh reset          stop and wipe the data directory
#   deploy/local/kafka.sh cli TOOL [ARGS...]
#        run a Kafka CLI tool from the resolved jars; TOOL is one of
#        topics, console-producer, console-consumer, consumer-groups, storage,
#        or a fully qualified main class. Example:
#        deploy/local/kafka.sh cli topics --bootstrap-server 127.0.0.1:9092 --list
#
# Environment (all optional):
#   KAFKA_PORT               broker listener on 127.0.0.1            (default 9092)
#   KAFKA_CONTROLLER_PORT    KRaft controller listener on 127.0.0.1  (default KAFKA_PORT+1)
#   KAFKA_PARTITIONS         partitions of the contract topics       (default 6)
#   KAFKA_DATA_DIR           config, logs and data                   (default <repo>/.run/kafka)
#   KAFKA_LIB_DIR            resolved jars                           (default <repo>/.cache/kafka/lib)
#   KAFKA_HEAP_OPTS          broker heap                             (default -Xms256m -Xmx768m)
#   KAFKA_START_TIMEOUT      seconds to wait for the broker          (default 180)
#   KAFKA_STOP_TIMEOUT       seconds to wait after SIGTERM           (default 30)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SCRIPT_DIR/../.." && pwd)"
# shellcheck source=deploy/local/env.sh
source "$SCRIPT_DIR/env.sh"

KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}"
KAFKA_DATA_DIR="${KAFKA_DATA_DIR:-$REPO/.run/kafka}"
KAFKA_LIB_DIR="${KAFKA_LIB_DIR:-$REPO/.cache/kafka/lib}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx768m}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-180}"
KAFKA_STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"
TOPICS=(market.ticks campaign.events market.ticks.dlq)

case "$KAFKA_DATA_DIR" in /*) ;; *) KAFKA_DATA_DIR="$PWD/$KAFKA_DATA_DIR" ;; esac
case "$KAFKA_LIB_DIR" in /*) ;; *) KAFKA_LIB_DIR="$PWD/$KAFKA_LIB_DIR" ;; esac
KAFKA_DATA_DIR="${KAFKA_DATA_DIR%/}"
KAFKA_LIB_DIR="${KAFKA_LIB_DIR%/}"

POM="$SCRIPT_DIR/kafka/pom.xml"
CACHE_DIR="$(dirname "$KAFKA_LIB_DIR")"
TOOLS_LOG4J="$CACHE_DIR/tools-log4j2.properties"
BOOTSTRAP="127.0.0.1:$KAFKA_PORT"

SERVER_PROPS="$KAFKA_DATA_DIR/server.properties"
SERVER_LOG4J="$KAFKA_DATA_DIR/log4j2.properties"
ADMIN_PROPS="$KAFKA_DATA_DIR/admin.properties"
SERVER_LOG="$KAFKA_DATA_DIR/server.log"
STDOUT_LOG="$KAFKA_DATA_DIR/kafka.out"
PID_FILE="$KAFKA_DATA_DIR/kafka.pid"
LOG_DIRS="$KAFKA_DATA_DIR/data"
LOCK_FILE="$KAFKA_DATA_DIR.lock"

log() { echo "[kafka] $*"; }
warn() { echo "[kafka] WARNING: $*" >&2; }
die() { echo "[kafka] ERROR: $*" >&2; exit 1; }

apt_install() {
  [[ $EUID -eq 0 ]] || die "missing packages ($*) and not root: install them first"
  export DEBIAN_FRONTEND=noninteractive
  local opts=(-y -q --no-install-recommends -o DPkg::Lock::Timeout=300)
  log "installing $* with apt-get"
  if ! apt-get install "${opts[@]}" "$@"; then
    log "apt-get install failed; running apt-get update and retrying"
    apt-get update -q -o DPkg::Lock::Timeout=300 || die "apt-get update failed"
    apt-get install "${opts[@]}" "$@" || die "apt-get install $* failed"
  fi
}

ensure_java() {
  local major
  if command -v java >/dev/null 2>&1; then
    major="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')"
    if [[ "${major%%.*}" =~ ^[0-9]+$ ]] && ((${major%%.*} >= 17)); then
      return 0
    fi
    warn "java ${major:-?} is older than 17 (Kafka 4.x needs 17+)"
  fi
  apt_install openjdk-17-jre-headless
}

# Resolve the Kafka jars into KAFKA_LIB_DIR, unless they are there already for this pom.
ensure_jars() {
  local sum stamp tmp
  sum="$(sha256sum "$POM" | cut -d' ' -f1)"
  stamp="$KAFKA_LIB_DIR/.resolved-pom-sha256"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$sum" ]]; then
    write_tools_log4j
    return 0
  fi
  mkdir -p "$CACHE_DIR"
  exec 8>"$CACHE_DIR/.resolve.lock"
  flock -w 600 8 || die "timed out waiting for $CACHE_DIR/.resolve.lock"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$sum" ]]; then
    exec 8>&-
    write_tools_log4j
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || apt_install maven
  log "resolving Kafka jars from Maven Central into $KAFKA_LIB_DIR (first run only)"
  tmp="$(mktemp -d "$CACHE_DIR/lib.tmp.XXXXXX")"
  if ! (cd "$SCRIPT_DIR/kafka" && mvn -q -B -f "$POM" \
          dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp") \
        >"$CACHE_DIR/mvn.log" 2>&1; then
    cat "$CACHE_DIR/mvn.log" >&2 || true
    rm -rf "$tmp"
    die "mvn dependency:copy-dependencies failed (is Maven Central reachable?), output above"
  fi
  compgen -G "$tmp/kafka_2.13-*.jar" >/dev/null || { rm -rf "$tmp"; die "kafka_2.13 jar missing after resolution"; }
  compgen -G "$tmp/kafka-tools-*.jar" >/dev/null || { rm -rf "$tmp"; die "kafka-tools jar missing after resolution"; }
  echo "$sum" >"$tmp/.resolved-pom-sha256"
  rm -rf "$KAFKA_LIB_DIR"
  mv "$tmp" "$KAFKA_LIB_DIR"
  exec 8>&-
  log "resolved $(find "$KAFKA_LIB_DIR" -name '*.jar' | wc -l) jars ($(basename "$(compgen -G "$KAFKA_LIB_DIR/kafka_2.13-*.jar")" .jar))"
  write_tools_log4j
}

write_tools_log4j() {
  [[ -f "$TOOLS_LOG4J" ]] && return 0
  cat >"$TOOLS_LOG4J.tmp.$$" <<'EOF'
# CLI tools (kafka.sh cli / create-topics): warnings and errors to stderr only.
status = error
name = kafka-local-tools
appender.stderr.type = Console
appender.stderr.name = STDERR
appender.stderr.target = SYSTEM_ERR
appender.stderr.layout.type = PatternLayout
appender.stderr.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.stderr.ref = STDERR
EOF
  mv "$TOOLS_LOG4J.tmp.$$" "$TOOLS_LOG4J"
}

# Run a Kafka CLI class in a small, quickly starting JVM.
run_tool() {
  local class="$1"
  shift
  java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$TOOLS_LOG4J" -cp "$KAFKA_LIB_DIR/*" "$class" "$@"
}

tool_class() {
  case "$1" in
    topics | kafka-topics) echo org.apache.kafka.tools.TopicCommand ;;
    console-producer | kafka-console-producer) echo org.apache.kafka.tools.ConsoleProducer ;;
    console-consumer | kafka-console-consumer) echo org.apache.kafka.tools.consumer.ConsoleConsumer ;;
    consumer-groups | kafka-consumer-groups) echo org.apache.kafka.tools.consumer.group.ConsumerGroupCommand ;;
    storage | kafka-storage) echo kafka.tools.StorageTool ;;
    *.*) echo "$1" ;;
    *) die "unknown tool '$1' (topics, console-producer, console-consumer, consumer-groups, storage, or a class name)" ;;
  esac
}

take_lock() {
  mkdir -p "$(dirname "$LOCK_FILE")"
  exec 9>"$LOCK_FILE"
  flock -w 300 9 || die "timed out waiting for the lock $LOCK_FILE (another kafka.sh running?)"
}

# Is PID our broker (kafka.Kafka started with our server.properties)?
is_our_broker() {
  local pid="$1" cmdline
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  cmdline="$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")" || return 1
  [[ "$cmdline" == *" kafka.Kafka $SERVER_PROPS"* ]]
}

# Prints the broker's pid; fails when it is not running. Falls back to scanning
# /proc for a broker started with exactly our config file (pid file lost).
broker_pid() {
  local pid proc
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  if is_our_broker "$pid"; then
    echo "$pid"
    return 0
  fi
  for proc in /proc/[0-9]*; do
    pid="${proc#/proc/}"
    if is_our_broker "$pid"; then
      echo "$pid" >"$PID_FILE" 2>/dev/null || true
      echo "$pid"
      return 0
    fi
  done
  return 1
}

port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

port_in_use() {
  ss -Hltn "sport = :$1" 2>/dev/null | grep -q . && return 0
  port_open "$1"
}

tail_logs() {
  local f
  for f in "$SERVER_LOG" "$STDOUT_LOG"; do
    if [[ -s "$f" ]]; then
      echo "[kafka] ---- last lines of $f ----" >&2
      tail -n 40 "$f" >&2 || true
    fi
  done
  echo "[kafka] ----" >&2
}

write_config() {
  mkdir -p "$LOG_DIRS"
  cat >"$SERVER_PROPS" <<EOF
# Written by deploy/local/kafka.sh on every start; edits are lost.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$LOG_DIRS
num.partitions=$KAFKA_PARTITIONS
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
delete.topic.enable=true
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=168
log.segment.bytes=1073741824
EOF
  cat >"$SERVER_LOG4J" <<EOF
# Written by deploy/local/kafka.sh on every start; edits are lost.
status = warn
name = kafka-local-broker
appender.file.type = RollingFile
appender.file.name = FILE
appender.file.fileName = $SERVER_LOG
appender.file.filePattern = $SERVER_LOG.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 50MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 3
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.clients.name = org.apache.kafka.clients
logger.clients.level = WARN
EOF
  cat >"$ADMIN_PROPS" <<EOF
request.timeout.ms=5000
default.api.timeout.ms=10000
EOF
}

format_storage_once() {
  [[ -f "$LOG_DIRS/meta.properties" ]] && return 0
  local cluster_id
  cluster_id="$(run_tool kafka.tools.StorageTool random-uuid)" || die "could not generate a cluster id"
  log "formatting storage in $LOG_DIRS (cluster id $cluster_id, first start only)"
  run_tool kafka.tools.StorageTool format --ignore-formatted -t "$cluster_id" -c "$SERVER_PROPS" \
    >>"$STDOUT_LOG" 2>&1 || { tail_logs; die "kafka-storage format failed"; }
}

# logged_since OFFSET TEXT: whether server.log holds TEXT past OFFSET, its size when this start
# began. The log rolls over at 50 MB (server.log.1): when it is now smaller than OFFSET, the lines
# of this start are the rolled file's past OFFSET, then the new file's.
# grep -c reads all of its input: with pipefail, grep -q would quit at the first match and tail,
# killed by SIGPIPE while writing a long log, would fail the check though the text is there.
logged_since() {
  local offset="$1" text="$2" size
  size="$(stat -c %s "$SERVER_LOG" 2>/dev/null || echo 0)"
  if ((size < offset)); then
    { tail -c +"$((offset + 1))" "$SERVER_LOG.1" 2>/dev/null; cat "$SERVER_LOG" 2>/dev/null; } | grep -c "$text" >/dev/null
  else
    tail -c +"$((offset + 1))" "$SERVER_LOG" 2>/dev/null | grep -c "$text" >/dev/null
  fi
}

launch() {
  local log_offset=0 pid deadline
  [[ -f "$SERVER_LOG" ]] && log_offset="$(stat -c %s "$SERVER_LOG")"
  log "starting broker on $BOOTSTRAP (controller 127.0.0.1:$KAFKA_CONTROLLER_PORT, data $KAFKA_DATA_DIR)"
  # shellcheck disable=SC2086 # KAFKA_HEAP_OPTS is a list of JVM options
  (
    cd "$KAFKA_DATA_DIR"
    exec setsid nohup java -server $KAFKA_HEAP_OPTS \
      -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
      -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
      -Dkafka.logs.dir="$KAFKA_DATA_DIR" -Dlog4j2.configurationFile="$SERVER_LOG4J" \
      -cp "$KAFKA_LIB_DIR/*" kafka.Kafka "$SERVER_PROPS"
  ) </dev/null >>"$STDOUT_LOG" 2>&1 8>&- 9>&- &
  pid=$!
  echo "$pid" >"$PID_FILE"

  # Wait for the JVM to log that the server started and for the port to open.
  deadline=$((SECONDS + KAFKA_START_TIMEOUT))
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PID_FILE"
      tail_logs
      die "broker exited during startup"
    fi
    if port_open "$KAFKA_PORT" && logged_since "$log_offset" "Kafka Server started"; then
      break
    fi
    if ((SECONDS >= deadline)); then
      tail_logs
      die "broker did not start within ${KAFKA_START_TIMEOUT}s (pid $pid still running; '$0 stop' to stop it)"
    fi
    sleep 0.5
  done
  START_DEADLINE=$deadline
}

# List topics; retried until the deadline: this is the "broker really answers" check.
list_topics() {
  local deadline="$1" out
  while :; do
    if out="$(timeout 30 java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto \
               -Dlog4j2.configurationFile="$TOOLS_LOG4J" -cp "$KAFKA_LIB_DIR/*" \
               org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" \
               --command-config "$ADMIN_PROPS" --list 2>&1)"; then
      printf '%s\n' "$out"
      return 0
    fi
    if ((SECONDS >= deadline)); then
      echo "$out" >&2
      tail_logs
      die "broker on $BOOTSTRAP does not answer (topic listing failed)"
    fi
    sleep 1
  done
}

ensure_topics() {
  local deadline="${1:-$((SECONDS + KAFKA_START_TIMEOUT))}" existing topic missing=() n
  [[ -f "$ADMIN_PROPS" ]] || write_config
  existing="$(list_topics "$deadline")"
  for topic in "${TOPICS[@]}"; do
    if grep -qxF "$topic" <<<"$existing"; then
      n="$(find "$LOG_DIRS" -maxdepth 1 -type d -regextype posix-extended \
             -regex ".*/${topic//./\\.}-[0-9]+" 2>/dev/null | wc -l)"
      if [[ "$n" != 0 && "$n" != "$KAFKA_PARTITIONS" ]]; then
        warn "topic $topic has $n partitions, KAFKA_PARTITIONS=$KAFKA_PARTITIONS ('$0 reset' to recreate)"
      fi
    else
      missing+=("$topic")
    fi
  done
  for topic in "${missing[@]}"; do
    log "creating topic $topic ($KAFKA_PARTITIONS partitions, replication factor 1)"
    run_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" \
      --command-config "$ADMIN_PROPS" --create --if-not-exists --topic "$topic" \
      --partitions "$KAFKA_PARTITIONS" --replication-factor 1 >/dev/null \
      || die "could not create topic $topic"
  done
  log "topics present: ${TOPICS[*]}"
}

cmd_start() {
  local pid
  ensure_java
  ensure_jars
  mkdir -p "$KAFKA_DATA_DIR"
  take_lock
  START_DEADLINE=$((SECONDS + KAFKA_START_TIMEOUT))
  if pid="$(broker_pid)"; then
    log "already running (pid $pid, $BOOTSTRAP)"
    [[ -f "$ADMIN_PROPS" ]] || write_config
  else
    rm -f "$PID_FILE"
    local port
    for port in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
      if port_in_use "$port"; then
        ss -Hltnp "sport = :$port" >&2 2>/dev/null || true
        die "port $port on 127.0.0.1 is already in use by another process (set KAFKA_PORT / KAFKA_CONTROLLER_PORT)"
      fi
    done
    write_config
    format_storage_once
    launch
    log "broker process up (pid $(cat "$PID_FILE")); checking that it answers"
  fi
  ensure_topics "$START_DEADLINE"
  log "ready: KAFKA_BROKERS=$BOOTSTRAP"
}

cmd_stop() {
  local pid deadline
  [[ -d "$KAFKA_DATA_DIR" ]] || { log "not running (no data directory $KAFKA_DATA_DIR)"; return 0; }
  take_lock
  if ! pid="$(broker_pid)"; then
    rm -f "$PID_FILE"
    log "not running"
    return 0
  fi
  log "stopping broker (pid $pid, SIGTERM)"
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + KAFKA_STOP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    warn "still running after ${KAFKA_STOP_TIMEOUT}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    deadline=$((SECONDS + 10))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && die "could not kill pid $pid"
  fi
  rm -f "$PID_FILE"
  log "stopped"
}

cmd_status() {
  local pid
  if pid="$(broker_pid)"; then
    if port_open "$KAFKA_PORT"; then
      log "running (pid $pid, $BOOTSTRAP, data $KAFKA_DATA_DIR)"
      return 0
    fi
    log "process running (pid $pid) but $BOOTSTRAP is not open (starting?)"
    return 1
  fi
  log "not running (data $KAFKA_DATA_DIR)"
  return 3
}

cmd_create_topics() {
  ensure_java
  ensure_jars
  broker_pid >/dev/null || die "broker is not running ('$0 start' first)"
  ensure_topics
}

cmd_reset() {
  cmd_stop
  take_lock
  log "removing $KAFKA_DATA_DIR"
  rm -rf "$KAFKA_DATA_DIR"
}

cmd_cli() {
  [[ $# -ge 1 ]] || die "usage: $0 cli TOOL [ARGS...]"
  local class
  class="$(tool_class "$1")"
  shift
  ensure_java
  ensure_jars >&2
  run_tool "$class" "$@"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  create-topics) cmd_create_topics ;;
  reset) cmd_reset ;;
  cli) shift; cmd_cli "$@" ;;
  *)
    echo "usage: $0 start|stop|status|create-topics|reset|cli TOOL [ARGS...]" >&2
    exit 2
    ;;
esac
