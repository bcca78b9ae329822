// The assistant on the screen, and the habit learner's suggestions.
// AssistantPanel: the person types a command (in the page's language, for the chosen seat and the
// active profile) → it actuates HMI.AssistantRequest {"id","text","lang","seat","speaker"} → the
// assistant answers on HMI.AssistantReply; the panel pairs each answer with its question by id
// and shows what changed (signals) and what went to the home. Answers to spoken requests show
// too. SuggestionCard: HMI.Suggestion carries {"id","text":{en,zh-CN,ja},"actions","expires"} →
// a card with Accept / Dismiss that actuate HMI.SuggestionResponse {"id","accepted"}; it leaves
// when answered, withdrawn ("{}") or expired. Both check the caller's rights (/api/v1/me) first
// and say why a device may not use them.
//   const ai = new AssistantPanel(root, link, { toast }); ai.relabel();
//   const card = new SuggestionCard(root, link, { toast });
import { api, explain, t, el, currentLang } from "/static/rk.js";

const HMI = "Vehicle.Cabin.Infotainment.HMI";
export const REQUEST = `${HMI}.AssistantRequest`;
export const REPLY = `${HMI}.AssistantReply`;
export const SUGGESTION = `${HMI}.Suggestion`;
export const RESPONSE = `${HMI}.SuggestionResponse`;
const PROFILE = `${HMI}.ActiveProfile`;
const SEATS = ["driver", "passenger", "rear-left", "rear-right"];
const ANSWER_MS = 15000;
const MAX_LINES = 40;

// Whether a KUKSA scope string grants actuating `path` (the broker decides; this only explains).
export function mayActuate(me, path) {
  if (!me) return { ok: false, why: "" };
  if (me.insecure) return { ok: true };
  for (const s of (me.scope || "").split(/\s+/)) {
    const [right, pattern] = s.split(":");
    if (right !== "actuate" && right !== "provide") continue;
    if (!pattern) return { ok: true };
    const re = new RegExp("^" + pattern.split(".").map((p) => (p === "**" ? ".*" : p === "*" ? "[^.]+" : p.replace(/[-/\\^$+?()|[\]{}]/g, "\\$&"))).join("\\.") + "(\\..*)?$");
    if (re.test(path)) return { ok: true };
  }
  return { ok: false, why: `${t(`role.${me.role}`) || me.role}: ${t("as.noright")} ${path.slice(HMI.length + 1)}` };
}

let ME = null;
async function whoAmI() {
  if (ME) return ME;
  try { ME = await api("GET", "/api/v1/me"); } catch (_) { ME = null; }
  return ME;
}

// Icons drawn as vectors: the car's screen may have no emoji font.
const SVG = "http://www.w3.org/2000/svg";
function icon(d, cls) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24"); svg.setAttribute("class", cls); svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", d); path.setAttribute("fill", "none"); path.setAttribute("stroke", "currentColor");
  path.setAttribute("stroke-width", "2"); path.setAttribute("stroke-linecap", "round"); path.setAttribute("stroke-linejoin", "round");
  svg.append(path);
  return svg;
}
const BULB = "M9 18h6M10 21h4M12 3a6 6 0 0 0-3.5 10.9c.6.5 1 1.2 1 2.1h5c0-.9.4-1.6 1-2.1A6 6 0 0 0 12 3z";
const MIC = "M12 3a3 3 0 0 0-3 3v6a3 3 0 0 0 6 0V6a3 3 0 0 0-3-3zM5 11a7 7 0 0 0 14 0M12 18v3";

function shortPath(path) { return path.startsWith("Vehicle.") ? path.slice(8) : path; }
function show(v) { return typeof v === "string" ? v : JSON.stringify(v); }

export class AssistantPanel {
  constructor(root, link, { toast = () => {} } = {}) {
    this.root = root; this.link = link; this.toast = toast;
    this.lines = [];           // {kind: me|bot|other|err, text, changes, home, id}
    this.waiting = new Map();  // request id -> timer
    this.seen = new Set();     // reply ids already shown
    this.since = Date.now() / 1000 - 2;  // answers older than the page are history, not conversation
    this.voice = false; this.allowed = { ok: true };
    this.build();
    link.watch([REPLY], (_p, value, ts) => this.onReply(value, ts));
    link.subscribe([REPLY, PROFILE]);
    whoAmI().then((me) => { this.allowed = me ? mayActuate(me, REQUEST) : { ok: true }; this.drawRights(); });
  }

