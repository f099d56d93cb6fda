//! A block's parent state from Merkle proofs: the accounts and slots the block reads, found by
//! re-executing it on what is proven so far until it reads nothing unproven, each proven with
//! `eth_getProof` against the parent's state root, and the trie nodes deleting them may need
//! (`debug_dbGet`).

use super::block::L2Block;
use alloy::providers::{DynProvider, Provider};
use alloy_primitives::{Address, B256, Bytes, KECCAK256_EMPTY, U256, keccak256, map::B256Map};
use anyhow::{Context as _, bail, ensure};
use revm::{bytecode::Bytecode, inspector::NoOpInspector};
use rollup_core::{
    AccountDiff, AccountInfo, AccountProof, BlockReplay, BlockTx, ExecutionError, StateDiff, StateReader, StateTrie,
    TxOutcome, fees::L1BlockValues,
};
use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    sync::Mutex,
};

/// Storage keys asked for in one `eth_getProof` (the node's default limit is 1,024).
const KEYS_PER_PROOF: usize = 256;

/// Rounds of re-execution before giving up on finding what the block reads.
const MAX_ROUNDS: usize = 64;

/// Accounts and, per account, slots.
pub(super) type Keys = BTreeMap<Address, BTreeSet<B256>>;

/// What is proven of the parent's state.
#[derive(Default)]
pub(super) struct Proven {
    proofs: BTreeMap<Address, AccountProof>,
    /// The proven slots' values (execution reads them often).
    slots: HashMap<(Address, B256), U256>,
    codes: B256Map<Bytes>,
}

/// The block re-executed on the proven state, as the state-transition function runs it.
pub(super) struct Replayed {
    /// Every transaction's outcome, deposits first.
    pub(super) outcomes: Vec<TxOutcome>,
    /// The block's changes to its parent's state.
    pub(super) diff: StateDiff,
}

impl Proven {
    /// Proves what `block` reads, starting from `keys`: re-executes the block on the proven
    /// state, proves whatever it read that was not, and again until it reads nothing new.
    /// Returns the proven state, its trie and the block's execution on it.
    pub(super) async fn find(
        rpc: &DynProvider,
        block: &L2Block,
        mut keys: Keys,
    ) -> anyhow::Result<(StateDiff, StateTrie, Replayed)> {
        let mut proven = Self::default();
        for _ in 0..MAX_ROUNDS {
            proven.prove(rpc, block.number - 1, &keys).await?;
            let trie = proven.trie(block.parent_state_root)?;
            let known = Known { proven: &proven, trie: &trie, hashes: &block.ancestors, misses: Mutex::default() };
            let replayed = replay(&known, block);
            keys = known.misses.into_inner().expect("no panic holds the lock");
            match replayed {
                Ok(replayed) if keys.is_empty() => {
                    return Ok((proven.pre(&trie), proven.revealed(rpc, trie).await?, replayed));
                }
                Err(error) if keys.is_empty() => return Err(error),
                // It read something unproven: what it did with the stand-in value is moot.
                _ => {}
            }
        }
        bail!("block {} kept reading new accounts or slots after {MAX_ROUNDS} rounds of proofs", block.number)
    }

    /// Proves the accounts and slots of `keys` not proven yet, at block `number`, with their
    /// code.
    async fn prove(&mut self, rpc: &DynProvider, number: u64, keys: &Keys) -> anyhow::Result<()> {
        for (address, slots) in keys {
            let new: Vec<B256> =
                slots.iter().filter(|slot| !self.slots.contains_key(&(*address, **slot))).copied().collect();
            if self.proofs.contains_key(address) && new.is_empty() {
                continue;
            }
            let chunks = new.chunks(KEYS_PER_PROOF).map(<[B256]>::to_vec);
            for chunk in chunks.chain(new.is_empty().then(Vec::new)) {
                let proof: AccountProof = rpc
                    .get_proof(*address, chunk.clone())
                    .number(number)
                    .await
                    .with_context(|| format!("eth_getProof {address} at block {number}"))?
                    .into();
                let keys: Vec<B256> = proof.storage_proofs.iter().map(|(slot, ..)| *slot).collect();
                ensure!(
                    proof.address == *address && keys == chunk,
                    "eth_getProof {address} at block {number} answered for other keys"
                );
                self.slots.extend(proof.storage_proofs.iter().map(|(slot, value, _)| ((*address, *slot), *value)));
                match self.proofs.get_mut(address) {
                    Some(known) => known.storage_proofs.extend(proof.storage_proofs),
                    None => {
                        self.code(rpc, number, &proof).await?;
                        self.proofs.insert(*address, proof);
                    }
                }
            }
        }
        Ok(())
    }

