#!/usr/bin/env bash
# A three-node Apache Kafka cluster (KRaft, each node broker and controller, three voters) on
# 127.0.0.1, for the scale-out test (test/scale/). It runs beside the single broker of kafka.sh on
# ports and data directories of its own, from the same jars (kafka.sh resolves them).
#
#   deploy/local/kafka-cluster.sh up          resolve jars (once), format storage (once), start the
#                                             nodes not running, wait until every broker answers,
#                                             create the topics
#   deploy/local/kafka-cluster.sh down        SIGTERM to every node, SIGKILL after SCALE_KAFKA_STOP_TIMEOUT s
#   deploy/local/kafka-cluster.sh reset       down, then wipe the data (the next up formats afresh)
#   deploy/local/kafka-cluster.sh status      each node: running or not; exit 0 only when all three run
#   deploy/local/kafka-cluster.sh kill N      SIGKILL node N (1-3): a crash, no shutdown at all
#   deploy/local/kafka-cluster.sh stop N      SIGTERM node N and wait for it to exit
#   deploy/local/kafka-cluster.sh start N     start node N and wait until its broker has started
#   deploy/local/kafka-cluster.sh wait-isr    wait until no partition is under-replicated
#   deploy/local/kafka-cluster.sh leader      print the node id of the active controller
#   deploy/local/kafka-cluster.sh brokers     print KAFKA_BROKERS for the cluster
#   deploy/local/kafka-cluster.sh describe    describe the topics
#
# Topics: market.ticks, campaign.events and market.ticks.dlq with KAFKA_PARTITIONS partitions (as
# kafka.sh makes them), replication factor 3 and min.insync.replicas=2; the offsets and
# transaction state topics are replicated three times too (transaction.state.log.min.isr=2).
# With acks from all in-sync replicas, a write acknowledged by the cluster survives the loss of
# any one node.
#
# Environment (all optional):
#   SCALE_KAFKA_PORT          broker N listens on SCALE_KAFKA_PORT+N-1 (default 19192: 19192-19194)
#   SCALE_KAFKA_CONTROLLER_PORT  controller N on SCALE_KAFKA_CONTROLLER_PORT+N-1 (default 19292: 19292-19294)
#   SCALE_KAFKA_DIR           config, logs and data of the nodes (default <repo>/.run/scale-kafka)
#   SCALE_KAFKA_HEAP_OPTS     heap of each node (default -Xms128m -Xmx512m)
#   SCALE_KAFKA_START_TIMEOUT seconds to wait for a node (default 180)
#   SCALE_KAFKA_STOP_TIMEOUT  seconds to wait after SIGTERM (default 30)
#   KAFKA_PARTITIONS, KAFKA_LIB_DIR  as for kafka.sh
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SCRIPT_DIR/../.." && pwd)"
KAFKA_PARTITIONS="${KAFKA_PARTITIONS:-6}"
SCALE_KAFKA_PORT="${SCALE_KAFKA_PORT:-19192}"
SCALE_KAFKA_CONTROLLER_PORT="${SCALE_KAFKA_CONTROLLER_PORT:-19292}"
SCALE_KAFKA_DIR="${SCALE_KAFKA_DIR:-$REPO/.run/scale-kafka}"
SCALE_KAFKA_HEAP_OPTS="${SCALE_KAFKA_HEAP_OPTS:--Xms128m -Xmx512m}"
SCALE_KAFKA_START_TIMEOUT="${SCALE_KAFKA_START_TIMEOUT:-180}"
SCALE_KAFKA_STOP_TIMEOUT="${SCALE_KAFKA_STOP_TIMEOUT:-30}"
KAFKA_LIB_DIR="${KAFKA_LIB_DIR:-$REPO/.cache/kafka/lib}"
case "$SCALE_KAFKA_DIR" in /*) ;; *) SCALE_KAFKA_DIR="$PWD/$SCALE_KAFKA_DIR" ;; esac
case "$KAFKA_LIB_DIR" in /*) ;; *) KAFKA_LIB_DIR="$PWD/$KAFKA_LIB_DIR" ;; esac
SCALE_KAFKA_DIR="${SCALE_KAFKA_DIR%/}"
export KAFKA_LIB_DIR

NODES=(1 2 3)
TOPICS=(market.ticks campaign.events market.ticks.dlq)
LOCK_FILE="$SCALE_KAFKA_DIR.lock"
ADMIN_PROPS="$SCALE_KAFKA_DIR/admin.properties"
CLUSTER_ID_FILE="$SCALE_KAFKA_DIR/cluster-id"

log() { echo "[kafka-cluster] $*"; }
die() { echo "[kafka-cluster] ERROR: $*" >&2; exit 1; }

broker_port() { echo $((SCALE_KAFKA_PORT + $1 - 1)); }
controller_port() { echo $((SCALE_KAFKA_CONTROLLER_PORT + $1 - 1)); }
node_dir() { echo "$SCALE_KAFKA_DIR/node-$1"; }
bootstrap() {
  local n list=""
  for n in "${NODES[@]}"; do list+="${list:+,}127.0.0.1:$(broker_port "$n")"; done
  echo "$list"
}
voters() {
  local n list=""
  for n in "${NODES[@]}"; do list+="${list:+,}$n@127.0.0.1:$(controller_port "$n")"; done
  echo "$list"
}

check_node() {
  [[ "${1:-}" =~ ^[123]$ ]] || die "node must be 1, 2 or 3 (got '${1:-}')"
}

# A Kafka CLI tool through kafka.sh, which installs Java and resolves the jars when needed.
tool() { "$SCRIPT_DIR/kafka.sh" cli "$@"; }

take_lock() {
  mkdir -p "$(dirname "$LOCK_FILE")"
  exec 9>"$LOCK_FILE"
  flock -w 300 9 || die "timed out waiting for the lock $LOCK_FILE (another kafka-cluster.sh running?)"
}

# Is PID node N (kafka.Kafka started with that node's server.properties)?
is_node() {
  local n="$1" pid="$2" cmdline
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  cmdline="$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")" || return 1
  [[ "$cmdline" == *" kafka.Kafka $(node_dir "$n")/server.properties"* ]]
}

# Prints node N's pid; fails when it is not running.
node_pid() {
  local n="$1" pid proc
  pid="$(cat "$(node_dir "$n")/kafka.pid" 2>/dev/null || true)"
  if is_node "$n" "$pid"; then
    echo "$pid"
    return 0
  fi
  for proc in /proc/[0-9]*; do
    pid="${proc#/proc/}"
    if is_node "$n" "$pid"; then
      echo "$pid"
      return 0
    fi
  done
  return 1
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

tail_node() {
  local f
  for f in "$(node_dir "$1")/server.log" "$(node_dir "$1")/kafka.out"; do
    if [[ -s "$f" ]]; then
      echo "[kafka-cluster] ---- last lines of $f ----" >&2
      tail -n 30 "$f" >&2 || true
    fi
  done
}

write_config() {
  local n="$1" dir
  dir="$(node_dir "$n")"
  mkdir -p "$dir/data"
  cat >"$dir/server.properties" <<EOF
# Written by deploy/local/kafka-cluster.sh on every start; edits are lost.
process.roles=broker,controller
node.id=$n
controller.quorum.voters=$(voters)
listeners=PLAINTEXT://127.0.0.1:$(broker_port "$n"),CONTROLLER://127.0.0.1:$(controller_port "$n")
advertised.listeners=PLAINTEXT://127.0.0.1:$(broker_port "$n")
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$dir/data
num.partitions=$KAFKA_PARTITIONS
default.replication.factor=3
min.insync.replicas=2
unclean.leader.election.enable=false
offsets.topic.replication.factor=3
offsets.topic.num.partitions=12
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
transaction.state.log.num.partitions=12
share.coordinator.state.topic.replication.factor=3
share.coordinator.state.topic.min.isr=2
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
delete.topic.enable=true
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=24
log.segment.bytes=268435456
EOF
  cat >"$dir/log4j2.properties" <<EOF
# Written by deploy/local/kafka-cluster.sh on every start; edits are lost.
status = warn
name = kafka-cluster-node-$n
appender.file.type = RollingFile
appender.file.name = FILE
appender.file.fileName = $dir/server.log
appender.file.filePattern = $dir/server.log.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 50MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 2
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.clients.name = org.apache.kafka.clients
logger.clients.level = WARN
EOF
}

write_admin_props() {
  mkdir -p "$SCALE_KAFKA_DIR"
  printf 'request.timeout.ms=5000\ndefault.api.timeout.ms=15000\n' >"$ADMIN_PROPS"
}

# Formats every node's storage with one cluster id, the first time only.
format_once() {
  local n id pids=() rc=0
  [[ -s "$CLUSTER_ID_FILE" ]] || tool storage random-uuid >"$CLUSTER_ID_FILE" || die "could not generate a cluster id"
  id="$(cat "$CLUSTER_ID_FILE")"
  for n in "${NODES[@]}"; do
    [[ -f "$(node_dir "$n")/data/meta.properties" ]] && continue
    write_config "$n"
    log "formatting node $n (cluster id $id)"
    tool storage format --ignore-formatted -t "$id" -c "$(node_dir "$n")/server.properties" \
      >>"$(node_dir "$n")/kafka.out" 2>&1 &
    pids+=($!)
  done
  for n in "${pids[@]}"; do wait "$n" || rc=1; done
  ((rc == 0)) || die "kafka-storage format failed (see $SCALE_KAFKA_DIR/node-*/kafka.out)"
}

