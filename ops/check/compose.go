package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/sirupsen/logrus"
)

// The project name docker compose would derive from the checkout's directory; fixed here so the
// result does not depend on what the clone is called.
const projectName = "csr-oms"

// checkCompose loads the compose file as `docker compose config` does (compose-go: interpolation,
// the compose JSON schema, normalization, consistency), once with the default services and once
// per profile, so a service that depends on one a profile leaves out is caught. Variables are
// resolved as in a fresh clone: no environment and no .env, so every one needs a default. It
// returns the project with every profile enabled (for the Prometheus check) and what is wrong.
func checkCompose(file string) (*types.Project, []string) {
	all, problems := loadCompose(file, []string{"*"})
	if all == nil {
		return nil, problems
	}
	// What a profile adds: the same warning again is not news.
	for _, profile := range append([]string{""}, profilesOf(all)...) {
		_, trouble := loadCompose(file, profilesFlag(profile))
		for _, p := range trouble {
			if !slices.Contains(problems, p) {
				problems = append(problems, fmt.Sprintf("%s: %s", describeProfile(profile), p))
			}
		}
	}
	problems = append(problems, missingFiles(all)...)
	return all, problems
}

func profilesFlag(profile string) []string {
	if profile == "" {
		return nil
	}
	return []string{profile}
}

func describeProfile(profile string) string {
	if profile == "" {
		return "without a profile"
	}
	return fmt.Sprintf("with --profile %s", profile)
}

// compose-go reports what it tolerates (a variable without a value, the obsolete `version`) as a
// logrus warning and goes on; here each is a problem. Loads are serialized: the logger is global.
var loading sync.Mutex

type warnings struct{ seen []string }

func (w *warnings) Levels() []logrus.Level { return []logrus.Level{logrus.WarnLevel} }

func (w *warnings) Fire(entry *logrus.Entry) error {
	// One warning per use: a variable in a YAML anchor shared by three services warns three times.
	if !slices.Contains(w.seen, entry.Message) {
		w.seen = append(w.seen, entry.Message)
	}
	return nil
}

func loadCompose(file string, profiles []string) (*types.Project, []string) {
	loading.Lock()
	defer loading.Unlock()
	warned := &warnings{}
	logger := logrus.StandardLogger()
	logger.SetOutput(io.Discard) // reported as problems instead
	logger.ReplaceHooks(logrus.LevelHooks{})
	logger.AddHook(warned)

	absolute, err := filepath.Abs(file)
	if err != nil {
		return nil, []string{err.Error()}
	}
	options, err := cli.NewProjectOptions(
		[]string{absolute},
		cli.WithName(projectName),
		cli.WithWorkingDirectory(filepath.Dir(absolute)),
		cli.WithProfiles(profiles),
		cli.WithInterpolation(true),
		cli.WithNormalization(true),
		cli.WithConsistency(true),
		cli.WithResolvedPaths(true),
	)
	if err != nil {
		return nil, []string{err.Error()}
	}
	project, err := options.LoadProject(context.Background())
	problems := warned.seen
	if err != nil {
		return nil, append(problems, err.Error())
	}
	return project, problems
}

func profilesOf(project *types.Project) []string {
	var names []string
	for _, service := range project.AllServices() {
		for _, profile := range service.Profiles {
			if profile != "*" && !slices.Contains(names, profile) {
				names = append(names, profile)
			}
		}
	}
	slices.Sort(names)
	return names
}

// missingFiles: what the compose file takes from the repository (bind mounts, build contexts and
// Dockerfiles) must be there, or `up` fails on a machine with Docker long after CI said yes.
// Secrets are left out: the sealing key is made by each user (`csr keygen`), never committed.
func missingFiles(project *types.Project) []string {
	var problems []string
	missing := func(service, what, path string) {
		if _, err := os.Stat(path); err != nil {
			rel, relErr := filepath.Rel(project.WorkingDir, path)
			if relErr != nil {
				rel = path
			}
			problems = append(problems, fmt.Sprintf("service %s: %s %s does not exist", service, what, rel))
		}
	}
	for _, name := range sortedNames(project.AllServices()) {
		service := project.AllServices()[name]
		for _, volume := range service.Volumes {
			if volume.Type == types.VolumeTypeBind {
				missing(name, "the bind mount's source", volume.Source)
			}
		}
		if service.Build != nil && service.Build.DockerfileInline == "" {
			missing(name, "the build context", service.Build.Context)
			dockerfile := service.Build.Dockerfile
			if dockerfile == "" {
				dockerfile = "Dockerfile"
			}
			if !filepath.IsAbs(dockerfile) {
				dockerfile = filepath.Join(service.Build.Context, dockerfile)
			}
			missing(name, "the Dockerfile", dockerfile)
		}
	}
	return problems
}

func sortedNames(services types.Services) []string {
	names := make([]string, 0, len(services))
	for name := range services {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}
