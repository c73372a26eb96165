//! The fast path of an edge list: a line `truster,trustee,value` whose ids
//! are canonical decimal numbers below 2^24 (SNAP and R-MAT graphs use
//! nothing else) and whose value is a plain number.
//!
//! Such a line is parsed straight to its two numbers and its scaled value,
//! with no field splitting and no borrowed or owned id strings, and its
//! edge names its peers by those numbers (`DecimalIds`): its ids are never
//! interned. Any line this path does not take, for
//! whatever reason, goes through the general reader, which accepts or
//! rejects it: so the path only has to be right about what it accepts, and
//! what it accepts is exactly what the general reader would make of the line.

use super::Edge;

/// Ids this path takes are below this (`PeerIds`' decimal table).
const LIMIT: u32 = super::DECIMAL_TABLE_LIMIT;

/// The edge a line starting at `bytes[0]` states, its ids as their numbers
/// and its value times `scale`, with the length of the line and its line end
/// — or `None` for a line the general reader must judge: any other shape
/// (ids not canonical decimals below 2^24, spaces, a fourth field, a value
/// that is not a finite number), self-trust, or a scaled value that is not
/// finite.
pub(super) fn edge(bytes: &[u8], scale: f64) -> Option<(Edge, usize)> {
    let (truster, a) = id(bytes)?;
    let (trustee, b) = id(&bytes[a..])?;
    if truster == trustee {
        return None;
    }
    let rest = &bytes[a + b..];
    let (value, used) = match integer(rest) {
        Some(found) => found,
        None => {
            let (text, used) = match memchr::memchr(b'\n', rest) {
                Some(end) => (&rest[..end], end + 1),
                None => (rest, rest.len()),
            };
            (number(text.strip_suffix(b"\r").unwrap_or(text))?, used)
        }
    };
    let value = value * scale;
    value.is_finite().then_some((Edge { truster, trustee, value }, a + b + used))
}

/// A canonical decimal id below [`LIMIT`] ("0", or digits without a leading
/// zero) and the comma after it: its number and the bytes used.
///
/// Eight bytes are read as one word and their digits found and summed
/// with a few integer operations, not a branch per byte: ids of one to
/// seven digits, mixed at random, made that branch mispredict on most ids
/// (a sixth of a large edge list's parse).
fn id(bytes: &[u8]) -> Option<(u32, usize)> {
    let Some(word) = bytes.first_chunk::<8>() else { return id_bytewise(bytes) };
    let word = u64::from_le_bytes(*word);
    let digits = word.wrapping_sub(0x3030_3030_3030_3030);
    // A byte's top bit marks a non-digit: below '0' (the subtraction
    // borrows), above '9' (adding 0x46 carries into it) or not ASCII. A
    // borrow or carry runs upward, so bytes after the first non-digit may be
    // marked wrongly; only the first mark is read.
    let marks = (word | digits | word.wrapping_add(0x4646_4646_4646_4646)) & 0x8080_8080_8080_8080;
    let len = (marks.trailing_zeros() / 8) as usize;
    if len == 0 || bytes.get(len) != Some(&b',') || (len > 1 && bytes[0] == b'0') {
        return None;
    }
    // The digits moved to the word's top, zeros (leading zeros) below them.
    let n = eight_digits(digits << (8 * (8 - len)));
    (n < LIMIT).then_some((n, len + 1))
}

/// The number eight digit values (0–9, the most significant in the lowest
/// byte) make: the conversion of `core`'s float parser (`parse_8digits`).
fn eight_digits(v: u64) -> u32 {
    const MASK: u64 = 0x0000_00FF_0000_00FF;
    const MUL1: u64 = 0x000F_4240_0000_0064; // 100 + (1,000,000 << 32)
    const MUL2: u64 = 0x0000_2710_0000_0001; // 1 + (10,000 << 32)
    let v = v * 10 + (v >> 8);
    let v = (v & MASK).wrapping_mul(MUL1).wrapping_add(((v >> 16) & MASK).wrapping_mul(MUL2));
    (v >> 32) as u32
}

/// [`id`] byte by byte, for the last bytes of a text.
fn id_bytewise(bytes: &[u8]) -> Option<(u32, usize)> {
    let mut n = 0u32;
    // Eight digits at most (below 10^8, so no overflow), then the comma.
    for (i, &byte) in bytes.iter().enumerate().take(9) {
        match byte {
            b'0'..=b'9' => n = n * 10 + u32::from(byte - b'0'),
            b',' if i == 1 || (i > 1 && bytes[0] != b'0') => return (n < LIMIT).then_some((n, i + 1)),
            _ => return None,
        }
    }
    None
}