# Starts node N (not waiting).
launch() {
  local n="$1" dir port
  dir="$(node_dir "$n")"
  for port in "$(broker_port "$n")" "$(controller_port "$n")"; do
    if port_open "$port"; then
      ss -Hltnp "sport = :$port" >&2 2>/dev/null || true
      die "port $port on 127.0.0.1 is already in use by another process (set SCALE_KAFKA_PORT / SCALE_KAFKA_CONTROLLER_PORT)"
    fi
  done
  write_config "$n"
  # Where this start's lines begin in server.log: the wait looks for "Kafka Server started" after it.
  stat -c %s "$dir/server.log" 2>/dev/null >"$dir/log-offset" || echo 0 >"$dir/log-offset"
  log "starting node $n (broker 127.0.0.1:$(broker_port "$n"), controller 127.0.0.1:$(controller_port "$n"))"
  # shellcheck disable=SC2086 # SCALE_KAFKA_HEAP_OPTS is a list of JVM options
  (
    cd "$dir"
    exec setsid nohup java -server $SCALE_KAFKA_HEAP_OPTS \
      -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
      -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
      -Dkafka.logs.dir="$dir" -Dlog4j2.configurationFile="$dir/log4j2.properties" \
      -cp "$KAFKA_LIB_DIR/*" kafka.Kafka "$dir/server.properties"
  ) </dev/null >>"$dir/kafka.out" 2>&1 9>&- &
  echo $! >"$dir/kafka.pid"
}

