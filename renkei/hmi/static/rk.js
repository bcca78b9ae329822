// renkei front-end core shared by the cockpit and the companion (ES module, no build).
// Flow: api() for REST calls → Link keeps one WebSocket to /api/v1/ws (cookie auth),
// re-subscribes after reconnects and hands each update to the watchers of its paths;
// labels (i18n.json) are applied to every [data-i18n] element by applyLabels(lang).
//   const link = new Link({onState}); link.watch(["Vehicle.Speed"], (path, value) => ...);

export const LANGS = ["en", "zh-CN", "ja"];
let LABELS = {};
let LANG = "en";

export async function loadLabels() {
  const r = await fetch("/static/i18n.json");
  LABELS = await r.json();
  return LABELS;
}

export function t(key) {
  const entry = LABELS[key];
  if (!entry) return key;
  return entry[LANG] || entry.en;
}

export function currentLang() { return LANG; }

export function applyLabels(lang) {
  LANG = LANGS.includes(lang) ? lang : "en";
  document.documentElement.lang = LANG;
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
}

// A refusal in the reader's language when the rule is known, else the broker's words.
export function explain(err) {
  const key = err && err.rule ? `err.${err.rule}` : null;
  return key && LABELS[key] ? `${t(key)} (${err.message})` : (err && err.message) || String(err);
}

export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status; this.code = e.code; this.path = e.path; this.rule = e.rule;
  }
}

export async function api(method, path, body) {
  const init = { method, headers: {}, credentials: "same-origin" };
  if (body !== undefined) { init.headers["content-type"] = "application/json"; init.body = JSON.stringify(body); }
  const r = await fetch(path, init);
  let data = null;
  try { data = await r.json(); } catch (_) { data = null; }
  if (!r.ok) throw new ApiError(r.status, data);
  return data;
}

export class Link {
  constructor({ onState = () => {}, onHello = () => {} } = {}) {
    this.onState = onState; this.onHello = onHello;
    this.watchers = new Map(); // path -> Set(callback)
    this.values = new Map();   // path -> value (confirmed, current)
    this.stamps = new Map();   // path -> when the car measured it (UNIX seconds)
    this.subs = [];            // {id, paths, interval}
    this.pending = new Map();  // request id -> {resolve, reject}
    this.seq = 0; this.ws = null; this.stopped = false;
    this.connect();
  }
  connect() {
    const proto = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${proto}://${location.host}/api/v1/ws`);
    this.ws = ws;
    ws.onopen = () => {};
    ws.onmessage = (ev) => this.receive(JSON.parse(ev.data));
    ws.onclose = (ev) => {
      for (const p of this.pending.values()) p.reject(new Error("connection closed"));
      this.pending.clear();
      if (ev.code === 4401) { this.stopped = true; this.onState("revoked", ev.reason); return; }
      if (this.stopped) return;
      this.onState("offline");
      setTimeout(() => this.connect(), 1000);
    };
  }
  receive(msg) {
    if (msg.type === "hello") {
      this.hello = msg; this.onState("online"); this.onHello(msg);
      for (const s of this.subs) this.send({ type: "subscribe", id: s.id, paths: s.paths, interval_ms: s.interval, skip_missing: true });
    } else if (msg.type === "update") {
      // One batch is one moment: store every value before anyone draws.
      const entries = Object.entries(msg.values);
      for (const [path, dp] of entries) { this.values.set(path, dp === null ? null : dp[0]); this.stamps.set(path, dp === null ? null : dp[1]); }
      for (const [path, dp] of entries) {
        const value = dp === null ? null : dp[0];
        for (const cb of [...(this.watchers.get(path) || []), ...(this.watchers.get("*") || [])]) {
          try { cb(path, value, dp ? dp[1] : null); } catch (err) { console.error("renkei: drawing", path, err); }
        }
      }
    } else if (msg.type === "result" || msg.type === "error") {
      const p = this.pending.get(msg.id);
      if (p) { this.pending.delete(msg.id); msg.type === "result" ? p.resolve(msg) : p.reject(new ApiError(0, msg)); }
      else if (msg.type === "error") console.warn("renkei:", msg.error);
    } else if (msg.type === "closing") {
      this.stopped = msg.code === 4401;
    }
  }
  send(msg) { if (this.ws && this.ws.readyState === 1) this.ws.send(JSON.stringify(msg)); }
  request(msg) {
    const id = `r${++this.seq}`;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.send({ ...msg, id });
      setTimeout(() => { if (this.pending.delete(id)) reject(new Error("no answer")); }, 8000);
    });
  }
  // Follow paths (or patterns); callback(path, value, ts) for each confirmed value.
  watch(paths, callback, interval = 0) {
    for (const p of paths) { if (!this.watchers.has(p)) this.watchers.set(p, new Set()); this.watchers.get(p).add(callback); }
  }
  subscribe(paths, interval = 0) {
    const s = { id: `s${this.subs.length + 1}`, paths, interval };
    this.subs.push(s);
    this.send({ type: "subscribe", id: s.id, paths, interval_ms: interval, skip_missing: true });
  }
  onAny(callback) { this.watch(["*"], callback); }
  actuate(values) { return this.request({ type: "actuate", values }); }
  hmi(values) { return this.request({ type: "hmi", values }); }
  value(path) { return this.values.get(path); }
}

// Units: the car speaks SI (VSS); people read their profile's units.
export const units = {
  distance: "KILOMETERS", temperature: "C",
  temp(c) { if (c === null || c === undefined) return "–"; return this.temperature === "F" ? `${(c * 9 / 5 + 32).toFixed(0)} °F` : `${Number(c).toFixed(1)} °C`; },
  speed(kmh) { if (kmh === null || kmh === undefined) return "–"; return this.distance === "MILES" ? (kmh / 1.609344).toFixed(0) : Number(kmh).toFixed(0); },
  speedUnit() { return this.distance === "MILES" ? "mph" : "km/h"; },
  range(m) { if (m === null || m === undefined) return "–"; return this.distance === "MILES" ? `${(m / 1609.344).toFixed(0)} mi` : `${(m / 1000).toFixed(0)} km`; },
};

export function fmtDuration(s) {
  if (s === null || s === undefined) return "–";
  const h = Math.floor(s / 3600), m = Math.round((s % 3600) / 60);
  return h ? `${h} h ${m} min` : `${m} min`;
}

export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(e.dataset, v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) e.append(c);
  return e;
}
