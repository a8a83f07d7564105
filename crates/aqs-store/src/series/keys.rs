//! How series rows are keyed in LMDB (docs/store-format.md, "Series tables"): text parts
//! escaped so that byte order is the parts' order, a period as its kind and a big-endian
//! number, values as varints.

use crate::codec::{Reader, corrupt, put_varint};
use crate::pageviews::{decode_period, period_code};
use aqs_core::dates::Period;
use aqs_core::error::StoreResult;
use aqs_core::table::{MAX_VALUES, Numbers, SeriesRow, TableDef};

pub(crate) fn put_text(out: &mut Vec<u8>, text: &str) {
    for &b in text.as_bytes() {
        out.push(b);
        if b == 0 {
            out.push(0xFF);
        }
    }
    out.extend_from_slice(&[0, 1]);
}

pub(super) fn read_text(bytes: &[u8], at: &mut usize) -> StoreResult<String> {
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

pub(super) fn put_period(out: &mut Vec<u8>, period: Period) {
    let (kind, value) = period_code(period);
    out.push(kind);
    out.extend_from_slice(&value.to_be_bytes());
}

pub(super) fn read_period(bytes: &[u8], at: &mut usize) -> StoreResult<Period> {
    let part = bytes.get(*at..*at + 5).ok_or_else(|| corrupt("series period"))?;
    *at += 5;
    let value = u32::from_be_bytes(part[1..].try_into().map_err(|_| corrupt("series period"))?);
    decode_period(part[0], value)
}

/// The bounds of the keys under `prefix` whose period is from `first` to `last`, the last
/// period's subs included.
pub(super) fn period_range(prefix: &[u8], first: Period, last: Period) -> (Vec<u8>, Vec<u8>) {
    let (mut from, mut to) = (prefix.to_vec(), prefix.to_vec());
    put_period(&mut from, first);
    put_period(&mut to, last);
    to.push(0xFF); // after every sub of the last period
    (from, to)
}

pub(super) fn key_prefix<'a>(table: &TableDef, key: impl IntoIterator<Item = &'a str>) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    put_text(&mut out, table.name);
    for part in key {
        put_text(&mut out, part);
    }
    out
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

/// The key of a row in `series` and in `series_periods`.
pub(super) fn row_keys(table: &TableDef, row: &SeriesRow) -> (Vec<u8>, Vec<u8>) {
    let mut main = key_prefix(table, row.key.iter().map(String::as_str));
    put_period(&mut main, row.period);
    put_text(&mut main, &row.sub);
    let mut by_period = key_prefix(table, []);
    put_period(&mut by_period, row.period);
    for part in &row.key {
        put_text(&mut by_period, part);
    }
    put_text(&mut by_period, &row.sub);
    (main, by_period)
}

/// Decodes a `series` key (after the table's prefix) into the row's key parts, period and
/// sub.
pub(super) fn split_main_key(
    table: &TableDef,
    bytes: &[u8],
    mut at: usize,
) -> StoreResult<(Period, Vec<String>, String)> {
    let key = (0..table.key.len()).map(|_| read_text(bytes, &mut at)).collect::<Result<_, _>>()?;
    let period = read_period(bytes, &mut at)?;
    let sub = read_text(bytes, &mut at)?;
    Ok((period, key, sub))
}

/// Decodes a `series_periods` key (after the table's prefix) into the row's key parts,
/// period and sub.
pub(super) fn split_period_key(
    table: &TableDef,
    bytes: &[u8],
    mut at: usize,
) -> StoreResult<(Period, Vec<String>, String)> {
    let period = read_period(bytes, &mut at)?;
    let key = (0..table.key.len()).map(|_| read_text(bytes, &mut at)).collect::<Result<_, _>>()?;
    let sub = read_text(bytes, &mut at)?;
    Ok((period, key, sub))
}
