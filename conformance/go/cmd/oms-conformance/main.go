// Command oms-conformance drives a whole CSR call against a running csr-oms system, written from
// the published docs alone (docs/conformance.md). It exits 0 when every step passed.
//
// Where the system is comes from the environment, as for any client of csr-oms:
// OMS_KAFKA_BOOTSTRAP, OMS_KAFKA_SECURITY_PROTOCOL, OMS_OIDC_ISSUER, OMS_TOPIC_PREFIX,
// OMS_SEALING_PUBLIC_KEY_FILE; the channel's client (OMS_CONFORMANCE_CHANNEL, default web-shop,
// secret OMS_WEB_SHOP_CLIENT_SECRET) and the CSR's login (OMS_OIDC_USERNAME, OMS_OIDC_PASSWORD
// on OMS_CSR_CLIENT_ID, default csr-cli).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/csr-oms/csr-oms/conformance/go/contract"
	"github.com/csr-oms/csr-oms/conformance/go/oidc"
	"github.com/csr-oms/csr-oms/conformance/go/oms"
	"github.com/csr-oms/csr-oms/conformance/go/scenario"
	"github.com/csr-oms/csr-oms/conformance/go/sealing"
)

type options struct {
	docs, product, currency, report string
}

func main() {
	var opts options
	flag.StringVar(&opts.docs, "docs", "", "the published docs directory (default: the docs/ above the working directory)")
	flag.StringVar(&opts.product, "product", "", "catalog search text that finds a product in stock (default: any)")
	flag.StringVar(&opts.currency, "currency", "USD", "the cart's currency")
	flag.StringVar(&opts.report, "report", "", "write the steps as JSON to this file")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, opts); err != nil {
		fmt.Fprintln(os.Stderr, "oms-conformance:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, opts options) error {
	docs, err := loadDocs(opts.docs)
	if err != nil {
		return err
	}
	env, err := readEnv()
	if err != nil {
		return err
	}
	call, closeAll, err := connect(ctx, docs, env)
	if err != nil {
		return err
	}
	defer closeAll()
	call.Product, call.Currency = opts.product, opts.currency
	call.Logf = func(format string, args ...any) { fmt.Printf(format+"\n", args...) }
	started := time.Now()
	steps := call.Run(ctx)
	if err := writeReport(opts.report, steps); err != nil {
		return err
	}
	failed := len(steps) == 0 || !steps[len(steps)-1].OK
	fmt.Printf("%d steps, %s, in %.1f s\n", len(steps), map[bool]string{true: "FAILED", false: "all passed"}[failed], time.Since(started).Seconds())
	if failed {
		return errors.New("the call did not go through")
	}
	return nil
}

func loadDocs(dir string) (*contract.Docs, error) {
	if dir == "" {
		found, err := contract.FindDir()
		if err != nil {
			return nil, err
		}
		dir = found
	}
	return contract.Load(dir)
}

// environment is where the system is and who the call's two actors are.
type environment struct {
	bootstrap, protocol, issuer, prefix string
	publicKey                           []byte
	channel, channelSecret              string
	csrClient, csrUser, csrPassword     string
}

func readEnv() (environment, error) {
	env := environment{
		bootstrap:   os.Getenv("OMS_KAFKA_BOOTSTRAP"),
		protocol:    getenv("OMS_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT"),
		issuer:      os.Getenv("OMS_OIDC_ISSUER"),
		prefix:      os.Getenv("OMS_TOPIC_PREFIX"),
		channel:     getenv("OMS_CONFORMANCE_CHANNEL", "web-shop"),
		csrClient:   getenv("OMS_CSR_CLIENT_ID", "csr-cli"),
		csrUser:     getenv("OMS_OIDC_USERNAME", "alice"),
		csrPassword: getenv("OMS_OIDC_PASSWORD", "alice-dev"),
	}
	// The dev realm's secrets are <client>-dev-secret; a real deployment sets the variable.
	secretVar := "OMS_" + strings.ToUpper(strings.ReplaceAll(env.channel, "-", "_")) + "_CLIENT_SECRET"
	env.channelSecret = getenv(secretVar, env.channel+"-dev-secret")
	if env.bootstrap == "" || env.issuer == "" {
		return env, errors.New("set OMS_KAFKA_BOOTSTRAP and OMS_OIDC_ISSUER (for the dev stack: set -a; . .stack/env; set +a)")
	}
	keyFile := os.Getenv("OMS_SEALING_PUBLIC_KEY_FILE")
	if keyFile == "" {
		return env, errors.New("set OMS_SEALING_PUBLIC_KEY_FILE to the services' public sealing key")
	}
	text, err := os.ReadFile(keyFile)
	if err != nil {
		return env, err
	}
	env.publicKey, err = sealing.ParseKey(string(text))
	return env, err
}

// connect opens the channel's and the CSR's sessions and the CSR's reading of orders.events
// (channels may not read event topics: docs/security.md). The returned function closes them.
func connect(ctx context.Context, docs *contract.Docs, env environment) (*scenario.Call, func(), error) {
	broker := func(tokens oms.Tokens) oms.Broker {
		return oms.Broker{Bootstrap: env.bootstrap, SecurityProtocol: env.protocol, Tokens: tokens}
	}
	shopBroker := broker(oidc.ClientCredentials(env.issuer, env.channel, env.channelSecret))
	csrBroker := broker(oidc.Password(env.issuer, env.csrClient, env.csrUser, env.csrPassword))
	var closers []func()
	closeAll := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	fail := func(what string, err error) (*scenario.Call, func(), error) {
		closeAll()
		return nil, nil, fmt.Errorf("%s: %w", what, err)
	}
	shop, err := oms.Open(ctx, docs, shopBroker, env.prefix, "go-shop-"+oms.NewID()[:8], "channel")
	if err != nil {
		return fail("the channel's session", err)
	}
	closers = append(closers, shop.Close)
	shopAgain, err := oms.Open(ctx, docs, shopBroker, env.prefix, "go-shop-"+oms.NewID()[:8], "channel")
	if err != nil {
		return fail("the channel's second session", err)
	}
	closers = append(closers, shopAgain.Close)
	csr, err := oms.Open(ctx, docs, csrBroker, env.prefix, "go-csr-"+oms.NewID()[:8], "csr")
	if err != nil {
		return fail("the CSR's session", err)
	}
	closers = append(closers, csr.Close)
	eventsTopic, err := docs.Topic("OrderPlacedV1")
	if err != nil {
		return fail("the order events' topic", err)
	}
	events, err := oms.Follow(docs, csrBroker, env.prefix, eventsTopic)
	if err != nil {
		return fail("following the order events", err)
	}
	closers = append(closers, events.Close)
	call := &scenario.Call{Shop: shop, ShopAgain: shopAgain, CSR: csr, Events: events, PublicKey: env.publicKey}
	return call, closeAll, nil
}

func writeReport(path string, steps []scenario.Step) error {
	if path == "" {
		return nil
	}
	body, err := json.MarshalIndent(map[string]any{"steps": steps}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, body, 0o644)
}

func getenv(name, fallback string) string {
	if value := os.Getenv(name); value != "" {
		return value
	}
	return fallback
}
