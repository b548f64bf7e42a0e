//! Hashing for the ledger's own keys (interned numbers, list numbers): fixed (the core reads
//! no randomness), cheap, and spreading every input bit over the low bits a table indexes by.
//! SipHash's protection against keys chosen to collide is not needed here — a book's keys are
//! the company's own list numbers — and its cost showed in a replay (a million lines, each
//! hashed two or three times).

/// The golden-ratio constant of Fibonacci hashing.
const K: u64 = 0x9E37_79B9_7F4A_7C15;

/// `x` times the constant, the 128-bit product's halves XORed: a folded multiply.
pub(crate) fn fold(x: u64) -> u64 {
    let product = u128::from(x) * u128::from(K);
    (product as u64) ^ ((product >> 64) as u64)
}

/// Bytes hashed eight at a time (the last word zero-padded), the length first.
pub(crate) fn bytes(b: &[u8]) -> u64 {
    let mut h = fold(b.len() as u64 ^ K);
    for chunk in b.chunks(8) {
        let mut word = [0u8; 8];
        word[..chunk.len()].copy_from_slice(chunk);
        h = fold(h ^ u64::from_le_bytes(word));
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// How many of 4,096 buckets (the low 12 bits) the hashes fall in. 4,096 keys thrown at
    /// random into 4,096 buckets fill about 2,590 of them.
    fn buckets(hashes: impl Iterator<Item = u64>) -> usize {
        hashes.map(|h| h & 0xfff).collect::<HashSet<_>>().len()
    }

    #[test]
    fn numbers_varying_in_any_part_spread_as_random_keys_do() {
        let low = buckets((0..4096u64).map(fold));
        let high = buckets((0..4096u64).map(|n| fold(n << 32)));
        let top = buckets((0..4096u64).map(|n| fold(n << 52)));
        for (what, n) in [("low bits", low), ("high half", high), ("top bits", top)] {
            assert!(
                n > 2_300,
                "numbers varying in the {what} fill only {n} buckets"
            );
        }
    }

    #[test]
    fn list_numbers_spread_as_random_keys_do() {
        // Sequential list numbers, differing in the last digits, in the middle, by length.
        let sequential = buckets((0..4096).map(|n| bytes(format!("QD2025{n:08}").as_bytes())));
        let middle = buckets((0..4096).map(|n| bytes(format!("QD{n:04}01000013").as_bytes())));
        let lengths = buckets((0..4096).map(|n| bytes(format!("L{n}").as_bytes())));
        for (what, n) in [
            ("sequential", sequential),
            ("middle", middle),
            ("short", lengths),
        ] {
            assert!(n > 2_300, "{what} list numbers fill only {n} buckets");
        }
    }

    #[test]
    fn the_length_counts() {
        // Zero padding must not make "A" and "A\0" the same.
        assert_ne!(bytes(b"A"), bytes(b"A\0"));
        assert_ne!(bytes(b""), bytes(b"\0"));
    }
}
