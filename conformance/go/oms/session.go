package oms

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/csr-oms/csr-oms/conformance/go/contract"
)

// Session sends commands and queries as one identity and reads their replies on its own reply topic.
type Session struct {
	docs       *contract.Docs
	prefix     string
	tokens     Tokens
	role       string // the OMS role of the tokens, checked against the docs' x-allowed-roles
	client     *kgo.Client
	replyTopic string

	mu      sync.Mutex
	waiting map[string]*pending // by request message id
	readErr error               // the last error reading the reply topic, told when a reply is late
	stop    context.CancelFunc
	stopped chan struct{}
}

// pending is a published request awaiting replies.
type pending struct {
	name    string // the request's message name: its reply's schema is found by it
	replies chan arrival
}

// arrival is one reply record: a request may get several (a retried request is answered again).
type arrival struct {
	reply Reply
	err   error
}

// Open creates the client's reply topic (<prefix>replies.<client>, from the docs' template) and
// starts reading it. role is the OMS role the broker's tokens carry (channel, csr...).
func Open(ctx context.Context, docs *contract.Docs, broker Broker, prefix, clientName, role string) (*Session, error) {
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
		docs: docs, prefix: prefix, tokens: broker.Tokens, role: role, client: client, replyTopic: replyTopic,
		waiting: map[string]*pending{}, stop: stop, stopped: make(chan struct{}),
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
// the published schema of the request's reply is delivered as an error, so the step that asked
// fails with it.
func (s *Session) deliver(value []byte) {
	var envelope Envelope
	var reply Reply
	err := json.Unmarshal(value, &envelope)
	if err == nil {
		err = json.Unmarshal(envelope.Payload, &reply)
	}
	s.mu.Lock()
	waiting, ok := s.waiting[reply.RequestID]
	s.mu.Unlock()
	if !ok {
		return // not ours, or unreadable: a late reply of a previous run on a reused topic
	}
	if err == nil {
		err = s.docs.Validate(s.docs.ReplySchema(waiting.name), value)
	}
	select {
	case waiting.replies <- arrival{reply: reply, err: err}:
	default: // more copies than anyone awaits: the reader must not block on them
	}
}
