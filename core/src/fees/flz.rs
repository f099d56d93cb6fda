//! The length of FastLZ level-1 output, without producing the output: the size measure of the
//! L1 data fee (docs/fees.md), the same as the `GasPriceOracle` predeploy computes and as the
//! length of solady's `LibZip.flzCompress`.

/// Entries of the hash table of 3-byte sequences.
const TABLE_SIZE: usize = 1 << 13;

/// Farthest back a match may start.
const MAX_DISTANCE: usize = 0x1fff;

/// The length FastLZ level 1 compresses `data` to (at most 4 GiB).
///
/// FastLZ walks the input keeping, for each hash of three bytes, the last position where such
/// a sequence started. A sequence seen again within [`MAX_DISTANCE`] bytes becomes a match
/// (a back-reference of 2 or 3 bytes per 262 bytes matched); everything between matches is
/// copied as literals (one length byte per run of up to 32). The last 13 bytes are always
/// literals.
pub fn flz_compressed_len(data: &[u8]) -> usize {
    let mut table = [0u32; TABLE_SIZE];
    let limit = data.len().saturating_sub(13);
    let mut len = 0;
    // Start of the literals not yet emitted.
    let mut anchor = 0;
    let mut ip = 2;
    while ip < limit {
        let Some((start, reference)) = next_match(data, &mut table, ip, limit) else { break };
        len += literals_len(start - anchor);
        // The match covers three bytes and then as many more as are equal, plus one (a quirk of
        // the reference implementation that every implementation must keep).
        let mut extra = 0;
        let bound = limit + 9 - (start + 3);
        while extra < bound {
            let equal = data[reference + 3 + extra] == data[start + 3 + extra];
            extra += 1;
            if !equal {
                break;
            }
        }
        len += match_len(extra);
        ip = start + extra;
        for _ in 0..2 {
            table[hash(sequence(data, ip))] = ip as u32;
            ip += 1;
        }
        anchor = ip;
    }
    len + literals_len(data.len() - anchor)
}

/// Looks for the next match from `ip` on, recording every position it passes in `table`:
/// `(start, reference)` where the three bytes at `start` equal those at the earlier
/// `reference`, or `None` once `limit` is (about to be) reached.
fn next_match(data: &[u8], table: &mut [u32; TABLE_SIZE], mut ip: usize, limit: usize) -> Option<(usize, usize)> {
    loop {
        let seq = sequence(data, ip);
        let slot = &mut table[hash(seq)];
        let reference = std::mem::replace(slot, ip as u32) as usize;
        if ip >= limit {
            return None;
        }
        if ip - reference <= MAX_DISTANCE && seq == sequence(data, reference) {
            // A match at the last position before the limit is not taken (another quirk every
            // implementation keeps).
            return (ip + 1 < limit).then_some((ip, reference));
        }
        ip += 1;
    }
}

/// The three bytes at `at`, little-endian.
fn sequence(data: &[u8], at: usize) -> u32 {
    u32::from(data[at]) | (u32::from(data[at + 1]) << 8) | (u32::from(data[at + 2]) << 16)
}

/// Bits 19 to 31 of the sequence times Knuth's multiplicative constant.
fn hash(seq: u32) -> usize {
    ((seq.wrapping_mul(2_654_435_769) >> 19) & 0x1fff) as usize
}

/// Bytes taken by `count` literals: runs of up to 32, each behind a length byte.
fn literals_len(count: usize) -> usize {
    count + count.div_ceil(32)
}

/// Bytes taken by a match of `extra` (as counted above): three per 262 bytes, then two for a
/// short rest or three for a long one.
fn match_len(extra: usize) -> usize {
    let rest = extra - 1;
    3 * (rest / 262) + if rest % 262 >= 6 { 3 } else { 2 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::keccak256;

    /// Lengths of solady's `LibZip.flzCompress` output, measured on these inputs.
    #[test]
    fn known_lengths() {
        let hello = "hello world ".repeat(3) + "hello world";
        let hashes = [keccak256("a").0, keccak256("b").0].concat();
        let twice: Vec<u8> = (0..=255u8).chain(0..=255).collect();
        let counting = |len: u8| (0..len).collect::<Vec<u8>>();
        let cases: [(&[u8], usize); 14] = [
            (&[], 0),
            (&[0], 2),
            (&[0xff; 15], 16),
            (&[0xff; 16], 17),
            (&[0xff; 17], 12),
            (&[0; 16], 17),
            (&[0; 32], 12),
            (&[0; 1_000], 21),
            (&[0; 20_000], 240),
            (hello.as_bytes(), 22),
            (&hashes, 66),
            (&twice, 273),
            (&counting(98), 102),
            (&counting(99), 103),
        ];
        for (input, length) in cases {
            assert_eq!(flz_compressed_len(input), length, "{} bytes", input.len());
        }
    }

    /// An incompressible input grows by one length byte per 32.
    #[test]
    fn noise_does_not_compress() {
        let noise: Vec<u8> = (0..1000u32).map(|i| keccak256(i.to_be_bytes())[0]).collect();
        let compressed = flz_compressed_len(&noise);
        assert!((1000..=1000 + 1000 / 32 + 1).contains(&compressed), "noise compressed to {compressed}");
    }
}
