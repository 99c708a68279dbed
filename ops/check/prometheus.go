package main

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/config"
	"github.com/prometheus/prometheus/discovery"
	// Registers dns_sd_configs (Prometheus registers each service discovery in its package's init):
	// the compose file's Prometheus finds every replica of a scaled service by DNS.
	"github.com/prometheus/prometheus/discovery/dns"
	"github.com/prometheus/prometheus/model/rulefmt"
)

// Where the Prometheus image reads its configuration unless told otherwise (--config.file).
const defaultConfigFile = "/etc/prometheus/prometheus.yml"

// checkPrometheus checks Prometheus as the compose file runs it: the configuration the service
// mounts, parsed by Prometheus's own config package; every rule file it names, found through the
// service's bind mounts (a rule file that is not mounted would be silently missing in the
// container), parsed by rulefmt, which also parses each expression as PromQL and each annotation
// as a template; and every static scrape target a service of the compose file.
func checkPrometheus(project *types.Project, serviceName string) (checked []string, problems []string) {
	service, ok := project.AllServices()[serviceName]
	if !ok {
		return nil, []string{fmt.Sprintf("the compose file has no service %q to run Prometheus", serviceName)}
	}
	containerConfig := configFlag(service.Command)
	hostConfig, err := hostPath(service, containerConfig)
	if err != nil {
		return nil, []string{err.Error()}
	}
	content, err := os.ReadFile(hostConfig)
	if err != nil {
		return nil, []string{err.Error()}
	}
	logger := slog.New(slog.DiscardHandler)
	cfg, err := config.Load(string(content), logger)
	if err != nil {
		return nil, []string{fmt.Sprintf("%s: %v", relative(project, hostConfig), err)}
	}
	checked = append(checked, relative(project, hostConfig))
	scheme := cfg.GlobalConfig.MetricNameValidationScheme
	if scheme == model.UnsetValidation {
		scheme = model.UTF8Validation // Prometheus 3's default
	}
	for _, pattern := range cfg.RuleFiles {
		files, problem := ruleFiles(project, service, containerConfig, pattern)
		if problem != "" {
			problems = append(problems, problem)
		}
		for _, file := range files {
			checked = append(checked, relative(project, file))
			if _, errs := rulefmt.ParseFile(file, false, scheme); len(errs) > 0 {
				for _, e := range errs {
					problems = append(problems, fmt.Sprintf("%s: %v", relative(project, file), e))
				}
			}
		}
	}
	problems = append(problems, unknownTargets(project, cfg)...)
	return checked, problems
}

func configFlag(command types.ShellCommand) string {
	for i, arg := range command {
		if value, ok := strings.CutPrefix(arg, "--config.file="); ok {
			return value
		}
		if arg == "--config.file" && i+1 < len(command) {
			return command[i+1]
		}
	}
	return defaultConfigFile
}

// hostPath: the file of the repository a container path of the service is, through its bind mounts.
func hostPath(service types.ServiceConfig, inContainer string) (string, error) {
	for _, volume := range service.Volumes {
		if volume.Type != types.VolumeTypeBind {
			continue
		}
		if inContainer == volume.Target {
			return volume.Source, nil
		}
		if rest, ok := strings.CutPrefix(inContainer, strings.TrimSuffix(volume.Target, "/")+"/"); ok {
			return filepath.Join(volume.Source, filepath.FromSlash(rest)), nil
		}
	}
	return "", fmt.Errorf("service %s reads %s, which none of its bind mounts provides", service.Name, inContainer)
}

func ruleFiles(project *types.Project, service types.ServiceConfig, containerConfig, pattern string) ([]string, string) {
	inContainer := pattern
	if !path.IsAbs(pattern) { // Prometheus reads it relative to its configuration file
		inContainer = path.Join(path.Dir(containerConfig), pattern)
	}
	host, err := hostPath(service, inContainer)
	if err != nil {
		return nil, fmt.Sprintf("rule_files %s: %v", pattern, err)
	}
	files, err := filepath.Glob(host)
	if err != nil || len(files) == 0 {
		return nil, fmt.Sprintf("rule_files %s: no file matches %s", pattern, relative(project, host))
	}
	return files, ""
}

// unknownTargets: a static target's host, and a DNS name a scrape resolves, must be a service of the compose file (the services
// reach each other by service name), so renaming a service cannot silently empty a dashboard.
func unknownTargets(project *types.Project, cfg *config.Config) []string {
	var problems []string
	for _, scrape := range cfg.ScrapeConfigs {
		for _, sd := range scrape.ServiceDiscoveryConfigs {
			if byName, ok := sd.(*dns.SDConfig); ok {
				for _, name := range byName.Names {
					if !slices.Contains(sortedNames(project.AllServices()), name) {
						problems = append(problems, fmt.Sprintf("job %s: DNS name %q is no service of the compose file", scrape.JobName, name))
					}
				}
				continue
			}
			static, ok := sd.(discovery.StaticConfig)
			if !ok {
				continue
			}
			for _, group := range static {
				for _, target := range group.Targets {
					address := string(target[model.AddressLabel])
					host, _, err := net.SplitHostPort(address)
					if err != nil {
						problems = append(problems, fmt.Sprintf("job %s: target %q: %v", scrape.JobName, address, err))
						continue
					}
					if !slices.Contains(sortedNames(project.AllServices()), host) {
						problems = append(problems, fmt.Sprintf("job %s: target %q is no service of the compose file", scrape.JobName, address))
					}
				}
			}
		}
	}
	return problems
}

func relative(project *types.Project, file string) string {
	if rel, err := filepath.Rel(project.WorkingDir, file); err == nil {
		return rel
	}
	return file
}
