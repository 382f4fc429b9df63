#!/bin/bash
# Starts one KRaft node from the environment: single-node defaults, then every KAFKA_* variable as a
# server property (KAFKA_ADVERTISED_LISTENERS -> advertised.listeners; `___` -> `-`, `__` -> `_`,
# `_` -> `.`), as the official apache/kafka image does; formats the storage with CLUSTER_ID once.
set -euo pipefail

props=/opt/kafka/config/server.properties
declare -A conf=(
  [process.roles]=broker,controller
  [node.id]=1
  [listeners]=PLAINTEXT://:9092,CONTROLLER://:9093
  [advertised.listeners]=PLAINTEXT://localhost:9092
  [controller.listener.names]=CONTROLLER
  [controller.quorum.voters]=1@localhost:9093
  [listener.security.protocol.map]=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
  [log.dirs]=/var/lib/kafka/data
  [offsets.topic.replication.factor]=1
  [transaction.state.log.replication.factor]=1
  [transaction.state.log.min.isr]=1
  [share.coordinator.state.topic.replication.factor]=1
  [share.coordinator.state.topic.min.isr]=1
  [group.initial.rebalance.delay.ms]=0
)
# Variables that configure the JVM, not the broker.
skip=' KAFKA_HEAP_OPTS KAFKA_OPTS KAFKA_JVM_PERFORMANCE_OPTS KAFKA_LOG4J_OPTS KAFKA_GC_LOG_OPTS KAFKA_JMX_OPTS KAFKA_VERSION '
while IFS='=' read -r name value; do
  [[ $name == KAFKA_* && $skip != *" $name "* ]] || continue
  key="${name#KAFKA_}"
  key="${key,,}"
  key="${key//___/-}"
  key="${key//__/@}"
  key="${key//_/.}"
  conf[${key//@/_}]="$value"
done < <(env)

: >"$props"
for key in "${!conf[@]}"; do printf '%s=%s\n' "$key" "${conf[$key]}" >>"$props"; done

logs="${conf[log.dirs]%%,*}"
if [[ ! -f "$logs/meta.properties" ]]; then
  /opt/kafka/bin/kafka-storage.sh format --ignore-formatted -t "${CLUSTER_ID:-5L6g3nShT-eMCtK--X86sw}" -c "$props"
fi
# shellcheck disable=SC2086 # KAFKA_HEAP_OPTS is a list of JVM options
exec java -server ${KAFKA_HEAP_OPTS:--Xms256m -Xmx768m} -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
  -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError \
  -Djava.awt.headless=true -Dlog4j2.configurationFile=/opt/kafka/bin/log4j2.properties \
  -cp '/opt/kafka/libs/*' kafka.Kafka "$props"
