// ocpi-cpo console: the few lines of JavaScript the console needs (pages work without it).
// 1. Live parts: an element with data-live="URL" is replaced by what the server sends on the
//    server-sent events stream at URL (event "update", its data is the part's HTML).
(function () {
  "use strict";
  function live(element) {
    var source = new EventSource(element.getAttribute("data-live"));
    source.addEventListener("update", function (message) {
      element.innerHTML = message.data;
      element.setAttribute("data-updated", String(Date.now()));
    });
    source.onerror = function () {
      // A closed stream is reopened by EventSource itself; a sign-out ends with a 303 and stops.
      if (source.readyState === EventSource.CLOSED) {
        element.setAttribute("data-stale", "true");
      }
    };
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-live]").forEach(live);
  });
})();
