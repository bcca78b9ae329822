"""`renkei sim …`: list scenarios and plot a simulated run.

Flow: `scenarios` prints the shipped scenarios (name, vehicle, weather, title in the chosen
language); `plot SCENARIO` runs `simulate()` (a shipped name or a YAML file) and writes a
PNG with speed, state of charge, battery power and cabin temperature over time.

    renkei sim scenarios --lang zh-CN
    renkei sim plot winter_commute_beijing --seconds 1800 --out winter.png --lang ja
    renkei sim consumption            # simulated CLTC/WLTC kWh/100 km against published figures
    renkei sim efficiency byd_atto3 --out map.png
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Literal

import typer

from renkei.vehicle.sim.consumption import cycle_consumption
from renkei.vehicle.sim.params import builtin_vehicle, builtin_vehicle_names
from renkei.vehicle.sim.powertrain import Powertrain
from renkei.vehicle.sim.scenario import (
    Scenario,
    ScenarioError,
    builtin_scenario,
    builtin_scenario_names,
    load_scenario,
)
from renkei.vehicle.sim.vehicle import SimRecord, simulate

Lang = Literal["en", "zh-CN", "ja"]
LANGS: tuple[str, ...] = ("en", "zh-CN", "ja")

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "speed": "Speed (km/h)",
        "soc": "State of charge (%)",
        "power": "Battery power (kW)",
        "hvac": "of which climate (kW)",
        "cabin": "Cabin (°C)",
        "battery": "Battery (°C)",
        "time": "Time (min)",
        "title": "{title} — {vehicle}",
        "written": "wrote {path}: {minutes:.0f} min simulated, {km:.1f} km, SOC {soc0:.0f}% → {soc1:.0f}%",
        "header": "name | vehicle | ambient | title",
        "map": "{vehicle}: motor + inverter efficiency",
        "rpm": "Motor speed (rpm)",
        "torque": "Torque (N·m)",
        "consumption": "vehicle | cycle | simulated kWh/100 km | published | error",
    },
    "zh-CN": {
        "speed": "车速 (km/h)",
        "soc": "电量 SOC (%)",
        "power": "电池功率 (kW)",
        "hvac": "其中空调 (kW)",
        "cabin": "车内温度 (°C)",
        "battery": "电池温度 (°C)",
        "time": "时间 (分钟)",
        "title": "{title} — {vehicle}",
        "written": "已写入 {path}：模拟 {minutes:.0f} 分钟，{km:.1f} 公里，电量 {soc0:.0f}% → {soc1:.0f}%",
        "header": "名称 | 车型 | 环境温度 | 标题",
        "map": "{vehicle}：电机与逆变器效率",
        "rpm": "电机转速 (rpm)",
        "torque": "扭矩 (N·m)",
        "consumption": "车型 | 工况 | 模拟 kWh/100 km | 公布值 | 误差",
    },
    "ja": {
        "speed": "車速 (km/h)",
        "soc": "充電率 SOC (%)",
        "power": "バッテリー出力 (kW)",
        "hvac": "うち空調 (kW)",
        "cabin": "車内温度 (°C)",
        "battery": "バッテリー温度 (°C)",
        "time": "時間 (分)",
        "title": "{title} — {vehicle}",
        "written": "{path} を書き出しました：{minutes:.0f} 分、{km:.1f} km、SOC {soc0:.0f}% → {soc1:.0f}%",
        "header": "名前 | 車両 | 外気温 | タイトル",
        "map": "{vehicle}：モーター・インバーター効率",
        "rpm": "モーター回転数 (rpm)",
        "torque": "トルク (N·m)",
        "consumption": "車両 | サイクル | シミュレーション kWh/100 km | 公表値 | 誤差",
    },
}
FONTS = {
    "en": ["DejaVu Sans"],
    "zh-CN": ["Noto Sans CJK SC", "Noto Serif CJK SC", "WenQuanYi Zen Hei", "DejaVu Sans"],
    "ja": ["Noto Sans CJK JP", "Noto Serif CJK JP", "IPAGothic", "DejaVu Sans"],
}

app = typer.Typer(help="The EV simulator: list scenarios and plot simulated runs.", no_args_is_help=True)


def _lang(value: str) -> str:
    if value not in LANGS:
        raise typer.BadParameter(f"must be one of {', '.join(LANGS)}, not {value!r}")
    return value


def _title(scenario: Scenario, lang: str) -> str:
    texts = scenario.title
    return {"zh-CN": texts.zh_CN, "ja": texts.ja}.get(lang) or texts.en


def resolve_scenario(spec: str) -> Scenario:
    """A shipped scenario name, or a path to a YAML file."""
    if spec in builtin_scenario_names():
        return builtin_scenario(spec)
    path = Path(spec)
    if path.suffix.lower() in (".yaml", ".yml") or path.exists():
        return load_scenario(path)
    raise ScenarioError(
        spec, "", "known", f"neither a file nor a shipped scenario ({', '.join(builtin_scenario_names())})"
    )


def plot_record(record: SimRecord, scenario: Scenario, out: Path, *, lang: str = "en") -> Path:
    """Write a four-panel PNG of a run and return its path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    text = LABELS[lang]
    minutes = [t / 60.0 for t in record.time_s]
    with plt.rc_context({"font.family": "sans-serif", "font.sans-serif": FONTS[lang], "axes.unicode_minus": False}):
        fig, axes = plt.subplots(4, 1, figsize=(10, 9), sharex=True, constrained_layout=True)
        fig.suptitle(text["title"].format(title=_title(scenario, lang), vehicle=record.vehicle))
        axes[0].plot(minutes, record.speed_kmh, color="#1f77b4", linewidth=0.9)
        axes[0].set_ylabel(text["speed"])
        axes[1].plot(minutes, record.soc_percent, color="#2ca02c")
        axes[1].set_ylabel(text["soc"])
        axes[2].plot(minutes, record.battery_power_kw, color="#d62728", linewidth=0.7, label=text["power"])
        axes[2].plot(minutes, record.hvac_power_kw, color="#ff7f0e", linewidth=1.0, label=text["hvac"])
        axes[2].axhline(0.0, color="grey", linewidth=0.5)
        axes[2].set_ylabel(text["power"])
        axes[2].legend(loc="upper right", fontsize="small")
        axes[3].plot(minutes, record.cabin_c, color="#9467bd", label=text["cabin"])
        axes[3].plot(minutes, record.battery_c, color="#8c564b", linestyle="--", label=text["battery"])
        axes[3].set_ylabel("°C")
        axes[3].legend(loc="lower right", fontsize="small")
        axes[3].set_xlabel(text["time"])
        for axis in axes:
            axis.grid(True, alpha=0.3)
        out.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(out, dpi=110)
        plt.close(fig)
    return out