    /// Fetches the code of the account `proof` proves, checked against its code hash.
    async fn code(&mut self, rpc: &DynProvider, number: u64, proof: &AccountProof) -> anyhow::Result<()> {
        if proof.code_hash == KECCAK256_EMPTY || proof.code_hash.is_zero() || self.codes.contains_key(&proof.code_hash)
        {
            return Ok(());
        }
        let address = proof.address;
        let code = rpc
            .get_code_at(address)
            .number(number)
            .await
            .with_context(|| format!("eth_getCode {address} at block {number}"))?;
        ensure!(keccak256(&code) == proof.code_hash, "the code of {address} does not match its proven code hash");
        self.codes.insert(proof.code_hash, code);
        Ok(())
    }

    /// The trie the proofs build, checked against `state_root`.
    fn trie(&self, state_root: B256) -> anyhow::Result<StateTrie> {
        let proofs: Vec<AccountProof> = self.proofs.values().cloned().collect();
        StateTrie::from_proofs(state_root, &proofs)
            .with_context(|| format!("the node's proofs do not match the parent's state root {state_root}"))
    }

    /// `trie` with the nodes revealed that deleting any proven key may need.
    async fn revealed(&self, rpc: &DynProvider, mut trie: StateTrie) -> anyhow::Result<StateTrie> {
        let wanted: BTreeSet<B256> = self
            .proofs
            .values()
            .flat_map(|proof| {
                let slots: Vec<B256> = proof.storage_proofs.iter().map(|(slot, ..)| *slot).collect();
                trie.blinded_near(proof.address, &slots)
            })
            .collect();
        let fetches = wanted.iter().map(|hash| async move {
            let node: Bytes =
                rpc.raw_request("debug_dbGet".into(), (hash,)).await.with_context(|| format!("debug_dbGet {hash}"))?;
            ensure!(keccak256(&node) == *hash, "debug_dbGet {hash} returned a node with another hash");
            Ok(node)
        });
        let nodes = futures::future::try_join_all(fetches).await?;
        trie.reveal(&nodes).context("revealing the trie nodes deletions need")?;
        Ok(trie)
    }

    /// The proven accounts that exist (with their proven slots and code) as a change set on
    /// the empty state.
    fn pre(&self, trie: &StateTrie) -> StateDiff {
        let mut pre = StateDiff {
            codes: self.codes.iter().map(|(hash, code)| (*hash, code.clone())).collect(),
            ..Default::default()
        };
        for proof in self.proofs.values().filter(|proof| trie.account(proof.address).is_some()) {
            let info = AccountInfo { nonce: proof.nonce, balance: proof.balance, code_hash: proof.code_hash };
            let storage = proof.storage_proofs.iter().filter(|(_, value, _)| !value.is_zero());
            let storage = storage.map(|(slot, value, _)| (U256::from_be_bytes(slot.0), *value)).collect();
            pre.accounts.insert(proof.address, AccountDiff { info: Some(info), storage_reset: false, storage });
        }
        pre
    }
}

/// The proven state as block execution reads it; a read of anything unproven is recorded
/// and answered as if the account were absent or the slot zero.
struct Known<'a> {
    proven: &'a Proven,
    trie: &'a StateTrie,
    hashes: &'a BTreeMap<u64, B256>,
    misses: Mutex<Keys>,
}

