// Package oms talks to the csr-oms services over Kafka as docs/contract.md and docs/security.md
// describe: envelopes on <prefix><service>.commands|queries with the access token in the
// `authorization` header, replies on the client's own <prefix>replies.<client> topic, events on
// <prefix><service>.events.
package oms

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/oauth"
)

// Tokens hands out a valid access token (oidc.TokenSource).
type Tokens interface {
	Token(ctx context.Context) (string, error)
}

// Broker says where Kafka is and how to authenticate to it.
type Broker struct {
	Bootstrap        string // host:port[,host:port...]
	SecurityProtocol string // PLAINTEXT, SASL_PLAINTEXT, SASL_SSL (OMS_KAFKA_SECURITY_PROTOCOL)
	Tokens           Tokens // the SASL OAUTHBEARER token; the broker's principal is its azp (client id)
}

// connect makes a franz-go client for the broker with extra options (topics to consume...).
func (b Broker) connect(extra ...kgo.Opt) (*kgo.Client, error) {
	opts := []kgo.Opt{
		kgo.SeedBrokers(strings.Split(b.Bootstrap, ",")...),
		// franz-go's default, stated so that every run keeps proving the services read compressed
		// batches (they once could not: docs/conformance.md).
		kgo.ProducerBatchCompression(kgo.SnappyCompression()),
	}
	protocol := strings.ToUpper(b.SecurityProtocol)
	if strings.HasPrefix(protocol, "SASL_") {
		opts = append(opts, kgo.SASL(oauth.Oauth(b.oauthToken)))
	}
	if strings.HasSuffix(protocol, "SSL") {
		opts = append(opts, kgo.DialTLSConfig(&tls.Config{MinVersion: tls.VersionTLS12}))
	}
	return kgo.NewClient(append(opts, extra...)...)
}

// oauthToken is asked for at every new connection: the broker checks the token only then.
func (b Broker) oauthToken(ctx context.Context) (oauth.Auth, error) {
	token, err := b.Tokens.Token(ctx)
	return oauth.Auth{Token: token}, err
}

// createTopic creates a reply topic with the broker's defaults: clients create their own reply
// topics (docs/security.md), an existing one is fine.
func createTopic(ctx context.Context, client *kgo.Client, topic string) error {
	responses, err := kadm.NewClient(client).CreateTopics(ctx, 1, -1, nil, topic)
	if err != nil {
		return fmt.Errorf("creating %s: %w", topic, err)
	}
	for _, response := range responses {
		if response.Err != nil && !errors.Is(response.Err, kerr.TopicAlreadyExists) {
			return fmt.Errorf("creating %s: %w", topic, response.Err)
		}
	}
	return nil
}