  build() {
    this.convo = el("ul", { class: "convo", id: "convo", "aria-live": "polite" });
    this.input = el("input", { id: "asktext", maxlength: "2000", autocomplete: "off", "data-i18n-placeholder": "as.placeholder", placeholder: t("as.placeholder") });
    this.seat = el("select", { id: "askseat", "aria-label": t("as.seat") }, ...SEATS.map((s) => el("option", { value: s, "data-i18n": `as.seat.${s}` }, t(`as.seat.${s}`))));
    this.send = el("button", { class: "primary", id: "asksend", type: "submit", "data-i18n": "as.send" }, t("as.send"));
    this.form = el("form", { class: "askform", onsubmit: (e) => { e.preventDefault(); this.ask(); } }, this.seat, this.input, this.send);
    this.mic = el("p", { class: "muted mic", id: "askmic", hidden: true }, icon(MIC, "icon"), el("span", { "data-i18n": "as.mic" }, t("as.mic")));
    this.denied = el("p", { class: "denied", id: "askdenied", hidden: true });
    this.root.replaceChildren(this.convo, this.form, this.mic, this.denied);
    this.draw();
  }

  relabel() {
    for (const o of this.seat.options) o.textContent = t(`as.seat.${o.value}`);
    this.draw(); this.drawRights();
  }

  drawRights() {
    const ok = this.allowed.ok;
    this.input.disabled = !ok; this.send.disabled = !ok; this.seat.disabled = !ok;
    this.denied.hidden = ok;
    this.denied.textContent = ok ? "" : `${t("as.denied")} (${this.allowed.why})`;
    this.mic.hidden = !this.voice;
  }

  speaker() {
    const p = this.link.value(PROFILE);
    return typeof p === "string" && p && p !== "guest" ? p : null;
  }

