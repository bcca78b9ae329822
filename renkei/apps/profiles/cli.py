"""`renkei profiles`: people's profiles, voiceprints, habits and scenes from the terminal.

Profiles, habits and scenes live in the data directory (`profiles.sqlite3`), so most commands
work whether or not the platform runs; `apply` asks the running platform (over gRPC, with the
CLI token) to switch the active profile, exactly as the cockpit's picker would.

    renkei profiles ls
    renkei profiles set mei climate.driver_temperature=22.5 cockpit.language=zh-CN
    renkei profiles show mei
    renkei profiles enroll mei one.wav two.wav three.wav
    renkei profiles apply mei
    renkei profiles pause-learning mei        # --resume to learn again
    renkei profiles wipe-history mei
    renkei profiles delete mei                # profile, habits and voiceprint
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from renkei.apps.profiles.model import ACTIVE_PROFILE, GUEST, Profile, ProfileError, check_person_id, parse_profile
from renkei.apps.profiles.scenes import SceneBook, parse_scene
from renkei.apps.profiles.store import ProfileStore
from renkei.i18n import current_lang

app = typer.Typer(help="People's profiles, voiceprints, habits and scenes.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)

DataDirOption = Annotated[Path | None, typer.Option("--data-dir", help="the platform's data directory")]

MESSAGES: dict[str, dict[str, str]] = {
    "error": {"en": "error: {reason}", "zh-CN": "错误：{reason}", "ja": "エラー: {reason}"},
    "saved": {
        "en": "Saved profile {name}.",
        "zh-CN": "已保存 {name} 的档案。",
        "ja": "{name} のプロフィールを保存しました。",
    },
    "deleted": {
        "en": "Deleted {name}: profile, {sessions} learned trips{voice}.",
        "zh-CN": "已删除 {name}：档案、{sessions} 条习惯记录{voice}。",
        "ja": "{name} を削除しました: プロフィール、学習した {sessions} 件の記録{voice}。",
    },
    "voice": {"en": " and voiceprint", "zh-CN": "及声纹", "ja": "と声紋"},
    "paused": {
        "en": "Learning paused for {name}.",
        "zh-CN": "已暂停学习 {name} 的习惯。",
        "ja": "{name} の学習を一時停止しました。",
    },
    "resumed": {
        "en": "Learning resumed for {name}.",
        "zh-CN": "已恢复学习 {name} 的习惯。",
        "ja": "{name} の学習を再開しました。",
    },
    "wiped": {
        "en": "Forgot {count} learned trips of {name}.",
        "zh-CN": "已清除 {name} 的 {count} 条习惯记录。",
        "ja": "{name} の学習記録 {count} 件を消去しました。",
    },
    "enrolled": {
        "en": "Enrolled {name}'s voice from {clips} clips (stored encrypted in {where}).",
        "zh-CN": "已用 {clips} 段录音登记 {name} 的声纹（加密保存在 {where}）。",
        "ja": "{clips} 件の録音から {name} の声紋を登録しました（{where} に暗号化して保存）。",
    },
    "applied": {
        "en": "The car now follows {name}'s profile.",
        "zh-CN": "车辆已切换到 {name} 的档案。",
        "ja": "車は {name} のプロフィールに切り替わりました。",
    },
    "not_running": {
        "en": "Cannot reach renkei at {address}: {reason}. Start it with `renkei run` first.",
        "zh-CN": "无法连接 {address} 上的 renkei：{reason}。请先运行 `renkei run`。",
        "ja": "{address} の renkei に接続できません: {reason}。先に `renkei run` を起動してください。",
    },
    "no_profile": {
        "en": "There is no profile {name}; create it with `renkei profiles set {name} ...`.",
        "zh-CN": "没有名为 {name} 的档案；请用 `renkei profiles set {name} ...` 创建。",
        "ja": "{name} というプロフィールはありません。`renkei profiles set {name} ...` で作成してください。",
    },
}


def say(key: str, **values: object) -> str:
    entry = MESSAGES[key]
    return (entry.get(current_lang()) or entry["en"]).format(**values)


def fail(reason: str) -> typer.Exit:
    errors.print(say("error", reason=reason), highlight=False, soft_wrap=True)
    return typer.Exit(1)


def _data_dir(data_dir: Path | None) -> Path:
    if data_dir is not None:
        return data_dir
    from renkei.settings import load_settings

    return load_settings().data_dir


def _store(data_dir: Path | None) -> ProfileStore:
    return ProfileStore(_data_dir(data_dir))


def _person(name: str) -> str:
    try:
        return check_person_id(name)
    except ProfileError as err:
        raise fail(str(err)) from None


def _existing(store: ProfileStore, name: str) -> Profile:
    profile = store.get(_person(name))
    if profile is None:
        raise fail(say("no_profile", name=name))
    return profile


@app.command("ls")
def list_profiles(data_dir: DataDirOption = None) -> None:
    """Every profile, with its language and how much has been learned."""
    store = _store(data_dir)
    table = Table("id", "name", "language", "text size", "learning", "learned trips")
    for person in store.ids():
        profile = store.get(person)
        if profile is None:
            continue
        trips = len(store.sessions(person)) if person != GUEST else 0
        table.add_row(
            person,
            profile.display_name,
            profile.cockpit.language or "–",
            profile.cockpit.font_size or "–",
            "paused" if profile.learning_paused else "on",
            str(trips),
        )
    store.close()
    console.print(table)


@app.command()
def show(name: str, data_dir: DataDirOption = None) -> None:
    """One profile as JSON (what `save` reads back)."""
    store = _store(data_dir)
    profile = _existing(store, name)
    store.close()
    console.print_json(profile.model_dump_json(exclude_none=True))


def _coerce(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


@app.command("set")
def set_fields(
    name: str,
    assignments: Annotated[list[str], typer.Argument(help="section.field=value, e.g. climate.driver_temperature=22")],
    data_dir: DataDirOption = None,
) -> None:
    """Create or change a profile field by field; the error names any field that is wrong."""
    store = _store(data_dir)
    person = _person(name)
    profile = store.get(person) or Profile(id=person, display_name=person)
    doc = profile.model_dump()
    for assignment in assignments:
        key, sep, raw = assignment.partition("=")
        if not sep or not key:
            raise fail(f"{assignment!r}: write section.field=value")
        target: Any = doc
        parts = key.split(".")
        for part in parts[:-1]:
            if not isinstance(target, dict) or part not in target:
                raise fail(f"{key}: there is no section {part!r}")
            target = target[part]
        if not isinstance(target, dict):
            raise fail(f"{key}: {parts[-2]!r} is not a section")
        target[parts[-1]] = _coerce(raw)
    try:
        store.put(parse_profile(doc, source=person))
    except ProfileError as err:
        raise fail(str(err)) from None
    store.close()
    console.print(say("saved", name=person))


@app.command()
def save(file: Path, data_dir: DataDirOption = None) -> None:
    """Create or replace a profile from a JSON file (see `show`)."""
    try:
        doc = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise fail(f"{file}: {err}") from None
    try:
        profile = parse_profile(doc, source=str(file))
    except ProfileError as err:
        raise fail(str(err)) from None
    store = _store(data_dir)
    store.put(profile)
    store.close()
    console.print(say("saved", name=profile.id))


@app.command()
def delete(
    name: str,
    keep_voiceprint: Annotated[bool, typer.Option(help="keep the enrolled voiceprint")] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Delete a person's profile, learned habits and (unless kept) voiceprint."""
    directory = _data_dir(data_dir)
    store = ProfileStore(directory)
    person = _person(name)
    if person == GUEST:
        raise fail("the guest profile cannot be deleted")
    sessions = len(store.sessions(person))
    try:
        store.delete(person)
    except ProfileError:
        store.close()
        raise fail(say("no_profile", name=person)) from None
    store.close()
    voice = ""
    if not keep_voiceprint:
        from renkei.apps.assistant.speakers import SpeakerRegistry, VoiceprintError

        try:
            registry = SpeakerRegistry(directory)
            if person in registry.names():
                registry.delete(person)
                voice = say("voice")
        except VoiceprintError as err:
            raise fail(str(err)) from None
    console.print(say("deleted", name=person, sessions=sessions, voice=voice))


