// A line chart drawn as SVG (no library): one path per series, gaps where a value is null
// (a period not loaded), a linear or logarithmic axis, and downloads of exactly what is drawn
// (CSV, JSON, PNG). Each path carries its values in data-values, for tests and for people
// who read the page's source.
"use strict";
window.AQS = window.AQS || {};

(function (A) {
  var NS = "http://www.w3.org/2000/svg";
  A.COLORS = ["#3366cc", "#dc3912", "#ff9900", "#109618", "#990099", "#0099c6", "#dd4477",
    "#66aa00", "#b82e2e", "#316395"];
  var M = { left: 56, right: 16, top: 16, bottom: 40 };

  function svg(tag, attrs, text) {
    var e = document.createElementNS(NS, tag);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // Round tick values for a linear axis up to `max`.
  function linearTicks(max) {
    if (max <= 0) return [0, 1];
    var step = Math.pow(10, Math.floor(Math.log10(max / 4)));
    [1, 2, 5, 10].some(function (m) { if (max / (step * m) <= 5) { step *= m; return true; } return false; });
    var ticks = [];
    for (var v = 0; v <= max + step / 2; v += step) ticks.push(v);
    if (ticks[ticks.length - 1] < max) ticks.push(ticks[ticks.length - 1] + step);
    return ticks;
  }

  function short(n) {
    if (n >= 1e9) return (n / 1e9).toFixed(n % 1e9 ? 1 : 0) + "B";
    if (n >= 1e6) return (n / 1e6).toFixed(n % 1e6 ? 1 : 0) + "M";
    if (n >= 1e3) return (n / 1e3).toFixed(n % 1e3 ? 1 : 0) + "k";
    return String(n);
  }

  // data: {labels: [string], series: [{name, values: [number|null]}], log: bool, title,
  // width: the pixels it is drawn at (text stays readable at phone width)}
  A.lineChart = function (data) {
    var W = Math.max(320, Math.min(1200, Math.round(data.width || 800)));
    var H = Math.round(Math.max(240, Math.min(420, W * 0.45)));
    var root = svg("svg", { viewBox: "0 0 " + W + " " + H, class: "chart", role: "img",
      "aria-label": data.title || "chart", xmlns: NS });
    root.appendChild(svg("rect", { x: 0, y: 0, width: W, height: H, fill: "#fff" }));
    var max = 0;
    data.series.forEach(function (s) { s.values.forEach(function (v) { if (v > max) max = v; }); });
    var n = data.labels.length, plotW = W - M.left - M.right, plotH = H - M.top - M.bottom;
    var x = function (i) { return M.left + (n <= 1 ? plotW / 2 : (i * plotW) / (n - 1)); };
    var ticks, y;
    if (data.log) {
      var top = Math.max(1, Math.ceil(Math.log10(Math.max(max, 1)) + 0.0001));
      ticks = [];
      for (var t = 0; t <= top; t++) ticks.push(Math.pow(10, t));
      // Zero sits on the axis with 1: the log of views has no place for it.
      y = function (v) { return M.top + plotH - (Math.log10(Math.max(v, 1)) / top) * plotH; };
    } else {
      ticks = linearTicks(max);
      var high = ticks[ticks.length - 1] || 1;
      y = function (v) { return M.top + plotH - (v / high) * plotH; };
    }
    // Styled by attributes, not the page's CSS, so that the PNG download looks the same.
    var grid = svg("g", { class: "grid", stroke: "#e3e3e3" });
    var text = svg("g", { class: "axis", fill: "#555", "font-size": 12, "font-family": "sans-serif" });
    ticks.forEach(function (t) {
      var at = y(t).toFixed(1);
      grid.appendChild(svg("line", { x1: M.left, x2: W - M.right, y1: at, y2: at }));
      text.appendChild(svg("text", { x: M.left - 6, y: +at + 4, "text-anchor": "end" }, short(t)));
    });
    var every = Math.max(1, Math.ceil(n / Math.max(2, Math.floor(plotW / 90))));
    for (var i = 0; i < n; i += every) {
      // A label at the right edge ends there instead of running off the chart.
      var anchor = x(i) > W - M.right - 40 ? "end" : "middle";
      text.appendChild(svg("text", { x: x(i).toFixed(1), y: H - M.bottom + 18, "text-anchor": anchor }, data.labels[i]));
    }
    root.appendChild(grid);
    root.appendChild(text);
    data.series.forEach(function (s, k) {
      var d = "", pen = false;
      s.values.forEach(function (v, i) {
        if (v === null || v === undefined) { pen = false; return; }
        d += (pen ? "L" : "M") + x(i).toFixed(1) + " " + y(v).toFixed(1);
        pen = true;
      });
      var color = A.COLORS[k % A.COLORS.length];
      var path = svg("path", { class: "series", d: d || "M0 0", stroke: color, fill: "none",
        "stroke-width": 2, "data-name": s.name,
        "data-values": s.values.map(function (v) { return v === null ? "" : v; }).join(",") });
      path.appendChild(svg("title", {}, s.name));
      root.appendChild(path);
      // Single points (a one-period range, or a value between gaps) get a dot.
      s.values.forEach(function (v, i) {
        var alone = v !== null && (i === 0 || s.values[i - 1] === null) &&
          (i === n - 1 || s.values[i + 1] === null);
        if (alone) root.appendChild(svg("circle", { cx: x(i).toFixed(1), cy: y(v).toFixed(1), r: 3, fill: color }));
      });
    });
    return root;
  };

  A.legend = function (names) {
    return A.el("ul", { class: "legend" }, names.map(function (name, k) {
      var swatch = A.el("span", { class: "swatch c" + (k % A.COLORS.length) });
      return A.el("li", {}, [swatch, name]);
    }));
  };

  // The drawn data as CSV: a header of the series' names, then a line per period.
  A.toCsv = function (labels, series) {
    var quote = function (t) { return /[",\n]/.test(t) ? '"' + t.replace(/"/g, '""') + '"' : t; };
    var lines = [["date"].concat(series.map(function (s) { return quote(s.name); })).join(",")];
    labels.forEach(function (label, i) {
      lines.push([label].concat(series.map(function (s) {
        return s.values[i] === null ? "" : String(s.values[i]);
      })).join(","));
    });
    return lines.join("\n") + "\n";
  };

  // Renders the SVG into a PNG and offers it as a download.
  A.downloadPng = function (svgElement, name) {
    var box = svgElement.viewBox.baseVal, W = box.width, H = box.height;
    var text = new XMLSerializer().serializeToString(svgElement);
    var image = new Image();
    image.onload = function () {
      var canvas = document.createElement("canvas");
      canvas.width = W * 2;
      canvas.height = H * 2;
      var context = canvas.getContext("2d");
      context.scale(2, 2);
      context.drawImage(image, 0, 0, W, H);
      canvas.toBlob(function (blob) {
        var a = A.el("a", { href: URL.createObjectURL(blob), download: name });
        document.body.appendChild(a);
        a.click();
        a.remove();
      });
    };
    image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(text);
  };
})(window.AQS);
