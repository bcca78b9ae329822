// The Home panel of the cockpit and the companion: rooms → devices with a control each, and
// scenes. The home arrives over /api/v1/home/ws (once, then every change, live); commands go to
// POST /api/v1/home/{entity} and the row shows the home's confirmed state, with the request in
// amber until the home reports it. Labels follow the page's language (rk.js t()); device and
// room names come from the home in every language it gives.
//   const home = new HomePanel(document.getElementById("home"), { toast }); home.relabel();
import { api, explain, t, el, currentLang, units } from "/static/rk.js";

const BUTTONS = { light: "toggle", switch: "toggle", fan: "toggle", climate: "setpoint", cover: "cover", lock: "lock", scene: "scene", script: "scene" };

export class HomePanel {
  constructor(root, { toast = () => {} } = {}) {
    this.root = root; this.toast = toast;
    this.rooms = []; this.devices = new Map(); // entity_id -> device as the home reported it
    this.pending = new Map();                  // entity_id -> words shown while the home has not confirmed
    this.connected = null; this.online = true; this.stopped = false;
    this.connect();
    this.render();
  }

  connect() {
    const proto = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${proto}://${location.host}/api/v1/home/ws`);
    this.ws = ws;
    ws.onmessage = (ev) => { try { this.receive(JSON.parse(ev.data)); } catch (err) { console.error("renkei home:", err); } };
    ws.onclose = (ev) => {
      if (ev.code === 4401) { this.stopped = true; }
      if (this.connected !== false) { this.connected = false; this.render(); }
      if (!this.stopped) setTimeout(() => this.connect(), 1500);
    };
  }

  receive(msg) {
    if (msg.type === "home") {
      this.connected = msg.connected;
      if (msg.connected) {
        const h = msg.home;
        this.online = h.online;
        this.rooms = h.rooms.map((r) => ({ id: r.id, name: r.name, names: r.names }));
        this.devices = new Map([...h.rooms.flatMap((r) => r.devices), ...h.other, ...h.scenes].map((d) => [d.entity_id, d]));
      }
      this.render();
    } else if (msg.type === "state") {
      const d = msg.device, old = this.devices.get(d.entity_id);
      this.devices.set(d.entity_id, d);
      if (!old || old.area !== d.area) this.render(); else this.redraw(d.entity_id);
    } else if (msg.type === "removed") {
      this.devices.delete(msg.entity_id); this.render();
    } else if (msg.type === "online") {
      this.online = msg.online; this.render();
    }
  }

  relabel() { this.render(); }

  name(x) { return (x.names && x.names[currentLang()]) || x.name; }

  async command(entity, body, shown) {
    this.pending.set(entity, shown); this.redraw(entity);
    try {
      const r = await api("POST", `/api/v1/home/${entity}`, body);
      if (r.entity) this.devices.set(entity, r.entity);
    } catch (err) { this.toast(explain(err)); }
    this.pending.delete(entity); this.redraw(entity);
  }

  render() {
    const root = this.root; root.replaceChildren();
    if (!this.connected) {
      const lost = this.connected === false;
      root.append(el("p", { class: "muted", id: "homestate", "data-home": lost ? "not-connected" : "waiting", "data-i18n": lost ? "home.notconnected" : undefined },
        lost ? t("home.notconnected") : "…"));
      return;
    }
    if (!this.online) root.append(el("p", { class: "homewarn", id: "homestate", "data-home": "offline" }, t("home.offline")));
    const all = [...this.devices.values()];
    const inRoom = new Set();
    for (const room of this.rooms) {
      const devs = all.filter((d) => d.area === room.id && BUTTONS[d.domain] !== "scene");
      if (!devs.length) continue;
      root.append(el("h3", { class: "room", "data-room": room.id }, this.name(room)));
      for (const d of devs) { root.append(this.row(d)); inRoom.add(d.entity_id); }
    }
    const other = all.filter((d) => !inRoom.has(d.entity_id) && BUTTONS[d.domain] !== "scene");
    if (other.length) {
      root.append(el("h3", { class: "room", "data-i18n": "home.other" }, t("home.other")));
      for (const d of other) root.append(this.row(d));
    }
    const scenes = all.filter((d) => BUTTONS[d.domain] === "scene");
    if (scenes.length) {
      root.append(el("h3", { class: "room", "data-i18n": "home.scenes" }, t("home.scenes")));
      root.append(el("div", { class: "row scenes" }, ...scenes.map((s) => el("button", {
        "data-entity": s.entity_id, "data-home-act": "scene", disabled: !s.controllable, title: s.controllable ? "" : t("home.notallowed"),
        onclick: () => this.command(s.entity_id, { state: "on" }, t("home.activate")),
      }, this.name(s)))));
    }
    if (!all.length) root.append(el("p", { class: "muted" }, t("home.empty")));
  }

