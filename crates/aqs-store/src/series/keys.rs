//! The pieces of series keys and values in LMDB (docs/store-format.md, "Series tables"): a
//! text escaped so that byte order is the texts' order (a row's sub; key parts are ids,
//! `texts.rs`), a period as its kind and a big-endian number, values as varints.

use super::days::Slot;
use crate::codec::{Reader, corrupt, put_varint};
use aqs_core::dates::Period;
use aqs_core::error::StoreResult;
use aqs_core::table::{MAX_VALUES, Numbers, TableDef};

pub(crate) fn put_text(out: &mut Vec<u8>, text: &str) {
    for &b in text.as_bytes() {
        out.push(b);
        if b == 0 {
            out.push(0xFF);
        }
    }
    out.extend_from_slice(&[0, 1]);
}

pub(crate) fn read_text(bytes: &[u8], at: &mut usize) -> StoreResult<String> {
    let mut text = Vec::new();
    loop {
        match bytes.get(*at..*at + 1) {
            Some([0]) => {
                let next = bytes.get(*at + 1).copied();
                *at += 2;
                match next {
                    Some(0xFF) => text.push(0),
                    Some(1) => break,
                    _ => return Err(corrupt("series key text")),
                }
            }
            Some([b]) => {
                text.push(*b);
                *at += 1;
            }
            _ => return Err(corrupt("series key text")),
        }
    }
    String::from_utf8(text).map_err(|_| corrupt("series key text"))
}

pub(crate) fn put_period(out: &mut Vec<u8>, slot: Slot) {
    let (kind, value) = slot.code();
    out.push(kind);
    out.extend_from_slice(&value.to_be_bytes());
}

pub(crate) fn read_period(bytes: &[u8], at: &mut usize) -> StoreResult<Slot> {
    let part = bytes.get(*at..*at + 5).ok_or_else(|| corrupt("series period"))?;
    *at += 5;
    let value = u32::from_be_bytes(part[1..].try_into().map_err(|_| corrupt("series period"))?);
    Slot::from_code(part[0], value)
}

/// The bounds of the keys of `table` under `prefix` whose period is from `first` to `last`
/// (the months of days from `first`'s to `last`'s), the last period's subs included.
pub(super) fn period_range(
    prefix: &[u8],
    table: &TableDef,
    first: Period,
    last: Period,
) -> (Vec<u8>, Vec<u8>) {
    let (mut from, mut to) = (prefix.to_vec(), prefix.to_vec());
    put_period(&mut from, Slot::of(table, first));
    put_period(&mut to, Slot::of(table, last));
    to.push(0xFF); // after every sub of the last period
    (from, to)
}

pub(super) fn encode_values(table: &TableDef, values: &Numbers) -> Vec<u8> {
    let mut out = Vec::with_capacity(10 * table.values.len());
    for v in &values.0[..table.values.len()] {
        put_varint(&mut out, *v);
    }
    out
}

pub(super) fn decode_values(bytes: &[u8]) -> StoreResult<Numbers> {
    let mut reader = Reader::new(bytes);
    let mut values = Numbers::default();
    let mut i = 0;
    while !reader.is_empty() {
        let slot = values.0.get_mut(i).ok_or_else(|| corrupt("series values"))?;
        *slot = reader.varint()?;
        i += 1;
    }
    debug_assert!(i <= MAX_VALUES);
    Ok(values)
}
