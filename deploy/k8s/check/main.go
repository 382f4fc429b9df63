// Command check reads what `kustomize build` rendered for one overlay on stdin and fails when the
// manifests miss what every workload needs or have drifted from the system (deploy/k8s/README.md,
// "What check.sh checks"). deploy/k8s/check.sh builds and runs it:
//
//	kustomize build deploy/k8s/production | check -repo . -overlay production -external-secret campaign-tracking-api-key
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
)

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	repo := flag.String("repo", ".", "the repository root (services/*/src/config.ts, libs/messaging/src/topics.ts, docker-compose.yml)")
	overlay := flag.String("overlay", "stdin", "the overlay's name, for the messages")
	var external listFlag
	flag.Var(&external, "external-secret", "a Secret made by hand, outside the manifests (repeatable)")
	flag.Parse()

	objs, err := decodeAll(os.Stdin)
	if err == nil && len(objs) == 0 {
		err = fmt.Errorf("no objects on stdin")
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", *overlay, err)
		os.Exit(2)
	}
	sys, err := readSystem(*repo)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", *overlay, err)
		os.Exit(2)
	}
	problems := check(objs, sys, external)
	for _, p := range problems {
		fmt.Printf("%s: %s\n", *overlay, p)
	}
	if len(problems) > 0 {
		os.Exit(1)
	}
	fmt.Printf("%s: %d objects, every rule holds\n", *overlay, len(objs))
}
