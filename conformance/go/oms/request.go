package oms

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/csr-oms/csr-oms/conformance/go/contract"
)

// Request is one envelope ready to be published, and published again to retry it.
type Request struct {
	Envelope Envelope
	topic    string
	key      string
	value    []byte
	headers  []kgo.RecordHeader // all but authorization, added at each publication with a fresh token
}

// Prepare builds the envelope of a message named as in the docs (CreateCartV1). Its topic, kind
// and record key come from the docs; fallbackKey keys it only where the docs declare no
// x-partition-key (docs published before the per-message extensions).
func (s *Session) Prepare(name, fallbackKey string, payload map[string]any) (*Request, error) {
	messageType, version, err := splitName(name)
	if err != nil {
		return nil, err
	}
	route, err := s.route(name)
	if err != nil {
		return nil, err
	}
	key, declared := route.meta.Key(payload)
	if !declared {
		key = fallbackKey
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return nil, err
	}
	envelope := Envelope{
		MessageID: NewID(), Type: messageType, Version: version, Kind: route.kind,
		OccurredAt: now(), CorrelationID: NewID(), ReplyTo: s.replyTopic, Payload: body,
	}
	value, err := json.Marshal(envelope)
	if err != nil {
		return nil, err
	}
	return &Request{Envelope: envelope, topic: s.prefix + route.topic, key: key, value: value, headers: headersOf(envelope)}, nil
}

// route is where a message goes and what the docs say about it.
type route struct {
	topic, kind string
	meta        contract.Meta
}

func (s *Session) route(name string) (route, error) {
	topic, err := s.docs.Topic(name)
	if err != nil {
		return route{}, err
	}
	meta, err := s.docs.Meta(name)
	if err != nil {
		return route{}, err
	}
	// Two places in the docs say where a message goes; they must agree.
	if meta.Declares("x-topic") && meta.Topic != topic {
		return route{}, fmt.Errorf("%s: the AsyncAPI channel is %s, its schema's x-topic %s", name, topic, meta.Topic)
	}
	if !meta.Allows(s.role) {
		return route{}, fmt.Errorf("the docs allow %s to %v, not to a %s", name, meta.AllowedRoles, s.role)
	}
	kind := meta.Kind
	if !meta.Declares("x-kind") {
		kind = kindOf(topic)
	}
	return route{topic: topic, kind: kind, meta: meta}, nil
}

// headersOf are the envelope's own fields as record headers: the services read them to address
// the rejection of a record whose value they cannot read.
func headersOf(e Envelope) []kgo.RecordHeader {
	header := func(key, value string) kgo.RecordHeader { return kgo.RecordHeader{Key: key, Value: []byte(value)} }
	return []kgo.RecordHeader{
		header("content-type", "application/json"),
		header("message_id", e.MessageID),
		header("correlation_id", e.CorrelationID),
		header("type", e.Type),
		header("version", strconv.Itoa(e.Version)),
		header("kind", e.Kind),
	}
}

// Check validates the request against its published schema.
func (s *Session) Check(request *Request) error {
	return s.docs.Validate(request.Envelope.Name(), request.value)
}

// Publish sends the request (again, for a retry: same message id, same bytes) with the access
// token in the `authorization` header, and registers it to receive its replies.
func (s *Session) Publish(ctx context.Context, request *Request) error {
	s.mu.Lock()
	if _, ok := s.waiting[request.Envelope.MessageID]; !ok {
		s.waiting[request.Envelope.MessageID] = &pending{name: request.Envelope.Name(), replies: make(chan arrival, 8)}
	}
	s.mu.Unlock()
	token, err := s.tokens.Token(ctx)
	if err != nil {
		return err
	}
	authorization := kgo.RecordHeader{Key: "authorization", Value: []byte("Bearer " + token)}
	record := &kgo.Record{
		Topic:   request.topic,
		Value:   request.value,
		Headers: append([]kgo.RecordHeader{authorization}, request.headers...),
	}
	if request.key != "" {
		record.Key = []byte(request.key)
	}
	return s.client.ProduceSync(ctx, record).FirstErr()
}

// Await returns the next reply to the request, checked against the Reply schema.
func (s *Session) Await(ctx context.Context, request *Request) (Reply, error) {
	s.mu.Lock()
	waiting, ok := s.waiting[request.Envelope.MessageID]
	s.mu.Unlock()
	if !ok {
		return Reply{}, fmt.Errorf("%s was not published", request.Envelope.Name())
	}
	select {
	case got := <-waiting.replies:
		return got.reply, got.err
	case <-ctx.Done():
		s.mu.Lock()
		readErr := s.readErr
		s.mu.Unlock()
		return Reply{}, fmt.Errorf("no reply to %s %s on %s (last read error: %v): %w",
			request.Envelope.Name(), request.Envelope.MessageID, s.replyTopic, readErr, ctx.Err())
	}
}

// Ask prepares, checks, publishes a request and awaits its reply.
func (s *Session) Ask(ctx context.Context, name, fallbackKey string, payload map[string]any) (*Request, Reply, error) {
	request, err := s.Prepare(name, fallbackKey, payload)
	if err != nil {
		return nil, Reply{}, err
	}
	if err := s.Check(request); err != nil {
		return request, Reply{}, err
	}
	if err := s.Publish(ctx, request); err != nil {
		return request, Reply{}, err
	}
	reply, err := s.Await(ctx, request)
	return request, reply, err
}

// Adopt makes a copy of a request published elsewhere that names this session's reply topic, as
// a client retrying from a new process would: same message id, same payload, its own reply_to.
func (s *Session) Adopt(request *Request) (*Request, error) {
	envelope := request.Envelope
	envelope.ReplyTo = s.replyTopic
	value, err := json.Marshal(envelope)
	if err != nil {
		return nil, err
	}
	return &Request{Envelope: envelope, topic: request.topic, key: request.key, value: value, headers: request.headers}, nil
}
