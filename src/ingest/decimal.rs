//! The fast path of an edge list: a line `truster,trustee,value` whose ids
//! are canonical decimal numbers below 2^24 (SNAP and R-MAT graphs use
//! nothing else) and whose value is a plain number.
//!
//! Such a line is parsed straight to its two numbers and its scaled value,
//! with no field splitting, no borrowed or owned id strings and no second
//! parse of the ids when they are interned (`PeerIds` keeps decimal ids in a
//! table indexed by the number). Any line this path does not take, for
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
    let (truster, after) = id(bytes)?;
    let (trustee, after) = id(bytes.get(after..)?).map(|(n, used)| (n, after + used))?;
    if truster == trustee {
        return None;
    }
    let rest = bytes.get(after..)?;
    let (text, used) = match memchr::memchr(b'\n', rest) {
        Some(end) => (&rest[..end], after + end + 1),
        None => (rest, bytes.len()),
    };
    let text = text.strip_suffix(b"\r").unwrap_or(text);
    let value = number(text)? * scale;
    value.is_finite().then_some((Edge { truster, trustee, value }, used))
}

/// A canonical decimal id below [`LIMIT`] ("0", or digits without a leading
/// zero) and the comma after it: its number and the bytes used.
fn id(bytes: &[u8]) -> Option<(u32, usize)> {
    let digits = bytes.iter().take(9).take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 8 || (digits > 1 && bytes[0] == b'0') || bytes.get(digits) != Some(&b',') {
        return None;
    }
    let n = bytes[..digits].iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
    (n < LIMIT).then_some((n, digits + 1))
}

/// A value field as the general reader parses it (`str::parse::<f64>`, the
/// correctly rounded parse), for a field it would not trim or split: an
/// integer of up to 15 digits (with an optional minus sign) directly, being
/// exact in an f64; anything else of visible ASCII through the parse.
fn number(text: &[u8]) -> Option<f64> {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    if !digits.is_empty() && digits.len() <= 15 && digits.iter().all(u8::is_ascii_digit) {
        let n = digits.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0')) as f64;
        return Some(if negative { -n } else { n });
    }
    // A comma is a further field, and space is trimmed: the general reader's.
    if text.is_empty() || !text.iter().all(|b| b.is_ascii_graphic() && *b != b',') {
        return None;
    }
    let value: f64 = std::str::from_utf8(text).ok()?.parse().ok()?;
    value.is_finite().then_some(value)
}

#[cfg(test)]
mod tests {
    use super::edge;

    #[test]
    fn takes_canonical_decimal_edges_and_leaves_the_rest() {
        let e = |truster, trustee, value| super::Edge { truster, trustee, value };
        assert_eq!(edge(b"0,16777215,1\nx", 1.0), Some((e(0, 16_777_215, 1.0), 13)));
        assert_eq!(edge(b"12,7,-0\r\n", 2.0).map(|(e, n)| (e.value.to_bits(), n)), Some(((-0.0f64).to_bits(), 9)));
        assert_eq!(edge(b"12,7,2.5e-1", 4.0), Some((e(12, 7, 1.0), 11)));
        assert_eq!(edge(b"3,4,999999999999999", 1.0), Some((e(3, 4, 999_999_999_999_999.0), 19)));
        for other in [
            &b"007,1,1"[..],
            b"16777216,1,1",
            b"1,1,1",
            b" 1,2,1",
            b"1,2, 1",
            b"1,2,1 ",
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
