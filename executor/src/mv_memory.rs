//! Multi-version memory: for every state location, the values written by each transaction's
//! latest incarnation, so a reader at position `i` sees the latest write below `i`.

use alloy_primitives::{Address, B256, KECCAK256_EMPTY, U256, map::foldhash::fast::FixedState};
use parking_lot::Mutex;
use rollup_core::{AccountInfo, StateReader};
use std::{collections::HashMap, hash::BuildHasher};

/// A piece of state that transactions read and write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Location {
    /// Nonce, balance and code hash of an account (`None` = does not exist).
    Account(Address),
    /// One storage slot.
    Storage(Address, U256),
    /// Written by a transaction that wiped the account's storage (creation, self-destruct).
    StorageReset(Address),
    /// Balance credits of plain transfers to an account, kept apart from its whole-account
    /// writes so that a transfer (which needs only the latest whole write) never walks them.
    Credit(Address),
}

/// A value at a location.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Value {
    /// An account, or its absence.
    Account(Option<AccountInfo>),
    /// A storage word.
    Storage(U256),
    /// A storage wipe.
    Reset,
    /// A plain ETH transfer's credit to an account without code, written (at
    /// [`Location::Credit`]) instead of the whole account so that transfers to one recipient
    /// do not conflict; a reader adds the credits above the latest whole-account write.
    Credit(U256),
}

/// What a read saw, to be checked again by validation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Observed {
    /// The write a storage or storage-wipe read resolved to.
    Origin(Origin),
    /// The account a whole-account read resolved to (credits included).
    Account(Option<AccountInfo>),
    /// The code hash of the account a lazy transfer credits (credits do not matter to it).
    CodeHash(B256),
}

/// Which write a read observed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    /// The state before the block.
    Base,
    /// Transaction `.0`, incarnation `.1`.
    Tx(usize, usize),
}

/// Result of reading a location at a transaction position.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Read {
    /// No transaction below wrote it: read the base state.
    Base,
    /// The latest lower write.
    Found(Origin, Value),
    /// The latest lower writer is being re-executed: wait for transaction `.0`.
    Blocked(usize),
}

#[derive(Clone, Copy, Debug)]
enum Entry {
    Estimate,
    Written { incarnation: usize, value: Value },
}

const SHARDS: usize = 64;

/// The versions of the locations that hash to one shard.
type Shard = HashMap<Location, Versions, FixedState>;

/// The writes to one location, sorted by writing transaction (most locations have one or two
/// writers, so a sorted vector beats a tree).
#[derive(Debug, Default)]
struct Versions(Vec<(usize, Entry)>);

impl Versions {
    /// The write of the highest transaction below `tx`.
    fn below(&self, tx: usize) -> Option<&(usize, Entry)> {
        self.0[..self.0.partition_point(|(writer, _)| *writer < tx)].last()
    }

    /// The writes of transactions `from..to`.
    fn between(&self, from: usize, to: usize) -> &[(usize, Entry)] {
        let start = self.0.partition_point(|(writer, _)| *writer < from);
        let end = self.0.partition_point(|(writer, _)| *writer < to);
        &self.0[start..end.max(start)]
    }

    /// Sets the entry of `tx`.
    fn insert(&mut self, tx: usize, entry: Entry) {
        match self.0.binary_search_by_key(&tx, |(writer, _)| *writer) {
            Ok(index) => self.0[index].1 = entry,
            Err(index) => self.0.insert(index, (tx, entry)),
        }
    }

    /// Removes the entry of `tx`, if any.
    fn remove(&mut self, tx: usize) {
        if let Ok(index) = self.0.binary_search_by_key(&tx, |(writer, _)| *writer) {
            self.0.remove(index);
        }
    }
}

/// The shared multi-version memory of one block.
#[derive(Debug)]
pub(crate) struct MvMemory {
    shards: Vec<Mutex<Shard>>,
    /// Locations each transaction's latest incarnation wrote.
    written: Vec<Mutex<Vec<Location>>>,
    /// What each transaction's latest incarnation read.
    reads: Vec<Mutex<Vec<(Location, Observed)>>>,
    /// Fixed-seed hasher: which shard holds a location never depends on the run.
    hasher: FixedState,
}

