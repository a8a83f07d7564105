//! The manifest: which segments hold entity data (pageviews per article, media requests per
//! file), and the merge policy that keeps their number per table and month small (see
//! docs/store-format.md).

use crate::blocks::{ARTICLE_SHIFT, Shift};
use crate::codec::{Reader, corrupt, put_varint};
use aqs_core::dates::{Day, YearMonth};
use aqs_core::error::StoreError;

/// Which entity table a segment belongs to: [`PER_ARTICLE`], or the number `meta` gives a
/// declared entity table (`entity.rs`). Segments of different tables never shadow or merge
/// with each other.
pub type EntityTable = u8;

/// The table of pageviews per article.
pub const PER_ARTICLE: EntityTable = 0;

/// One immutable run of one entity table's data for one month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    pub table: EntityTable,
    /// Unique and increasing: a higher id is newer.
    pub id: u32,
    /// The table (`segment-<slot>`) that holds its entries.
    pub slot: u32,
    pub month: YearMonth,
    /// Bit `i`: some article has a row on day `i + 1` in this segment.
    pub days: u64,
    /// Bit `i`: this segment replaces day `i + 1` entirely; older segments are ignored there.
    pub covers: u64,
    /// The article ids `from..until` the segment applies to (every id but while a merge is
    /// under way: the merged segment applies below the merge's progress, the segments it
    /// replaces above it; see `merge.rs`).
    pub from: u32,
    pub until: u32,
    /// log2 of the article ids of its table's blocks (`blocks.rs`): [`ARTICLE_SHIFT`], or
    /// [`crate::blocks::HISTORY_SHIFT`] for the history's entity tables (`entity.rs`); 0 for
    /// segments of older builds (one entry per article).
    pub shift: Shift,
}

impl Segment {
    /// A new segment of every article.
    pub fn new(
        table: EntityTable,
        (id, slot): (u32, u32),
        month: YearMonth,
        days: u64,
        covers: u64,
    ) -> Segment {
        let shift = ARTICLE_SHIFT;
        Segment { table, id, slot, month, days, covers, from: 0, until: u32::MAX, shift }
    }

    /// Whether the segment applies to every article (no merge under way through it).
    pub fn is_whole(&self) -> bool {
        self.from == 0 && self.until == u32::MAX
    }

    /// Whether the segment applies to `article`: a read ignores it (its rows and what it
    /// covers) for other articles.
    pub fn applies(&self, article: u32) -> bool {
        (self.from..self.until).contains(&article)
    }
}

/// Segments, ascending by id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    pub segments: Vec<Segment>,
}

/// A merge under way in one (table, month), committed chunk by chunk: `target` applies to the
/// articles below its `until`, the `sources` (oldest first) to the articles from there on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unfinished {
    pub target: Segment,
    pub sources: Vec<Segment>,
}

/// More segments than this in one month are merged into one whatever their sizes.
const MAX_SEGMENTS_PER_MONTH: usize = 8;

/// A month whose segments take less than this is kept in one segment: rewriting it costs
/// little (a fraction of a second), and one segment takes a third less room than the four of
/// a binary counter (each article's key and entry once instead of once per segment).
pub const SMALL_MONTH_BYTES: u64 = 64 << 20;

pub fn day_bit(day: Day) -> u64 {
    1 << (day.epoch_days() - day.year_month().first_day().epoch_days())
}

pub fn full_month_mask(month: YearMonth) -> u64 {
    (1u64 << month.len()) - 1
}

