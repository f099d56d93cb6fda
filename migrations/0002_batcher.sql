-- Output roots need the L2→L1 message passer's storage root of every block.
ALTER TABLE blocks ADD COLUMN message_passer_root BYTEA;

-- Channels the batcher built: a run of L2 blocks, encoded and compressed. A channel and all
-- its frames are written in one transaction before any frame is sent, so a restart resumes
-- them instead of building different ones.
CREATE TABLE batcher_channels (
    id BIGINT PRIMARY KEY,
    last_block BIGINT NOT NULL,
    compression TEXT NOT NULL,
    blob BIGINT NOT NULL,
    tx_count BIGINT NOT NULL,
    encoded_bytes BIGINT NOT NULL,
    compressed_bytes BIGINT NOT NULL,
    frame_count BIGINT NOT NULL
);

CREATE TABLE batcher_frames (
    channel_id BIGINT NOT NULL,
    frame_index BIGINT NOT NULL,
    data BYTEA NOT NULL,
    PRIMARY KEY (channel_id, frame_index)
);

-- Every L1 transaction the batcher or proposer signed, one row per (sender, nonce), written
-- before it is broadcast. `status`: 'pending' until it is `confirmations` deep, then
-- 'confirmed'; 'failed' if it reverted or its nonce went to another transaction, which puts
-- its payload (a frame, an output) back in the queue.
CREATE TABLE l1_transactions (
    sender BYTEA NOT NULL,
    nonce BIGINT NOT NULL,
    kind TEXT NOT NULL,
    channel_id BIGINT,
    frame_index BIGINT,
    output_block BIGINT,
    raw BYTEA NOT NULL,
    tx_hash BYTEA NOT NULL,
    max_fee_per_gas BIGINT NOT NULL,
    max_priority_fee_per_gas BIGINT NOT NULL,
    max_fee_per_blob_gas BIGINT NOT NULL,
    sent_at BIGINT NOT NULL,
    included_block BIGINT,
    included_hash BYTEA,
    status TEXT NOT NULL,
    PRIMARY KEY (sender, nonce)
);
CREATE INDEX l1_transactions_by_frame ON l1_transactions (channel_id, frame_index);
CREATE INDEX l1_transactions_by_output ON l1_transactions (output_block);

-- Every signed version of those transactions (fee bumps re-sign the same nonce): any of
-- them may be the one L1 includes.
CREATE TABLE l1_transaction_versions (
    tx_hash BYTEA PRIMARY KEY,
    sender BYTEA NOT NULL,
    nonce BIGINT NOT NULL
);
