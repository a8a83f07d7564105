// /ui/siteviews: projects compared, as Pageviews Analysis's Siteviews shows them: pageviews
// (source=pageviews, the default) or unique devices (source=unique-devices) of up to 10
// projects, one request per project to the original aggregate route. The query string:
// sites=A|B, source, platform, agent (pageviews), start, end or range, granularity, log.
"use strict";
(function (A) {
  var MAX_SITES = 10;
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

  // The periods of the range: "YYYYMMDD" of each day, or of each month's first day.
  function periods(start, end, monthly) {
    var out = [], d = start;
    while (d <= end) {
      out.push(A.compact(d));
      d = monthly ? new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)) : A.addDays(d, 1);
    }
    return out;
  }

  function show(p, loaded) {
    var source = p.get("source") === "unique-devices" ? "unique-devices" : "pageviews";
    form.source.value = source;
    platforms(source, p.get("platform"));
    form.sites.value = p.get("sites") || "";
    form.agent.value = p.get("agent") || "user";
    form.granularity.value = p.get("granularity") === "monthly" ? "monthly" : "daily";
    form.log.checked = p.get("log") === "1";
    var range = A.resolveRange(p, loaded, "latest-30");
    if (range) {
      form.start.value = A.isoDay(range.start);
      form.end.value = A.isoDay(range.end);
    }
    var sites = form.sites.value.split("|").map(function (s) { return s.trim(); }).filter(Boolean);
    if (sites.length === 0) {
      A.status("Name one or more projects (en.wikipedia.org|de.wikipedia.org), then press Show.", "hint");
      return;
    }
    if (sites.length > MAX_SITES) {
      A.status("At most " + MAX_SITES + " projects at once (" + sites.length + " named).", "error");
      return;
    }
    var monthly = form.granularity.value === "monthly";
    var days = A.drawnDays(range, loaded, monthly);
    if (!days) return;
    var start = days.start, end = days.end;
    var unit = monthly ? "monthly" : "daily";
    var urls = sites.map(function (site) {
      var s = encodeURIComponent(site);
      return source === "pageviews" ?
        "/metrics/pageviews/aggregate/" + s + "/" + form.platform.value + "/" + form.agent.value + "/" + unit +
          "/" + A.compact(start) + "00/" + A.compact(end) + "00" :
        "/metrics/unique-devices/" + s + "/" + form.platform.value + "/" + unit + "/" + A.compact(start) + "/" + A.compact(end);
    });
    A.status("Loading…", "busy");
    // A project without data is a series with no data; any other error stops the page.
    Promise.all(urls.map(function (url) {
      return A.getJson(url).catch(function (error) {
        if (error.status === 404) return null;
        throw error;
      });
    })).then(function (answers) {
      if (answers.every(function (a) { return a === null; })) {
        throw { message: "No data: the server holds no " + (source === "pageviews" ? "pageviews" : "unique devices") +
          " of " + sites.join(", ") + " from " + A.isoDay(start) + " to " + A.isoDay(end) + "." };
      }
      var keys = periods(start, end, monthly);
      var series = sites.map(function (site, k) {
        var byPeriod = {};
        (answers[k] ? answers[k].items : []).forEach(function (item) {
          byPeriod[item.timestamp.slice(0, 8)] = source === "pageviews" ? item.views : item.devices;
        });
        return { name: site, key: site, known: answers[k] !== null,
          values: keys.map(function (key) { return key in byPeriod ? byPeriod[key] : null; }) };
      });
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
