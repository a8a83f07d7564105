//! Top lists as the refinery computes them (data-formats §5.3): SQL `RANK()` by views, ties
//! share a rank, and when there are more than 1000 rows every row ranked at or below the
//! 1001st row's rank is dropped, so a list can end short of 1000 at a tie. Equal views are
//! ordered by title so lists are deterministic.

use aqs_core::pageviews::TopEntry;

pub const TOP_SIZE: usize = 1000;

pub fn rank(mut items: Vec<(String, u64)>) -> Vec<TopEntry> {
    items.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut entries: Vec<TopEntry> = Vec::with_capacity(items.len().min(TOP_SIZE));
    let mut rank = 0u32;
    let mut previous = None;
    for (i, (article, views)) in items.into_iter().enumerate() {
        if previous != Some(views) {
            rank = i as u32 + 1;
            previous = Some(views);
        }
        if i == TOP_SIZE {
            entries.retain(|e| e.rank < rank);
            break;
        }
        entries.push(TopEntry { article, views, rank });
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(views: &[u64]) -> Vec<(String, u64)> {
        views.iter().enumerate().map(|(i, v)| (format!("T{i:05}"), *v)).collect()
    }

    #[test]
    fn ties_share_a_rank_and_the_next_rank_skips() {
        let ranked = rank(items(&[5, 9, 5, 1]));
        let ranks: Vec<(String, u64, u32)> =
            ranked.into_iter().map(|e| (e.article, e.views, e.rank)).collect();
        assert_eq!(
            ranks,
            vec![
                ("T00001".into(), 9, 1),
                ("T00000".into(), 5, 2),
                ("T00002".into(), 5, 2),
                ("T00003".into(), 1, 4),
            ]
        );
    }

    #[test]
    fn at_most_1000_and_a_tie_at_the_boundary_drops_the_whole_tie() {
        let distinct: Vec<u64> = (0..1500).map(|i| 10_000 - i).collect();
        assert_eq!(rank(items(&distinct)).len(), 1000);
        // Rows 998..=1001 tie: all four are dropped, the list ends at 997.
        let mut tied: Vec<u64> = (0..997).map(|i| 10_000 - i).collect();
        tied.extend([5, 5, 5, 5, 1, 1]);
        let ranked = rank(items(&tied));
        assert_eq!(ranked.len(), 997);
        assert_eq!(ranked.last().unwrap().rank, 997);
        // Exactly 1000 rows: all kept.
        assert_eq!(rank(items(&vec![7; 1000])).len(), 1000);
    }
}
