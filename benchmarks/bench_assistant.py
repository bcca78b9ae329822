"""Assistant quality and speed: exact-effect accuracy per language, understanding time, and
end-of-speech-to-action latency of spoken English commands synthesised with espeak-ng.

Run: .venv/bin/python -m benchmarks.bench_assistant   (writes the "assistant" section of docs/benchmarks.md)
     --no-write --no-spoken --held-out holdout holdout3 holdout4 dev5   while iterating (print only,
     skip the speech part, and leave the rounds still held out unseen)

Flow: (1) every language's test set (benchmarks/assistant_testsets) through the text path
on a local car, then every later round beside it (each `holdout*/` and `dev*/` folder: one YAML
per language, its first comment line says what it is and whether it is still held out); (2) the
development utterances through the understanding step alone, timed;
(3) English car commands of the test set spoken by espeak-ng (140 words/min, a 30 dB
noise floor, half a second of lead-in) streamed frame by frame into the voice pipeline.
Latency is simulated real time on this machine: frame k arrives at (k+1)·30 ms, each
frame is processed when it has arrived and the previous one is done, and the latency is
the time from the end of the last voiced frame to the moment the actuation returned.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import time
from pathlib import Path

import numpy as np

from benchmarks.report import write_section
from renkei.apps.assistant.assistant import Assistant
from renkei.apps.assistant.evaluation import evaluate_language, judge, load_cases
from renkei.apps.assistant.local import local_car
from renkei.apps.assistant.settings import AssistantSettings
from renkei.apps.assistant.speech import FRAME_SAMPLES, prepare_audio, read_wav
from renkei.apps.assistant.understanding import LANGS, Understander
from renkei.apps.assistant.voice import VoicePipeline

TESTSETS = Path(__file__).resolve().parent / "assistant_testsets"
COMMAND = ".venv/bin/python -m benchmarks.bench_assistant"
FRAME_S = 0.03


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def accuracy(understander: Understander, folder: Path = TESTSETS) -> dict[str, tuple[int, int, list[str]]]:
    out: dict[str, tuple[int, int, list[str]]] = {}
    for lang in LANGS:
        report = await evaluate_language(folder, lang, understander=understander)
        out[lang] = (report.correct, report.total, [f.say for f in report.failures])
    return out


def round_number(folder: Path) -> tuple[int, int]:
    """`holdout` is round 2 (the first held-out round); `dev5` comes before `holdout5`."""
    digits = "".join(ch for ch in folder.name if ch.isdigit())
    return int(digits or 2), 0 if folder.name.startswith("dev") else 1


def held_out_folders(names: list[str] | None = None) -> list[Path]:
    """Every later round (`holdout`, `holdout3`, …, `dev5`, `holdout5`) in order, or only the ones named.

    The first comment line of each round's English file says whether it is still held out."""
    found = sorted(
        (p for p in TESTSETS.iterdir() if p.is_dir() and p.name.startswith(("holdout", "dev"))),
        key=round_number,
    )
    if names is None:
        return found
    unknown = set(names) - {p.name for p in found}
    if unknown:
        raise SystemExit(f"no round folder named {', '.join(sorted(unknown))} in {TESTSETS}")
    return [p for p in found if p.name in names]


def describe(folder: Path) -> str:
    """The first comment line of the folder's English set (what the round is and how it was used)."""
    for line in (folder / "en.yaml").read_text("utf-8").splitlines():
        if line.startswith("#"):
            return line.lstrip("# ").strip()
    return folder.name


def understanding_times(
    understander: Understander, rounds: int = 5, folder: Path = TESTSETS
) -> dict[str, dict[str, list[float]]]:
    """Per utterance, the least CPU time of `rounds` runs (the machine is shared: CPU time and the
    minimum leave out the time other processes held the cores), split into car and home commands."""
    times: dict[str, dict[str, list[float]]] = {}
    for lang in LANGS:
        _, cases = load_cases(folder, lang)
        split: dict[str, list[float]] = {"car": [], "home": []}
        for case in cases:
            best = float("inf")
            for _ in range(rounds):
                started = time.process_time()
                understander.parse(case.say, lang)
                best = min(best, (time.process_time() - started) * 1000)
            split["home" if case.home else "car"].append(best)
        times[lang] = split
    return times


