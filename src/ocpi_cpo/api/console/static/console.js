// ocpi-cpo console: the few lines of JavaScript the console needs (pages work without it).
// 1. Live parts: an element with data-live="URL" is replaced by what the server sends on the
//    server-sent events stream at URL (event "update", its data is the part's HTML).
// 2. A keyboard user's place survives an update: when the focus was inside the part, the same
//    link or control (same tag, target and text, same rank among its equals) is focused again.
(function () {
  "use strict";
  var FOCUSABLE = "a[href], button, input, select, textarea, [tabindex]";
  function describe(element) {
    return element.tagName + "|" + (element.getAttribute("href") || element.getAttribute("name") ||
      element.id || "") + "|" + (element.textContent || "").replace(/\s+/g, " ").trim();
  }
  function place(element) {
    var focused = document.activeElement;
    if (!focused || focused === element || !element.contains(focused)) return null;
    var key = describe(focused);
    var same = Array.prototype.filter.call(element.querySelectorAll(FOCUSABLE), function (e) {
      return describe(e) === key;
    });
    return { key: key, rank: same.indexOf(focused) };
  }
  function restore(element, where) {
    if (!where) return;
    var same = Array.prototype.filter.call(element.querySelectorAll(FOCUSABLE), function (e) {
      return describe(e) === where.key;
    });
    var target = same[Math.max(0, where.rank)] || same[0];
    if (target) target.focus({ preventScroll: true });
  }
  // 3. A table wider than its box scrolls inside it (.scroll); such a box gets a Tab stop and a
  //    name, so that a keyboard can scroll it too (Chromium does the first by itself without JS).
  function scrollers() {
    document.querySelectorAll(".scroll").forEach(function (box) {
      var wide = box.scrollWidth > box.clientWidth + 1;
      if (wide && !box.hasAttribute("tabindex")) {
        var section = box.closest("section");
        var heading = (section && section.querySelector("h2")) || document.querySelector("h1");
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", (heading ? heading.textContent.trim() + ": " : "") +
          "table, scrolls sideways");
      } else if (!wide && box.getAttribute("tabindex") === "0" && box !== document.activeElement) {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  }
  function live(element) {
    var source = new EventSource(element.getAttribute("data-live"));
    source.addEventListener("update", function (message) {
      var where = place(element);
      element.innerHTML = message.data;
      restore(element, where);
      scrollers();
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
    scrollers();
  });
  window.addEventListener("resize", scrollers);
})();
