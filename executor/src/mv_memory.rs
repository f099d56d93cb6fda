//! Multi-version memory: for every state location, the values written by each transaction's
//! latest incarnation, so a reader at position `i` sees the latest write below `i`.
//!
//! An account's own locations (nonce, balance and code, credits, wipes, touches) are kept
//! together, sharded by address, so that its final state sits in one place when the block's
//! change set is built; storage slots are sharded by account and slot, so that transactions
//! using one contract do not queue for one lock.

use crate::hashing::{KeyHasher, RandomKeyHasher};
use alloy_primitives::{Address, B256, KECCAK256_EMPTY, U256};
use crossbeam_utils::CachePadded;
use parking_lot::Mutex;
use rollup_core::{AccountInfo, StateReader};
use smallvec::SmallVec;
use std::{
    collections::HashMap,
    hash::{BuildHasher, Hash, Hasher},
    sync::atomic::{AtomicU32, Ordering},
};

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
    /// Written by a transaction that touched an account without writing its nonce, balance,
    /// code or storage: never read, it puts the account in the change set.
    Touch(Address),
}

impl Location {
    /// Tells the account-level locations of one address apart when hashing.
    fn kind(&self) -> u8 {
        match self {
            Self::Account(_) => 0,
            Self::Storage(..) => 1,
            Self::StorageReset(_) => 2,
            Self::Credit(_) => 3,
            Self::Touch(_) => 4,
        }
    }

    fn address(&self) -> Address {
        match *self {
            Self::Account(address)
            | Self::Storage(address, _)
            | Self::StorageReset(address)
            | Self::Credit(address)
            | Self::Touch(address) => address,
        }
    }
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
    /// A touch.
    Touch,
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

/// One transaction's write to a location.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Entry<T> {
    /// The writer is being re-executed; its value is unknown.
    Estimate,
    Written {
        incarnation: usize,
        value: T,
    },
}

/// What becomes of a write its transaction no longer stands by.
#[derive(Clone, Copy, Debug)]
enum Retract {
    /// The transaction is about to run again: readers wait for it.
    Estimate,
    /// Its latest incarnation did not write the location.
    Remove,
}

const SHARDS: usize = 64;

/// A map split into independently locked shards, each lock on its own cache lines so that
/// threads locking neighbouring shards do not invalidate each other's caches.
#[derive(Debug)]
struct Sharded<K, V>(Vec<CachePadded<Mutex<HashMap<K, V, KeyHasher>>>>);

/// A key that knows its shard.
trait ShardKey: Hash + Eq {
    fn shard(&self) -> usize;
}

/// Accounts are sharded by their address's leading bits (consecutive shards hold consecutive
/// address ranges).
impl ShardKey for Address {
    fn shard(&self) -> usize {
        usize::from(self[0]) * SHARDS / 256
    }
}

/// Slots are sharded by hash, so that one contract's slots spread over all shards; the high
/// bits are used, as the shard's own map indexes by the low ones.
impl ShardKey for (Address, U256) {
    fn shard(&self) -> usize {
        (KeyHasher::default().hash_one(self) >> 32) as usize % SHARDS
    }
}

impl<K: ShardKey, V> Sharded<K, V> {
    fn with_capacity(capacity: usize) -> Self {
        Self(
            (0..SHARDS)
                .map(|_| {
                    CachePadded::new(Mutex::new(HashMap::with_capacity_and_hasher(
                        capacity / SHARDS,
                        KeyHasher::default(),
                    )))
                })
                .collect(),
        )
    }

    fn shard(&self, key: &K) -> parking_lot::MutexGuard<'_, HashMap<K, V, KeyHasher>> {
        self.0[key.shard()].lock()
    }

    /// Empties shard `index`, returning its contents.
    fn take(&self, index: usize) -> HashMap<K, V, KeyHasher> {
        std::mem::take(&mut *self.0[index].lock())
    }
}

/// The writes to one location, sorted by writing transaction (most locations have one writer,
/// kept inline; a sorted vector beats a tree for the few that have more).
#[derive(Debug)]
pub(crate) struct Versions<T>(SmallVec<[(usize, Entry<T>); 1]>);

