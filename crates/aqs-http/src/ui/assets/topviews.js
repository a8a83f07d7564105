// /ui/topviews: the most viewed articles of a project on a day, in a month or in a year, as a
// ranked table with a bar per row, from one request: to the original top route, or for a year
// to /ext/v1/pageviews/top. The query string uses Pageviews Analysis's Topviews names:
// project, platform, date (YYYY-MM-DD, YYYY-MM, YYYY, `yesterday` for the last loaded day,
// `last-month` for the month before it), excludes=A|B.
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
    var y = /^(\d{4})$/.exec(text.trim());
    if (y) return { day: new Date(Date.UTC(+y[1], 0, 1)), month: false, year: true };
    var m = /^(\d{4})-(\d{2})$/.exec(text.trim());
    if (m) return { day: new Date(Date.UTC(+m[1], +m[2] - 1, 1)), month: true };
    var d = A.parseDay(text);
    return d ? { day: d, month: false } : null;
  }

  function label(date) {
    var iso = A.isoDay(date.day);
    return date.year ? iso.slice(0, 4) : date.month ? iso.slice(0, 7) : iso;
  }

  function show(p, loaded) {
    var project = (p.get("project") || "").trim();
    form.project.value = project;
    form.platform.value = p.get("platform") || "all-access";
    form.excludes.value = p.get("excludes") || "";
    var date = dateOf(p.get("date"), loaded);
    if (date) form.date.value = label(date);
    if (!project) {
      A.status("Name a project, such as en.wikipedia.org, then press Show.", "hint");
      return;
    }
    if (!date) {
      A.status(loaded ? "Bad input: give the date as YYYY-MM-DD (a day), YYYY-MM (a month) or YYYY (a year)." :
        "No data: the server holds no pageviews per article yet.", "error");
      return;
    }
    var iso = A.isoDay(date.day);
    var url = "/metrics/pageviews/top/" + encodeURIComponent(project) + "/" + form.platform.value +
      "/" + iso.slice(0, 4) + "/" + iso.slice(5, 7) + "/" + (date.month ? "all-days" : iso.slice(8, 10));
    if (date.year) {
      url = "/ext/v1/pageviews/top/" + encodeURIComponent(project) + "/" + form.platform.value + "/" + iso.slice(0, 4);
    }
    A.status("Loading…", "busy");
    A.getJson(url).then(function (answer) {
      draw(answer, project, date);
      A.setParams({ project: project, platform: form.platform.value,
        date: label(date), excludes: form.excludes.value.trim() });
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
    // The article's chart around the date: its year or month, or the 30 days up to the day.
    var start = date.month || date.year ? date.day : A.addDays(date.day, -29);
    var end = date.month ? new Date(Date.UTC(date.day.getUTCFullYear(), date.day.getUTCMonth() + 1, 0)) : date.day;
    if (date.year) end = new Date(Date.UTC(date.day.getUTCFullYear(), 11, 31));
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
    var item = answer.items[0];
    var what = label(date);
    if (item.months) {
      what += " (months summed: " + item.months.join(", ") + ")";
    }
    document.getElementById("caption").textContent = "Most viewed articles of " + item.project +
      ", " + what + " (" + item.access + ")";
    var notes = [];
    if (Object.keys(excluded).length) notes.push("Excluded: " + Object.keys(excluded).join(", ").replace(/_/g, " ") + ".");
    if (item.complete === false) {
      notes.push("Only the head of the year's list is certain: every article with more than " +
        A.number(item.threshold) + " views; the monthly lists cannot rule out others below that.");
    }
    A.status(notes.join(" "), "");
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
