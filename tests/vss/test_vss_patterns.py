"""Path patterns: KUKSA's documented matching table, plus properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from renkei.vss import PatternError, compile_pattern

LEAVES = [
    "Vehicle.Cabin.Sunroof.Position",
    "Vehicle.Cabin.Sunroof.Shade.Position",
    "Vehicle.Cabin.Sunroof.Shade.Switch",
    "Vehicle.Cabin.Sunroof.Switch",
    "Vehicle.Speed",
]
SUNROOF_ALL = LEAVES[:4]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("", LEAVES),
        ("Vehicle", LEAVES),
        ("Vehicle.Cabin.Sunroof", SUNROOF_ALL),
        ("Vehicle.Cabin.Sunroof.**", SUNROOF_ALL),
        ("Vehicle.Cabin.Sunroof.*", ["Vehicle.Cabin.Sunroof.Position", "Vehicle.Cabin.Sunroof.Switch"]),
        ("Vehicle.Cabin.Sunroof.*.Position", ["Vehicle.Cabin.Sunroof.Shade.Position"]),
        ("**.Sunroof.*.Position", ["Vehicle.Cabin.Sunroof.Shade.Position"]),
        ("*.*.*.*.Position", ["Vehicle.Cabin.Sunroof.Shade.Position"]),
        (
            "Vehicle.Cabin.Sunroof.**.Position",
            ["Vehicle.Cabin.Sunroof.Position", "Vehicle.Cabin.Sunroof.Shade.Position"],
        ),
        ("**.Sunroof", []),
        ("**.Sunroof.**", SUNROOF_ALL),
        ("*.Sunroof", []),
        ("Sunroof", []),
        ("Vehicle.Speed", ["Vehicle.Speed"]),
        ("Vehicle.Spee", []),  # a prefix of a name is not a branch
        # KUKSA does not support this combination; we do.
        ("**.*.*.Position", ["Vehicle.Cabin.Sunroof.Position", "Vehicle.Cabin.Sunroof.Shade.Position"]),
    ],
)
def test_kuksa_matching_table(pattern: str, expected: list[str]) -> None:
    compiled = compile_pattern(pattern)
    assert [leaf for leaf in LEAVES if compiled.matches(leaf)] == expected


@pytest.mark.parametrize(
    ("pattern", "fragment"),
    [
        ("Vehicle..Speed", "empty segment 2"),
        ("Vehicle.Sp eed", "'Sp eed'"),
        ("Vehicle.***", "'***'"),
        ("Vehicle.Speed.", "empty segment 3"),
        ("Vehicle.Cabin.Door[0]", "'Door[0]'"),
    ],
)
def test_malformed_patterns_name_the_bad_segment(pattern: str, fragment: str) -> None:
    with pytest.raises(PatternError) as caught:
        compile_pattern(pattern)
    assert fragment in str(caught.value)


def test_hostile_sizes_are_refused() -> None:
    with pytest.raises(PatternError, match="exceeds the limit"):
        compile_pattern("A" * 5000)
    with pytest.raises(PatternError, match="levels"):
        compile_pattern(".".join(["A"] * 100))


def test_scope_coverage_includes_branches_below_a_wildcard() -> None:
    doors = compile_pattern("Vehicle.*.Door")
    assert doors.covers("Vehicle.Cabin.Door.Row1.DriverSide.IsOpen")
    assert not doors.matches("Vehicle.Cabin.Door.Row1.DriverSide.IsOpen")
    assert not doors.covers("Vehicle.Cabin.Seat.Row1.DriverSide.Position")


names = st.from_regex(r"[A-Z][a-z]{0,5}", fullmatch=True)
paths = st.lists(names, min_size=1, max_size=7).map(lambda parts: "Vehicle." + ".".join(parts))


@given(paths)
def test_a_path_matches_itself_its_branches_and_double_star(path: str) -> None:
    assert compile_pattern(path).matches(path)
    parts = path.split(".")
    for n in range(1, len(parts)):
        assert compile_pattern(".".join(parts[:n])).matches(path)
        assert compile_pattern(".".join(parts[:n]) + ".**").matches(path)
    assert compile_pattern("**").matches(path)


@given(paths)
def test_single_star_matches_exactly_one_level(path: str) -> None:
    parts = path.split(".")
    stars = ".".join(["*"] * len(parts))
    assert compile_pattern(stars).matches(path)
    assert not compile_pattern(stars + ".*").matches(path)


@given(paths, paths)
def test_literal_pattern_never_matches_a_sibling_with_a_common_prefix(a: str, b: str) -> None:
    pattern = compile_pattern(a)
    expected = b == a or b.startswith(a + ".")
    assert pattern.matches(b) == expected
