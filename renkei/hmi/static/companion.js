// The companion: pair with a one-time code, then show status and run the remote
// actions this device's role allows. Its language is the person's own choice.
import { Link, api, applyLabels, explain, loadLabels, t, units, el, currentLang } from "/static/rk.js";
import { HomePanel } from "/static/home.js";

const BAT = "Vehicle.Powertrain.TractionBattery";
const LOCKS = ["Row1.DriverSide", "Row1.PassengerSide", "Row2.DriverSide", "Row2.PassengerSide"].map((d) => `Vehicle.Cabin.Door.${d}.IsLocked`);
const $ = (id) => document.getElementById(id);
let link = null, me = null, home = null;

function pickLang() {
  const saved = localStorage.getItem("renkei.lang");
  if (saved) return saved;
  const nav = (navigator.language || "en").toLowerCase();
  return nav.startsWith("zh") ? "zh-CN" : nav.startsWith("ja") ? "ja" : "en";
}

function draw() {
  if (!link) return;
  const v = (p) => link.value(p);
  const soc = v(`${BAT}.StateOfCharge.Displayed`) ?? v(`${BAT}.StateOfCharge.Current`);
  $("soc").textContent = soc == null ? "–" : `${Number(soc).toFixed(0)} %`;
  $("range").textContent = units.range(v("Vehicle.Powertrain.Range"));
  const c = v(`${BAT}.Charging.IsCharging`);
  $("charging").textContent = c == null ? "–" : t(c ? "state.charging" : "state.notcharging");
  const locks = LOCKS.map(v);
  $("locks").textContent = locks.every((x) => x === true) ? t("state.locked") : locks.some((x) => x === false) ? t("state.unlocked") : t("state.unknown");
  $("cabin").textContent = units.temp(v("Vehicle.Cabin.HVAC.AmbientAirTemperature"));
  const lim = v(`${BAT}.Charging.ChargeLimit`);
  $("limit").textContent = lim == null ? "–" : `${lim} %`;
  const lat = v("Vehicle.CurrentLocation.Latitude"), lon = v("Vehicle.CurrentLocation.Longitude");
  $("location").textContent = lat == null ? t("map.nofix") : `${lat.toFixed(5)}, ${lon.toFixed(5)}`;
  if (me) $("who").textContent = `${me.device_name || me.subject} · ${t(`role.${me.role}`) || me.role}`;
}

function setLang(lang) { localStorage.setItem("renkei.lang", lang); applyLabels(lang); $("lang").value = currentLang(); draw(); drawActions(); if (home) home.relabel(); }

function toast(message) {
  const box = el("div", { class: "toast", role: "status" }, message);
  document.body.append(box); setTimeout(() => box.remove(), 4000);
}

function drawActions() {
  if (!me) return;
  const allowed = Object.fromEntries(me.actions.map((a) => [a.name, a]));
  for (const b of document.querySelectorAll("[data-action]")) {
    const name = b.dataset.action === "climate_off" ? "climate" : b.dataset.action;
    const a = allowed[name];
    b.disabled = !a || !a.allowed;
    b.title = a && !a.allowed ? `${t("cmp.notallowed")}: ${a.reason}` : "";
  }
}

async function run(name) {
  const body = {};
  let action = name;
  if (name === "climate") { body.temperature = Number($("ctemp").value); body.on = true; }
  if (name === "climate_off") { action = "climate"; body.on = false; }
  if (name === "charge_limit") body.limit = Number($("climit").value);
  if (name === "destination") { body.latitude = Number($("dlat").value); body.longitude = Number($("dlon").value); }
  const out = $("result");
  out.dataset.state = "busy"; out.textContent = "…";
  try { await api("POST", `/api/v1/actions/${action}`, body); out.textContent = `${t("cmp.done")} ✓`; out.style.color = "var(--ok)"; out.dataset.state = "ok"; }
  catch (err) { out.textContent = explain(err); out.style.color = "var(--alert)"; out.dataset.state = "error"; }
}

function showCar() {
  $("pairview").hidden = true; $("carview").hidden = false;
  link = new Link({
    onState: (state, reason) => {
      const c = $("conn"); c.classList.toggle("online", state === "online");
      c.dataset.i18n = state === "online" ? "conn.online" : "conn.offline"; c.textContent = t(c.dataset.i18n);
      if (state === "revoked") {
        document.body.dataset.revoked = "1";
        $("banner").hidden = false; $("banner").dataset.i18n = "conn.revoked"; $("banner").textContent = t("conn.revoked");
        $("carview").hidden = true; me = null; showPairing();
      }
    },
  });
  link.onAny(draw);
  link.subscribe([`${BAT}.StateOfCharge.Displayed`, `${BAT}.StateOfCharge.Current`, "Vehicle.Powertrain.Range",
    `${BAT}.Charging.IsCharging`, `${BAT}.Charging.ChargeLimit`, ...LOCKS, "Vehicle.Cabin.HVAC.AmbientAirTemperature",
    "Vehicle.CurrentLocation.Latitude", "Vehicle.CurrentLocation.Longitude"]);
  for (const b of document.querySelectorAll("[data-action]")) b.onclick = () => run(b.dataset.action);
  if (!home) home = new HomePanel($("home"), { toast }); // what this device's role may do at home
  drawActions(); draw();
}

function showPairing() {
  $("pairview").hidden = false;
  const m = location.hash.match(/pair=(\d{6})/);
  if (m) $("code").value = m[1];
  $("pairform").onsubmit = async (e) => {
    e.preventDefault();
    $("pairerror").hidden = true;
    try {
      const claim = await api("POST", "/api/v1/pairing/claim", { code: $("code").value.trim(), name: $("devname").value.trim() });
      $("waiting").hidden = false; $("pair").disabled = true;
      const poll = async () => {
        try {
          const r = await api("POST", "/api/v1/pairing/collect", { request_id: claim.request_id, secret: claim.secret });
          if (r.status === "confirmed") { history.replaceState(null, "", "/companion/"); $("banner").hidden = true; return start(); }
          setTimeout(poll, 1000);
        } catch (err) { $("waiting").hidden = true; $("pair").disabled = false; $("pairerror").hidden = false; $("pairerror").textContent = explain(err); }
      };
      poll();
    } catch (err) { $("pairerror").hidden = false; $("pairerror").textContent = explain(err); }
  };
}

async function start() {
  try { me = await api("GET", "/api/v1/me"); }
  catch (err) { me = null; }
  if (me) { $("waiting").hidden = true; showCar(); } else showPairing();
  drawActions();
}

async function main() {
  await loadLabels();
  setLang(pickLang());
  $("lang").onchange = (e) => setLang(e.target.value);
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/companion/sw.js", { scope: "/companion/" }).catch(() => {});
  await start();
}
main();
