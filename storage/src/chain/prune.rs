//! Pruning the state archive (`--state-history`): after pruning to a floor block, the state
//! of every block from the floor on is still served exactly (reads, calls, proofs), older
//! states are not. Blocks, transactions, receipts and logs are never pruned.
//!
//! - History rows (`account_history`, `storage_history`) older than the floor go when a newer
//!   row at or below the floor supersedes them; the newest one at or below the floor stays,
//!   since it is the value at the floor. Storage rows hidden by a wipe at or below the floor
//!   go, and then the wipes themselves (nothing they could hide is left).
//! - Trie nodes: a node stored by a block at or after the floor stays (re-storing a node moves
//!   its `block_number` forward, see [`super::trie`]); an older one stays only if the floor's
//!   state tries reach it (a read-only walk; only the garbage is written). Every node of a later state is one of those two: either a block
//!   after the floor produced it, or it was there, unchanged, at the floor.

use crate::{
    codec::{int, uint},
    error::{Result, StoreError},
    sql::Sql,
    store::Store,
};
use alloy::{
    consensus::TrieAccount,
    rlp::{Decodable, EMPTY_STRING_CODE},
};
use alloy_primitives::{B256, Bytes};
use alloy_trie::{
    EMPTY_ROOT_HASH,
    nodes::{RlpNode, TrieNode},
};
use std::collections::{HashMap, HashSet};

/// Nodes read or marked per statement.
const NODES_PER_QUERY: usize = 500;

/// What one pruning removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PruneStats {
    /// History rows (accounts, slots, wipes) deleted.
    pub history_rows: u64,
    /// Trie nodes deleted.
    pub trie_nodes: u64,
    /// Trie nodes the floor's state reaches (walked to keep them).
    pub reachable_nodes: u64,
}

impl Store {
    /// The oldest block whose state is kept (0 until the first pruning).
    pub async fn state_floor(&self) -> Result<u64> {
        let row: Option<(Vec<u8>,)> =
            sqlx::query_as("SELECT value FROM chain_meta WHERE key = 'state_floor'").fetch_optional(&self.pool).await?;
        match row {
            None => Ok(0),
            Some((value,)) => {
                let value: [u8; 8] =
                    value.try_into().map_err(|_| StoreError::Missing("an 8-byte state floor".to_owned()))?;
                uint(i64::from_be_bytes(value))
            }
        }
    }