impl MvMemory {
    pub(crate) fn new(transactions: usize) -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::default())).collect(),
            written: (0..transactions).map(|_| Mutex::new(Vec::new())).collect(),
            reads: (0..transactions).map(|_| Mutex::new(Vec::new())).collect(),
            hasher: Default::default(),
        }
    }

    fn shard(&self, location: &Location) -> &Mutex<Shard> {
        &self.shards[self.hasher.hash_one(location) as usize % SHARDS]
    }

    /// The latest write to `location` by a transaction below `tx`.
    pub(crate) fn read(&self, location: Location, tx: usize) -> Read {
        let shard = self.shard(&location).lock();
        let Some(versions) = shard.get(&location) else { return Read::Base };
        match versions.below(tx) {
            None => Read::Base,
            Some((writer, Entry::Estimate)) => Read::Blocked(*writer),
            Some((writer, Entry::Written { incarnation, value })) => {
                Read::Found(Origin::Tx(*writer, *incarnation), *value)
            }
        }
    }

    /// The latest whole-account write of `address` below `tx` (its writer, `None` for the
    /// base state) and its value, credits not included. `Err` names the transaction whose
    /// estimate the read hit.
    pub(crate) fn whole_account(
        &self,
        address: Address,
        tx: usize,
        base: &dyn StateReader,
    ) -> Result<(Option<usize>, Option<AccountInfo>), usize> {
        match self.read(Location::Account(address), tx) {
            Read::Base => Ok((None, base.account(address))),
            Read::Found(Origin::Tx(writer, _), Value::Account(info)) => Ok((Some(writer), info)),
            Read::Found(origin, value) => unreachable!("{value:?} from {origin:?} at an account location"),
            Read::Blocked(writer) => Err(writer),
        }
    }

    /// `info`, written by `written_by`, plus the credits to `address` from the transactions
    /// after it and below `tx`.
    pub(crate) fn with_credits(
        &self,
        address: Address,
        (written_by, info): (Option<usize>, Option<AccountInfo>),
        tx: usize,
    ) -> Result<Option<AccountInfo>, usize> {
        let location = Location::Credit(address);
        let mut credits = U256::ZERO;
        if let Some(versions) = self.shard(&location).lock().get(&location) {
            let above = written_by.map_or(0, |writer| writer + 1);
            for (writer, entry) in versions.between(above, tx) {
                match entry {
                    Entry::Written { value: Value::Credit(amount), .. } => credits += amount,
                    Entry::Estimate => return Err(*writer),
                    Entry::Written { value, .. } => unreachable!("{value:?} written at a credit location"),
                }
            }
        }
        if credits.is_zero() {
            return Ok(info);
        }
        let info = info.unwrap_or_default();
        Ok(Some(AccountInfo { balance: info.balance + credits, ..info }))
    }

    /// Account `address` as transaction `tx` sees it: the latest whole-account write below
    /// `tx` (or the base state) plus the credits written between it and `tx`.
    pub(crate) fn account(
        &self,
        address: Address,
        tx: usize,
        base: &dyn StateReader,
    ) -> Result<Option<AccountInfo>, usize> {
        self.with_credits(address, self.whole_account(address, tx, base)?, tx)
    }

    /// Records the reads and writes of incarnation `incarnation` of `tx`, replacing those of
    /// its earlier incarnation. Returns whether it wrote a location the earlier one did not.
    pub(crate) fn record(
        &self,
        tx: usize,
        incarnation: usize,
        reads: Vec<(Location, Observed)>,
        writes: Vec<(Location, Value)>,
    ) -> bool {
        let mut previous = std::mem::take(&mut *self.written[tx].lock());
        let mut new_location = false;
        let mut locations = Vec::with_capacity(writes.len());
        for (location, value) in writes {
            if let Some(pos) = previous.iter().position(|l| *l == location) {
                previous.swap_remove(pos);
            } else {
                new_location = true;
            }
            self.shard(&location).lock().entry(location).or_default().insert(tx, Entry::Written { incarnation, value });
            locations.push(location);
        }
        for stale in previous {
            if let Some(versions) = self.shard(&stale).lock().get_mut(&stale) {
                versions.remove(tx);
            }
        }
        *self.written[tx].lock() = locations;
        *self.reads[tx].lock() = reads;
        new_location
    }

    /// Marks every write of `tx` as an estimate (it is about to be re-executed).
    pub(crate) fn convert_writes_to_estimates(&self, tx: usize) {
        for location in self.written[tx].lock().iter() {
            if let Some(versions) = self.shard(location).lock().get_mut(location) {
                versions.insert(tx, Entry::Estimate);
            }
        }
    }

    /// Whether every read of `tx`'s latest incarnation would still see the same thing.
    pub(crate) fn validate(&self, tx: usize, base: &dyn StateReader) -> bool {
        self.reads[tx].lock().iter().all(|(location, observed)| match (*location, *observed) {
            (Location::Account(address), Observed::Account(info)) => self.account(address, tx, base) == Ok(info),
            (Location::Account(address), Observed::CodeHash(hash)) => {
                self.whole_account(address, tx, base).map(|(_, info)| code_hash(&info)) == Ok(hash)
            }
            (location, Observed::Origin(origin)) => match self.read(location, tx) {
                Read::Base => origin == Origin::Base,
                Read::Found(found, _) => found == origin,
                Read::Blocked(_) => false,
            },
            (location, observed) => unreachable!("{observed:?} recorded for {location:?}"),
        })
    }
}

/// Code hash of a possibly absent account.
pub(crate) fn code_hash(info: &Option<AccountInfo>) -> B256 {
    info.map_or(KECCAK256_EMPTY, |info| info.code_hash)
}
