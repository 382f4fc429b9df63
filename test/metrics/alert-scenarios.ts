/**
 * `promtool test rules` scenarios of deploy/prometheus/alerts.yml: for each alert, series that
 * must fire it and near misses that must not. promtool compares annotations word for word, so
 * the test runs these against a copy of the rules without them (their text is the README's
 * business, not this test's). `alerts.yml` here names that copy.
 */
export const ALERT_SCENARIOS = `
rule_files:
  - alerts.yml
evaluation_interval: 1m
tests:
  - name: consumer lag above 1,000 and growing for 10 minutes
    interval: 1m
    input_series:
      # Two position instances report the same group's lag: one alert.
      - series: 'cpt_kafka_consumer_lag{job="position",instance="a",topic="market.ticks",partition="0"}'
        values: '500+100x40'
      - series: 'cpt_kafka_consumer_lag{job="position",instance="b",topic="market.ticks",partition="0"}'
        values: '500+100x40'
      # High but steady, and high but shrinking: the consumer keeps up.
      - series: 'cpt_kafka_consumer_lag{job="position",instance="a",topic="market.ticks",partition="1"}'
        values: '5000x40'
      - series: 'cpt_kafka_consumer_lag{job="position",instance="a",topic="market.ticks",partition="2"}'
        values: '3000-50x40'
      # Growing but small.
      - series: 'cpt_kafka_consumer_lag{job="gateway",instance="g",topic="campaign.events",partition="0"}'
        values: '0+10x40'
    alert_rule_test:
      - eval_time: 10m
        alertname: ConsumerLagGrowing
      - eval_time: 30m
        alertname: ConsumerLagGrowing
        exp_alerts:
          - exp_labels: { severity: warning, job: position, topic: market.ticks, partition: "0" }

  - name: the oldest outbox event older than 5 s for 30 s
    interval: 1m
    input_series:
      - series: 'cpt_outbox_oldest_age_seconds{job="position",instance="a"}'
        values: '0 1 4 60 120 180 240'
      - series: 'cpt_outbox_oldest_age_seconds{job="position",instance="b"}'
        values: '0 1 4 60 120 180 240'
    alert_rule_test:
      - eval_time: 2m
        alertname: OutboxEventsStale
      - eval_time: 5m
        alertname: OutboxEventsStale
        exp_alerts:
          - exp_labels: { severity: critical }

  - name: more than 1% of a service's requests answered 5xx
    interval: 1m
    input_series:
      - series: 'cpt_http_requests_total{job="gateway",instance="a",route="/api/v1/campaigns",method="GET",status="200"}'
        values: '0+100x20'
      - series: 'cpt_http_requests_total{job="gateway",instance="a",route="/api/v1/campaigns",method="GET",status="500"}'
        values: '0+5x20'
      # 0.5%: under the bound.
      - series: 'cpt_http_requests_total{job="price-ingest",instance="i",route="/api/v1/ticks",method="POST",status="202"}'
        values: '0+1000x20'
      - series: 'cpt_http_requests_total{job="price-ingest",instance="i",route="/api/v1/ticks",method="POST",status="503"}'
        values: '0+5x20'
    alert_rule_test:
      - eval_time: 3m
        alertname: HttpServerErrors
      - eval_time: 15m
        alertname: HttpServerErrors
        exp_alerts:
          - exp_labels: { severity: critical, job: gateway }

  - name: a mark skipped in the last 10 minutes
    interval: 1m
    input_series:
      - series: 'cpt_marks_skipped_total{job="position",instance="a"}'
        values: '0x10 1x20'
    alert_rule_test:
      - eval_time: 5m
        alertname: MarksSkipped
      - eval_time: 15m
        alertname: MarksSkipped
        exp_alerts:
          - exp_labels: { severity: warning }
      - eval_time: 30m
        alertname: MarksSkipped

  - name: more than 10% of a gateway's updates conflated for 10 minutes
    interval: 1m
    input_series:
      - series: 'cpt_ws_messages_sent_total{job="gateway",instance="a"}'
        values: '0+100x30'
      - series: 'cpt_ws_updates_conflated_total{job="gateway",instance="a"}'
        values: '0+50x30'
      - series: 'cpt_ws_messages_sent_total{job="gateway",instance="b"}'
        values: '0+100x30'
      - series: 'cpt_ws_updates_conflated_total{job="gateway",instance="b"}'
        values: '0+1x30'
    alert_rule_test:
      - eval_time: 8m
        alertname: WebSocketConflationHigh
      - eval_time: 20m
        alertname: WebSocketConflationHigh
        exp_alerts:
          - exp_labels: { severity: warning, job: gateway, instance: a }

  - name: a service that does not answer its scrapes for a minute
    interval: 1m
    input_series:
      - series: 'up{job="position",instance="a"}'
        values: '1 1 0 0 0 0'
      - series: 'up{job="gateway",instance="g"}'
        values: '1x5'
    alert_rule_test:
      - eval_time: 2m
        alertname: ServiceDown
      - eval_time: 5m
        alertname: ServiceDown
        exp_alerts:
          - exp_labels: { severity: critical, job: position, instance: a }
`;
