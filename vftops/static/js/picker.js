// Type-ahead for long lists (vftops/core/picker.py): every select[data-picker] becomes a
// Tom Select. The options in the page are filtered as you type; with data-lookup the
// server is asked too (name, address or journal reference for a recipient, the serial
// for a device). Tom Select is loaded from static/vendor only on pages that need it.
// Without JavaScript the select and its search box work as they are.
(function () {
  "use strict";
  var selects = document.querySelectorAll("select[data-picker]");
  if (!selects.length) return;
  var base = document.currentScript.src.replace(/js\/picker\.js.*$/, "");
  var css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = base + "vendor/tom-select/tom-select.bootstrap5.min.css";
  document.head.appendChild(css);
  var script = document.createElement("script");
  script.src = base + "vendor/tom-select/tom-select.complete.min.js";
  script.onload = function () {
    Array.prototype.forEach.call(selects, function (select) {
      var lookup = select.getAttribute("data-lookup");
      var empty = select.querySelector('option[value=""]');
      var narrow = document.querySelector('[data-picker-narrow="' + select.id + '"]');
      if (narrow) narrow.hidden = true;
      var settings = {
        maxOptions: 50,
        // The empty choice («Nobody», «Decide at the store») is the placeholder, and a
        // choice made can be cleared back to it.
        allowEmptyOption: false,
        placeholder: empty ? empty.textContent : "",
        plugins: empty ? { clear_button: { title: select.getAttribute("data-clear") || "×" } } : {},
        searchField: ["text"],
        loadThrottle: 250,
        render: {
          no_results: function () {
            return '<div class="no-results">' + (select.getAttribute("data-none") || "–") + "</div>";
          },
        },
      };
      if (lookup) {
        settings.valueField = "value";
        settings.labelField = "text";
        settings.shouldLoad = function (query) { return query.length >= 2; };
        // The server has already matched (a journal reference, an IMEI): show all it
        // answered, not only the answers whose label contains what was typed.
        settings.score = function () { return function () { return 1; }; };
        settings.load = function (query, callback) {
          var url = lookup + (lookup.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(query);
          fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
            .then(function (response) { return response.ok ? response.json() : { results: [] }; })
            .then(function (data) { callback(data.results); })
            .catch(function () { callback(); });
        };
      }
      new window.TomSelect(select, settings);
      // The type-ahead is the one control a screen reader meets; the select behind it
      // (tabindex -1 by Tom Select) only carries the value.
      select.setAttribute("aria-hidden", "true");
    });
  };
  document.head.appendChild(script);
})();
