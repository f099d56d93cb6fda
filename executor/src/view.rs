//! What one incarnation of a transaction sees: the multi-version memory over the base state,
//! recording every read and the write it came from.

use crate::mv_memory::{Location, MvMemory, Observed, Origin, Read, Value, code_hash};
use alloy_primitives::{Address, B256, KECCAK256_EMPTY, U256, map::B256Map};
use parking_lot::Mutex;
use revm::{bytecode::Bytecode, database_interface::DBErrorMarker};
use rollup_core::{AccountInfo, StateReader, private_copy};

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
    codes: &'a Mutex<B256Map<Bytecode>>,
    /// This thread's copies of the code it has loaded (content-addressed, so never stale),
    /// which keeps threads off the shared map and off each other's reference counts.
    code_cache: B256Map<Bytecode>,
    /// This thread's own empty code, for the same reason.
    empty_code: Bytecode,
    /// The fee vaults, whose balances are credited lazily.
    vaults: [Address; 3],
    tx: usize,
    /// The recipient the running transaction may credit lazily (a plain value transfer).
    lazy_recipient: Option<Address>,
    /// Reads so far and what they observed.
    reads: Vec<(Location, Observed)>,
    /// The storage wipe each account whose storage was read resolved to (read once per
    /// incarnation: every slot of the account sees the same one).
    wipes: Vec<(Address, Origin)>,
    /// Whether the transaction looked at a fee vault, whose balance is applied lazily.
    read_vault: bool,
    /// Incarnations started on this view (first executions, re-executions and runs cut
    /// short by a dependency).
    runs: usize,
    /// Whether the lazy recipient had no code and was served as an empty account, so that
    /// the transaction's change to it is a credit.
    credited: bool,
}

/// How an incarnation ended: what it read, and what it did lazily.
#[derive(Debug)]
pub(crate) struct Finished {
    pub(crate) reads: Vec<(Location, Observed)>,
    pub(crate) read_vault: bool,
    /// The recipient whose balance change is a credit.
    pub(crate) credited: Option<Address>,
}

impl<'a> TxView<'a> {
    pub(crate) fn new(
        mv: &'a MvMemory,
        base: &'a dyn StateReader,
        codes: &'a Mutex<B256Map<Bytecode>>,
        vaults: [Address; 3],
    ) -> Self {
        Self {
            mv,
            base,
            codes,
            code_cache: B256Map::default(),
            empty_code: private_copy(&Bytecode::default()),
            vaults,
            tx: 0,
            lazy_recipient: None,
            reads: Vec::new(),
            wipes: Vec::new(),
            read_vault: false,
            credited: false,
            runs: 0,
        }
    }

    /// Starts an incarnation of transaction `tx`, which may credit `lazy_recipient` lazily.
    pub(crate) fn start(&mut self, tx: usize, lazy_recipient: Option<Address>) {
        self.runs += 1;
        self.tx = tx;
        self.lazy_recipient = lazy_recipient;
        self.reads.clear();
        self.wipes.clear();
        self.read_vault = false;
        self.credited = false;
    }

    /// Incarnations started so far.
    pub(crate) fn runs(&self) -> usize {
        self.runs
    }

    /// Ends the incarnation.
    pub(crate) fn finish(&mut self) -> Finished {
        Finished {
            reads: std::mem::take(&mut self.reads),
            read_vault: self.read_vault,
            credited: self.lazy_recipient.filter(|_| self.credited),
        }
    }

    /// Reads a storage location, recording which write was seen.
    fn read(&mut self, location: Location) -> Result<(Origin, Option<Value>), Blocked> {
        let (origin, value) = match self.mv.read(location, self.tx) {
            Read::Base => (Origin::Base, None),
            Read::Found(origin, value) => (origin, Some(value)),
            Read::Blocked(writer) => return Err(Blocked(writer)),
        };
        self.reads.push((location, Observed::Origin(origin)));
        Ok((origin, value))
    }

    fn account(&mut self, address: Address) -> Result<Option<AccountInfo>, Blocked> {
        if self.vaults.contains(&address) {
            self.read_vault = true;
        }
        let location = Location::Account(address);
        let whole = self.mv.whole_account(address, self.tx, self.base).map_err(Blocked)?;
        if self.lazy_recipient == Some(address) && code_hash(&whole.1) == KECCAK256_EMPTY {
            // A value transfer to an account without code does not depend on the recipient's
            // balance: serve an empty account and record only the code hash.
            self.reads.push((location, Observed::CodeHash(KECCAK256_EMPTY)));
            self.credited = true;
            return Ok(Some(AccountInfo::default()));
        }
        let info = self.mv.with_credits(address, whole, self.tx).map_err(Blocked)?;
        self.reads.push((location, Observed::Account(info)));
        Ok(info)
    }
}

impl revm::Database for TxView<'_> {
    type Error = Blocked;

    fn basic(&mut self, address: Address) -> Result<Option<revm::state::AccountInfo>, Blocked> {
        Ok(self.account(address)?.map(|info| info.to_revm(&self.empty_code)))
    }

    fn code_by_hash(&mut self, code_hash: B256) -> Result<Bytecode, Blocked> {
        if let Some(code) = self.code_cache.get(&code_hash) {
            return Ok(code.clone());
        }
        let found = self.codes.lock().get(&code_hash).cloned().or_else(|| self.base.code(code_hash));
        // Code not found may still be deployed by a lower transaction: only hits are kept.
        let Some(code) = found else { return Ok(self.empty_code.clone()) };
        let copy = private_copy(&code);
        self.code_cache.insert(code_hash, copy.clone());
        Ok(copy)
    }

    fn storage(&mut self, address: Address, slot: U256) -> Result<U256, Blocked> {
        // A wipe by a transaction at or above the latest write's position hides the base
        // value and older writes.
        let writer = |origin| match origin {
            Origin::Tx(tx, _) => Some(tx),
            Origin::Base => None,
        };
        let wipe = match self.wipes.iter().find(|(wiped, _)| *wiped == address) {
            Some((_, wipe)) => *wipe,
            None => {
                let (wipe, _) = self.read(Location::StorageReset(address))?;
                self.wipes.push((address, wipe));
                wipe
            }
        };
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
