"""The course plan adds up: lecture outlines fill their lectures, sessions fill their slots.

book/course.md gives each module a lecture time (in its table and its heading), a lecture
outline whose items carry minutes, and the misconceptions to meet; two schedules give
each session a sum of minutes. These tests recompute every sum from the page, check that
each code exercise of the chapters is assigned somewhere, and run the parsers on
deliberately wrong text (controls), so that a plan that stops adding up fails.
"""

import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
COURSE = ROOT / "book" / "course.md"
MODULES = range(1, 9)
#: Slot of a session, in minutes, by schedule heading.
SLOTS = {"Four sessions of about three hours": 180, "Six sessions of about two hours": 120}


def table_lectures(text):
    """Lecture minutes of each module, from the table of modules."""
    rows = re.findall(r"^\| \{ref\}`(\d) <course-module-\d>` \|.*?\| (\d+) min \| (\d+) min \|$",
                      text, flags=re.MULTILINE)
    return {int(module): int(lecture) for module, lecture, _ in rows}


def module_sections(text):
    """The text of each module's section, by module number."""
    marks = [(int(m.group(1)), m.start()) for m in re.finditer(r"^\(course-module-(\d)\)=", text, re.MULTILINE)]
    ends = [start for _, start in marks[1:]] + [text.index("(course-appendix)=")]
    return {module: text[start:end] for (module, start), end in zip(marks, ends)}


def outline_minutes(section):
    """The minutes of the numbered items of a section's lecture outline."""
    block = section.split("**Lecture outline**", 1)[1].split("\n\n**", 1)[0]
    return [int(m) for m in re.findall(r"^\d+\. \*(\d+) min\.\*", block, flags=re.MULTILINE)]


def misconceptions(section):
    block = section.split("**Misconceptions to meet.**", 1)[1].split("\n\n**", 1)[0]
    return re.findall(r"^- \*", block, flags=re.MULTILINE)


def sessions(text):
    """(schedule, session number, terms, total) of every session of the two schedules."""
    found = []
    for heading in SLOTS:
        block = text.split(f"### {heading}", 1)[1].split("\n#", 1)[0]
        items = re.split(r"^(\d)\. ", block, flags=re.MULTILINE)[1:]
        for number, body in zip(items[::2], items[1::2]):
            body = " ".join(body.split())
            summed = re.search(r"\((\d+(?: \+ \d+)*) = (\d+) min\)", body)
            single = re.search(r"\((\d+) min\)", body)
            if summed:
                terms = [int(t) for t in summed.group(1).split(" + ")]
                found.append((heading, int(number), terms, int(summed.group(2))))
            elif single:
                found.append((heading, int(number), [int(single.group(1))], int(single.group(1))))
            else:
                found.append((heading, int(number), [], None))
    return found


TEXT = COURSE.read_text(encoding="utf-8")


def test_every_module_has_a_lecture_time():
    assert sorted(table_lectures(TEXT)) == list(MODULES)
    assert sorted(module_sections(TEXT)) == list(MODULES)


@pytest.mark.parametrize("module", MODULES)
def test_lecture_outline_fills_the_lecture(module):
    section = module_sections(TEXT)[module]
    lecture = table_lectures(TEXT)[module]
    heading = re.search(r"Lecture\s+(\d+)\s+min", section)
    assert heading and int(heading.group(1)) == lecture, "heading and table disagree"
    minutes = outline_minutes(section)
    assert len(minutes) >= 3, f"module {module}: an outline of {len(minutes)} items"
    assert sum(minutes) == lecture, f"module {module}: outline {minutes} for {lecture} min"


@pytest.mark.parametrize("module", MODULES)
def test_misconceptions_are_named(module):
    assert len(misconceptions(module_sections(TEXT)[module])) >= 2


def test_sessions_fill_their_slots():
    found = sessions(TEXT)
    assert len(found) == 4 + 6
    for heading, number, terms, total in found:
        assert total is not None, f"{heading}, session {number}: no minutes"
        assert sum(terms) == total, f"{heading}, session {number}: {terms} != {total}"
        slot = SLOTS[heading]
        assert slot - 15 <= total <= slot, f"{heading}, session {number}: {total} of {slot} min"


def test_each_schedule_has_project_presentations():
    for heading in SLOTS:
        block = TEXT.split(f"### {heading}", 1)[1].split("\n#", 1)[0]
        assert "project presentations" in " ".join(block.split()), heading


def test_every_code_exercise_is_assigned():
    labels = set()
    for notebook in (ROOT / "book").glob("*.ipynb"):
        labels |= set(re.findall(r":label: (ex-[\w-]+-code-[\w-]+)", notebook.read_text(encoding="utf-8")))
    assert len(labels) >= 8
    missing = sorted(label for label in labels if f"{{ref}}`{label}`" not in TEXT)
    assert not missing, f"code exercises the course plan never mentions: {missing}"


def test_controls_the_parsers_see_wrong_plans():
    """Control: an outline one item short and a session whose sum is wrong are caught."""
    section = module_sections(TEXT)[1]
    short = re.sub(r"^4\. \*10 min\.\*.*$", "", section, count=1, flags=re.MULTILINE)
    assert sum(outline_minutes(short)) != table_lectures(TEXT)[1]
    wrong = TEXT.replace("(75 + 105 = 180 min)", "(75 + 105 = 170 min)", 1)
    assert wrong != TEXT
    bad = [s for s in sessions(wrong) if sum(s[2]) != s[3]]
    assert len(bad) == 1
