// The cockpit: every panel reads confirmed values over one WebSocket and actuates
// through the broker; the HMI settings (language, units, text size, theme, panels,
// profile) are signals too, so a profile app re-lays this screen live.
import { Link, api, applyLabels, explain, loadLabels, t, units, el, fmtDuration, currentLang } from "/static/rk.js";
import { HomePanel } from "/static/home.js";
import { AssistantPanel, SuggestionCard } from "/static/assistant.js";

const HMI = "Vehicle.Cabin.Infotainment.HMI";
const BAT = "Vehicle.Powertrain.TractionBattery";
const CHG = `${BAT}.Charging`;
const LOC = "Vehicle.CurrentLocation";
const DEST = "Vehicle.Cabin.Infotainment.Navigation.DestinationSet";
const ZONES = ["Row1.Driver", "Row1.Passenger", "Row2.Driver", "Row2.Passenger"];
const DOORS = ["Row1.DriverSide", "Row1.PassengerSide", "Row2.DriverSide", "Row2.PassengerSide"];
const SEATS = ["Row1.DriverSide", "Row1.PassengerSide"];
const LIGHTS = [["light.low", "Vehicle.Body.Lights.Beam.Low.IsOn"], ["light.high", "Vehicle.Body.Lights.Beam.High.IsOn"],
  ["light.fog", "Vehicle.Body.Lights.Fog.Front.IsOn"], ["light.parking", "Vehicle.Body.Lights.Parking.IsOn"],
  ["light.dome", "Vehicle.Cabin.Light.IsDomeOn"]];
const $ = (id) => document.getElementById(id);

const targets = new Map();  // path -> requested value, until the car confirms it
const renderers = new Map(); // path -> [fn(value)]
const relabel = [];          // fns re-run when the language or units change

function on(path, fn) { if (!renderers.has(path)) renderers.set(path, []); renderers.get(path).push(fn); }
function val(path) { return link.value(path); }

function toast(message, ok = false) {
  const box = el("div", { class: ok ? "toast ok" : "toast", role: "status" }, message);
  document.body.append(box); setTimeout(() => box.remove(), 4000);
}

async function request(values) {
  for (const [p, v] of Object.entries(values)) { targets.set(p, v); refresh(p); }
  try { await link.actuate(values); }
  catch (err) { for (const p of Object.keys(values)) { targets.delete(p); refresh(p); } toast(explain(err)); }
}

function refresh(path) { for (const fn of renderers.get(path) || []) fn(val(path)); }

// A value cell that shows the confirmed value, and the request while it is pending.
function valueCell(path, fmt) {
  const cell = el("span", { class: "val", "data-path": path });
  const draw = (v) => {
    const want = targets.get(path);
    if (want !== undefined && JSON.stringify(want) === JSON.stringify(v)) targets.delete(path);
    const pending = targets.has(path);
    cell.classList.toggle("pending", pending);
    cell.textContent = v === null || v === undefined ? "–" : fmt(v);
    if (pending) cell.append(el("span", { class: "req" }, `${t("state.pending")}: ${fmt(targets.get(path))}`));
  };
  on(path, draw); relabel.push(() => draw(val(path)));
  return cell;
}

function stepper(labelKey, path, { step, min, max, fmt, start }) {
  const go = (dir) => {
    const now = targets.has(path) ? targets.get(path) : (val(path) ?? start);
    const next = Math.min(max, Math.max(min, Math.round((now + dir * step) * 10) / 10));
    request({ [path]: next });
  };
  return el("div", { class: "row" }, el("span", { class: "name", "data-i18n": labelKey }, t(labelKey)),
    el("button", { "data-act": path, "data-dir": "-", "aria-label": "-", onclick: () => go(-1) }, "−"),
    valueCell(path, fmt),
    el("button", { "data-act": path, "data-dir": "+", "aria-label": "+", onclick: () => go(1) }, "+"));
}