  redraw(entity) {
    const old = this.root.querySelector(`.row[data-entity="${entity}"]`);
    const d = this.devices.get(entity);
    if (old && d) old.replaceWith(this.row(d));
  }

  // What the home says the device is doing, in the reader's words.
  stateText(d) {
    const word = (s) => { const k = `home.state.${s}`; const w = t(k); return w === k ? s : w; };
    const a = d.attributes || {};
    if (d.domain === "light" && d.state === "on" && typeof a.brightness === "number") return `${word("on")} · ${Math.round(a.brightness * 100 / 255)} %`;
    if (d.domain === "climate") {
      const now = a.current_temperature != null ? units.temp(a.current_temperature) : "–";
      return `${word(d.state)} · ${now} → ${a.temperature != null ? units.temp(a.temperature) : "–"}`;
    }
    return word(d.state);
  }

  row(d) {
    const pending = this.pending.get(d.entity_id);
    const value = el("span", { class: pending ? "val pending" : "val", "data-home-state": d.state }, this.stateText(d));
    if (pending) value.append(el("span", { class: "req" }, `${t("state.pending")}: ${pending}`));
    const can = d.controllable, title = can ? "" : t("home.notallowed");
    const btn = (act, label, body, shown, extra = {}) => el("button", { "data-home-act": act, disabled: !can, title, onclick: () => this.command(d.entity_id, body, shown), ...extra }, label);
    const controls = [];
    const kind = BUTTONS[d.domain];
    if (kind === "toggle") {
      const on = d.state === "on";
      controls.push(btn("toggle", t(on ? "state.on" : "state.off"), { state: on ? "off" : "on" }, t(on ? "state.off" : "state.on"), { class: on ? "toggle on" : "toggle" }));
      if (d.domain === "light") {
        const pct = on && typeof d.attributes.brightness === "number" ? Math.round(d.attributes.brightness * 100 / 255) : 0;
        controls.unshift(el("input", { type: "range", min: 1, max: 100, step: 1, value: pct || 1, "data-home-act": "brightness", "aria-label": t("home.brightness"), title: t("home.brightness"), disabled: !can,
          onchange: (e) => this.command(d.entity_id, { state: `${e.target.value}%` }, `${e.target.value} %`) }));
      }
    } else if (kind === "setpoint") {
      const a = d.attributes || {}, lo = a.min_temp ?? 5, hi = a.max_temp ?? 35;
      const go = (dir) => { const next = Math.min(hi, Math.max(lo, Math.round(((a.temperature ?? 20) + dir * 0.5) * 10) / 10)); this.command(d.entity_id, { state: String(next) }, units.temp(next)); };
      controls.push(el("button", { "data-home-act": "setpoint", "data-dir": "-", "aria-label": "-", disabled: !can, title, onclick: () => go(-1) }, "−"),
        el("button", { "data-home-act": "setpoint", "data-dir": "+", "aria-label": "+", disabled: !can, title, onclick: () => go(1) }, "+"));
    } else if (kind === "cover") {
      controls.push(btn("open", t("home.open"), { state: "open" }, t("home.state.opening")), btn("close", t("home.close"), { state: "close" }, t("home.state.closing")));
    } else if (kind === "lock") {
      controls.push(btn("lock", t("body.lock"), { state: "lock" }, t("home.state.locked")), btn("unlock", t("body.unlock"), { state: "unlock" }, t("home.state.unlocked")));
    }
    return el("div", { class: "row home", "data-entity": d.entity_id, "data-domain": d.domain }, el("span", { class: "name" }, this.name(d)), value, ...controls);
  }
}
