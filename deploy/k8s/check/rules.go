package main

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Variables a service may be given beyond its config schema: they are Node's own.
var runtimeVars = map[string]bool{"NODE_OPTIONS": true}

// The Deployment that consumes market.ticks in one consumer group.
const (
	tickConsumer = "position"
	ticksTopic   = "market.ticks"
)

// The images built from deploy/docker/Dockerfile, one target each: they must share one version,
// since the services' init container waits for the migrations of the migrate image.
var imageTargets = []string{"gateway", "price-ingest", "position", "migrate"}

type checker struct {
	sys      *system
	external map[string]bool // Secrets made outside the manifests (by hand)
	objs     []*object
	problems []string
}

func (c *checker) fail(o *object, format string, args ...any) {
	c.problems = append(c.problems, o.id()+": "+fmt.Sprintf(format, args...))
}

func (c *checker) byKind(kind string) []*object {
	var out []*object
	for _, o := range c.objs {
		if o.Kind == kind {
			out = append(out, o)
		}
	}
	return out
}

func (c *checker) find(kind, name string) *object {
	for _, o := range c.objs {
		if o.Kind == kind && o.Metadata.Name == name {
			return o
		}
	}
	return nil
}

// check runs every rule over one rendered overlay and returns what is wrong, sorted.
func check(objs []*object, sys *system, external []string) []string {
	c := &checker{sys: sys, objs: objs, external: map[string]bool{}}
	for _, e := range external {
		c.external[e] = true
	}
	c.namespaces()
	kafkaBrokers := c.kafka()
	c.topics(kafkaBrokers)
	c.postgres()
	c.workloads()
	c.ingresses()
	c.imageVersions()
	sort.Strings(c.problems)
	return c.problems
}

// One Namespace, and every other object in it.
func (c *checker) namespaces() {
	nss := c.byKind("Namespace")
	if len(nss) != 1 {
		c.problems = append(c.problems, fmt.Sprintf("want exactly one Namespace, found %d", len(nss)))
		return
	}
	ns := nss[0].Metadata.Name
	for _, o := range c.objs {
		if o.Kind != "Namespace" && o.Metadata.Namespace != ns {
			c.fail(o, "in namespace %q, not %q", o.Metadata.Namespace, ns)
		}
	}
}

// The Strimzi Kafka cluster: replication that survives a broker, controllers for KRaft. Returns
// the brokers of each cluster.
func (c *checker) kafka() map[string]int {
	brokers, controllers := map[string]int{}, map[string]int{}
	for _, o := range c.byKind("KafkaNodePool") {
		p, err := as[kafkaNodePool](o)
		if err != nil {
			c.problems = append(c.problems, err.Error())
			continue
		}
		cluster := o.Metadata.Labels["strimzi.io/cluster"]
		if c.find("Kafka", cluster) == nil {
			c.fail(o, "label strimzi.io/cluster %q names no Kafka", cluster)
		}
		if slices.Contains(p.Spec.Roles, "broker") {
			brokers[cluster] += p.Spec.Replicas
		}
		if slices.Contains(p.Spec.Roles, "controller") {
			controllers[cluster] += p.Spec.Replicas
		}
	}
	for _, o := range c.byKind("Kafka") {
		k, err := as[kafka](o)
		if err != nil {
			c.problems = append(c.problems, err.Error())
			continue
		}
		name := o.Metadata.Name
		n := brokers[name]
		if n == 0 {
			c.fail(o, "no KafkaNodePool with the broker role")
			continue
		}
		if controllers[name]%2 == 0 {
			c.fail(o, "%d KRaft controllers: want an odd number", controllers[name])
		}
		// With three brokers or more, everything is kept three times and written to two.
		wantRF, wantISR := min(3, n), min(2, n)
		cfg := k.Spec.Kafka.Config
		for _, key := range []string{"default.replication.factor", "offsets.topic.replication.factor", "transaction.state.log.replication.factor"} {
			v, ok := number(cfg[key])
			switch {
			case !ok:
				c.fail(o, "spec.kafka.config.%s is not set", key)
			case v > n:
				c.fail(o, "%s %d exceeds the %d brokers", key, v, n)
			case v < wantRF:
				c.fail(o, "%s %d: want %d with %d brokers", key, v, wantRF, n)
			}
		}
		for _, key := range []string{"min.insync.replicas", "transaction.state.log.min.isr"} {
			v, ok := number(cfg[key])
			switch {
			case !ok:
				c.fail(o, "spec.kafka.config.%s is not set", key)
			case v != wantISR:
				c.fail(o, "%s %d: want %d with %d brokers (a write survives a broker, and a broker may be down)", key, v, wantISR, n)
			}
		}
		c.brokersVar(o, k)
	}
	return brokers
}

