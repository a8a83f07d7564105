// /ui/edits: a project's edits, editors by activity level, new pages and new registered
// users over time, as Wikistats 2 shows them, from the active MediaWiki history snapshot: one
// request per chart line to the original routes (7 in all, whatever the range). Query string:
// project, editor-type, page-type, granularity (monthly by default), start and end (YYYY-MM or
// YYYY-MM-DD, the end included; by default the 24 months up to the snapshot's).
"use strict";
(function (A) {
  var form = document.getElementById("form");
  var LEVELS = ["1..4-edits", "5..24-edits", "25..99-edits", "100..-edits"];
  var charts = null;

  function monthStart(text) {
    var m = /^(\d{4})-(\d{2})$/.exec((text || "").trim());
    return m ? new Date(Date.UTC(+m[1], +m[2] - 1, 1)) : null;
  }

  // The first day and the day after the last (the routes' end is exclusive).
  function rangeOf(p, snapshot, monthly) {
    var start = monthStart(p.get("start")) || A.parseDay(p.get("start"));
    var endMonth = monthStart(p.get("end"));
    var end = endMonth ? new Date(Date.UTC(endMonth.getUTCFullYear(), endMonth.getUTCMonth() + 1, 1)) :
      (A.parseDay(p.get("end")) ? A.addDays(A.parseDay(p.get("end")), 1) : null);
    if ((p.get("start") && !start) || (p.get("end") && !end)) return null;
    if (!end && snapshot) end = new Date(Date.UTC(snapshot.getUTCFullYear(), snapshot.getUTCMonth() + 1, 1));
    if (!start && end) start = new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() - (monthly ? 24 : 1), 1));
    if (monthly && start) start = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), 1));
    return start && end ? { start: start, end: end } : null;
  }

  function show(p, snapshot) {
    form.project.value = p.get("project") || "";
    form["editor-type"].value = p.get("editor-type") || "all-editor-types";
    form["page-type"].value = p.get("page-type") || "all-page-types";
    form.granularity.value = p.get("granularity") === "daily" ? "daily" : "monthly";
    var monthly = form.granularity.value === "monthly";
    var range = rangeOf(p, snapshot, monthly);
    if (range) {
      form.start.value = monthly ? A.isoDay(range.start).slice(0, 7) : A.isoDay(range.start);
      var last = A.addDays(range.end, -1);
      form.end.value = monthly ? A.isoDay(last).slice(0, 7) : A.isoDay(last);
    }
    var project = form.project.value.trim();
    if (!project) {
      A.status("Name a project, such as en.wikipedia.org, then press Show.", "hint");
      return;
    }
    if (!snapshot) {
      A.status("No data: no MediaWiki history snapshot is active on this server (aqs snapshot activate).", "error");
      return;
    }
    if (!range) {
      A.status("Bad input: give start and end as YYYY-MM or YYYY-MM-DD.", "error");
      return;
    }
    var unit = form.granularity.value, types = form["editor-type"].value + "/" + form["page-type"].value;
    var tail = "/" + unit + "/" + A.compact(range.start) + "/" + A.compact(range.end);
    var p0 = encodeURIComponent(project);
    var wanted = [
      { chart: "edits", name: "edits", field: "edits", url: "/metrics/edits/aggregate/" + p0 + "/" + types + tail },
    ].concat(LEVELS.map(function (level) {
      return { chart: "editors", name: level, field: "editors",
        url: "/metrics/editors/aggregate/" + p0 + "/" + types + "/" + level + tail };
    })).concat([
      { chart: "new-pages", name: "new pages", field: "new_pages", url: "/metrics/edited-pages/new/" + p0 + "/" + types + tail },
      { chart: "new-users", name: "new registered users", field: "new_registered_users",
        url: "/metrics/registered-users/new/" + p0 + tail },
    ]);
    A.status("Loading…", "busy");
    Promise.all(wanted.map(function (w) { return A.getJson(w.url); })).then(function (answers) {
      var stamps = answers[0].items[0].results.map(function (r) { return r.timestamp; });
      if (stamps.length === 0) {
        throw { message: "No data: the active snapshot has no events of " + project + " in this range." };
      }
      var labels = stamps.map(function (t) { return monthly ? t.slice(0, 7) : t.slice(0, 10); });
      // Without a start asked for, the form shows where the snapshot's data begins.
      if (!p.get("start")) form.start.value = labels[0];
      charts = {};
      wanted.forEach(function (w, k) {
        var byStamp = {};
        answers[k].items[0].results.forEach(function (r) { byStamp[r.timestamp] = r[w.field]; });
        var values = stamps.map(function (t) { return t in byStamp ? byStamp[t] : null; });
        (charts[w.chart] = charts[w.chart] || []).push({ name: w.name, key: w.name, known: true, values: values });
      });
      Object.keys(charts).forEach(function (id) {
        var figure = document.getElementById("chart-" + id);
        figure.textContent = "";
        var chart = A.lineChart({ labels: labels, series: charts[id], log: false,
          width: (document.querySelector("main").clientWidth || 800) - 2, title: id });
        figure.appendChild(chart);
        figure.appendChild(A.legend(charts[id].map(function (s) { return s.name; })));
        var png = A.el("button", { type: "button" }, ["PNG"]);
        png.addEventListener("click", function () { A.downloadPng(chart, "edits-" + id + ".png"); });
        figure.appendChild(A.el("p", { class: "figure-downloads" }, [png]));
        var total = charts[id].map(function (s) {
          return s.name + ": " + A.number(s.values.reduce(function (a, b) { return a + (b || 0); }, 0));
        });
        figure.setAttribute("data-totals", total.join("; "));
      });
      charts.labels = labels;
      document.getElementById("downloads").hidden = false;
      A.status("Snapshot " + (snapshot ? A.isoDay(snapshot).slice(0, 7) : "") + ". Editors are counted per " +
        (monthly ? "month" : "day") + " and activity level; the other lines are sums.", "");
      var query = { project: project, "editor-type": form["editor-type"].value, "page-type": form["page-type"].value,
        granularity: monthly ? null : "daily", start: form.start.value, end: form.end.value };
      A.setParams(query);
      document.getElementById("permalink").href = window.location.pathname + window.location.search;
      document.documentElement.setAttribute("data-chart-ms", Math.round(performance.now()));
    }).catch(function (error) {
      ["edits", "editors", "new-pages", "new-users"].forEach(function (id) {
        document.getElementById("chart-" + id).textContent = "";
      });
      document.getElementById("downloads").hidden = true;
      A.status(error.message || String(error), "error");
    });
  }

  function everySeries() {
    var all = [];
    ["edits", "editors", "new-pages", "new-users"].forEach(function (id) { all = all.concat(charts[id]); });
    return all;
  }
  document.getElementById("csv").addEventListener("click", function () {
    if (charts) A.download("edits.csv", "text/csv", A.toCsv(charts.labels, everySeries()));
  });
  document.getElementById("json").addEventListener("click", function () {
    if (!charts) return;
    var drawn = { project: form.project.value.trim(), labels: charts.labels,
      series: everySeries().map(function (s) { return { name: s.name, values: s.values }; }) };
    A.download("edits.json", "application/json", JSON.stringify(drawn, null, 1));
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var names = ["project", "editor-type", "page-type", "granularity", "start", "end"];
    window.history.replaceState(null, "", A.formQuery(form, names));
    start();
  });

  // The active snapshot's month, from /healthz's answer.
  var start = A.start(show, function (h) {
    var history = h.datasets && h.datasets["mediawiki-history"];
    return history && history.active_snapshot ? monthStart(history.active_snapshot) : null;
  });
})(window.AQS);
