"""Command-line faces of the CAN adapters: `renkei can vehicles` and `renkei replay`.

`replay_command` decodes a recorded log (`candump -l`, ASC, BLF) with a vehicle
model's mapping into an in-process broker and prints what came out: counters
and the last value of every mapped signal. `vehicles` lists the shipped models
and the signals each one maps. Text is English, Simplified Chinese or Japanese
(from RENKEI_LANG / LANG).

    renkei can vehicles
    renkei can vehicles --model vw_id4
    renkei replay drive.log --vehicle vw_id4 --fast
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from renkei.i18n import current_lang
from renkei.vehicle.can.mapping import MappingError, load_vehicle_mapping, vehicle_models
from renkei.vehicle.can.replay import ReplayError, ReplayStats, replay_log

app = typer.Typer(no_args_is_help=True, help="CAN adapters: vehicle models mapped from real DBC files (opendbc).")

_TEXT: dict[str, dict[str, str]] = {
    "models": {"en": "Vehicle models", "zh-CN": "车型", "ja": "車種"},
    "model": {"en": "model", "zh-CN": "车型代号", "ja": "モデル"},
    "maker": {"en": "maker", "zh-CN": "制造商", "ja": "メーカー"},
    "name": {"en": "name", "zh-CN": "名称", "ja": "名称"},
    "sensors": {"en": "signals from CAN", "zh-CN": "来自 CAN 的信号", "ja": "CAN からの信号"},
    "actuators": {"en": "actuators to CAN", "zh-CN": "发往 CAN 的执行器", "ja": "CAN への操作"},
    "signals_of": {"en": "Signals of {model}", "zh-CN": "{model} 的信号", "ja": "{model} の信号"},
    "direction": {"en": "direction", "zh-CN": "方向", "ja": "方向"},
    "dbc_signal": {"en": "DBC message.signal", "zh-CN": "DBC 报文.信号", "ja": "DBC メッセージ.信号"},
    "replayed": {
        "en": "Replayed {frames} frames of {file} ({span:.1f} s of traffic in {elapsed:.2f} s)",
        "zh-CN": "已回放 {file} 的 {frames} 帧（{span:.1f} 秒的流量，用时 {elapsed:.2f} 秒）",
        "ja": "{file} の {frames} フレームを再生しました（{span:.1f} 秒分の通信を {elapsed:.2f} 秒で）",
    },
    "counters": {"en": "Counters", "zh-CN": "计数", "ja": "カウンター"},
    "values": {"en": "Last values", "zh-CN": "最新值", "ja": "最新の値"},
    "malformed": {
        "en": "{count} malformed line(s) skipped",
        "zh-CN": "跳过了 {count} 行格式错误的记录",
        "ja": "不正な行を {count} 行スキップしました",
    },
    "read_error": {
        "en": "The log ended early: {error}",
        "zh-CN": "日志提前结束：{error}",
        "ja": "ログが途中で終わりました: {error}",
    },
    "no_frames": {
        "en": "No frame in {file} could be read; is it a candump -l, ASC or BLF log?",
        "zh-CN": "{file} 中没有可读取的帧；它是 candump -l、ASC 或 BLF 日志吗？",
        "ja": "{file} から読めるフレームがありません。candump -l、ASC、BLF のログですか？",
    },
    "error": {"en": "Error: {error}", "zh-CN": "错误：{error}", "ja": "エラー: {error}"},
}


def _t(key: str, **values: object) -> str:
    entry = _TEXT[key]
    return (entry.get(current_lang()) or entry["en"]).format(**values)


def _fail(message: str) -> typer.Exit:
    Console(stderr=True).print(_t("error", error=message), markup=False, highlight=False)
    return typer.Exit(2)


@app.callback()
def can_group() -> None:
    """CAN adapters: vehicle models mapped from real DBC files (opendbc)."""


@app.command("vehicles")
def vehicles_command(
    model: Annotated[str | None, typer.Option(help="Show the signal table of this model.")] = None,
) -> None:
    """List the vehicle models and the VSS signals each one maps."""
    console = Console()
    if model is None:
        table = Table(title=_t("models"))
        for key in ("model", "maker", "name", "sensors", "actuators"):
            table.add_column(_t(key))
        for name in vehicle_models():
            try:
                mapping = load_vehicle_mapping(name)
            except MappingError as err:
                raise _fail(str(err)) from None
            lang = current_lang()
            label = {"zh-CN": mapping.names.zh, "ja": mapping.names.ja}.get(lang) or mapping.names.en
            table.add_row(
                mapping.model, mapping.maker, label, str(len(mapping.sensor_paths)), str(len(mapping.actuator_paths))
            )
        console.print(table)
        return
    try:
        mapping = load_vehicle_mapping(model)
    except MappingError as err:
        raise _fail(str(err)) from None
    table = Table(title=_t("signals_of", model=mapping.names.en))
    table.add_column("VSS")
    table.add_column(_t("direction"))
    table.add_column(_t("dbc_signal"))
    for path, direction, dbc in mapping.describe():
        table.add_row(path, direction, dbc)
    console.print(table)


def replay_command(
    log: Annotated[Path, typer.Argument(help="candump -l (.log), ASC (.asc) or BLF (.blf) log.")],
    vehicle: Annotated[str, typer.Option(help="Vehicle model whose DBC mapping decodes the log.")],
    fast: Annotated[bool, typer.Option("--fast", help="Replay as fast as possible, not at recorded pace.")] = False,
    catalog: Annotated[
        Path | None, typer.Option(help="VSS catalog JSON to decode against (default: the platform catalog).")
    ] = None,
) -> None:
    """Replay a recorded CAN log through a vehicle mapping and show what the broker received."""
    from renkei.broker import Broker
    from renkei.client import InProcessClient
    from renkei.vss import Catalog, CatalogError, load_default_catalog

    try:
        vss = Catalog.from_files([catalog]) if catalog is not None else load_default_catalog()
    except (CatalogError, OSError) as err:
        raise _fail(str(err)) from None
    try:
        mapping = load_vehicle_mapping(vehicle, vss)
    except MappingError as err:
        raise _fail(str(err)) from None
    broker = Broker(vss)
    client = InProcessClient(broker, name="replay")
    try:
        stats = asyncio.run(replay_log(client, log, vehicle=mapping, realtime=not fast))
    except ReplayError as err:
        raise _fail(str(err)) from None
    _print_replay(stats, broker, mapping.sensor_paths)
    if stats.frames_read == 0:
        raise _fail(_t("no_frames", file=log.name))


def _print_replay(stats: ReplayStats, broker: object, paths: list[str]) -> None:
    from renkei.broker import Broker

    assert isinstance(broker, Broker)
    console = Console()
    console.print(
        _t(
            "replayed",
            frames=stats.frames_read,
            file=Path(stats.path).name,
            span=stats.log_span_s,
            elapsed=stats.elapsed_s,
        )
    )
    if stats.malformed_lines:
        console.print(_t("malformed", count=stats.malformed_lines))
    if stats.read_error:
        console.print(_t("read_error", error=stats.read_error), markup=False)
    counters = Table(title=_t("counters"))
    counters.add_column("counter")
    counters.add_column("", justify="right")
    for key, count in stats.can.as_dict().items():
        counters.add_row(key, str(count))
    console.print(counters)
    values = Table(title=_t("values"))
    values.add_column("VSS")
    values.add_column("value")
    for path in paths:
        value = broker.current_value(path)
        if value is not None:
            values.add_row(path, repr(value))
    console.print(values)
