// The diary's service worker (served from /sw.js, which prepends VERSION and SHELL).
// Pages: network first, the phone's copy when there is no network, else the offline page.
// A diary screen or send posted without network is kept in the phone's queue (IndexedDB) and
// sent by offline.js when the network returns; the submission token makes a replay harmless.
/* global VERSION, SHELL, QUEUE, DiaryQueue */
"use strict";
importScripts(QUEUE);

var SHELL_CACHE = "diary-shell-" + VERSION;
var PAGES = "diary-pages";
var DIARY = /^\/diary\/(\d{4}-\d{2}-\d{2})\/([a-z_]+)$/;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL_CACHE).then(function (cache) {
    return cache.addAll(SHELL.map(function (url) {
      return new Request(url, { credentials: "same-origin" });
    }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (key) {
      return key.indexOf("diary-shell-") === 0 && key !== SHELL_CACHE;
    }).map(function (key) { return caches.delete(key); }));
  }).then(function () { return self.clients.claim(); }));
});

function keepable(url) {
  return url.pathname === "/" || url.pathname === "/offline" || DIARY.test(url.pathname);
}

function page(request) {
  var url = new URL(request.url);
  return fetch(request).then(function (response) {
    if (response.ok && !response.redirected && keepable(url)) {
      var copy = response.clone();
      caches.open(PAGES).then(function (cache) { cache.put(request.url, copy); });
    }
    return response;
  }, function () {
    return caches.open(PAGES).then(function (cache) {
      return cache.match(request.url).then(function (kept) {
        return kept || cache.match("/offline");
      });
    }).then(function (kept) { return kept || caches.match("/offline"); });
  });
}

function order(day) {
  return caches.match("/diary/" + day + "/order").then(function (kept) {
    return kept ? kept.json() : [];
  });
}

function see(url) {
  return Response.redirect(new URL(url, self.location.origin).href, 303);
}

// Where the person goes after a post that could not leave the phone.
function afterQueued(day, step, body) {
  if (step === "review") { return Promise.resolve(see("/offline?queued=1")); }
  var fields = new URLSearchParams(body);
  if (step === "warning" && fields.get("action") !== "none") {
    var emergency = false, crisis = false;  // RF12 is thoughts of self-harm: the 12356 line
    fields.forEach(function (value, name) {
      if (/^RF\d+$/.test(name) && value === "yes") { if (name === "RF12") { crisis = true; } else { emergency = true; } }
    });
    if (emergency || crisis) {
      var kind = emergency ? "emergency" + (crisis ? "&both=1" : "") : "crisis";
      return Promise.resolve(see("/diary/" + day + "/help?kind=" + kind));
    }
  }
  // A language switch stays on its screen (the phone's copy of its taps is put back there).
  if (fields.has("locale")) { return Promise.resolve(see("/diary/" + day + "/" + step)); }
  // Finish later goes home; Back to the screen before (or to checking, when changing from it).
  if (fields.get("action") === "later") { return Promise.resolve(see("/")); }
  if (fields.get("action") === "back" && fields.get("return") === "review") {
    return Promise.resolve(see("/diary/" + day + "/review"));
  }
  return order(day).then(function (steps) {
    if (fields.get("action") === "back") {
      var before = steps.indexOf(step) - 1;
      return see(before >= 0 ? "/diary/" + day + "/" + steps[before] : "/");
    }
    var next = steps.indexOf(step) + 1;
    if (next <= 0) { return see("/offline?queued=1"); }
    return see("/diary/" + day + "/" + (next < steps.length ? steps[next] : "review"));
  });
}

function post(request) {
  var url = new URL(request.url);
  var match = DIARY.exec(url.pathname);
  return request.clone().text().then(function (body) {
    return fetch(request).catch(function () {
      return DiaryQueue.add({ url: url.pathname, body: body, day: match[1], step: match[2],
        at: new Date().toISOString() }).then(function () {
        return afterQueued(match[1], match[2], body);
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.method === "POST" && request.mode === "navigate" && DIARY.test(url.pathname)) {
    event.respondWith(post(request));
  } else if (request.method !== "GET") {
    return;
  } else if (request.mode === "navigate") {
    event.respondWith(page(request));
  } else if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.match(request.url).then(function (kept) {
      return kept || fetch(request);
    }));
  }
});
