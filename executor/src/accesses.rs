//! What a sender group accessed: every location it loaded and how it used it, kept as 64-bit
//! entries, a location's fingerprint with its lowest bits replaced by the use.
//!
//! While a group runs, each transaction's accesses are appended to an [`AccessLog`]: there is
//! no lookup in a table as large as the group's footprint between one transaction and the
//! next, whose lines the EVM's own data keeps pushing out of cache. When the group is done,
//! its log is sorted once into [`Accesses`], one entry per location, and two groups are
//! compared by walking their sorted entries side by side.
//!
//! Two locations whose fingerprints differ only in the bits the use takes count as one, which
//! can only add conflicts (a needless fall-back to Block-STM), never hide one.

/// How a group used a location (bit flags).
pub(crate) type Access = u8;
/// Loaded it (an account also when only its storage was used).
pub(crate) const READ: Access = 1;
/// Changed it.
pub(crate) const WRITE: Access = 2;
/// Credited a balance by a plain value transfer, without reading it.
pub(crate) const CREDIT: Access = 4;

/// The bits of an entry that hold the use.
const ACCESS_BITS: u64 = 0b111;

/// Whether two groups' uses of one location rule out running them apart.
pub(crate) fn conflicts(a: Access, b: Access) -> bool {
    (a & WRITE != 0 && b != 0)
        || (b & WRITE != 0 && a != 0)
        || (a & CREDIT != 0 && b & READ != 0)
        || (b & CREDIT != 0 && a & READ != 0)
}

/// The location part of an entry.
fn location(entry: u64) -> u64 {
    entry & !ACCESS_BITS
}

/// The use part of an entry.
fn access(entry: u64) -> Access {
    (entry & ACCESS_BITS) as Access
}

/// A group's accesses in the order its transactions made them.
pub(crate) struct AccessLog(Vec<u64>);

impl AccessLog {
    /// An empty log with room for `entries` accesses.
    pub(crate) fn with_capacity(entries: usize) -> Self {
        Self(Vec::with_capacity(entries))
    }

    /// Logs a use of the location with fingerprint `location`.
    pub(crate) fn push(&mut self, location: u64, access: Access) {
        self.0.push(self::location(location) | u64::from(access));
    }

    /// The group's accesses, one entry per location with every use of it.
    pub(crate) fn into_accesses(mut self) -> Accesses {
        self.0.sort_unstable();
        self.0.dedup_by(|next, kept| {
            let same = location(*next) == location(*kept);
            if same {
                *kept |= *next & ACCESS_BITS;
            }
            same
        });
        Accesses(self.0)
    }
}

/// A group's accesses sorted by location, one entry per location.
#[derive(Default)]
pub(crate) struct Accesses(Vec<u64>);

impl Accesses {
    /// Whether this group's and `other`'s uses of some location conflict. The two lists are
    /// walked side by side, unless one is so much shorter (a group taken over late) that
    /// looking each of its locations up in the other takes fewer steps.
    fn conflicts_with(&self, other: &Self) -> bool {
        let (short, long) = if self.0.len() <= other.0.len() { (&self.0, &other.0) } else { (&other.0, &self.0) };
        if short.len() * (long.len().checked_ilog2().unwrap_or(0) as usize + 1) < long.len() {
            return short.iter().any(|entry| {
                let found = long.binary_search_by_key(&location(*entry), |other| location(*other));
                found.is_ok_and(|index| conflicts(access(*entry), access(long[index])))
            });
        }
        let (mut i, mut j) = (0, 0);
        while let (Some(&a), Some(&b)) = (short.get(i), long.get(j)) {
            match location(a).cmp(&location(b)) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal if conflicts(access(a), access(b)) => return true,
                std::cmp::Ordering::Equal => (i, j) = (i + 1, j + 1),
            }
        }
        false
    }
}

/// Whether any group used a location in a way that conflicts with another group's use of it.
pub(crate) fn interacted(groups: &[&Accesses]) -> bool {
    groups
        .iter()
        .enumerate()
        .any(|(index, first)| groups[index + 1..].iter().any(|second| first.conflicts_with(second)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    /// Adding access bits never removes a conflict, so that two locations sharing a
    /// fingerprint (their bits joined) can only add conflicts.
    #[test]
    fn more_access_bits_never_remove_a_conflict() {
        let all = READ | WRITE | CREDIT;
        for (a, b) in (0..=all).flat_map(|a| (0..=all).map(move |b| (a, b))) {
            for (more_a, more_b) in (0..=all).flat_map(|x| (0..=all).map(move |y| (a | x, b | y))) {
                assert!(!conflicts(a, b) || conflicts(more_a, more_b), "{a:03b} {b:03b} -> {more_a:03b} {more_b:03b}");
            }
        }
        assert!(!conflicts(CREDIT, CREDIT) && conflicts(CREDIT, READ) && conflicts(WRITE, READ));
    }

    /// Logs of up to 4 groups, each a list of (location, use); some logs much shorter than
    /// others, so that both ways of comparing two groups run. Locations 0 and 1 are shared by
    /// every group and rare; the others are each group's own, so that whether the groups
    /// conflict turns on a single entry or two.
    fn logs() -> impl Strategy<Value = Vec<Vec<(u64, Access)>>> {
        let entry = (0u64..400, 1..=READ | WRITE | CREDIT);
        let log = prop_oneof![prop::collection::vec(entry.clone(), 0..4), prop::collection::vec(entry, 0..400)];
        prop::collection::vec(log, 1..5).prop_map(|logs| {
            let own =
                |group: usize, location: u64| if location < 2 { location } else { location + 1_000 * group as u64 };
            let logs = logs.into_iter().enumerate();
            logs.map(|(group, log)| log.into_iter().map(|(location, access)| (own(group, location), access)).collect())
                .collect()
        })
    }

    proptest! {
        /// Sorted logs find exactly the conflicts that a map of each group's uses finds.
        #[test]
        fn sorted_logs_find_the_conflicts_a_map_finds(logs in logs()) {
            // Fingerprints whose low bits are random, as real ones are.
            let fingerprint = |location: u64| location.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 0b101;
            let maps: Vec<BTreeMap<u64, Access>> = logs
                .iter()
                .map(|log| {
                    let mut map = BTreeMap::new();
                    for (location, access) in log {
                        *map.entry(*location).or_default() |= access;
                    }
                    map
                })
                .collect();
            let expected = maps.iter().enumerate().any(|(index, first)| {
                maps[index + 1..].iter().any(|second| {
                    first.iter().any(|(location, a)| second.get(location).is_some_and(|b| conflicts(*a, *b)))
                })
            });
            let accesses: Vec<Accesses> = logs
                .iter()
                .map(|log| {
                    let mut access_log = AccessLog::with_capacity(log.len());
                    for (location, access) in log {
                        access_log.push(fingerprint(*location), *access);
                    }
                    access_log.into_accesses()
                })
                .collect();
            for (sorted, map) in accesses.iter().zip(&maps) {
                prop_assert_eq!(sorted.0.len(), map.len());
                prop_assert!(sorted.0.is_sorted());
            }
            prop_assert_eq!(interacted(&accesses.iter().collect::<Vec<_>>()), expected);
        }
    }
}
