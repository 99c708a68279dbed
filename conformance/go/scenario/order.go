package scenario

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/csr-oms/csr-oms/conformance/go/oms"
	"github.com/csr-oms/csr-oms/conformance/go/sealing"
)

// testCard is a Luhn-valid test number (Visa's); it travels sealed only.
const testCard = "4111 1111 1111 1111"

// orderChange is the part of an order command's result the call needs.
type orderChange struct {
	OrderID string `json:"order_id"`
	Version int    `json:"version"`
	Status  string `json:"status"`
}

func (c *Call) searchCatalog(ctx context.Context) (string, error) {
	query := map[string]any{"text": c.Product, "in_stock_only": true, "currency": c.Currency}
	_, reply, err := c.Shop.Ask(ctx, "SearchCatalogV1", "", query)
	var page struct {
		Items []struct {
			SKU       string `json:"sku"`
			Available int    `json:"available"`
		} `json:"items"`
		Total int `json:"total"`
	}
	if err := accepted(reply, err, &page); err != nil {
		return "", err
	}
	for _, item := range page.Items {
		if item.Available >= 2 {
			c.sku = item.SKU
			return fmt.Sprintf("%s, %d available (%d found)", c.sku, item.Available, page.Total), nil
		}
	}
	return "", fmt.Errorf("no product with 2 available among %d found for %q", page.Total, c.Product)
}

// createCartAndRetry creates the cart, then publishes the very same record again, as a client
// that lost the reply would: the retry must get the same reply and create nothing more.
func (c *Call) createCartAndRetry(ctx context.Context) (string, error) {
	c.orderID = oms.NewID()
	cart := map[string]any{"order_id": c.orderID, "customer_id": c.customerID, "currency": c.Currency}
	request, first, err := c.Shop.Ask(ctx, "CreateCartV1", c.orderID, cart)
	var result orderChange
	if err := accepted(first, err, &result); err != nil {
		return "", err
	}
	if err := c.Shop.Publish(ctx, request); err != nil {
		return "", err
	}
	again, err := c.Shop.Await(ctx, request)
	if err != nil {
		return "", fmt.Errorf("the retry: %w", err)
	}
	if !sameReply(first, again) {
		return "", fmt.Errorf("the retry got another reply: %s %s, first %s", again, again.Result, first.Result)
	}
	c.cart, c.cartReply = request, first
	return fmt.Sprintf("cart %s version %d; the retry got the same reply", result.OrderID, result.Version), nil
}

// retryFromAnotherProcess publishes the cart's request again from a new session with a reply
// topic of its own: the copy is answered there, with the stored reply (docs/contract.md).
func (c *Call) retryFromAnotherProcess(ctx context.Context) (string, error) {
	copied, err := c.ShopAgain.Adopt(c.cart)
	if err != nil {
		return "", err
	}
	if err := c.ShopAgain.Publish(ctx, copied); err != nil {
		return "", err
	}
	again, err := c.ShopAgain.Await(ctx, copied)
	if err != nil {
		return "", err
	}
	if !sameReply(c.cartReply, again) {
		return "", fmt.Errorf("the copy got another reply: %s %s, first %s", again, again.Result, c.cartReply.Result)
	}
	return "the copy got the stored reply on its own reply topic", nil
}

func sameReply(a, b oms.Reply) bool {
	return a.Status == b.Status && a.Code == b.Code && sameJSON(a.Result, b.Result)
}

func (c *Call) addLine(ctx context.Context) (string, error) {
	return c.edit(ctx, c.Shop, "AddCartLineV1", map[string]any{"sku": c.sku, "quantity": 2})
}

func (c *Call) refuseZeroQuantity(ctx context.Context) (string, error) {
	request, err := c.Shop.Prepare("AddCartLineV1", c.orderID, map[string]any{"order_id": c.orderID, "sku": c.sku, "quantity": 0})
	if err != nil {
		return "", err
	}
	if c.Shop.Check(request) == nil {
		return "", fmt.Errorf("the published schema accepts a quantity of zero")
	}
	if err := c.Shop.Publish(ctx, request); err != nil {
		return "", err
	}
	reply, err := c.Shop.Await(ctx, request)
	return refused(reply, err, "invalid", "payload.quantity", "greater_than_equal")
}

func address() map[string]any {
	return map[string]any{
		"first_name": "Grace", "last_name": "Gopher", "line1": "1 Conformance Way",
		"city": "Springfield", "postal_code": "12345", "country": "US",
	}
}

