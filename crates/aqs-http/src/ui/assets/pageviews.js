// /ui/pageviews: the views of up to 10 articles of one project, as Pageviews Analysis shows
// them, from one request to /ext/v1/pageviews/per-article (zero-filled: a loaded day without
// views is 0, a day not loaded is a gap). The query string uses Pageviews Analysis's names:
// project, platform, agent, start, end (YYYY-MM-DD), range (latest-N, this-month, last-month,
// this-year, last-year, all-time) and pages=A|B; granularity and log are ours.
"use strict";
(function (A) {
  var MAX_PAGES = 10;
  var form = document.getElementById("form");

  function fill(p, range) {
    form.project.value = p.get("project") || "";
    form.pages.value = p.get("pages") || "";
    form.platform.value = p.get("platform") || "all-access";
    form.agent.value = p.get("agent") || "user";
    form.granularity.value = p.get("granularity") === "monthly" ? "monthly" : "daily";
    form.log.checked = p.get("log") === "1";
    if (range) {
      form.start.value = A.isoDay(range.start);
      form.end.value = A.isoDay(range.end);
    }
  }

  function pagesOf(text) {
    var seen = {}, out = [];
    text.split("|").forEach(function (t) {
      t = t.trim().replace(/ /g, "_");
      if (t && !seen[t]) { seen[t] = true; out.push(t); }
    });
    return out;
  }

  function show(p, loaded) {
    var range = A.resolveRange(p, loaded, "latest-30");
    fill(p, range);
    var pages = pagesOf(form.pages.value);
    var project = form.project.value.trim();
    if (!project || pages.length === 0) {
      A.status("Name a project and one or more articles (Title 1|Title 2), then press Show.", "hint");
      return;
    }
    if (pages.length > MAX_PAGES) {
      A.status("At most " + MAX_PAGES + " articles at once (" + pages.length + " named).", "error");
      return;
    }
    var monthly = form.granularity.value === "monthly";
    var days = A.drawnDays(range, loaded, monthly);
    if (!days) return;
    var start = days.start, end = days.end;
    var url = "/ext/v1/pageviews/per-article/" + encodeURIComponent(project) + "/" +
      form.platform.value + "/" + form.agent.value + "/" + form.granularity.value + "/" +
      A.compact(start) + "/" + A.compact(end) + "?articles=" +
      pages.map(encodeURIComponent).join("|");
    A.status("Loading…", "busy");
    A.getJson(url).then(function (answer) {
      draw(answer, monthly, { project: project, pages: pages.join("|"), platform: form.platform.value,
        agent: form.agent.value, granularity: monthly ? "monthly" : null, log: form.log.checked ? "1" : null,
        range: range.range, start: range.range ? null : A.isoDay(range.start),
        end: range.range ? null : A.isoDay(range.end) }, range);
    }, function (error) {
      view.clear();
      A.status(error.message || String(error), "error");
    });
  }

  var view = A.seriesView({ file: "pageviews", attribute: "data-article", unknown: "unknown article" });

  function draw(answer, monthly, query, range) {
    view.draw({
      labels: answer.timestamps.map(function (t) { return A.stampLabel(t, monthly); }),
      series: answer.items.map(function (item) {
        return { name: item.article.replace(/_/g, " "), key: item.article, known: item.known, values: item.views };
      }),
      monthly: monthly,
      log: form.log.checked,
      title: "Pageviews of " + answer.items.map(function (i) { return i.article.replace(/_/g, " "); }).join(", "),
      meta: { project: answer.project, access: answer.access, agent: answer.agent,
        granularity: answer.granularity, timestamps: answer.timestamps },
      query: query,
      explicit: Object.assign({}, query, { range: null, start: A.isoDay(range.start), end: A.isoDay(range.end) }),
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var names = ["project", "pages", "platform", "agent", "start", "end", "granularity", "log"];
    window.history.replaceState(null, "", A.formQuery(form, names));
    start();
  });
  form.log.addEventListener("change", function () {
    if (!view.state) return;
    var p = A.params();
    if (form.log.checked) p.set("log", "1"); else p.delete("log");
    window.history.replaceState(null, "", window.location.pathname + "?" + p.toString().replace(/%7C/g, "|"));
    start();
  });

  var start = A.start(show);
})(window.AQS);
