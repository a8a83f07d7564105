// /ui/topviews: the most viewed articles of a project on a day or in a month, as a ranked
// table with a bar per row, from one request to the original top route. The query string
// uses Pageviews Analysis's Topviews names: project, platform, date (YYYY-MM-DD, YYYY-MM,
// `yesterday` for the last loaded day, `last-month` for the month before it), excludes=A|B.
"use strict";
(function (A) {
  var SHOWN = 100;
  var form = document.getElementById("form");

  function dateOf(text, loaded) {
    if (!text || text === "yesterday") {
      return loaded ? { day: loaded.last, month: false } : null;
    }
    if (text === "last-month") {
      if (!loaded) return null;
      var l = loaded.last;
      return { day: new Date(Date.UTC(l.getUTCFullYear(), l.getUTCMonth() - 1, 1)), month: true };
    }
    var m = /^(\d{4})-(\d{2})$/.exec(text.trim());
    if (m) return { day: new Date(Date.UTC(+m[1], +m[2] - 1, 1)), month: true };
    var d = A.parseDay(text);
    return d ? { day: d, month: false } : null;
  }

  function show(p, loaded) {
    var project = (p.get("project") || "").trim();
    form.project.value = project;
    form.platform.value = p.get("platform") || "all-access";
    form.excludes.value = p.get("excludes") || "";
    var date = dateOf(p.get("date"), loaded);
    if (date) form.date.value = date.month ? A.isoDay(date.day).slice(0, 7) : A.isoDay(date.day);
    if (!project) {
      A.status("Name a project, such as en.wikipedia.org, then press Show.", "hint");
      return;
    }
    if (!date) {
      A.status(loaded ? "Bad input: give the date as YYYY-MM-DD (a day) or YYYY-MM (a month)." :
        "No data: the server holds no pageviews per article yet.", "error");
      return;
    }
    var iso = A.isoDay(date.day);
    var url = "/metrics/pageviews/top/" + encodeURIComponent(project) + "/" + form.platform.value +
      "/" + iso.slice(0, 4) + "/" + iso.slice(5, 7) + "/" + (date.month ? "all-days" : iso.slice(8, 10));
    A.status("Loading…", "busy");
    A.getJson(url).then(function (answer) {
      draw(answer, project, date);
      A.setParams({ project: project, platform: form.platform.value,
        date: date.month ? iso.slice(0, 7) : iso, excludes: form.excludes.value.trim() });
    }, function (error) {
      document.querySelector("#top tbody").textContent = "";
      A.status(error.message || String(error), "error");
    });
  }

  function draw(answer, project, date) {
    var excluded = {};
    form.excludes.value.split("|").forEach(function (t) {
      t = t.trim().replace(/ /g, "_");
      if (t) excluded[t] = true;
    });
    var all = answer.items[0].articles.filter(function (a) { return !excluded[a.article]; });
    var body = document.querySelector("#top tbody");
    body.textContent = "";
    var max = all.reduce(function (m, a) { return Math.max(m, a.views); }, 0) || 1;
    // The article's chart around the date: its month, or the 30 days up to the day.
    var start = date.month ? date.day : A.addDays(date.day, -29);
    var end = date.month ? new Date(Date.UTC(date.day.getUTCFullYear(), date.day.getUTCMonth() + 1, 0)) : date.day;
    function add(from, to) {
      all.slice(from, to).forEach(function (a) {
        var link = "/ui/pageviews?project=" + encodeURIComponent(project) + "&platform=" + form.platform.value +
          "&start=" + A.isoDay(start) + "&end=" + A.isoDay(end) + "&pages=" + encodeURIComponent(a.article);
        var bar = A.el("span", { class: "bar" });
        bar.style.width = (100 * a.views / max).toFixed(1) + "%";
        body.appendChild(A.el("tr", { "data-rank": a.rank, "data-article": a.article, "data-views": a.views }, [
          A.el("td", { class: "n" }, [String(a.rank)]),
          A.el("td", {}, [A.el("a", { href: link }, [a.article.replace(/_/g, " ")])]),
          A.el("td", { class: "barcell" }, [bar]),
          A.el("td", { class: "n" }, [A.number(a.views)]),
        ]));
      });
    }
    add(0, SHOWN);
    var more = document.getElementById("more");
    more.hidden = all.length <= SHOWN;
    more.textContent = "Show all " + all.length;
    more.onclick = function () { add(SHOWN, all.length); more.hidden = true; };
    var what = date.month ? A.isoDay(date.day).slice(0, 7) : A.isoDay(date.day);
    document.getElementById("caption").textContent = "Most viewed articles of " + answer.items[0].project +
      ", " + what + " (" + answer.items[0].access + ")";
    A.status(Object.keys(excluded).length ? "Excluded: " + Object.keys(excluded).join(", ").replace(/_/g, " ") + "." : "", "");
    document.documentElement.setAttribute("data-chart-ms", Math.round(performance.now()));
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    A.setParams({ project: form.project.value.trim(), platform: form.platform.value,
      date: form.date.value.trim(), excludes: form.excludes.value.trim() });
    start();
  });

  var start = A.start(show);
})(window.AQS);
