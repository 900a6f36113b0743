// Scan a device label with the phone's camera where the browser can
// (BarcodeDetector); otherwise the form below works by typing.
(function () {
  "use strict";
  var form = document.getElementById("scan-form");
  var input = document.getElementById("scan-input");
  var video = document.getElementById("scan-video");
  var status = document.getElementById("scan-status");
  var start = document.getElementById("scan-start");
  if (!form || !input || !video || !start) return;
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices) {
    start.hidden = true;
    return;
  }
  start.hidden = false;

  function handle(value) {
    var text = (value || "").trim();
    if (!text) return;
    // Our own labels carry the device page's address on this site.
    try {
      var url = new URL(text);
      if (url.origin === window.location.origin) {
        window.location.assign(url.pathname);
        return;
      }
    } catch (e) { /* not a URL: a serial number or IMEI */ }
    input.value = text;
    form.submit();
  }

  start.addEventListener("click", function () {
    var detector = new window.BarcodeDetector();
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: "environment" } })
      .then(function (stream) {
        video.srcObject = stream;
        video.hidden = false;
        return video.play().then(function () {
          status.textContent = status.dataset.scanning;
          var tick = function () {
            detector.detect(video).then(function (codes) {
              if (codes.length) {
                stream.getTracks().forEach(function (t) { t.stop(); });
                handle(codes[0].rawValue);
              } else {
                window.requestAnimationFrame(tick);
              }
            }).catch(function () { window.requestAnimationFrame(tick); });
          };
          tick();
        });
      })
      .catch(function () {
        status.textContent = status.dataset.denied;
        start.hidden = true;
      });
  });
})();
