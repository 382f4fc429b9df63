package main

import (
	"strconv"
	"strings"
)

// The Service behind the WebSocket endpoint (/api/v1/ws).
const wsService = "gateway"

// How long (s) an nginx Ingress in front of the gateway keeps a quiet connection open: WebSocket
// connections last hours, and nginx's default (60 s) cuts one whose traffic pauses longer.
const wsProxyTimeoutSeconds = 3600

// Paths the services answer without a key, for the cluster's eyes only.
var internalPaths = []string{"/metrics", "/health"}

// ingresses: every backend is a port of a rendered Service; no path (nor a default backend)
// publishes /metrics or /health; every host is under TLS with a named Secret; an nginx Ingress to
// the gateway keeps WebSocket connections open.
func (c *checker) ingresses() {
	for _, o := range c.byKind("Ingress") {
		ing, err := as[ingress](o)
		if err != nil {
			c.fail(o, "%v", err)
			continue
		}
		if ing.Spec.DefaultBackend != nil {
			c.fail(o, "a defaultBackend routes every path, /metrics and /health included, which answer without a key")
			c.backend(o, *ing.Spec.DefaultBackend)
		}
		tlsHosts := map[string]bool{}
		for _, t := range ing.Spec.TLS {
			if t.SecretName == "" {
				c.fail(o, "a tls entry without secretName")
			}
			for _, h := range t.Hosts {
				tlsHosts[h] = true
			}
		}
		toGateway := false
		for _, r := range ing.Spec.Rules {
			if !tlsHosts[r.Host] {
				c.fail(o, "host %q is not under tls: its requests, API keys included, would travel in clear", r.Host)
			}
			if r.HTTP == nil {
				continue
			}
			for _, p := range r.HTTP.Paths {
				if exposesInternal(p) {
					c.fail(o, "path %q (%s) publishes /metrics or /health, which answer without a key", p.Path, p.PathType)
				}
				if c.backend(o, p.Backend) == wsService {
					toGateway = true
				}
			}
		}
		if toGateway && ing.Spec.IngressClassName == "nginx" {
			for _, a := range []string{"proxy-read-timeout", "proxy-send-timeout"} {
				v, err := strconv.Atoi(o.Metadata.Annotations["nginx.ingress.kubernetes.io/"+a])
				if err != nil || v < wsProxyTimeoutSeconds {
					c.fail(o, "nginx.ingress.kubernetes.io/%s must be at least %d for the gateway's WebSockets (nginx's default, 60 s, cuts quiet connections)", a, wsProxyTimeoutSeconds)
				}
			}
		}
	}
}

// exposesInternal: whether a path matches /metrics or /health (a Prefix or ImplementationSpecific
// path matches whole path elements below it, so `/` matches everything).
func exposesInternal(p ingressPath) bool {
	path := p.Path
	if path == "" {
		path = "/"
	}
	prefix := p.PathType != "Exact"
	for _, internal := range internalPaths {
		if path == internal || strings.HasPrefix(path, internal+"/") {
			return true
		}
		if prefix && strings.HasPrefix(internal, strings.TrimSuffix(path, "/")+"/") {
			return true
		}
	}
	return false
}

// backend checks that an Ingress backend is a port of a rendered Service; returns the Service's name.
func (c *checker) backend(o *object, b ingressBackend) string {
	if b.Service == nil {
		c.fail(o, "a backend that is not a Service")
		return ""
	}
	name, port := b.Service.Name, b.Service.Port
	s := c.find("Service", name)
	if s == nil {
		c.fail(o, "backend Service %q is not in the manifests", name)
		return name
	}
	svc, err := as[service](s)
	if err != nil {
		c.fail(o, "%v", err)
		return name
	}
	for _, p := range svc.Spec.Ports {
		if (port.Name != "" && p.Name == port.Name) || (port.Number != 0 && p.Port == port.Number) {
			return name
		}
	}
	want := port.Name
	if want == "" {
		want = strconv.Itoa(port.Number)
	}
	c.fail(o, "backend Service %s has no port %s", name, want)
	return name
}