function toggle(labelKey, path, [yes, no] = ["state.on", "state.off"]) {
  const btn = el("button", { class: "toggle", "data-act": path, onclick: () => request({ [path]: !(targets.get(path) ?? val(path) ?? false) }) });
  const draw = (v) => { btn.classList.toggle("on", v === true); btn.textContent = t(v === true ? yes : no); };
  on(path, draw); relabel.push(() => draw(val(path)));
  return el("div", { class: "row" }, el("span", { class: "name", "data-i18n": labelKey }, t(labelKey)), valueCell(path, (v) => t(v ? yes : no)), btn);
}

function buildPanels() {
  const climate = $("climate");
  for (const z of ZONES) climate.append(stepper(`zone.${z}`, `Vehicle.Cabin.HVAC.Station.${z}.Temperature`,
    { step: 0.5, min: 16, max: 30, start: 21, fmt: (v) => units.temp(v) }));
  climate.append(stepper("clim.fan", "Vehicle.Cabin.HVAC.Station.Row1.Driver.FanSpeed", { step: 10, min: 0, max: 100, start: 30, fmt: (v) => `${v} %` }));
  climate.append(toggle("clim.ac", "Vehicle.Cabin.HVAC.IsAirConditioningActive"));
  climate.append(toggle("clim.recirc", "Vehicle.Cabin.HVAC.IsRecirculationActive"));
  climate.append(toggle("clim.defrost", "Vehicle.Cabin.HVAC.IsFrontDefrosterActive"));
  climate.append(el("div", { class: "row" }, el("span", { class: "name", "data-i18n": "clim.inside" }, t("clim.inside")),
    valueCell("Vehicle.Cabin.HVAC.AmbientAirTemperature", (v) => units.temp(v))));

  const seats = $("seats");
  for (const s of SEATS) seats.append(stepper(`seat.${s}`, `Vehicle.Cabin.Seat.${s}.HeatingCooling`,
    { step: 10, min: -100, max: 100, start: 0, fmt: (v) => `${v > 0 ? "+" : ""}${v} %` }));

  const body = $("body");
  const locks = DOORS.map((d) => `Vehicle.Cabin.Door.${d}.IsLocked`);
  const lockCell = el("span", { class: "val", id: "lockstate" });
  const drawLocks = () => {
    const vs = locks.map(val);
    const pending = locks.some((p) => targets.has(p) && targets.get(p) !== val(p));
    lockCell.classList.toggle("pending", pending);
    lockCell.textContent = vs.every((v) => v === true) ? t("state.locked") : vs.some((v) => v === false) ? t("state.unlocked") : t("state.unknown");
  };
  for (const p of locks) on(p, () => { if (targets.get(p) === val(p)) targets.delete(p); drawLocks(); });
  relabel.push(drawLocks);
  body.append(el("div", { class: "row" }, el("span", { class: "name", "data-i18n": "body.locks" }, t("body.locks")), lockCell,
    el("button", { id: "lock", "data-i18n": "body.lock", onclick: () => request(Object.fromEntries(locks.map((p) => [p, true]))) }, t("body.lock")),
    el("button", { id: "unlock", "data-i18n": "body.unlock", onclick: () => request(Object.fromEntries(locks.map((p) => [p, false]))) }, t("body.unlock"))));
  for (const d of DOORS) {
    const win = `Vehicle.Cabin.Door.${d}.Window.Position`;
    const door = `Vehicle.Cabin.Door.${d}.IsOpen`;
    body.append(el("div", { class: "row" },
      el("span", { class: "name" }, el("span", { "data-i18n": `door.${d}` }, t(`door.${d}`)), " · ", el("span", { "data-i18n": "body.window" }, t("body.window"))),
      valueCell(win, (v) => `${v} %`),
      el("button", { "data-act": win, "data-dir": "-", onclick: () => request({ [win]: 0 }) }, "▲"),
      el("button", { "data-act": win, "data-dir": "+", onclick: () => request({ [win]: 100 }) }, "▼"),
      valueCell(door, (v) => t(v ? "state.open" : "state.closed"))));
  }
  body.append(toggle("body.trunk", "Vehicle.Body.Trunk.Rear.IsOpen", ["state.open", "state.closed"]));

  const lights = $("lights");
  for (const [key, path] of LIGHTS) lights.append(toggle(key, path));

  const charging = $("charging");
  charging.append(stepper("chg.limit", `${CHG}.ChargeLimit`, { step: 5, min: 50, max: 100, start: 80, fmt: (v) => `${v} %` }));
  charging.append(el("div", { class: "row" }, el("span", { class: "name", "data-i18n": "drv.charging" }, t("drv.charging")),
    valueCell(`${CHG}.IsCharging`, (v) => t(v ? "state.charging" : "state.notcharging"))));
  charging.append(el("div", { class: "row" }, el("span", { class: "name", "data-i18n": "chg.remaining" }, t("chg.remaining")),
    valueCell(`${CHG}.TimeToComplete`, fmtDuration)));
  charging.append(el("div", { class: "row" },
    el("button", { class: "primary", id: "chgstart", "data-i18n": "chg.start", onclick: () => request({ [`${CHG}.StartStopCharging`]: "START" }) }, t("chg.start")),
    el("button", { id: "chgstop", "data-i18n": "chg.stop", onclick: () => request({ [`${CHG}.StartStopCharging`]: "STOP" }) }, t("chg.stop"))));
}

