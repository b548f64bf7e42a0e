//! The snapshot's byte layout, primitive by primitive: little-endian whole numbers, a
//! `Decimal` as its own 16 bytes (exact: mantissa, scale and sign), a date as its day number,
//! strings and byte runs length-first, and — for the rare, small parts of the state whose types
//! already round-trip through the log's JSON — a JSON document length-first.
//!
//! `Reader` never panics and never allocates more than the bytes left could hold: a length
//! that claims more is `SnapshotError::Truncated`. It reads from a `std::io::Read` the caller
//! hands it (this crate opens nothing), a buffer at a time.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde::Serialize;
use uuid::Uuid;

use super::SnapshotError;

/// How much a writer with a sink holds before it hands the bytes on.
const SPILL: usize = 1024 * 1024;

/// Bytes appended to a buffer: kept whole (`encode`), or handed on to a sink the caller gives
/// a megabyte at a time (`encode_into`), so that writing a snapshot never holds all its bytes
/// beside the state. The first error of the sink is kept and said by [`Writer::finish`]; the
/// rest is then not written.
#[derive(Default)]
pub(crate) struct Writer<'a> {
    pub(crate) buf: Vec<u8>,
    sink: Option<&'a mut dyn std::io::Write>,
    failed: Option<String>,
    /// Bytes handed to the sink so far.
    spilled: u64,
}

impl<'a> Writer<'a> {
    /// A writer that hands its bytes to `sink` as it goes.
    pub(crate) fn into_sink(sink: &'a mut dyn std::io::Write) -> Self {
        Writer {
            buf: Vec::with_capacity(SPILL + 64 * 1024),
            sink: Some(sink),
            failed: None,
            spilled: 0,
        }
    }

    fn spill_at(&mut self, at: usize) {
        if self.buf.len() < at {
            return;
        }
        if let Some(sink) = self.sink.as_mut() {
            if self.failed.is_none() {
                if let Err(e) = sink.write_all(&self.buf) {
                    self.failed = Some(e.to_string());
                }
            }
            self.spilled += self.buf.len() as u64;
            self.buf.clear();
        }
    }

    fn spill(&mut self) {
        self.spill_at(SPILL);
    }

    /// Hands the rest to the sink: the bytes written in all, or the sink's first error.
    pub(crate) fn finish(mut self) -> Result<u64, SnapshotError> {
        self.spill_at(0);
        match self.failed {
            Some(e) => Err(SnapshotError::Write(e)),
            None => Ok(self.spilled + self.buf.len() as u64),
        }
    }

