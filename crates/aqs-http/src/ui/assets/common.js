// Shared by the pages under /ui/: the query string, date ranges, requests to the API and
// number formatting. Everything is served by aqs itself; nothing is fetched from elsewhere.
"use strict";
window.AQS = window.AQS || {};

(function (A) {
  A.params = function () {
    return new URLSearchParams(window.location.search);
  };

  // Writes the shown state into the address bar (no reload), so the URL is a link to it.
  A.setParams = function (values) {
    var p = new URLSearchParams();
    Object.keys(values).forEach(function (k) {
      if (values[k] !== undefined && values[k] !== null && values[k] !== "") p.set(k, values[k]);
    });
    var url = window.location.pathname + "?" + p.toString().replace(/%7C/g, "|");
    window.history.replaceState(null, "", url);
    return url;
  };

  // Days as "YYYY-MM-DD" strings in UTC.
  A.isoDay = function (date) {
    return date.toISOString().slice(0, 10);
  };
  A.parseDay = function (text) {
    if (!text) return null;
    var m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(text.trim());
    if (!m) return null;
    var d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
    return isNaN(d) || A.isoDay(d) !== m[1] + "-" + m[2] + "-" + m[3] ? null : d;
  };
  A.addDays = function (date, n) {
    return new Date(date.getTime() + n * 86400000);
  };
  A.compact = function (date) {
    return A.isoDay(date).replace(/-/g, "");
  };
  // "2024010100" → "2024-01-01" (or "2024-01" for months).
  A.stampLabel = function (stamp, monthly) {
    var day = stamp.slice(0, 4) + "-" + stamp.slice(4, 6);
    return monthly ? day : day + "-" + stamp.slice(6, 8);
  };

  // The days of pageviews per article loaded, from /healthz's answer `h`: {first, last} as
  // Dates, or null.
  A.loadedDays = function (h) {
    var d = h.datasets && h.datasets["pageviews-per-article"];
    if (!d || !d.first_day) return null;
    // Not from the probe rows' 1970-01-01 (aqs add-probe-rows): from the first real day.
    return { first: A.parseDay(d.first_data_day || d.first_day), last: A.parseDay(d.last_day) };
  };

  // Pageviews Analysis's ranges (latest-N, this-month, last-month, this-year, last-year,
  // all-time), counted back from the last loaded day, or explicit start and end.
  A.resolveRange = function (p, loaded, fallback) {
    var start = A.parseDay(p.get("start")), end = A.parseDay(p.get("end"));
    if (start && end) return { start: start, end: end, range: null };
    if (!loaded) return null;
    var last = loaded.last, range = p.get("range") || fallback;
    var m = /^latest-(\d+)$/.exec(range);
    var y = last.getUTCFullYear(), mo = last.getUTCMonth();
    if (m) return { start: A.addDays(last, 1 - Math.max(1, +m[1])), end: last, range: range };
    switch (range) {
      case "this-month": return { start: new Date(Date.UTC(y, mo, 1)), end: last, range: range };
      case "last-month": return { start: new Date(Date.UTC(y, mo - 1, 1)), end: new Date(Date.UTC(y, mo, 0)), range: range };
      case "this-year": return { start: new Date(Date.UTC(y, 0, 1)), end: last, range: range };
      case "last-year": return { start: new Date(Date.UTC(y - 1, 0, 1)), end: new Date(Date.UTC(y - 1, 11, 31)), range: range };
      case "all-time": return { start: loaded.first, end: last, range: range };
    }
    return null;
  };

  // The days a page draws: the resolved range, widened to whole months when monthly; null
  // (with the reason said in the status line) when there is no range.
  A.drawnDays = function (range, loaded, monthly) {
    if (!range) {
      A.status(loaded ? "Bad input: give start and end as YYYY-MM-DD, or a range such as latest-30." :
        "No data: the server holds no pageviews yet.", "error");
      return null;
    }
    if (!monthly) return { start: range.start, end: range.end };
    var s = range.start, e = range.end;
    return { start: new Date(Date.UTC(s.getUTCFullYear(), s.getUTCMonth(), 1)),
      end: new Date(Date.UTC(e.getUTCFullYear(), e.getUTCMonth() + 1, 0)) };
  };

  // Runs `show(params, held)` now, and again each time the returned function is called (after
  // the form changed the address bar). `held` is what `of` (A.loadedDays by default) makes of
  // /healthz's answer, asked for once.
  A.start = function (show, of) {
    var loaded;
    var run = function () {
      var ask = function () {
        return fetch("/healthz").then(function (r) { return r.json(); }).then(of || A.loadedDays);
      };
      (loaded !== undefined ? Promise.resolve(loaded) : ask()).then(function (l) {
        loaded = l;
        show(A.params(), l);
      }, function () {
        A.status("The server did not answer /healthz.", "error");
      });
    };
    run();
    return run;
  };

  // GET a JSON answer; rejects with {status, message} where the message is for people.
  A.getJson = function (url) {
    return fetch(url).then(function (r) {
      return r.text().then(function (text) {
        var body = null;
        try { body = JSON.parse(text); } catch (e) { body = null; }
        if (r.ok && body) return body;
        var detail = body && body.detail;
        if (Array.isArray(detail)) detail = detail.join("; ");
        var message;
        if (r.status === 429) {
          message = "Too many requests: the server's rate limit was reached. Wait " +
            (r.headers.get("retry-after") || "a few") + " second(s) and try again.";
        } else if (r.status === 404) {
          message = "No data: " + (detail || "nothing is stored for this request.");
        } else if (r.status === 400) {
          message = "Bad input: " + (detail || "the request was refused.");
        } else {
          message = "The server answered " + r.status + (detail ? ": " + detail : ".");
        }
        throw { status: r.status, reason: body && body.reason, message: message };
      });
    });
  };

  A.number = function (n) {
    return n === null || n === undefined ? "–" : Math.round(n).toLocaleString("en-US");
  };
  A.percent = function (x) {
    if (x === null || !isFinite(x)) return "–";
    return (x > 0 ? "+" : "") + (x * 100).toFixed(1) + "%";
  };

  A.el = function (tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) {
      e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return e;
  };

  A.status = function (text, kind) {
    var s = document.getElementById("status");
    s.textContent = text || "";
    s.className = kind || "";
  };

  // Offers `text` as a file download.
  A.download = function (name, type, text) {
    var a = A.el("a", { href: URL.createObjectURL(new Blob([text], { type: type })), download: name });
    document.body.appendChild(a);
    a.click();
    a.remove();
  };
})(window.AQS);
