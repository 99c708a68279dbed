package oms

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/csr-oms/csr-oms/conformance/go/contract"
)

// Session sends commands and queries as one identity and reads their replies on its own reply topic.
type Session struct {
	docs       *contract.Docs
	prefix     string
	tokens     Tokens
	client     *kgo.Client
	replyTopic string

	mu      sync.Mutex
	waiting map[string]chan arrival // by request message id
	readErr error                   // the last error reading the reply topic, told when a reply is late
	stop    context.CancelFunc
	stopped chan struct{}
}

// arrival is one reply record: a request may get several (a retried request is answered again).
type arrival struct {
	reply Reply
	err   error
}

// Request is one envelope ready to be published, and published again to retry it.
type Request struct {
	Envelope Envelope
	topic    string
	key      string
	value    []byte
}

// Open creates the client's reply topic (<prefix>replies.<client>, from the docs' template) and
// starts reading it.
func Open(ctx context.Context, docs *contract.Docs, broker Broker, prefix, clientName string) (*Session, error) {
	replyTopic, err := docs.ReplyTopic(prefix, clientName)
	if err != nil {
		return nil, err
	}
	// Reading from the start of a new topic: no reply can arrive before the reader is there.
	client, err := broker.connect(kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		return nil, err
	}
	if err := createTopic(ctx, client, replyTopic); err != nil {
		client.Close()
		return nil, err
	}
	client.AddConsumeTopics(replyTopic)
	loop, stop := context.WithCancel(context.Background())
	s := &Session{
		docs: docs, prefix: prefix, tokens: broker.Tokens, client: client, replyTopic: replyTopic,
		waiting: map[string]chan arrival{}, stop: stop, stopped: make(chan struct{}),
	}
	go s.readReplies(loop)
	return s, nil
}

// Close stops reading and disconnects.
func (s *Session) Close() {
	s.stop()
	<-s.stopped
	s.client.Close()
}

// Prepare builds the envelope of a message named as in the docs (CreateCartV1), keyed by key (the
// aggregate id, so one aggregate's messages stay in order).
func (s *Session) Prepare(name, key string, payload any) (*Request, error) {
	messageType, version, err := splitName(name)
	if err != nil {
		return nil, err
	}
	topic, err := s.docs.Topic(name)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return nil, err
	}
	envelope := Envelope{
		MessageID: NewID(), Type: messageType, Version: version, Kind: kindOf(topic),
		OccurredAt: now(), CorrelationID: NewID(), ReplyTo: s.replyTopic, Payload: body,
	}
	value, err := json.Marshal(envelope)
	if err != nil {
		return nil, err
	}
	return &Request{Envelope: envelope, topic: s.prefix + topic, key: key, value: value}, nil
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
		s.waiting[request.Envelope.MessageID] = make(chan arrival, 8)
	}
	s.mu.Unlock()
	token, err := s.tokens.Token(ctx)
	if err != nil {
		return err
	}
	record := &kgo.Record{
		Topic:   request.topic,
		Value:   request.value,
		Headers: []kgo.RecordHeader{{Key: "authorization", Value: []byte("Bearer " + token)}},
	}
	if request.key != "" {
		record.Key = []byte(request.key)
	}
	return s.client.ProduceSync(ctx, record).FirstErr()
}

// Await returns the next reply to the request, checked against the Reply schema.
func (s *Session) Await(ctx context.Context, request *Request) (Reply, error) {
	s.mu.Lock()
	replies, ok := s.waiting[request.Envelope.MessageID]
	s.mu.Unlock()
	if !ok {
		return Reply{}, fmt.Errorf("%s was not published", request.Envelope.Name())
	}
	select {
	case got := <-replies:
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
func (s *Session) Ask(ctx context.Context, name, key string, payload any) (*Request, Reply, error) {
	request, err := s.Prepare(name, key, payload)
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

func (s *Session) readReplies(ctx context.Context) {
	defer close(s.stopped)
	for ctx.Err() == nil {
		fetches := s.client.PollFetches(ctx)
		fetches.EachError(func(_ string, _ int32, err error) {
			s.mu.Lock()
			s.readErr = err
			s.mu.Unlock()
		})
		fetches.EachRecord(func(record *kgo.Record) { s.deliver(record.Value) })
	}
}

// deliver hands a reply record to whoever waits for its request; a reply that does not match
// the published schema is delivered as an error, so the step that asked fails with it.
func (s *Session) deliver(value []byte) {
	var envelope Envelope
	var reply Reply
	err := json.Unmarshal(value, &envelope)
	if err == nil {
		err = json.Unmarshal(envelope.Payload, &reply)
	}
	if err == nil {
		err = s.docs.Validate(envelope.Name(), value)
	}
	s.mu.Lock()
	waiting, ok := s.waiting[reply.RequestID]
	s.mu.Unlock()
	if ok {
		waiting <- arrival{reply: reply, err: err}
	}
}
