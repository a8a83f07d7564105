// The API reference (/ and /docs): each route's form sends its request from the browser and
// shows the answer's status, headers and body (JSON pretty-printed). /docs?try=NAME sends
// route NAME's example on load.
"use strict";
(function () {
  var SHOWN_HEADERS = ["content-type", "cache-control", "etag", "content-encoding", "retry-after", "x-request-id"];

  function urlOf(form) {
    return form.getAttribute("data-template").replace(/\{([a-z-]+)\}/g, function (_, name) {
      var field = form.elements[name];
      return encodeURIComponent(field ? field.value.trim() : "");
    });
  }

  function send(form) {
    var result = form.nextElementSibling;
    var url = urlOf(form);
    var started = performance.now();
    result.hidden = false;
    result.querySelector(".answer-status").textContent = "GET " + url + " …";
    fetch(url).then(function (response) {
      return response.text().then(function (text) {
        var ms = (performance.now() - started).toFixed(1);
        var status = result.querySelector(".answer-status");
        status.textContent = "";
        var link = document.createElement("a");
        link.href = url;
        link.textContent = "GET " + url;
        status.appendChild(link);
        status.appendChild(document.createTextNode(" → " + response.status + " " + response.statusText + " in " + ms + " ms"));
        status.setAttribute("data-status", response.status);
        result.querySelector(".answer-headers").textContent = SHOWN_HEADERS
          .filter(function (h) { return response.headers.get(h) !== null; })
          .map(function (h) { return h + ": " + response.headers.get(h); }).join("\n");
        var body = text;
        try { body = JSON.stringify(JSON.parse(text), null, 2); } catch (e) { body = text; }
        result.querySelector(".answer-body").textContent = body;
      });
    }, function (error) {
      result.querySelector(".answer-status").textContent = "The request failed: " + error;
    });
  }

  var forms = document.querySelectorAll("form.try");
  Array.prototype.forEach.call(forms, function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      send(form);
    });
  });
  var wanted = new URLSearchParams(window.location.search).get("try");
  if (wanted) {
    var form = document.querySelector("form.try[data-route='" + wanted.replace(/'/g, "") + "']");
    if (form) {
      form.scrollIntoView();
      send(form);
    }
  }
})();