impl Known<'_> {
    fn miss(&self, address: Address, slot: Option<B256>) {
        let mut misses = self.misses.lock().expect("no panic holds the lock");
        misses.entry(address).or_default().extend(slot);
    }
}

impl StateReader for Known<'_> {
    fn account(&self, address: Address) -> Option<AccountInfo> {
        let Some(proof) = self.proven.proofs.get(&address) else {
            self.miss(address, None);
            return None;
        };
        self.trie.account(address)?;
        Some(AccountInfo { nonce: proof.nonce, balance: proof.balance, code_hash: proof.code_hash })
    }

    fn storage(&self, address: Address, slot: U256) -> U256 {
        let key = B256::from(slot);
        let Some(proof) = self.proven.proofs.get(&address) else {
            self.miss(address, Some(key));
            return U256::ZERO;
        };
        if proof.storage_hash == alloy::consensus::EMPTY_ROOT_HASH {
            return U256::ZERO;
        }
        match self.proven.slots.get(&(address, key)) {
            Some(value) => *value,
            None => {
                self.miss(address, Some(key));
                U256::ZERO
            }
        }
    }

    fn code(&self, code_hash: B256) -> Option<Bytecode> {
        self.proven.codes.get(&code_hash).map(|code| Bytecode::new_raw(code.clone()))
    }

    fn block_hash(&self, number: u64) -> B256 {
        self.hashes.get(&number).copied().unwrap_or_default()
    }
}

/// Runs `block` on `parent` as the state-transition function does: its L1 attributes deposit
/// must be the one its parent state and attributes give.
fn replay(parent: &Known<'_>, block: &L2Block) -> anyhow::Result<Replayed> {
    let attrs = &block.attrs;
    let expected = L1BlockValues::next(parent, attrs.l1_origin, attrs.l1).deposit();
    ensure!(
        block.deposits.first() == Some(&expected),
        "block {}'s first deposit is not the L1 attributes deposit its parent state and attributes give",
        block.number
    );
    let mut replay = BlockReplay::new(parent, block.chain_id, attrs.clone());
    let mut outcomes: Vec<TxOutcome> = Vec::new();
    let replayed =
        |error: ExecutionError| anyhow::Error::new(error).context(format!("re-executing block {}", block.number));
    for deposit in &block.deposits {
        let nonce = StateReader::account(replay.state(), deposit.from).map_or(0, |account| account.nonce);
        let run = replay.run(BlockTx::Deposit(deposit), NoOpInspector).map_err(replayed)?;
        let outcome = match &run.outcome {
            Ok(executed) => TxOutcome::from(executed.result.clone()),
            // Refused: it keeps its mint and nonce increment and uses its whole gas limit.
            Err(_) => TxOutcome {
                success: false,
                gas_used: deposit.gas_limit,
                logs: Vec::new(),
                contract_address: None,
                deposit_nonce: None,
            },
        };
        outcomes.push(TxOutcome { deposit_nonce: Some(nonce), ..outcome });
        replay.commit(run);
    }
    let mut used: u64 = outcomes.iter().map(|outcome| outcome.gas_used).sum();
    for (index, tx) in block.txs.iter().enumerate() {
        // As the state-transition function, a transaction must fit in the gas left.
        let limit = alloy::consensus::Transaction::gas_limit(tx.inner());
        ensure!(
            limit <= attrs.gas_limit.saturating_sub(used),
            "user transaction {index} of block {} asks for {limit} gas, more than the {} the block has left",
            block.number,
            attrs.gas_limit.saturating_sub(used)
        );
        let run = replay.run(BlockTx::User(tx), NoOpInspector).map_err(replayed)?;
        let outcome = match &run.outcome {
            Ok(executed) => TxOutcome::from(executed.result.clone()),
            Err(reason) => {
                bail!("user transaction {index} of block {} is refused on re-execution: {reason}", block.number)
            }
        };
        used += outcome.gas_used;
        outcomes.push(outcome);
        replay.commit(run);
    }
    Ok(Replayed { outcomes, diff: replay.finish() })
}