// -- driving view -------------------------------------------------------------------
const GEAR = (g) => (g === 126 ? "P" : g === 127 || g > 0 ? "D" : g < 0 ? "R" : g === 0 ? "N" : null);
function drawDriving() {
  $("speed").textContent = units.speed(val("Vehicle.Speed"));
  $("speedunit").textContent = units.speedUnit();
  const g = GEAR(val("Vehicle.Powertrain.Transmission.CurrentGear"));
  for (const s of $("gear").children) s.classList.toggle("on", s.dataset.g === g);
  const w = val(`${BAT}.CurrentPower`);
  if (w === null || w === undefined) $("power").textContent = "–";
  else {
    const kw = -w / 1000; // VSS: positive flows into the battery (charging or regen)
    const moving = (val("Vehicle.Speed") ?? 0) > 0.5;
    $("power").textContent = `${kw.toFixed(1)} kW`;
    const share = Math.min(50, Math.abs(kw) / 3);
    $("powerbar").style.width = `${kw > 0 ? share : 0}%`;
    $("regenbar").style.width = `${kw < 0 && moving ? share : 0}%`;
  }
  const soc = val(`${BAT}.StateOfCharge.Displayed`) ?? val(`${BAT}.StateOfCharge.Current`);
  $("soc").textContent = soc === null || soc === undefined ? "–" : `${Number(soc).toFixed(0)} %`;
  $("socbar").style.width = `${soc ?? 0}%`;
  $("range").textContent = units.range(val("Vehicle.Powertrain.Range") ?? val(`${BAT}.Range`));
  const charging = val(`${CHG}.IsCharging`);
  $("chargestate").textContent = charging === undefined || charging === null ? "–" : t(charging ? "state.charging" : "state.notcharging");
  const warnings = [];
  if (soc !== null && soc !== undefined && soc < 15) warnings.push("warn.lowsoc");
  const codes = val(`${BAT}.ErrorCodes`);
  if (Array.isArray(codes) && codes.length) warnings.push("warn.battery");
  if (val("Vehicle.IsBrokenDown") === true) warnings.push("warn.broken");
  const moving = (val("Vehicle.Speed") ?? 0) > 3;
  if (DOORS.some((d) => val(`Vehicle.Cabin.Door.${d}.IsOpen`) === true)) warnings.push("warn.door");
  if (moving && val("Vehicle.Cabin.Seat.Row1.DriverSide.IsBelted") === false) warnings.push("warn.belt");
  if (val("Vehicle.Body.Lights.Beam.Low.IsDefect") === true) warnings.push("warn.lamp");
  const list = $("warnings"); list.replaceChildren();
  if (!warnings.length) list.append(el("li", { class: "none" }, t("drv.nowarnings")));
  for (const w of warnings) list.append(el("li", { "data-warning": w }, t(w)));
}
const DRIVING_PATHS = ["Vehicle.Speed", "Vehicle.Powertrain.Transmission.CurrentGear", `${BAT}.CurrentPower`,
  `${BAT}.StateOfCharge.Displayed`, `${BAT}.StateOfCharge.Current`, "Vehicle.Powertrain.Range", `${BAT}.Range`,
  `${CHG}.IsCharging`, `${BAT}.ErrorCodes`, "Vehicle.IsBrokenDown", "Vehicle.Cabin.Seat.Row1.DriverSide.IsBelted",
  "Vehicle.Body.Lights.Beam.Low.IsDefect", ...DOORS.map((d) => `Vehicle.Cabin.Door.${d}.IsOpen`)];

