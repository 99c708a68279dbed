-- The delivery rule (OMS_EMAIL_DELIVERY): at-least-once re-sends an e-mail whose outcome was
-- uncertain, with the same Message-ID; a CSR can re-send an uncertain or failed one.

-- When the current attempt began: a row 'sending' for longer than OMS_SENDING_LEASE_S lost its sender.
ALTER TABLE emails ADD COLUMN claimed_at timestamptz;
-- How many times the e-mail was queued again after an uncertain outcome or by a CSR, and the last
-- CSR who did.
ALTER TABLE emails ADD COLUMN resends integer NOT NULL DEFAULT 0;
ALTER TABLE emails ADD COLUMN resent_by text;
ALTER TABLE emails ADD COLUMN resent_at timestamptz;
CREATE INDEX emails_sending_idx ON emails (claimed_at) WHERE status = 'sending';
-- CSRs list the uncertain (and failed) e-mails of every customer, newest first.
CREATE INDEX emails_unsettled_idx ON emails (status, created_at) WHERE status IN ('uncertain', 'failed');
-- E-mails waiting for another attempt (the oms_email_retries_waiting gauge).
CREATE INDEX emails_retrying_idx ON emails (email_id) WHERE status = 'pending' AND attempts > 0;
