// Package scenario is one CSR call, driven as a channel and a CSR would drive it, with nothing but
// the published docs: register a customer, find her, search the catalog, build a cart, ship, bill,
// pay by sealed card, submit, see the order placed, change it, cancel it, and be refused for bad input.
package scenario

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/csr-oms/csr-oms/conformance/go/oms"
)

// stepTimeout bounds one step: a reply, or an event, that does not come fails the step.
const stepTimeout = 60 * time.Second

// Call holds the two identities and what the call learns on the way.
type Call struct {
	Shop      *oms.Session // the web shop: a channel with its own client credentials
	ShopAgain *oms.Session // the web shop again, as another process with its own reply topic
	CSR       *oms.Session // a CSR logged in with the password grant (public client)
	Events    *oms.Events  // orders.events, read as the CSR (channels may not read events)
	PublicKey []byte       // the services' sealing key
	Product   string       // catalog search text that finds a product in stock
	Currency  string
	Logf      func(format string, args ...any)

	logonID, customerID, sku, orderID, orderNumber string
	cart                                           *oms.Request // the CreateCart request, to retry
	cartReply                                      oms.Reply
}

// Step is one action of the call and its outcome.
type Step struct {
	Name    string  `json:"name"`
	OK      bool    `json:"ok"`
	Detail  string  `json:"detail"`
	Seconds float64 `json:"seconds"`
}

type action struct {
	name string
	run  func(ctx context.Context) (string, error)
}

// Run plays the call step by step and stops at the first failure; it returns every step played.
func (c *Call) Run(ctx context.Context) []Step {
	var steps []Step
	for _, a := range c.actions() {
		started := time.Now()
		stepCtx, cancel := context.WithTimeout(ctx, stepTimeout)
		detail, err := a.run(stepCtx)
		cancel()
		step := Step{Name: a.name, OK: err == nil, Detail: detail, Seconds: time.Since(started).Seconds()}
		if err != nil {
			step.Detail = err.Error()
		}
		c.Logf("%s %5.1fs %s: %s", mark(step.OK), step.Seconds, step.Name, step.Detail)
		steps = append(steps, step)
		if err != nil {
			break
		}
	}
	return steps
}

func mark(ok bool) string {
	if ok {
		return "ok  "
	}
	return "FAIL"
}

func (c *Call) actions() []action {
	return []action{
		{"register a customer with a sealed password", c.register},
		{"refused: a password in clear text", c.refusePlainPassword},
		{"find her by logon id", c.findCustomer},
		{"search the catalog", c.searchCatalog},
		{"create a cart", c.createCartAndRetry},
		{"retry it from another process", c.retryFromAnotherProcess},
		{"add a line from the catalog", c.addLine},
		{"refused: a quantity of zero", c.refuseZeroQuantity},
		{"set the shipping address", c.setShipping},
		{"set the billing address", c.setBilling},
		{"pay by sealed card", c.payByCard},
		{"submit the order", c.submit},
		{"see OrderPlaced on orders.events", c.awaitPlaced},
		{"change the order after submit", c.change},
		{"cancel the order", c.cancel},
		{"see OrderCancelled on orders.events", c.awaitCancelled},
		{"read the order back", c.readBack},
	}
}

// accepted checks a reply is accepted and decodes its result into result (nil: ignore it).
func accepted(reply oms.Reply, err error, result any) error {
	if err != nil {
		return err
	}
	if reply.Status != "accepted" {
		return fmt.Errorf("expected accepted, got %s", reply)
	}
	if result == nil {
		return nil
	}
	if err := json.Unmarshal(reply.Result, result); err != nil {
		return fmt.Errorf("the result does not decode: %w", err)
	}
	return nil
}

// refused checks a reply is rejected with code and a field error of fieldCode on field.
func refused(reply oms.Reply, err error, code, field, fieldCode string) (string, error) {
	if err != nil {
		return "", err
	}
	if reply.Status != "rejected" || reply.Code != code {
		return "", fmt.Errorf("expected rejected %s, got %s", code, reply)
	}
	for _, fieldError := range reply.FieldErrors {
		if fieldError.Field == field && fieldError.Code == fieldCode {
			return fmt.Sprintf("rejected %s, %s: %s", code, field, fieldCode), nil
		}
	}
	return "", fmt.Errorf("no field error %s on %s in %s", fieldCode, field, reply)
}