    pub(crate) fn u8(&mut self, v: u8) {
        self.buf.push(v);
        self.spill();
    }
    pub(crate) fn u16(&mut self, v: u16) {
        self.buf.extend_from_slice(&v.to_le_bytes());
        self.spill();
    }
    pub(crate) fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
        self.spill();
    }
    pub(crate) fn i32(&mut self, v: i32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
        self.spill();
    }
    pub(crate) fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
        self.spill();
    }
    pub(crate) fn i64(&mut self, v: i64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
        self.spill();
    }
    /// A count or length (always 8 bytes: the layout does not depend on the platform).
    pub(crate) fn len(&mut self, n: usize) {
        self.u64(n as u64);
    }
    pub(crate) fn bytes(&mut self, b: &[u8]) {
        self.len(b.len());
        self.buf.extend_from_slice(b);
        self.spill();
    }
    pub(crate) fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }
    pub(crate) fn dec(&mut self, d: Decimal) {
        self.buf.extend_from_slice(&d.serialize());
        self.spill();
    }
    pub(crate) fn date(&mut self, d: NaiveDate) {
        self.i32(d.num_days_from_ce());
    }
    /// `d` as the days since `before` (`d` is not earlier: dates in order).
    pub(crate) fn date_after(&mut self, before: NaiveDate, d: NaiveDate) {
        let days = (d - before).num_days().max(0);
        self.varint(days as u128);
    }
    pub(crate) fn opt_date(&mut self, d: Option<NaiveDate>) {
        match d {
            None => self.u8(0),
            Some(d) => {
                self.u8(1);
                self.date(d);
            }
        }
    }
    pub(crate) fn uuid(&mut self, id: &Uuid) {
        self.buf.extend_from_slice(id.as_bytes());
        self.spill();
    }
    pub(crate) fn u32s(&mut self, v: &[u32]) {
        self.len(v.len());
        self.buf.reserve(v.len() * 4);
        for x in v {
            self.u32(*x);
        }
    }
    /// A whole number in as few bytes as it needs: seven bits a byte, low first, the high bit
    /// set on every byte but the last (LEB128).
    pub(crate) fn varint(&mut self, mut v: u128) {
        loop {
            let low = (v & 0x7F) as u8;
            v >>= 7;
            if v == 0 {
                self.buf.push(low);
                break;
            }
            self.buf.push(low | 0x80);
        }
        self.spill();
    }
    /// A `Decimal` in as few bytes as it needs, exactly: its scale with the sign in the high
    /// bit, then its mantissa as a varint. A quantity or an amount of a book is a few digits:
    /// 3 to 6 bytes where `dec` takes 16.
    pub(crate) fn dec_small(&mut self, d: Decimal) {
        let sign = if d.is_sign_negative() { 0x80 } else { 0 };
        // The scale is at most 28: it fits the low seven bits.
        self.buf.push(sign | d.scale() as u8);
        self.varint(d.mantissa().unsigned_abs());
    }
    /// A value of a type the log's JSON already round-trips (events, settings, identifiers).
    pub(crate) fn json<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), SnapshotError> {
        let text = serde_json::to_vec(v).map_err(|e| SnapshotError::Json(e.to_string()))?;
        self.bytes(&text);
        Ok(())
    }
}

/// The longest varint: a `u128` in sevens.
pub(crate) const MAX_VARINT: usize = 19;
/// The longest small decimal: its head and a varint.
pub(crate) const MAX_DEC_SMALL: usize = 1 + MAX_VARINT;

/// A varint (`Writer::varint`) at the start of `bytes`, and how many bytes it took: at most
/// 19 (a `u128`), never wrapping.
#[inline]
pub(crate) fn varint_in(bytes: &[u8]) -> Result<(u128, usize), SnapshotError> {
    let mut v: u128 = 0;
    for (i, &byte) in bytes.iter().take(MAX_VARINT).enumerate() {
        let bits = u128::from(byte & 0x7F);
        let shift = 7 * i as u32;
        // The 19th byte holds the top two bits of a u128; any more would not fit.
        if shift == 126 && bits > 0b11 {
            return Err(SnapshotError::Invalid("a number too long"));
        }
        v |= bits << shift;
        if byte & 0x80 == 0 {
            return Ok((v, i + 1));
        }
    }
    if bytes.len() < MAX_VARINT {
        Err(SnapshotError::Truncated)
    } else {
        Err(SnapshotError::Invalid("a number too long"))
    }
}

/// A small decimal (`Writer::dec_small`) at the start of `bytes`, and how many bytes it took.
#[inline]
pub(crate) fn dec_small_in(bytes: &[u8]) -> Result<(Decimal, usize), SnapshotError> {
    let (&head, rest) = bytes.split_first().ok_or(SnapshotError::Truncated)?;
    let (mantissa, used) = varint_in(rest)?;
    let mantissa =
        i128::try_from(mantissa).map_err(|_| SnapshotError::Invalid("a decimal out of range"))?;
    let mut d = Decimal::try_from_i128_with_scale(mantissa, u32::from(head & 0x7F))
        .map_err(|_| SnapshotError::Invalid("a decimal out of range"))?;
    d.set_sign_negative(head & 0x80 != 0);
    Ok((d, 1 + used))
}

/// How much of the source a reader holds at once.
const BUFFER: usize = 64 * 1024;

/// Bytes read in order from a source the caller gives (a file, a slice), a buffer at a time:
/// decoding never holds the whole snapshot and the state it becomes at once.
pub(crate) struct Reader<'a> {
    source: &'a mut dyn std::io::Read,
    buf: Vec<u8>,
    at: usize,
    end: usize,
    /// Bytes of the snapshot not yet taken from the source.
    unread: u64,
}

