#!/bin/bash
# kafka-run-class.sh CLASS [ARGS...]: a Kafka CLI tool in a small, quickly starting JVM.
exec java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
  -Dlog4j2.configurationFile=/opt/kafka/bin/tools-log4j2.properties -cp '/opt/kafka/libs/*' "$@"