# Waits until node N's broker logged that it started and its port is open.
wait_started() {
  local n="$1" dir pid offset deadline=$((SECONDS + SCALE_KAFKA_START_TIMEOUT))
  dir="$(node_dir "$n")"
  pid="$(cat "$dir/kafka.pid")"
  offset="$(cat "$dir/log-offset" 2>/dev/null || echo 0)"
  while :; do
    kill -0 "$pid" 2>/dev/null || { tail_node "$n"; die "node $n exited during startup"; }
    if port_open "$(broker_port "$n")" && tail -c +"$((offset + 1))" "$dir/server.log" 2>/dev/null | grep -c "Kafka Server started" >/dev/null; then
      return 0
    fi
    ((SECONDS < deadline)) || { tail_node "$n"; die "node $n did not start within ${SCALE_KAFKA_START_TIMEOUT}s"; }
    sleep 0.5
  done
}

topics_cmd() { tool topics --bootstrap-server "$(bootstrap)" --command-config "$ADMIN_PROPS" "$@"; }

ensure_topics() {
  local existing="" topic deadline=$((SECONDS + SCALE_KAFKA_START_TIMEOUT)) pids=() rc=0
  [[ -f "$ADMIN_PROPS" ]] || write_admin_props
  until existing="$(topics_cmd --list 2>/dev/null)"; do
    ((SECONDS < deadline)) || die "the cluster on $(bootstrap) does not answer (topic listing failed)"
    sleep 1
  done
  for topic in "${TOPICS[@]}"; do
    grep -qxF "$topic" <<<"$existing" && continue
    log "creating topic $topic ($KAFKA_PARTITIONS partitions, replication factor 3, min.insync.replicas=2)"
    topics_cmd --create --if-not-exists --topic "$topic" --partitions "$KAFKA_PARTITIONS" \
      --replication-factor 3 --config min.insync.replicas=2 >/dev/null &
    pids+=($!)
  done
  for topic in "${pids[@]}"; do wait "$topic" || rc=1; done
  ((rc == 0)) || die "could not create the topics"
  log "topics present: ${TOPICS[*]}"
}

