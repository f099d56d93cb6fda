//! Reading state from the versioned history: as of any block, and all of it at startup.

use crate::{
    codec::{address, b256, int, u256, uint, word},
    error::Result,
    store::Store,
};
use alloy_primitives::{Address, B256, Bytes, U256};
use rollup_core::{AccountDiff, AccountInfo, StateDiff};
use std::collections::BTreeMap;

type AccountRow = (Vec<u8>, i64, i64, i64, Vec<u8>, Vec<u8>);
type SlotRow = (Vec<u8>, Vec<u8>, i64, Vec<u8>);

impl Store {
    /// The account at `address` as of the end of block `number`.
    pub async fn account_at(&self, address: Address, number: u64) -> Result<Option<AccountInfo>> {
        let row: Option<(i64, i64, Vec<u8>, Vec<u8>)> = sqlx::query_as(
            "SELECT present, nonce, balance, code_hash FROM account_history \
             WHERE address = $1 AND block_number <= $2 ORDER BY block_number DESC LIMIT 1",
        )
        .bind(address.to_vec())
        .bind(int(number))
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some((1, nonce, balance, code_hash)) => {
                Ok(Some(AccountInfo { nonce: uint(nonce)?, balance: u256(&balance)?, code_hash: b256(&code_hash)? }))
            }
            _ => Ok(None),
        }
    }

    /// A storage slot as of the end of block `number`.
    pub async fn storage_at(&self, address: Address, slot: U256, number: u64) -> Result<U256> {
        let value: Option<(i64, Vec<u8>)> = sqlx::query_as(
            "SELECT block_number, value FROM storage_history \
             WHERE address = $1 AND slot = $2 AND block_number <= $3 ORDER BY block_number DESC LIMIT 1",
        )
        .bind(address.to_vec())
        .bind(word(slot))
        .bind(int(number))
        .fetch_optional(&self.pool)
        .await?;
        let Some((written, value)) = value else { return Ok(U256::ZERO) };
        // A wipe after the write (or in the same block, before it) hides the write.
        let (reset,): (Option<i64>,) =
            sqlx::query_as("SELECT MAX(block_number) FROM storage_resets WHERE address = $1 AND block_number <= $2")
                .bind(address.to_vec())
                .bind(int(number))
                .fetch_one(&self.pool)
                .await?;
        if reset.is_some_and(|reset| reset > written) {
            return Ok(U256::ZERO);
        }
        u256(&value)
    }

    /// Code by hash.
    pub async fn code(&self, hash: B256) -> Result<Option<Bytes>> {
        let row: Option<(Vec<u8>,)> = sqlx::query_as("SELECT code FROM codes WHERE hash = $1")
            .bind(hash.to_vec())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|(code,)| code.into()))
    }

    /// The whole latest state as one change set (to rebuild the in-memory state at startup).
    pub async fn latest_state(&self) -> Result<StateDiff> {
        let accounts: Vec<AccountRow> = sqlx::query_as(
            "SELECT a.address, a.block_number, a.present, a.nonce, a.balance, a.code_hash FROM account_history a \
             JOIN (SELECT address, MAX(block_number) AS latest FROM account_history GROUP BY address) m \
             ON a.address = m.address AND a.block_number = m.latest",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut diff = StateDiff::default();
        for (addr, _, present, nonce, balance, code_hash) in accounts {
            if present == 1 {
                let info = AccountInfo { nonce: uint(nonce)?, balance: u256(&balance)?, code_hash: b256(&code_hash)? };
                diff.accounts.insert(address(&addr)?, AccountDiff { info: Some(info), ..Default::default() });
            }
        }
        let resets: Vec<(Vec<u8>, i64)> =
            sqlx::query_as("SELECT address, MAX(block_number) FROM storage_resets GROUP BY address")
                .fetch_all(&self.pool)
                .await?;
        let resets: BTreeMap<Address, i64> =
            resets.into_iter().map(|(a, n)| Ok((address(&a)?, n))).collect::<Result<_>>()?;
        let slots: Vec<SlotRow> = sqlx::query_as(
            "SELECT s.address, s.slot, s.block_number, s.value FROM storage_history s \
             JOIN (SELECT address, slot, MAX(block_number) AS latest FROM storage_history GROUP BY address, slot) m \
             ON s.address = m.address AND s.slot = m.slot AND s.block_number = m.latest",
        )
        .fetch_all(&self.pool)
        .await?;
        for (addr, slot, written, value) in slots {
            let addr = address(&addr)?;
            let value = u256(&value)?;
            if value.is_zero() || resets.get(&addr).is_some_and(|reset| *reset > written) {
                continue;
            }
            if let Some(account) = diff.accounts.get_mut(&addr) {
                account.storage.insert(u256(&slot)?, value);
            }
        }
        let codes: Vec<(Vec<u8>, Vec<u8>)> =
            sqlx::query_as("SELECT hash, code FROM codes").fetch_all(&self.pool).await?;
        for (hash, code) in codes {
            diff.codes.insert(b256(&hash)?, code.into());
        }
        Ok(diff)
    }

    /// Hashes of the blocks in `from..=to`, for the BLOCKHASH window.
    pub async fn block_hashes(&self, from: u64, to: u64) -> Result<Vec<(u64, B256)>> {
        let rows: Vec<(i64, Vec<u8>)> =
            sqlx::query_as("SELECT number, hash FROM blocks WHERE number >= $1 AND number <= $2 ORDER BY number")
                .bind(int(from))
                .bind(int(to))
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter().map(|(number, hash)| Ok((uint(number)?, b256(&hash)?))).collect()
    }
}