impl<'a> Reader<'a> {
    /// A reader of the `len` bytes `source` holds.
    pub(crate) fn new(source: &'a mut dyn std::io::Read, len: u64) -> Self {
        Reader {
            source,
            buf: vec![0; BUFFER],
            at: 0,
            end: 0,
            unread: len,
        }
    }

    /// Whether every byte was read.
    pub(crate) fn is_empty(&self) -> bool {
        self.at == self.end && self.unread == 0
    }

    fn left(&self) -> u64 {
        (self.end - self.at) as u64 + self.unread
    }

    /// Makes `n` (at most `BUFFER`) bytes available in the buffer.
    #[inline]
    fn need(&mut self, n: usize) -> Result<(), SnapshotError> {
        if self.end - self.at >= n {
            return Ok(());
        }
        self.refill(n)
    }

    #[cold]
    fn refill(&mut self, n: usize) -> Result<(), SnapshotError> {
        if self.left() < n as u64 {
            return Err(SnapshotError::Truncated);
        }
        self.buf.copy_within(self.at..self.end, 0);
        self.end -= self.at;
        self.at = 0;
        let want = usize::try_from(self.unread)
            .unwrap_or(usize::MAX)
            .min(BUFFER - self.end);
        let into = self
            .buf
            .get_mut(self.end..self.end + want)
            .ok_or(SnapshotError::Truncated)?;
        self.source
            .read_exact(into)
            .map_err(|e| SnapshotError::Read(e.to_string()))?;
        self.end += want;
        self.unread -= want as u64;
        Ok(())
    }

    #[inline]
    fn take(&mut self, n: usize) -> Result<&[u8], SnapshotError> {
        self.need(n)?;
        let out = self
            .buf
            .get(self.at..self.at + n)
            .ok_or(SnapshotError::Truncated)?;
        self.at += n;
        Ok(out)
    }