def speak(text: str) -> np.ndarray:
    wav = subprocess.run(
        ["espeak-ng", "-v", "en-us", "-s", "140", "--stdout", text], capture_output=True, check=True
    ).stdout
    pcm, rate = read_wav(wav)
    return prepare_audio(pcm, rate)


async def spoken(limit: int) -> tuple[int, int, list[float], list[float], list[str]]:
    """Exact-effect accuracy and end-of-speech-to-action latency of spoken English commands."""
    initial, cases = load_cases(TESTSETS, "en")
    chosen = [c for c in cases if c.expect and not c.before and not c.state and not c.refused][:limit]
    rng = np.random.default_rng(11)
    correct, misses = 0, []
    latencies: list[float] = []
    cpu_latencies: list[float] = []
    async with local_car() as car:
        assistant = Assistant(car.client, AssistantSettings())
        pipeline = VoicePipeline(assistant, tts=False)
        await asyncio.to_thread(pipeline.stt.warm_up)  # type: ignore[attr-defined]
        assistant.understander.warm_up()
        stream = pipeline.stream(seat="driver", lang="en")
        # One utterance first, as a cabin microphone always has heard something before.
        await stream.feed(np.concatenate([np.zeros(8000, np.int16), speak("hello car"), np.zeros(16000, np.int16)]))
        for case in chosen:
            stream.seat = case.seat
            car.broker.publish(initial)
            assistant.conversations.clear()
            speech = speak(case.say)
            audio = np.concatenate([np.zeros(8000, np.int16), speech, np.zeros(16000, np.int16)])
            audio = np.clip(audio + rng.normal(0, 30, audio.size), -32768, 32767).astype(np.int16)
            base, clock, cpu_clock, acted = stream.frames_seen, 0.0, 0.0, None
            for k in range(0, audio.size - FRAME_SAMPLES + 1, FRAME_SAMPLES):
                arrival = (k // FRAME_SAMPLES + 1) * FRAME_S
                start, cpu_start = max(arrival, clock), max(arrival, cpu_clock)
                began, cpu_began = time.perf_counter(), time.process_time()
                result = await stream.feed_frame(audio[k : k + FRAME_SAMPLES])
                clock = start + time.perf_counter() - began
                cpu_clock = cpu_start + time.process_time() - cpu_began
                if result is not None and acted is None:
                    end = result.speech_end_s - base * FRAME_S
                    acted = (result, clock - end, cpu_clock - end)
            if acted is not None and acted[0].result is not None and judge(case, acted[0].result) is None:
                correct += 1
                latencies.append(acted[1] * 1000)
                cpu_latencies.append(acted[2] * 1000)
            else:
                heard = acted[0].transcript if acted else "(nothing)"
                misses.append(f"{case.say} → {heard}")
    return correct, len(chosen), latencies, cpu_latencies, misses


async def main(spoken_limit: int, held_out: list[str] | None = None) -> str:
    understander = Understander()
    understander.warm_up()
    acc = await accuracy(understander)
    times = understanding_times(understander)
    lines = [
        "Exact effect: the signal changes (path and value), home commands, refusals and answers",
        "equal the expectation written with each command. Test sets: `benchmarks/assistant_testsets/`",
        "(written as people speak, not generated from the templates, but the templates were extended",
        "while these sets were being run, so they are development sets; see the later rounds below).",
        "Understanding time: the development commands, split by the car and the home domain. Later",
        "rounds: how many commands only the frame reader (`frames.py`, the fallback for wordings no",
        "template knows) understood, right or wrong, and the understanding time of all their commands.",
        "",
        "| language | commands | exact effect | understanding, car: p50 | p95 | home: p50 | p95 |",
        "|---|---|---|---|---|---|---|",
    ]
    for lang in LANGS:
        ok, total, _ = acc[lang]
        car, home = times[lang]["car"], times[lang]["home"]
        lines.append(
            f"| {lang} | {total} | {ok / total:.1%} ({ok}/{total}) | {statistics.median(car):.2f} ms | "
            f"{pct(car, 0.95):.2f} ms | {statistics.median(home):.2f} ms | {pct(home, 0.95):.2f} ms |"
        )
    held_failures: dict[str, dict[str, list[str]]] = {}
    templates_only = Understander(frames=False)
    for folder in held_out_folders(held_out):
        held = await accuracy(understander, folder)
        held_times = understanding_times(understander, folder=folder)
        lines += [
            "",
            f"Round `{folder.name}/`: {describe(folder)}",
            "",
            "| language | commands | exact effect | read by the frame reader | understanding: p50 | p95 |",
            "|---|---|---|---|---|---|",
        ]
        for lang in LANGS:
            ok, total, _ = held[lang]
            _, cases = load_cases(folder, lang)
            framed = sum(
                1
                for case in cases
                if not templates_only.parse(case.say, lang).understood and understander.parse(case.say, lang).understood
            )
            every = held_times[lang]["car"] + held_times[lang]["home"]
            lines.append(
                f"| {lang} | {total} | {ok / total:.1%} ({ok}/{total}) | {framed} | "
                f"{statistics.median(every):.2f} ms | {pct(every, 0.95):.2f} ms |"
            )
        held_failures[folder.name] = {lang: held[lang][2] for lang in LANGS if held[lang][2]}
    load = os.getloadavg()[0]
    lines += [
        "",
        f"Understanding time is the text → commands step alone: CPU time, least of 5 runs per utterance "
        f"(load average {load:.1f} on {os.cpu_count()} cores while measuring; wall-clock time is longer "
        f"by the share other processes took).",
        "",
    ]
    if spoken_limit <= 0:
        lines.append("Spoken commands not measured in this run (`--no-spoken`).")
    elif shutil.which("espeak-ng"):
        ok, total, latencies, cpu_latencies, misses = await spoken(spoken_limit)
        lines += [
            "Spoken English (espeak-ng, pocketsphinx on the template-trained model, streaming, "
            "240 ms end-of-speech silence):",
            "",
            "| commands | exact effect | end of speech → action | p50 | p95 | max |",
            "|---|---|---|---|---|---|",
            f"| {total} | {ok / total:.1%} ({ok}/{total}) | wall clock, as measured | {pct(latencies, 0.5):.0f} ms | "
            f"{pct(latencies, 0.95):.0f} ms | {max(latencies, default=float('nan')):.0f} ms |",
            f"| | | CPU time (no other load) | {pct(cpu_latencies, 0.5):.0f} ms | "
            f"{pct(cpu_latencies, 0.95):.0f} ms | {max(cpu_latencies, default=float('nan')):.0f} ms |",
            "",
            "Both include the 240 ms of silence that ends an utterance.",
            "",
            "Latency counts the commands acted on correctly; misheard ones: "
            + ("; ".join(misses[:8]) or "none")
            + ("" if len(misses) <= 8 else f" (and {len(misses) - 8} more)"),
        ]
    else:
        lines.append("Spoken commands not measured: espeak-ng is not installed (`apt-get install espeak-ng`).")
    failures = {lang: acc[lang][2] for lang in LANGS if acc[lang][2]}
    if failures:
        lines += ["", "Development commands not understood exactly:"]
        for lang, says in failures.items():
            lines.append(f"- {lang}: " + "; ".join(says))
    for name, by_lang in held_failures.items():
        if by_lang:
            lines += ["", f"Round `{name}/` commands not understood exactly:"]
            for lang, says in by_lang.items():
                lines.append(f"- {lang}: " + "; ".join(says))
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spoken", type=int, default=80, help="how many spoken commands to measure")
    parser.add_argument("--no-spoken", action="store_true", help="skip the spoken (espeak-ng) measurement")
    parser.add_argument(
        "--held-out",
        nargs="*",
        metavar="FOLDER",
        help="only these round folders (e.g. holdout dev5); default every holdout*/ and dev*/ folder",
    )
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()
    body = asyncio.run(main(0 if args.no_spoken else args.spoken, args.held_out))
    print(body)
    if not args.no_write:
        print(write_section("assistant", body, command=COMMAND))
