//! The operator's lists, applied at read time so that a change shows at once: the
//! disallowed articles (hidden from per-article series and top lists, api-contract §2.1, §2.3)
//! and, when the server is given one, the project allowlist (a project not on it finds no
//! data, without a store read).
//!
//! [`Lists`] holds both behind a lock, with an epoch that every change bumps; [`Filtered`]
//! wraps a store's read trait, applies them, and folds the epoch into the store's generation,
//! so the response cache drops every entry made before the change.

use aqs_core::StoreError;
use aqs_core::dates::{Day, TopPeriod};
use aqs_core::lists::{Allowlist, Disallowed, ListError};
use aqs_core::pageviews::{ArticleViews, ManyArticleRows, PageviewsRead, Period, TopArticles};
use aqs_core::params::{Access, Agent};
use aqs_core::project::Project;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

type StoreResult<T> = Result<T, StoreError>;

/// The live lists of a server.
#[derive(Debug, Default)]
pub struct Lists {
    disallowed: RwLock<Disallowed>,
    /// Where the disallowed list is kept; changes are written back to it.
    disallowed_file: Option<PathBuf>,
    allowlist: RwLock<Option<Allowlist>>,
    allowlist_file: Option<PathBuf>,
    epoch: AtomicU64,
}

/// Why a list change failed.
#[derive(Debug, thiserror::Error)]
pub enum ListChangeError {
    #[error(transparent)]
    List(#[from] ListError),
    #[error("cannot write {path}: {error}")]
    Write { path: String, error: std::io::Error },
    #[error("the server was started without an allowlist file (--allowlist)")]
    NoAllowlistFile,
}

impl Lists {
    /// Lists read from their files: the disallowed list from `disallowed_file` if it exists
    /// (it is created by the first change), the allowlist from `allowlist_file` if given.
    pub fn open(
        disallowed_file: Option<PathBuf>,
        allowlist_file: Option<PathBuf>,
    ) -> Result<Lists, ListError> {
        let disallowed = match &disallowed_file {
            Some(path) if path.exists() => Disallowed::from_file(path)?,
            _ => Disallowed::default(),
        };
        let allowlist = allowlist_file.as_deref().map(Allowlist::from_file).transpose()?;
        Ok(Lists {
            disallowed: RwLock::new(disallowed),
            disallowed_file,
            allowlist: RwLock::new(allowlist),
            allowlist_file,
            epoch: AtomicU64::new(0),
        })
    }

    /// Lists held in memory only, for tests and embedding.
    pub fn in_memory(disallowed: Disallowed, allowlist: Option<Allowlist>) -> Lists {
        Lists {
            disallowed: RwLock::new(disallowed),
            allowlist: RwLock::new(allowlist),
            ..Lists::default()
        }
    }

    /// Bumped by every change.
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    pub fn disallowed_file(&self) -> Option<&Path> {
        self.disallowed_file.as_deref()
    }

