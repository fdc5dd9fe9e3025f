//! Record ends in CSV text, found the way the csv crate's reader finds them: the scan that
//! lets a CSV file be cut into pieces that parse on their own (docs/actuals.md).

/// Where the scan is, as to quotes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Quote {
    /// Outside any quoted field.
    Out,
    /// Inside a quoted field.
    In,
    /// At the quote at this position inside a quoted field: the field ends there unless the
    /// next byte is a quote too.
    Closing(usize),
}

/// Finds record ends in the text read so far.
pub(super) struct Scanner {
    pub(super) quote: Quote,
    /// Bytes before this position have been scanned.
    pub(super) scanned: usize,
    /// The end of the last whole record scanned (0 for none).
    pub(super) last: usize,
    /// Line ends scanned, and those before `last`.
    pub(super) lines: u64,
    pub(super) lines_at_last: u64,
}

/// Whether `text` holds more than line ends (which the CSV reader skips).
pub(super) fn holds_record(text: &[u8]) -> bool {
    text.iter().any(|b| !matches!(b, b'\r' | b'\n'))
}

/// Bit i set where byte i of a 64-byte block is a quote or a line end, or a byte a quote
/// may open a field after.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Masks {
    quotes: u64,
    ends: u64,
    /// `,`, `\n`, `\r` and `"` (after a closing quote, a quote stands for one).
    before_open: u64,
}

/// The [`Masks`] of a 64-byte block: SSE2 compares 16 bytes at a time.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline]
fn quotes_and_ends(block: &[u8]) -> Masks {
    use safe_arch::{
        bitor_m128i, cmp_eq_mask_i8_m128i, load_unaligned_m128i, move_mask_i8_m128i,
        set_splat_i8_m128i,
    };
    let splat = |b: u8| set_splat_i8_m128i(b as i8);
    let (quote, end, comma, cr) = (splat(b'"'), splat(b'\n'), splat(b','), splat(b'\r'));
    let mut m = Masks::default();
    for (i, chunk) in block.chunks_exact(16).enumerate() {
        let v = load_unaligned_m128i(chunk.try_into().unwrap_or(&[0; 16]));
        let q = cmp_eq_mask_i8_m128i(v, quote);
        let e = cmp_eq_mask_i8_m128i(v, end);
        let opens = bitor_m128i(
            bitor_m128i(q, e),
            bitor_m128i(cmp_eq_mask_i8_m128i(v, comma), cmp_eq_mask_i8_m128i(v, cr)),
        );
        let bits = |x| u64::from(move_mask_i8_m128i(x) as u16) << (16 * i);
        m.quotes |= bits(q);
        m.ends |= bits(e);
        m.before_open |= bits(opens);
    }
    m
}

#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
use swar::quotes_and_ends;

/// Byte search in plain integer arithmetic, eight bytes at a time.
#[cfg(any(test, not(all(target_arch = "x86_64", target_feature = "sse2"))))]
mod swar {
    /// Eight copies of a byte, and masks of the SWAR byte search below.
    const ONES: u64 = 0x0101_0101_0101_0101;
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;

    /// The high bit of each byte of `word` that equals `byte`, and no other bit.
    #[inline]
    fn bytes_equal(word: u64, byte: u8) -> u64 {
        let v = word ^ (ONES * u64::from(byte));
        !(((v & LOW7) + LOW7) | v | LOW7)
    }