impl<T> Default for Versions<T> {
    fn default() -> Self {
        Self(SmallVec::new())
    }
}

impl<T: Copy> Versions<T> {
    /// The write of the highest transaction below `tx`.
    fn below(&self, tx: usize) -> Option<&(usize, Entry<T>)> {
        self.0[..self.0.partition_point(|(writer, _)| *writer < tx)].last()
    }

    /// The latest write below `tx`, as a read of a location holding `wrap`ped values.
    fn read(&self, tx: usize, wrap: impl FnOnce(T) -> Value) -> Read {
        match self.below(tx) {
            None => Read::Base,
            Some((writer, Entry::Estimate)) => Read::Blocked(*writer),
            Some((writer, Entry::Written { incarnation, value })) => {
                Read::Found(Origin::Tx(*writer, *incarnation), wrap(*value))
            }
        }
    }

    /// The writes of transactions `from..to`.
    fn between(&self, from: usize, to: usize) -> &[(usize, Entry<T>)] {
        let start = self.0.partition_point(|(writer, _)| *writer < from);
        let end = self.0.partition_point(|(writer, _)| *writer < to);
        &self.0[start..end.max(start)]
    }

    /// Sets the entry of `tx` (writers mostly arrive in order, so this mostly appends).
    fn insert(&mut self, tx: usize, entry: Entry<T>) {
        match self.0.last_mut() {
            Some((last, _)) if *last < tx => self.0.push((tx, entry)),
            Some((last, value)) if *last == tx => *value = entry,
            None => self.0.push((tx, entry)),
            Some(_) => match self.0.binary_search_by_key(&tx, |(writer, _)| *writer) {
                Ok(index) => self.0[index].1 = entry,
                Err(index) => self.0.insert(index, (tx, entry)),
            },
        }
    }

    /// Withdraws the entry of `tx`, if any.
    fn retract(&mut self, tx: usize, how: Retract) {
        if let Ok(index) = self.0.binary_search_by_key(&tx, |(writer, _)| *writer) {
            match how {
                Retract::Estimate => self.0[index].1 = Entry::Estimate,
                Retract::Remove => {
                    self.0.remove(index);
                }
            }
        }
    }

    /// The writes, in transaction order, once the block is done (none is an estimate).
    pub(crate) fn written(&self) -> impl Iterator<Item = (usize, T)> + '_ {
        self.0.iter().map(|(writer, entry)| match entry {
            Entry::Written { value, .. } => (*writer, *value),
            Entry::Estimate => unreachable!("an estimate left after the block finished"),
        })
    }
}

/// The account-level locations of one account (its storage slots are kept apart).
#[derive(Debug, Default)]
pub(crate) struct AccountVersions {
    pub(crate) account: Versions<Option<AccountInfo>>,
    pub(crate) credits: Versions<U256>,
    pub(crate) resets: Versions<()>,
    pub(crate) touches: Versions<()>,
}

impl AccountVersions {
    fn read(&self, location: &Location, tx: usize) -> Read {
        match location {
            Location::Account(_) => self.account.read(tx, Value::Account),
            Location::Credit(_) => self.credits.read(tx, Value::Credit),
            Location::StorageReset(_) => self.resets.read(tx, |()| Value::Reset),
            Location::Touch(_) => self.touches.read(tx, |()| Value::Touch),
            Location::Storage(..) => unreachable!("storage is kept apart from accounts"),
        }
    }

    fn write(&mut self, tx: usize, incarnation: usize, location: &Location, value: Value) {
        match (location, value) {
            (Location::Account(_), Value::Account(value)) => {
                self.account.insert(tx, Entry::Written { incarnation, value })
            }
            (Location::Credit(_), Value::Credit(value)) => {
                self.credits.insert(tx, Entry::Written { incarnation, value })
            }
            (Location::StorageReset(_), Value::Reset) => {
                self.resets.insert(tx, Entry::Written { incarnation, value: () })
            }
            (Location::Touch(_), Value::Touch) => self.touches.insert(tx, Entry::Written { incarnation, value: () }),
            (location, value) => unreachable!("{value:?} written at {location:?}"),
        }
    }