// -- map: the route driven so far and the destination, drawn as vectors -----------------
const trail = [];
function drawMap() {
  const svg = $("map");
  const lat = val(`${LOC}.Latitude`), lon = val(`${LOC}.Longitude`);
  const dlat = val(`${DEST}.Latitude`), dlon = val(`${DEST}.Longitude`);
  $("pos").textContent = lat == null || lon == null ? t("map.nofix") : `${lat.toFixed(5)}, ${lon.toFixed(5)}`;
  const hasDest = dlat != null && dlon != null;
  $("dest").textContent = hasDest ? `${dlat.toFixed(5)}, ${dlon.toFixed(5)}` : "–";
  const pts = [...trail]; if (hasDest) pts.push([dlat, dlon]);
  const ns = "http://www.w3.org/2000/svg";
  const mk = (tag, attrs) => { const e = document.createElementNS(ns, tag); for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v); return e; };
  svg.replaceChildren();
  for (let i = 1; i < 8; i++) { svg.append(mk("line", { x1: i * 50, y1: 0, x2: i * 50, y2: 260, stroke: "var(--line)", "stroke-width": 1 })); }
  for (let i = 1; i < 6; i++) { svg.append(mk("line", { x1: 0, y1: i * 50, x2: 400, y2: i * 50, stroke: "var(--line)", "stroke-width": 1 })); }
  if (!pts.length) return;
  let minLat = Math.min(...pts.map((p) => p[0])), maxLat = Math.max(...pts.map((p) => p[0]));
  let minLon = Math.min(...pts.map((p) => p[1])), maxLon = Math.max(...pts.map((p) => p[1]));
  const k = Math.cos(((minLat + maxLat) / 2) * Math.PI / 180);
  const spanX = Math.max((maxLon - minLon) * k, 0.002), spanY = Math.max(maxLat - minLat, 0.002);
  const scale = Math.min(360 / spanX, 220 / spanY);
  const cx = (minLon + maxLon) / 2, cy = (minLat + maxLat) / 2;
  const P = ([la, lo]) => [200 + (lo - cx) * k * scale, 130 - (la - cy) * scale];
  if (trail.length > 1) svg.append(mk("polyline", { points: trail.map((p) => P(p).join(",")).join(" "), fill: "none", stroke: "var(--accent)", "stroke-width": 4, "stroke-linejoin": "round", "stroke-linecap": "round", "data-layer": "route" }));
  if (hasDest && trail.length) {
    const [x1, y1] = P(trail[trail.length - 1]), [x2, y2] = P([dlat, dlon]);
    svg.append(mk("line", { x1, y1, x2, y2, stroke: "var(--muted)", "stroke-width": 2, "stroke-dasharray": "6 6" }));
  }
  if (hasDest) { const [x, y] = P([dlat, dlon]); svg.append(mk("circle", { cx: x, cy: y, r: 7, fill: "var(--alert)", "data-layer": "destination" })); }
  if (lat != null && lon != null) {
    const [x, y] = P([lat, lon]); const h = val(`${LOC}.Heading`) ?? 0;
    svg.append(mk("path", { d: "M0,-11 L8,9 L0,4 L-8,9 Z", fill: "var(--fg)", transform: `translate(${x},${y}) rotate(${h})`, "data-layer": "car" }));
  }
}
function onPosition() {
  const lat = val(`${LOC}.Latitude`), lon = val(`${LOC}.Longitude`);
  if (lat == null || lon == null) return;
  const last = trail[trail.length - 1];
  if (!last || last[0] !== lat || last[1] !== lon) { trail.push([lat, lon]); if (trail.length > 3000) trail.shift(); }
  drawMap();
}

