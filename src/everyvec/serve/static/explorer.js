/*
 * everyvec explorer: a single page over the everyvec HTTP API.
 *
 * Three tools share one small fetch helper: nearest neighbours (GET similar), an analogy
 * calculator (GET analogy) and a 2-D map (GET map) drawn by map.js. A 401 opens the API key
 * panel; the key is kept in sessionStorage, sent as X-API-Key, and the refused actions are
 * run again once it is given. The latest call of each action wins over late answers.
 *
 * No framework, no build step, nothing fetched from anywhere but this server. All server
 * text reaches the page through textContent, never innerHTML.
 */
(function () {
  "use strict";

  const KEY_STORAGE = "everyvec-api-key";
  const MAP_MAX_POINTS = 20000;
  const MAP_DEFAULT_POINTS = 5000;
  const ANALOGY_K = 10;

  const $ = (id) => document.getElementById(id);

  /* ------------------------------------------------------------------ small DOM helpers */

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null) continue;
      if (name === "text") node.textContent = value;
      else if (name === "className") node.className = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value);
    }
    for (const child of children || []) {
      node.append(child);
    }
    return node;
  }

  function formatCount(n) {
    return Number(n).toLocaleString("en-US");
  }

  /* ------------------------------------------------------------------ API key storage */

  function storedKey() {
    try {
      return window.sessionStorage.getItem(KEY_STORAGE) || "";
    } catch (e) {
      return ""; // storage disabled: the user re-enters the key when asked
    }
  }

  function storeKey(value) {
    try {
      if (value) window.sessionStorage.setItem(KEY_STORAGE, value);
      else window.sessionStorage.removeItem(KEY_STORAGE);
    } catch (e) {
      /* storage disabled: nothing to keep */
    }
    $("key-forget").hidden = !storedKey();
  }

  /* ------------------------------------------------------------------ API */

  class ApiError extends Error {
    constructor(status, code, message, suggestions) {
      super(message);
      this.status = status;
      this.code = code;
      this.suggestions = suggestions;
    }
  }

  // Python's repr() of a string: 'abc' or "it's", with backslash escapes.
  const QUOTED = /'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"/g;

  function unescapeRepr(text) {
    return text.replace(/\\(.)/g, "$1");
  }

  /** The "did you mean" keys of an error: a structured list if the server sends one, else
   *  the quoted keys after "did you mean" in the message. */
  function suggestionsOf(error, message) {
    for (const list of [error && error.suggestions, error && error.details &&
                        error.details.suggestions]) {
      if (Array.isArray(list)) return list.filter((s) => typeof s === "string");
    }
    const at = message.search(/did you mean/i);
    if (at < 0) return [];
    const found = [];
    for (const m of message.slice(at).matchAll(QUOTED)) {
      found.push(unescapeRepr(m[1] !== undefined ? m[1] : m[2]));
    }
    return found;
  }

  /** The unknown key named by an unknown_key message ("key 'kingg' not in vectors"). */
  function unknownKeyOf(message) {
    const m = /key\s+('((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")/.exec(message);
    if (!m) return null;
    return unescapeRepr(m[2] !== undefined ? m[2] : m[3]);
  }

  async function api(path, params) {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(params || {})) {
      if (value !== undefined && value !== null && value !== "") query.set(name, String(value));
    }
    const qs = query.toString();
    // Relative URL: works whether the app is mounted at / or under a prefix.
    const url = qs ? `${path}?${qs}` : path;
    const headers = { Accept: "application/json" };
    const key = storedKey();
    if (key) headers["X-API-Key"] = key;
    let response;
    try {
      response = await fetch(url, { headers });
    } catch (e) {
      throw new ApiError(0, "network", "Could not reach the server. Is it still running?", []);
    }
    let body = null;
    try {
      body = await response.json();
    } catch (e) {
      body = null;
    }
    if (!response.ok) {
      const error = body && typeof body.error === "object" && body.error ? body.error : {};
      let message = typeof error.message === "string" && error.message
        ? error.message
        : `The server answered ${response.status} ${response.statusText}.`;
      if (!error.message && body && typeof body.detail === "string") message = body.detail;
      const failure = new ApiError(response.status, error.code || "http_error", message,
                                   suggestionsOf(error, message));
      failure.sentKey = key; // a 401 for a key since replaced is not the new key's fault
      throw failure;
    }
    if (body === null) {
      throw new ApiError(response.status, "bad_response", "The server's answer was not JSON.", []);
    }
    return body;
  }

  /* ------------------------------------------------------------------ errors and the key panel */

  function clearError(node) {
    node.hidden = true;
    node.replaceChildren();
  }

  /** Show an error; each suggestion becomes a button that calls onSuggestion(key, error). */
  function showError(node, error, onSuggestion) {
    const message = error && error.message ? error.message : String(error);
    const suggestions = (error && error.suggestions) || [];
    node.replaceChildren();
    if (suggestions.length && onSuggestion) {
      const cut = message.search(/;?\s*did you mean/i);
      node.append(cut >= 0 ? message.slice(0, cut) : message.replace(/[.\s]*$/, ""));
      node.append(cut >= 0 ? "; did you mean " : ". Did you mean ");
      suggestions.forEach((key, i) => {
        if (i) node.append(", ");
        node.append(el("button", {
          type: "button", className: "suggestion", "data-testid": "suggestion",
          "data-key": key, text: key, onclick: () => onSuggestion(key, error),
        }));
      });
      node.append("?");
    } else {
      node.textContent = message;
    }
    node.hidden = false;
  }

  // Actions that failed with 401, run again once the user gives a key (one per kind).
  const pendingRetries = new Map();

  function askForKey(error, name, retry) {
    pendingRetries.set(name, retry);
    const panel = $("key-panel");
    const keyError = $("key-error");
    if (storedKey()) {
      // A key was sent and refused: say so.
      showError(keyError, { message: `That key was not accepted. ${error.message}` });
    } else {
      clearError(keyError);
    }
    if (panel.hidden) {
      panel.hidden = false;
      $("key-input").focus();
    }
  }

  $("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const value = $("key-input").value.trim();
    if (!value) return;
    storeKey(value);
    $("key-input").value = "";
    $("key-panel").hidden = true;
    clearError($("key-error"));
    const retries = [...pendingRetries.values()];
    pendingRetries.clear();
    retries.forEach((retry) => retry());
  });

  $("key-forget").addEventListener("click", () => storeKey(""));

  // The latest call of each action wins: an older answer arriving late is dropped.
  const latest = new Map();

  /** Run action(isStale); show its error in errorNode, or ask for a key on 401 and retry. */
  async function guarded(name, errorNode, button, action, onSuggestion) {
    const token = (latest.get(name) || 0) + 1;
    latest.set(name, token);
    const isStale = () => latest.get(name) !== token;
    clearError(errorNode);
    if (button) button.disabled = true;
    try {
      await action(isStale);
    } catch (error) {
      if (isStale()) return;
      const again = () => guarded(name, errorNode, button, action, onSuggestion);
      if (error.status === 401 && storedKey() && error.sentKey !== storedKey()) {
        again(); // sent before the user gave the current key: try that key first
      } else if (error.status === 401) {
        askForKey(error, name, again);
      } else {
        showError(errorNode, error, onSuggestion);
      }
    } finally {
      if (button && !isStale()) button.disabled = false;
    }
  }

  /* ------------------------------------------------------------------ result tables */

  let currentMetric = "cosine";

  function matchesTable(matches, testid, rowTestid, caption) {
    const rows = matches.filter((m) => m && typeof m.key === "string");
    if (!rows.length) {
      return el("p", { className: "hint", "data-testid": testid, text: "No matches." });
    }
    const body = el("tbody");
    rows.forEach((m, i) => {
      const score = Number(m.score);
      const scoreCell = el("div", { className: "score-cell" }, [
        el("span", { className: "score-value", text: Number.isFinite(score) ? score.toFixed(4) : "–" }),
      ]);
      if (currentMetric === "cosine" && Number.isFinite(score)) {
        const width = Math.max(0, Math.min(1, score)) * 100;
        scoreCell.append(el("div", { className: "score-bar", "aria-hidden": "true" }, [
          el("span", { style: `width: ${width.toFixed(1)}%` }),
        ]));
      }
      body.append(el("tr", { "data-testid": rowTestid, "data-key": m.key,
                             "data-score": String(m.score) }, [
        el("td", { className: "rank", text: String(i + 1) }),
        el("td", { className: "key" }, [
          el("button", { type: "button", className: "key-link", text: m.key,
                         title: `Search for ${m.key}`, onclick: () => runSearch(m.key) }),
        ]),
        el("td", { className: "score" }, [scoreCell]),
      ]));
    });
    const scoreName = currentMetric === "euclidean" ? "distance" : `${currentMetric} score`;
    return el("table", { className: "matches", "data-testid": testid }, [
      el("caption", { text: caption }),
      el("thead", {}, [el("tr", {}, [
        el("th", { className: "rank", scope: "col", text: "#" }),
        el("th", { scope: "col", text: "key" }),
        el("th", { scope: "col", text: scoreName }),
      ])]),
      body,
    ]);
  }

  /* ------------------------------------------------------------------ search */

  function runSearch(key) {
    const input = $("search-input");
    input.value = key;
    $("search-form").requestSubmit();
  }

  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const key = $("search-input").value.trim();
    if (!key) return;
    const k = $("search-k").value;
    const results = $("search-results");
    guarded("search", $("search-error"), $("search-submit"), async (isStale) => {
      try {
        const data = await api("similar", { key, k });
        if (isStale()) return;
        const matches = Array.isArray(data.matches) ? data.matches : [];
        results.replaceChildren(matchesTable(matches, "neighbours", "neighbour",
                                             `Nearest to “${data.key || key}”`));
        map.setHighlight(data.key || key, matches.map((m) => m && m.key));
      } catch (error) {
        if (!isStale()) {
          results.replaceChildren();
          map.setHighlight(null, []);
        }
        throw error;
      }
    }, runSearch);
  });

  /* ------------------------------------------------------------------ analogy */

  const analogyInputs = ["analogy-a", "analogy-b", "analogy-c"].map($);

  $("analogy-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const [a, b, c] = analogyInputs.map((input) => input.value.trim());
    if (!a || !b || !c) return;
    const results = $("analogy-results");
    guarded("analogy", $("analogy-error"), $("analogy-submit"), async (isStale) => {
      try {
        const data = await api("analogy", { a, b, c, k: ANALOGY_K });
        if (isStale()) return;
        const matches = Array.isArray(data.matches) ? data.matches : [];
        results.replaceChildren(matchesTable(matches, "analogy-results", "analogy-match",
                                             `${a} − ${b} + ${c} ≈`));
      } catch (error) {
        if (!isStale()) results.replaceChildren();
        throw error;
      }
    }, (suggestion, error) => {
      // Replace the word the server did not know, then ask again.
      const unknown = unknownKeyOf(error.message);
      const input = analogyInputs.find((i) => i.value.trim() === unknown);
      if (input) {
        input.value = suggestion;
        $("analogy-form").requestSubmit();
      } else {
        runSearch(suggestion);
      }
    });
  });

  /* ------------------------------------------------------------------ the map */

  const map = window.EveryvecMap.createMap({
    canvas: $("map-canvas"), wrap: $("map-wrap"), tooltip: $("map-tooltip"),
    note: $("map-note"), overlays: [$("map-wrap").querySelector(".map-buttons")],
    zoomIn: $("map-zoom-in"), zoomOut: $("map-zoom-out"), reset: $("map-reset"),
  }, (key) => runSearch(key));

  /* ------------------------------------------------------------------ map loading */

  const METHOD_NAMES = { pca: "PCA", umap: "UMAP", tsne: "t-SNE" };

  $("map-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const nInput = $("map-n");
    const limit = Number(nInput.max) || MAP_MAX_POINTS;
    let n = Math.round(Number(nInput.value));
    if (!Number.isFinite(n) || n < 1) n = Math.min(MAP_DEFAULT_POINTS, limit);
    n = Math.min(n, limit);
    nInput.value = String(n);
    const method = $("map-method").value;
    const label = METHOD_NAMES[method] || method;
    map.setNote(`Projecting ${formatCount(n)} points with ${label}…`);
    guarded("map", $("map-error"), $("map-draw"), async (isStale) => {
      try {
        const data = await api("map", { n, method });
        if (isStale()) return;
        if (!Array.isArray(data.keys) || !Array.isArray(data.x) || !Array.isArray(data.y)) {
          throw new ApiError(200, "bad_response", "The map answer lacks keys, x or y.", []);
        }
        map.setData(data);
        const used = METHOD_NAMES[data.method] || data.method || label;
        map.setNote(`${formatCount(data.keys.length)} points · ${used}`);
      } catch (error) {
        if (!isStale()) map.setNote(error.status === 401 ? "The map needs the API key." : "");
        throw error;
      }
    });
  });

  $("map-method").addEventListener("change", () => $("map-form").requestSubmit());

  /* ------------------------------------------------------------------ start */

  async function start() {
    $("key-forget").hidden = !storedKey();
    let health;
    try {
      health = await api("health");
    } catch (error) {
      $("status").textContent = `Server not ready: ${error.message}`;
      return;
    }
    currentMetric = String(health.metric || "cosine");
    const parts = [`${formatCount(health.count)} vectors`, `${health.dim} dimensions`,
                   currentMetric];
    if (health.index) parts.push(`index ${health.index}`);
    if (health.encoder) parts.push(`encoder ${health.encoder}`);
    if (health.writable) parts.push("writable");
    $("status").textContent = parts.join(" · ");

    // The server may list its projection methods; otherwise offer all and let it say no.
    const methods = health.map_methods || health.methods;
    if (Array.isArray(methods)) {
      for (const option of $("map-method").options) {
        option.disabled = !methods.includes(option.value);
        if (option.disabled) option.textContent = `${METHOD_NAMES[option.value]} (not installed)`;
      }
    }
    const count = Number(health.count) || 0;
    const nInput = $("map-n");
    nInput.max = String(Math.max(1, Math.min(count, MAP_MAX_POINTS)));
    nInput.value = String(Math.min(count, MAP_DEFAULT_POINTS));
    if (count >= 3) $("map-form").requestSubmit();
    else map.setNote("Too few vectors for a map.");
  }

  window.everyvecExplorer = { map };
  start();
})();