// KAFKA_BROKERS in the ConfigMaps names the cluster's bootstrap Service and a plain listener
// (the services' Kafka client has no TLS settings).
func (c *checker) brokersVar(kafkaObj *object, k *kafka) {
	want := map[string]bool{}
	for _, l := range k.Spec.Kafka.Listeners {
		if l.Type == "internal" && !l.TLS {
			want[fmt.Sprintf("%s-kafka-bootstrap:%d", kafkaObj.Metadata.Name, l.Port)] = true
		}
	}
	for _, o := range c.byKind("ConfigMap") {
		cm, err := as[configMap](o)
		if err != nil {
			continue
		}
		v, ok := cm.Data["KAFKA_BROKERS"]
		if !ok {
			continue
		}
		for _, b := range strings.Split(v, ",") {
			host, port, _ := strings.Cut(strings.TrimSpace(b), ":")
			host, _, _ = strings.Cut(host, ".") // bootstrap, bootstrap.ns, bootstrap.ns.svc...
			if !want[host+":"+port] {
				c.fail(o, "KAFKA_BROKERS %q is not the bootstrap Service of Kafka %s on a plain internal listener", v, kafkaObj.Metadata.Name)
			}
		}
	}
}

// The contract's topics, each with the partitions of the local setup, replicated on brokers that exist.
func (c *checker) topics(brokers map[string]int) {
	seen := map[string]bool{}
	for _, o := range c.byKind("KafkaTopic") {
		t, err := as[kafkaTopic](o)
		if err != nil {
			c.problems = append(c.problems, err.Error())
			continue
		}
		name := t.Spec.TopicName
		if name == "" {
			name = o.Metadata.Name
		}
		seen[name] = true
		if !slices.Contains(c.sys.topics, name) {
			c.fail(o, "topic %q is not one of libs/messaging/src/topics.ts (%s)", name, strings.Join(c.sys.topics, ", "))
		}
		if t.Spec.Partitions != c.sys.partitions {
			c.fail(o, "%d partitions; docker-compose.yml and deploy/local give every topic %d", t.Spec.Partitions, c.sys.partitions)
		}
		cluster := o.Metadata.Labels["strimzi.io/cluster"]
		n, ok := brokers[cluster]
		if !ok {
			c.fail(o, "label strimzi.io/cluster %q names no Kafka with brokers", cluster)
			continue
		}
		if t.Spec.Replicas < 1 || t.Spec.Replicas > n {
			c.fail(o, "replicas %d: the cluster has %d brokers", t.Spec.Replicas, n)
		} else if t.Spec.Replicas < min(3, n) {
			c.fail(o, "replicas %d: want %d with %d brokers", t.Spec.Replicas, min(3, n), n)
		}
		if v, ok := number(t.Spec.Config["min.insync.replicas"]); ok && v != min(2, t.Spec.Replicas) {
			c.fail(o, "min.insync.replicas %d with %d replicas: want %d", v, t.Spec.Replicas, min(2, t.Spec.Replicas))
		}
	}
	for _, name := range c.sys.topics {
		if !seen[name] {
			c.problems = append(c.problems, fmt.Sprintf("no KafkaTopic for %s (libs/messaging/src/topics.ts)", name))
		}
	}
}