@app.command("pause-learning")
def pause_learning(
    name: str,
    resume: Annotated[bool, typer.Option("--resume", help="learn again")] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Stop (or restart) learning this person's habits; what was learned is kept."""
    store = _store(data_dir)
    profile = _existing(store, name)
    store.put(profile.model_copy(update={"learning_paused": not resume}))
    store.close()
    console.print(say("resumed" if resume else "paused", name=profile.id))


@app.command("wipe-history")
def wipe_history(name: str, data_dir: DataDirOption = None) -> None:
    """Forget everything learned about this person (the profile itself stays)."""
    store = _store(data_dir)
    person = _person(name)
    count = store.wipe_history(person)
    store.close()
    console.print(say("wiped", name=person, count=count))


@app.command()
def enroll(
    name: str,
    wavs: Annotated[list[Path], typer.Argument(help="3 or more recordings of the person speaking (WAV/FLAC)")],
    data_dir: DataDirOption = None,
) -> None:
    """Enrol a person's voice so the assistant recognises them (stored encrypted, never sent)."""
    import soundfile  # type: ignore[import-untyped]

    from renkei.apps.assistant.speakers import AudioError, SpeakerRegistry, VoiceprintError

    person = _person(name)
    clips = []
    rate = None
    for wav in wavs:
        try:
            samples, file_rate = soundfile.read(wav, dtype="float32", always_2d=False)
        except (OSError, RuntimeError, soundfile.LibsndfileError) as err:
            raise fail(f"{wav}: cannot be read as audio ({err})") from None
        if rate is not None and file_rate != rate:
            raise fail(f"{wav}: {file_rate} Hz, but the first recording has {rate} Hz; record all at one rate")
        rate = int(file_rate)
        clips.append(samples)
    directory = _data_dir(data_dir)
    try:
        registry = SpeakerRegistry(directory)
        registry.enroll(person, clips, rate or 16_000)
    except (AudioError, VoiceprintError) as err:
        raise fail(str(err)) from None
    console.print(say("enrolled", name=person, clips=len(clips), where=registry.directory))


@app.command()
def voices(data_dir: DataDirOption = None) -> None:
    """Who has an enrolled voiceprint."""
    from renkei.apps.assistant.speakers import SpeakerRegistry, VoiceprintError

    try:
        names = SpeakerRegistry(_data_dir(data_dir)).names()
    except VoiceprintError as err:
        raise fail(str(err)) from None
    for person in names:
        console.print(person)


@app.command()
def scenes(
    add: Annotated[Path | None, typer.Option(help="a JSON file with one scene to add or replace")] = None,
    data_dir: DataDirOption = None,
) -> None:
    """List scene phrases, or add one from a JSON file."""
    store = _store(data_dir)
    book = SceneBook(store)
    if add is not None:
        try:
            scene = parse_scene(json.loads(add.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            raise fail(f"{add}: {err}") from None
        except ProfileError as err:
            raise fail(str(err)) from None
        book.put(scene)
    table = Table("scene", "owner", "phrases", "car", "home")
    for scene in book.all():
        phrases = " / ".join(p[0] for p in scene.phrases.values())
        table.add_row(scene.name, scene.owner or "everyone", phrases, str(len(scene.car)), str(len(scene.home)))
    store.close()
    console.print(table)


@app.command()
def apply(name: str, data_dir: DataDirOption = None) -> None:
    """Ask the running car to follow this person's profile now (like the cockpit's picker)."""
    person = _person(name)
    store = _store(data_dir)
    if person != GUEST and store.get(person) is None:
        store.close()
        raise fail(say("no_profile", name=person))
    store.close()

    from renkei.client import BrokerError, ErrorCode
    from renkei.client.grpc import GrpcClient
    from renkei.runtime import running_platform
    from renkei.settings import load_settings

    settings = load_settings(data_dir=data_dir) if data_dir is not None else load_settings()
    address, token = running_platform(settings)

    async def work() -> None:
        client = GrpcClient(address, token=token, name="profiles-cli")
        await client.connect()
        try:
            await client.actuate({ACTIVE_PROFILE: person})
        finally:
            await client.close()

    try:
        asyncio.run(work())
    except BrokerError as err:
        if err.code is ErrorCode.UNAVAILABLE:
            raise fail(say("not_running", address=address, reason=err.message)) from None
        raise fail(f"{err} [{err.code.value}]") from None
    console.print(say("applied", name=person))
