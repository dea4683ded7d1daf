// The diary on a weak network. Optional: without it (or without a service worker) the pages
// work as plain forms. Answers are kept on the phone as they are tapped; a post that could not
// leave the phone (queued by sw.js) is sent once when the network returns, with a fresh CSRF
// token; a small status line says what is on the phone and what has reached the study.
(function () {
  "use strict";
  if (!("serviceWorker" in navigator) || !window.indexedDB || !window.caches || !window.DiaryQueue) { return; }
  var root = document.documentElement;
  // Whose diary this phone holds: from a signed-in page, remembered for pages kept on the phone.
  var who = document.body.getAttribute("data-diarist") || localStorage.getItem("diary:who");
  if (who) { localStorage.setItem("diary:who", who); }
  var line = document.getElementById("sync-status");
  var DIARY = /^\/diary\/(\d{4}-\d{2}-\d{2})\/([a-z_]+)$/;
  var here = DIARY.exec(location.pathname);
  var PAGES = "diary-pages";
  var form = document.querySelector("form.screen");

  navigator.serviceWorker.register("/sw.js").catch(function () { return null; });

  // --- the status line (its words come from the page, in the page's language) ---
  var said = 0;  // how many times the line has changed: an answer read late never undoes a newer one
  function say(state, link) {
    said += 1;
    if (!line) { return; }
    var text = line.getAttribute("data-" + state);
    if (!text) { return; }
    line.textContent = text;
    line.className = "sync sync-" + state;
    line.setAttribute("data-state", state);
    if (link) {
      var a = document.createElement("a");
      a.href = link;
      a.textContent = line.getAttribute("data-open");
      line.appendChild(document.createTextNode(" "));
      line.appendChild(a);
    }
    line.hidden = false;
  }

  // --- the phone's queue (queue.js), shared with sw.js ---
  var queue = window.DiaryQueue;
  function queued() { return queue.all(); }
  function drop(id) { return id === undefined ? queue.clear() : queue.remove(id); }

  // --- answers kept on the phone as they are tapped ---
  function key(day, step) { return "diary:" + who + ":" + day + ":" + step; }
  function snapshot(form) {
    var pairs = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrf_token" && name !== "action" && typeof value === "string") { pairs.push([name, value]); }
    });
    return pairs;
  }
  function restore(form, pairs) {
    var names = {};
    pairs.forEach(function (p) { (names[p[0]] = names[p[0]] || []).push(p[1]); });
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || !(field.name in names) || field.type === "hidden") { return; }
      var values = names[field.name];
      if (field.type === "radio" || field.type === "checkbox") {
        field.checked = values.indexOf(field.value) >= 0;
      } else if (field.tagName === "SELECT" || field.tagName === "TEXTAREA" || field.tagName === "INPUT") {
        field.value = values[0];
      }
    });
    form.dispatchEvent(new Event("change", { bubbles: true }));
  }
  // Put back synchronously, before the first paint and before any tap: what is kept on the
  // phone is on screen as soon as the page is, and a later restore never undoes a new tap.
  function keepTaps(form, day, step) {
    // On a screen the line sits just above Next, where the thumb is.
    var next = form.querySelector("button[value=next]");
    if (line && next) { next.parentNode.insertBefore(line, next); }
    var stored = localStorage.getItem(key(day, step));
    var touched = false;
    if (stored) {
      restore(form, JSON.parse(stored));
      say("saved");
    }
    function save() {
      touched = true;
      try { localStorage.setItem(key(day, step), JSON.stringify(snapshot(form))); } catch (e) { return; }
      say("saved");
    }
    form.addEventListener("change", save);
    form.addEventListener("input", save);
    var switching = false;  // a language switch stays on this screen: the phone keeps its copy
    document.querySelectorAll("button[name=locale][form]").forEach(function (button) {
      button.addEventListener("click", function () { switching = true; });
    });
    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      if (submitter ? submitter.name === "locale" : switching) { return; }
      // From here the answers are on their way: to the study, or into the phone's queue.
      if (navigator.serviceWorker.controller || navigator.onLine) { localStorage.removeItem(key(day, step)); }
    });
    // Without a copy here, the screen's last post still waiting in the queue is the phone's copy.
    return function fromQueue(items) {
      var last = items.filter(function (i) { return i.url === location.pathname && i.step !== "review"; }).pop();
      if (!stored && !touched && last) { restore(form, Array.from(new URLSearchParams(last.body))); }
    };
  }

  // --- sending what waits on the phone, once, when the network is back ---
  var sending = false;
  function freshToken(url) {
    return fetch(url, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
      if (response.redirected && !DIARY.test(new URL(response.url).pathname)) { throw new Error("signed out"); }
      return response.text();
    }).then(function (html) {
      var field = new DOMParser().parseFromString(html, "text/html").querySelector("input[name=csrf_token]");
      return field ? field.value : "";
    });
  }
  function sendOne(item) {
    return freshToken(item.url).then(function (token) {
      var body = new URLSearchParams(item.body);
      body.set("csrf_token", token);
      return fetch(item.url, { method: "POST", body: body, credentials: "same-origin" });
    }).then(function (response) {
      var where = new URL(response.url);
      var path = where.pathname;
      var reached = item.step === "review" ? /\/(done|help)$/.test(path) : response.redirected;
      if (!reached && item.step !== "review") {
        localStorage.setItem(key(item.day, item.step), JSON.stringify(Array.from(new URLSearchParams(item.body))));
      }
      var help = /\/help$/.test(path);
      if (reached && (help || item.step === "review") && !(arrived && /\/help$/.test(arrived.pathname))) {
        arrived = where;
      }
      return drop(item.id).then(function () { return reached ? null : (item.step === "review" ? path : item.url); });
    });
  }
  var arrived = null;  // where the study's answer to a replayed send leads: done, or help
  var again = false;  // the network came back during a send: try once more after it
  var retry = null;
  var failures = 0;
  function replay() {
    if (sending) { again = true; return Promise.resolve(); }
    if (!navigator.onLine || !who) { return Promise.resolve(); }
    sending = true;
    again = false;
    clearTimeout(retry);
    var waiting = [];
    return queued().then(function (items) {
      waiting = items;
      if (!items.length) { return null; }
      say("sending");
      var attention = null;
      return items.reduce(function (chain, item) {
        return chain.then(function () {
          return sendOne(item).then(function (url) { attention = attention || url; });
        });
      }, Promise.resolve()).then(function () {
        if (attention) { say("attention", attention); return; }
        failures = 0;
        say("sent");
        // Help after a warning found by the study always shows; "done" replaces the offline page.
        if (arrived && (/\/help$/.test(arrived.pathname) || location.pathname === "/offline")) {
          sessionStorage.setItem("diary:sent", "1");
          location.assign(arrived.pathname + arrived.search);
        }
      });
    }).catch(function (error) {
      if (String(error && error.message) === "signed out") { say("signin"); return; }
      // A phone may say it is connected to a network that reaches nothing, and then no
      // "online" comes: try again after 5 s, 10 s, 20 s … at most every minute.
      say(queueState(waiting) || "waiting");
      retry = setTimeout(replay, Math.min(60000, 5000 * Math.pow(2, failures)));
      failures += 1;
    }).then(function () {
      sending = false;
      if (again) { return replay(); }
      return null;
    });
  }

  // --- keeping the open days' screens on the phone, from the home page ---
  function precache() {
    var days = {};
    document.querySelectorAll("a[href^='/diary/']").forEach(function (a) {
      var match = DIARY.exec(new URL(a.href).pathname);
      if (match) { days[match[1]] = true; }
    });
    return Promise.all(Object.keys(days).map(function (day) {
      var mark = "diary:kept:" + who + ":" + day;
      if (Date.now() - Number(localStorage.getItem(mark) || 0) < 6 * 3600 * 1000) { return null; }
      var review = "/diary/" + day + "/review";
      return fetch(review, { credentials: "same-origin" }).then(function (response) {
        return response.ok ? response.text() : "";
      }).then(function (html) {
        var steps = [];
        new DOMParser().parseFromString(html, "text/html").querySelectorAll("a[href]").forEach(function (a) {
          var match = DIARY.exec(new URL(a.getAttribute("href"), location.href).pathname);
          if (match && match[1] === day && steps.indexOf(match[2]) < 0 && match[2] !== "review") { steps.push(match[2]); }
        });
        if (!steps.length) { return null; }
        return caches.open(PAGES).then(function (cache) {
          var urls = steps.map(function (s) { return "/diary/" + day + "/" + s; });
          var help = "/diary/" + day + "/help?kind=";
          urls.push(review, help + "emergency", help + "crisis", help + "emergency&both=1", "/", "/offline");
          return Promise.all([
            cache.put("/diary/" + day + "/order", new Response(JSON.stringify(steps), { headers: { "Content-Type": "application/json" } })),
            cache.addAll(urls)
          ]);
        }).then(function () { localStorage.setItem(mark, String(Date.now())); });
      });
    }));
  }

  // --- signing out leaves nothing of the diary on the phone ---
  document.querySelectorAll("form[action$='/logout']").forEach(function (form) {
    form.addEventListener("submit", function () {
      Object.keys(localStorage).forEach(function (name) { if (name.indexOf("diary:") === 0) { localStorage.removeItem(name); } });
      caches.delete(PAGES);
      drop();
    });
  });

  window.addEventListener("online", function () { replay(); });
  // What waits on the phone, in the line's words, once the queue has been read (offline only).
  function queueState(items) {
    var mine = here && items.filter(function (i) { return i.day === here[1]; });
    if (here && here[2] === "review" && mine.length) { return "review"; }
    if (items.length) { return "waiting"; }
    return here && form ? null : "offline";
  }
  window.addEventListener("offline", function () {
    var at = said;
    queued().then(function (items) { if (said === at) { say(queueState(items) || "offline"); } });
  });

  if (sessionStorage.getItem("diary:sent")) {
    sessionStorage.removeItem("diary:sent");
    say("sent");
  }
  var fromQueue = who && here && form ? keepTaps(form, here[1], here[2]) : null;
  var loaded = said;
  queued().then(function (items) {
    var state = !navigator.onLine && said === loaded ? queueState(items) : null;
    if (fromQueue) { fromQueue(items); }
    if (state) { say(state); }
    return replay();
  }).then(function () {
    if (!who || location.pathname !== "/" || !navigator.onLine) { return null; }
    return navigator.serviceWorker.ready.then(precache);
  }).catch(function () { return null; }).then(function () {
    root.setAttribute("data-offline-ready", "1");
  });
})();
