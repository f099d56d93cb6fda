-- The archive of the state tries: every hashed node of every block's account trie and storage
-- tries, by hash (keccak256 of its RLP). A block's root plus these nodes serve Merkle proofs
-- (eth_getProof) of that block's state at any later time. Nodes are shared between blocks and
-- accounts, so each is stored once; `block_number` is the last block that produced it (pruning
-- keeps the nodes produced at or after its floor, and those the floor's state reaches).
CREATE TABLE trie_nodes (
    hash BYTEA PRIMARY KEY,
    node BYTEA NOT NULL,
    block_number BIGINT NOT NULL
);
