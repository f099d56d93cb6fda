//! Writing sealed blocks atomically, and reading blocks and transactions back.

use crate::{
    codec::{address, b256, decode, int, uint, word},
    error::{Result, StoreError},
    sql::{Param, Sql},
    store::Store,
};
use alloy::{
    consensus::Header,
    eips::eip2718::Encodable2718,
    rlp::{Decodable, Encodable},
};
use alloy_primitives::{Address, B256, Bytes, keccak256};
use rollup_batch::BatchBlock;
use rollup_core::{
    Genesis, L1Origin, Output, SealedBlock, StateDiff, TxOutcome,
    deposit::{L2Envelope, L2ReceiptEnvelope},
};
use sqlx::{Any, AssertSqlSafe, Transaction};

/// Rows per multi-row INSERT (keeps bind parameters under SQLite's and Postgres' limits).
const ROWS_PER_INSERT: usize = 500;

/// A transaction (deposit or user transaction) as stored with its block position and receipt.
/// Deposits are stored like any transaction: raw as their EIP-2718 encoding (`0x7E ‖ rlp`),
/// sender as their `from`, receipt typed `0x7E`.
#[derive(Clone, Debug)]
pub struct StoredTx {
    /// Transaction hash.
    pub hash: B256,
    /// Block containing it.
    pub block_number: u64,
    /// Position in the block (deposits first).
    pub tx_index: u64,
    /// Recovered sender (a deposit's `from`).
    pub sender: Address,
    /// The signed transaction or the deposit.
    pub tx: L2Envelope,
    /// Its receipt.
    pub receipt: L2ReceiptEnvelope,
    /// Gas used by this transaction alone.
    pub gas_used: u64,
    /// Created contract, if any.
    pub contract_address: Option<Address>,
    /// Block-wide index of its first log.
    pub first_log_index: u64,
}

type TxRow = (Vec<u8>, i64, i64, Vec<u8>, Vec<u8>, Vec<u8>, i64, Option<Vec<u8>>, i64);

const TX_COLUMNS: &str =
    "hash, block_number, tx_index, sender, raw, receipt, gas_used, contract_address, first_log_index";

fn stored_tx(row: TxRow) -> Result<StoredTx> {
    let (hash, block_number, tx_index, sender, raw, receipt, gas_used, contract, first_log_index) = row;
    Ok(StoredTx {
        hash: b256(&hash)?,
        block_number: uint(block_number)?,
        tx_index: uint(tx_index)?,
        sender: address(&sender)?,
        tx: decode("transaction", &raw)?,
        receipt: decode("receipt", &receipt)?,
        gas_used: uint(gas_used)?,
        contract_address: contract.as_deref().map(address).transpose()?,
        first_log_index: uint(first_log_index)?,
    })
}

/// Runs a multi-row INSERT (`head VALUES (…), (…) tail`) for `rows`, in chunks.
pub(super) async fn insert_rows<T>(
    db: &mut Transaction<'_, Any>,
    head: &str,
    rows: &[T],
    tail: &str,
    params: impl Fn(&T) -> Vec<Param>,
) -> Result<()> {
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let mut sql = Sql::new(head);
        sql.push(" VALUES ");
        for (i, row) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.bind_tuple(params(row));
        }
        sql.push(tail);
        sql.query().execute(&mut **db).await?;
    }
    Ok(())
}

impl Store {
    /// Initialises an empty database with `genesis` and its block 0. The genesis state's trie
    /// nodes are stored by whoever builds the state ([`Store::put_trie_nodes`]).
    pub async fn init_genesis(&self, genesis: &Genesis, block: &SealedBlock) -> Result<()> {
        let mut db = self.pool.begin().await?;
        let json = serde_json::to_vec(genesis)
            .map_err(|source| StoreError::Encode { what: "genesis", source: source.into() })?;
        sqlx::query("INSERT INTO chain_meta (key, value) VALUES ('genesis', $1)").bind(json).execute(&mut *db).await?;
        write_block(&mut db, block, &[], &genesis.state_diff(), genesis.l1_origin).await?;
        db.commit().await?;
        Ok(())
    }

    /// Atomically stores a sealed block, its receipts, logs, state changes and the trie nodes
    /// its state root needs that were not stored yet, and removes the included (and any
    /// `dropped`) transactions from the pending pool.
    pub async fn commit_block(
        &self,
        block: &SealedBlock,
        outcomes: &[TxOutcome],
        diff: &StateDiff,
        trie_nodes: &[(B256, Bytes)],
        l1_origin: L1Origin,
        dropped: &[B256],
    ) -> Result<()> {
        let mut db = self.pool.begin().await?;
        write_block(&mut db, block, outcomes, diff, l1_origin).await?;
        super::trie::write_trie_nodes(&mut db, block.header.number, trie_nodes).await?;
        // Only user transactions come from the pending pool; deposits never are in it.
        let mut done: Vec<B256> = block.transactions.iter().map(|tx| *tx.inner().tx_hash()).collect();
        done.extend_from_slice(dropped);
        crate::pending::delete_pending_rows(&mut db, &done).await?;
        db.commit().await?;
        Ok(())
    }