  async ask() {
    const text = this.input.value.trim();
    if (!text || !this.allowed.ok) return;
    const id = `ck-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    const body = { id, text, lang: currentLang(), seat: this.seat.value, speaker: this.speaker() };
    this.push({ kind: "me", text, id });
    this.input.value = "";
    this.waiting.set(id, setTimeout(() => { this.waiting.delete(id); this.push({ kind: "err", text: t("as.noanswer"), id }); }, ANSWER_MS));
    this.draw();
    try { await this.link.actuate({ [REQUEST]: JSON.stringify(body) }); }
    catch (err) {
      clearTimeout(this.waiting.get(id)); this.waiting.delete(id);
      this.push({ kind: "err", text: err && err.rule === "no-provider" ? t("as.offline") : explain(err), id });
    }
  }

  onReply(value, ts) {
    if (typeof value !== "string" || !value) return;
    let r; try { r = JSON.parse(value); } catch (_) { return; }
    if (!r || typeof r !== "object" || Array.isArray(r)) return;
    if (typeof r.voice === "boolean" && r.voice !== this.voice) { this.voice = r.voice; this.drawRights(); }
    if (r.id === null || r.id === undefined) return;  // the assistant's own status, not an answer
    const id = String(r.id);
    if (this.seen.has(id)) return;
    const mine = this.waiting.has(id);
    if (!mine && (ts == null || ts < this.since)) return;  // an old answer from before this page
    this.seen.add(id);
    if (mine) { clearTimeout(this.waiting.get(id)); this.waiting.delete(id); }
    if (typeof r.error === "string") { this.push({ kind: "err", text: r.error, id }); return; }
    const changes = Array.isArray(r.changes) ? r.changes.filter((c) => c && typeof c.path === "string") : [];
    const home = Array.isArray(r.home) ? r.home.filter((h) => h && typeof h.intent === "string") : [];
    const sceneHome = Array.isArray(r.scene_home) ? r.scene_home.filter((e) => typeof e === "string") : [];
    this.push({ kind: mine ? "bot" : "other", text: typeof r.text === "string" ? r.text : "", changes, home, sceneHome, id });
  }

  push(line) {
    this.lines.push(line);
    if (this.lines.length > MAX_LINES) this.lines.shift();
    this.draw();
  }

  draw() {
    this.convo.replaceChildren();
    if (!this.lines.length) this.convo.append(el("li", { class: "muted", id: "noconvo", "data-i18n": "as.empty" }, t("as.empty")));
    for (const line of this.lines) {
      const li = el("li", { class: line.kind, "data-reply": line.kind === "me" ? "" : line.id, "data-ask": line.kind === "me" ? line.id : "" });
      if (line.kind === "other") li.append(el("small", { class: "who" }, t("as.voice")));
      li.append(el("span", { class: "said" }, line.text));
      const what = el("ul", { class: "changes" });
      for (const c of line.changes || []) what.append(el("li", { "data-path": c.path }, `${shortPath(c.path)} → ${show(c.value)}`));
      for (const h of line.home || []) what.append(el("li", { "data-home": h.intent }, `${t("panel.HOME")}: ${h.text || h.intent}`));
      for (const e of line.sceneHome || []) what.append(el("li", { "data-home": e }, `${t("panel.HOME")}: ${e}`));
      if (what.children.length) li.append(what);
      this.convo.append(li);
    }
    if (this.waiting.size) this.convo.append(el("li", { class: "muted", id: "askwait" }, t("as.thinking")));
    this.convo.scrollTop = this.convo.scrollHeight;
  }
}

export class SuggestionCard {
  constructor(root, link, { toast = () => {} } = {}) {
    this.root = root; this.link = link; this.toast = toast;
    this.current = null; this.timer = null; this.allowed = { ok: true };
    link.watch([SUGGESTION], (_p, value) => this.onSuggestion(value));
    link.subscribe([SUGGESTION]);
    whoAmI().then((me) => { this.allowed = me ? mayActuate(me, RESPONSE) : { ok: true }; this.draw(); });
  }

  onSuggestion(value) {
    let s = null;
    if (typeof value === "string" && value) { try { s = JSON.parse(value); } catch (_) { s = null; } }
    const valid = s && typeof s === "object" && typeof s.id === "string" && s.id && s.text && typeof s.expires === "number";
    this.current = valid && s.expires * 1000 > Date.now() ? s : null;
    clearTimeout(this.timer);
    if (this.current) this.timer = setTimeout(() => { this.current = null; this.draw(); }, this.current.expires * 1000 - Date.now());
    this.draw();
  }

  text(s) {
    if (typeof s.text === "string") return s.text;
    return s.text[currentLang()] || s.text.en || Object.values(s.text).find((x) => typeof x === "string") || "";
  }

  async answer(accepted) {
    const s = this.current;
    if (!s) return;
    for (const b of this.root.querySelectorAll("button")) b.disabled = true;
    try {
      await this.link.actuate({ [RESPONSE]: JSON.stringify({ id: s.id, accepted }) });
      if (this.current === s) this.current = null;
      this.toast(t(accepted ? "sg.accepted" : "sg.dismissed"), true);
    } catch (err) {
      this.toast(explain(err));
      if (err && (err.code === "NOT_FOUND" || err.code === "FAILED_PRECONDITION") && this.current === s) this.current = null;
    }
    this.draw();
  }

  relabel() { this.draw(); }

  draw() {
    const s = this.current;
    this.root.hidden = !s;
    if (!s) { this.root.replaceChildren(); delete this.root.dataset.suggestion; return; }
    this.root.dataset.suggestion = s.id;
    const ok = this.allowed.ok;
    const accept = el("button", { class: "primary", id: "sgaccept", disabled: !ok, onclick: () => this.answer(true) }, t("sg.accept"));
    const dismiss = el("button", { id: "sgdismiss", disabled: !ok, onclick: () => this.answer(false) }, t("sg.dismiss"));
    this.root.replaceChildren(
      icon(BULB, "sgicon"),
      el("div", { class: "sgtext" }, el("small", {}, t("sg.title")), el("b", { id: "sgtext" }, this.text(s)),
        ok ? "" : el("small", { class: "denied", id: "sgdenied" }, `${t("sg.denied")} (${this.allowed.why})`)),
      accept, dismiss);
  }
}
