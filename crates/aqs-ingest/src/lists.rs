//! The pageview allowlist and the disallowed-articles list, in the refinery's TSV formats
//! (data-formats §6).

use anyhow::{Result, bail};
use std::collections::HashSet;
use std::path::Path;

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
            .map_err(|e| anyhow::anyhow!("cannot read allowlist {}: {e}", path.display()))?;
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

/// Articles never loaded into per-article or top tables: `project \t article`, matched on the
/// exact project and the lower-cased title.
#[derive(Debug, Clone, Default)]
pub struct Disallowed {
    entries: HashSet<(String, String)>,
}

impl Disallowed {
    pub fn parse(text: &str, source: &str) -> Result<Disallowed> {
        let mut entries = HashSet::new();
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
            entries.insert((project.to_string(), article.to_lowercase()));
        }
        Ok(Disallowed { entries })
    }

    pub fn from_file(path: &Path) -> Result<Disallowed> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read disallowed list {}: {e}", path.display()))?;
        Disallowed::parse(&text, &path.display().to_string())
    }

    pub fn contains(&self, project: &str, title: &str) -> bool {
        !self.entries.is_empty()
            && self.entries.contains(&(project.to_string(), title.to_lowercase()))
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
