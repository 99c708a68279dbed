package contract

import "testing"

func meta(extensions ...string) Meta {
	m := Meta{declared: map[string]bool{}}
	for _, extension := range extensions {
		m.declared[extension] = true
	}
	return m
}

func TestPartitionKeyFollowsTheDeclaration(t *testing.T) {
	payload := map[string]any{"logon_id": "Jane.Doe", "email": "jane@example.com"}
	cases := []struct {
		name     string
		meta     Meta
		key      string
		declared bool
	}{
		{"not declared", meta(), "", false},
		{"declared as none", meta("x-partition-key"), "", true},
		{"first field set, lower-cased", withKey(PartitionKey{Fields: []string{"customer_id", "logon_id"}, Lowercase: true}), "jane.doe", true},
		{"as written", withKey(PartitionKey{Fields: []string{"logon_id"}}), "Jane.Doe", true},
		{"a constant", withKey(PartitionKey{Constant: "retention"}), "retention", true},
	}
	for _, c := range cases {
		key, declared := c.meta.Key(payload)
		if key != c.key || declared != c.declared {
			t.Errorf("%s: %q %v, want %q %v", c.name, key, declared, c.key, c.declared)
		}
	}
}

func withKey(key PartitionKey) Meta {
	m := meta("x-partition-key")
	m.PartitionKey = &key
	return m
}

func TestAllowedRoles(t *testing.T) {
	if !meta().Allows("channel") {
		t.Error("docs that name no roles forbid")
	}
	staff := meta("x-allowed-roles")
	staff.AllowedRoles = []string{"csr", "supervisor"}
	if staff.Allows("channel") || !staff.Allows("csr") {
		t.Errorf("%v", staff.AllowedRoles)
	}
}