@app.command("scenarios")
def scenarios(
    lang: Annotated[str, typer.Option(help="Language: en, zh-CN or ja.", callback=_lang)] = "en",
) -> None:
    """List the scenarios shipped with the simulator."""
    typer.echo(LABELS[lang]["header"])
    for name in builtin_scenario_names():
        scenario = builtin_scenario(name)
        typer.echo(f"{name} | {scenario.vehicle} | {scenario.weather.ambient_c:g} °C | {_title(scenario, lang)}")


@app.command("plot")
def plot(
    scenario: Annotated[str, typer.Argument(help="A shipped scenario name or a scenario YAML file.")],
    out: Annotated[Path, typer.Option(help="PNG file to write.")] = Path("sim.png"),
    seconds: Annotated[float, typer.Option(help="Simulated seconds to run.")] = 1800.0,
    seed: Annotated[int, typer.Option(help="Random seed (GNSS noise).")] = 0,
    lang: Annotated[str, typer.Option(help="Language of the labels: en, zh-CN or ja.", callback=_lang)] = "en",
) -> None:
    """Simulate a scenario and write a PNG: speed, SOC, power and temperatures over time."""
    if not math.isfinite(seconds) or not 1.0 <= seconds <= 7 * 86400:
        raise typer.BadParameter(f"must be between 1 s and 7 days, not {seconds}", param_hint="--seconds")
    if out.suffix.lower() != ".png":
        raise typer.BadParameter(f"must end in .png, not {out.name!r}", param_hint="--out")
    try:
        chosen = resolve_scenario(scenario)
    except ScenarioError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from None
    record = simulate(chosen, seconds, seed=seed)
    try:
        plot_record(record, chosen, out, lang=lang)
    except OSError as err:
        typer.echo(f"error: cannot write {out}: {err.strerror}", err=True)
        raise typer.Exit(1) from None
    typer.echo(
        LABELS[lang]["written"].format(
            path=out,
            minutes=record.time_s[-1] / 60.0,
            km=record.distance_km[-1],
            soc0=record.soc_percent[0],
            soc1=record.soc_percent[-1],
        )
    )


