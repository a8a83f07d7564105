// What the time-series pages share below their form: the chart with its legend, a table of
// total, average and change per series, notes in words, the permalink and the downloads of
// exactly what is drawn. The page gives the series; this draws them.
"use strict";
window.AQS = window.AQS || {};

(function (A) {
  // opts: {file: download name base, attribute: the table rows' data attribute naming a series
  //        ("data-article"), unknown: what the table says of an unknown series}
  A.seriesView = function (opts) {
    var view = { state: null };

    view.clear = function () {
      document.getElementById("chart").textContent = "";
      document.querySelector("#summary tbody").textContent = "";
      document.getElementById("downloads").hidden = true;
    };

    // d: {labels, series: [{name, key, known, values}], monthly, log, title, meta (the JSON
    // download's header), query (the address bar's parameters), explicit (the permalink's)}
    view.draw = function (d) {
      view.clear();
      var figure = document.getElementById("chart");
      // Unknown series have nothing to draw: they are named in the table only.
      var drawn = d.series.filter(function (s) { return s.known; });
      var chart = A.lineChart({ labels: d.labels, series: drawn, log: d.log, title: d.title,
        width: (document.querySelector("main").clientWidth || 800) - 2 });
      figure.appendChild(chart);
      figure.appendChild(A.legend(drawn.map(function (s) { return s.name; })));
      var body = document.querySelector("#summary tbody");
      var unknown = [], color = 0, gaps = false;
      d.series.forEach(function (s) {
        if (!s.known) unknown.push(s.name);
        var k = s.known ? color++ : -1;
        var values = s.values.filter(function (v) { return v !== null; });
        gaps = gaps || (s.known && values.length < s.values.length);
        var total = values.reduce(function (a, b) { return a + b; }, 0);
        var first = values.length ? values[0] : null, last = values.length ? values[values.length - 1] : null;
        var attrs = {};
        attrs[opts.attribute] = s.key;
        attrs["data-total"] = total;
        body.appendChild(A.el("tr", attrs, [
          A.el("td", {}, [A.el("span", { class: k < 0 ? "swatch" : "swatch c" + (k % A.COLORS.length) }), s.name]),
          A.el("td", { class: "n" }, [s.known ? A.number(total) : opts.unknown]),
          A.el("td", { class: "n" }, [s.known && values.length ? A.number(total / values.length) : "–"]),
          A.el("td", { class: "n" }, [s.known ? A.percent(first ? (last - first) / first : null) : "–"]),
        ]));
      });
      document.getElementById("average-label").textContent = d.monthly ? "Monthly average" : "Daily average";
      var notes = [];
      if (unknown.length) notes.push("Unknown here: " + unknown.join(", ") + ".");
      if (gaps) notes.push("Gaps are periods the server has not loaded.");
      A.status(notes.join(" "), unknown.length ? "warning" : "");
      A.setParams(d.query);
      var p = new URLSearchParams();
      Object.keys(d.explicit).forEach(function (k) { if (d.explicit[k]) p.set(k, d.explicit[k]); });
      document.getElementById("permalink").href =
        window.location.pathname + "?" + p.toString().replace(/%7C/g, "|");
      document.getElementById("downloads").hidden = false;
      view.state = { labels: d.labels, series: drawn, chart: chart, meta: d.meta };
      document.documentElement.setAttribute("data-chart-ms", Math.round(performance.now()));
    };

    document.getElementById("csv").addEventListener("click", function () {
      var s = view.state;
      if (s) A.download(opts.file + ".csv", "text/csv", A.toCsv(s.labels, s.series));
    });
    document.getElementById("json").addEventListener("click", function () {
      var s = view.state;
      if (!s) return;
      var drawn = Object.assign({}, s.meta, { labels: s.labels,
        series: s.series.map(function (x) { return { name: x.key, values: x.values }; }) });
      A.download(opts.file + ".json", "application/json", JSON.stringify(drawn, null, 1));
    });
    document.getElementById("png").addEventListener("click", function () {
      if (view.state) A.downloadPng(view.state.chart, opts.file + ".png");
    });
    return view;
  };

  // Fills a series form's granularity, scale and dates from the query string `p`, and checks
  // its list field `o.field` (separated by `|`, at most `o.max`) and the range: {list, range,
  // days, monthly}, or null with the reason said in the status line (`o.hint` when the list
  // is empty).
  A.seriesRequest = function (form, p, loaded, o) {
    form[o.field].value = p.get(o.field) || "";
    form.granularity.value = p.get("granularity") === "monthly" ? "monthly" : "daily";
    form.log.checked = p.get("log") === "1";
    var range = A.resolveRange(p, loaded, "latest-30");
    if (range) {
      form.start.value = A.isoDay(range.start);
      form.end.value = A.isoDay(range.end);
    }
    var list = form[o.field].value.split("|").map(function (s) { return s.trim(); }).filter(Boolean);
    if (list.length === 0) {
      A.status(o.hint, "hint");
      return null;
    }
    if (list.length > o.max) {
      A.status("At most " + o.max + " " + o.noun + " at once (" + list.length + " named).", "error");
      return null;
    }
    var monthly = form.granularity.value === "monthly";
    var days = A.drawnDays(range, loaded, monthly);
    return days && { list: list, range: range, days: days, monthly: monthly };
  };

  // The periods from `start` to `end`: "YYYYMMDD" of each day, or of each month's first day.
  A.periods = function (start, end, monthly) {
    var out = [], d = start;
    while (d <= end) {
      out.push(A.compact(d));
      d = monthly ? new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)) : A.addDays(d, 1);
    }
    return out;
  };

  // One series per request of a time-series route (an original or its zero-filled variant):
  // `urls[k]` answers series
  // `names[k]`, whose items hold the number in `field`. A 404 is a series without data; any
  // other error rejects. Resolves to {keys: the periods, series}, or rejects with `empty` as
  // the message when no series has data.
  A.fetchSeries = function (d) {
    return Promise.all(d.urls.map(function (url) {
      return A.getJson(url).catch(function (error) {
        if (error.status === 404) return null;
        throw error;
      });
    })).then(function (answers) {
      if (answers.every(function (a) { return a === null; })) throw { message: d.empty };
      var keys = A.periods(d.start, d.end, d.monthly);
      var series = d.names.map(function (name, k) {
        var byPeriod = {};
        (answers[k] ? answers[k].items : []).forEach(function (item) {
          byPeriod[item.timestamp.slice(0, 8)] = item[d.field];
        });
        return { name: name, key: name, known: answers[k] !== null,
          values: keys.map(function (key) { return key in byPeriod ? byPeriod[key] : null; }) };
      });
      return { keys: keys, series: series };
    });
  };

  // The query string of a form's fields (empty ones left out), `|` kept readable.
  A.formQuery = function (form, names) {
    var p = new URLSearchParams();
    names.forEach(function (k) {
      var field = form[k];
      var value = field.type === "checkbox" ? (field.checked ? "1" : "") : field.value.trim();
      if (value) p.set(k, value);
    });
    return window.location.pathname + "?" + p.toString().replace(/%7C/g, "|");
  };
})(window.AQS);
