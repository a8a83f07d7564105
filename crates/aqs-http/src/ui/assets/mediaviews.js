// /ui/mediaviews: requests of up to 10 media files, as Pageviews Analysis's Mediaviews shows
// them, from one request to /ext/v1/mediarequests/per-file (zero-filled: 0 on a loaded day
// without requests, a gap where the day is not loaded). The query string: files=A|B
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
    var url = "/ext/v1/mediarequests/per-file/" + encodeURIComponent(form.referer.value.trim()) + "/" +
      form.agent.value + "/" + unit + "/" + A.compact(days.start) + "/" + A.compact(days.end) +
      "?files=" + files.map(encodeURIComponent).join("|");
    var empty = "No data: the server holds no requests of " + files.join(", ") + " from " +
      A.isoDay(days.start) + " to " + A.isoDay(days.end) + ".";
    A.status("Loading…", "busy");
    A.getJson(url).catch(function (error) {
      throw error.status === 404 ? { message: empty } : error;
    }).then(function (answer) {
      var same = answer.items.length === files.length;
      var got = {
        keys: answer.timestamps.map(function (t) { return t.slice(0, 8); }),
        series: answer.items.map(function (item, k) {
          var name = same ? files[k] : item.file_path;
          return { name: name, key: name, known: item.known, values: item.requests };
        }),
      };
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
