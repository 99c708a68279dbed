"""A small fulfilment centre for the demo and the tests: it is *not* part of the services.

It follows ``orders.events`` like any downstream system, ships each order the orders service
releases (OrderReleasedV1) after a short delay, and reports back with commands, as a system actor:
RecordShipmentV1 for everything left to ship (serial numbers for trackable items), then
RecordDeliveryV1. An order held (OrderHeldV1) or cancelled before its delay ends is not shipped; the
orders service refuses a shipment of an order that is not released in any case (``on_hold``).

Run it with ``python -m fulfilment_sim`` (``--help`` lists the options); it finds Kafka and the topic
prefix the way the ``csr`` client does (``OMS_*`` variables or the dev stack's ``.stack/env``).
"""
