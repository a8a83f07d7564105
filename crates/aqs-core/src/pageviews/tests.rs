use super::*;
use crate::error::Detail;

fn per_article(
    granularity: &str,
    start: &str,
    end: &str,
) -> Result<PerArticleRequest, RequestError> {
    PerArticleRequest::parse(PerArticleParams {
        project: "EN.WIKIPEDIA.ORG",
        access: "all-access",
        agent: "user",
        article: "Foo bar/baz",
        granularity,
        start,
        end,
    })
}

#[test]
fn per_article_normalizes_project_and_title() {
    let r = per_article("daily", "20150701", "2015070300").unwrap();
    assert_eq!(r.project.as_str(), "en.wikipedia");
    assert_eq!(r.article, "Foo_bar/baz");
    assert_eq!((r.first.compact(), r.last.compact()), ("20150701".into(), "20150703".into()));
}

#[test]
fn per_article_validates_enums_before_project_before_dates() {
    let err = PerArticleRequest::parse(PerArticleParams {
        project: "bad|project",
        access: "all-access",
        agent: "bot",
        article: "X",
        granularity: "yearly",
        start: "x",
        end: "y",
    })
    .unwrap_err();
    assert!(matches!(err, RequestError::NotAllowed { param: "agent", .. }));
    let err = per_article("monthly", "x", "y");
    assert!(matches!(err, Err(RequestError::Invalid(Detail::List(_)))));
}

#[test]
fn per_article_monthly_keeps_full_months() {
    let r = per_article("monthly", "20151120", "20160103").unwrap();
    assert_eq!((r.first.compact(), r.last.compact()), ("20151201".into(), "20151231".into()));
}

#[test]
fn aggregate_hourly_needs_hours() {
    let parse = |granularity, start, end| {
        AggregateRequest::parse(AggregateParams {
            project: "all-projects",
            access: "desktop",
            agent: "spider",
            granularity,
            start,
            end,
        })
    };
    let r = parse("hourly", "2015070100", "2015070102").unwrap();
    assert_eq!(r.first.timestamp(), "2015070100");
    assert_eq!(r.last.timestamp(), "2015070102");
    assert!(parse("hourly", "20150701", "20150702").is_err());
    let m = parse("monthly", "2016020100", "2016040100").unwrap();
    assert_eq!(
        (m.first.timestamp(), m.last.timestamp()),
        ("2016020100".into(), "2016030100".into())
    );
    assert!(parse("daily", "20141301", "20150101").is_err());
}

#[test]
fn article_views_keep_rollups_summed() {
    let mut v = ArticleViews::default();
    v.add(Access::Desktop, Agent::User, 5);
    v.add(Access::MobileWeb, Agent::Spider, 2);
    v.add(Access::MobileApp, Agent::Automated, 1);
    assert_eq!(v.get(Access::AllAccess, Agent::AllAgents), 8);
    assert_eq!(v.get(Access::AllAccess, Agent::User), 5);
    assert_eq!(v.get(Access::MobileWeb, Agent::AllAgents), 2);
    assert!(v.is_derived());
    assert_eq!(ArticleViews::from_concrete(v.concrete()), v);
    let mut imported = v;
    imported.0[0] = 99;
    assert!(!imported.is_derived());
}

#[test]
fn replacing_one_agent_keeps_the_others() {
    let mut old = ArticleViews::default();
    old.add(Access::Desktop, Agent::User, 5);
    old.add(Access::Desktop, Agent::Spider, 7);
    let mut new = ArticleViews::default();
    new.add(Access::MobileWeb, Agent::Spider, 3);
    old.replace_agent(Agent::Spider, &new);
    assert_eq!(old.get(Access::Desktop, Agent::Spider), 0);
    assert_eq!(old.get(Access::MobileWeb, Agent::Spider), 3);
    assert_eq!(old.get(Access::AllAccess, Agent::AllAgents), 8);
}

#[test]
fn stored_timestamps_parse_by_granularity() {
    use ProjectGranularity::*;
    assert!(matches!(Period::parse(Hourly, "2015070123"), Some(Period::Hour(_))));
    assert!(matches!(Period::parse(Daily, "2015070100"), Some(Period::Day(_))));
    assert_eq!(Period::parse(Daily, "2015070101"), None);
    assert!(matches!(Period::parse(Monthly, "2015070100"), Some(Period::Month(_))));
    assert_eq!(Period::parse(Monthly, "2015070200"), None);
    assert_eq!(Period::parse(Hourly, "2015070124"), None);
}