    fn retract(&mut self, tx: usize, location: &Location, how: Retract) {
        match location {
            Location::Account(_) => self.account.retract(tx, how),
            Location::Credit(_) => self.credits.retract(tx, how),
            Location::StorageReset(_) => self.resets.retract(tx, how),
            Location::Touch(_) => self.touches.retract(tx, how),
            Location::Storage(..) => unreachable!("storage is kept apart from accounts"),
        }
    }
}

/// The shared multi-version memory of one block.
#[derive(Debug)]
pub(crate) struct MvMemory {
    /// Per hash of a location, the lowest transaction that ever wrote a location with that
    /// hash during the block (`u32::MAX` = none). It only ever decreases, so a read at `tx`
    /// that finds it at or above `tx` knows that nothing below has written the location, now
    /// or at any earlier point: it reads the base state without locking a shard, and its
    /// validation passes without one. Collisions only send a read the slow way.
    lowest_writer: Box<[AtomicU32]>,
    /// Boxed, so that the shards' tables stay small and dense.
    accounts: Sharded<Address, Box<AccountVersions>>,
    storage: Sharded<(Address, U256), Versions<U256>>,
    /// Locations each transaction's latest incarnation wrote.
    written: Vec<Mutex<Vec<Location>>>,
    /// What each transaction's latest incarnation read.
    reads: Vec<Mutex<Vec<(Location, Observed)>>>,
}

/// The final write to a storage slot.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SlotWrite {
    pub(crate) address: Address,
    pub(crate) slot: U256,
    /// The transaction that wrote it.
    pub(crate) tx: usize,
    pub(crate) value: U256,
}

impl MvMemory {
    pub(crate) fn new(transactions: usize) -> Self {
        // About three locations written per transaction; a sparse table keeps collisions rare.
        let table = (16 * transactions).next_power_of_two().clamp(1 << 8, 1 << 22);
        Self {
            lowest_writer: (0..table).map(|_| AtomicU32::new(u32::MAX)).collect(),
            // About two accounts and two slots per transaction.
            accounts: Sharded::with_capacity(2 * transactions),
            storage: Sharded::with_capacity(2 * transactions),
            written: (0..transactions).map(|_| Mutex::new(Vec::new())).collect(),
            reads: (0..transactions).map(|_| Mutex::new(Vec::new())).collect(),
        }
    }

    /// Number of account shards and of storage shards, for splitting the final pass.
    pub(crate) const SHARDS: usize = SHARDS;

    /// The account shard holding `address`.
    pub(crate) fn account_shard(address: &Address) -> usize {
        address.shard()
    }

    fn lowest_writer(&self, location: &Location) -> &AtomicU32 {
        let mut hasher = RandomKeyHasher::default();
        match location {
            Location::Storage(address, slot) => {
                address.hash(&mut hasher);
                slot.hash(&mut hasher);
            }
            other => {
                hasher.write_u8(other.kind());
                other.address().hash(&mut hasher);
            }
        }
        &self.lowest_writer[hasher.finish() as usize & (self.lowest_writer.len() - 1)]
    }

    /// Whether no transaction below `tx` has written `location` during the block (false
    /// means maybe).
    fn unwritten_below(&self, location: &Location, tx: usize) -> bool {
        self.lowest_writer(location).load(Ordering::Acquire) as usize >= tx
    }

    /// The latest write to `location` by a transaction below `tx`.
    pub(crate) fn read(&self, location: Location, tx: usize) -> Read {
        if self.unwritten_below(&location, tx) {
            return Read::Base;
        }
        match location {
            Location::Storage(address, slot) => {
                let key = (address, slot);
                self.storage.shard(&key).get(&key).map_or(Read::Base, |versions| versions.read(tx, Value::Storage))
            }
            _ => {
                let address = location.address();
                self.accounts.shard(&address).get(&address).map_or(Read::Base, |account| account.read(&location, tx))
            }
        }
    }

