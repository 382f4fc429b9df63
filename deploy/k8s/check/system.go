package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// serviceConfig is what a service's src/config.ts says about its environment.
type serviceConfig struct {
	vars         map[string]bool // the variables its zod schema reads
	port         int             // PORT's default
	shutdownMs   int             // SHUTDOWN_GRACE_MS's default
	requiredVars []string        // variables without a default that the manifests must set
}

// system holds the facts of the repository that the manifests must agree with.
type system struct {
	topics     []string // libs/messaging/src/topics.ts
	partitions int      // the partitions docker-compose.yml gives every topic
	pgMajor    string   // the PostgreSQL major version of docker-compose.yml
	services   map[string]serviceConfig
}

var (
	topicLiteral   = regexp.MustCompile(`(?m)^\s+\w+:\s*'([^']+)'`)
	partitionsFlag = regexp.MustCompile(`--partitions\s+(\d+)`)
	postgresImage  = regexp.MustCompile(`(?m)^\s+image:\s*postgres:(\d+)`)
	schemaKey      = regexp.MustCompile(`(?m)^  ([A-Z][A-Z0-9_]*):\s*(.*)$`)
	msDefault      = regexp.MustCompile(`msVar\(([\d_]+)\)`)
	portDefault    = regexp.MustCompile(`portVar\((\d+)\)`)
)

// The variables whose zod type has no default (libs/platform/src/env.ts).
var requiredTypes = []string{"databaseUrlVar", "apiKeySecretVar"}

func readSystem(repo string) (*system, error) {
	read := func(rel string) (string, error) {
		b, err := os.ReadFile(filepath.Join(repo, rel))
		return string(b), err
	}
	s := &system{services: map[string]serviceConfig{}}

	topics, err := read("libs/messaging/src/topics.ts")
	if err != nil {
		return nil, err
	}
	for _, m := range topicLiteral.FindAllStringSubmatch(topics, -1) {
		s.topics = append(s.topics, m[1])
	}
	if len(s.topics) == 0 {
		return nil, fmt.Errorf("no topic found in libs/messaging/src/topics.ts")
	}

	compose, err := read("docker-compose.yml")
	if err != nil {
		return nil, err
	}
	m := partitionsFlag.FindStringSubmatch(compose)
	if m == nil {
		return nil, fmt.Errorf("no --partitions in docker-compose.yml")
	}
	s.partitions, _ = strconv.Atoi(m[1])
	m = postgresImage.FindStringSubmatch(compose)
	if m == nil {
		return nil, fmt.Errorf("no postgres image in docker-compose.yml")
	}
	s.pgMajor = m[1]

	dirs, err := filepath.Glob(filepath.Join(repo, "services", "*", "src", "config.ts"))
	if err != nil {
		return nil, err
	}
	for _, file := range dirs {
		name := filepath.Base(filepath.Dir(filepath.Dir(file)))
		src, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		cfg := serviceConfig{vars: map[string]bool{}}
		for _, k := range schemaKey.FindAllStringSubmatch(string(src), -1) {
			key, expr := k[1], k[2]
			cfg.vars[key] = true
			for _, t := range requiredTypes {
				if strings.HasPrefix(expr, t) {
					cfg.requiredVars = append(cfg.requiredVars, key)
				}
			}
			if d := portDefault.FindStringSubmatch(expr); key == "PORT" && d != nil {
				cfg.port, _ = strconv.Atoi(d[1])
			}
			if d := msDefault.FindStringSubmatch(expr); key == "SHUTDOWN_GRACE_MS" && d != nil {
				cfg.shutdownMs, _ = strconv.Atoi(strings.ReplaceAll(d[1], "_", ""))
			}
		}
		if cfg.port == 0 || cfg.shutdownMs == 0 {
			return nil, fmt.Errorf("%s: no PORT or SHUTDOWN_GRACE_MS default found", file)
		}
		s.services[name] = cfg
	}
	if len(s.services) == 0 {
		return nil, fmt.Errorf("no services/*/src/config.ts under %s", repo)
	}
	return s, nil
}
