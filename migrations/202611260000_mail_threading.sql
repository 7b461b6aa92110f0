-- Threading of outbound mail (PRODUCT §6): every outbox message gets a token that its
-- Reply-To address carries (`ar+<token>@reply-domain`), so a reply threads back to the
-- message and customer even when the customer's mail client drops In-Reply-To. The token is
-- assigned by the sender when it renders the message; message_id (already here) holds the
-- Message-ID header as sent, with its angle brackets.
ALTER TABLE outbox_messages ADD COLUMN reply_token text;
CREATE UNIQUE INDEX outbox_messages_reply_token ON outbox_messages (reply_token) WHERE reply_token IS NOT NULL;
CREATE INDEX outbox_messages_message_id ON outbox_messages (message_id) WHERE message_id IS NOT NULL;
