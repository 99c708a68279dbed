// Package contract reads what a third party is given: the AsyncAPI documents (docs/asyncapi/) for
// topics, and the JSON Schemas (docs/schemas/) to check every message sent and received.
package contract

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Docs is the published contract, loaded from a docs directory.
type Docs struct {
	dir      string
	channels []channel

	mu       sync.Mutex
	compiler *jsonschema.Compiler
	schemas  map[string]*jsonschema.Schema
}

// channel is one AsyncAPI channel: its address and the names of every message and schema it refers to.
type channel struct {
	address string
	names   map[string]bool
}

// Load reads docs/asyncapi/*.json; schemas are compiled when first used.
func Load(dir string) (*Docs, error) {
	dir, err := filepath.Abs(dir) // schema locations are file URLs, which must be absolute
	if err != nil {
		return nil, err
	}
	files, err := filepath.Glob(filepath.Join(dir, "asyncapi", "*.json"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no AsyncAPI documents in %s/asyncapi", dir)
	}
	docs := &Docs{dir: dir, schemas: map[string]*jsonschema.Schema{}, compiler: newCompiler()}
	for _, file := range files {
		channels, err := readChannels(file)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		docs.channels = append(docs.channels, channels...)
	}
	return docs, nil
}

// FindDir walks up from the working directory to the first docs directory with AsyncAPI documents.
func FindDir() (string, error) {
	here, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		candidate := filepath.Join(here, "docs")
		if _, err := os.Stat(filepath.Join(candidate, "asyncapi")); err == nil {
			return candidate, nil
		}
		parent := filepath.Dir(here)
		if parent == here {
			return "", fmt.Errorf("no docs/asyncapi above the working directory; pass -docs")
		}
		here = parent
	}
}

// Topic is the topic (without the deployment's prefix) a message type travels on, e.g.
// CreateCartV1 -> orders.commands: the one channel address whose messages name it.
func (d *Docs) Topic(messageName string) (string, error) {
	found := map[string]bool{}
	for _, ch := range d.channels {
		if ch.names[messageName] || ch.names[messageName+"Envelope"] {
			found[ch.address] = true
		}
	}
	addresses := keys(found)
	if len(addresses) != 1 {
		return "", fmt.Errorf("%s is on %d topics in the AsyncAPI documents: %v", messageName, len(addresses), addresses)
	}
	return addresses[0], nil
}

// ReplyTopic fills in the reply channel's address template (<prefix>replies.<client>).
func (d *Docs) ReplyTopic(prefix, client string) (string, error) {
	for _, ch := range d.channels {
		if strings.Contains(ch.address, "<client>") {
			return strings.NewReplacer("<prefix>", prefix, "<client>", client).Replace(ch.address), nil
		}
	}
	return "", fmt.Errorf("no reply channel with a <client> placeholder in the AsyncAPI documents")
}

// Validate checks a whole envelope (JSON) against docs/schemas/<messageName>.json.
func (d *Docs) Validate(messageName string, envelope []byte) error {
	schema, err := d.schema(messageName)
	if err != nil {
		return err
	}
	instance, err := jsonschema.UnmarshalJSON(bytes.NewReader(envelope))
	if err != nil {
		return err
	}
	if err := schema.Validate(instance); err != nil {
		return fmt.Errorf("%s does not match docs/schemas/%s.json: %w", messageName, messageName, err)
	}
	return nil
}

func (d *Docs) schema(messageName string) (*jsonschema.Schema, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if schema, ok := d.schemas[messageName]; ok {
		return schema, nil
	}
	path := filepath.Join(d.dir, "schemas", messageName+".json")
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	doc, err := jsonschema.UnmarshalJSON(file)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	location := "file://" + filepath.ToSlash(path)
	if err := d.compiler.AddResource(location, doc); err != nil {
		return nil, err
	}
	schema, err := d.compiler.Compile(location)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	d.schemas[messageName] = schema
	return schema, nil
}

func newCompiler() *jsonschema.Compiler {
	compiler := jsonschema.NewCompiler()
	compiler.DefaultDraft(jsonschema.Draft2020)
	compiler.AssertFormat() // uuid, email, date-time are part of what the services check
	compiler.UseRegexpEngine(re2Engine)
	return compiler
}

// bigRepeat finds bounded repeats beyond RE2's limit of 1000 (the sealed-value pattern has
// {80,2000}). JSON Schema patterns are ECMA-262, which has no such limit.
var bigRepeat = regexp.MustCompile(`\{(\d+),(\d+)\}`)

// re2Engine compiles a pattern with Go's RE2, turning a repeat bound above 1000 into an open one:
// the schemas that use one also give maxLength, which still bounds the value.
func re2Engine(pattern string) (jsonschema.Regexp, error) {
	rewritten := bigRepeat.ReplaceAllStringFunc(pattern, func(repeat string) string {
		bounds := bigRepeat.FindStringSubmatch(repeat)
		if upper, _ := strconv.Atoi(bounds[2]); upper > 1000 {
			return "{" + bounds[1] + ",}"
		}
		return repeat
	})
	return regexp.Compile(rewritten)
}
