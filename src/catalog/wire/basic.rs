//! The binary form's primitives: varints, amounts, dates, options, lists, spans, and the
//! [`Wire`] trait that every stored type implements (the catalog's own types are in the parent).

use std::ops::Range;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use crate::diagnostic::{FileId, Span};

/// Where an encoding is written: its bytes, and the report's id of the catalog's first file.
pub(super) struct Writer {
    pub(super) buf: Vec<u8>,
    pub(super) base: usize,
}

/// What an encoding is read from.
pub(super) struct Reader<'a> {
    /// What is left to read.
    pub(super) bytes: &'a [u8],
    pub(super) base: usize,
}

impl Writer {
    pub(super) fn u64(&mut self, mut n: u64) {
        while n >= 0x80 {
            self.buf.push((n & 0x7f) as u8 | 0x80);
            n >>= 7;
        }
        self.buf.push(n as u8);
    }

    pub(super) fn i64(&mut self, n: i64) {
        self.u64(((n << 1) ^ (n >> 63)) as u64);
    }
}

impl<'a> Reader<'a> {
    #[inline]
    pub(super) fn u8(&mut self) -> Option<u8> {
        let (&b, rest) = self.bytes.split_first()?;
        self.bytes = rest;
        Some(b)
    }

    #[inline]
    pub(super) fn u64(&mut self) -> Option<u64> {
        // Most numbers take one byte, and nearly all the rest (offsets in a file) two.
        match *self.bytes {
            [b, ref rest @ ..] if b < 0x80 => {
                self.bytes = rest;
                Some(u64::from(b))
            }
            [b0, b1, ref rest @ ..] if b1 < 0x80 => {
                self.bytes = rest;
                Some(u64::from(b0 & 0x7f) | u64::from(b1) << 7)
            }
            _ => self.u64_long(),
        }
    }

    #[inline(never)]
    fn u64_long(&mut self) -> Option<u64> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.u8()?;
            n |= u64::from(b & 0x7f).checked_shl(shift)?;
            if b < 0x80 {
                return Some(n);
            }
        }
        None
    }

    pub(super) fn i64(&mut self) -> Option<i64> {
        let z = self.u64()?;
        Some((z >> 1) as i64 ^ -((z & 1) as i64))
    }

    pub(super) fn slice(&mut self, len: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.bytes.split_at_checked(len)?;
        self.bytes = rest;
        Some(head)
    }

    pub(super) fn len(&mut self) -> Option<usize> {
        usize::try_from(self.u64()?).ok()
    }
}

