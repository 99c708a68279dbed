-- The schema version of each order's stored document (adapters/order_documents.py): a document is
-- read through the upcasters from its own version to the current one, so an old document still reads
-- after the document's shape changes. Version 1 is an order placed before order capture, kept only
-- as columns and lines (no document); version 2 is the document as order capture wrote it.
ALTER TABLE orders ADD COLUMN doc_schema smallint NOT NULL DEFAULT 2;
UPDATE orders SET doc_schema = 1 WHERE doc IS NULL;
