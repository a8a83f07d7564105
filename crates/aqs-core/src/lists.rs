//! The pageview allowlist and the disallowed-articles list, in the refinery's TSV formats
//! (data-formats §6). The loaders filter with them; the server applies them at read time too,
//! so that an operator's change shows at once (`aqs disallow`, `aqs allowlist reload`).

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

/// A list file that cannot be read or parsed: the message names the file and line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ListError(pub String);

type Result<T> = std::result::Result<T, ListError>;

macro_rules! bail {
    ($($arg:tt)*) => { return Err(ListError(format!($($arg)*))) };
}

/// The allowlist shipped with aqs: the refinery's `allowlist.tsv` project list.
pub const DEFAULT_ALLOWLIST: &str = include_str!("../data/allowlist.tsv");

/// Projects whose pageviews are loaded; lines of other projects are skipped and reported.
#[derive(Debug, Clone)]
pub struct Allowlist {
    projects: HashSet<String>,
}

impl Allowlist {
    /// Parses `field_name \t value \t insertion_dt` lines; only `project` rows matter here.
    /// `source` names the file in errors.
    pub fn parse(text: &str, source: &str) -> Result<Allowlist> {
        let mut projects = HashSet::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.is_empty() {
                continue;
            }
            let fields: Vec<&str> = line.split('\t').collect();
            if fields.len() < 2 || fields.len() > 3 {
                bail!(
                    "{source}:{}: expected `field_name<TAB>value<TAB>insertion_dt`, found {} fields",
                    n + 1,
                    fields.len()
                );
            }
            match fields[0] {
                "project" => {
                    projects.insert(fields[1].to_string());
                }
                "access_method" | "agent_type" => {}
                other => bail!(
                    "{source}:{}: unknown field_name `{other}` (expected project, access_method or agent_type)",
                    n + 1
                ),
            }
        }
        Ok(Allowlist { projects })
    }

    pub fn shipped() -> Allowlist {
        Allowlist::parse(DEFAULT_ALLOWLIST, "the shipped allowlist")
            .expect("the shipped allowlist parses")
    }

    pub fn from_file(path: &Path) -> Result<Allowlist> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ListError(format!("cannot read allowlist {}: {e}", path.display())))?;
        Allowlist::parse(&text, &path.display().to_string())
    }

    pub fn allows(&self, project: &str) -> bool {
        self.projects.contains(project)
    }

    pub fn len(&self) -> usize {
        self.projects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.projects.is_empty()
    }
}

/// Articles never loaded into per-article or top tables, and hidden by the server:
/// `project \t article`, matched on the exact project and the lower-cased title.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Disallowed {
    /// (project, lower-cased title) → the title as the list spells it.
    entries: BTreeMap<(String, String), String>,
}

impl Disallowed {
    pub fn parse(text: &str, source: &str) -> Result<Disallowed> {
        let mut list = Disallowed::default();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.is_empty() {
                continue;
            }
            let Some((project, article)) = line.split_once('\t') else {
                bail!("{source}:{}: expected `project<TAB>article`", n + 1);
            };
            if article.contains('\t') {
                bail!("{source}:{}: expected two fields, found more", n + 1);
            }
            if project.is_empty() || article.is_empty() {
                bail!("{source}:{}: empty project or article", n + 1);
            }
            list.insert(project, article);
        }
        Ok(list)
    }

    pub fn from_file(path: &Path) -> Result<Disallowed> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            ListError(format!("cannot read disallowed list {}: {e}", path.display()))
        })?;
        Disallowed::parse(&text, &path.display().to_string())
    }

    pub fn contains(&self, project: &str, title: &str) -> bool {
        !self.entries.is_empty()
            && self.entries.contains_key(&(project.to_string(), title.to_lowercase()))
    }

    /// The lower-cased titles listed for one project.
    pub fn lowercase_titles_of<'a>(&'a self, project: &'a str) -> impl Iterator<Item = &'a str> {
        let start = (project.to_string(), String::new());
        self.entries
            .range(start..)
            .take_while(move |((p, _), _)| p == project)
            .map(|((_, lower), _)| lower.as_str())
    }

    /// Adds an entry; false when the list already held it (in any letter case).
    pub fn insert(&mut self, project: &str, title: &str) -> bool {
        let key = (project.to_string(), title.to_lowercase());
        if self.entries.contains_key(&key) {
            return false;
        }
        self.entries.insert(key, title.to_string());
        true
    }

    /// Removes an entry (matched as [`Disallowed::contains`] does); false when it was absent.
    pub fn remove(&mut self, project: &str, title: &str) -> bool {
        self.entries.remove(&(project.to_string(), title.to_lowercase())).is_some()
    }

    /// The entries as (project, title), sorted.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|((project, _), title)| (project.as_str(), title.as_str()))
    }

    /// The list in its TSV file format.
    pub fn to_tsv(&self) -> String {
        self.entries().map(|(project, title)| format!("{project}\t{title}\n")).collect()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_allowlist_has_the_big_wikis() {
        let list = Allowlist::shipped();
        assert!(list.len() > 1000);
        for p in ["en.wikipedia", "commons.wikimedia", "wikidata", "mediawiki", "de.wiktionary"] {
            assert!(list.allows(p), "{p}");
        }
        assert!(!list.allows("en.wikipedia.org"));
    }

    #[test]
    fn allowlist_errors_name_the_line() {
        let err =
            Allowlist::parse("project\ten.wikipedia\t2015-10-12 00:00:00\nbogus\tx\ty\n", "a.tsv")
                .unwrap_err();
        assert_eq!(
            err.to_string(),
            "a.tsv:2: unknown field_name `bogus` (expected project, access_method or agent_type)"
        );
        assert!(
            Allowlist::parse("project\n", "a.tsv").unwrap_err().to_string().starts_with("a.tsv:1:")
        );
    }

    #[test]
    fn disallowed_entries_are_added_removed_and_written_back() {
        let mut d = Disallowed::parse("en.wikipedia\tBad_Title\n", "d.tsv").unwrap();
        assert!(!d.insert("en.wikipedia", "BAD_title"), "already there, in another case");
        assert!(d.insert("de.wikipedia", "Schlecht"));
        assert_eq!(d.to_tsv(), "de.wikipedia\tSchlecht\nen.wikipedia\tBad_Title\n");
        assert_eq!(Disallowed::parse(&d.to_tsv(), "again").unwrap(), d);
        assert_eq!(d.lowercase_titles_of("en.wikipedia").collect::<Vec<_>>(), vec!["bad_title"]);
        assert_eq!(d.lowercase_titles_of("en.wikipedia.org").count(), 0);
        assert!(d.remove("en.wikipedia", "bad_title"));
        assert!(!d.remove("en.wikipedia", "bad_title"));
        assert_eq!(d.entries().collect::<Vec<_>>(), vec![("de.wikipedia", "Schlecht")]);
    }

    #[test]
    fn disallowed_titles_match_case_insensitively_per_project() {
        let d = Disallowed::parse("en.wikipedia\tBad_Title\n", "d.tsv").unwrap();
        assert!(d.contains("en.wikipedia", "bad_title"));
        assert!(d.contains("en.wikipedia", "BAD_TITLE"));
        assert!(!d.contains("de.wikipedia", "Bad_Title"));
        assert!(
            Disallowed::parse("no tab here\n", "d.tsv")
                .unwrap_err()
                .to_string()
                .starts_with("d.tsv:1:")
        );
    }
}
