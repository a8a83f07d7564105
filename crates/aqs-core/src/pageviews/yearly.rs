//! A year's top articles, computed from the stored days (`/ext/v1/pageviews/top/...`,
//! docs/extensions.md).
//!
//! The stored monthly top lists bound which articles can be in the year's list: an article
//! missing from a month's list had at most that list's smallest views in that month (at most
//! one fewer when the list is short, which happens only when the month had fewer articles, or
//! a tie at the cut was dropped). Summing those bounds over the months gives a threshold no
//! article outside every list can pass. The articles of the lists are the candidates; their
//! views over the months are summed from the stored days; those above the threshold are, in
//! order, exactly the head of the true yearly list (the threshold algorithm of Fagin et al.).
//! The answer says when that head is shorter than the list asked for.

use super::{TopEntry, TopParams, TopRequest};
use crate::dates::YearMonth;
use crate::error::RequestError;
use crate::params::Access;
use crate::project::Project;
use std::collections::{BTreeSet, HashMap};

/// How many articles a year's list holds at most: as many as a month's.
pub const SIZE: usize = 1000;

/// `GET /ext/v1/pageviews/top/{project}/{access}/{year}`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearTopRequest {
    pub project: Project,
    pub access: Access,
    pub year: i32,
}

impl YearTopRequest {
    pub fn parse(project: &str, access: &str, year: &str) -> Result<Self, RequestError> {
        // The top route's parameters and messages, with the year's January as the date.
        let top =
            TopRequest::parse(TopParams { project, access, year, month: "01", day: "all-days" })?;
        Project::normalize_no_all(project)?;
        let year = year.parse().map_err(|_| RequestError::invalid_text("year: YYYY"))?;
        Ok(YearTopRequest { project: top.project, access: top.access, year })
    }

    /// The months of the year.
    pub fn months(&self) -> Vec<YearMonth> {
        (1..=12).filter_map(|m| YearMonth::new(self.year, m)).collect()
    }
}

/// One month's stored top list: (article, views), most viewed first.
#[derive(Debug, Clone)]
pub struct MonthList {
    pub month: YearMonth,
    pub entries: Vec<(String, u64)>,
}

impl MonthList {
    /// The most views an article missing from the list can have had in the month; `size`
    /// is how many entries a full list holds.
    pub fn bound(&self, size: usize) -> u64 {
        let least = self.entries.iter().map(|(_, v)| *v).min().unwrap_or(0);
        if self.entries.len() >= size { least } else { least.saturating_sub(1) }
    }
}

/// The candidates: every article of any month's list, each once, in a fixed order.
pub fn candidates(lists: &[MonthList]) -> Vec<String> {
    let set: BTreeSet<&str> =
        lists.iter().flat_map(|l| l.entries.iter().map(|(a, _)| a.as_str())).collect();
    set.into_iter().map(str::to_string).collect()
}

/// A year's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearTop {
    /// Ranked as the original ranks (equal views, equal rank), at most `size`.
    pub articles: Vec<TopEntry>,
    /// No article outside `articles` can have more views than this over the months.
    pub threshold: u64,
    /// Whether `articles` is the whole list of `size` (or of every article with views above
    /// the threshold, when fewer have views at all); false when only its head is certain.
    pub complete: bool,
}

