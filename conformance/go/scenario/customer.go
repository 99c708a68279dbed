package scenario

import (
	"context"
	"fmt"
	"strings"

	"github.com/csr-oms/csr-oms/conformance/go/sealing"
)

const password = "Conformance-42!"

// notSealed is what the refused registration sends in clear: never the password sealed elsewhere,
// so no real secret ever crosses a topic in clear text, not even on purpose.
const notSealed = "not-sealed-on-purpose"

func (c *Call) register(ctx context.Context) (string, error) {
	c.logonID = "go-" + randomSuffix()
	sealed, err := sealing.Seal(password, c.PublicKey)
	if err != nil {
		return "", err
	}
	_, reply, err := c.Shop.Ask(ctx, "RegisterCustomerV1", c.logonID, c.registration(sealed))
	var result struct {
		CustomerID string `json:"customer_id"`
	}
	if err := accepted(reply, err, &result); err != nil {
		return "", err
	}
	c.customerID = result.CustomerID
	return "customer " + c.customerID, nil
}

func (c *Call) registration(password string) map[string]any {
	return map[string]any{
		"logon_id": c.logonID, "password": password,
		"first_name": "Grace", "last_name": "Gopher", "email": c.logonID + "@example.com",
	}
}

// refusePlainPassword sends a password in clear text: the published schema refuses it (the sealed
// pattern), and so must the service, with the code docs/sealing.md gives.
func (c *Call) refusePlainPassword(ctx context.Context) (string, error) {
	request, err := c.Shop.Prepare("RegisterCustomerV1", c.logonID+"x", c.registration(notSealed))
	if err != nil {
		return "", err
	}
	if c.Shop.Check(request) == nil {
		return "", fmt.Errorf("the published schema accepts a password in clear text")
	}
	if err := c.Shop.Publish(ctx, request); err != nil {
		return "", err
	}
	reply, err := c.Shop.Await(ctx, request)
	return refused(reply, err, "invalid", "payload.password", sealing.CodeUnknownFormat)
}

func (c *Call) findCustomer(ctx context.Context) (string, error) {
	_, reply, err := c.CSR.Ask(ctx, "FindCustomersV1", "", map[string]any{"logon_id": c.logonID})
	var result struct {
		Customers []struct {
			CustomerID string `json:"customer_id"`
			LogonID    string `json:"logon_id"`
		} `json:"customers"`
	}
	if err := accepted(reply, err, &result); err != nil {
		return "", err
	}
	for _, found := range result.Customers {
		if found.CustomerID == c.customerID && strings.EqualFold(found.LogonID, c.logonID) {
			return fmt.Sprintf("found among %d", len(result.Customers)), nil
		}
	}
	return "", fmt.Errorf("customer %s not among %+v", c.customerID, result.Customers)
}