    /// Number of the latest stored block.
    pub async fn head_number(&self) -> Result<Option<u64>> {
        let (max,): (Option<i64>,) = sqlx::query_as("SELECT MAX(number) FROM blocks").fetch_one(&self.pool).await?;
        max.map(uint).transpose()
    }

    /// Hash and header of block `number`.
    pub async fn header(&self, number: u64) -> Result<Option<(B256, Header)>> {
        let row: Option<(Vec<u8>, Vec<u8>)> = sqlx::query_as("SELECT hash, header FROM blocks WHERE number = $1")
            .bind(int(number))
            .fetch_optional(&self.pool)
            .await?;
        row.map(|(hash, header)| {
            let header = Header::decode(&mut header.as_slice()).map_err(StoreError::decode("header"))?;
            Ok((b256(&hash)?, header))
        })
        .transpose()
    }

    /// Number of the block with `hash`.
    pub async fn block_number(&self, hash: B256) -> Result<Option<u64>> {
        let row: Option<(i64,)> = sqlx::query_as("SELECT number FROM blocks WHERE hash = $1")
            .bind(hash.to_vec())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|(number,)| uint(number)).transpose()
    }

    /// L1 origin of block `number`.
    pub async fn l1_origin(&self, number: u64) -> Result<Option<L1Origin>> {
        let row: Option<(i64, Vec<u8>)> =
            sqlx::query_as("SELECT l1_origin_number, l1_origin_hash FROM blocks WHERE number = $1")
                .bind(int(number))
                .fetch_optional(&self.pool)
                .await?;
        row.map(|(number, hash)| Ok(L1Origin { number: uint(number)?, hash: b256(&hash)? })).transpose()
    }

    /// Transactions of block `number`, in order.
    pub async fn block_transactions(&self, number: u64) -> Result<Vec<StoredTx>> {
        let query = format!("SELECT {TX_COLUMNS} FROM transactions WHERE block_number = $1 ORDER BY tx_index");
        let rows: Vec<TxRow> = sqlx::query_as(AssertSqlSafe(query)).bind(int(number)).fetch_all(&self.pool).await?;
        rows.into_iter().map(stored_tx).collect()
    }

    /// The output of block `number` (`None` if the block does not exist, or was stored
    /// before output roots were kept).
    pub async fn output(&self, number: u64) -> Result<Option<Output>> {
        type OutputRow = (Vec<u8>, Vec<u8>, Option<Vec<u8>>);
        let row: Option<OutputRow> =
            sqlx::query_as("SELECT hash, header, message_passer_root FROM blocks WHERE number = $1")
                .bind(int(number))
                .fetch_optional(&self.pool)
                .await?;
        let Some((hash, header, Some(root))) = row else { return Ok(None) };
        let header = Header::decode(&mut header.as_slice()).map_err(StoreError::decode("header"))?;
        Ok(Some(Output {
            block_number: number,
            state_root: header.state_root,
            message_passer_storage_root: b256(&root)?,
            block_hash: b256(&hash)?,
        }))
    }

    /// Blocks `first..=last` as a batch carries them (timestamp, L1 origin, user transactions:
    /// deposits never travel in batches, derivation reads them from L1).
    pub async fn batch_blocks(&self, first: u64, last: u64) -> Result<Vec<BatchBlock>> {
        let blocks: Vec<(i64, Vec<u8>, i64, Vec<u8>)> = sqlx::query_as(
            "SELECT number, header, l1_origin_number, l1_origin_hash FROM blocks \
             WHERE number >= $1 AND number <= $2 ORDER BY number",
        )
        .bind(int(first))
        .bind(int(last))
        .fetch_all(&self.pool)
        .await?;
        let txs: Vec<(i64, Vec<u8>)> = sqlx::query_as(
            "SELECT block_number, raw FROM transactions WHERE block_number >= $1 AND block_number <= $2 \
             ORDER BY block_number, tx_index",
        )
        .bind(int(first))
        .bind(int(last))
        .fetch_all(&self.pool)
        .await?;
        let mut txs = txs.into_iter().peekable();
        let mut out = Vec::with_capacity(blocks.len());
        for (number, header, origin_number, origin_hash) in blocks {
            let header = Header::decode(&mut header.as_slice()).map_err(StoreError::decode("header"))?;
            let mut transactions = Vec::new();
            while let Some((_, raw)) = txs.next_if(|(block, _)| *block == number) {
                if let L2Envelope::BuiltIn(tx) = decode("transaction", &raw)? {
                    transactions.push(tx);
                }
            }
            out.push(BatchBlock {
                timestamp: header.timestamp,
                l1_origin: L1Origin { number: uint(origin_number)?, hash: b256(&origin_hash)? },
                transactions,
            });
        }
        Ok(out)
    }

    /// A mined transaction by hash.
    pub async fn transaction(&self, hash: B256) -> Result<Option<StoredTx>> {
        let query = format!("SELECT {TX_COLUMNS} FROM transactions WHERE hash = $1");
        let row: Option<TxRow> =
            sqlx::query_as(AssertSqlSafe(query)).bind(hash.to_vec()).fetch_optional(&self.pool).await?;
        row.map(stored_tx).transpose()
    }

    /// The transaction at a block position.
    pub async fn transaction_at(&self, number: u64, index: u64) -> Result<Option<StoredTx>> {
        let query = format!("SELECT {TX_COLUMNS} FROM transactions WHERE block_number = $1 AND tx_index = $2");
        let row: Option<TxRow> =
            sqlx::query_as(AssertSqlSafe(query)).bind(int(number)).bind(int(index)).fetch_optional(&self.pool).await?;
        row.map(stored_tx).transpose()
    }
}

