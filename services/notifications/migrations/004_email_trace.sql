-- The trace of the message that asked for the e-mail (its W3C traceparent, when it had one), so
-- that sending it, later and from the delivery worker, joins that trace (docs/operations.md).
ALTER TABLE emails ADD COLUMN traceparent text;