    #[inline]
    fn array<const N: usize>(&mut self) -> Result<[u8; N], SnapshotError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, SnapshotError> {
        Ok(self.array::<1>()?[0])
    }
    pub(crate) fn u16(&mut self) -> Result<u16, SnapshotError> {
        Ok(u16::from_le_bytes(self.array()?))
    }
    pub(crate) fn u32(&mut self) -> Result<u32, SnapshotError> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    pub(crate) fn i32(&mut self) -> Result<i32, SnapshotError> {
        Ok(i32::from_le_bytes(self.array()?))
    }
    pub(crate) fn u64(&mut self) -> Result<u64, SnapshotError> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    pub(crate) fn i64(&mut self) -> Result<i64, SnapshotError> {
        Ok(i64::from_le_bytes(self.array()?))
    }
    /// A count of items of at least `min_item_bytes` each: never more than the bytes left hold.
    pub(crate) fn len(&mut self, min_item_bytes: usize) -> Result<usize, SnapshotError> {
        let n = self.u64()?;
        if n.saturating_mul(min_item_bytes.max(1) as u64) > self.left() {
            return Err(SnapshotError::Truncated);
        }
        usize::try_from(n).map_err(|_| SnapshotError::Truncated)
    }
    /// `n` bytes, copied out a buffer at a time.
    fn bytes_of(&mut self, n: usize) -> Result<Vec<u8>, SnapshotError> {
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            let piece = (n - out.len()).min(BUFFER);
            out.extend_from_slice(self.take(piece)?);
        }
        Ok(out)
    }
    pub(crate) fn bytes(&mut self) -> Result<Vec<u8>, SnapshotError> {
        let n = self.len(1)?;
        self.bytes_of(n)
    }
    pub(crate) fn str(&mut self) -> Result<String, SnapshotError> {
        String::from_utf8(self.bytes()?).map_err(|_| SnapshotError::Invalid("text not UTF-8"))
    }
    pub(crate) fn dec(&mut self) -> Result<Decimal, SnapshotError> {
        let bytes: [u8; 16] = self.array()?;
        // Flags other than the sign and a scale of 0–28 are not a Decimal this code wrote.
        let flags = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        if flags & 0x7F00_FFFF != 0 || (flags >> 16) & 0xFF > 28 {
            return Err(SnapshotError::Invalid("a decimal out of range"));
        }
        Ok(Decimal::deserialize(bytes))
    }
    /// A varint (`Writer::varint`): at most 19 bytes (a `u128`), never wrapping.
    pub(crate) fn varint(&mut self) -> Result<u128, SnapshotError> {
        self.record(MAX_VARINT, varint_in)
    }
    /// One record of at most `max` bytes read straight from the buffer: `parse` gets the bytes
    /// at hand (`max` of them, or all that are left) and says how many it used. The hot loops
    /// (a stock entry, a decimal) parse in place instead of asking for each byte.
    #[inline]
    pub(crate) fn record<T>(
        &mut self,
        max: usize,
        parse: impl FnOnce(&[u8]) -> Result<(T, usize), SnapshotError>,
    ) -> Result<T, SnapshotError> {
        let want = usize::try_from(self.left().min(max as u64)).unwrap_or(max);
        self.need(want)?;
        let bytes = self
            .buf
            .get(self.at..self.end)
            .ok_or(SnapshotError::Truncated)?;
        let (value, used) = parse(bytes)?;
        if used > bytes.len() {
            return Err(SnapshotError::Truncated);
        }
        self.at += used;
        Ok(value)
    }
    /// A varint that must fit a `u32`.
    pub(crate) fn varint_u32(&mut self) -> Result<u32, SnapshotError> {
        u32::try_from(self.varint()?).map_err(|_| SnapshotError::Invalid("a number too large"))
    }
    /// A `Decimal` written by `Writer::dec_small`.
    pub(crate) fn dec_small(&mut self) -> Result<Decimal, SnapshotError> {
        self.record(MAX_DEC_SMALL, dec_small_in)
    }
    /// A date `days` after `before` (`Writer::varint` of the difference: dates in order).
    pub(crate) fn date_after(&mut self, before: NaiveDate) -> Result<NaiveDate, SnapshotError> {
        let days = self.varint()?;
        if days == 0 {
            return Ok(before);
        }
        u64::try_from(days)
            .ok()
            .and_then(|d| before.checked_add_days(chrono::Days::new(d)))
            .ok_or(SnapshotError::Invalid("a date out of range"))
    }
    pub(crate) fn date(&mut self) -> Result<NaiveDate, SnapshotError> {
        NaiveDate::from_num_days_from_ce_opt(self.i32()?)
            .ok_or(SnapshotError::Invalid("a date out of range"))
    }
    pub(crate) fn opt_date(&mut self) -> Result<Option<NaiveDate>, SnapshotError> {
        match self.u8()? {
            0 => Ok(None),
            1 => self.date().map(Some),
            _ => Err(SnapshotError::Invalid("an optional date's mark")),
        }
    }
    pub(crate) fn uuid(&mut self) -> Result<Uuid, SnapshotError> {
        Ok(Uuid::from_bytes(self.array()?))
    }
    pub(crate) fn u32s(&mut self) -> Result<Vec<u32>, SnapshotError> {
        let n = self.len(4)?;
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            let piece = (n - out.len()).min(BUFFER / 4);
            let raw = self.take(piece * 4)?;
            out.extend(
                raw.chunks_exact(4)
                    .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])),
            );
        }
        Ok(out)
    }
    pub(crate) fn json<T: DeserializeOwned>(&mut self) -> Result<T, SnapshotError> {
        serde_json::from_slice(&self.bytes()?).map_err(|e| SnapshotError::Json(e.to_string()))
    }
}

/// The code of a value among `all` (an enum's variants in a fixed order).
pub(crate) fn code_of<T: PartialEq>(all: &[T], v: &T) -> u8 {
    all.iter().position(|x| x == v).unwrap_or(0) as u8
}

