//! Random numbers and the distributions the generator draws from. They are written here
//! rather than taken from a crate so that the output depends on this code alone: the same seed
//! gives the same bytes on every platform and with every dependency version. Only IEEE-754
//! basic arithmetic is used (no `ln` or `powf` from the platform's libm, whose last bits may
//! differ between systems).

/// xoshiro256** (Blackman and Vigna), seeded through SplitMix64: fast, small, and good
/// enough for synthetic text.
#[derive(Debug, Clone)]
pub(crate) struct Rng {
    state: [u64; 4],
}

/// One step of SplitMix64.
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Rng {
    /// A generator seeded with `seed`.
    pub(crate) fn new(seed: u64) -> Rng {
        let mut state = seed;
        Rng {
            state: [
                splitmix(&mut state),
                splitmix(&mut state),
                splitmix(&mut state),
                splitmix(&mut state),
            ],
        }
    }

    /// The generator of record `index` under `seed`: every record has its own stream, so a
    /// record does not depend on the ones before it (and records can be made in any order).
    pub(crate) fn for_record(seed: u64, index: u64) -> Rng {
        let mut state = seed;
        let mixed = splitmix(&mut state) ^ index.wrapping_mul(0xd1b5_4a32_d192_ed03);
        let mut state = mixed;
        Rng::new(splitmix(&mut state))
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        let s = &mut self.state;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// A number in `0..n` (`0` when `n` is 0), by Lemire's multiply-shift.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A number in `[0, 1)` with 53 random bits.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// True with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

/// Walker's alias table (Vose's construction): draws index `i` with probability
/// `weights[i] / sum` from one random number.
#[derive(Debug, Clone, Default)]
pub(crate) struct Alias {
    /// Per slot: keep the slot when the low 32 bits fall below `threshold`, else take `alias`.
    slots: Vec<(u32, u32)>,
}

impl Alias {
    /// The table for `weights`; weights that are not positive are never drawn. Empty when no
    /// weight is positive.
    pub(crate) fn new(weights: &[f64]) -> Alias {
        let n = weights.len();
        let total: f64 = weights.iter().filter(|w| **w > 0.0).sum();
        if n == 0 || total <= 0.0 || n > u32::MAX as usize {
            return Alias::default();
        }
        let mut scaled: Vec<f64> = weights
            .iter()
            .map(|&w| if w > 0.0 { w * n as f64 / total } else { 0.0 })
            .collect();
        let mut small = Vec::new();
        let mut large = Vec::new();
        for (index, &p) in scaled.iter().enumerate() {
            if p < 1.0 {
                small.push(index);
            } else {
                large.push(index);
            }
        }
        let mut slots: Vec<(u32, u32)> = (0..n as u32).map(|i| (u32::MAX, i)).collect();
        while let (Some(&less), Some(&more)) = (small.last(), large.last()) {
            small.pop();
            slots[less] = (threshold(scaled[less]), more as u32);
            scaled[more] = (scaled[more] + scaled[less]) - 1.0;
            if scaled[more] < 1.0 {
                large.pop();
                small.push(more);
            }
        }
        // Whatever is left has (up to rounding) probability 1 of keeping its slot.
        Alias { slots }
    }

    /// Number of outcomes (0 for an empty table).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    /// Draws an index; `0` from an empty table (callers check [`Alias::len`]).
    pub(crate) fn sample(&self, rng: &mut Rng) -> usize {
        let bits = rng.next_u64();
        let slot = (((bits >> 32) * self.slots.len() as u64) >> 32) as usize;
        match self.slots.get(slot) {
            Some(&(keep, _)) if (bits as u32) < keep => slot,
            Some(&(_, alias)) => alias as usize,
            None => 0,
        }
    }
}

/// `p` (in `[0, 1]`) as a 32-bit threshold.
fn threshold(p: f64) -> u32 {
    let scaled = p * 4_294_967_296.0;
    if scaled >= u32::MAX as f64 {
        u32::MAX
    } else if scaled <= 0.0 {
        0
    } else {
        scaled as u32
    }
}

/// Values drawn with their observed frequencies.
#[derive(Debug, Clone)]
pub(crate) struct Weighted<T> {
    values: Vec<T>,
    alias: Alias,
}

impl<T> Default for Weighted<T> {
    fn default() -> Self {
        Weighted {
            values: Vec::new(),
            alias: Alias::default(),
        }
    }
}

impl<T: Ord> Weighted<T> {
    /// From `(value, count)` pairs in any order: the pairs are sorted (most frequent first,
    /// then by value) so the table does not depend on hash-map order. At most `limit` values
    /// are kept; returns the table and the total count of the values left out.
    pub(crate) fn from_counts(
        counts: impl IntoIterator<Item = (T, u64)>,
        limit: usize,
    ) -> (Weighted<T>, u64) {
        let mut pairs: Vec<(T, u64)> = counts.into_iter().filter(|(_, c)| *c > 0).collect();
        pairs.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let dropped = pairs.iter().skip(limit).map(|(_, c)| c).sum();
        pairs.truncate(limit);
        let weights: Vec<f64> = pairs.iter().map(|(_, c)| *c as f64).collect();
        let values = pairs.into_iter().map(|(value, _)| value).collect();
        (
            Weighted {
                values,
                alias: Alias::new(&weights),
            },
            dropped,
        )
    }
}

impl<T> Weighted<T> {
    /// Draws a value; `None` when there is none.
    pub(crate) fn sample(&self, rng: &mut Rng) -> Option<&T> {
        if self.values.is_empty() {
            return None;
        }
        self.values.get(self.alias.sample(rng))
    }

    /// The values, most frequent first.
    pub(crate) fn values(&self) -> &[T] {
        &self.values
    }

    /// True when there is nothing to draw.
    pub(crate) fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

impl Weighted<u32> {
    /// Draws a count, `0` when there is none.
    pub(crate) fn count(&self, rng: &mut Rng) -> u32 {
        self.sample(rng).copied().unwrap_or(0)
    }
}

/// The tail of a Zipf law beyond rank `start`: `P(rank >= k) = (k / start)^(-1 / a)`, so the
/// probability of rank `k` falls like `k^-(1 + 1/a)`. Drawn by inverting the continuous law,
/// `rank = start * U^(-a)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ZipfTail {
    /// The first rank of the tail.
    pub(crate) start: f64,
    /// `1 / (s - 1)` for a Zipf exponent `s`.
    pub(crate) a: f64,
}

/// Ranks are capped here: far beyond any vocabulary, and exact in an `f64`.
const MAX_RANK: f64 = 281_474_976_710_656.0; // 2^48

impl ZipfTail {
    /// The tail of a Zipf law with exponent `s` (> 1) from rank `start` on.
    pub(crate) fn new(start: u64, s: f64) -> ZipfTail {
        ZipfTail {
            start: start.max(1) as f64,
            a: 1.0 / (s - 1.0).max(0.05),
        }
    }

    /// Draws a rank offset from the start: `0` is the tail's most frequent rank.
    pub(crate) fn sample(&self, rng: &mut Rng) -> u64 {
        // U in (0, 1]: never 0, so the logarithm is finite.
        let u = ((rng.next_u64() >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64);
        let exponent = -self.a * ln(u);
        let rank = if exponent >= ln(MAX_RANK / self.start) {
            MAX_RANK
        } else {
            self.start * exp(exponent)
        };
        (rank - self.start).max(0.0) as u64
    }
}

const LN_2: f64 = std::f64::consts::LN_2;

/// Natural logarithm of a positive, finite `x` by basic arithmetic only (reproducible
/// everywhere): `x = m * 2^e` with `m` near 1, `ln m = 2 atanh((m - 1) / (m + 1))`.
pub(crate) fn ln(x: f64) -> f64 {
    if x <= 0.0 || x.is_nan() {
        return f64::NEG_INFINITY;
    }
    if x.is_infinite() {
        return f64::INFINITY;
    }
    let (mut x, mut exponent) = (x, 0i64);
    if x < f64::MIN_POSITIVE {
        x *= 18_014_398_509_481_984.0; // 2^54
        exponent -= 54;
    }
    let bits = x.to_bits();
    exponent += ((bits >> 52) & 0x7ff) as i64 - 1023;
    let mut m = f64::from_bits((bits & ((1u64 << 52) - 1)) | (1023u64 << 52));
    if m > std::f64::consts::SQRT_2 {
        m /= 2.0;
        exponent += 1;
    }
    let z = (m - 1.0) / (m + 1.0);
    let z2 = z * z;
    // |z| <= 0.172, so 14 terms of the series reach the last bit.
    let mut term = z;
    let mut sum = 0.0;
    for k in 0..14 {
        sum += term / (2 * k + 1) as f64;
        term *= z2;
    }
    exponent as f64 * LN_2 + 2.0 * sum
}

/// `e^y` by basic arithmetic only: `y = k ln 2 + r` with `|r| <= ln 2 / 2`, a Taylor series
/// for `e^r` and an exact scaling by `2^k`.
pub(crate) fn exp(y: f64) -> f64 {
    if y.is_nan() {
        return y;
    }
    if y > 709.0 {
        return f64::INFINITY;
    }
    if y < -745.0 {
        return 0.0;
    }
    let k = (y / LN_2 + if y >= 0.0 { 0.5 } else { -0.5 }) as i64;
    let r = y - k as f64 * LN_2;
    let mut term = 1.0;
    let mut sum = 1.0;
    for n in 1..20 {
        term *= r / n as f64;
        sum += term;
    }
    // 2^k in two steps, so that k down to -1074 and up to 1023 stay exact.
    let half = k / 2;
    sum * pow2(half) * pow2(k - half)
}

/// `2^k` for `k` in `-1022..=1023`.
fn pow2(k: i64) -> f64 {
    f64::from_bits(((k.clamp(-1022, 1023) + 1023) as u64) << 52)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stream_is_fixed_by_the_seed() {
        let mut a = Rng::new(42);
        let mut b = Rng::new(42);
        let first: Vec<u64> = (0..4).map(|_| a.next_u64()).collect();
        assert_eq!(first, (0..4).map(|_| b.next_u64()).collect::<Vec<_>>());
        assert_ne!(Rng::new(43).next_u64(), first[0]);
        // A pinned value: changing it changes every generated corpus.
        assert_eq!(Rng::new(0).next_u64(), 0x99ec_5f36_cb75_f2b4);
        assert_ne!(
            Rng::for_record(1, 0).next_u64(),
            Rng::for_record(1, 1).next_u64()
        );
    }

    #[test]
    fn below_and_unit_stay_in_range() {
        let mut rng = Rng::new(7);
        for _ in 0..10_000 {
            assert!(rng.below(10) < 10);
            let u = rng.unit();
            assert!((0.0..1.0).contains(&u));
        }
        assert_eq!(rng.below(0), 0);
    }

    #[test]
    fn alias_draws_in_proportion_to_weights() {
        let alias = Alias::new(&[1.0, 0.0, 3.0, 6.0]);
        let mut rng = Rng::new(1);
        let mut counts = [0u32; 4];
        for _ in 0..100_000 {
            counts[alias.sample(&mut rng)] += 1;
        }
        assert_eq!(counts[1], 0);
        for (count, expected) in [
            (counts[0], 10_000.0),
            (counts[2], 30_000.0),
            (counts[3], 60_000.0),
        ] {
            let ratio = f64::from(count) / expected;
            assert!((0.95..1.05).contains(&ratio), "{counts:?}");
        }
        assert_eq!(Alias::new(&[]).len(), 0);
        assert_eq!(Alias::new(&[0.0]).len(), 0);
    }

    #[test]
    fn weighted_sorts_by_count_and_reports_what_it_drops() {
        let (table, dropped) = Weighted::from_counts([("b", 5), ("a", 5), ("c", 9), ("d", 1)], 3);
        assert_eq!(table.values(), ["c", "a", "b"]);
        assert_eq!(dropped, 1);
        assert!(Weighted::<u32>::default()
            .sample(&mut Rng::new(0))
            .is_none());
    }

    #[test]
    fn ln_and_exp_match_the_platform_closely() {
        for x in [
            1e-300, 1e-10, 0.001, 0.5, 0.9999, 1.0, 1.5, 2.0, 10.0, 12345.678, 1e300,
        ] {
            let ours = ln(x);
            let std = x.ln();
            assert!(
                (ours - std).abs() <= 1e-13 * std.abs().max(1.0),
                "ln {x}: {ours} {std}"
            );
        }
        for y in [-700.0, -20.0, -1.0, -1e-9, 0.0, 0.3, 1.0, 5.5, 40.0, 700.0] {
            let ours = exp(y);
            let std = f64::exp(y);
            assert!((ours - std).abs() <= 1e-13 * std, "exp {y}: {ours} {std}");
        }
    }

    #[test]
    fn zipf_tail_starts_at_zero_and_is_heavy() {
        let tail = ZipfTail::new(1000, 1.6);
        let mut rng = Rng::new(3);
        let draws: Vec<u64> = (0..50_000).map(|_| tail.sample(&mut rng)).collect();
        let below_start = draws.iter().filter(|&&d| d < 1000).count();
        // P(rank < 2 * start) = 1 - 2^(-0.6) = 0.34.
        let share = below_start as f64 / draws.len() as f64;
        assert!((0.31..0.37).contains(&share), "{share}");
        assert!(draws.iter().any(|&d| d > 1_000_000));
    }
}
