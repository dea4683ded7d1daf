// Optional comfort: everything works without it.
(function () {
  "use strict";
  // The phone's own clock, stored beside the server's receive time.
  document.querySelectorAll("input.client-time").forEach(function (input) {
    input.value = new Date().toISOString();
  });
  // Skip logic: hide follow-up questions until their answer applies.
  var form = document.querySelector("form.screen");
  if (!form) { return; }
  function update() {
    form.querySelectorAll("fieldset[data-parent]").forEach(function (set) {
      var picked = form.querySelector('input[name="' + set.dataset.parent + '"]:checked');
      var show = picked && set.dataset.values.split(" ").indexOf(picked.value) >= 0;
      set.classList.toggle("js-hidden", !show && !set.classList.contains("has-error"));
    });
  }
  form.addEventListener("change", update);
  update();
  // One tap on a send button: no double submit from an impatient finger.
  document.querySelectorAll("form.send").forEach(function (f) {
    f.addEventListener("submit", function () {
      f.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    });
  });
})();