/// The value coded `code` among `all`.
pub(crate) fn from_code<T: Copy>(
    all: &[T],
    code: u8,
    what: &'static str,
) -> Result<T, SnapshotError> {
    all.get(usize::from(code))
        .copied()
        .ok_or(SnapshotError::Invalid(what))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn read<T>(
        bytes: &[u8],
        f: impl FnOnce(&mut Reader<'_>) -> Result<T, SnapshotError>,
    ) -> Result<T, SnapshotError> {
        let mut source = bytes;
        let mut r = Reader::new(&mut source, bytes.len() as u64);
        let v = f(&mut r)?;
        assert!(r.is_empty(), "every byte read");
        Ok(v)
    }

    /// Varints by hand: seven bits a byte, low first.
    #[test]
    fn varints_written_and_read() {
        let cases: [(u128, &[u8]); 6] = [
            (0, &[0x00]),
            (1, &[0x01]),
            (127, &[0x7F]),
            (128, &[0x80, 0x01]),
            (300, &[0xAC, 0x02]),
            (16_384, &[0x80, 0x80, 0x01]),
        ];
        for (v, bytes) in cases {
            let mut w = Writer::default();
            w.varint(v);
            assert_eq!(w.buf, bytes, "{v}");
            assert_eq!(read(bytes, |r| r.varint()), Ok(v));
        }
        let mut w = Writer::default();
        w.varint(u128::MAX);
        assert_eq!(w.buf.len(), 19);
        assert_eq!(read(&w.buf, |r| r.varint()), Ok(u128::MAX));
        // Past 128 bits, or never ending: refused, not wrapped.
        let mut long = vec![0xFF; 18];
        long.push(0x04);
        assert!(read(&long, |r| r.varint()).is_err());
        assert!(read(&[0x80; 30], |r| r.varint()).is_err());
        assert_eq!(read(&[0x80], |r| r.varint()), Err(SnapshotError::Truncated));
        assert!(read(&[0x80, 0x80, 0x80, 0x80, 0x10], |r| r.varint_u32()).is_err());
    }

    /// Decimals by hand: the scale with the sign in its high bit, then the mantissa.
    #[test]
    fn small_decimals_are_exact() {
        let cases: [(Decimal, &[u8]); 5] = [
            (dec!(0), &[0x00, 0x00]),
            (dec!(12.50), &[0x02, 0xE2, 0x09]),
            (dec!(-0.001), &[0x83, 0x01]),
            (dec!(7), &[0x00, 0x07]),
            (dec!(-128), &[0x80, 0x80, 0x01]),
        ];
        for (d, bytes) in cases {
            let mut w = Writer::default();
            w.dec_small(d);
            assert_eq!(w.buf, bytes, "{d}");
            let back = read(bytes, |r| r.dec_small()).expect("reads");
            assert_eq!(
                (back, back.scale(), back.is_sign_negative()),
                (d, d.scale(), d.is_sign_negative())
            );
        }
        let mut negative_zero = dec!(0.00);
        negative_zero.set_sign_negative(true);
        for d in [
            Decimal::MAX,
            Decimal::MIN,
            dec!(0.0000000000000000000000000001),
            negative_zero,
        ] {
            let mut w = Writer::default();
            w.dec_small(d);
            let back = read(&w.buf, |r| r.dec_small()).expect("reads");
            assert_eq!(back.serialize(), d.serialize(), "{d}: every bit back");
        }
        // A scale past 28, a mantissa past 96 bits: refused.
        assert!(read(&[29, 1], |r| r.dec_small()).is_err());
        let mut w = Writer::default();
        w.u8(0);
        w.varint(1u128 << 96);
        assert!(read(&w.buf, |r| r.dec_small()).is_err());
    }

    #[test]
    fn dates_as_days_since_the_one_before() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        let mut w = Writer::default();
        w.date_after(d("2025-01-31"), d("2025-01-31"));
        w.date_after(d("2025-01-31"), d("2025-03-01"));
        assert_eq!(w.buf, [0, 29]);
        let back = read(&w.buf, |r| {
            Ok((
                r.date_after(d("2025-01-31"))?,
                r.date_after(d("2025-01-31"))?,
            ))
        });
        assert_eq!(back, Ok((d("2025-01-31"), d("2025-03-01"))));
        // Past the last date there is: refused.
        let mut w = Writer::default();
        w.varint(u128::from(u64::MAX));
        assert!(read(&w.buf, |r| r.date_after(NaiveDate::MAX)).is_err());
    }
}