// -- notifications from any app ---------------------------------------------------------
const notes = [];
function pick(text) { if (!text) return ""; if (typeof text === "string") return text; return text[currentLang()] || text.en || Object.values(text)[0] || ""; }
function drawNotes() {
  const list = $("notes"); list.replaceChildren();
  if (!notes.length) list.append(el("li", { class: "muted", id: "nonotes", "data-i18n": "note.empty" }, t("note.empty")));
  for (const n of notes) list.append(el("li", { class: ["info", "warning", "alert"].includes(n.level) ? n.level : "info", "data-note": n.id || "" },
    el("b", {}, pick(n.title)), pick(n.body), el("small", {}, ` · ${n.source || ""} ${new Date(n.at).toLocaleTimeString(currentLang())}`)));
}
function onNotification(_p, value) {
  if (!value) return;
  let n; try { n = JSON.parse(value); } catch (_) { return; }
  if (!n || typeof n !== "object" || !Object.keys(n).length) return;
  n.at = Date.now(); notes.unshift(n); if (notes.length > 20) notes.pop();
  drawNotes();
}

// -- the active profile's display settings --------------------------------------------
const root = document.documentElement;
function applyHmi(path, v) {
  if (v === null || v === undefined) return;
  const name = path.slice(HMI.length + 1);
  if (name === "CurrentLanguage") { applyLabels(v); $("lang").value = currentLang(); relabelAll(); }
  else if (name === "DayNightMode") { root.dataset.theme = v; $("theme").value = v; }
  else if (name === "FontSize") { root.dataset.size = v; $("size").value = v; }
  else if (name === "DistanceUnit") { units.distance = v; $("units").value = v; relabelAll(); }
  else if (name === "TemperatureUnit") { units.temperature = v; relabelAll(); }
  else if (name === "ActiveProfile") { drawProfile(); }
  else if (name === "VisiblePanels" && Array.isArray(v)) {
    const main = $("panels");
    for (const s of main.querySelectorAll("section.panel")) s.hidden = !v.includes(s.dataset.panel);
    for (const p of v) { const s = main.querySelector(`section[data-panel="${p}"]`); if (s) main.append(s); }
  }
}
function drawProfile() {
  const v = val(`${HMI}.ActiveProfile`);
  $("profile").textContent = v == null ? "–" : v === "guest" ? t("role.guest") : v;
}
function relabelAll() { for (const fn of relabel) fn(); drawDriving(); drawMap(); drawNotes(); drawProfile(); if (home) home.relabel(); if (assistant) assistant.relabel(); if (suggestion) suggestion.relabel(); }

async function setHmi(values, select) {
  try { await link.hmi(values); }
  catch (err) { toast(explain(err)); for (const p of Object.keys(values)) applyHmi(p, val(p)); }
}

// -- pairing and devices (owner) ---------------------------------------------------------
let pairTimer = null, codeExpires = 0;
async function refreshDevices() {
  try {
    const [pending, devices] = await Promise.all([api("GET", "/api/v1/pairing/requests"), api("GET", "/api/v1/devices")]);
    $("pairlocked").hidden = pending.locked_for <= 0;
    const ul = $("pending"); ul.replaceChildren();
    for (const r of pending.requests) ul.append(el("li", { "data-request": r.id }, `${r.name} (${t(`role.${r.role}`)}) `,
      el("button", { class: "primary", "data-confirm": r.id, onclick: async () => { await api("POST", `/api/v1/pairing/requests/${r.id}/confirm`); $("paircode").hidden = true; refreshDevices(); } }, t("pair.confirm")), " ",
      el("button", { onclick: async () => { await api("POST", `/api/v1/pairing/requests/${r.id}/reject`); refreshDevices(); } }, t("pair.reject"))));
    const body = $("devlist"); body.replaceChildren();
    if (!devices.devices.length) body.append(el("tr", {}, el("td", { colspan: 4, class: "muted" }, t("dev.none"))));
    for (const d of devices.devices) body.append(el("tr", { "data-device": d.id }, el("td", {}, d.name), el("td", {}, t(`role.${d.role}`)),
      el("td", {}, d.last_used ? new Date(d.last_used * 1000).toLocaleString(currentLang()) : t("dev.never")),
      el("td", {}, d.revoked_at ? t("dev.revoked") : el("button", { "data-revoke": d.id, onclick: async () => { await api("POST", `/api/v1/devices/${d.id}/revoke`); refreshDevices(); } }, t("dev.revoke")))));
    const left = Math.max(0, Math.round(codeExpires - Date.now() / 1000));
    $("codettl").textContent = `${left} s`;
    if (!left) $("paircode").hidden = true;
  } catch (err) { toast(explain(err)); }
}
function openDevices() {
  $("pairdialog").showModal(); refreshDevices();
  pairTimer = setInterval(refreshDevices, 1000);
}
async function newCode() {
  const role = $("pairrole").value;
  const body = { role }; if (role === "guest") body.hours = Number($("pairhours").value) || 24;
  try {
    const r = await api("POST", "/api/v1/pairing/codes", body);
    $("code").textContent = r.code; $("qr").innerHTML = r.qr_svg || ""; $("paircode").hidden = false;
    $("qr").title = r.url; codeExpires = r.expires_at; refreshDevices();
  } catch (err) { toast(explain(err)); }
}

