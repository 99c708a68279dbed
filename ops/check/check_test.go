package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A compose file with Prometheus wired as the repository's is: the rules and the configuration
// mounted, scraping a service of the file.
const goodCompose = `
services:
  app:
    image: app:${APP_VERSION:-latest}
  prometheus:
    profiles: [observability]
    image: prom/prometheus:v3.7.3
    volumes:
      - ./prometheus.yml:/etc/prometheus/prometheus.yml:ro
      - ./alerts.yml:/etc/prometheus/alerts.yml:ro
`

const goodConfig = `
global:
  scrape_interval: 15s
rule_files:
  - /etc/prometheus/alerts.yml
scrape_configs:
  - job_name: app
    static_configs:
      - targets: ["app:8000"]
`

const goodRules = `
groups:
  - name: app
    rules:
      - alert: AppDown
        expr: up{job="app"} == 0
        for: 2m
        annotations:
          summary: "{{ $labels.instance }} is down"
`

// check writes the files (name -> content; the three good ones unless replaced) and runs the check.
func check(t *testing.T, replaced map[string]string) (int, string) {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{"docker-compose.yml": goodCompose, "prometheus.yml": goodConfig, "alerts.yml": goodRules}
	for name, content := range replaced {
		files[name] = content
	}
	for name, content := range files {
		if content == "" {
			continue // left out
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var out, errOut bytes.Buffer
	code := run(filepath.Join(dir, "docker-compose.yml"), "prometheus", &out, &errOut)
	return code, out.String() + errOut.String()
}

func expectProblem(t *testing.T, replaced map[string]string, wanted ...string) {
	t.Helper()
	code, output := check(t, replaced)
	if code != 1 {
		t.Fatalf("exit %d, want 1; output:\n%s", code, output)
	}
	for _, w := range wanted {
		if !strings.Contains(output, w) {
			t.Errorf("output lacks %q:\n%s", w, output)
		}
	}
}

func TestTheRepositorysFilesAreValid(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run("../../docker-compose.yml", "prometheus", &out, &errOut); code != 0 {
		t.Fatalf("exit %d:\n%s", code, errOut.String())
	}
	for _, checked := range []string{"observability", "ops/prometheus/prometheus.yml", "ops/prometheus/alerts.yml"} {
		if !strings.Contains(out.String(), checked) {
			t.Errorf("%q not checked: %s", checked, out.String())
		}
	}
}

func TestGoodFilesPass(t *testing.T) {
	if code, output := check(t, nil); code != 0 {
		t.Fatalf("exit %d:\n%s", code, output)
	}
}

func TestAVariableWithoutADefaultFails(t *testing.T) {
	broken := strings.Replace(goodCompose, "${APP_VERSION:-latest}", "${APP_VERSION}", 1)
	expectProblem(t, map[string]string{"docker-compose.yml": broken}, `The "APP_VERSION" variable is not set`)
	if _, output := check(t, map[string]string{"docker-compose.yml": broken}); strings.Count(output, "APP_VERSION") != 1 {
		t.Errorf("said more than once:\n%s", output)
	}
}

func TestWhatTheComposeSchemaRefusesFails(t *testing.T) {
	broken := strings.Replace(goodCompose, "    image: app:", "    imagee: app:", 1)
	expectProblem(t, map[string]string{"docker-compose.yml": broken}, "imagee")
}

func TestADefaultServiceNeedingAProfilesServiceFailsWithoutTheProfile(t *testing.T) {
	broken := strings.Replace(goodCompose, "    image: app:${APP_VERSION:-latest}\n",
		"    image: app:${APP_VERSION:-latest}\n    depends_on: [prometheus]\n", 1)
	expectProblem(t, map[string]string{"docker-compose.yml": broken}, "without a profile", "prometheus")
}

func TestAMissingBindMountSourceFails(t *testing.T) {
	expectProblem(t, map[string]string{"alerts.yml": ""}, "service prometheus: the bind mount's source alerts.yml does not exist")
}

func TestAnExpressionPrometheusCannotParseFails(t *testing.T) {
	broken := strings.Replace(goodRules, `up{job="app"} == 0`, `sum(rate(up[5m])`, 1)
	expectProblem(t, map[string]string{"alerts.yml": broken}, "alerts.yml", "unclosed left parenthesis")
}

func TestAnAnnotationTemplateThatDoesNotParseFails(t *testing.T) {
	broken := strings.Replace(goodRules, "{{ $labels.instance }}", "{{ $labels.instance ", 1)
	expectProblem(t, map[string]string{"alerts.yml": broken}, "alerts.yml", "template")
}

func TestAConfigurationPrometheusRefusesFails(t *testing.T) {
	broken := strings.Replace(goodConfig, "scrape_interval: 15s", "scrape_interval: 15 seconds", 1)
	expectProblem(t, map[string]string{"prometheus.yml": broken}, "prometheus.yml", "15 seconds")
}

func TestARuleFileTheServiceDoesNotMountFails(t *testing.T) {
	broken := strings.Replace(goodConfig, "/etc/prometheus/alerts.yml", "/etc/prometheus/rules/*.yml", 1)
	expectProblem(t, map[string]string{"prometheus.yml": broken}, "rule_files /etc/prometheus/rules/*.yml", "none of its bind mounts")
}

func TestATargetThatIsNoServiceFails(t *testing.T) {
	broken := strings.Replace(goodConfig, `"app:8000"`, `"api:8000"`, 1)
	expectProblem(t, map[string]string{"prometheus.yml": broken}, `target "api:8000" is no service of the compose file`)
}

func TestADNSNameThatIsNoServiceFails(t *testing.T) {
	byDNS := strings.Replace(goodConfig, "static_configs:\n      - targets: [\"app:8000\"]", "dns_sd_configs:\n      - names: [\"api\"]\n        type: A\n        port: 8000", 1)
	if byDNS == goodConfig {
		t.Fatal("the test's configuration has no static target to replace")
	}
	expectProblem(t, map[string]string{"prometheus.yml": byDNS}, `DNS name "api" is no service of the compose file`)
}
