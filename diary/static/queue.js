// The phone's queue of posts that could not leave it: one IndexedDB store, shared by the
// service worker (which fills it) and offline.js (which sends it when the network is back).
(function (scope) {
  "use strict";
  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open("diary", 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore("queue", { keyPath: "id", autoIncrement: true });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function change(work) {
    return open().then(function (handle) {
      return new Promise(function (resolve, reject) {
        var tx = handle.transaction("queue", "readwrite");
        work(tx.objectStore("queue"));
        tx.oncomplete = function () { resolve(); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }
  scope.DiaryQueue = {
    add: function (item) { return change(function (store) { store.add(item); }); },
    remove: function (id) { return change(function (store) { store.delete(id); }); },
    clear: function () { return change(function (store) { store.clear(); }); },
    all: function () {
      return open().then(function (handle) {
        return new Promise(function (resolve) {
          var get = handle.transaction("queue").objectStore("queue").getAll();
          get.onsuccess = function () { resolve(get.result || []); };
          get.onerror = function () { resolve([]); };
        });
      }).catch(function () { return []; });
    }
  };
})(self);