/// The year's list from the months' lists and the candidates' views summed over those months
/// (`sums`; a candidate missing there had none). Views must be above the threshold to be
/// certain; of those, the `size` most viewed, ties at the cut dropped as the monthly lists do.
pub fn year_top(lists: &[MonthList], sums: &HashMap<String, u64>, size: usize) -> YearTop {
    let threshold: u64 = lists.iter().map(|l| l.bound(size)).sum();
    let mut sure: Vec<(&str, u64)> =
        sums.iter().filter(|(_, v)| **v > threshold).map(|(a, v)| (a.as_str(), *v)).collect();
    sure.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let mut articles: Vec<TopEntry> = Vec::with_capacity(sure.len().min(size));
    let mut cut = None;
    for (i, (article, views)) in sure.iter().enumerate() {
        let rank = match articles.last() {
            Some(last) if last.views == *views => last.rank,
            _ => i as u32 + 1,
        };
        if i == size {
            cut = Some(rank);
            break;
        }
        articles.push(TopEntry { article: (*article).to_string(), views: *views, rank });
    }
    if let Some(rank) = cut {
        articles.retain(|e| e.rank < rank);
    }
    // Certain and whole: the list reached its size, or the threshold is 0 (every article with
    // views is a candidate).
    let complete = cut.is_some() || sure.len() == size || threshold == 0;
    YearTop { articles, threshold, complete }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A month's list as the monthly roll-up makes it: the `size` most viewed, ties at the
    /// cut dropped.
    fn month_list(month: u8, views: &HashMap<String, u64>, size: usize) -> MonthList {
        let mut all: Vec<(String, u64)> =
            views.iter().filter(|(_, v)| **v > 0).map(|(a, v)| (a.clone(), *v)).collect();
        all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        if all.len() > size {
            let cut = all[size].1;
            all.truncate(size);
            all.retain(|(_, v)| *v > cut);
        }
        MonthList { month: YearMonth::new(2024, month).unwrap(), entries: all }
    }

    /// Random views per month per article, from a fixed seed.
    fn year(articles: usize, seed: u64) -> Vec<HashMap<String, u64>> {
        let mut x = seed;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        (0..12)
            .map(|_| {
                (0..articles)
                    .map(|a| {
                        // A few popular articles, a long tail, and many zeros and ties.
                        let base = if a < 5 { 1000 } else { 50 / (1 + a as u64 % 17) };
                        (format!("A{a}"), (next() % (base + 1)) * (next() % 3))
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn the_certain_head_is_the_true_list_by_brute_force() {
        let mut whole = 0;
        for seed in 1..40u64 {
            for size in [3, 10, 50] {
                let months = year(60, seed);
                let lists: Vec<MonthList> = months
                    .iter()
                    .enumerate()
                    .map(|(i, m)| month_list(i as u8 + 1, m, size))
                    .collect();
                let mut truth: HashMap<String, u64> = HashMap::new();
                for m in &months {
                    for (a, v) in m {
                        *truth.entry(a.clone()).or_default() += v;
                    }
                }
                let sums: HashMap<String, u64> = candidates(&lists)
                    .into_iter()
                    .map(|a| {
                        let v = truth[&a];
                        (a, v)
                    })
                    .collect();
                let got = year_top(&lists, &sums, size);
                // The true list, by brute force over every article.
                let expected = month_list(1, &truth, size).entries;
                let got_pairs: Vec<(String, u64)> =
                    got.articles.iter().map(|e| (e.article.clone(), e.views)).collect();
                assert!(got_pairs.len() <= expected.len());
                assert_eq!(got_pairs, expected[..got_pairs.len()], "seed {seed} size {size}");
                if got.complete {
                    whole += 1;
                    assert_eq!(got_pairs, expected, "seed {seed} size {size}");
                }
                // Ranks: one more than the number of articles with more views.
                for e in &got.articles {
                    let more = got.articles.iter().filter(|o| o.views > e.views).count();
                    assert_eq!(e.rank as usize, more + 1);
                }
                for (a, v) in &truth {
                    if !got.articles.iter().any(|e| &e.article == a) && !sums.contains_key(a) {
                        assert!(
                            *v <= got.threshold,
                            "{a} {v} above the threshold {}",
                            got.threshold
                        );
                    }
                }
            }
        }
        assert!(whole > 20, "most lists are whole ({whole})");
    }

    #[test]
    fn requests_name_a_project_an_access_and_a_year() {
        let r = YearTopRequest::parse("en.wikipedia.org", "all-access", "2024").unwrap();
        assert_eq!((r.project.as_str(), r.year, r.months().len()), ("en.wikipedia", 2024, 12));
        assert!(YearTopRequest::parse("all-projects", "all-access", "2024").is_err());
        assert!(YearTopRequest::parse("en.wikipedia", "all-agents", "2024").is_err());
        assert!(YearTopRequest::parse("en.wikipedia", "all-access", "24").is_err());
    }
}
