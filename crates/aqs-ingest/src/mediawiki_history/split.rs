//! A dump line's cells: the tabs found eight bytes at a time, their places kept in an array.
//! A history line has 70 to 78 cells in about 300 bytes, a tab every four bytes, where a
//! search that starts again after each tab (`memchr`) spends most of its time starting.

/// The most cells a line keeps the places of (a layout has at most 78); more are counted.
const MAX_CELLS: usize = 96;

/// A line's cells: where each ends (a tab, or the line's end), for the first [`MAX_CELLS`].
pub struct Cells {
    ends: [u32; MAX_CELLS],
    count: usize,
}

impl Default for Cells {
    fn default() -> Cells {
        Cells { ends: [0; MAX_CELLS], count: 0 }
    }
}

impl Cells {
    /// Finds the cells of `line` (of at most 4 GiB).
    pub fn split(&mut self, line: &[u8]) {
        const ONES: u64 = 0x0101_0101_0101_0101;
        const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
        const TABS: u64 = ONES * b'\t' as u64;
        let mut count = 0;
        let mut end = |at: usize| {
            if let Some(slot) = self.ends.get_mut(count) {
                *slot = at as u32;
            }
            count += 1;
        };
        let mut words = line.chunks_exact(8);
        let mut base = 0;
        for word in &mut words {
            let bytes: [u8; 8] = word.try_into().unwrap_or_default();
            // A byte of `x` is zero where the word has a tab; the high bit of each byte of
            // `found` says so, exactly (the adds stay within their bytes).
            let x = u64::from_le_bytes(bytes) ^ TABS;
            let mut found = !(((x & LOW7) + LOW7) | x) & !LOW7;
            while found != 0 {
                end(base + (found.trailing_zeros() / 8) as usize);
                found &= found - 1;
            }
            base += 8;
        }
        for (i, &b) in words.remainder().iter().enumerate() {
            if b == b'\t' {
                end(base + i);
            }
        }
        end(line.len());
        self.count = count;
    }

    /// How many cells the line has (at least one: a line without a tab is one cell).
    pub fn count(&self) -> usize {
        self.count
    }

    /// The byte range of cell `i` (`None` past the kept ones).
    pub fn range(&self, i: usize) -> Option<(usize, usize)> {
        if i >= self.count {
            return None;
        }
        let end = *self.ends.get(i)? as usize;
        let start = i.checked_sub(1).map_or(0, |before| self.ends[before] as usize + 1);
        Some((start, end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_the_tab_separated_ranges_of_every_length_and_byte() {
        let mut cells = Cells::default();
        let mut out = |line: &[u8]| {
            cells.split(line);
            (0..cells.count()).map_while(|i| cells.range(i)).collect::<Vec<_>>()
        };
        // Tabs at every place in a word, runs of tabs, bytes with the high bit set (UTF-8),
        // and every length across a word's end: checked against a plain split.
        let bytes: Vec<u8> = "a\t\tbé\u{1F600}\t\t\t\tc\tdd\t\u{7f}x\t".bytes().collect();
        for len in 0..=bytes.len() {
            for shift in 0..8 {
                let line: Vec<u8> =
                    bytes[..len].iter().copied().cycle().skip(shift).take(len).collect();
                let got = out(&line);
                let mut want = Vec::new();
                let mut start = 0;
                for (i, b) in line.iter().enumerate() {
                    if *b == b'\t' {
                        want.push((start, i));
                        start = i + 1;
                    }
                }
                want.push((start, line.len()));
                assert_eq!(got, want, "{line:?}");
            }
        }
        assert_eq!(out(b""), [(0, 0)]);
        // Past the cells it keeps, a line's cells are counted.
        let long = vec![b'\t'; MAX_CELLS + 10];
        assert_eq!(out(&long).len(), MAX_CELLS);
        cells.split(&long);
        assert_eq!((cells.count(), cells.range(MAX_CELLS - 1)), (MAX_CELLS + 11, Some((95, 95))));
        assert_eq!(cells.range(MAX_CELLS), None);
    }
}