/// Writes one block with everything that belongs to it inside `db`.
async fn write_block(
    db: &mut Transaction<'_, Any>,
    block: &SealedBlock,
    outcomes: &[TxOutcome],
    diff: &StateDiff,
    l1_origin: L1Origin,
) -> Result<()> {
    let number = int(block.header.number);
    let mut header = Vec::new();
    block.header.encode(&mut header);
    sqlx::query(
        "INSERT INTO blocks (number, hash, header, l1_origin_number, l1_origin_hash, message_passer_root) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(number)
    .bind(block.hash.to_vec())
    .bind(header)
    .bind(int(l1_origin.number))
    .bind(l1_origin.hash.to_vec())
    .bind(block.message_passer_root.to_vec())
    .execute(&mut **db)
    .await?;

    let mut log_index = 0u64;
    let mut tx_rows = Vec::with_capacity(outcomes.len());
    let mut log_rows = Vec::new();
    let senders =
        block.deposits.iter().map(|deposit| deposit.from).chain(block.transactions.iter().map(|tx| tx.signer()));
    let receipts = block.all_receipts();
    for (index, (((tx, sender), receipt), outcome)) in
        block.envelopes().into_iter().zip(senders).zip(receipts).zip(outcomes).enumerate()
    {
        tx_rows.push((index, tx.encoded_2718(), sender, receipt, outcome, log_index));
        for log in &outcome.logs {
            log_rows.push((index, log_index, log));
            log_index += 1;
        }
    }
    let head = format!("INSERT INTO transactions ({TX_COLUMNS})");
    insert_rows(db, &head, &tx_rows, "", |(index, raw, sender, receipt, outcome, first_log)| {
        vec![
            keccak256(raw).to_vec().into(),
            number.into(),
            int(*index as u64).into(),
            sender.to_vec().into(),
            raw.clone().into(),
            receipt.encoded_2718().into(),
            int(outcome.gas_used).into(),
            outcome.contract_address.map(|a| a.to_vec()).into(),
            int(*first_log).into(),
        ]
    })
    .await?;
    let head = "INSERT INTO logs (block_number, log_index, tx_index, address, topic0, topic1, topic2, topic3, data)";
    insert_rows(db, head, &log_rows, "", |(tx_index, log_index, log)| {
        let topic = |i: usize| Param::from(log.topics().get(i).map(|t| t.to_vec()));
        vec![
            number.into(),
            int(*log_index).into(),
            int(*tx_index as u64).into(),
            log.address.to_vec().into(),
            topic(0),
            topic(1),
            topic(2),
            topic(3),
            log.data.data.to_vec().into(),
        ]
    })
    .await?;
    write_state(db, number, diff).await
}

/// Writes the versioned state rows of one block.
async fn write_state(db: &mut Transaction<'_, Any>, number: i64, diff: &StateDiff) -> Result<()> {
    let accounts: Vec<_> = diff.accounts.iter().collect();
    let head = "INSERT INTO account_history (address, block_number, present, nonce, balance, code_hash)";
    insert_rows(db, head, &accounts, "", |(address, change)| {
        let info = change.info.unwrap_or_default();
        vec![
            address.to_vec().into(),
            number.into(),
            i64::from(change.info.is_some()).into(),
            int(info.nonce).into(),
            word(info.balance).into(),
            info.code_hash.to_vec().into(),
        ]
    })
    .await?;
    let resets: Vec<_> =
        diff.accounts.iter().filter(|(_, c)| c.storage_reset || c.info.is_none()).map(|(a, _)| a).collect();
    insert_rows(db, "INSERT INTO storage_resets (address, block_number)", &resets, "", |address| {
        vec![address.to_vec().into(), number.into()]
    })
    .await?;
    let slots: Vec<_> = diff
        .accounts
        .iter()
        .filter(|(_, c)| c.info.is_some())
        .flat_map(|(address, change)| change.storage.iter().map(move |(slot, value)| (address, slot, value)))
        .collect();
    let head = "INSERT INTO storage_history (address, slot, block_number, value)";
    insert_rows(db, head, &slots, "", |(address, slot, value)| {
        vec![address.to_vec().into(), word(**slot).into(), number.into(), word(**value).into()]
    })
    .await?;
    let codes: Vec<_> = diff.codes.iter().collect();
    insert_rows(db, "INSERT INTO codes (hash, code)", &codes, " ON CONFLICT (hash) DO NOTHING", |(hash, code)| {
        vec![hash.to_vec().into(), code.to_vec().into()]
    })
    .await
}