// The CloudNativePG cluster runs the PostgreSQL major version of the rest of the system.
func (c *checker) postgres() {
	for _, o := range c.byKind("Cluster") {
		if !strings.HasPrefix(o.APIVersion, "postgresql.cnpg.io/") {
			continue
		}
		p, err := as[pgCluster](o)
		if err != nil {
			c.problems = append(c.problems, err.Error())
			continue
		}
		if p.Spec.Instances < 1 {
			c.fail(o, "instances %d", p.Spec.Instances)
		}
		_, tag, _ := strings.Cut(p.Spec.ImageName[strings.LastIndex(p.Spec.ImageName, "/")+1:], ":")
		if tag != c.sys.pgMajor && !strings.HasPrefix(tag, c.sys.pgMajor+".") && !strings.HasPrefix(tag, c.sys.pgMajor+"-") {
			c.fail(o, "imageName %q is not PostgreSQL %s (docker-compose.yml)", p.Spec.ImageName, c.sys.pgMajor)
		}
	}
}

func (c *checker) workloads() {
	for _, o := range c.byKind("Deployment") {
		w, err := as[workload](o)
		if err != nil {
			c.problems = append(c.problems, err.Error())
			continue
		}
		c.deployment(o, w)
	}
	for _, o := range c.byKind("Job") {
		w, err := as[workload](o)
		if err != nil {
			c.problems = append(c.problems, err.Error())
			continue
		}
		c.pod(o, &w.Spec.Template)
	}
	for _, kind := range []string{"StatefulSet", "DaemonSet", "CronJob", "Pod", "ReplicaSet"} {
		for _, o := range c.byKind(kind) {
			c.fail(o, "%s is not checked by deploy/k8s/check: add rules for it", kind)
		}
	}
}

