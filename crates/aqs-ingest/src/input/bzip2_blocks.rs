//! Finding bzip2 blocks in a file and turning each into a stream of its own, so that blocks
//! decode independently, on several threads.
//!
//! A bzip2 file is one or more streams (`BZh1`–`BZh9`, then blocks, then an end-of-stream
//! marker with a CRC of the stream). Each block starts with the 48-bit magic `0x314159265359`
//! at any bit offset (blocks are not byte-aligned), followed by the block's CRC; an end of
//! stream is the magic `0x177245385090`. [`Scanner`] finds every magic; the bits from a block's
//! magic to the next magic are the block. [`standalone_stream`] wraps those bits in a header
//! and an end-of-stream marker whose CRC is the block's own (the combined CRC of a one-block
//! stream), which any bzip2 decoder reads. A magic can, rarely, occur by chance inside
//! compressed data; the block before it then fails to decode, and the reader decodes it again
//! together with the next one.

/// The 48-bit magic that starts a block.
pub const BLOCK_MAGIC: u64 = 0x3141_5926_5359;
/// The 48-bit magic that ends a stream.
pub const END_MAGIC: u64 = 0x1772_4538_5090;
const MASK48: u64 = (1 << 48) - 1;

/// A magic found at an absolute bit position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marker {
    pub bit: u64,
    pub end_of_stream: bool,
}

/// For each byte value, the (magic, shift) pairs whose second byte it can be: the byte after
/// the one a magic starts in is always wholly inside the magic.
struct Table([u16; 256]);

const fn table() -> Table {
    let mut t = [0u16; 256];
    let mut shift = 0;
    while shift < 8 {
        t[((BLOCK_MAGIC >> (32 + shift)) & 0xff) as usize] |= 1 << shift;
        t[((END_MAGIC >> (32 + shift)) & 0xff) as usize] |= 1 << (8 + shift);
        shift += 1;
    }
    Table(t)
}

static TABLE: Table = table();

/// Finds the magics in `bytes`, whose first byte is at absolute byte `offset`, among the
/// magics that start in `bytes[..limit]` (the caller keeps the last 7 bytes for the next call,
/// so that a magic across two reads is found once).
pub fn scan(bytes: &[u8], limit: usize, offset: u64, out: &mut Vec<Marker>) {
    let limit = limit.min(bytes.len().saturating_sub(7));
    for i in 0..limit {
        let candidates = TABLE.0[usize::from(bytes[i + 1])];
        if candidates == 0 {
            continue;
        }
        let window = u64::from_be_bytes(bytes[i..i + 8].try_into().expect("8 bytes"));
        for shift in 0..8u32 {
            let bits = (window >> (16 - shift)) & MASK48;
            let block = candidates & (1 << shift) != 0 && bits == BLOCK_MAGIC;
            let end = candidates & (1 << (8 + shift)) != 0 && bits == END_MAGIC;
            if block || end {
                let bit = (offset + i as u64) * 8 + u64::from(shift);
                out.push(Marker { bit, end_of_stream: end });
            }
        }
    }
}

/// Appends bits to a byte buffer, most significant bit first.
struct BitWriter {
    out: Vec<u8>,
    acc: u64,
    bits: u32,
}

impl BitWriter {
    fn put(&mut self, value: u64, count: u32) {
        debug_assert!(count <= 32);
        self.acc = (self.acc << count) | (value & ((1 << count) - 1));
        self.bits += count;
        while self.bits >= 8 {
            self.bits -= 8;
            self.out.push((self.acc >> self.bits) as u8);
        }
    }

    fn finish(mut self) -> Vec<u8> {
        if self.bits > 0 {
            self.out.push((self.acc << (8 - self.bits)) as u8);
        }
        self.out
    }
}

/// Reads `count` bits (at most 32) starting at bit `at` of `bytes`.
fn bits_at(bytes: &[u8], at: u64, count: u32) -> u64 {
    let mut value = 0u64;
    for k in 0..u64::from(count) {
        let bit = at + k;
        let byte = bytes.get((bit / 8) as usize).copied().unwrap_or(0);
        value = (value << 1) | u64::from((byte >> (7 - bit % 8)) & 1);
    }
    value
}

/// A one-block bzip2 stream holding the bits `[start, end)` of `bytes` (bit positions relative
/// to `bytes`): a block, from its magic to just before the next magic.
pub fn standalone_stream(bytes: &[u8], start: u64, end: u64) -> Vec<u8> {
    let length = end.saturating_sub(start);
    let mut w = BitWriter { out: Vec::with_capacity((length / 8) as usize + 16), acc: 0, bits: 0 };
    w.put(u64::from(u32::from_be_bytes(*b"BZh9")), 32);
    // The bulk, a byte at a time: each output byte is two shifted input bytes.
    let (first, shift) = ((start / 8) as usize, (start % 8) as u32);
    let whole = length / 8;
    for k in 0..whole as usize {
        let hi = u16::from(bytes.get(first + k).copied().unwrap_or(0));
        let lo = u16::from(bytes.get(first + k + 1).copied().unwrap_or(0));
        w.put(u64::from((((hi << 8) | lo) >> (8 - shift)) as u8), 8);
    }
    let rest = (length % 8) as u32;
    if rest > 0 {
        w.put(bits_at(bytes, start + whole * 8, rest), rest);
    }
    let crc = bits_at(bytes, start + 48, 32);
    w.put(END_MAGIC >> 24, 24);
    w.put(END_MAGIC & 0xff_ffff, 24);
    w.put(crc, 32);
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::test_files::compress;
    use std::io::{Read, Write};

    fn text(lines: usize) -> Vec<u8> {
        let mut out = Vec::new();
        let mut x = 7u64;
        for i in 0..lines {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            writeln!(out, "en.wikipedia Title_{}_{} {} desktop 3 A1B2", x >> 40, i, x % 1000)
                .unwrap();
        }
        out
    }

    #[test]
    fn every_block_of_single_and_multi_stream_files_decodes_on_its_own() {
        let text = text(60_000);
        // Level 1: 100 kB blocks, so a few MB make many blocks at odd bit offsets.
        let mut file = compress(&text[..text.len() / 3], 1);
        file.extend(compress(&text[text.len() / 3..], 1));
        let mut markers = Vec::new();
        scan(&file, file.len(), 0, &mut markers);
        let blocks = markers.iter().filter(|m| !m.end_of_stream).count();
        assert!(blocks > 10, "{blocks} blocks");
        assert_eq!(markers.iter().filter(|m| m.end_of_stream).count(), 2, "two streams");
        let mut decoded = Vec::new();
        for pair in markers.windows(2).filter(|w| !w[0].end_of_stream) {
            let stream = standalone_stream(&file, pair[0].bit, pair[1].bit);
            bzip2::read::BzDecoder::new(&stream[..]).read_to_end(&mut decoded).unwrap();
        }
        assert_eq!(decoded, text);
    }

    #[test]
    fn a_magic_across_two_reads_is_found_once() {
        let file = compress(&text(20_000), 1);
        let mut whole = Vec::new();
        scan(&file, file.len(), 0, &mut whole);
        for cut in [9usize, 4097, file.len() / 2 + 3] {
            let mut parts = Vec::new();
            scan(&file[..cut + 7], cut, 0, &mut parts);
            scan(&file[cut..], file.len() - cut, cut as u64, &mut parts);
            assert_eq!(parts, whole, "cut at {cut}");
        }
    }
}
