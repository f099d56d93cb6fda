-- The verifier's findings. One row per output on L1 it has compared with the output root it
-- derived from L1 alone; `agrees` = 0 marks a dispute candidate.
CREATE TABLE verifier_outputs (
    output_index BIGINT PRIMARY KEY,
    l2_block BIGINT NOT NULL,
    claimed_root BYTEA NOT NULL,
    derived_root BYTEA NOT NULL,
    agrees BIGINT NOT NULL,
    l1_block BIGINT NOT NULL,
    checked_at_ms BIGINT NOT NULL
);

-- L1 data derivation dropped by rule, with the rule.
CREATE TABLE derivation_drops (
    l1_block BIGINT NOT NULL,
    l1_tx BYTEA NOT NULL,
    kind TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX derivation_drops_by_block ON derivation_drops (l1_block);
