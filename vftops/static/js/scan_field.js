// Fill a text field from the phone's camera where the browser can read codes
// (BarcodeDetector): a button with data-scan-into="<field id>" starts the camera,
// the first code found is put in the field. Without a camera the field is typed
// in, or a hand scanner types into it, and the button stays hidden.
(function () {
  "use strict";
  var button = document.querySelector("[data-scan-into]");
  var video = document.querySelector("[data-scan-video]");
  var status = document.querySelector("[data-scan-status]");
  if (!button || !video || !status) return;
  var input = document.getElementById(button.getAttribute("data-scan-into"));
  if (!input || !("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  button.hidden = false;

  button.addEventListener("click", function () {
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
                video.hidden = true;
                status.textContent = "";
                // Our own labels carry the device page's address: the server reads it.
                input.value = (codes[0].rawValue || "").trim();
                input.focus();
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
        button.hidden = true;
      });
  });
})();