@app.command("consumption")
def consumption(
    lang: Annotated[str, typer.Option(help="Language: en, zh-CN or ja.", callback=_lang)] = "en",
) -> None:
    """Laboratory consumption of each shipped vehicle on CLTC-P and WLTC, against published figures."""
    typer.echo(LABELS[lang]["consumption"])
    for name in builtin_vehicle_names():
        params = builtin_vehicle(name)
        for key, cycle in (("CLTC", "cltc_p"), ("WLTC", "wltc_class3b")):
            simulated = cycle_consumption(params, cycle).kwh_per_100km
            figure = params.published_consumption.get(key)
            published = f"{figure.value:g}" if figure else "-"
            error = f"{(simulated / figure.value - 1) * 100:+.1f} %" if figure else "-"
            typer.echo(f"{params.name} | {key} | {simulated:.2f} | {published} | {error}")


@app.command("efficiency")
def efficiency(
    vehicle: Annotated[str, typer.Argument(help="A shipped vehicle: " + ", ".join(builtin_vehicle_names()))],
    out: Annotated[Path, typer.Option(help="PNG file to write.")] = Path("efficiency.png"),
    lang: Annotated[str, typer.Option(help="Language of the labels: en, zh-CN or ja.", callback=_lang)] = "en",
) -> None:
    """Write the motor + inverter efficiency map (speed x torque) of a vehicle as a PNG."""
    if vehicle not in builtin_vehicle_names():
        raise typer.BadParameter(f"unknown vehicle {vehicle!r}; known: {', '.join(builtin_vehicle_names())}")
    if out.suffix.lower() != ".png":
        raise typer.BadParameter(f"must end in .png, not {out.name!r}", param_hint="--out")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    params = builtin_vehicle(vehicle)
    drive = Powertrain(params)
    rpm_max, torque_max = params.motor.max_speed_rpm, params.motor.peak_torque_nm
    speeds = [rpm_max * i / 80 for i in range(1, 81)]
    torques = [torque_max * j / 60 for j in range(1, 61)]
    grid = []
    for torque in torques:
        row = []
        for rpm in speeds:
            omega = rpm * 3.141592653589793 / 30.0
            available = min(torque_max, params.motor.peak_power_kw * 1000.0 / omega)
            row.append(drive.efficiency(rpm, torque) * 100.0 if torque <= available else float("nan"))
        grid.append(row)
    text = LABELS[lang]
    with plt.rc_context({"font.family": "sans-serif", "font.sans-serif": FONTS[lang]}):
        fig, ax = plt.subplots(figsize=(8, 5.5), constrained_layout=True)
        levels = [70, 80, 85, 88, 90, 92, 93, 94, 95, 96, 97, 98]
        filled = ax.contourf(speeds, torques, grid, levels=levels, cmap="viridis", extend="min")
        lines = ax.contour(speeds, torques, grid, levels=[85, 90, 94, 96], colors="white", linewidths=0.6)
        ax.clabel(lines, fmt="%d %%", fontsize=8)
        fig.colorbar(filled, ax=ax, label="%")
        ax.set_xlabel(text["rpm"])
        ax.set_ylabel(text["torque"])
        ax.set_title(text["map"].format(vehicle=params.name))
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            fig.savefig(out, dpi=110)
        except OSError as err:
            typer.echo(f"error: cannot write {out}: {err.strerror}", err=True)
            raise typer.Exit(1) from None
        finally:
            plt.close(fig)
    typer.echo(str(out))