// -- start -------------------------------------------------------------------------------
let link, home = null, assistant = null, suggestion = null;
async function main() {
  await loadLabels();
  applyLabels("en");
  link = new Link({
    onState: (state, reason) => {
      const c = $("conn"); c.classList.toggle("online", state === "online");
      c.dataset.i18n = state === "online" ? "conn.online" : "conn.offline"; c.textContent = t(c.dataset.i18n);
      if (state === "revoked") { $("banner").hidden = false; $("banner").textContent = `${reason || ""} — ${t("conn.login")}`; }
    },
  });
  buildPanels();
  home = new HomePanel($("home"), { toast }); // the home's own live socket: rooms, devices, scenes
  assistant = new AssistantPanel($("assistant"), link, { toast }); // typed commands, the conversation
  suggestion = new SuggestionCard($("suggestion"), link, { toast });  // what habit learning offers
  window.renkei = { link, targets, home, assistant, suggestion };
  link.onAny((path, value) => {
    refresh(path);
    if (path.startsWith(HMI + ".")) applyHmi(path, value);
    if (path === `${HMI}.Notification`) onNotification(path, value);
    if (path.startsWith(LOC + ".") || path.startsWith(DEST + ".")) onPosition();
    if (DRIVING_PATHS.includes(path)) drawDriving();
  });
  link.subscribe(["Vehicle.Cabin.Infotainment.HMI.CurrentLanguage", "Vehicle.Cabin.Infotainment.HMI.DistanceUnit",
    "Vehicle.Cabin.Infotainment.HMI.TemperatureUnit", "Vehicle.Cabin.Infotainment.HMI.FontSize",
    "Vehicle.Cabin.Infotainment.HMI.DayNightMode", "Vehicle.Cabin.Infotainment.HMI.VisiblePanels",
    "Vehicle.Cabin.Infotainment.HMI.ActiveProfile"]);
  link.subscribe([`${HMI}.Notification`]);
  link.subscribe([...new Set([...DRIVING_PATHS, ...renderers.keys()])]);
  link.subscribe([`${LOC}.Latitude`, `${LOC}.Longitude`, `${LOC}.Heading`, `${DEST}.Latitude`, `${DEST}.Longitude`]);
  $("lang").onchange = (e) => setHmi({ [`${HMI}.CurrentLanguage`]: e.target.value });
  $("theme").onchange = (e) => setHmi({ [`${HMI}.DayNightMode`]: e.target.value });
  $("size").onchange = (e) => setHmi({ [`${HMI}.FontSize`]: e.target.value });
  $("units").onchange = (e) => setHmi({ [`${HMI}.DistanceUnit`]: e.target.value, [`${HMI}.TemperatureUnit`]: e.target.value === "MILES" ? "F" : "C" });
  $("devices").onclick = openDevices;
  $("pairnew").onclick = newCode;
  $("pairclose").onclick = () => { $("pairdialog").close(); clearInterval(pairTimer); };
  try { const r = await api("GET", "/api/v1/route"); trail.unshift(...r.points.map((p) => [p[0], p[1]])); } catch (_) { /* no position rights */ }
  drawDriving(); drawMap();
}
main();
