package oms

import (
	"regexp"
	"testing"
)

func TestMessageNamesSplitIntoTypeAndVersion(t *testing.T) {
	messageType, version, err := splitName("PlaceOrderV2")
	if err != nil || messageType != "PlaceOrder" || version != 2 {
		t.Errorf("%q %d %v", messageType, version, err)
	}
	if _, _, err := splitName("PlaceOrder"); err == nil {
		t.Error("a name without a version passed")
	}
}

func TestKindsOfTopics(t *testing.T) {
	for topic, kind := range map[string]string{"orders.commands": "command", "customers.queries": "query", "orders.events": "event"} {
		if got := kindOf(topic); got != kind {
			t.Errorf("%s: %q, want %q", topic, got, kind)
		}
	}
}

func TestIDsAreVersion4UUIDs(t *testing.T) {
	uuid4 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	if first, second := NewID(), NewID(); !uuid4.MatchString(first) || first == second {
		t.Errorf("%s %s", first, second)
	}
}
