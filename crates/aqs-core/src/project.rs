//! Project names, normalised as AQS 1.0 `normalizeProject` does.

use crate::error::RequestError;
use std::fmt;

/// A normalised project name: `en.wikipedia`, `commons.wikimedia`, `all-projects`.
///
/// Well-formed but unknown projects are valid values: they simply find no data.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Project(String);

const INVALID_CHARACTERS: &str = "The parameter `project` contains invalid charaters.";
const ALL_REJECTED: &str = "`all-...` project values are not accepted for this metric.";

impl Project {
    /// Normalises a project path parameter: trim, lower-case, drop one leading `www.` and one
    /// trailing `.org`, then require `^[a-z0-9_.-]+$` (the original's message, typo included).
    pub fn normalize(raw: &str) -> Result<Project, RequestError> {
        let lower = raw.trim().to_lowercase();
        let without_www = lower.strip_prefix("www.").unwrap_or(&lower);
        let name = without_www.strip_suffix(".org").unwrap_or(without_www);
        let valid = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.-".contains(&b));
        if !valid {
            return Err(RequestError::invalid_text(INVALID_CHARACTERS));
        }
        Ok(Project(name.to_string()))
    }

    /// As [`Project::normalize`], and rejects `all-...` values (editors and edited-pages digests).
    pub fn normalize_no_all(raw: &str) -> Result<Project, RequestError> {
        let project = Project::normalize(raw)?;
        if project.0.starts_with("all-") {
            return Err(RequestError::invalid_text(ALL_REJECTED));
        }
        Ok(project)
    }

    /// AQS 1.0 `normalizeReferer` (media requests): trim and lower-case; the referer classes
    /// `internal`, `external`, `search-engine`, `unknown` and `none` are kept, anything else
    /// is a project ([`Project::normalize`]; `all-referers` passes).
    pub fn normalize_referer(raw: &str) -> Result<Project, RequestError> {
        let lower = raw.trim().to_lowercase();
        match lower.as_str() {
            "internal" | "external" | "search-engine" | "unknown" | "none" => Ok(Project(lower)),
            _ => Project::normalize(raw),
        }
    }

    /// A project name as it appears in dump files and stores, taken as is.
    pub fn from_stored(name: impl Into<String>) -> Project {
        Project(name.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn all_projects() -> Project {
        Project("all-projects".to_string())
    }
}

impl fmt::Display for Project {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(raw: &str) -> String {
        Project::normalize(raw).unwrap().as_str().to_string()
    }

    #[test]
    fn normalizes_like_aqs() {
        assert_eq!(ok("EN.WIKIPEDIA.ORG"), "en.wikipedia");
        assert_eq!(ok("www.en.wikipedia.org"), "en.wikipedia");
        assert_eq!(ok("www.mediawiki.org"), "mediawiki");
        assert_eq!(ok("commons.wikimedia.org"), "commons.wikimedia");
        assert_eq!(ok("  de.wikipedia "), "de.wikipedia");
        assert_eq!(ok("invalid-project"), "invalid-project");
        assert_eq!(ok("www.www.x.org.org"), "www.x.org");
    }

    #[test]
    fn rejects_invalid_characters_with_the_original_typo() {
        let err = Project::normalize("bizarre|project$name").unwrap_err();
        assert_eq!(
            err,
            RequestError::invalid_text("The parameter `project` contains invalid charaters.")
        );
        assert!(Project::normalize("en wikipedia").is_err());
        assert!(Project::normalize("www.").is_err());
        assert!(Project::normalize("é.wikipedia").is_err());
    }

    #[test]
    fn all_projects_rejected_only_when_asked() {
        assert_eq!(ok("all-projects"), "all-projects");
        assert_eq!(
            Project::normalize_no_all("all-projects").unwrap_err(),
            RequestError::invalid_text(
                "`all-...` project values are not accepted for this metric."
            )
        );
    }
}