impl Manifest {
    /// The per-article segments as version 3 wrote them (so stores written before entity
    /// tables existed read as they are), then, when there are any, the other tables' segments
    /// with their table first, then, while a merge is under way, the article ranges of the
    /// segments it involves.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let (articles, others): (Vec<&Segment>, Vec<&Segment>) =
            self.segments.iter().partition(|s| s.table == PER_ARTICLE);
        put_varint(&mut out, articles.len() as u64);
        for s in articles {
            put_segment(&mut out, s);
        }
        let ranged: Vec<&Segment> = self.segments.iter().filter(|s| !s.is_whole()).collect();
        let blocked: Vec<&Segment> = self.segments.iter().filter(|s| s.shift > 0).collect();
        let wide: Vec<&Segment> =
            blocked.iter().copied().filter(|s| s.shift != ARTICLE_SHIFT).collect();
        if !others.is_empty() || !ranged.is_empty() || !blocked.is_empty() {
            put_varint(&mut out, others.len() as u64);
            for s in others {
                put_varint(&mut out, s.table.into());
                put_segment(&mut out, s);
            }
        }
        if !ranged.is_empty() || !blocked.is_empty() {
            put_varint(&mut out, ranged.len() as u64);
            for s in ranged {
                put_varint(&mut out, s.id.into());
                put_varint(&mut out, s.from.into());
                put_varint(&mut out, s.until.into());
            }
        }
        if !blocked.is_empty() {
            put_varint(&mut out, blocked.len() as u64);
            for s in blocked {
                put_varint(&mut out, s.id.into());
            }
        }
        if !wide.is_empty() {
            put_varint(&mut out, wide.len() as u64);
            for s in wide {
                put_varint(&mut out, s.id.into());
                put_varint(&mut out, s.shift.into());
            }
        }
        out
    }

    pub fn decode(bytes: &[u8]) -> Result<Manifest, StoreError> {
        let mut r = Reader::new(bytes);
        let mut segments = Vec::new();
        for _ in 0..r.varint()? {
            segments.push(read_segment(&mut r, PER_ARTICLE)?);
        }
        if !r.is_empty() {
            for _ in 0..r.varint()? {
                let table = u8::try_from(r.varint()?).map_err(|_| corrupt("entity table"))?;
                segments.push(read_segment(&mut r, table)?);
            }
        }
        if !r.is_empty() {
            for _ in 0..r.varint()? {
                let segment = listed(&mut segments, r.varint()?)?;
                let bound = |v: u64| u32::try_from(v).map_err(|_| corrupt("article range"));
                (segment.from, segment.until) = (bound(r.varint()?)?, bound(r.varint()?)?);
            }
        }
        if !r.is_empty() {
            for _ in 0..r.varint()? {
                listed(&mut segments, r.varint()?)?.shift = ARTICLE_SHIFT;
            }
        }
        if !r.is_empty() {
            for _ in 0..r.varint()? {
                let segment = listed(&mut segments, r.varint()?)?;
                segment.shift = match r.varint()? {
                    shift @ 1..=5 => shift as Shift,
                    _ => return Err(corrupt("a segment's block size")),
                };
            }
        }
        if !r.is_empty() {
            return Err(corrupt("trailing bytes after the manifest"));
        }
        segments.sort_by_key(|s| s.id);
        Ok(Manifest { segments })
    }

    /// The segments of one table's month, newest first.
    pub fn newest_first(
        &self,
        table: EntityTable,
        month: YearMonth,
    ) -> impl DoubleEndedIterator<Item = &Segment> {
        self.segments.iter().rev().filter(move |s| s.table == table && s.month == month)
    }

    /// Days of the month that hold rows once newer segments' replacements are applied.
    pub fn loaded_days(&self, table: EntityTable, month: YearMonth) -> u64 {
        let (mut loaded, mut resolved) = (0, 0);
        for s in self.newest_first(table, month) {
            loaded |= s.days & !resolved;
            if s.is_whole() {
                resolved |= s.covers;
            }
        }
        loaded
    }

    /// The merge under way in a month, if one is: its target is the segment applying from
    /// article 0 to less than every article.
    pub fn unfinished(&self, table: EntityTable, month: YearMonth) -> Option<Unfinished> {
        let target = *self.newest_first(table, month).find(|s| s.from == 0 && !s.is_whole())?;
        let sources = self
            .segments
            .iter()
            .filter(|s| s.table == table && s.month == month && s.from > 0 && !s.is_whole())
            .copied()
            .collect();
        Some(Unfinished { target, sources })
    }

    /// The months with segments of `table`, ascending.
    pub fn months(&self, table: EntityTable) -> Vec<YearMonth> {
        let mut months: Vec<YearMonth> =
            self.segments.iter().filter(|s| s.table == table).map(|s| s.month).collect();
        months.sort();
        months.dedup();
        months
    }

    /// Every (table, month) with segments.
    pub fn parts(&self) -> Vec<(EntityTable, YearMonth)> {
        let mut parts: Vec<_> = self.segments.iter().map(|s| (s.table, s.month)).collect();
        parts.sort();
        parts.dedup();
        parts
    }

    /// Which of the month's segments to merge next, oldest first, or `None` when the month is
    /// in shape: a `small` month (its segments take less than [`SMALL_MONTH_BYTES`]) or one
    /// whose every day is replaced is merged whole; otherwise the newest two are merged while
    /// the newer spans at least as many days as the older (a binary counter: at most about
    /// log2(31) segments), and past eight segments all are merged.
    pub fn merge_candidates(
        &self,
        table: EntityTable,
        month: YearMonth,
        small: bool,
    ) -> Option<Vec<Segment>> {
        let segs: Vec<Segment> = self
            .segments
            .iter()
            .filter(|s| s.table == table && s.month == month)
            .copied()
            .collect();
        let n = segs.len();
        if n < 2 {
            return None;
        }
        let covered = segs.iter().fold(0, |m, s| m | s.covers);
        if small || covered == full_month_mask(month) || n > MAX_SEGMENTS_PER_MONTH {
            return Some(segs);
        }
        let weight = |s: &Segment| (s.days | s.covers).count_ones();
        (weight(&segs[n - 1]) >= weight(&segs[n - 2])).then(|| segs[n - 2..].to_vec())
    }
}

