package oms

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/csr-oms/csr-oms/conformance/go/contract"
)

// Events reads one event topic from its start, as a downstream system follows it. Without a
// consumer group: the client needs read rights on the topic only.
type Events struct {
	docs    *contract.Docs
	client  *kgo.Client
	backlog []Envelope
}

// Follow starts reading <prefix><topic>.
func Follow(docs *contract.Docs, broker Broker, prefix, topic string) (*Events, error) {
	client, err := broker.connect(kgo.ConsumeTopics(prefix+topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		return nil, err
	}
	return &Events{docs: docs, client: client}, nil
}

// Close disconnects.
func (e *Events) Close() { e.client.Close() }

// Next returns the first event read so far or later that matches, every event on the way checked
// against its published schema (readers are tolerant: unknown fields are allowed by the schemas).
func (e *Events) Next(ctx context.Context, matches func(Envelope) bool) (Envelope, error) {
	for {
		for i, event := range e.backlog {
			if matches(event) {
				e.backlog = append(e.backlog[:i], e.backlog[i+1:]...)
				return event, nil
			}
		}
		if err := e.poll(ctx); err != nil {
			return Envelope{}, err
		}
	}
}

func (e *Events) poll(ctx context.Context) error {
	fetches := e.client.PollFetches(ctx)
	if ctx.Err() != nil {
		return fmt.Errorf("waiting for an event: %w", ctx.Err())
	}
	var failure error
	fetches.EachError(func(topic string, _ int32, err error) {
		failure = fmt.Errorf("reading %s: %w", topic, err)
	})
	fetches.EachRecord(func(record *kgo.Record) {
		var event Envelope
		if err := json.Unmarshal(record.Value, &event); err != nil {
			failure = fmt.Errorf("an event that is not an envelope at offset %d: %w", record.Offset, err)
			return
		}
		if err := e.docs.Validate(event.Name(), record.Value); err != nil {
			failure = err
			return
		}
		e.backlog = append(e.backlog, event)
	})
	return failure
}