func (c *checker) deployment(o *object, w *workload) {
	tpl := &w.Spec.Template
	labels := tpl.Metadata.Labels
	replicas := 1
	if w.Spec.Replicas != nil {
		replicas = *w.Spec.Replicas
	}
	if len(w.Spec.Selector.MatchLabels) == 0 || !subset(w.Spec.Selector.MatchLabels, labels) {
		c.fail(o, "spec.selector does not match the pod template's labels")
	}
	c.pod(o, tpl)
	if len(tpl.Spec.Containers) == 0 {
		return
	}
	main := tpl.Spec.Containers[0]
	ports := map[string]int{}
	for _, p := range main.Ports {
		ports[p.Name] = p.ContainerPort
		ports[strconv.Itoa(p.ContainerPort)] = p.ContainerPort
	}
	for _, pr := range []struct {
		name  string
		probe *probe
		path  string
	}{{"readinessProbe", main.ReadinessProbe, "/health/ready"}, {"livenessProbe", main.LivenessProbe, "/health/live"}} {
		switch {
		case pr.probe == nil || pr.probe.HTTPGet == nil:
			c.fail(o, "container %s has no %s (httpGet %s)", main.Name, pr.name, pr.path)
		case pr.probe.HTTPGet.Path != pr.path:
			c.fail(o, "container %s: %s on %s, want %s", main.Name, pr.name, pr.probe.HTTPGet.Path, pr.path)
		case ports[pr.probe.HTTPGet.Port] == 0:
			c.fail(o, "container %s: %s port %q is not a port of the container", main.Name, pr.name, pr.probe.HTTPGet.Port)
		}
	}

	// A Service and a PodDisruptionBudget that select these pods.
	c.matchingService(o, labels, ports)
	c.matchingPDB(o, labels, replicas)

	// Prometheus scrapes GET /metrics on the container's port.
	a := tpl.Metadata.Annotations
	if a["prometheus.io/scrape"] != "true" || a["prometheus.io/path"] != "/metrics" {
		c.fail(o, "pod template lacks the annotations prometheus.io/scrape \"true\" and prometheus.io/path /metrics")
	}
	if p, err := strconv.Atoi(a["prometheus.io/port"]); err != nil || ports[strconv.Itoa(p)] == 0 {
		c.fail(o, "annotation prometheus.io/port %q is not a port of container %s", a["prometheus.io/port"], main.Name)
	}

	// The service's own configuration (services/<name>/src/config.ts).
	cfg, ok := c.sys.services[o.Metadata.Name]
	if !ok {
		c.fail(o, "no services/%s/src/config.ts: the rules cannot check its environment", o.Metadata.Name)
		return
	}
	env := c.environment(o, main)
	for name := range env {
		if !cfg.vars[name] && !runtimeVars[name] {
			c.fail(o, "%s is not a variable of services/%s/src/config.ts", name, o.Metadata.Name)
		}
	}
	for _, name := range cfg.requiredVars {
		if _, ok := env[name]; !ok {
			c.fail(o, "%s is required by services/%s/src/config.ts and not set", name, o.Metadata.Name)
		}
	}
	port := cfg.port
	if v, ok := env["PORT"]; ok && v != "" {
		port, _ = strconv.Atoi(v)
	}
	if ports[strconv.Itoa(port)] == 0 {
		c.fail(o, "the service listens on PORT %d, which container %s does not declare", port, main.Name)
	}
	graceMs := cfg.shutdownMs
	if v, ok := env["SHUTDOWN_GRACE_MS"]; ok && v != "" {
		graceMs, _ = strconv.Atoi(v)
	}
	need := int(math.Ceil(float64(graceMs)/1000)) + preStopSeconds(main) + 5
	if tpl.Spec.TerminationGracePeriodSeconds == nil || *tpl.Spec.TerminationGracePeriodSeconds < need {
		c.fail(o, "terminationGracePeriodSeconds must be at least %d: SHUTDOWN_GRACE_MS %d ms + preStop %d s + 5 s", need, graceMs, preStopSeconds(main))
	}

	// The consumers of market.ticks share its partitions: more replicas than partitions idle.
	if o.Metadata.Name == tickConsumer {
		for _, t := range c.byKind("KafkaTopic") {
			kt, err := as[kafkaTopic](t)
			if err != nil || (kt.Spec.TopicName != ticksTopic && (kt.Spec.TopicName != "" || t.Metadata.Name != ticksTopic)) {
				continue
			}
			if replicas > kt.Spec.Partitions {
				c.fail(o, "%d replicas, more than the %d partitions of %s", replicas, kt.Spec.Partitions, ticksTopic)
			}
		}
	}
}

func (c *checker) matchingService(o *object, labels map[string]string, ports map[string]int) {
	for _, s := range c.byKind("Service") {
		svc, err := as[service](s)
		if err != nil || len(svc.Spec.Selector) == 0 || !subset(svc.Spec.Selector, labels) {
			continue
		}
		for _, p := range svc.Spec.Ports {
			if ports[p.TargetPort] == 0 {
				c.fail(s, "targetPort %q is not a port of %s's container", p.TargetPort, o.id())
			}
		}
		return
	}
	c.fail(o, "no Service selects its pods")
}

func (c *checker) matchingPDB(o *object, labels map[string]string, replicas int) {
	for _, d := range c.byKind("PodDisruptionBudget") {
		b, err := as[pdb](d)
		if err != nil || len(b.Spec.Selector.MatchLabels) == 0 || !subset(b.Spec.Selector.MatchLabels, labels) {
			continue
		}
		switch {
		case b.Spec.MinAvailable == "" && b.Spec.MaxUnavailable == "":
			c.fail(d, "neither minAvailable nor maxUnavailable")
		case b.Spec.MaxUnavailable == "0" || b.Spec.MaxUnavailable == "0%":
			c.fail(d, "maxUnavailable 0 blocks every drain")
		case b.Spec.MinAvailable != "":
			if n, err := strconv.Atoi(b.Spec.MinAvailable); err == nil && n >= replicas {
				c.fail(d, "minAvailable %d with %d replicas blocks every drain", n, replicas)
			}
		}
		return
	}
	c.fail(o, "no PodDisruptionBudget selects its pods")
}

