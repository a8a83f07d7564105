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
