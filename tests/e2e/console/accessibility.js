// Measurements of a console page for tests/e2e/console/test_console_accessibility.py, run in the
// page by Playwright (page.evaluate): one object of functions, each returning plain data.
(() => {
  "use strict";
  const FOCUSABLE =
    'a[href], button:not([disabled]), input:not([type="hidden"]):not([disabled]),' +
    ' select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

  function shown(element) {
    const style = getComputedStyle(element);
    return element.getClientRects().length > 0 && style.visibility !== "hidden";
  }

  // What identifies an element across a live re-render: tag, target, text, and which of the
  // elements with that same description it is.
  function describe(element) {
    if (!element || element === document.body) return "(body)";
    const target =
      element.getAttribute("href") || element.getAttribute("name") || element.id || "";
    const text = (element.textContent || "").replace(/\s+/g, " ").trim().slice(0, 40);
    return `${element.tagName.toLowerCase()}|${target}|${text}`;
  }

  function keyOf(element, all) {
    const description = describe(element);
    const same = all.filter((other) => describe(other) === description);
    return `${description}#${same.indexOf(element)}`;
  }

  function scrollsSideways(element) {
    const overflow = getComputedStyle(element).overflowX;
    return (overflow === "auto" || overflow === "scroll") &&
      element.scrollWidth > element.clientWidth + 1;
  }

  // Tab stops in document order: what the selector names, plus the scroll containers that
  // Chromium makes focusable itself (a sideways-scrolling box with nothing focusable inside).
  function tabStops() {
    return [...document.querySelectorAll("*")].filter((element) => {
      if (!shown(element)) return false;
      if (element.matches(FOCUSABLE)) return true;
      return scrollsSideways(element) && !element.querySelector(FOCUSABLE);
    });
  }

  function parse(colour) {
    const found = colour.match(/rgba?\(([^)]+)\)/);
    if (!found) return null;
    const parts = found[1].split(/[\s,/]+/).filter(Boolean).map(Number);
    return [parts[0], parts[1], parts[2], parts.length > 3 ? parts[3] : 1];
  }

  function over(top, bottom) {
    const a = top[3];
    return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a)).concat([1]);
  }

  // The opaque colour behind an element: its own and its ancestors' backgrounds over white.
  function backgroundOf(element) {
    const layers = [];
    for (let at = element; at; at = at.parentElement) {
      const colour = parse(getComputedStyle(at).backgroundColor);
      if (colour && colour[3] > 0) {
        layers.push(colour);
        if (colour[3] >= 1) break;
      }
    }
    let result = [255, 255, 255, 1];
    for (const layer of layers.reverse()) result = over(layer, result);
    return result;
  }

  function luminance(colour) {
    const [r, g, b] = colour.slice(0, 3).map((v) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }

  function ratio(one, two) {
    const [light, dark] = [luminance(one), luminance(two)].sort((x, y) => y - x);
    return (light + 0.05) / (dark + 0.05);
  }

  function textColour(element) {
    const style = getComputedStyle(element);
    return parse(element instanceof SVGElement ? style.fill : style.color);
  }

  function hex(colour) {
    return "#" + colour.slice(0, 3).map((v) => Math.round(v).toString(16).padStart(2, "0")).join("");
  }

  function accessibleName(element) {
    const labelledBy = element.getAttribute("aria-labelledby");
    if (labelledBy) {
      const text = labelledBy.split(/\s+/)
        .map((id) => (document.getElementById(id) || {}).textContent || "").join(" ").trim();
      if (text) return text;
    }
    const label = (element.getAttribute("aria-label") || "").trim();
    if (label) return label;
    if (element.labels && element.labels.length) {
      const text = [...element.labels].map((l) => l.textContent).join(" ").trim();
      if (text) return text;
    }
    if (element.matches("button, a") || element instanceof SVGElement) {
      const text = (element.textContent || "").trim();
      if (text) return text;
    }
    if (element.matches('input[type="submit"], input[type="button"]')) {
      return (element.value || "").trim();
    }
    return (element.getAttribute("title") || "").trim();
  }

  return {
    tabStops: () => {
      const stops = tabStops();
      return stops.map((element) => keyOf(element, stops));
    },

    // The focused element's key and its focus style (outline or box shadow) with the contrast
    // of that outline against what is behind the element.
    focused: () => {
      const element = document.activeElement;
      const stops = tabStops();
      const style = getComputedStyle(element);
      const outline = parse(style.outlineColor);
      const width = parseFloat(style.outlineWidth) || 0;
      const parent = element.parentElement || element;
      return {
        key: stops.includes(element) ? keyOf(element, stops) : describe(element),
        outline: style.outlineStyle !== "none" && width >= 2,
        shadow: style.boxShadow !== "none",
        contrast: outline ? ratio(over(outline, backgroundOf(parent)), backgroundOf(parent)) : 0,
      };
    },

    // Form controls and links without an accessible name.
    unnamed: () =>
      [...document.querySelectorAll(
        'input:not([type="hidden"]), select, textarea, button, a[href]'
      )]
        .filter((element) => shown(element) && !accessibleName(element))
        .map((element) => element.outerHTML.slice(0, 160)),

    // Text (and form values, and placeholders) below ``minimum`` contrast with its background.
    lowContrast: (minimum) => {
      const failures = [];
      function check(element, colour, what) {
        const background = backgroundOf(element);
        const value = ratio(over(colour, background), background);
        if (value < minimum) {
          failures.push(`${what}: ${hex(colour)} on ${hex(background)} = ${value.toFixed(2)}:1`);
        }
      }
      for (const element of document.querySelectorAll("body *")) {
        if (!shown(element)) continue;
        const own = [...element.childNodes].some(
          (node) => node.nodeType === Node.TEXT_NODE && node.textContent.trim()
        );
        const colour = textColour(element);
        if (own && colour) {
          const text = element.textContent.replace(/\s+/g, " ").trim().slice(0, 50);
          check(element, colour, `<${element.tagName.toLowerCase()}> "${text}"`);
        }
        if (element.matches("input, select, textarea") && element.type !== "hidden") {
          if (colour) check(element, colour, `<${element.tagName.toLowerCase()}> value`);
          if (element.getAttribute("placeholder")) {
            const placeholder = parse(getComputedStyle(element, "::placeholder").color);
            if (placeholder) check(element, placeholder, `placeholder "${element.placeholder}"`);
          }
        }
      }
      return failures;
    },

    // How far the page is wider than the window, and what sticks out (outside a scroll box).
    sideways: () => {
      const width = document.documentElement.clientWidth;
      const widest = Math.max(document.documentElement.scrollWidth, document.body.scrollWidth);
      const out = [];
      if (widest > width) {
        for (const element of document.querySelectorAll("body *")) {
          let inside = false;
          for (let at = element.parentElement; at; at = at.parentElement) {
            const overflow = getComputedStyle(at).overflowX;
            if (overflow === "auto" || overflow === "scroll" || overflow === "hidden") {
              inside = true;
              break;
            }
          }
          const right = element.getBoundingClientRect().right;
          if (!inside && right > width + 1 && out.length < 8) {
            out.push(`${element.outerHTML.slice(0, 100)} ends at ${Math.round(right)} px`);
          }
        }
      }
      return { width, widest, out };
    },
  };
})()
