//! What the refinery takes from `mediawiki_project_namespace_map` (data-formats §4.9) for the
//! reduced history (§5.8): a wiki database's project (its host name without `www.` and
//! `.org`) and the canonical names of its namespaces.
//!
//! Without the map (it is not a public dump), the project comes from the database name by the
//! rule every Wikimedia wiki follows (`<language><family>`), with the exceptions shipped in
//! `data/wiki_projects.tsv`; the namespace names are MediaWiki's own canonical names, shipped
//! in `data/namespaces.tsv`, and a namespace without one gets no prefix, as the refinery's
//! join gives a namespace the map does not hold.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

const WIKI_PROJECTS: &str = include_str!("../../data/wiki_projects.tsv");
const NAMESPACES: &str = include_str!("../../data/namespaces.tsv");

/// The families whose wikis are named `<language><family>` (the database name of a Wikipedia
/// ends in `wiki`, of a chapter's wiki in `wikimedia`), longest suffix first.
const FAMILIES: [(&str, &str); 9] = [
    ("wikimedia", "wikimedia"),
    ("wiktionary", "wiktionary"),
    ("wikibooks", "wikibooks"),
    ("wikinews", "wikinews"),
    ("wikiquote", "wikiquote"),
    ("wikisource", "wikisource"),
    ("wikiversity", "wikiversity"),
    ("wikivoyage", "wikivoyage"),
    ("wiki", "wikipedia"),
];

/// Reads a two-column TSV (comment lines start with `#`).
fn pairs(text: &'static str) -> impl Iterator<Item = (&'static str, &'static str)> {
    text.lines().filter(|l| !l.is_empty() && !l.starts_with('#')).filter_map(|l| l.split_once('\t'))
}

/// The project of a wiki database (`enwiki` → `en.wikipedia`, `commonswiki` →
/// `commons.wikimedia`, `zh_min_nanwiktionary` → `zh-min-nan.wiktionary`); `None` for a name
/// that no rule or exception covers, whose events the refinery's inner join drops.
pub fn project_of(wiki_db: &str) -> Option<String> {
    static EXCEPTIONS: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    let exceptions = EXCEPTIONS.get_or_init(|| pairs(WIKI_PROJECTS).collect());
    if let Some(project) = exceptions.get(wiki_db) {
        return Some((*project).to_string());
    }
    let (language, family) = FAMILIES
        .iter()
        .find_map(|(suffix, family)| Some((wiki_db.strip_suffix(suffix)?, *family)))?;
    let valid = !language.is_empty()
        && language.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !language.starts_with('_')
        && !language.ends_with('_');
    valid.then(|| format!("{}.{family}", language.replace('_', "-")))
}

/// The canonical name of a namespace (`User talk`), `None` for the main namespace and for
/// namespaces without a shipped name.
pub fn namespace_name(namespace: i64) -> Option<&'static str> {
    static NAMES: OnceLock<HashMap<i64, &'static str>> = OnceLock::new();
    let names = NAMES.get_or_init(|| {
        pairs(NAMESPACES).filter_map(|(number, name)| Some((number.parse().ok()?, name))).collect()
    });
    names.get(&namespace).copied()
}

/// A title as the reduced history keeps it: the canonical namespace name and a colon before
/// the title, the name with its spaces (`User talk:Some_Page`), none in the main namespace.
pub fn prefixed_title(namespace: Option<i64>, title: Cow<'_, str>) -> Cow<'_, str> {
    match namespace.and_then(namespace_name) {
        Some(name) => {
            let mut prefixed = String::with_capacity(name.len() + 1 + title.len());
            prefixed.push_str(name);
            prefixed.push(':');
            prefixed.push_str(&title);
            Cow::Owned(prefixed)
        }
        None => title,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projects_follow_the_database_names() {
        let project = |db| project_of(db);
        assert_eq!(project("enwiki").as_deref(), Some("en.wikipedia"));
        assert_eq!(project("dewiktionary").as_deref(), Some("de.wiktionary"));
        assert_eq!(project("zh_min_nanwiki").as_deref(), Some("zh-min-nan.wikipedia"));
        assert_eq!(project("frwikisource").as_deref(), Some("fr.wikisource"));
        assert_eq!(project("enwikivoyage").as_deref(), Some("en.wikivoyage"));
        assert_eq!(project("commonswiki").as_deref(), Some("commons.wikimedia"));
        assert_eq!(project("wikidatawiki").as_deref(), Some("wikidata"));
        assert_eq!(project("metawiki").as_deref(), Some("meta.wikimedia"));
        assert_eq!(project("mediawikiwiki").as_deref(), Some("mediawiki"));
        assert_eq!(project("be_x_oldwiki").as_deref(), Some("be-tarask.wikipedia"));
        assert_eq!(project("sourceswiki").as_deref(), Some("wikisource"));
        assert_eq!(project("ukwikimedia").as_deref(), Some("uk.wikimedia"), "a chapter");
        assert_eq!(project("wiki"), None);
        assert_eq!(project("Enwiki"), None);
        assert_eq!(project("enwikix"), None);
    }

    #[test]
    fn titles_carry_the_canonical_namespace_name_with_its_spaces() {
        assert_eq!(prefixed_title(Some(0), "Berlin".into()), "Berlin");
        assert_eq!(prefixed_title(Some(3), "Jimbo_Wales".into()), "User talk:Jimbo_Wales");
        assert_eq!(prefixed_title(Some(828), "Arguments".into()), "Module:Arguments");
        assert_eq!(prefixed_title(Some(123_456), "X".into()), "X", "an unknown namespace");
        assert_eq!(prefixed_title(None, "X".into()), "X");
    }
}
