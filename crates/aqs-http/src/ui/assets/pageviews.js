// /ui/pageviews: the views of up to 10 articles of one project, as Pageviews Analysis shows
// them, from one request to /ext/v1/pageviews/per-article (zero-filled: a loaded day without
// views is 0, a day not loaded is a gap). The query string uses Pageviews Analysis's names:
// project, platform, agent, start, end (YYYY-MM-DD), range (latest-N, this-month, last-month,
// this-year, last-year, all-time) and pages=A|B; granularity and log are ours.
"use strict";
(function (A) {
  var MAX_PAGES = 10;
  var form = document.getElementById("form");
  var state = null;

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
    if (!range) {
      A.status(loaded ? "Bad input: give start and end as YYYY-MM-DD, or a range such as latest-30." :
        "No data: the server holds no pageviews per article yet.", "error");
      return;
    }
    var monthly = form.granularity.value === "monthly";
    var start = range.start, end = range.end;
    if (monthly) {
      start = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), 1));
      end = new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() + 1, 0));
    }
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
      clear();
      A.status(error.message || String(error), "error");
    });
  }

  function clear() {
    document.getElementById("chart").textContent = "";
    document.querySelector("#summary tbody").textContent = "";
    document.getElementById("downloads").hidden = true;
  }

  function draw(answer, monthly, query, range) {
    clear();
    var labels = answer.timestamps.map(function (t) { return A.stampLabel(t, monthly); });
    var series = answer.items.map(function (item) {
      return { name: item.article.replace(/_/g, " "), article: item.article, known: item.known, values: item.views };
    });
    var figure = document.getElementById("chart");
    // Unknown articles have nothing to draw: they are named in the table only.
    var drawn = series.filter(function (s) { return s.known; });
    var chart = A.lineChart({ labels: labels, series: drawn, log: form.log.checked,
      width: (document.querySelector("main").clientWidth || 800) - 2,
      title: "Pageviews of " + drawn.map(function (s) { return s.name; }).join(", ") });
    figure.appendChild(chart);
    figure.appendChild(A.legend(drawn.map(function (s) { return s.name; })));
    var body = document.querySelector("#summary tbody");
    var unknown = [];
    var color = 0;
    series.forEach(function (s) {
      if (!s.known) unknown.push(s.name);
      var k = s.known ? color++ : -1;
      var values = s.values.filter(function (v) { return v !== null; });
      var total = values.reduce(function (a, b) { return a + b; }, 0);
      var first = values.length ? values[0] : null, last = values.length ? values[values.length - 1] : null;
      var change = first ? (last - first) / first : null;
      var row = A.el("tr", { "data-article": s.article, "data-total": total }, [
        A.el("td", {}, [A.el("span", { class: k < 0 ? "swatch" : "swatch c" + (k % A.COLORS.length) }), s.name]),
        A.el("td", { class: "n" }, [s.known ? A.number(total) : "unknown article"]),
        A.el("td", { class: "n" }, [s.known && values.length ? A.number(total / values.length) : "–"]),
        A.el("td", { class: "n" }, [s.known ? A.percent(change) : "–"]),
      ]);
      body.appendChild(row);
    });
    document.getElementById("average-label").textContent = monthly ? "Monthly average" : "Daily average";
    var gaps = answer.items.some(function (i) { return i.known && i.views.indexOf(null) >= 0; });
    var notes = [];
    if (unknown.length) notes.push("Unknown here: " + unknown.join(", ") + ".");
    if (gaps) notes.push("Gaps are periods the server has not loaded.");
    A.status(notes.join(" "), unknown.length ? "warning" : "");
    var url = A.setParams(query);
    var explicit = Object.assign({}, query, { range: null, start: A.isoDay(range.start), end: A.isoDay(range.end) });
    var permalink = document.getElementById("permalink");
    var p = new URLSearchParams();
    Object.keys(explicit).forEach(function (k) { if (explicit[k]) p.set(k, explicit[k]); });
    permalink.href = window.location.pathname + "?" + p.toString().replace(/%7C/g, "|");
    var downloads = document.getElementById("downloads");
    downloads.hidden = false;
    state = { answer: answer, labels: labels, series: drawn, chart: chart, url: url };
    document.documentElement.setAttribute("data-chart-ms", Math.round(performance.now()));
  }

  document.getElementById("csv").addEventListener("click", function () {
    if (state) A.download("pageviews.csv", "text/csv", A.toCsv(state.labels, state.series));
  });
  document.getElementById("json").addEventListener("click", function () {
    if (!state) return;
    var drawn = { project: state.answer.project, access: state.answer.access, agent: state.answer.agent,
      granularity: state.answer.granularity, timestamps: state.answer.timestamps,
      series: state.series.map(function (s) { return { article: s.article, views: s.values }; }) };
    A.download("pageviews.json", "application/json", JSON.stringify(drawn, null, 1));
  });
  document.getElementById("png").addEventListener("click", function () {
    if (state) A.downloadPng(state.chart, "pageviews.png");
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var p = new URLSearchParams();
    ["project", "pages", "platform", "agent", "start", "end"].forEach(function (k) { p.set(k, form[k].value); });
    if (form.granularity.value === "monthly") p.set("granularity", "monthly");
    if (form.log.checked) p.set("log", "1");
    window.history.replaceState(null, "", window.location.pathname + "?" + p.toString().replace(/%7C/g, "|"));
    start();
  });
  form.log.addEventListener("change", function () {
    if (!state) return;
    var p = A.params();
    if (form.log.checked) p.set("log", "1"); else p.delete("log");
    window.history.replaceState(null, "", window.location.pathname + "?" + p.toString().replace(/%7C/g, "|"));
    start();
  });

  var loaded = null;
  function start() {
    var p = A.params();
    (loaded ? Promise.resolve(loaded) : A.loadedDays("pageviews-per-article")).then(function (l) {
      loaded = l;
      show(p, l);
    }, function () {
      A.status("The server did not answer /healthz.", "error");
    });
  }
  start();
})(window.AQS);
