// Command oms-opscheck checks the deployment files CI cannot run (there is no Docker engine there):
// docker-compose.yml as `docker compose config` loads it, with every profile, and Prometheus's
// configuration and alert rules as Prometheus loads them. It prints what it checked, or every
// problem found and exits 1.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	compose := flag.String("compose", "docker-compose.yml", "the compose file")
	prometheus := flag.String("prometheus-service", "prometheus", "the compose service that runs Prometheus")
	flag.Parse()
	os.Exit(run(*compose, *prometheus, os.Stdout, os.Stderr))
}

func run(composeFile, prometheusService string, out, errOut io.Writer) int {
	project, problems := checkCompose(composeFile)
	var checked []string
	if project != nil {
		var more []string
		checked, more = checkPrometheus(project, prometheusService)
		problems = append(problems, more...)
	}
	for _, problem := range problems {
		fmt.Fprintf(errOut, "oms-opscheck: %s: %s\n", composeFile, problem)
	}
	if len(problems) > 0 {
		return 1
	}
	fmt.Fprintf(out, "oms-opscheck: %s (profiles: %v) and %v are valid\n", composeFile, profilesOf(project), checked)
	return 0
}
