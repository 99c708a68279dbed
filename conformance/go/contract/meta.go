package contract

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Meta is what a message's schema file says about the message besides its shape: the x-
// extensions of docs/contract.md ("Who may send what, and how each message is keyed").
type Meta struct {
	Topic        string        `json:"x-topic"`
	Kind         string        `json:"x-kind"`
	AllowedRoles []string      `json:"x-allowed-roles"`
	PartitionKey *PartitionKey `json:"x-partition-key"`
	declared     map[string]bool
}

// PartitionKey says which payload field keys the record: the first of Fields that is set,
// lower-cased when Lowercase; or always Constant.
type PartitionKey struct {
	Fields    []string `json:"fields"`
	Lowercase bool     `json:"lowercase"`
	Constant  string   `json:"constant"`
}

// Declares tells whether the schema file has the extension at all (older docs have none).
func (m Meta) Declares(extension string) bool { return m.declared[extension] }

// Allows tells whether role may send the message; true when the docs do not say.
func (m Meta) Allows(role string) bool {
	return !m.Declares("x-allowed-roles") || slices.Contains(m.AllowedRoles, role)
}

// Key is the record key for a payload, and whether the docs declare one at all.
func (m Meta) Key(payload map[string]any) (string, bool) {
	if !m.Declares("x-partition-key") {
		return "", false
	}
	if m.PartitionKey == nil {
		return "", true // declared as no key (queries)
	}
	if m.PartitionKey.Constant != "" {
		return m.PartitionKey.Constant, true
	}
	for _, field := range m.PartitionKey.Fields {
		if value, ok := payload[field].(string); ok && value != "" {
			if m.PartitionKey.Lowercase {
				value = strings.ToLower(value)
			}
			return value, true
		}
	}
	return "", true
}

// Meta reads the x- extensions of docs/schemas/<messageName>.json.
func (d *Docs) Meta(messageName string) (Meta, error) {
	raw, err := os.ReadFile(filepath.Join(d.dir, "schemas", messageName+".json"))
	if err != nil {
		return Meta{}, err
	}
	var meta Meta
	var all map[string]json.RawMessage
	if err := json.Unmarshal(raw, &meta); err != nil {
		return Meta{}, fmt.Errorf("%s: %w", messageName, err)
	}
	if err := json.Unmarshal(raw, &all); err != nil {
		return Meta{}, err
	}
	meta.declared = map[string]bool{}
	for key := range all {
		if strings.HasPrefix(key, "x-") {
			meta.declared[key] = true
		}
	}
	return meta, nil
}

// ReplySchema is the schema a request's reply is checked against: its own typed reply
// (<request>.reply.json) where the docs publish one, else the generic Reply v1.
func (d *Docs) ReplySchema(requestName string) string {
	typed := requestName + ".reply"
	if _, err := os.Stat(filepath.Join(d.dir, "schemas", typed+".json")); err == nil {
		return typed
	}
	return "ReplyV1"
}