/// A value of the catalog, written to and read from the binary form.
pub(super) trait Wire: Sized {
    /// `None` if the value cannot be stored.
    fn put(&self, w: &mut Writer) -> Option<()>;
    fn take(r: &mut Reader<'_>) -> Option<Self>;
}

impl Wire for u64 {
    fn put(&self, w: &mut Writer) -> Option<()> {
        w.u64(*self);
        Some(())
    }
    fn take(r: &mut Reader<'_>) -> Option<Self> {
        r.u64()
    }
}

impl Wire for usize {
    fn put(&self, w: &mut Writer) -> Option<()> {
        w.u64(u64::try_from(*self).ok()?);
        Some(())
    }
    fn take(r: &mut Reader<'_>) -> Option<Self> {
        r.len()
    }
}

impl Wire for u32 {
    fn put(&self, w: &mut Writer) -> Option<()> {
        w.u64(u64::from(*self));
        Some(())
    }
    fn take(r: &mut Reader<'_>) -> Option<Self> {
        u32::try_from(r.u64()?).ok()
    }
}

impl Wire for i64 {
    fn put(&self, w: &mut Writer) -> Option<()> {
        w.i64(*self);
        Some(())
    }
    fn take(r: &mut Reader<'_>) -> Option<Self> {
        r.i64()
    }
}

impl Wire for bool {
    fn put(&self, w: &mut Writer) -> Option<()> {
        w.buf.push(u8::from(*self));
        Some(())
    }
    fn take(r: &mut Reader<'_>) -> Option<Self> {
        match r.u8()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }
}

impl Wire for String {
    fn put(&self, w: &mut Writer) -> Option<()> {
        w.u64(self.len() as u64);
        w.buf.extend_from_slice(self.as_bytes());
        Some(())
    }
    fn take(r: &mut Reader<'_>) -> Option<Self> {
        let len = r.len()?;
        let bytes = r.slice(len)?;
        std::str::from_utf8(bytes).ok().map(str::to_owned)
    }
}

impl Wire for Decimal {
    fn put(&self, w: &mut Writer) -> Option<()> {
        w.buf.extend_from_slice(&self.serialize());
        Some(())
    }
    fn take(r: &mut Reader<'_>) -> Option<Self> {
        let bytes: [u8; 16] = r.slice(16)?.try_into().ok()?;
        Some(Decimal::deserialize(bytes))
    }
}

/// A date as its year and day of the year, which build a date faster than a day number.
impl Wire for NaiveDate {
    fn put(&self, w: &mut Writer) -> Option<()> {
        w.i64(i64::from(self.year()));
        w.u64(u64::from(self.ordinal()));
        Some(())
    }
    fn take(r: &mut Reader<'_>) -> Option<Self> {
        let year = i32::try_from(r.i64()?).ok()?;
        NaiveDate::from_yo_opt(year, u32::try_from(r.u64()?).ok()?)
    }
}

impl<T: Wire> Wire for Option<T> {
    fn put(&self, w: &mut Writer) -> Option<()> {
        match self {
            None => w.buf.push(0),
            Some(v) => {
                w.buf.push(1);
                v.put(w)?;
            }
        }
        Some(())
    }
    fn take(r: &mut Reader<'_>) -> Option<Self> {
        match r.u8()? {
            0 => Some(None),
            1 => Some(Some(T::take(r)?)),
            _ => None,
        }
    }
}

/// A slice as a [`Vec`] of its elements.
pub(super) fn put_all<T: Wire>(all: &[T], w: &mut Writer) -> Option<()> {
    w.u64(all.len() as u64);
    all.iter().try_for_each(|v| v.put(w))
}

impl<T: Wire> Wire for Vec<T> {
    fn put(&self, w: &mut Writer) -> Option<()> {
        put_all(self, w)
    }
    fn take(r: &mut Reader<'_>) -> Option<Self> {
        let len = r.len()?;
        // Every element takes a byte at least: a corrupt length cannot reserve more than that.
        let mut out = Vec::with_capacity(len.min(r.bytes.len()));
        for _ in 0..len {
            out.push(T::take(r)?);
        }
        Some(out)
    }
}

impl<T: Wire> Wire for Box<T> {
    fn put(&self, w: &mut Writer) -> Option<()> {
        (**self).put(w)
    }
    fn take(r: &mut Reader<'_>) -> Option<Self> {
        T::take(r).map(Box::new)
    }
}

impl<A: Wire, B: Wire> Wire for (A, B) {
    fn put(&self, w: &mut Writer) -> Option<()> {
        self.0.put(w)?;
        self.1.put(w)
    }
    fn take(r: &mut Reader<'_>) -> Option<Self> {
        Some((A::take(r)?, B::take(r)?))
    }
}

impl Wire for Range<usize> {
    fn put(&self, w: &mut Writer) -> Option<()> {
        self.start.put(w)?;
        self.end.put(w)
    }
    fn take(r: &mut Reader<'_>) -> Option<Self> {
        Some(usize::take(r)?..usize::take(r)?)
    }
}

impl Wire for FileId {
    fn put(&self, w: &mut Writer) -> Option<()> {
        self.0.checked_sub(w.base)?.put(w)
    }
    fn take(r: &mut Reader<'_>) -> Option<Self> {
        Some(FileId(usize::take(r)?.checked_add(r.base)?))
    }
}

impl Wire for Span {
    fn put(&self, w: &mut Writer) -> Option<()> {
        self.file.put(w)?;
        self.range.put(w)
    }
    fn take(r: &mut Reader<'_>) -> Option<Self> {
        Some(Span::new(
            FileId::take(r)?,
            <Range<usize> as Wire>::take(r)?,
        ))
    }
}