    fn write(&self, tx: usize, incarnation: usize, location: Location, value: Value) {
        let writer = u32::try_from(tx).expect("blocks hold fewer than 2^32 transactions");
        self.lowest_writer(&location).fetch_min(writer, Ordering::Release);
        match (location, value) {
            (Location::Storage(address, slot), Value::Storage(value)) => {
                let key = (address, slot);
                self.storage.shard(&key).entry(key).or_default().insert(tx, Entry::Written { incarnation, value });
            }
            _ => {
                let address = location.address();
                self.accounts.shard(&address).entry(address).or_default().write(tx, incarnation, &location, value);
            }
        }
    }

    /// Withdraws the write of `tx` to `location`, if it has one.
    fn retract(&self, tx: usize, location: Location, how: Retract) {
        match location {
            Location::Storage(address, slot) => {
                let key = (address, slot);
                if let Some(versions) = self.storage.shard(&key).get_mut(&key) {
                    versions.retract(tx, how);
                }
            }
            _ => {
                let address = location.address();
                if let Some(account) = self.accounts.shard(&address).get_mut(&address) {
                    account.retract(tx, &location, how);
                }
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
        let mut credits = U256::ZERO;
        if self.unwritten_below(&Location::Credit(address), tx) {
            return Ok(info);
        }
        if let Some(account) = self.accounts.shard(&address).get(&address) {
            let above = written_by.map_or(0, |writer| writer + 1);
            for (writer, entry) in account.credits.between(above, tx) {
                match entry {
                    Entry::Written { value, .. } => credits += value,
                    Entry::Estimate => return Err(*writer),
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
            self.write(tx, incarnation, location, value);
            locations.push(location);
        }
        for stale in previous {
            self.retract(tx, stale, Retract::Remove);
        }
        *self.written[tx].lock() = locations;
        *self.reads[tx].lock() = reads;
        new_location
    }

    /// Marks every write of `tx` as an estimate (it is about to be re-executed).
    pub(crate) fn convert_writes_to_estimates(&self, tx: usize) {
        for location in self.written[tx].lock().iter() {
            self.retract(tx, *location, Retract::Estimate);
        }
    }

    /// Whether every read of `tx`'s latest incarnation would still see the same thing.
    pub(crate) fn validate(&self, tx: usize, base: &dyn StateReader) -> bool {
        // A location nothing below has ever written was read from the base state, which has
        // not changed.
        self.reads[tx].lock().iter().all(|(location, observed)| match (*location, *observed) {
            (Location::Account(address), Observed::Account(info)) => {
                (self.unwritten_below(location, tx) && self.unwritten_below(&Location::Credit(address), tx))
                    || self.account(address, tx, base) == Ok(info)
            }
            (Location::Account(address), Observed::CodeHash(hash)) => {
                self.unwritten_below(location, tx)
                    || self.whole_account(address, tx, base).map(|(_, info)| code_hash(&info)) == Ok(hash)
            }
            (location, Observed::Origin(origin)) => match self.read(location, tx) {
                Read::Base => origin == Origin::Base,
                Read::Found(found, _) => found == origin,
                Read::Blocked(_) => false,
            },
            (location, observed) => unreachable!("{observed:?} recorded for {location:?}"),
        })
    }

    /// Empties storage shard `index` once the block is done, returning the final write to
    /// each of its slots.
    pub(crate) fn take_slot_writes(&self, index: usize) -> impl Iterator<Item = SlotWrite> {
        self.storage.take(index).into_iter().filter_map(|((address, slot), versions)| {
            let (tx, value) = versions.written().last()?;
            Some(SlotWrite { address, slot, tx, value })
        })
    }

    /// Frees the read and write records of transactions `txs` once the block is done.
    pub(crate) fn clear_records(&self, txs: std::ops::Range<usize>) {
        for tx in txs {
            drop(std::mem::take(&mut *self.reads[tx].lock()));
            drop(std::mem::take(&mut *self.written[tx].lock()));
        }
    }

    /// Empties account shard `index` once the block is done, returning its accounts.
    pub(crate) fn take_accounts(&self, index: usize) -> HashMap<Address, Box<AccountVersions>, KeyHasher> {
        self.accounts.take(index)
    }
}

/// Code hash of a possibly absent account.
pub(crate) fn code_hash(info: &Option<AccountInfo>) -> B256 {
    info.map_or(KECCAK256_EMPTY, |info| info.code_hash)
}
