"""Our hassil car templates as what pocketsphinx may hear: a JSGF grammar, or a
trigram language model trained on sentences sampled from the same templates.

Flow: every sentence template of every intent (expansion rules and slot lists
inlined, number ranges spelled out in words) → a JSGF rule, or random walks
through the templates → an ARPA trigram model; words the pronunciation dictionary
does not know drop the branch that needs them; two commands may be chained with
"and" / "then", as people do.

    jsgf = build_jsgf(load_car_intents("en"), known_word=decoder.lookup_word)
    arpa = build_arpa(load_car_intents("en"), known_word=decoder.lookup_word)

The full JSGF grammar of our templates is large enough that pocketsphinx's FSG
search runs slower than real time on this machine, so speech.py decodes with the
template-trained trigram model (same vocabulary, same sentences, ~10x faster) and
keeps JSGF for small grammars.

Only English has an offline acoustic model in the pocketsphinx wheel; Mandarin and
Japanese speech go to a Wyoming speech-to-text server.
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter, defaultdict
from collections.abc import Callable

from hassil import Intents, RangeSlotList, TextSlotList
from hassil.expression import Alternative, Expression, ListReference, Permutation, RuleReference, Sequence, TextChunk
from hassil.numbers import get_rbnf_engine

from renkei.apps.assistant.understanding import RANGE_LISTS

_WORD = re.compile(r"[a-z][a-z']*")
JOINERS = ("and", "then", "and then", "and also")
# Ranges spoken in commands; the grammar spells each number out in words.
_SPOKEN_RANGES = {
    "temperature": (16, 32),
    "delta": (1, 5),
    "fan_level": (0, 10),
    "percent": (0, 100),
    "heat_level": (0, 3),
}


class GrammarBuilder:
    def __init__(self, intents: Intents, known_word: Callable[[str], object], lang: str = "en") -> None:
        self.intents = intents
        self.known_word = known_word
        self.lang = lang
        self.rules: dict[str, str] = {}
        self._building: set[str] = set()

    # Each converter returns a JSGF expression, or None when a word cannot be spoken.
    def words(self, text: str) -> str | None:
        tokens = _WORD.findall(text.lower().replace("’", "'"))
        if not tokens and text.strip():
            return None
        for token in tokens:
            if not self.known_word(token):
                return None
        return " ".join(tokens)

    def convert(self, expr: Expression) -> str | None:
        if isinstance(expr, TextChunk):
            return self.words(expr.text) if expr.text.strip() else ""
        if isinstance(expr, Permutation):
            return self._alternatives([Sequence(items=[a, b]) for a, b in _pairs(expr.items)], optional=False)
        if isinstance(expr, Alternative):
            return self._alternatives(expr.items, optional=expr.is_optional)
        if isinstance(expr, Sequence):
            parts: list[str] = []
            for item in expr.items:
                part = self.convert(item)
                if part is None:
                    return None
                if part:
                    parts.append(part)
            return " ".join(parts)
        if isinstance(expr, RuleReference):
            return self.rule(expr.rule_name)
        if isinstance(expr, ListReference):
            return self.slot_list(expr.list_name)
        return None

    def _alternatives(self, items: list[Expression], *, optional: bool) -> str | None:
        options: list[str] = []
        empty = optional
        for item in items:
            part = self.convert(item)
            if part is None:
                continue
            if part == "":
                empty = True
                continue
            if part not in options:
                options.append(part)
        if not options:
            return "" if empty else None
        body = " | ".join(options)
        return f"[{body}]" if empty else f"({body})"

    def rule(self, name: str) -> str | None:
        key = "r_" + re.sub(r"[^A-Za-z0-9_]", "_", name)
        if key in self.rules:
            return f"<{key}>" if self.rules[key] else None
        if name not in self.intents.expansion_rules or name in self._building:
            return None
        self._building.add(name)
        body = self.convert(self.intents.expansion_rules[name].expression)
        self._building.discard(name)
        self.rules[key] = body or ""
        if body is None:
            return None
        return f"<{key}>" if body else ""

    def slot_list(self, name: str) -> str | None:
        key = "l_" + re.sub(r"[^A-Za-z0-9_]", "_", name)
        if key in self.rules:
            return f"<{key}>" if self.rules[key] else None
        options: list[str] = []
        if name in _SPOKEN_RANGES:
            engine = get_rbnf_engine(self.lang)
            low, high = _SPOKEN_RANGES[name]
            for number in range(low, high + 1):
                for text in engine.format_number(number).text_by_ruleset.values():
                    spoken = self.words(text.replace("-", " "))
                    if spoken and spoken not in options:
                        options.append(spoken)
            if name == "temperature":
                options += [f"{o} point five" for o in list(options)]
        else:
            slot = self.intents.slot_lists.get(name) or RANGE_LISTS.get(name)
            if isinstance(slot, TextSlotList):
                for value in slot.values:
                    spoken = self.convert(value.text_in)
                    if spoken and spoken not in options:
                        options.append(spoken)
            elif isinstance(slot, RangeSlotList):
                return None
        self.rules[key] = " | ".join(options)
        return f"<{key}>" if options else None

    def build(self) -> str:
        intent_rules: list[str] = []
        for intent in self.intents.intents.values():
            sentences: list[str] = []
            for data in intent.data:
                for sentence in data.sentences:
                    spoken = self.convert(sentence.expression)
                    if spoken and spoken not in sentences:
                        sentences.append(spoken)
            if sentences:
                key = "i_" + intent.name
                self.rules[key] = " | ".join(f"({s})" for s in sentences)
                intent_rules.append(f"<{key}>")
        if not intent_rules:
            raise ValueError("no template could be turned into a speakable grammar")
        joiners = " | ".join(JOINERS)
        lines = [
            "#JSGF V1.0;",
            "grammar renkei;",
            f"<command> = {' | '.join(intent_rules)};",
            f"public <utterance> = <command> [({joiners}) <command>];",
        ]
        lines += [f"<{key}> = {body};" for key, body in self.rules.items() if body]
        return "\n".join(lines) + "\n"


def _pairs(items: list[Expression]) -> list[tuple[Expression, Expression]]:
    if len(items) != 2:
        return []
    return [(items[0], items[1]), (items[1], items[0])]


def build_jsgf(intents: Intents, known_word: Callable[[str], object], lang: str = "en") -> str:
    return GrammarBuilder(intents, known_word, lang).build()


class SentenceSampler:
    """Random walks through the templates: each yields one sentence a person could say."""

    def __init__(self, builder: GrammarBuilder, rng: random.Random) -> None:
        self.builder = builder
        self.rng = rng
        self._lists: dict[str, list[str]] = {}

    def _options(self, name: str) -> list[str]:
        if name not in self._lists:
            body = self.builder.rules.get("l_" + re.sub(r"[^A-Za-z0-9_]", "_", name))
            if body is None:
                self.builder.slot_list(name)
                body = self.builder.rules.get("l_" + re.sub(r"[^A-Za-z0-9_]", "_", name), "")
            self._lists[name] = [o.strip() for o in _split_top(body) if o.strip()]
        return self._lists[name]

    def walk(self, expr: Expression) -> list[str] | None:
        b = self.builder
        if isinstance(expr, TextChunk):
            spoken = b.words(expr.text) if expr.text.strip() else ""
            return None if spoken is None else spoken.split()
        if isinstance(expr, Alternative):
            items = list(expr.items)
            self.rng.shuffle(items)
            if expr.is_optional and self.rng.random() < 0.5:
                return []
            for item in items:
                out = self.walk(item)
                if out is not None:
                    return out
            return [] if expr.is_optional else None
        if isinstance(expr, Sequence):
            words: list[str] = []
            for item in expr.items:
                part = self.walk(item)
                if part is None:
                    return None
                words += part
            return words
        if isinstance(expr, RuleReference):
            rule = b.intents.expansion_rules.get(expr.rule_name)
            return None if rule is None else self.walk(rule.expression)
        if isinstance(expr, ListReference):
            options = self._options(expr.list_name)
            return self.rng.choice(options).replace("[", "").replace("]", "").split() if options else None
        return None


def _split_top(body: str) -> list[str]:
    """Top-level alternatives of a JSGF body, with one level of grouping flattened."""
    out: list[str] = []
    depth, start = 0, 0
    for i, ch in enumerate(body):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "|" and depth == 0:
            out.append(body[start:i])
            start = i + 1
    out.append(body[start:])
    flat: list[str] = []
    for option in out:
        option = option.strip()
        if option.startswith("(") and option.endswith(")") and "(" not in option[1:-1]:
            flat += [o.strip() for o in option[1:-1].split("|")]
        else:
            flat.append(option)
    return flat


def sample_sentences(
    intents: Intents, known_word: Callable[[str], object], count: int = 20000, *, seed: int = 7, lang: str = "en"
) -> list[list[str]]:
    builder = GrammarBuilder(intents, known_word, lang)
    builder.build()  # fills the slot lists
    sampler = SentenceSampler(builder, random.Random(seed))
    templates = [s.expression for intent in intents.intents.values() for d in intent.data for s in d.sentences]
    sentences: list[list[str]] = []
    attempts = 0
    while len(sentences) < count and attempts < count * 5:
        attempts += 1
        first = sampler.walk(sampler.rng.choice(templates))
        if not first:
            continue
        if sampler.rng.random() < 0.15:
            second = sampler.walk(sampler.rng.choice(templates))
            if second:
                first = [*first, *sampler.rng.choice(JOINERS).split(), *second]
        sentences.append(first)
    return sentences


def build_arpa(
    intents: Intents, known_word: Callable[[str], object], *, count: int = 20000, discount: float = 0.5
) -> str:
    """A trigram model (absolute discounting with back-off) of sentences sampled from the templates."""
    sentences = sample_sentences(intents, known_word, count)
    grams: list[Counter[tuple[str, ...]]] = [Counter(), Counter(), Counter()]
    for words in sentences:
        padded = ["<s>", *words, "</s>"]
        for n in range(3):
            for i in range(len(padded) - n):
                gram = tuple(padded[i : i + n + 1])
                if gram == ("<s>",):
                    continue
                grams[n][gram] += 1
    total = sum(grams[0].values())
    prob1 = {g: c / total for g, c in grams[0].items()}
    prob1[("<s>",)] = 0.0
    followers: list[dict[tuple[str, ...], list[tuple[str, ...]]]] = [defaultdict(list), defaultdict(list)]
    for n in (1, 2):
        for gram in grams[n]:
            followers[n - 1][gram[:-1]].append(gram)
    history_count: list[Counter[tuple[str, ...]]] = [Counter(), Counter()]
    for n in (1, 2):
        for gram, c in grams[n].items():
            history_count[n - 1][gram[:-1]] += c
    prob2 = {g: (c - discount) / history_count[0][g[:-1]] for g, c in grams[1].items()}
    prob3 = {g: (c - discount) / history_count[1][g[:-1]] for g, c in grams[2].items()}

    def backoff(history: tuple[str, ...], order: int) -> float:
        seen = followers[order - 1].get(history, [])
        if not seen:
            return 1.0
        left = discount * len(seen) / history_count[order - 1][history]
        lower = sum(prob1[g[-1:]] if order == 1 else prob2.get(g[-2:], 0.0) for g in seen)
        return left / max(1e-9, 1.0 - lower)

    def log10(p: float) -> str:
        return f"{math.log10(p):.4f}" if p > 0 else "-99.0000"

    lines = ["\\data\\", f"ngram 1={len(prob1)}", f"ngram 2={len(prob2)}", f"ngram 3={len(prob3)}", ""]
    lines.append("\\1-grams:")
    for gram, p in sorted(prob1.items()):
        lines.append(f"{log10(p)}\t{gram[0]}\t{math.log10(backoff(gram, 1)):.4f}")
    lines += ["", "\\2-grams:"]
    for gram, p in sorted(prob2.items()):
        lines.append(f"{log10(p)}\t{' '.join(gram)}\t{math.log10(backoff(gram, 2)):.4f}")
    lines += ["", "\\3-grams:"]
    for gram, p in sorted(prob3.items()):
        lines.append(f"{log10(p)}\t{' '.join(gram)}")
    lines += ["", "\\end\\", ""]
    return "\n".join(lines)