// environment gathers a container's variables: env, and the keys of envFrom ConfigMaps and
// Secrets rendered here; references to objects that are neither rendered nor known fail.
func (c *checker) environment(o *object, ct container) map[string]string {
	env := map[string]string{}
	for _, ef := range ct.EnvFrom {
		if ef.ConfigMapRef != nil {
			if cm := c.configMap(o, ef.ConfigMapRef.Name); cm != nil {
				for k, v := range cm.Data {
					env[k] = v
				}
			}
		}
		if ef.SecretRef != nil {
			if s := c.find("Secret", ef.SecretRef.Name); s != nil {
				if sec, err := as[secret](s); err == nil {
					for k := range sec.Data {
						env[k] = ""
					}
					for k := range sec.StringData {
						env[k] = ""
					}
				}
			} else {
				c.fail(o, "envFrom secretRef %q: whole Secrets made outside the manifests cannot be checked; use secretKeyRef", ef.SecretRef.Name)
			}
		}
	}
	for _, e := range ct.Env {
		env[e.Name] = e.Value
	}
	return env
}

func (c *checker) configMap(o *object, name string) *configMap {
	cmObj := c.find("ConfigMap", name)
	if cmObj == nil {
		c.fail(o, "ConfigMap %q is not in the manifests", name)
		return nil
	}
	cm, err := as[configMap](cmObj)
	if err != nil {
		c.problems = append(c.problems, err.Error())
		return nil
	}
	return cm
}

// secretRef checks a secretKeyRef: a Secret of the manifests with that key, the application
// secret CloudNativePG makes for a Cluster of the manifests (<cluster>-app, key uri for a URL),
// or a Secret that the README has the operator make by hand.
func (c *checker) secretRef(o *object, ref keyRef) {
	if s := c.find("Secret", ref.Name); s != nil {
		if sec, err := as[secret](s); err == nil {
			if _, ok := sec.Data[ref.Key]; !ok {
				if _, ok := sec.StringData[ref.Key]; !ok {
					c.fail(o, "Secret %s has no key %s", ref.Name, ref.Key)
				}
			}
		}
		return
	}
	if cluster, ok := strings.CutSuffix(ref.Name, "-app"); ok {
		if cl := c.find("Cluster", cluster); cl != nil && strings.HasPrefix(cl.APIVersion, "postgresql.cnpg.io/") {
			if !slices.Contains([]string{"uri", "username", "password", "host", "port", "dbname", "pgpass", "jdbc-uri", "fqdn-uri", "fqdn-jdbc-uri"}, ref.Key) {
				c.fail(o, "secret %s (CloudNativePG, cluster %s) has no key %s", ref.Name, cluster, ref.Key)
			}
			return
		}
	}
	if !c.external[ref.Name] {
		c.fail(o, "secret %q is neither in the manifests, nor a CloudNativePG <cluster>-app secret, nor a secret made by hand (check.sh --external-secret)", ref.Name)
	}
}