/// The segment of id `id`, which a trailing section of the manifest names.
fn listed(segments: &mut [Segment], id: u64) -> Result<&mut Segment, StoreError> {
    let found = segments.iter_mut().find(|s| u64::from(s.id) == id);
    found.ok_or_else(|| corrupt("a manifest section names a segment that is not listed"))
}

fn put_segment(out: &mut Vec<u8>, s: &Segment) {
    put_varint(out, s.id.into());
    put_varint(out, s.slot.into());
    put_varint(out, s.month.index() as u64);
    put_varint(out, s.days);
    put_varint(out, s.covers);
}

fn read_segment(r: &mut Reader<'_>, table: EntityTable) -> Result<Segment, StoreError> {
    let id = u32::try_from(r.varint()?).map_err(|_| corrupt("segment id over 32 bits"))?;
    let slot = u32::try_from(r.varint()?).map_err(|_| corrupt("slot over 32 bits"))?;
    let index = i32::try_from(r.varint()?).map_err(|_| corrupt("month index too large"))?;
    let month = YearMonth::from_index(index);
    let (days, covers) = (r.varint()?, r.varint()?);
    if (days | covers) & !full_month_mask(month) != 0 {
        return Err(corrupt("segment days past the end of its month"));
    }
    Ok(Segment { shift: 0, ..Segment::new(table, (id, slot), month, days, covers) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(id: u32, days: &[u8]) -> Segment {
        let month = YearMonth::new(2024, 3).unwrap();
        let mask = days.iter().fold(0, |m, d| m | 1 << (d - 1));
        Segment::new(PER_ARTICLE, (id, id), month, mask, mask)
    }

    #[test]
    fn manifest_round_trips_and_rejects_garbage() {
        let m = Manifest { segments: vec![seg(1, &[1, 2]), seg(7, &[31])] };
        assert_eq!(Manifest::decode(&m.encode()).unwrap(), m);
        assert!(Manifest::decode(&m.encode()[..3]).is_err());
        // Another table's segments follow the per-article ones and keep their order by id.
        let mut other = seg(4, &[3]);
        other.table = 1;
        let mixed = Manifest { segments: vec![seg(1, &[1, 2]), other, seg(7, &[31])] };
        let bytes = mixed.encode();
        assert_eq!(Manifest::decode(&bytes).unwrap(), mixed);
        assert!(bytes.starts_with(&m.encode()[..1]) && bytes[0] == 2, "version 3 layout first");
        assert_eq!(mixed.months(1), vec![other.month]);
        assert_eq!(mixed.newest_first(PER_ARTICLE, other.month).count(), 2);
        assert!(Manifest::decode(&bytes[..bytes.len() - 1]).is_err());
        // An entity table's segment keeps blocks of its own size, listed last.
        let wide = Segment { shift: 5, ..Segment::new(1, (9, 3), other.month, 1, 1) };
        let with_wide = Manifest { segments: vec![seg(1, &[1, 2]), wide] };
        let mut bytes = with_wide.encode();
        assert_eq!(Manifest::decode(&bytes).unwrap(), with_wide);
        *bytes.last_mut().unwrap() = 6;
        assert!(Manifest::decode(&bytes).is_err(), "blocks of 64 ids are none this build reads");
    }

    #[test]
    fn daily_loads_keep_a_binary_counter_of_segments() {
        let month = YearMonth::new(2024, 3).unwrap();
        let mut m = Manifest::default();
        let mut next = 1;
        for day in 1..=30u8 {
            m.segments.push(seg(next, &[day]));
            next += 1;
            while let Some(pick) = m.merge_candidates(PER_ARTICLE, month, false) {
                let days: Vec<u8> =
                    (1..=31).filter(|d| pick.iter().any(|s| s.days & 1 << (d - 1) != 0)).collect();
                m.segments.retain(|s| !pick.contains(s));
                m.segments.push(seg(next, &days));
                next += 1;
            }
            assert!(m.segments.len() <= 5, "day {day}: {} segments", m.segments.len());
        }
        // 30 = 16 + 8 + 4 + 2.
        assert_eq!(m.segments.len(), 4);
        m.segments.push(seg(next, &[31]));
        let pick = m.merge_candidates(PER_ARTICLE, month, false).unwrap();
        assert_eq!(pick.len(), 5, "a complete month merges whole");
    }

    #[test]
    fn a_merge_under_way_round_trips_and_is_found() {
        let month = YearMonth::new(2024, 3).unwrap();
        let (mut a, mut b, mut target) = (seg(1, &[1, 2]), seg(2, &[3]), seg(3, &[1, 2, 3]));
        (a.from, b.from, target.until) = (500, 500, 500);
        let m = Manifest { segments: vec![a, b, target] };
        let decoded = Manifest::decode(&m.encode()).unwrap();
        assert_eq!(decoded, m);
        let unfinished = decoded.unfinished(PER_ARTICLE, month).unwrap();
        assert_eq!((unfinished.target, unfinished.sources), (target, vec![a, b]));
        assert!(target.applies(499) && !target.applies(500) && a.applies(500) && !a.applies(0));
        // A manifest of older builds: no trailing sections, nothing blocked.
        let older = Manifest { segments: vec![Segment { shift: 0, ..seg(1, &[1]) }] };
        let mut v3 = vec![1];
        put_segment(&mut v3, &older.segments[0]);
        assert_eq!(older.encode(), v3, "the version 3 layout alone");
        assert_eq!(Manifest::decode(&older.encode()).unwrap(), older);
        let whole = Manifest { segments: vec![seg(1, &[1])] };
        assert!(
            Manifest::decode(&whole.encode()).unwrap().unfinished(PER_ARTICLE, month).is_none()
        );
        // A small month merges whole whatever the counter says.
        let two = Manifest { segments: vec![seg(1, &[1, 2]), seg(2, &[3])] };
        assert_eq!(two.merge_candidates(PER_ARTICLE, month, false), None);
        assert_eq!(two.merge_candidates(PER_ARTICLE, month, true).unwrap().len(), 2);
    }

    #[test]
    fn replaced_days_shadow_older_segments() {
        let month = YearMonth::new(2024, 3).unwrap();
        let mut older = seg(1, &[1, 2]);
        older.covers = older.days;
        let newer = Segment::new(PER_ARTICLE, (2, 0), month, 0, 1);
        let m = Manifest { segments: vec![older, newer] };
        assert_eq!(m.loaded_days(PER_ARTICLE, month), 0b10);
    }
}
