// Optional comfort: everything works without it.
(function () {
  "use strict";
  // The phone's own clock, stored beside the server's receive time.
  document.querySelectorAll("input.client-time").forEach(function (input) {
    input.value = new Date().toISOString();
  });
  // One tap on a send button: no double submit from an impatient finger.
  document.querySelectorAll("form.send").forEach(function (f) {
    f.addEventListener("submit", function () {
      f.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    });
  });
  rememberPhone();
  var form = document.querySelector("form.screen");
  if (!form) { return; }
  // Skip logic: hide follow-up questions until their answer applies.
  function update() {
    form.querySelectorAll("fieldset[data-parent]").forEach(function (set) {
      var picked = form.querySelector('input[name="' + set.dataset.parent + '"]:checked');
      var show = picked && set.dataset.values.split(" ").indexOf(picked.value) >= 0;
      set.classList.toggle("js-hidden", !show && !set.classList.contains("has-error"));
    });
  }
  form.addEventListener("change", update);
  update();
  errorSummary();
  temperatures(form);
  finders(form);
  readAloud(form);

  // The list of unanswered questions takes focus; each link lands on its question's answers.
  function errorSummary() {
    var summary = document.getElementById("error-summary");
    if (!summary) { return; }
    summary.focus();
    summary.querySelectorAll("a[href^='#q-']").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var set = document.getElementById(link.getAttribute("href").slice(1));
        var first = set && set.querySelector("input, select");
        if (!first) { return; }
        event.preventDefault();
        set.scrollIntoView({ block: "start" });
        first.focus({ preventScroll: true });
      });
    });
  }

  // A typed temperature and "not measured" exclude each other.
  function temperatures(scope) {
    scope.querySelectorAll(".item-temperature").forEach(function (set) {
      var typed = set.querySelector("input[type=text]");
      var none = set.querySelector("input[value=not_measured]");
      typed.addEventListener("input", function () { if (typed.value) { none.checked = false; } });
      none.addEventListener("change", function () { if (none.checked) { typed.value = ""; } });
    });
  }

  // Typing part of a name leaves only the medicines that match, their groups opened.
  function finders(scope) {
    scope.querySelectorAll(".find").forEach(function (box) {
      var input = box.querySelector("input");
      var groups = box.parentNode.querySelectorAll("details.group");
      box.hidden = false;
      input.addEventListener("keydown", function (event) {
        if (event.key === "Enter") { event.preventDefault(); }  // a search never sends the screen
      });
      input.addEventListener("input", function (event) {
        event.stopPropagation();  // a name typed to look for is not an answer
        var words = input.value.trim().toLocaleLowerCase();
        groups.forEach(function (group) {
          var here = 0;
          group.querySelectorAll(".tile").forEach(function (tile) {
            var names = tile.textContent + " " + (tile.getAttribute("data-also") || "");
            var match = names.toLocaleLowerCase().indexOf(words) >= 0;
            tile.hidden = !match;
            here += match ? 1 : 0;
          });
          group.hidden = !here;
          group.open = words ? here > 0 : !!group.querySelector("input:checked");
        });
      });
    });
  }

  // The phone's own voice reads a question and its answers, where it has one in this language.
  function readAloud(scope) {
    var speech = window.speechSynthesis;
    var buttons = scope.querySelectorAll("button.speak");
    if (!speech || !buttons.length || !window.SpeechSynthesisUtterance) { return; }
    var lang = document.documentElement.lang || "zh-CN";
    var primary = lang.split("-")[0].toLowerCase();
    function voice() {
      return speech.getVoices().filter(function (v) {
        return (v.lang || "").replace("_", "-").split("-")[0].toLowerCase() === primary;
      })[0];
    }
    function offer() {
      var found = voice();
      if (!found) { return; }
      buttons.forEach(function (b) {
        b.hidden = false;
        b.onclick = function () {
          speech.cancel();
          var say = new window.SpeechSynthesisUtterance(words(b.parentNode));
          say.lang = lang;
          try { say.voice = voice() || null; } catch (e) { /* the language alone will do */ }
          say.rate = 0.9;
          b.classList.add("speaking");
          say.onend = say.onerror = function () { b.classList.remove("speaking"); };
          speech.speak(say);
        };
      });
    }
    function words(set) {
      var text = set.querySelector("legend").textContent.trim();
      var answers = set.classList.contains("item-multi") ? [] :
        Array.prototype.map.call(set.querySelectorAll(".tile span"), function (s) { return s.textContent.trim(); });
      return answers.length ? text + ": " + answers.join("; ") : text;
    }
    offer();
    if (speech.addEventListener) { speech.addEventListener("voiceschanged", offer); }
  }

  // The sign-in form of this phone remembers its number when asked to keep the person signed in.
  function rememberPhone() {
    var phone = document.querySelector("form input#phone");
    var pin = document.querySelector("form input#pin");
    if (!phone || !pin) { return; }
    var key = "diary.phone";
    try {
      if (!phone.value && window.localStorage.getItem(key)) {
        phone.value = window.localStorage.getItem(key);
      }
      phone.form.addEventListener("submit", function () {
        var keep = phone.form.querySelector("input[name=remember]");
        if (keep && keep.checked && phone.value) {
          window.localStorage.setItem(key, phone.value);
        } else if (keep && !keep.checked) {
          window.localStorage.removeItem(key);
        }
      });
    } catch (e) { /* storage blocked: nothing remembered */ }
    if (phone.value && !pin.value) { pin.setAttribute("autofocus", ""); pin.focus(); }
  }
})();
