//! The archive of the state tries (`trie_nodes`), and Merkle proofs of any stored block's state
//! read from it.

use crate::{
    codec::int,
    error::{Result, StoreError},
    store::Store,
};
use alloy::{consensus::TrieAccount, rlp::Decodable};
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use rollup_core::{AccountProof, ProofWalk};
use sqlx::{Any, Transaction};

impl Store {
    /// Whether the node with `hash` is stored (a block's state root: whether its state can be
    /// proven).
    pub async fn has_trie_node(&self, hash: B256) -> Result<bool> {
        let row: Option<(i64,)> = sqlx::query_as("SELECT 1 FROM trie_nodes WHERE hash = $1")
            .bind(hash.to_vec())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    /// Stores trie nodes produced by block `number`.
    pub async fn put_trie_nodes(&self, number: u64, nodes: &[(B256, Bytes)]) -> Result<()> {
        let mut db = self.pool.begin().await?;
        write_trie_nodes(&mut db, number, nodes).await?;
        db.commit().await?;
        Ok(())
    }

    /// Merkle proofs of `address` and of `slots` against the state root of block `number`, from
    /// the stored trie nodes. Fails with [`StoreError::Missing`] when the block or its trie is
    /// not kept.
    pub async fn account_proof_at(&self, address: Address, slots: &[B256], number: u64) -> Result<AccountProof> {
        let Some((_, header)) = self.header(number).await? else {
            return Err(StoreError::Missing(format!("block {number}")));
        };
        let (account_proof, leaf) = self.walk(header.state_root, keccak256(address)).await?;
        let account = leaf
            .map(|leaf| TrieAccount::decode(&mut &leaf[..]).map_err(StoreError::decode("account leaf")))
            .transpose()?
            .unwrap_or_default();
        let mut storage_proofs = Vec::with_capacity(slots.len());
        for slot in slots {
            let (proof, leaf) = self.walk(account.storage_root, keccak256(slot)).await?;
            let value = leaf
                .map(|leaf| U256::decode(&mut &leaf[..]).map_err(StoreError::decode("storage leaf")))
                .transpose()?
                .unwrap_or_default();
            storage_proofs.push((*slot, value, proof));
        }
        Ok(AccountProof::new(address, account, account_proof, storage_proofs))
    }

    /// The stored trie node with `hash` (its RLP encoding).
    pub async fn trie_node(&self, hash: B256) -> Result<Option<Bytes>> {
        let row: Option<(Vec<u8>,)> = sqlx::query_as("SELECT node FROM trie_nodes WHERE hash = $1")
            .bind(hash.to_vec())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|(node,)| node.into()))
    }

    /// Walks `key`'s path from `root` through the stored nodes.
    async fn walk(&self, root: B256, key: B256) -> Result<(Vec<Bytes>, Option<Vec<u8>>)> {
        let mut walk = ProofWalk::new(root, key);
        while let Some(hash) = walk.wanted() {
            let Some(node) = self.trie_node(hash).await? else {
                return Err(StoreError::Missing(format!("trie node {hash}")));
            };
            walk.feed(node).map_err(StoreError::decode("trie node"))?;
        }
        Ok(walk.finish())
    }
}

/// Stores trie nodes produced by block `number`; a node already stored is marked as produced
/// by `number` (the pruning keeps the nodes of blocks at or after its floor).
pub(super) async fn write_trie_nodes(
    db: &mut Transaction<'_, Any>,
    number: u64,
    nodes: &[(B256, Bytes)],
) -> Result<()> {
    let number = int(number);
    let mut unique: Vec<&(B256, Bytes)> = nodes.iter().collect();
    unique.sort_unstable_by_key(|(hash, _)| *hash);
    unique.dedup_by_key(|(hash, _)| *hash);
    super::blocks::insert_rows(
        db,
        "INSERT INTO trie_nodes (hash, node, block_number)",
        &unique,
        " ON CONFLICT (hash) DO UPDATE SET block_number = excluded.block_number",
        |(hash, node)| vec![hash.to_vec().into(), node.to_vec().into(), number.into()],
    )
    .await
}
