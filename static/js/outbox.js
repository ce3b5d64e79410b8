/*
 * The device outbox: what a grid member sends on a weak signal is kept on the phone
 * (IndexedDB, photos included as Blobs) until the server has answered it.
 *
 * Items are sent in the order they were made (a patrol's start before its points, its
 * points before its stop), one at a time, when the page loads, when "online" fires, and
 * every half minute. Each carries the client key its form was given, so a resend after a
 * lost answer returns the record the first post made, never a second copy. The server
 * answers an outbox post (header X-Outbox: 1) with JSON: 2xx done, 4xx refused with the
 * errors (the item stays, marked, until the member discards it), anything else: retry.
 */
(function () {
  "use strict";

  var DB_NAME = "grid-outbox";
  var STORE = "items";
  var RETRY_MS = 30000;
  var dbPromise = null;
  var flushing = null;

  function openDb() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var request = indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = function () {
          request.result.createObjectStore(STORE, { keyPath: "id", autoIncrement: true });
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return dbPromise;
  }

  function withStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(STORE, mode);
        var result = work(transaction.objectStore(STORE));
        transaction.oncomplete = function () { resolve(result && result.result); };
        transaction.onerror = function () { reject(transaction.error); };
      });
    });
  }

  /* The signed-in user: a shared phone keeps each user's items, and sends only theirs. */
  function owner() {
    var holder = panel || document.getElementById("outbox");
    return holder ? holder.dataset.owner : "";
  }

  function allItems() {
    var me = owner();
    return withStore("readonly", function (store) { return store.getAll(); }).then(
      function (items) {
        return (items || []).filter(function (item) { return me && item.owner === me; });
      }
    );
  }

  function saveItem(item) {
    return withStore("readwrite", function (store) { return store.put(item); });
  }

  function removeItem(id) {
    return withStore("readwrite", function (store) { return store.delete(id); });
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) {
      return crypto.randomUUID();
    }
    // Plain-HTTP intranets have no randomUUID: build a version 4 UUID by hand.
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) {
      return (b + 0x100).toString(16).slice(1);
    }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20),
      hex.slice(20)].join("-");
  }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) {
      return decodeURIComponent(match[1]);
    }
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function bodyOf(item) {
    if (item.json) {
      return JSON.stringify(item.json);
    }
    var data = new FormData();
    item.entries.forEach(function (entry) { data.append(entry[0], entry[1]); });
    return data;
  }

  /* Resolves to {outcome: "sent"|"refused"|"retry"|"login", data}. */
  function send(item) {
    var headers = { "X-Outbox": "1", "X-CSRFToken": csrfToken(), Accept: "application/json" };
    if (item.json) {
      headers["Content-Type"] = "application/json";
    }
    return fetch(item.url, {
      method: "POST",
      body: bodyOf(item),
      headers: headers,
      credentials: "same-origin",
      redirect: "follow"
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) {
        // A login page (the session ended) or a proxy's error page: keep it for later.
        return { outcome: response.redirected ? "login" : "retry" };
      }
      return response.json().then(function (data) {
        if (response.ok) {
          return { outcome: "sent", data: data };
        }
        if (response.status >= 400 && response.status < 500) {
          return { outcome: "refused", data: data };
        }
        return { outcome: "retry", data: data };
      });
    }, function () {
      return { outcome: "retry" };
    });
  }

  function reasonOf(data) {
    var errors = (data && data.errors) || {};
    var messages = [];
    Object.keys(errors).forEach(function (field) { messages = messages.concat(errors[field]); });
    return messages.join(" ");
  }

  var panel = null;

  function render(note) {
    panel = panel || document.getElementById("outbox");
    if (!panel) {
      return Promise.resolve();
    }
    return allItems().then(function (items) {
      var texts = panel.dataset;
      var waiting = items.filter(function (item) { return !item.failed; });
      var failed = items.filter(function (item) { return item.failed; });
      var status = document.getElementById("outbox-status");
      status.textContent = note || (waiting.length ? texts.textWaiting.replace("{count}", waiting.length) : "");
      panel.dataset.waiting = String(waiting.length);
      var list = document.getElementById("outbox-failed");
      list.textContent = "";
      failed.forEach(function (item) {
        var row = document.createElement("li");
        var text = document.createElement("span");
        text.textContent = (item.label || "") + " · " + texts.textFailed.replace("{reason}", item.failed);
        var discard = document.createElement("button");
        discard.type = "button";
        discard.className = "button-link";
        discard.textContent = texts.textDiscard;
        discard.addEventListener("click", function () {
          removeItem(item.id).then(function () { render(); });
        });
        row.appendChild(text);
        row.appendChild(discard);
        list.appendChild(row);
      });
      panel.hidden = !(waiting.length || failed.length || note);
    });
  }

  function flushOnce() {
    return allItems().then(function (items) {
      var queue = items.filter(function (item) { return !item.failed; });
      var note = null;
      // What the server said of each item sent (a case's number): the member's confirmation.
      var confirmations = [];
      function next(index) {
        if (index >= queue.length) {
          if (!queue.length) {
            return null;
          }
          return confirmations.length ? confirmations.join(" ") : panel && panel.dataset.textSent;
        }
        var item = queue[index];
        return send(item).then(function (result) {
          if (result.outcome === "sent") {
            if (result.data && result.data.message) {
              confirmations.push(result.data.message);
            }
            return removeItem(item.id).then(function () { return next(index + 1); });
          }
          if (result.outcome === "refused") {
            item.failed = reasonOf(result.data) || "?";
            return saveItem(item).then(function () { return next(index + 1); });
          }
          // Order matters (a patrol's points before its stop): stop at the first retry.
          return result.outcome === "login" && panel ? panel.dataset.textLogin : note;
        });
      }
      return next(0);
    });
  }

  function flush() {
    if (flushing) {
      return flushing;
    }
    if (!navigator.onLine) {
      return render();
    }
    flushing = flushOnce()
      .then(function (note) { return render(note || undefined); })
      .catch(function (error) { console.warn("outbox:", error); })
      .then(function () { flushing = null; });
    return flushing;
  }

  function enqueue(item) {
    item.created = new Date().toISOString();
    item.owner = owner();
    return saveItem(item).then(function () { return render(); });
  }

  function formEntries(form, url, submitter) {
    var data = submitter ? new FormData(form, submitter) : new FormData(form);
    var entries = [];
    data.forEach(function (value, name) {
      // The token is taken from the cookie when the item is sent: it may change meanwhile.
      if (name === "csrfmiddlewaretoken") {
        return;
      }
      if (value instanceof File && !value.name && !value.size) {
        return; // an empty file input
      }
      entries.push([name, value]);
    });
    return { url: url, entries: entries };
  }

  function stampClientTimes(form) {
    ["started_at", "ended_at"].forEach(function (name) {
      var input = form.querySelector("input[name=" + name + "]");
      if (input) {
        input.value = new Date().toISOString();
      }
    });
  }

  /*
   * Send a form now when the queue is empty and the phone is online; otherwise (or when
   * the post gets no answer) keep it. Resolves to {outcome, data}, where outcome is
   * "sent", "refused" (data.errors) or "queued".
   */
  function submitForm(form, options) {
    options = options || {};
    stampClientTimes(form);
    var item = formEntries(form, options.url || form.action, options.submitter);
    item.label = options.label || "";
    return allItems().then(function (items) {
      var pending = items.some(function (queued) { return !queued.failed; });
      if (!navigator.onLine || pending) {
        return enqueue(item).then(function () {
          flush();
          return { outcome: "queued" };
        });
      }
      return send(item).then(function (result) {
        if (result.outcome === "sent" || result.outcome === "refused") {
          return result;
        }
        return enqueue(item).then(function () { return { outcome: "queued" }; });
      });
    });
  }

  function enqueueJson(url, body, label) {
    return enqueue({ url: url, json: body, label: label || "" }).then(flush);
  }

  function clearErrors(form) {
    form.querySelectorAll("[data-js-error]").forEach(function (node) { node.remove(); });
    form.querySelectorAll(".field-invalid").forEach(function (node) {
      node.classList.remove("field-invalid");
    });
  }

  /* Show {"field": ["message"]} beside each field, as the server-rendered page does. */
  function showErrors(form, errors) {
    clearErrors(form);
    Object.keys(errors || {}).forEach(function (name) {
      var holder = form.querySelector('[data-errors-for="' + name + '"]');
      var input = form.querySelector('[name="' + name + '"]');
      var field = input && input.type !== "hidden" ? input.closest(".field") : null;
      var target = holder || field || form.querySelector('[data-errors-for="__all__"]');
      if (!target) {
        return;
      }
      target.hidden = false;
      if (field) {
        field.classList.add("field-invalid");
      }
      errors[name].forEach(function (message) {
        var line = document.createElement("p");
        line.className = "field-error";
        line.setAttribute("role", "alert");
        line.setAttribute("data-js-error", "");
        line.textContent = message;
        target.appendChild(line);
      });
    });
  }

  function status(text) {
    return render(text);
  }

  window.Outbox = {
    newKey: newKey,
    submitForm: submitForm,
    enqueueJson: enqueueJson,
    flush: flush,
    showErrors: showErrors,
    clearErrors: clearErrors,
    status: status,
    offlineText: function () { return panel ? panel.dataset.textOffline : ""; }
  };

  document.addEventListener("DOMContentLoaded", function () {
    panel = document.getElementById("outbox");
    if (panel && "serviceWorker" in navigator) {
      navigator.serviceWorker.register(panel.dataset.swUrl, { scope: "/" }).catch(function (error) {
        console.warn("service worker:", error);
      });
    }
    flush();
  });
  window.addEventListener("online", flush);
  window.setInterval(function () {
    if (navigator.onLine) {
      flush();
    }
  }, RETRY_MS);
})();
