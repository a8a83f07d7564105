//! A dump line's cells: the tabs found eight bytes at a time. A history line has 70 to 78
//! cells in about 300 bytes, a tab every four bytes, where a search that starts again after
//! each tab (`memchr`) spends most of its time starting.

/// The (start, end) byte ranges of `line`'s tab-separated cells, into `out` (emptied first).
pub fn cells(line: &[u8], out: &mut Vec<(usize, usize)>) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const TABS: u64 = ONES * b'\t' as u64;
    out.clear();
    let mut start = 0;
    let mut words = line.chunks_exact(8);
    let mut base = 0;
    for word in &mut words {
        let bytes: [u8; 8] = word.try_into().unwrap_or_default();
        // A byte of `x` is zero where the word has a tab; the high bit of each byte of
        // `found` says so, exactly (the adds stay within their bytes).
        let x = u64::from_le_bytes(bytes) ^ TABS;
        let mut found = !(((x & LOW7) + LOW7) | x) & !LOW7;
        while found != 0 {
            let at = base + (found.trailing_zeros() / 8) as usize;
            out.push((start, at));
            start = at + 1;
            found &= found - 1;
        }
        base += 8;
    }
    for (i, &b) in words.remainder().iter().enumerate() {
        if b == b'\t' {
            out.push((start, base + i));
            start = base + i + 1;
        }
    }
    out.push((start, line.len()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_the_tab_separated_ranges_of_every_length_and_byte() {
        let mut out = Vec::new();
        // Tabs at every place in a word, runs of tabs, bytes with the high bit set (UTF-8),
        // and every length across a word's end: checked against a plain split.
        let bytes: Vec<u8> = "a\t\tbé\u{1F600}\t\t\t\tc\tdd\t\u{7f}x\t".bytes().collect();
        for len in 0..=bytes.len() {
            for shift in 0..8 {
                let line: Vec<u8> =
                    bytes[..len].iter().copied().cycle().skip(shift).take(len).collect();
                cells(&line, &mut out);
                let mut want = Vec::new();
                let mut start = 0;
                for (i, b) in line.iter().enumerate() {
                    if *b == b'\t' {
                        want.push((start, i));
                        start = i + 1;
                    }
                }
                want.push((start, line.len()));
                assert_eq!(out, want, "{line:?}");
            }
        }
        cells(b"", &mut out);
        assert_eq!(out, [(0, 0)]);
    }
}
