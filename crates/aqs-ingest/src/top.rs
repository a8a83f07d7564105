//! Top lists as the refinery computes them (data-formats §5.3): SQL `RANK()` by views, ties
//! share a rank, and when there are more than 1000 rows every row ranked at or below the
//! 1001st row's rank is dropped, so a list can end short of 1000 at a tie. Equal views are
//! ordered by title so lists are deterministic.

use aqs_core::pageviews::TopEntry;

pub const TOP_SIZE: usize = 1000;

pub fn rank(mut items: Vec<(&str, u64)>) -> Vec<TopEntry> {
    let order = |a: &(&str, u64), b: &(&str, u64)| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0));
    // RANK() is 1 + the number of rows with more views, and every such row is among the first
    // 1001: selecting those first (in linear time) and sorting only them gives the same ranks
    // and the same cut as sorting everything.
    if items.len() > TOP_SIZE + 1 {
        items.select_nth_unstable_by(TOP_SIZE, order);
        items.truncate(TOP_SIZE + 1);
    }
    items.sort_unstable_by(order);
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
        entries.push(TopEntry { article: article.to_string(), views, rank });
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    fn titles(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("T{i:05}")).collect()
    }

    fn items<'a>(titles: &'a [String], views: &[u64]) -> Vec<(&'a str, u64)> {
        views.iter().enumerate().map(|(i, v)| (titles[i].as_str(), *v)).collect()
    }

    #[test]
    fn ties_share_a_rank_and_the_next_rank_skips() {
        let t = titles(4);
        let ranked = rank(items(&t, &[5, 9, 5, 1]));
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
    fn selecting_first_ranks_like_sorting_everything() {
        // Many ties around the boundary, in a shuffled order.
        let t = titles(5000);
        let views: Vec<u64> = (0..5000u64).map(|i| (i * 7919) % 1300 / 3).collect();
        let mut all: Vec<(&str, u64)> = items(&t, &views);
        all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        let cut = all[1000].1;
        let expected: Vec<(String, u64, u32)> = all
            .iter()
            .enumerate()
            .filter(|(_, (_, v))| *v > cut)
            .map(|(i, (a, v))| {
                (a.to_string(), *v, 1 + all[..i].iter().filter(|(_, w)| w > v).count() as u32)
            })
            .collect();
        let got: Vec<(String, u64, u32)> =
            rank(items(&t, &views)).into_iter().map(|e| (e.article, e.views, e.rank)).collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn at_most_1000_and_a_tie_at_the_boundary_drops_the_whole_tie() {
        let t = titles(2000);
        let distinct: Vec<u64> = (0..1500).map(|i| 10_000 - i).collect();
        assert_eq!(rank(items(&t, &distinct)).len(), 1000);
        // Rows 998..=1001 tie: all four are dropped, the list ends at 997.
        let mut tied: Vec<u64> = (0..997).map(|i| 10_000 - i).collect();
        tied.extend([5, 5, 5, 5, 1, 1]);
        let ranked = rank(items(&t, &tied));
        assert_eq!(ranked.len(), 997);
        assert_eq!(ranked.last().unwrap().rank, 997);
        // Exactly 1000 rows: all kept.
        assert_eq!(rank(items(&t, &vec![7; 1000])).len(), 1000);
    }
}
