package oms

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Envelope is every record's value (docs/contract.md). Actor is left out on purpose: the services
// take it from the access token and refuse an envelope that names another.
type Envelope struct {
	MessageID     string          `json:"message_id"`
	Type          string          `json:"type"`
	Version       int             `json:"version"`
	Kind          string          `json:"kind"`
	OccurredAt    string          `json:"occurred_at"`
	CorrelationID string          `json:"correlation_id"`
	CausationID   *string         `json:"causation_id,omitempty"`
	ReplyTo       string          `json:"reply_to,omitempty"`
	Payload       json.RawMessage `json:"payload"`
}

// Name is the message's name in the docs, <Type>V<version>: its schema file and AsyncAPI message.
func (e Envelope) Name() string { return e.Type + "V" + strconv.Itoa(e.Version) }

// Reply is the payload of a Reply v1 envelope.
type Reply struct {
	RequestID   string          `json:"request_id"`
	RequestType string          `json:"request_type"`
	Status      string          `json:"status"` // accepted or rejected
	Result      json.RawMessage `json:"result"`
	Code        string          `json:"code"`
	Message     string          `json:"message"`
	FieldErrors []FieldError    `json:"field_errors"`
}

// FieldError says which field was refused and why (`field` is a dotted path: payload.password).
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (r Reply) String() string {
	if r.Status == "accepted" {
		return "accepted"
	}
	return fmt.Sprintf("rejected %s (%s) %v", r.Code, r.Message, r.FieldErrors)
}

var messageName = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9]*)V([0-9]+)$`)

// splitName splits a message name of the docs, CreateCartV1, into its type and version.
func splitName(name string) (string, int, error) {
	parts := messageName.FindStringSubmatch(name)
	if parts == nil {
		return "", 0, fmt.Errorf("%q is not a message name <Type>V<version>", name)
	}
	version, err := strconv.Atoi(parts[2])
	return parts[1], version, err
}

// kinds maps a topic's last part to the envelope's kind: a message on <service>.queries is a query.
var kinds = map[string]string{"commands": "command", "queries": "query", "events": "event"}

func kindOf(topic string) string {
	return kinds[topic[strings.LastIndex(topic, ".")+1:]]
}

// NewID is a random (version 4) UUID: message ids, and the ids a client gives new aggregates.
func NewID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func now() string { return time.Now().UTC().Format(time.RFC3339Nano) }
