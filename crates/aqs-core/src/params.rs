//! Enumerated path parameters. Parsing a value outside the enum gives the AQS 1.0
//! `bad_request` error naming the parameter and its allowed values, in Swagger order.

use crate::error::RequestError;

macro_rules! path_enum {
    ($(#[$meta:meta])* $name:ident, $param:literal, [$($variant:ident = $text:literal),+ $(,)?]) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            /// The allowed values, in the order of the original Swagger enum.
            pub const ALLOWED: &'static [&'static str] = &[$($text),+];
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn parse(raw: &str) -> Result<Self, RequestError> {
                match raw {
                    $($text => Ok($name::$variant),)+
                    _ => Err(RequestError::NotAllowed { param: $param, allowed: Self::ALLOWED }),
                }
            }

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

path_enum!(
    /// The monthly edits of the editors counted by editors by country.
    GeoActivityLevel, "activity-level", [FiveTo99 = "5..99-edits", HundredOrMore = "100..-edits"]
);

path_enum!(
    /// How a page was reached.
    Access, "access", [AllAccess = "all-access", Desktop = "desktop", MobileApp = "mobile-app", MobileWeb = "mobile-web"]
);
path_enum!(
    /// Who requested a page.
    Agent, "agent", [AllAgents = "all-agents", User = "user", Spider = "spider", Automated = "automated"]
);
path_enum!(
    /// Who requested a media file (media requests).
    MediaAgent, "agent", [AllAgents = "all-agents", User = "user", Spider = "spider"]
);
path_enum!(
    /// Granularity of the per-article endpoint.
    ArticleGranularity, "granularity", [Daily = "daily", Monthly = "monthly"]
);
path_enum!(
    /// Which site of a project was visited (unique devices, legacy pagecounts).
    AccessSite, "access-site", [AllSites = "all-sites", DesktopSite = "desktop-site", MobileSite = "mobile-site"]
);
path_enum!(
    /// Granularity of the aggregate endpoint.
    ProjectGranularity, "granularity", [Hourly = "hourly", Daily = "daily", Monthly = "monthly"]
);

path_enum!(
    /// Who made the edits (MediaWiki history).
    EditorType, "editor-type", [AllEditorTypes = "all-editor-types", Anonymous = "anonymous", GroupBot = "group-bot", NameBot = "name-bot", User = "user"]
);
path_enum!(
    /// Which namespaces the edited pages are in (MediaWiki history).
    PageType, "page-type", [AllPageTypes = "all-page-types", Content = "content", NonContent = "non-content"]
);
path_enum!(
    /// How many edits the counted editors or pages had in the period (MediaWiki history digests).
    ActivityLevel, "activity-level", [AllActivityLevels = "all-activity-levels", OneTo4 = "1..4-edits", FiveTo24 = "5..24-edits", TwentyFiveTo99 = "25..99-edits", HundredOrMore = "100..-edits"]
);

impl Access {
    /// The three concrete access methods (no `all-access`).
    pub const CONCRETE: [Access; 3] = [Access::Desktop, Access::MobileWeb, Access::MobileApp];

    /// Parses the access method as dump files write it (`mobile-web`, or `mobile web`).
    pub fn from_dump(raw: &str) -> Option<Access> {
        match raw {
            "desktop" => Some(Access::Desktop),
            "mobile-web" | "mobile web" => Some(Access::MobileWeb),
            "mobile-app" | "mobile app" => Some(Access::MobileApp),
            _ => None,
        }
    }
}

impl Agent {
    /// The three concrete agent types (no `all-agents`).
    pub const CONCRETE: [Agent; 3] = [Agent::User, Agent::Spider, Agent::Automated];

    pub fn from_dump(raw: &str) -> Option<Agent> {
        match raw {
            "user" => Some(Agent::User),
            "spider" => Some(Agent::Spider),
            "automated" => Some(Agent::Automated),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_allowed_values_and_names_the_enum_otherwise() {
        assert_eq!(Access::parse("mobile-web").unwrap(), Access::MobileWeb);
        assert_eq!(Agent::parse("automated").unwrap(), Agent::Automated);
        assert_eq!(
            Agent::parse("bot").unwrap_err(),
            RequestError::NotAllowed {
                param: "agent",
                allowed: &["all-agents", "user", "spider", "automated"]
            }
        );
        assert!(Access::parse("Desktop").is_err(), "enum values are case-sensitive");
        assert!(ArticleGranularity::parse("hourly").is_err());
        assert_eq!(ProjectGranularity::parse("hourly").unwrap(), ProjectGranularity::Hourly);
    }

    #[test]
    fn dump_spellings() {
        assert_eq!(Access::from_dump("mobile web"), Some(Access::MobileWeb));
        assert_eq!(Access::from_dump("all-access"), None);
        assert_eq!(Agent::from_dump("bot"), None);
    }
}
