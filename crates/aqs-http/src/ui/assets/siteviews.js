// /ui/siteviews: projects compared, as Pageviews Analysis's Siteviews shows them: pageviews
// (source=pageviews, the default) or unique devices (source=unique-devices) of up to 10
// projects, one request per project to the zero-filled variant of the aggregate route (0 on a
// loaded day without views, a gap where the day is not loaded). The query string:
// sites=A|B, source, platform, agent (pageviews), start, end or range, granularity, log.
"use strict";
(function (A) {
  var form = document.getElementById("form");
  var view = A.seriesView({ file: "siteviews", attribute: "data-project", unknown: "no data" });
  var PLATFORMS = {
    "pageviews": ["all-access", "desktop", "mobile-app", "mobile-web"],
    "unique-devices": ["all-sites", "desktop-site", "mobile-site"],
  };

  function platforms(source, chosen) {
    var select = form.platform;
    select.textContent = "";
    PLATFORMS[source].forEach(function (p) { select.appendChild(A.el("option", {}, [p])); });
    select.value = PLATFORMS[source].indexOf(chosen) >= 0 ? chosen : PLATFORMS[source][0];
    form.agent.disabled = source !== "pageviews";
  }

  function show(p, loaded) {
    var source = p.get("source") === "unique-devices" ? "unique-devices" : "pageviews";
    form.source.value = source;
    platforms(source, p.get("platform"));
    form.agent.value = p.get("agent") || "user";
    var asked = A.seriesRequest(form, p, loaded, { field: "sites", max: 10, noun: "projects",
      hint: "Name one or more projects (en.wikipedia.org|de.wikipedia.org), then press Show." });
    if (!asked) return;
    var sites = asked.list, range = asked.range, days = asked.days, monthly = asked.monthly;
    var start = days.start, end = days.end;
    var unit = monthly ? "monthly" : "daily";
    var urls = sites.map(function (site) {
      var s = encodeURIComponent(site);
      return source === "pageviews" ?
        "/ext/v1/zero-filled/pageviews/aggregate/" + s + "/" + form.platform.value + "/" + form.agent.value + "/" + unit +
          "/" + A.compact(start) + "00/" + A.compact(end) + "00" :
        "/ext/v1/zero-filled/unique-devices/" + s + "/" + form.platform.value + "/" + unit + "/" + A.compact(start) + "/" + A.compact(end);
    });
    A.status("Loading…", "busy");
    var what = source === "pageviews" ? "pageviews" : "unique devices";
    A.fetchSeries({ urls: urls, names: sites, field: source === "pageviews" ? "views" : "devices",
      start: start, end: end, monthly: monthly,
      empty: "No data: the server holds no " + what + " of " + sites.join(", ") + " from " +
        A.isoDay(start) + " to " + A.isoDay(end) + "." }).then(function (got) {
      var keys = got.keys, series = got.series;
      var query = { sites: sites.join("|"), source: source === "pageviews" ? null : source,
        platform: form.platform.value, agent: source === "pageviews" ? form.agent.value : null,
        granularity: monthly ? "monthly" : null, log: form.log.checked ? "1" : null,
        range: range.range, start: range.range ? null : A.isoDay(range.start), end: range.range ? null : A.isoDay(range.end) };
      view.draw({
        labels: keys.map(function (k) { return A.stampLabel(k, monthly); }),
        series: series, monthly: monthly, log: form.log.checked,
        title: (source === "pageviews" ? "Pageviews" : "Unique devices") + " of " + sites.join(", "),
        meta: { source: source, platform: form.platform.value, granularity: unit, periods: keys },
        query: query,
        explicit: Object.assign({}, query, { range: null, start: A.isoDay(range.start), end: A.isoDay(range.end) }),
      });
    }).catch(function (error) {
      view.clear();
      A.status(error.message || String(error), "error");
    });
  }

  form.source.addEventListener("change", function () { platforms(form.source.value, form.platform.value); });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var names = ["sites", "source", "platform", "agent", "start", "end", "granularity", "log"];
    window.history.replaceState(null, "", A.formQuery(form, names));
    start();
  });

  var start = A.start(show);
})(window.AQS);