// pod: every container, init containers too, has requests and limits and the hardened
// securityContext; every reference resolves.
func (c *checker) pod(o *object, tpl *podTemplate) {
	podNonRoot := tpl.Spec.SecurityContext != nil && tpl.Spec.SecurityContext.RunAsNonRoot != nil && *tpl.Spec.SecurityContext.RunAsNonRoot
	all := append(append([]container{}, tpl.Spec.InitContainers...), tpl.Spec.Containers...)
	if len(tpl.Spec.Containers) == 0 {
		c.fail(o, "no containers")
	}
	for _, ct := range all {
		where := "container " + ct.Name
		if ct.Image == "" || !hasTag(ct.Image) || strings.HasSuffix(ct.Image, ":latest") {
			c.fail(o, "%s: image %q needs a fixed tag", where, ct.Image)
		}
		for _, r := range []string{"cpu", "memory"} {
			if ct.Resources.Requests[r] == "" {
				c.fail(o, "%s: no resources.requests.%s", where, r)
			}
			if ct.Resources.Limits[r] == "" {
				c.fail(o, "%s: no resources.limits.%s", where, r)
			}
		}
		sc := ct.SecurityContext
		switch {
		case sc == nil:
			c.fail(o, "%s: no securityContext", where)
		default:
			if !podNonRoot && (sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot) {
				c.fail(o, "%s: runAsNonRoot is not true (pod or container)", where)
			}
			if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
				c.fail(o, "%s: allowPrivilegeEscalation is not false", where)
			}
			if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
				c.fail(o, "%s: readOnlyRootFilesystem is not true", where)
			}
			if sc.Privileged != nil && *sc.Privileged {
				c.fail(o, "%s: privileged", where)
			}
			if sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") || len(sc.Capabilities.Add) > 0 {
				c.fail(o, "%s: capabilities must drop ALL and add none", where)
			}
		}
		for _, e := range ct.Env {
			if e.ValueFrom == nil {
				continue
			}
			if r := e.ValueFrom.SecretKeyRef; r != nil {
				c.secretRef(o, *r)
			}
			if r := e.ValueFrom.ConfigMapKeyRef; r != nil {
				if cm := c.configMap(o, r.Name); cm != nil {
					if _, ok := cm.Data[r.Key]; !ok {
						c.fail(o, "%s: ConfigMap %s has no key %s", where, r.Name, r.Key)
					}
				}
			}
		}
		for _, ef := range ct.EnvFrom {
			if ef.ConfigMapRef != nil {
				c.configMap(o, ef.ConfigMapRef.Name)
			}
		}
	}
	for _, v := range tpl.Spec.Volumes {
		if v.ConfigMap != nil {
			c.configMap(o, v.ConfigMap.Name)
		}
		if v.Secret != nil && c.find("Secret", v.Secret.SecretName) == nil && !c.external[v.Secret.SecretName] {
			c.fail(o, "volume %s: Secret %q is not in the manifests", v.Name, v.Secret.SecretName)
		}
	}
}

// imageVersions: the images of the four Dockerfile targets carry one tag.
func (c *checker) imageVersions() {
	tags := map[string][]string{}
	for _, kind := range []string{"Deployment", "Job"} {
		for _, o := range c.byKind(kind) {
			w, err := as[workload](o)
			if err != nil {
				continue
			}
			for _, ct := range append(append([]container{}, w.Spec.Template.Spec.InitContainers...), w.Spec.Template.Spec.Containers...) {
				name, tag := splitImage(ct.Image)
				for _, t := range imageTargets {
					if name == t || strings.HasSuffix(name, "/"+t) {
						tags[tag] = append(tags[tag], o.id()+" "+ct.Image)
					}
				}
			}
		}
	}
	if len(tags) > 1 {
		var parts []string
		for tag, users := range tags {
			parts = append(parts, fmt.Sprintf("%s (%s)", tag, strings.Join(users, ", ")))
		}
		sort.Strings(parts)
		c.problems = append(c.problems, "the images of deploy/docker/Dockerfile's targets must share one version, found: "+strings.Join(parts, "; "))
	}
}

func preStopSeconds(ct container) int {
	if ct.Lifecycle == nil || ct.Lifecycle.PreStop == nil {
		return 0
	}
	if s := ct.Lifecycle.PreStop.Sleep; s != nil {
		return s.Seconds
	}
	if e := ct.Lifecycle.PreStop.Exec; e != nil && len(e.Command) == 2 && e.Command[0] == "sleep" {
		n, _ := strconv.Atoi(e.Command[1])
		return n
	}
	return 0
}

func subset(sel, labels map[string]string) bool {
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func hasTag(image string) bool {
	_, tag := splitImage(image)
	return tag != "" || strings.Contains(image, "@sha256:")
}

// splitImage: "reg:5000/a/b:tag" -> ("reg:5000/a/b", "tag").
func splitImage(image string) (string, string) {
	image, _, _ = strings.Cut(image, "@")
	slash := strings.LastIndex(image, "/")
	if i := strings.LastIndex(image, ":"); i > slash {
		return image[:i], image[i+1:]
	}
	return image, ""
}
