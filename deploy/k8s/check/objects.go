package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// The parts of the rendered objects that the rules read; everything else is ignored.

type meta struct {
	Name        string            `yaml:"name"`
	Namespace   string            `yaml:"namespace"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

type object struct {
	APIVersion string    `yaml:"apiVersion"`
	Kind       string    `yaml:"kind"`
	Metadata   meta      `yaml:"metadata"`
	node       yaml.Node // the whole document, decoded again by kind
}

func (o *object) id() string { return o.Kind + "/" + o.Metadata.Name }

type keyRef struct {
	Name string `yaml:"name"`
	Key  string `yaml:"key"`
}

type envVar struct {
	Name      string `yaml:"name"`
	Value     string `yaml:"value"`
	ValueFrom *struct {
		SecretKeyRef    *keyRef `yaml:"secretKeyRef"`
		ConfigMapKeyRef *keyRef `yaml:"configMapKeyRef"`
	} `yaml:"valueFrom"`
}

type probe struct {
	HTTPGet *struct {
		Path string `yaml:"path"`
		Port string `yaml:"port"` // a number or a port name
	} `yaml:"httpGet"`
}

type container struct {
	Name  string `yaml:"name"`
	Image string `yaml:"image"`
	Ports []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	Env     []envVar `yaml:"env"`
	EnvFrom []struct {
		ConfigMapRef *keyRef `yaml:"configMapRef"`
		SecretRef    *keyRef `yaml:"secretRef"`
	} `yaml:"envFrom"`
	ReadinessProbe *probe `yaml:"readinessProbe"`
	LivenessProbe  *probe `yaml:"livenessProbe"`
	Lifecycle      *struct {
		PreStop *struct {
			Exec *struct {
				Command []string `yaml:"command"`
			} `yaml:"exec"`
			Sleep *struct {
				Seconds int `yaml:"seconds"`
			} `yaml:"sleep"`
		} `yaml:"preStop"`
	} `yaml:"lifecycle"`
	Resources struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	} `yaml:"resources"`
	SecurityContext *struct {
		RunAsNonRoot             *bool `yaml:"runAsNonRoot"`
		AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
		ReadOnlyRootFilesystem   *bool `yaml:"readOnlyRootFilesystem"`
		Privileged               *bool `yaml:"privileged"`
		Capabilities             *struct {
			Drop []string `yaml:"drop"`
			Add  []string `yaml:"add"`
		} `yaml:"capabilities"`
	} `yaml:"securityContext"`
}

type podTemplate struct {
	Metadata meta `yaml:"metadata"`
	Spec     struct {
		TerminationGracePeriodSeconds *int `yaml:"terminationGracePeriodSeconds"`
		SecurityContext               *struct {
			RunAsNonRoot *bool `yaml:"runAsNonRoot"`
		} `yaml:"securityContext"`
		InitContainers []container `yaml:"initContainers"`
		Containers     []container `yaml:"containers"`
		Volumes        []struct {
			Name      string  `yaml:"name"`
			ConfigMap *keyRef `yaml:"configMap"`
			Secret    *struct {
				SecretName string `yaml:"secretName"`
			} `yaml:"secret"`
		} `yaml:"volumes"`
	} `yaml:"spec"`
}

type workload struct {
	Spec struct {
		Replicas *int `yaml:"replicas"`
		Selector struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"selector"`
		Template podTemplate `yaml:"template"`
	} `yaml:"spec"`
}

type service struct {
	Spec struct {
		Selector map[string]string `yaml:"selector"`
		Ports    []struct {
			Name       string `yaml:"name"`
			Port       int    `yaml:"port"`
			TargetPort string `yaml:"targetPort"`
		} `yaml:"ports"`
	} `yaml:"spec"`
}

type pdb struct {
	Spec struct {
		MinAvailable   string `yaml:"minAvailable"`
		MaxUnavailable string `yaml:"maxUnavailable"`
		Selector       struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"selector"`
	} `yaml:"spec"`
}

type configMap struct {
	Data map[string]string `yaml:"data"`
}

type secret struct {
	Data       map[string]string `yaml:"data"`
	StringData map[string]string `yaml:"stringData"`
}

type kafkaTopic struct {
	Spec struct {
		TopicName  string         `yaml:"topicName"`
		Partitions int            `yaml:"partitions"`
		Replicas   int            `yaml:"replicas"`
		Config     map[string]any `yaml:"config"`
	} `yaml:"spec"`
}

type kafkaNodePool struct {
	Spec struct {
		Replicas int      `yaml:"replicas"`
		Roles    []string `yaml:"roles"`
	} `yaml:"spec"`
}

type kafka struct {
	Spec struct {
		Kafka struct {
			Listeners []struct {
				Name string `yaml:"name"`
				Port int    `yaml:"port"`
				Type string `yaml:"type"`
				TLS  bool   `yaml:"tls"`
			} `yaml:"listeners"`
			Config map[string]any `yaml:"config"`
		} `yaml:"kafka"`
	} `yaml:"spec"`
}

type pgCluster struct {
	Spec struct {
		Instances int    `yaml:"instances"`
		ImageName string `yaml:"imageName"`
	} `yaml:"spec"`
}

// decodeAll reads every document of a multi-document YAML stream.
func decodeAll(r io.Reader) ([]*object, error) {
	dec := yaml.NewDecoder(r)
	var out []*object
	for {
		o := &object{}
		if err := dec.Decode(&o.node); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, err
		}
		if err := o.node.Decode(o); err != nil {
			return nil, fmt.Errorf("document %d: %w", len(out)+1, err)
		}
		if o.Kind == "" {
			continue // an empty document
		}
		out = append(out, o)
	}
}

func decodeString(s string) ([]*object, error) { return decodeAll(bytes.NewBufferString(s)) }

// as decodes the object into one of the kind-specific types above.
func as[T any](o *object) (*T, error) {
	var v T
	if err := o.node.Decode(&v); err != nil {
		return nil, fmt.Errorf("%s: %w", o.id(), err)
	}
	return &v, nil
}

// number reads a Kafka config value (YAML int or string); ok is false for anything else.
func number(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case string:
		i, err := strconv.Atoi(n)
		return i, err == nil
	default:
		return 0, false
	}
}

type ingressBackend struct {
	Service *struct {
		Name string `yaml:"name"`
		Port struct {
			Name   string `yaml:"name"`
			Number int    `yaml:"number"`
		} `yaml:"port"`
	} `yaml:"service"`
}

type ingressPath struct {
	Path     string         `yaml:"path"`
	PathType string         `yaml:"pathType"`
	Backend  ingressBackend `yaml:"backend"`
}

type ingress struct {
	Spec struct {
		IngressClassName string          `yaml:"ingressClassName"`
		DefaultBackend   *ingressBackend `yaml:"defaultBackend"`
		TLS              []struct {
			Hosts      []string `yaml:"hosts"`
			SecretName string   `yaml:"secretName"`
		} `yaml:"tls"`
		Rules []struct {
			Host string `yaml:"host"`
			HTTP *struct {
				Paths []ingressPath `yaml:"paths"`
			} `yaml:"http"`
		} `yaml:"rules"`
	} `yaml:"spec"`
}