    /// A copy of the disallowed list.
    pub fn disallowed(&self) -> Disallowed {
        self.disallowed.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Entries of the disallowed list.
    pub fn disallowed_len(&self) -> usize {
        self.disallowed.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Whether the article is hidden.
    pub fn hides(&self, project: &str, title: &str) -> bool {
        let list = self.disallowed.read().unwrap_or_else(|e| e.into_inner());
        list.contains(project, title)
    }

    /// The lower-cased titles hidden on one project (usually none).
    pub fn hidden_titles(&self, project: &str) -> Vec<String> {
        let list = self.disallowed.read().unwrap_or_else(|e| e.into_inner());
        list.lowercase_titles_of(project).map(str::to_string).collect()
    }

    /// Whether a project is served: every project when there is no allowlist; `all-projects`
    /// always.
    pub fn serves_project(&self, project: &Project) -> bool {
        let allowlist = self.allowlist.read().unwrap_or_else(|e| e.into_inner());
        match &*allowlist {
            None => true,
            Some(list) => project.as_str().starts_with("all-") || list.allows(project.as_str()),
        }
    }

    /// Adds (`hide`) or removes an entry of the disallowed list, writes the list back to its
    /// file, and bumps the epoch. Returns whether the list changed; when the file cannot be
    /// written, the list is left as it was.
    pub fn change_disallowed(
        &self,
        project: &str,
        title: &str,
        hide: bool,
    ) -> Result<bool, ListChangeError> {
        let mut list = self.disallowed.write().unwrap_or_else(|e| e.into_inner());
        let mut changed = list.clone();
        let did =
            if hide { changed.insert(project, title) } else { changed.remove(project, title) };
        if !did {
            return Ok(false);
        }
        if let Some(path) = &self.disallowed_file {
            write_atomically(path, changed.to_tsv().as_bytes()).map_err(|error| {
                ListChangeError::Write { path: path.display().to_string(), error }
            })?;
        }
        *list = changed;
        self.epoch.fetch_add(1, Ordering::AcqRel);
        Ok(true)
    }

    /// Reads the allowlist file again; returns how many projects it lists. On an error the
    /// list in use is kept.
    pub fn reload_allowlist(&self) -> Result<usize, ListChangeError> {
        let path = self.allowlist_file.as_deref().ok_or(ListChangeError::NoAllowlistFile)?;
        let list = Allowlist::from_file(path)?;
        let projects = list.len();
        *self.allowlist.write().unwrap_or_else(|e| e.into_inner()) = Some(list);
        self.epoch.fetch_add(1, Ordering::AcqRel);
        Ok(projects)
    }

    /// Projects on the allowlist, if the server has one.
    pub fn allowlist_len(&self) -> Option<usize> {
        self.allowlist.read().unwrap_or_else(|e| e.into_inner()).as_ref().map(Allowlist::len)
    }
}

/// Writes a file whole or not at all: a temporary file beside it, synced, then renamed.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}

/// A store's read trait with the lists applied.
pub struct Filtered {
    pub inner: Arc<dyn PageviewsRead>,
    pub lists: Arc<Lists>,
}

impl PageviewsRead for Filtered {
    fn generation(&self) -> StoreResult<u64> {
        // Any change of either number changes the result.
        let store = self.inner.generation()?;
        Ok(store.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ self.lists.epoch())
    }

    fn article_days_loaded(&self) -> StoreResult<Vec<Day>> {
        self.inner.article_days_loaded()
    }

    fn article_series(
        &self,
        project: &Project,
        article: &str,
        first: Day,
        last: Day,
    ) -> StoreResult<Vec<(Day, ArticleViews)>> {
        if !self.lists.serves_project(project) || self.lists.hides(project.as_str(), article) {
            return Ok(Vec::new());
        }
        self.inner.article_series(project, article, first, last)
    }

    fn articles_series(
        &self,
        project: &Project,
        articles: &[String],
        first: Day,
        last: Day,
    ) -> StoreResult<ManyArticleRows> {
        if !self.lists.serves_project(project) {
            return Ok(vec![None; articles.len()]);
        }
        // A hidden article reads as one the store never held.
        let shown: Vec<String> =
            articles.iter().filter(|a| !self.lists.hides(project.as_str(), a)).cloned().collect();
        let mut rows = self.inner.articles_series(project, &shown, first, last)?.into_iter();
        Ok(articles
            .iter()
            .map(|a| match self.lists.hides(project.as_str(), a) {
                true => None,
                false => rows.next().flatten(),
            })
            .collect())
    }

    fn project_series(
        &self,
        project: &Project,
        access: Access,
        agent: Agent,
        first: Period,
        last: Period,
    ) -> StoreResult<Vec<(Period, u64)>> {
        if !self.lists.serves_project(project) {
            return Ok(Vec::new());
        }
        self.inner.project_series(project, access, agent, first, last)
    }

    fn top(
        &self,
        project: &Project,
        access: Access,
        period: TopPeriod,
    ) -> StoreResult<Option<TopArticles>> {
        if !self.lists.serves_project(project) {
            return Ok(None);
        }
        Ok(self.inner.top(project, access, period)?.map(|top| match top {
            TopArticles::List(mut entries) => {
                // One look at the list per request; most projects have no hidden title.
                let hidden_titles = self.lists.hidden_titles(project.as_str());
                if hidden_titles.is_empty() {
                    return TopArticles::List(entries);
                }
                let is_hidden = |title: &str| hidden_titles.contains(&title.to_lowercase());
                let hidden: Vec<u64> =
                    entries.iter().filter(|e| is_hidden(&e.article)).map(|e| e.views).collect();
                if !hidden.is_empty() {
                    entries.retain(|e| !is_hidden(&e.article));
                    // Ranks as if the hidden articles had never been loaded: a rank is one
                    // more than the number of articles with more views.
                    for entry in &mut entries {
                        let above = hidden.iter().filter(|&&v| v > entry.views).count();
                        entry.rank = entry.rank.saturating_sub(above as u32).max(1);
                    }
                }
                TopArticles::List(entries)
            }
            other => other,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_leaves_the_list_as_it_was() {
        let dir = std::env::temp_dir().join(format!("aqs-lists-{}", std::process::id()));
        let lists = Lists::open(Some(dir.join("missing-dir").join("d.tsv")), None).unwrap();
        let err = lists.change_disallowed("en.wikipedia", "X", true).unwrap_err();
        assert!(err.to_string().starts_with("cannot write "), "{err}");
        assert!(!lists.hides("en.wikipedia", "X"));
        assert_eq!(lists.epoch(), 0);
    }

    #[test]
    fn changes_are_written_back_and_read_again() {
        let dir = std::env::temp_dir().join(format!("aqs-lists-rw-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("disallowed.tsv");
        let _ = std::fs::remove_file(&path);
        let lists = Lists::open(Some(path.clone()), None).unwrap();
        assert!(lists.change_disallowed("en.wikipedia", "Bad", true).unwrap());
        assert!(!lists.change_disallowed("en.wikipedia", "bad", true).unwrap());
        assert_eq!(lists.epoch(), 1);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "en.wikipedia\tBad\n");
        let again = Lists::open(Some(path.clone()), None).unwrap();
        assert!(again.hides("en.wikipedia", "BAD"));
        assert!(matches!(lists.reload_allowlist(), Err(ListChangeError::NoAllowlistFile)));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