    /// One bit per byte from the high bits of [`bytes_equal`]: bit i for byte i.
    #[inline]
    fn gather(high_bits: u64) -> u64 {
        ((high_bits >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56
    }

    /// The same eight bytes at a time in plain integer arithmetic, where SSE2 is not at hand.
    #[inline]
    pub(super) fn quotes_and_ends(block: &[u8]) -> super::Masks {
        let mut m = super::Masks::default();
        for (w, word) in block.chunks_exact(8).enumerate() {
            let word = u64::from_le_bytes(word.try_into().unwrap_or_default());
            let (q, e) = (bytes_equal(word, b'"'), bytes_equal(word, b'\n'));
            let opens = q | e | bytes_equal(word, b',') | bytes_equal(word, b'\r');
            m.quotes |= gather(q) << (8 * w);
            m.ends |= gather(e) << (8 * w);
            m.before_open |= gather(opens) << (8 * w);
        }
        m
    }
}

/// Bit i of the result: the parity of bits 0 to i of `x`.
#[inline]
fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

impl Scanner {
    pub(super) fn new() -> Scanner {
        Scanner {
            quote: Quote::Out,
            scanned: 0,
            last: 0,
            lines: 0,
            lines_at_last: 0,
        }
    }

    /// Scans `buf[self.scanned..]`, or up to the end of the first record if `first`. Position 0
    /// of `buf` is the start of a record.
    pub(super) fn scan(&mut self, buf: &[u8], first: bool) {
        if first {
            return self.scan_exact(buf, buf.len(), true);
        }
        while buf.len() - self.scanned >= 64 {
            let at = self.scanned;
            if !self.scan_block(buf, at) {
                self.scan_exact(buf, at + 64, false);
            }
        }
        self.scan_exact(buf, buf.len(), false);
    }

    /// Scans `buf[self.scanned..to]` a quote or line end at a time.
    pub(super) fn scan_exact(&mut self, buf: &[u8], to: usize, first: bool) {
        let from = self.scanned;
        self.scanned = to;
        for p in from..to {
            if matches!(buf[p], b'"' | b'\n')
                && self.visit(buf, p)
                && first
                && holds_record(&buf[..p])
            {
                self.scanned = p + 1;
                return;
            }
        }
    }

    /// Scans the 64 bytes at `at` by the parity of their quotes: a byte is inside a quoted
    /// field when an odd number of quotes precede it since the field opened (two quotes that
    /// stand for one close and open it again). That is the reader's rule wherever every quote
    /// that opens is at the start of a field or right after a closing quote; those quotes are
    /// checked, and false is returned (nothing scanned) if one is not.
    pub(super) fn scan_block(&mut self, buf: &[u8], at: usize) -> bool {
        let block = &buf[at..at + 64];
        let Masks {
            quotes,
            ends,
            before_open,
        } = quotes_and_ends(block);
        let inside_before = self.quote == Quote::In;
        // Bit i: inside a quoted field just after byte i.
        let mut inside = prefix_xor(quotes);
        if inside_before {
            inside = !inside;
        }
        // Bit i: a quote may open a field at byte i. After a quote, only if that quote closed a
        // quoted field (two quotes that stand for one); after a quote in an unquoted field
        // (`a"`), a quote is that field's too.
        let first_ok = at == 0
            || matches!(buf[at - 1], b',' | b'\n' | b'\r')
            || self.quote == Quote::Closing(at - 1);
        let may_open = before_open << 1 | u64::from(first_ok);
        if quotes & inside & !may_open != 0 {
            return false;
        }
        let records = ends & !inside;
        if records != 0 {
            let high = 63 - records.leading_zeros();
            let upto = if high == 63 {
                u64::MAX
            } else {
                (1u64 << (high + 1)) - 1
            };
            self.last = at + high as usize + 1;
            self.lines_at_last = self.lines + u64::from((ends & upto).count_ones());
        }
        self.lines += u64::from(ends.count_ones());
        self.quote = if inside >> 63 == 1 {
            Quote::In
        } else if block[63] == b'"' {
            Quote::Closing(at + 63)
        } else {
            Quote::Out
        };
        self.scanned = at + 64;
        true
    }

    /// Moves past the quote or line end at `p`; true if it ends a record.
    #[inline]
    fn visit(&mut self, buf: &[u8], p: usize) -> bool {
        if let Quote::Closing(q) = self.quote {
            if p == q + 1 && buf[p] == b'"' {
                self.quote = Quote::In;
                return false;
            }
            self.quote = Quote::Out;
        }
        match (self.quote, buf[p]) {
            (Quote::Out, b'\n') => {
                self.lines += 1;
                self.last = p + 1;
                self.lines_at_last = self.lines;
                return true;
            }
            // A quote opens a quoted field at the start of a field only.
            (Quote::Out, _) if p == 0 || matches!(buf[p - 1], b',' | b'\n' | b'\r') => {
                self.quote = Quote::In;
            }
            (Quote::In, b'"') => self.quote = Quote::Closing(p),
            (_, b'\n') => self.lines += 1,
            _ => {}
        }
        false
    }

    /// The text before `at` has been cut off, holding `lines` line ends: positions move back.
    pub(super) fn shift(&mut self, at: usize, lines: u64) {
        self.scanned -= at;
        self.last = 0;
        self.lines -= lines;
        self.lines_at_last = 0;
        // A quote before the cut is one at the end of the text, the last piece.
        if let Quote::Closing(q) = self.quote {
            self.quote = q.checked_sub(at).map_or(Quote::Out, Quote::Closing);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        /// The SSE2 compares and the integer ones find the same bytes.
        #[test]
        fn both_byte_searches_agree(block in proptest::collection::vec(
            prop_oneof![Just(b'"'), Just(b'\n'), Just(b','), Just(b'\r'), any::<u8>()], 64..=64)
        ) {
            prop_assert_eq!(quotes_and_ends(&block), swar::quotes_and_ends(&block));
            let mask = |set: &[u8]| {
                block
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| set.contains(b))
                    .fold(0u64, |m, (i, _)| m | 1 << i)
            };
            prop_assert_eq!(
                quotes_and_ends(&block),
                Masks { quotes: mask(b"\""), ends: mask(b"\n"), before_open: mask(b",\n\r\"") }
            );
        }

        /// The scan by blocks finds what the scan a quote at a time finds.
        #[test]
        fn blocks_scan_as_quotes_at_a_time_do(
            text in proptest::collection::vec(
                prop_oneof![
                    6 => Just(b'a'), 2 => Just(b','), 3 => Just(b'"'), 1 => Just(b'\n'),
                    1 => Just(b'\r'),
                ],
                0..700,
            ),
        ) {
            let (mut blocks, mut exact) = (Scanner::new(), Scanner::new());
            blocks.scan(&text, false);
            exact.scan_exact(&text, text.len(), false);
            let settled = |q: Quote| match q {
                Quote::Closing(p) if p + 1 < text.len() => Quote::Out,
                q => q,
            };
            prop_assert_eq!(
                (blocks.last, blocks.lines, blocks.lines_at_last, blocks.scanned),
                (exact.last, exact.lines, exact.lines_at_last, exact.scanned)
            );
            prop_assert_eq!(settled(blocks.quote), settled(exact.quote));
        }
    }
}