func (c *Call) setShipping(ctx context.Context) (string, error) {
	return c.edit(ctx, c.Shop, "SetShippingV1", map[string]any{"ship_to": map[string]any{"address": address()}})
}

func (c *Call) setBilling(ctx context.Context) (string, error) {
	return c.edit(ctx, c.Shop, "SetBillingAddressV1", map[string]any{"address": address()})
}

func (c *Call) payByCard(ctx context.Context) (string, error) {
	sealed, err := sealing.Seal(testCard, c.PublicKey)
	if err != nil {
		return "", err
	}
	card := map[string]any{
		"method": "card", "card_number": sealed, "expiry_month": 12,
		"expiry_year": time.Now().Year() + 3, "holder_name": "Grace Gopher",
	}
	return c.edit(ctx, c.Shop, "AddPaymentInstructionV1", map[string]any{"payment": card})
}

func (c *Call) submit(ctx context.Context) (string, error) {
	_, reply, err := c.Shop.Ask(ctx, "SubmitOrderV1", c.orderID, map[string]any{"order_id": c.orderID})
	var result struct {
		OrderNumber string `json:"order_number"`
		Status      string `json:"status"`
		Total       any    `json:"total"`
	}
	if err := accepted(reply, err, &result); err != nil {
		return "", err
	}
	c.orderNumber = result.OrderNumber
	return fmt.Sprintf("order %s, %s, total %v", result.OrderNumber, result.Status, result.Total), nil
}

func (c *Call) awaitPlaced(ctx context.Context) (string, error) {
	event, err := c.Events.Next(ctx, c.ofOrder("OrderPlaced"))
	if err != nil {
		return "", err
	}
	var placed struct {
		OrderNumber string `json:"order_number"`
	}
	if err := json.Unmarshal(event.Payload, &placed); err != nil {
		return "", err
	}
	if placed.OrderNumber != c.orderNumber {
		return "", fmt.Errorf("OrderPlaced says order number %s, the submit's reply %s", placed.OrderNumber, c.orderNumber)
	}
	return fmt.Sprintf("%s v%d, order %s", event.Type, event.Version, placed.OrderNumber), nil
}

// change is the CSR's change after submit: one unit fewer on line 1.
func (c *Call) change(ctx context.Context) (string, error) {
	change := map[string]any{"reason": "customer called", "change_lines": []any{map[string]any{"line_no": 1, "quantity": 1}}}
	return c.edit(ctx, c.CSR, "ChangeOrderV1", change)
}

func (c *Call) cancel(ctx context.Context) (string, error) {
	return c.edit(ctx, c.CSR, "CancelOrderV1", map[string]any{"reason": "customer changed her mind"})
}

func (c *Call) awaitCancelled(ctx context.Context) (string, error) {
	event, err := c.Events.Next(ctx, c.ofOrder("OrderCancelled"))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s v%d", event.Type, event.Version), nil
}

func (c *Call) readBack(ctx context.Context) (string, error) {
	_, reply, err := c.CSR.Ask(ctx, "GetOrderV1", c.orderID, map[string]any{"order_id": c.orderID})
	var details struct {
		Order struct {
			OrderNumber string `json:"order_number"`
			Status      string `json:"status"`
		} `json:"order"`
		Versions []json.RawMessage `json:"versions"`
	}
	if err := accepted(reply, err, &details); err != nil {
		return "", err
	}
	if details.Order.OrderNumber != c.orderNumber || details.Order.Status != "cancelled" {
		return "", fmt.Errorf("order %s is %s, want %s cancelled", details.Order.OrderNumber, details.Order.Status, c.orderNumber)
	}
	return fmt.Sprintf("order %s %s, %d versions", details.Order.OrderNumber, details.Order.Status, len(details.Versions)), nil
}

// edit sends one command to the call's order (its id is the key and the payload's order_id).
func (c *Call) edit(ctx context.Context, session *oms.Session, name string, fields map[string]any) (string, error) {
	fields["order_id"] = c.orderID
	_, reply, err := session.Ask(ctx, name, c.orderID, fields)
	var result orderChange
	if err := accepted(reply, err, &result); err != nil {
		return "", err
	}
	return fmt.Sprintf("version %d, %s", result.Version, result.Status), nil
}

// ofOrder matches the events of the call's order with the given type.
func (c *Call) ofOrder(eventType string) func(oms.Envelope) bool {
	return func(event oms.Envelope) bool {
		var payload struct {
			OrderID string `json:"order_id"`
		}
		return event.Type == eventType && json.Unmarshal(event.Payload, &payload) == nil && payload.OrderID == c.orderID
	}
}