cmd_up() {
  local n started=()
  take_lock
  mkdir -p "$SCALE_KAFKA_DIR"
  write_admin_props
  format_once
  for n in "${NODES[@]}"; do
    if node_pid "$n" >/dev/null; then
      log "node $n already running"
    else
      launch "$n"
      started+=("$n")
    fi
  done
  for n in "${started[@]}"; do wait_started "$n"; done
  ensure_topics
  log "ready: KAFKA_BROKERS=$(bootstrap)"
}

cmd_start() {
  local n="$1"
  check_node "$n"
  take_lock
  [[ -f "$(node_dir "$n")/data/meta.properties" ]] || die "node $n has no storage ('$0 up' first)"
  if node_pid "$n" >/dev/null; then
    log "node $n already running"
    return 0
  fi
  launch "$n"
  wait_started "$n"
  log "node $n started"
}

# stop_node N SIGNAL: sends SIGNAL and waits for the process to exit (SIGKILL after the timeout).
stop_node() {
  local n="$1" signal="$2" pid deadline
  if ! pid="$(node_pid "$n")"; then
    log "node $n not running"
    return 0
  fi
  log "node $n: SIG$signal to pid $pid"
  kill "-$signal" "$pid" 2>/dev/null || true
  deadline=$((SECONDS + SCALE_KAFKA_STOP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    log "node $n still running after ${SCALE_KAFKA_STOP_TIMEOUT}s; SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  fi
  rm -f "$(node_dir "$n")/kafka.pid"
}

cmd_down() {
  local n pids=()
  [[ -d "$SCALE_KAFKA_DIR" ]] || { log "not running (no $SCALE_KAFKA_DIR)"; return 0; }
  take_lock
  # All at once: a node stopping alone waits for the others to take over its partitions.
  for n in "${NODES[@]}"; do
    stop_node "$n" TERM &
    pids+=($!)
  done
  for n in "${pids[@]}"; do wait "$n" || true; done
  log "stopped"
}

cmd_status() {
  local n pid rc=0
  for n in "${NODES[@]}"; do
    if pid="$(node_pid "$n")" && port_open "$(broker_port "$n")"; then
      log "node $n running (pid $pid, 127.0.0.1:$(broker_port "$n"))"
    else
      log "node $n not running"
      rc=3
    fi
  done
  return "$rc"
}

cmd_wait_isr() {
  local out deadline=$((SECONDS + ${1:-$SCALE_KAFKA_START_TIMEOUT}))
  [[ -f "$ADMIN_PROPS" ]] || write_admin_props
  while :; do
    if out="$(topics_cmd --describe --under-replicated-partitions 2>/dev/null)" && [[ -z "$out" ]]; then
      log "every partition fully replicated"
      return 0
    fi
    ((SECONDS < deadline)) || { echo "$out" >&2; die "partitions still under-replicated"; }
    sleep 1
  done
}

cmd_leader() {
  [[ -f "$ADMIN_PROPS" ]] || write_admin_props
  tool org.apache.kafka.tools.MetadataQuorumCommand --bootstrap-server "$(bootstrap)" \
    --command-config "$ADMIN_PROPS" describe --status | sed -n 's/^LeaderId:[[:space:]]*//p'
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  reset)
    cmd_down
    log "removing $SCALE_KAFKA_DIR"
    rm -rf "$SCALE_KAFKA_DIR"
    ;;
  status) cmd_status ;;
  kill) check_node "${2:-}"; take_lock; stop_node "$2" KILL ;;
  stop) check_node "${2:-}"; take_lock; stop_node "$2" TERM ;;
  start) cmd_start "${2:-}" ;;
  wait-isr) cmd_wait_isr "${2:-}" ;;
  leader) cmd_leader ;;
  brokers) bootstrap ;;
  describe) [[ -f "$ADMIN_PROPS" ]] || write_admin_props; topics_cmd --describe ;;
  *)
    echo "usage: $0 up|down|reset|status|kill N|stop N|start N|wait-isr [SECONDS]|leader|brokers|describe" >&2
    exit 2
    ;;
esac
