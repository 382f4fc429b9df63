package main

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// The facts of testdata/local.yaml's time; readSystem's own test reads the real repository.
func fixtureSystem() *system {
	all := func(keys ...string) map[string]bool {
		m := map[string]bool{}
		for _, k := range keys {
			m[k] = true
		}
		return m
	}
	common := []string{"HOST", "PORT", "DATABASE_URL", "DATABASE_POOL_MAX", "KAFKA_BROKERS", "LOG_LEVEL", "SHUTDOWN_GRACE_MS"}
	return &system{
		topics:     []string{"market.ticks", "campaign.events", "market.ticks.dlq"},
		partitions: 6,
		pgMajor:    "15",
		services: map[string]serviceConfig{
			"gateway":      {vars: all(append(common, "API_KEY_SECRET", "CORS_ORIGINS")...), port: 8080, shutdownMs: 20000, requiredVars: []string{"DATABASE_URL", "API_KEY_SECRET"}},
			"price-ingest": {vars: all(append(common, "API_KEY_SECRET", "PUBLISH_TIMEOUT_MS")...), port: 8081, shutdownMs: 20000, requiredVars: []string{"DATABASE_URL", "API_KEY_SECRET"}},
			"position":     {vars: all(append(common, "CONSUMER_GROUP")...), port: 8082, shutdownMs: 25000, requiredVars: []string{"DATABASE_URL"}},
		},
	}
}