    /// Drops the state of blocks before `floor` (see the module docs); `floor` must be a stored
    /// block. Does nothing if the state is already pruned to `floor` or later. The new floor is
    /// recorded before anything is deleted, so readers never see a state the pruning is taking
    /// apart.
    pub async fn prune_state(&self, floor: u64) -> Result<PruneStats> {
        if floor <= self.state_floor().await? {
            return Ok(PruneStats::default());
        }
        let Some((_, header)) = self.header(floor).await? else {
            return Err(StoreError::Missing(format!("block {floor}")));
        };
        sqlx::query(
            "INSERT INTO chain_meta (key, value) VALUES ('state_floor', $1) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(int(floor).to_be_bytes().to_vec())
        .execute(&self.pool)
        .await?;
        let history_rows = self.prune_history(floor).await?;
        // A database from before the trie archive has no nodes for its older blocks' roots:
        // there is nothing to sweep below the first block it has them for.
        if !self.has_trie_node(header.state_root).await? {
            return Ok(PruneStats { history_rows, ..PruneStats::default() });
        }
        let reachable = self.reachable_nodes(header.state_root, floor).await?;
        let trie_nodes = self.delete_unreachable_nodes(&reachable, floor).await?;
        Ok(PruneStats { history_rows, trie_nodes, reachable_nodes: reachable.len() as u64 })
    }

    /// Deletes the history rows no read at or after `floor` can see; returns how many.
    async fn prune_history(&self, floor: u64) -> Result<u64> {
        let statements = [
            // Storage written before a wipe at or below the floor.
            "DELETE FROM storage_history WHERE address >= $2 AND address < $3 AND block_number < \
             (SELECT MAX(r.block_number) FROM storage_resets r \
              WHERE r.address = storage_history.address AND r.block_number <= $1)",
            // Values superseded by a newer one at or below the floor.
            "DELETE FROM storage_history WHERE address >= $2 AND address < $3 AND block_number < $1 AND EXISTS \
             (SELECT 1 FROM storage_history n WHERE n.address = storage_history.address \
              AND n.slot = storage_history.slot AND n.block_number > storage_history.block_number \
              AND n.block_number <= $1)",
            "DELETE FROM account_history WHERE address >= $2 AND address < $3 AND block_number < $1 AND EXISTS \
             (SELECT 1 FROM account_history n WHERE n.address = account_history.address \
              AND n.block_number > account_history.block_number AND n.block_number <= $1)",
        ];
        let mut deleted = 0;
        for statement in statements {
            deleted += self.delete_by_key_prefix(statement, floor).await?;
        }
        // Only now that nothing they hide is left: wipes at or below the floor.
        let wipes =
            sqlx::query("DELETE FROM storage_resets WHERE block_number <= $1").bind(int(floor)).execute(&self.pool);
        Ok(deleted + wipes.await?.rows_affected())
    }

    /// Runs `statement` (`$1` the floor, `$2..$3` a range of its table's leading key) once per
    /// first byte of the key, each its own short transaction: pruning a large archive never
    /// holds the database's write lock for long, so block commits go on between the pieces.
    /// Every piece deletes only what no kept state can see, so stopping halfway is safe.
    async fn delete_by_key_prefix(&self, statement: &'static str, floor: u64) -> Result<u64> {
        let mut deleted = 0;
        for (start, end) in key_prefixes() {
            let query = sqlx::query(statement).bind(int(floor)).bind(start).bind(end);
            deleted += query.execute(&self.pool).await?.rows_affected();
            tokio::task::yield_now().await;
        }
        Ok(deleted)
    }

    /// Walks every trie of the state with root `root` (the account trie and each account's
    /// storage trie), reading only; returns the hashes of the nodes it reached.
    async fn reachable_nodes(&self, root: B256, floor: u64) -> Result<HashSet<B256>> {
        if root == EMPTY_ROOT_HASH {
            return Ok(HashSet::new());
        }
        let mut seen = HashSet::from([root]);
        let mut wanted: Vec<(B256, bool)> = vec![(root, true)];
        while !wanted.is_empty() {
            let batch: Vec<(B256, bool)> = wanted.split_off(wanted.len().saturating_sub(NODES_PER_QUERY));
            let hashes: Vec<B256> = batch.iter().map(|(hash, _)| *hash).collect();
            let nodes: HashMap<B256, Bytes> = self.trie_nodes(&hashes).await?.into_iter().collect();
            for (hash, in_account_trie) in batch {
                let Some(node) = nodes.get(&hash) else {
                    return Err(StoreError::Missing(format!("trie node {hash} of the state at block {floor}")));
                };
                for child in children(node, in_account_trie)? {
                    if seen.insert(child.0) {
                        wanted.push(child);
                    }
                }
            }
        }
        Ok(seen)
    }

    /// Deletes the nodes produced before `floor` that are not in `reachable`, a piece of the
    /// table at a time (see [`Self::delete_by_key_prefix`]). Only garbage is written: a node
    /// re-produced by a block committed meanwhile has moved to that block and stays.
    async fn delete_unreachable_nodes(&self, reachable: &HashSet<B256>, floor: u64) -> Result<u64> {
        let mut deleted = 0;
        for (start, end) in key_prefixes() {
            let old: Vec<(Vec<u8>,)> =
                sqlx::query_as("SELECT hash FROM trie_nodes WHERE block_number < $1 AND hash >= $2 AND hash < $3")
                    .bind(int(floor))
                    .bind(start)
                    .bind(end)
                    .fetch_all(&self.pool)
                    .await?;
            let garbage: Vec<Vec<u8>> = old
                .into_iter()
                .map(|(hash,)| hash)
                .filter(|hash| B256::try_from(hash.as_slice()).is_ok_and(|hash| !reachable.contains(&hash)))
                .collect();
            for chunk in garbage.chunks(NODES_PER_QUERY) {
                let mut sql = Sql::new("DELETE FROM trie_nodes WHERE block_number < ");
                sql.bind(int(floor)).push(" AND hash IN ");
                sql.bind_tuple(chunk.iter().map(|hash| hash.clone().into()));
                deleted += sql.query().execute(&self.pool).await?.rows_affected();
            }
            tokio::task::yield_now().await;
        }
        Ok(deleted)
    }

    /// The stored nodes among `hashes`.
    async fn trie_nodes(&self, hashes: &[B256]) -> Result<Vec<(B256, Bytes)>> {
        let mut sql = Sql::new("SELECT hash, node FROM trie_nodes WHERE hash IN ");
        sql.bind_tuple(hashes.iter().map(|hash| hash.to_vec().into()));
        let rows: Vec<(Vec<u8>, Vec<u8>)> = sql.query_as().fetch_all(&self.pool).await?;
        rows.into_iter().map(|(hash, node)| Ok((crate::codec::b256(&hash)?, node.into()))).collect()
    }
}

/// The 256 ranges `start..end` of byte-string keys (addresses, hashes) by their first byte.
fn key_prefixes() -> impl Iterator<Item = (Vec<u8>, Vec<u8>)> {
    (0..=u8::MAX).map(|first| {
        let end = match first.checked_add(1) {
            Some(next) => vec![next],
            None => vec![u8::MAX; 33],
        };
        (vec![first], end)
    })
}

/// The hashed nodes `node` refers to, each marked whether it belongs to the account trie; the
/// leaves of the account trie lead to the accounts' storage tries.
fn children(node: &[u8], in_account_trie: bool) -> Result<Vec<(B256, bool)>> {
    let mut found = Vec::new();
    let mut inline = vec![Bytes::copy_from_slice(node)];
    while let Some(rlp) = inline.pop() {
        let node = TrieNode::decode(&mut &rlp[..]).map_err(StoreError::decode("trie node"))?;
        let mut follow = |child: &RlpNode| match child.as_hash() {
            Some(hash) => found.push((hash, in_account_trie)),
            None if child.as_ref() != [EMPTY_STRING_CODE] => inline.push(Bytes::copy_from_slice(child.as_ref())),
            None => {}
        };
        match node {
            TrieNode::Branch(branch) => branch.stack.iter().for_each(&mut follow),
            TrieNode::Extension(extension) => follow(&extension.child),
            TrieNode::Leaf(leaf) if in_account_trie => {
                let account = TrieAccount::decode(&mut &leaf.value[..]).map_err(StoreError::decode("account leaf"))?;
                if account.storage_root != EMPTY_ROOT_HASH {
                    found.push((account.storage_root, false));
                }
            }
            TrieNode::Leaf(_) | TrieNode::EmptyRoot => {}
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{Address, U256};
    use proptest::prelude::*;
    use rollup_core::{AccountDiff, AccountInfo, StateDiff, WorldState};
    use std::collections::HashMap;

    /// Every node `root`'s tries reach, or the first one missing from `nodes`.
    fn reach(nodes: &HashMap<B256, Bytes>, root: B256) -> std::result::Result<HashSet<B256>, B256> {
        if root == EMPTY_ROOT_HASH {
            return Ok(HashSet::new());
        }
        let mut reached = HashSet::from([root]);
        let mut wanted = vec![(root, true)];
        while let Some((hash, in_account_trie)) = wanted.pop() {
            let node = nodes.get(&hash).ok_or(hash)?;
            for child in children(node, in_account_trie).unwrap() {
                if reached.insert(child.0) {
                    wanted.push(child);
                }
            }
        }
        Ok(reached)
    }

    /// One change of a block: `(account, nonce, Some((slot, value)))`; value 0 deletes the slot,
    /// and nonce 0 without a slot deletes the account.
    type Change = (u8, u64, Option<(u8, u8)>);

    fn diff(changes: &[Change]) -> StateDiff {
        let mut diff = StateDiff::default();
        for (account, nonce, slot) in changes {
            let address = Address::with_last_byte(*account % 16);
            let entry = diff.accounts.entry(address).or_insert_with(AccountDiff::default);
            if *nonce == 0 && slot.is_none() {
                *entry = AccountDiff { info: None, ..Default::default() };
                continue;
            }
            let info = AccountInfo {
                nonce: *nonce,
                balance: U256::from(*nonce),
                code_hash: alloy_primitives::KECCAK256_EMPTY,
            };
            entry.info = Some(info);
            if let Some((slot, value)) = slot {
                entry.storage.insert(U256::from(*slot % 8), U256::from(*value));
            }
        }
        diff
    }

    proptest! {
        /// The pruning rule keeps every state from the floor on whole: nodes stored per block
        /// (re-storing moves a node to the newer block), marked from the floor's root, and
        /// deleted if older than the floor and unmarked; every root from the floor on is then
        /// still fully walkable. Blocks change, delete and re-create accounts and slots.
        #[test]
        fn pruning_keeps_every_state_from_the_floor(
            blocks in prop::collection::vec(
                prop::collection::vec((any::<u8>(), 0..4u64, prop::option::of((any::<u8>(), 0..3u8))), 1..8),
                2..12,
            ),
            floor_pick in any::<prop::sample::Index>(),
        ) {
            let mut world = WorldState::new();
            world.record_trie_nodes();
            let mut stored: HashMap<B256, (Bytes, u64)> = HashMap::new();
            let mut roots = Vec::new();
            for (number, changes) in blocks.iter().enumerate() {
                roots.push(world.apply(&diff(changes)));
                for (hash, node) in world.take_trie_nodes() {
                    stored.insert(hash, (node, number as u64));
                }
            }
            let floor = floor_pick.index(roots.len()) as u64;
            let all: HashMap<B256, Bytes> = stored.iter().map(|(hash, (node, _))| (*hash, node.clone())).collect();
            let marked = reach(&all, roots[floor as usize]).unwrap();
            stored.retain(|hash, (_, number)| *number >= floor || marked.contains(hash));
            let kept: HashMap<B256, Bytes> = stored.into_iter().map(|(hash, (node, _))| (hash, node)).collect();
            for (number, root) in roots.iter().enumerate().skip(floor as usize) {
                let walked = reach(&kept, *root);
                prop_assert!(walked.is_ok(), "block {number}: node {:?} was pruned", walked.err());
            }
        }
    }

    /// `children` finds every stored node of a state: walking from the root through the nodes
    /// the state recorded reaches exactly the recorded set.
    #[test]
    fn children_reach_every_recorded_node() {
        let mut world = WorldState::new();
        world.record_trie_nodes();
        let mut changes = Vec::new();
        for i in 0..=255u8 {
            changes.push((i, u64::from(i % 3) + 1, Some((i, i % 5))));
        }
        let root = world.apply(&diff(&changes));
        let stored: HashMap<B256, Bytes> = world.take_trie_nodes().into_iter().collect();
        assert_eq!(reach(&stored, root).unwrap(), stored.keys().copied().collect::<HashSet<_>>());
    }
}
