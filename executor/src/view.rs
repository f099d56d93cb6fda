//! What one incarnation of a transaction sees: the multi-version memory over the base state,
//! recording every read and the write it came from.

use crate::mv_memory::{Location, MvMemory, Origin, Read, Value};
use alloy_primitives::{Address, B256, U256};
use parking_lot::Mutex;
use revm::{bytecode::Bytecode, database_interface::DBErrorMarker};
use rollup_core::{AccountInfo, StateReader};
use std::collections::HashMap;

/// The incarnation read a value that a lower transaction is about to rewrite.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("read blocked by transaction {0}")]
pub(crate) struct Blocked(pub(crate) usize);

impl DBErrorMarker for Blocked {}

/// revm database of a worker thread: what the incarnation it is running (of transaction
/// `tx`) sees.
pub(crate) struct TxView<'a> {
    mv: &'a MvMemory,
    base: &'a dyn StateReader,
    /// Code deployed by any transaction of the block (content-addressed, so shared).
    codes: &'a Mutex<HashMap<B256, Bytecode>>,
    beneficiary: Address,
    tx: usize,
    /// Reads so far and the writes they observed.
    reads: Vec<(Location, Origin)>,
    /// Whether the transaction looked at the fee recipient, whose balance is applied lazily.
    read_beneficiary: bool,
}

impl<'a> TxView<'a> {
    pub(crate) fn new(
        mv: &'a MvMemory,
        base: &'a dyn StateReader,
        codes: &'a Mutex<HashMap<B256, Bytecode>>,
        beneficiary: Address,
    ) -> Self {
        Self { mv, base, codes, beneficiary, tx: 0, reads: Vec::new(), read_beneficiary: false }
    }

    /// Starts an incarnation of transaction `tx`.
    pub(crate) fn start(&mut self, tx: usize) {
        self.tx = tx;
        self.reads.clear();
        self.read_beneficiary = false;
    }

    /// Ends the incarnation: its reads, and whether it read the fee recipient.
    pub(crate) fn finish(&mut self) -> (Vec<(Location, Origin)>, bool) {
        (std::mem::take(&mut self.reads), self.read_beneficiary)
    }

    /// Reads a location, recording which write was seen.
    fn read(&mut self, location: Location) -> Result<(Origin, Option<Value>), Blocked> {
        let (origin, value) = match self.mv.read(location, self.tx) {
            Read::Base => (Origin::Base, None),
            Read::Found(origin, value) => (origin, Some(value)),
            Read::Blocked(writer) => return Err(Blocked(writer)),
        };
        self.reads.push((location, origin));
        Ok((origin, value))
    }

    fn account(&mut self, address: Address) -> Result<Option<AccountInfo>, Blocked> {
        if address == self.beneficiary {
            self.read_beneficiary = true;
        }
        Ok(match self.read(Location::Account(address))?.1 {
            Some(Value::Account(info)) => info,
            _ => self.base.account(address),
        })
    }
}

impl revm::Database for TxView<'_> {
    type Error = Blocked;

    fn basic(&mut self, address: Address) -> Result<Option<revm::state::AccountInfo>, Blocked> {
        Ok(self.account(address)?.map(|info| revm::state::AccountInfo {
            balance: info.balance,
            nonce: info.nonce,
            code_hash: info.code_hash,
            account_id: None,
            code: None,
        }))
    }

    fn code_by_hash(&mut self, code_hash: B256) -> Result<Bytecode, Blocked> {
        if let Some(code) = self.codes.lock().get(&code_hash) {
            return Ok(code.clone());
        }
        Ok(self.base.code(code_hash).unwrap_or_default())
    }

    fn storage(&mut self, address: Address, slot: U256) -> Result<U256, Blocked> {
        // A wipe by a transaction at or above the latest write's position hides the base
        // value and older writes.
        let writer = |origin| match origin {
            Origin::Tx(tx, _) => Some(tx),
            Origin::Base => None,
        };
        let (wipe, _) = self.read(Location::StorageReset(address))?;
        let (write, value) = self.read(Location::Storage(address, slot))?;
        Ok(match (value, writer(wipe)) {
            (Some(Value::Storage(value)), Some(wiped)) if writer(write) >= Some(wiped) => value,
            (Some(Value::Storage(value)), None) => value,
            (_, Some(_)) => U256::ZERO,
            (_, None) => self.base.storage(address, slot),
        })
    }

    fn block_hash(&mut self, number: u64) -> Result<B256, Blocked> {
        Ok(self.base.block_hash(number))
    }
}
