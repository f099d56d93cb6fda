-- The L2 chain: blocks, transactions with receipts, logs, versioned state, the pending pool.
-- Written to run unchanged on SQLite and PostgreSQL (BIGINT and BYTEA work on both).

CREATE TABLE chain_meta (
    key TEXT PRIMARY KEY,
    value BYTEA NOT NULL
);

CREATE TABLE blocks (
    number BIGINT PRIMARY KEY,
    hash BYTEA NOT NULL UNIQUE,
    header BYTEA NOT NULL,
    l1_origin_number BIGINT NOT NULL,
    l1_origin_hash BYTEA NOT NULL
);

CREATE TABLE transactions (
    hash BYTEA PRIMARY KEY,
    block_number BIGINT NOT NULL,
    tx_index BIGINT NOT NULL,
    sender BYTEA NOT NULL,
    raw BYTEA NOT NULL,
    receipt BYTEA NOT NULL,
    gas_used BIGINT NOT NULL,
    contract_address BYTEA,
    first_log_index BIGINT NOT NULL
);
CREATE UNIQUE INDEX transactions_by_position ON transactions (block_number, tx_index);

CREATE TABLE logs (
    block_number BIGINT NOT NULL,
    log_index BIGINT NOT NULL,
    tx_index BIGINT NOT NULL,
    address BYTEA NOT NULL,
    topic0 BYTEA,
    topic1 BYTEA,
    topic2 BYTEA,
    topic3 BYTEA,
    data BYTEA NOT NULL,
    PRIMARY KEY (block_number, log_index)
);
CREATE INDEX logs_by_address ON logs (address, block_number);
CREATE INDEX logs_by_topic0 ON logs (topic0, block_number);

-- State is versioned: one row per account (or slot) per block that changed it.
CREATE TABLE account_history (
    address BYTEA NOT NULL,
    block_number BIGINT NOT NULL,
    present BIGINT NOT NULL,
    nonce BIGINT NOT NULL,
    balance BYTEA NOT NULL,
    code_hash BYTEA NOT NULL,
    PRIMARY KEY (address, block_number)
);

CREATE TABLE storage_history (
    address BYTEA NOT NULL,
    slot BYTEA NOT NULL,
    block_number BIGINT NOT NULL,
    value BYTEA NOT NULL,
    PRIMARY KEY (address, slot, block_number)
);

-- Blocks in which an account's whole storage was wiped (self-destruct, re-creation).
CREATE TABLE storage_resets (
    address BYTEA NOT NULL,
    block_number BIGINT NOT NULL,
    PRIMARY KEY (address, block_number)
);

CREATE TABLE codes (
    hash BYTEA PRIMARY KEY,
    code BYTEA NOT NULL
);

-- Transactions acknowledged over RPC and not yet in a block.
CREATE TABLE pending_transactions (
    hash BYTEA PRIMARY KEY,
    raw BYTEA NOT NULL,
    arrival BIGINT NOT NULL
);
