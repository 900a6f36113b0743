// A form with data-confirm asks before it is sent (the page's content security policy
// allows no inline handlers). Without JavaScript the form is sent at once.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });
})();