func fixture(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("testdata/local.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func run(t *testing.T, text string) []string {
	t.Helper()
	objs, err := decodeString(text)
	if err != nil {
		t.Fatal(err)
	}
	return check(objs, fixtureSystem(), []string{"campaign-tracking-api-key"})
}

func TestFixturePasses(t *testing.T) {
	if problems := run(t, fixture(t)); len(problems) > 0 {
		t.Fatalf("want no problem, got:\n%s", strings.Join(problems, "\n"))
	}
}

// Each case changes the fixture in one place (the first match of each pair) and names a problem
// the rules must report.
func TestRulesCatch(t *testing.T) {
	cases := []struct {
		name    string
		edits   []string // old, new, old, new...
		problem string
	}{
		{"readiness on the wrong path", []string{"path: /health/ready", "path: /health"}, "readinessProbe on /health, want /health/ready"},
		{"no liveness probe", []string{"livenessProbe:", "xLivenessProbe:"}, "has no livenessProbe"},
		{"no memory request", []string{"requests:\n              cpu: 300m\n              memory: 256Mi", "requests:\n              cpu: 300m"}, "Deployment/gateway: container gateway: no resources.requests.memory"},
		{"init container without limits", []string{"            limits:\n              cpu: 500m\n              memory: 256Mi\n", ""}, "container wait-for-migrations: no resources.limits.cpu"},
		{"writable root filesystem", []string{"readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false"}, "readOnlyRootFilesystem is not true"},
		{"privilege escalation", []string{"allowPrivilegeEscalation: false", "allowPrivilegeEscalation: true"}, "allowPrivilegeEscalation is not false"},
		{"capabilities kept", []string{"- ALL", "- NET_RAW"}, "capabilities must drop ALL"},
		{"root allowed", []string{"runAsNonRoot: true", "runAsNonRoot: false"}, "runAsNonRoot is not true"},
		{"no PDB for the gateway", []string{"kind: PodDisruptionBudget\nmetadata:\n  labels:\n    app.kubernetes.io/name: gateway", "kind: PodDisruptionBudget\nmetadata:\n  labels:\n    app.kubernetes.io/name: gateway-old", "matchLabels:\n      app.kubernetes.io/name: gateway\n---", "matchLabels:\n      app.kubernetes.io/name: gateway-old\n---"}, "Deployment/gateway: no PodDisruptionBudget selects its pods"},
		{"no Service for position", []string{"selector:\n    app.kubernetes.io/name: position", "selector:\n    app.kubernetes.io/name: positions"}, "Deployment/position: no Service selects its pods"},
		{"grace period too short", []string{"terminationGracePeriodSeconds: 35", "terminationGracePeriodSeconds: 25"}, "terminationGracePeriodSeconds must be at least 30: SHUTDOWN_GRACE_MS 25000 ms"},
		{"grace period without the preStop pause", []string{"terminationGracePeriodSeconds: 30", "terminationGracePeriodSeconds: 26"}, "must be at least 30: SHUTDOWN_GRACE_MS 20000 ms + preStop 5 s"},
		{"position above the partitions", []string{"name: position\n  namespace: campaign-tracking\nspec:\n  replicas: 1", "name: position\n  namespace: campaign-tracking\nspec:\n  replicas: 7"}, "7 replicas, more than the 6 partitions of market.ticks"},
		{"unknown variable", []string{"name: CONSUMER_GROUP", "name: CONSUMER_GROUPS"}, "CONSUMER_GROUPS is not a variable of services/position/src/config.ts"},
		{"required variable missing", []string{"name: API_KEY_SECRET", "name: CORS_ORIGINS"}, "API_KEY_SECRET is required by services/gateway/src/config.ts and not set"},
		{"unknown secret", []string{"name: campaign-tracking-api-key", "name: api-key"}, `secret "api-key" is neither in the manifests`},
		{"CloudNativePG secret of no cluster", []string{"name: campaigns-db-app", "name: campaign-db-app"}, `secret "campaign-db-app" is neither`},
		{"port the service does not listen on", []string{`value: "8082"`, `value: "9000"`}, "listens on PORT 9000"},
		{"scrape annotation on another port", []string{`prometheus.io/port: "8082"`, `prometheus.io/port: "9090"`}, `annotation prometheus.io/port "9090"`},
		{"no scrape annotations", []string{"prometheus.io/scrape: \"true\"", "prometheus.io/scrape: \"false\""}, "lacks the annotations prometheus.io/scrape"},
		{"brokers elsewhere", []string{"KAFKA_BROKERS: campaign-tracking-kafka-bootstrap:9092", "KAFKA_BROKERS: kafka:9092"}, `KAFKA_BROKERS "kafka:9092" is not the bootstrap Service`},
		{"topic replicated past the brokers", []string{"replicas: 1\n  topicName: market.ticks", "replicas: 3\n  topicName: market.ticks"}, "replicas 3: the cluster has 1 brokers"},
		{"topic missing", []string{"topicName: market.ticks.dlq", "topicName: market.ticks.dead"}, "no KafkaTopic for market.ticks.dlq"},
		{"topic with other partitions", []string{"partitions: 6", "partitions: 12"}, "12 partitions; docker-compose.yml and deploy/local give every topic 6"},
		{"transaction log replicated past the brokers", []string{"transaction.state.log.replication.factor: 1", "transaction.state.log.replication.factor: 3"}, "transaction.state.log.replication.factor 3 exceeds the 1 brokers"},
		{"another PostgreSQL", []string{"postgresql:15-standard-bookworm", "postgresql:16-standard-bookworm"}, "is not PostgreSQL 15"},
		{"images of two versions", []string{"image: campaign-tracking/migrate:local", "image: campaign-tracking/migrate:0.2.0"}, "must share one version"},
		{"image without a tag", []string{"image: campaign-tracking/gateway:local", "image: campaign-tracking/gateway"}, `image "campaign-tracking/gateway" needs a fixed tag`},
		{"missing ConfigMap", []string{"name: campaign-tracking-config\n", "name: campaign-tracking-settings\n"}, `ConfigMap "campaign-tracking-config" is not in the manifests`},
		{"other namespace", []string{"namespace: campaign-tracking", "namespace: default"}, `in namespace "default", not "campaign-tracking"`},
		{"PDB that blocks drains", []string{"maxUnavailable: 1\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: position", "minAvailable: 1\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: position"}, "PodDisruptionBudget/position: minAvailable 1 with 1 replicas blocks every drain"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			text := fixture(t)
			for i := 0; i < len(tc.edits); i += 2 {
				if !strings.Contains(text, tc.edits[i]) {
					t.Fatalf("the fixture has no %q", tc.edits[i])
				}
				text = strings.Replace(text, tc.edits[i], tc.edits[i+1], 1)
			}
			problems := run(t, text)
			if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, tc.problem) }) {
				t.Fatalf("want a problem containing %q, got:\n%s", tc.problem, strings.Join(problems, "\n"))
			}
		})
	}
}

