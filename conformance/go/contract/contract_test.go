package contract

import (
	"path/filepath"
	"strings"
	"testing"
)

func load(t *testing.T) *Docs {
	t.Helper()
	docs, err := Load(filepath.Join("..", "..", "..", "docs"))
	if err != nil {
		t.Fatal(err)
	}
	return docs
}

func TestTopicsComeFromTheAsyncAPIDocuments(t *testing.T) {
	docs := load(t)
	for message, want := range map[string]string{
		"CreateCartV1":       "orders.commands",
		"SearchCatalogV1":    "orders.queries",
		"RegisterCustomerV1": "customers.commands",
		"FindCustomersV1":    "customers.queries",
		"OrderPlacedV1":      "orders.events",
	} {
		got, err := docs.Topic(message)
		if err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", message, got, err, want)
		}
	}
	if _, err := docs.Topic("NoSuchMessageV9"); err == nil {
		t.Error("an unknown message has a topic")
	}
}

func TestReplyTopicFromItsTemplate(t *testing.T) {
	got, err := load(t).ReplyTopic("t1.", "go-1")
	if err != nil || got != "t1.replies.go-1" {
		t.Errorf("%q, %v", got, err)
	}
}

func TestSchemasCompileAndCheck(t *testing.T) {
	docs := load(t)
	good := `{"message_id":"6f1d2f0e-6a8c-4d52-9e53-1c1f3c1b2a10","type":"SubmitOrder","version":1,"kind":"command",
		"payload":{"order_id":"6f1d2f0e-6a8c-4d52-9e53-1c1f3c1b2a11"}}`
	if err := docs.Validate("SubmitOrderV1", []byte(good)); err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(good, `"order_id":"6f1d2f0e-6a8c-4d52-9e53-1c1f3c1b2a11"`, `"order_id":"x"`, 1)
	if err := docs.Validate("SubmitOrderV1", []byte(bad)); err == nil {
		t.Error("an order id that is no UUID passed")
	}
	// The sealed pattern's {80,2000} is beyond RE2's repeat limit: it must compile all the same.
	plain := `{"message_id":"6f1d2f0e-6a8c-4d52-9e53-1c1f3c1b2a10","type":"RegisterCustomer","version":1,"kind":"command",
		"payload":{"logon_id":"jdoe","password":"Sunshine42!","first_name":"J","last_name":"D","email":"j@example.com"}}`
	if err := docs.Validate("RegisterCustomerV1", []byte(plain)); err == nil {
		t.Error("a password in clear text passed the sealed pattern")
	}
}
