//! The day pipeline every loader shares: **stream, merge, bounded aggregation, publish**.
//!
//! A day of a dump format is several files (pageview_complete: one per agent type), each
//! sorted by (group, key) — (project, title) — and together far larger than memory. Each file
//! is parsed on its own thread into a [`batch::SortedSink`], which sums the records of one key
//! and sends them on in [`batch::KeyedBatch`]es through a bounded channel; the loader's thread
//! reads the files' streams as [`batch::Source`]s and [`merge::merge`]s them, one row per
//! distinct key with each file's record, in order. The family's code turns each row into what
//! it stores and streams it into the store's day publication (`DayPublish`); aggregates that
//! need only a few rows of a large set are kept in bounded heaps ([`topk::TopK`]).
//!
//! A file that turns out not to be sorted is detected (the sink refuses a key out of order)
//! and read again through an [`external_sort::ExternalSorter`], which sorts it in runs no
//! larger than its share of the memory budget, spilled to disk. Nothing here knows pageviews:
//! a family supplies the record type ([`Record`]) and what to do with a merged row.

pub mod batch;
pub mod external_sort;
pub mod merge;
pub mod topk;

/// A file's value for one key: summed when a key comes on several lines, and written to and
/// read from spill files.
pub trait Record: Copy + Default + Send + 'static {
    /// Adds another record of the same key.
    fn combine(&mut self, other: &Self);
    fn encode(&self, out: &mut Vec<u8>);
    /// Reads a record written by [`Record::encode`] and advances `input` past it.
    fn decode(input: &mut &[u8]) -> Option<Self>;
}

/// Counters per access (or any fixed set of columns).
macro_rules! counter_records {
    ($($n:literal)+) => {$(
        impl Record for [u32; $n] {
            fn combine(&mut self, other: &Self) {
                for (a, b) in self.iter_mut().zip(other) {
                    *a = a.saturating_add(*b);
                }
            }

            fn encode(&self, out: &mut Vec<u8>) {
                for v in self {
                    put_varint(out, u64::from(*v));
                }
            }

            fn decode(input: &mut &[u8]) -> Option<Self> {
                let mut out = [0u32; $n];
                for v in &mut out {
                    *v = u32::try_from(varint(input)?).ok()?;
                }
                Some(out)
            }
        }
    )+};
}
counter_records!(1 2 3 4);

/// Appends a LEB128 varint.
pub fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Reads a LEB128 varint and advances `input`.
pub fn varint(input: &mut &[u8]) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = input.split_first()?;
        *input = rest;
        v |= u64::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            return Some(v);
        }
    }
    None
}

/// Why a file's stream stopped early.
#[derive(Debug)]
pub enum StreamError {
    /// A key came before the key sent last: the file is not sorted (at the line given).
    Unsorted(String),
    /// The reading side went away (the day was abandoned).
    Closed,
}

impl std::fmt::Display for StreamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StreamError::Unsorted(at) => write!(f, "not sorted by project and title: {at}"),
            StreamError::Closed => f.write_str("the load stopped reading this file"),
        }
    }
}

impl std::error::Error for StreamError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_through_their_encoding() {
        let mut out = Vec::new();
        [0u32, 127, 128].encode(&mut out);
        [u32::MAX, 1, 300].encode(&mut out);
        let mut input = &out[..];
        assert_eq!(<[u32; 3]>::decode(&mut input), Some([0, 127, 128]));
        assert_eq!(<[u32; 3]>::decode(&mut input), Some([u32::MAX, 1, 300]));
        assert!(input.is_empty());
        assert_eq!(<[u32; 3]>::decode(&mut input), None);
        let mut sum = [u32::MAX - 1, 1, 2];
        sum.combine(&[5, 1, 2]);
        assert_eq!(sum, [u32::MAX, 2, 4], "sums saturate");
    }
}