func TestReadSystemOfThisRepository(t *testing.T) {
	sys, err := readSystem("../../..")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sys.topics, []string{"market.ticks", "campaign.events", "market.ticks.dlq"}) {
		t.Errorf("topics %v", sys.topics)
	}
	if sys.partitions < 1 || sys.pgMajor == "" {
		t.Errorf("partitions %d, PostgreSQL %q", sys.partitions, sys.pgMajor)
	}
	for name, port := range map[string]int{"gateway": 8080, "price-ingest": 8081, "position": 8082} {
		cfg, ok := sys.services[name]
		switch {
		case !ok:
			t.Errorf("no config of %s", name)
		case cfg.port != port || cfg.shutdownMs < 1000 || !cfg.vars["KAFKA_BROKERS"] || !slices.Contains(cfg.requiredVars, "DATABASE_URL"):
			t.Errorf("%s: %+v", name, cfg)
		}
	}
	if !slices.Contains(sys.services["gateway"].requiredVars, "API_KEY_SECRET") || slices.Contains(sys.services["position"].requiredVars, "API_KEY_SECRET") {
		t.Errorf("API_KEY_SECRET: gateway %v, position %v", sys.services["gateway"].requiredVars, sys.services["position"].requiredVars)
	}
}

// An Ingress like the production overlay's, added to the fixture (whose local overlay has none).
const fixtureIngress = `
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: gateway
  namespace: campaign-tracking
  annotations:
    nginx.ingress.kubernetes.io/proxy-read-timeout: "3600"
    nginx.ingress.kubernetes.io/proxy-send-timeout: "3600"
spec:
  ingressClassName: nginx
  tls:
    - hosts:
        - campaigns.example.com
      secretName: campaign-tracking-tls
  rules:
    - host: campaigns.example.com
      http:
        paths:
          - path: /api/v1
            pathType: Prefix
            backend:
              service:
                name: gateway
                port:
                  name: http
          - path: /
            pathType: Exact
            backend:
              service:
                name: gateway
                port:
                  number: 80
`

func TestIngressRules(t *testing.T) {
	if problems := run(t, fixture(t)+fixtureIngress); len(problems) > 0 {
		t.Fatalf("want no problem, got:\n%s", strings.Join(problems, "\n"))
	}
	cases := []struct {
		name, old, new, problem string
	}{
		{"unknown Service", "name: gateway\n                port:\n                  name: http", "name: gateways\n                port:\n                  name: http", `backend Service "gateways" is not in the manifests`},
		{"unknown port", "name: http", "name: https", "backend Service gateway has no port https"},
		{"unknown port number", "number: 80", "number: 8080", "backend Service gateway has no port 8080"},
		{"everything published", "pathType: Exact", "pathType: Prefix", `path "/" (Prefix) publishes /metrics or /health`},
		{"metrics published", "path: /api/v1", "path: /metrics", `path "/metrics" (Prefix) publishes /metrics or /health`},
		{"a probe published", "path: /api/v1\n            pathType: Prefix", "path: /health/ready\n            pathType: Exact", `path "/health/ready" (Exact) publishes`},
		{"host in clear", "    - host: campaigns.example.com", "    - host: api.example.com", `host "api.example.com" is not under tls`},
		{"no certificate", "secretName: campaign-tracking-tls", "secretName: \"\"", "a tls entry without secretName"},
		{"nginx's read timeout", `proxy-read-timeout: "3600"`, `proxy-read-timeout: "60"`, "proxy-read-timeout must be at least 3600"},
		{"no send timeout", `nginx.ingress.kubernetes.io/proxy-send-timeout: "3600"`, `example.com/other: "1"`, "proxy-send-timeout must be at least 3600"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(fixtureIngress, tc.old) {
				t.Fatalf("the Ingress has no %q", tc.old)
			}
			problems := run(t, fixture(t)+strings.Replace(fixtureIngress, tc.old, tc.new, 1))
			if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, tc.problem) }) {
				t.Fatalf("want a problem containing %q, got:\n%s", tc.problem, strings.Join(problems, "\n"))
			}
		})
	}
}
