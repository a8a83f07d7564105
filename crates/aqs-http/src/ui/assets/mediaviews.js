// /ui/mediaviews: requests of up to 10 media files, as Pageviews Analysis's Mediaviews shows
// them, one request per file to the original per-file route. The query string: files=A|B
// (upload paths such as /wikipedia/commons/0/00/Example.jpg), referer, agent, start, end or
// range, granularity, log.
"use strict";
(function (A) {
  var form = document.getElementById("form");
  var view = A.seriesView({ file: "mediaviews", attribute: "data-file", unknown: "no data" });

  function show(p, loaded) {
    form.referer.value = p.get("referer") || "all-referers";
    form.agent.value = p.get("agent") || "all-agents";
    var asked = A.seriesRequest(form, p, loaded, { field: "files", max: 10, noun: "files",
      hint: "Name one or more files by their upload path (/wikipedia/commons/0/00/Example.jpg), then press Show." });
    if (!asked) return;
    var files = asked.list, range = asked.range, days = asked.days, monthly = asked.monthly;
    var unit = monthly ? "monthly" : "daily";
    var urls = files.map(function (file) {
      return "/metrics/mediarequests/per-file/" + encodeURIComponent(form.referer.value.trim()) + "/" +
        form.agent.value + "/" + encodeURIComponent(file) + "/" + unit + "/" +
        A.compact(days.start) + "/" + A.compact(days.end);
    });
    A.status("Loading…", "busy");
    A.fetchSeries({ urls: urls, names: files, field: "requests", start: days.start, end: days.end, monthly: monthly,
      empty: "No data: the server holds no requests of " + files.join(", ") + " from " +
        A.isoDay(days.start) + " to " + A.isoDay(days.end) + "." }).then(function (got) {
      var query = { files: files.join("|"), referer: form.referer.value.trim(), agent: form.agent.value,
        granularity: monthly ? "monthly" : null, log: form.log.checked ? "1" : null,
        range: range.range, start: range.range ? null : A.isoDay(range.start), end: range.range ? null : A.isoDay(range.end) };
      view.draw({
        labels: got.keys.map(function (k) { return A.stampLabel(k, monthly); }),
        series: got.series, monthly: monthly, log: form.log.checked,
        title: "Requests of " + files.join(", "),
        meta: { referer: query.referer, agent: query.agent, granularity: unit, periods: got.keys },
        query: query,
        explicit: Object.assign({}, query, { range: null, start: A.isoDay(range.start), end: A.isoDay(range.end) }),
      });
    }).catch(function (error) {
      view.clear();
      A.status(error.message || String(error), "error");
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var names = ["files", "referer", "agent", "start", "end", "granularity", "log"];
    window.history.replaceState(null, "", A.formQuery(form, names));
    start();
  });

  var start = A.start(show);
})(window.AQS);