/// A value that is an integer of up to 15 digits (with an optional minus
/// sign) ending its line — exact in an f64, so the value the correctly
/// rounded parse gives — and the bytes used with the line end.
fn integer(rest: &[u8]) -> Option<(f64, usize)> {
    let negative = rest.first() == Some(&b'-');
    let start = usize::from(negative);
    let (mut n, mut i) = (0u64, start);
    while let Some(&byte) = rest.get(i) {
        if !byte.is_ascii_digit() || i - start == 15 {
            break;
        }
        n = n * 10 + u64::from(byte - b'0');
        i += 1;
    }
    let used = match &rest[i..] {
        _ if i == start => return None,
        [] => i,
        [b'\n', ..] | [b'\r'] => i + 1,
        [b'\r', b'\n', ..] => i + 2,
        _ => return None,
    };
    let value = n as f64;
    Some((if negative { -value } else { value }, used))
}

/// Any other value field, as the general reader parses it
/// (`str::parse::<f64>`) when it would neither trim nor split it: visible
/// ASCII without a comma.
fn number(text: &[u8]) -> Option<f64> {
    if text.is_empty() || !text.iter().all(|b| b.is_ascii_graphic() && *b != b',') {
        return None;
    }
    let value: f64 = std::str::from_utf8(text).ok()?.parse().ok()?;
    value.is_finite().then_some(value)
}

#[cfg(test)]
mod tests {
    use super::edge;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]

        /// The word-at-a-time id reads what reading byte by byte reads.
        #[test]
        fn ids_read_a_word_at_a_time_as_byte_by_byte(text in proptest::collection::vec(
            proptest::sample::select(b"0123456789,0123456789/:a \x80\xff".to_vec()), 0..14)) {
            proptest::prop_assert_eq!(super::id(&text), super::id_bytewise(&text));
        }
    }

    #[test]
    fn takes_canonical_decimal_edges_and_leaves_the_rest() {
        let e = |truster, trustee, value| super::Edge { truster, trustee, value };
        assert_eq!(edge(b"0,16777215,1\nx", 1.0), Some((e(0, 16_777_215, 1.0), 13)));
        assert_eq!(edge(b"12,7,-0\r\n", 2.0).map(|(e, n)| (e.value.to_bits(), n)), Some(((-0.0f64).to_bits(), 9)));
        assert_eq!(edge(b"12,7,2.5e-1", 4.0), Some((e(12, 7, 1.0), 11)));
        assert_eq!(edge(b"3,4,999999999999999", 1.0), Some((e(3, 4, 999_999_999_999_999.0), 19)));
        assert_eq!(edge(b"3,4,9999999999999999\n", 1.0), Some((e(3, 4, 1e16), 21)), "16 digits: parsed");
        assert_eq!(edge(b"16777215,12345678,1\n", 1.0), Some((e(16_777_215, 12_345_678, 1.0), 20)));
        assert_eq!(edge(b"1234567,9,1", 1.0), Some((e(1_234_567, 9, 1.0), 11)));
        assert_eq!(edge(b"3,4,+5\r", 1.0), Some((e(3, 4, 5.0), 7)));
        assert_eq!(edge(b"3,4,-12\r\n5,6,1", 1.0), Some((e(3, 4, -12.0), 9)));
        for other in [
            &b"007,1,1"[..],
            b"16777216,1,1",
            b"1,1,1",
            b" 1,2,1",
            b"1,2, 1",
            b"1,2,1 ",
            b"1,2,1\r\r\n",
            b"1,2,-",
            b"1,,1",
            b",2,1",
            b"123456789,2,1",
            b"00,2,1",
            b"20000000,2,1",
            b"1,99999999,1",
            b"1,2,1,",
            b"1,2,1,5",
            b"1,2,",
            b"1,2,inf",
            b"1,2,NaN",
            b"1,2,1e400",
            b"1,2",
            b"-1,2,1",
            b"1,2,x",
            b"",
        ] {
            assert_eq!(edge(other, 1.0), None, "{}", String::from_utf8_lossy(other));
        }
        assert_eq!(edge(b"1,2,1e300", 1e10), None, "a scaled value that is not finite");
    }
}
