"""Measurable-action checks for PIP actions (DESIGN.md principle 2).

``assess_action(behaviour, when, check_method, success_criterion, risk_area=None)`` returns a
list of ``Finding``; an empty list means the action is measurable. Each finding's hint quotes
the example action of the plan's risk area (``EXAMPLES``; escalation when none is given), so a
medication plan is shown a MAR example and a dignity plan a choice-and-consent one. Pure
standard library.

How it decides
--------------
Text is normalised (lower case, punctuation splits clauses, simple suffix stemming so that
"completes/completed/completing" all become "complet"). The phrase tables, in
quality_words.py, are written in plain words and stemmed once at import; a phrase may skip up
to ``MAX_GAP`` filler words ("complete *all mandatory* training") but never a linking word or
clause boundary.

* behaviour -- ``generic_behaviour`` only when a generic phrase is present AND no *concrete
  anchor* is left outside it. An anchor is an observable verb near a concrete object
  ("sign ... MAR", "record ... rationale", "offer ... choices") or a self-evident act
  ("escalate", "knock and wait", "hand over"). A generic phrase followed by a topic link
  ("training *on* signing the MAR", "reminded *to* ...", "careful *when* ...") swallows the
  rest of its clause up to "and"/"then"/"by"/"using", so the topic does not count as an
  anchor, while "after completing the refresher, sign the MAR" keeps its anchor.
  Word lists always have gaps, so a general rule stands beside them: a stretch no generic
  phrase claimed that starts with a verb which is not a stance or an effort ("be", "support",
  "communicate", "treat" ...), acts on something and names its occasion (a frequency, an
  event, a figure, "every"/"each") is concrete whatever its words ("complete the refresher,
  then use the slide sheet for every reposition"), unless what it acts on is the person's own
  learning or a colleague ("then observe a colleague twice a week"). "Ensure ..." states a
  result: what follows must name a thing and its occasion. Manner words that carry the
  standard ("properly", "appropriately", "better", "in a timely manner"), bare comparatives
  ("offer more drinks") and "be" + a quality of the person ("be proactive in ...") empty their
  own part of the clause of anchors.
* when -- ``vague_when`` unless it contains a time anchor: a digit, a frequency or unit
  ("every", "each", "daily", "week", "shift", "handover", "round"), a day/month name or an
  event bound ("before", "after", "within", "during", "next", "end"), or an event of two words
  or more ("whenever a resident seems unwell"; not "when possible", "if needed"); a hedge
  ("ideally", "where possible", "if she can") leaves the time to the person, and "throughout
  the day" or "all shift" is no cadence. Judgement call:
  "immediately", "always", "at all times" and "until further notice" alone are flagged --
  they give no cadence or date against which the action can be reviewed.
* check_method -- ``no_check_method`` unless a method is named (audit, observation,
  supervision, sampling, spot check, feedback, sign-off, checklist ...) or a look-verb meets an
  evidence source ("review ... notes", "MAR check", "handover review"), or -- the general form
  -- a checking act followed by any noun phrase that can name a record ("deputy reconciles the
  returns book", "team leader initials the handover sheet", "contact sheets read by the
  coordinator"), a check named after its record ("trolley checks") or someone doing anything
  but a stance to a record ("manager pulls the eMAR exceptions report"), as long as the
  phrase's head is not a person, a pronoun or a judgement ("her progress", "the situation"),
  or "<a record> <any participle> by <someone>". A check that happens only "if not" or "as
  needed" is no plan to check, whatever it names.
* success_criterion -- ``activity_not_outcome`` for activities ("training completed",
  "policy read") unless an outcome is also stated; otherwise ``unobservable_criterion`` when
  nothing can be counted or seen. A proportion ("90%", "9 of 10", "at least", "zero") or an
  observable act ("rationale recorded") always passes; other numbers, or "all/every/no" with
  an outcome noun ("no missed escalations"), pass unless vague words carry the meaning
  ("improved within 4 weeks", "all notes improved", "appropriate phone use").
Placeholders ("tbc", "n/a") get the field's own code; only None/blank is ``missing_part``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .quality_words import (
    ACTIVITY_CRITERION,
    ALWAYS_SWALLOW,
    ANCHOR_OBJECTS,
    ANCHOR_PHRASES,
    ANCHOR_VERBS,
    BREAKS,
    CHECK_ACTS,
    CHECK_HEDGES,
    CHECK_MANNER,
    CHECK_METHODS,
    CHECK_PREPOSITIONS,
    CHECK_VERBS,
    COMPARATIVES,
    DETERMINERS,
    ENSURE,
    EVENT_WORDS,
    EVIDENCE_SOURCES,
    FUNCTION_WORDS,
    GENERIC_BEHAVIOUR,
    IRREGULAR,
    JUDGEMENT_WORDS,
    LEARNING_OBJECTS,
    MAX_GAP,
    NOT_AN_EVENT,
    NOT_EVIDENCE,
    NUMBER_WORDS,
    OCCASION_WORDS,
    OUTCOME_NOUNS,
    QUANTIFIERS,
    RATIO_WORDS,
    ROLES,
    SWALLOW_LINKS,
    SWALLOW_STOPS,
    VAGUE_CRITERION,
    VAGUE_MANNER,
    VAGUE_VERBS,
    WHEN_ANCHORS,
    WHEN_HEDGES,
    WINDOW,
)

__all__ = ["CODES", "EXAMPLES", "FIELDS", "Example", "Finding", "assess_action", "example_for"]

FIELDS = ("behaviour", "when", "check_method", "success_criterion")
CODES = (
    "missing_part",
    "generic_behaviour",
    "vague_when",
    "no_check_method",
    "activity_not_outcome",
    "unobservable_criterion",
)


@dataclass(frozen=True)
class Example:
    """A measurable action the hints quote, one per risk area, in that area's own terms."""

    behaviour: str
    when: str
    check_method: str
    success_criterion: str


# Keyed by RiskArea value (pip_app/models.py; this module stays free of the models). Each one
# passes the checker (tests/test_quality_hints.py) and follows the domain's worked examples.
EXAMPLES = {
    "records": Example(
        "Complete daily notes within 30 minutes of each visit using the service prompt structure",
        "every shift",
        "weekly audit of a sample of 10 notes by the senior",
        "at least 90% of sampled notes written within 30 minutes across two consecutive audits",
    ),
    "medication": Example(
        "Sign the MAR at the time of each administration, never before",
        "at every medication round",
        "weekly MAR audit by the deputy manager",
        "≥ 90% MAR compliance across two consecutive audits, with zero unsigned entries",
    ),
    "escalation": Example(
        "Record escalation rationale using the threshold tool for any change in baseline presentation",
        "every shift",
        "senior checks escalation decisions and care notes at each handover",
        "no missed escalations in 4 weeks",
    ),
    "support_plan": Example(
        "Record fluid intake on the fluid chart after every drink offered, as the care plan sets out",
        "every shift",
        "senior checks fluid charts at each handover",
        "95% of sampled fluid charts complete across 2 consecutive weekly audits",
    ),
    "dignity": Example(
        "Offer choices and check consent before each personal care task",
        "at every personal care routine",
        "observed practice twice weekly using the dignity observation checklist",
        "agreed language prompts used in at least 9 of 10 observed interactions",
    ),
    "boundaries": Example(
        "Decline gifts and record any offer in the gifts register the same day",
        "every visit",
        "monthly review of the gifts register by the registered manager",
        "every gift offered recorded in the register within the shift for 3 months",
    ),
    "safeguarding": Example(
        "Complete a body map for any new mark or bruise and tell the senior before the end of the shift",
        "every time a new mark is found",
        "weekly review of body maps against incident forms by the safeguarding lead",
        "100% of new marks have a body map and the senior told within the shift for 6 weeks",
    ),
    "other": Example(
        "Wash hands before and after every personal care task",
        "every personal care task",
        "hand hygiene observation twice a week by the infection control lead",
        "hands washed in at least 9 of 10 observed moments across 4 weeks",
    ),
}
DEFAULT_AREA = "escalation"


@dataclass(frozen=True)
class Finding:
    """One reason an action is not yet measurable."""

    code: str
    field: str
    message: str


def _stem(word: str) -> str:
    """Reduce a lower-case word to a crude stem shared by its simple inflections."""
    if word in IRREGULAR:
        word = IRREGULAR[word]
    stripped = True
    if len(word) >= 5 and word.endswith("ing"):
        word = word[:-3]
    elif len(word) > 4 and word.endswith(("ied", "ies")):
        word = word[:-3] + "y"
    elif (len(word) > 4 and word.endswith("ed")) or (len(word) > 4 and word.endswith(("sses", "shes", "ches", "xes"))):
        word = word[:-2]
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    else:
        stripped = False
    if stripped and len(word) > 4 and word[-1] == word[-2] and word[-1] not in "lsz":
        word = word[:-1]
    if len(word) >= 5 and word.endswith("e"):
        word = word[:-1]
    return word


def _tokens(text: str | None) -> tuple[list[str | None], list[str]]:
    """Split text into stems (None marks a clause boundary) and the original words."""
    text = (text or "").replace("\u2019", "").replace("'", "")
    text = re.sub(r"\b(e)[\s-]+(learning)", r"\1\2", text, flags=re.I)
    text = re.sub(r"\bmoving\s+(and|&)\s+handling", "moving handling", text, flags=re.I)  # one term, no "and"
    text = re.sub("sign(off)", r"sign \1", text, flags=re.I)
    text = re.sub(r"%", " percent ", text).replace("≥", " at least ").replace(">=", " at least ")
    stems: list[str | None] = []
    words: list[str] = []
    for clause in re.split(r"[.,;:!?()\[\]\n\u2013\u2014]+|\s-\s", text):
        found = re.findall(r"[a-z0-9]+", clause, flags=re.I)
        if found and stems:
            stems.append(None)
            words.append("")
        stems.extend(_stem(w.lower()) for w in found)
        words.extend(found)
    return stems, words


# A phrase compiled for matching: the stems each word may take, word by word.
Pattern = tuple[frozenset[str], ...]
Patterns = tuple[Pattern, ...]
# A text's words as stems (None where a word is punctuation or otherwise unmatched).
Stems = list[str | None]


def _compile(phrases: tuple[str, ...]) -> Patterns:
    """Turn 'a|b c' phrase strings into tuples of stem alternatives."""
    return tuple(
        tuple(frozenset(_stem(alt) for alt in part.split("|")) for part in phrase.split()) for phrase in phrases
    )


def _stems(words: tuple[str, ...]) -> frozenset[str]:
    """Stem every word of a flat table (multi-word entries become one stem per word)."""
    return frozenset(_stem(w) for entry in words for w in entry.split())


def _match_at(stems: Stems, pattern: Pattern, i: int) -> int | None:
    """Return the last index of ``pattern`` matched from position ``i``, or None."""
    if stems[i] not in pattern[0]:
        return None
    pos = i
    for alts in pattern[1:]:
        for j in range(pos + 1, min(pos + MAX_GAP + 2, len(stems))):
            if stems[j] in alts or ("*" in alts and stems[j] is not None):
                pos = j
                break
            if stems[j] is None or stems[j] in _BREAKS:
                return None
        else:
            return None
    return pos


def _spans(stems: Stems, patterns: Patterns, skip: frozenset[int] = frozenset()) -> list[tuple[int, int]]:
    """All (start, end) spans where a pattern matches without touching ``skip``. A pattern is tried
    only where its first word stands (trying it at every position took most of a check's time)."""
    positions: dict[str, list[int]] = {}
    for i, stem in enumerate(stems):
        if stem is not None:
            positions.setdefault(stem, []).append(i)
    found = set()
    for pattern in patterns:
        for first in pattern[0]:
            for i in positions.get(first, ()):
                end = _match_at(stems, pattern, i)
                if end is not None and not skip.intersection(range(i, end + 1)):
                    found.add((i, end))
    return sorted(found)


def _swallow(stems: Stems, start: int, end: int) -> int:
    """Extend a generic span over the topic that follows it (to a stop word or clause end)."""
    linked = end + 1 < len(stems) and stems[end + 1] in _SWALLOW_LINKS
    if not linked and not _ALWAYS_SWALLOW.intersection(stems[start : end + 1]):
        return end
    while end + 1 < len(stems) and stems[end + 1] is not None and stems[end + 1] not in _SWALLOW_STOPS:
        end += 1
    return end


def _consumed(stems: Stems, patterns: Patterns, swallow: bool = False) -> tuple[set[int], list[tuple[int, int]]]:
    """Positions covered by matches of ``patterns`` (optionally swallowing topics)."""
    covered: set[int] = set()
    spans = _spans(stems, patterns)
    for start, end in spans:
        covered.update(range(start, (_swallow(stems, start, end) if swallow else end) + 1))
    return covered, spans


def _has_anchor(stems: Stems, used: set[int]) -> bool:
    """True when an observable act (verb near concrete object) lies outside ``used``."""
    if _spans(stems, _ANCHOR_PHRASES, skip=frozenset(used)):
        return True
    for i, stem in enumerate(stems):
        if i in used or stem not in _ANCHOR_VERBS:
            continue
        for step in (1, -1):
            for j in range(i + step, i + step * (WINDOW + 1), step):
                if not 0 <= j < len(stems) or stems[j] is None:
                    break
                if j not in used and stems[j] in _ANCHOR_OBJECTS:
                    return True
    return False


def _quoted(words: list[str], spans: list[tuple[int, int]], limit: int = 40) -> str:
    """The first matched phrase (overlapping matches merged) in the writer's own words."""
    start, end = spans[0]
    for other_start, other_end in spans[1:]:
        if other_start <= end + 1:
            end = max(end, other_end)
    return " ".join(w for w in words[start : end + 1] if w)[:limit]


def _subclause(stems: Stems, i: int) -> range:
    """The positions of the part of a clause around ``i`` between two stop words."""
    start, end = i, i
    while start > 0 and stems[start - 1] is not None and stems[start - 1] not in _SWALLOW_STOPS:
        start -= 1
    while end + 1 < len(stems) and stems[end + 1] is not None and stems[end + 1] not in _SWALLOW_STOPS:
        end += 1
    return range(start, end + 1)


def _has_digit(stem: str | None) -> bool:
    """True when a word carries a figure ("20", "9pm", "2kg")."""
    return stem is not None and any(c.isdigit() for c in stem)


def _free_runs(stems: Stems, used: set[int]) -> list[list[int]]:
    """Stretches of one clause that no generic phrase has claimed, leading connectors dropped."""
    runs: list[list[int]] = [[]]
    for i, stem in enumerate(stems):
        if stem is None or i in used:
            runs.append([])
        elif runs[-1] or stem not in _CONNECTORS:
            runs[-1].append(i)
    return [run for run in runs if run]


def _concrete_clause(stems: Stems, words: list[str], used: set[int]) -> bool:
    """True when a free stretch reads as an instruction for a particular occasion: a verb that is
    not a stance or an effort, something it acts on, and when it happens ("then use the slide
    sheet for every reposition", "wash hands for 20 seconds before each task"), whatever the
    verb and its object are; the word lists need not know them."""
    after_ensure = {end + 1 for _, end in _spans(stems, _ENSURE)}
    for run in _free_runs(stems, used):
        verb = stems[run[0]]
        tail = run if run[0] in after_ensure else run[1:]  # after "ensure" the clause has no verb
        if run[0] not in after_ensure and (
            verb is None
            or verb in _FUNCTION_WORDS
            or verb in _VAGUE_VERBS
            or verb in _WHEN_ANCHORS
            or _is_number(verb)
            or _has_digit(verb)
            or _is_adverb(words[run[0]])
        ):
            continue
        acted_on = next((k for k in tail if stems[k] not in _FUNCTION_WORDS), None)  # "the slide sheet"
        has_object = (
            acted_on is not None
            and _in_phrase(stems[acted_on], words[acted_on])
            and stems[acted_on] not in _WHEN_ANCHORS | _LEARNING_OBJECTS
        )
        occasion = any(
            stems[k] in _OCCASION_WORDS | _WHEN_ANCHORS or _is_number(stems[k]) or _has_digit(stems[k]) for k in tail
        )
        if has_object and occasion:
            return True
    return False


def _be_a_trait(stems: Stems, words: list[str], i: int) -> bool:
    """True for "be" and a quality of the person ("be clear", "be punctual", "be fully ready"),
    not a place or a state reached ("be on the floor by 7:55", "be seated")."""
    if stems[i] != "be" or i + 1 >= len(stems):
        return False
    following, word = stems[i + 1], words[i + 1].lower()
    return (
        following is not None
        and following not in _FUNCTION_WORDS
        and not _has_digit(following)
        and not _is_participle(word)
        and not word.endswith("ing")
    )


def _bare_comparative(stems: Stems, i: int) -> bool:
    """True for "more", "quicker" ... with no figure or bound before it."""
    before = stems[i - 1] if i else None
    return stems[i] in _COMPARATIVES and not (
        before in ("or", "no", "any", "once") or _is_number(before) or _has_digit(before)
    )


def _generic_behaviour(text: str, example: Example) -> Finding | None:
    """Flag behaviour made only of generic wording with no concrete anchor."""
    stems, words = _tokens(text)
    used, spans = _consumed(stems, _GENERIC_BEHAVIOUR, swallow=True)
    for start, end in _spans(stems, _ENSURE):  # a result, not an act; what follows may say which
        spans.append((start, end))
        used.update(range(start, end + 1))
    hedges = _spans(stems, _CHECK_HEDGES)
    for i, stem in enumerate(stems):
        if stem in _VAGUE_MANNER or _bare_comparative(stems, i) or any(start == i for start, _ in hedges):
            spans.append((i, i))
            used.update(_subclause(stems, i))
        elif _be_a_trait(stems, words, i):  # "be proactive in raising concerns": the topic goes too
            spans.append((i, i + 1))
            used.update(range(i, _swallow(stems, i, i + 1) + 1))
    spans.sort()
    if not spans or _has_anchor(stems, used) or _concrete_clause(stems, words, used):
        return None
    return Finding(
        "generic_behaviour",
        "behaviour",
        (
            f'"{_quoted(words, spans)}" does not say what the person will do differently. '
            f'Describe something a colleague could see or check on shift, e.g. "{example.behaviour}". '
            "Training or reminders can support the action but are not the action: record them under "
            '"Support" on the plan page.'
        ),
    )


def _is_event(stems: Stems) -> bool:
    """True for an event that sets the time ("whenever a resident seems unwell"), not a
    condition that leaves it to the person ("when possible", "if needed", "as and when")."""
    for i, stem in enumerate(stems):
        if stem not in _EVENT_WORDS:
            continue
        clause = []
        for following in stems[i + 1 :]:
            if following is None:
                break
            clause.append(following)
        if len(clause) >= 2 and not _NOT_AN_EVENT.intersection(clause):
            return True
    return False


def _vague_when(text: str, example: Example) -> Finding | None:
    """Flag a 'when' that gives no frequency, event or date."""
    stems, _ = _tokens(text)
    # "throughout the day" and "all shift" are "at all times" again: no cadence to review against
    spread = {i for i in range(1, len(stems)) if "throughout" in stems[max(0, i - 2) : i] or stems[i - 1] == "all"}
    anchored = _is_event(stems) or any(
        s and i not in spread and (any(c.isdigit() for c in s) or s in _WHEN_ANCHORS) for i, s in enumerate(stems)
    )
    if anchored and not _spans(stems, _WHEN_HEDGES):
        return None
    return Finding(
        "vague_when",
        "when",
        (
            f'"{text.strip()[:40]}" is not a time the action can be checked against. Say how '
            f'often or by when, e.g. "{example.when}", "weekly" or "by 14 Dec 2026".'
        ),
    )


def _is_adverb(word: str) -> bool:
    """Words in -ly that are not nouns ("weekly", "properly"; not "family", "supply")."""
    word = word.lower()
    return word.endswith("ly") and word not in ("family", "supply", "assembly", "reply", "july", "ally")


def _is_participle(word: str) -> bool:
    """Words in -ed that are verb forms ("returned", "signed"; not "bed", "shed", "hundred")."""
    word = word.lower()
    return word.endswith("ed") and len(word) > 4 and word not in ("hundred", "shred")


def _is_record_head(stem: str | None, word: str, compound: bool = False) -> bool:
    """True when the last word of a noun phrase can name evidence: not a person, a pronoun, a
    judgement ("progress", "practice") or an activity ("ongoing"; but "the mattress setting")."""
    return (
        stem is not None
        and len(stem) > 1
        and stem not in _NOT_EVIDENCE
        and (compound or (stem not in _WHEN_ANCHORS and not word.lower().endswith("ing")))
        and not _is_adverb(word)
        and not _has_digit(stem)
    )


def _in_phrase(stem: str | None, word: str) -> bool:
    """True for a word that can sit inside a noun phrase (not a function word, time or figure)."""
    return (
        stem is not None
        and stem not in _FUNCTION_WORDS
        and not _has_digit(stem)
        and not _is_number(stem)
        and not _is_adverb(word)
        and not _is_participle(word)
    )


def _record_after(stems: Stems, words: list[str], j: int) -> bool:
    """True when a noun phrase naming a record follows position ``j`` ("the contact sheet",
    "on the rota", "transfers")."""
    for _ in range(2):
        if j < len(stems) and stems[j] in _CHECK_PREPOSITIONS:
            j += 1
    determined = j < len(stems) and (stems[j] in _DETERMINERS or _is_number(stems[j]) or _has_digit(stems[j]))
    j += determined
    first, head = j, None
    while j < len(stems) and _in_phrase(stems[j], words[j]) and (head is None or j - head == 1):
        head = j
        j += 1
    if head is None:
        return False
    bare_singular = not determined and not words[head].lower().endswith("s")
    compound = determined and head > first  # "the mattress setting", not "the ongoing"
    return not bare_singular and _is_record_head(stems[head], words[head], compound)


def _record_handled_by(stems: Stems, words: list[str]) -> bool:
    """True for "<a record> <done> by <someone>" whatever the verb: "alarm report pulled by the
    manager"."""
    return any(
        _is_participle(words[i]) and stems[i + 1] == "by" and _record_before(stems, words, i)
        for i in range(1, len(stems) - 1)
    )


def _record_before(stems: Stems, words: list[str], i: int) -> bool:
    """True for the passive form: a record just before "checked", "reviewed", "read" ..."""
    if not (_is_participle(words[i]) or stems[i] == "read"):
        return False
    k = i - 1
    while k >= 0 and stems[k] in _AUXILIARIES:
        k -= 1
    return k >= 0 and _in_phrase(stems[k], words[k]) and _is_record_head(stems[k], words[k])


def _check_of_a_record(stems: Stems, words: list[str], i: int) -> bool:
    """True for a check named after what it checks: "trolley checks", "fridge audit"."""
    k = i - 1
    return (
        words[i].lower() in _CHECK_NOUNS
        and k >= 0
        and _in_phrase(stems[k], words[k])
        and _is_record_head(stems[k], words[k])
    )


def _someone_acts_on_a_record(stems: Stems, words: list[str]) -> bool:
    """True for "<someone> <does something to> <a record>", whatever the verb, as long as it is
    not a stance or an effort: "manager pulls the eMAR exceptions report"."""
    for i, stem in enumerate(stems):
        if stem not in _ROLES:
            continue
        j = i + 1
        while j < len(stems) and stems[j] in _AUXILIARIES | _CONNECTORS:
            j += 1
        verb = stems[j] if j < len(stems) else None
        acts = verb is not None and _in_phrase(verb, words[j]) and verb not in _VAGUE_VERBS | _ROLES
        if acts and _record_after(stems, words, j + 1):
            return True
    return False


def _checks_a_record(stems: Stems, words: list[str]) -> bool:
    """The general form of a check on evidence, whatever the record is called: "<someone>
    initials/reads/reconciles <a record>", "<a record> checked by <someone>", "<record>
    checks"."""
    return (
        _someone_acts_on_a_record(stems, words)
        or _record_handled_by(stems, words)
        or any(
            _record_after(stems, words, end + 1)
            or _record_before(stems, words, start)
            or _check_of_a_record(stems, words, start)
            for start, end in _spans(stems, _CHECK_ACTS)
        )
    )


def _no_check_method(text: str, example: Example) -> Finding | None:
    """Flag a check that names no method or evidence source."""
    stems, words = _tokens(text)
    present = set(stems)
    if not _spans(stems, _CHECK_HEDGES) and (
        _spans(stems, _CHECK_METHODS)
        or (present & _CHECK_VERBS and present & _EVIDENCE)
        or _checks_a_record(stems, words)
    ):
        return None
    return Finding(
        "no_check_method",
        "check_method",
        (f'Name how this will be checked and on what evidence, e.g. "{example.check_method}".'),
    )


def _is_number(stem: str | None) -> bool:
    """True for digits and number words."""
    return stem is not None and stem != "" and (stem.isdigit() or stem in _NUMBER_WORDS)


def _measures(stems: Stems) -> tuple[bool, bool]:
    """(any number at all, a proportion/count such as '90%', '9 of 10', 'at least')."""
    numbered = any((s and any(c.isdigit() for c in s)) or _is_number(s) for s in stems)
    ratio = bool(_spans(stems, _RATIO_WORDS)) or any(
        _is_number(stems[i]) and stems[i + 1] == "of" and _is_number(stems[i + 2]) for i in range(len(stems) - 2)
    )
    return numbered or ratio, ratio


def _criterion(text: str, example: Example) -> Finding | None:
    """Flag a success criterion that is an activity or cannot be observed or counted."""
    stems, _ = _tokens(text)
    measured, ratio = _measures(stems)
    used, activity = _consumed(stems, _ACTIVITY_CRITERION)
    free = {s for i, s in enumerate(stems) if s and i not in used}
    # "page completed for every new admission over 3 months": something counted was completed,
    # every time; "completed" alone, or training completed, stays an activity.
    counted = measured and free & _QUANTIFIERS and all(stems[s] in _BARE_ACTIVITY and s == e for s, e in activity)
    if (
        activity
        and not counted
        and not _has_anchor(stems, used)
        and not ratio
        and not ((measured or free & _QUANTIFIERS) and free & _OUTCOME_NOUNS)
    ):
        return Finding(
            "activity_not_outcome",
            "success_criterion",
            (
                "This records an activity, not a change in practice. Say what good practice "
                f'looks like once it has changed, e.g. "{example.success_criterion}".'
            ),
        )
    used, vague = _consumed(stems, _VAGUE_CRITERION)
    free = {s for i, s in enumerate(stems) if s and i not in used}
    for start, _ in vague:  # "appropriate phone use": the judgement carries the whole phrase
        if stems[start] in _JUDGEMENT_WORDS:
            used.update(_subclause(stems, start))
    if (
        _has_anchor(stems, used)
        or ratio
        or (not vague and (measured or (free & _QUANTIFIERS and free & _OUTCOME_NOUNS)))
    ):
        return None
    return Finding(
        "unobservable_criterion",
        "success_criterion",
        (
            "Nobody could observe or count this. Give a number or an observable result, e.g. "
            f'"{example.success_criterion}".'
        ),
    )


def _missing(field: str, example: Example) -> Finding:
    """A part left blank, with the risk area's own example of it."""
    message = {
        "behaviour": f'Say what the person will do differently on shift, e.g. "{example.behaviour}".',
        "when": f'Say when it happens or by when, e.g. "{example.when}", "weekly" or "by 14 Dec 2026".',
        "check_method": f'Say how it will be checked, e.g. "{example.check_method}".',
        "success_criterion": "Say what good looks like as something you can count or see, e.g. "
        f'"{example.success_criterion}".',
    }[field]
    return Finding("missing_part", field, message)


_GENERIC_BEHAVIOUR = _compile(GENERIC_BEHAVIOUR)
_ANCHOR_PHRASES = _compile(ANCHOR_PHRASES)
_CHECK_METHODS = _compile(CHECK_METHODS)
_ACTIVITY_CRITERION = _compile(ACTIVITY_CRITERION)
_VAGUE_CRITERION = _compile(VAGUE_CRITERION)
_RATIO_WORDS = _compile(RATIO_WORDS)
_BREAKS, _SWALLOW_LINKS = _stems(BREAKS), _stems(SWALLOW_LINKS)
_SWALLOW_STOPS, _NUMBER_WORDS = _stems(SWALLOW_STOPS), _stems(NUMBER_WORDS)
_ALWAYS_SWALLOW, _WHEN_ANCHORS = _stems(ALWAYS_SWALLOW), _stems(WHEN_ANCHORS)
_ANCHOR_VERBS, _ANCHOR_OBJECTS = _stems(ANCHOR_VERBS), _stems(ANCHOR_OBJECTS)
_CHECK_VERBS, _EVIDENCE = _stems(CHECK_VERBS), _stems(EVIDENCE_SOURCES)
_QUANTIFIERS, _OUTCOME_NOUNS = _stems(QUANTIFIERS), _stems(OUTCOME_NOUNS)
_VAGUE_MANNER, _VAGUE_VERBS = _stems(VAGUE_MANNER), _stems(VAGUE_VERBS)
_FUNCTION_WORDS, _OCCASION_WORDS = _stems(FUNCTION_WORDS), _stems(OCCASION_WORDS)
_LEARNING_OBJECTS = _stems(LEARNING_OBJECTS)
_JUDGEMENT_WORDS = _stems(JUDGEMENT_WORDS)
_BARE_ACTIVITY = _stems(("complete", "completed", "done"))
_COMPARATIVES = _stems(COMPARATIVES)
_ENSURE = _compile(ENSURE)
_CONNECTORS = _stems(("and", "then", "also", "so", "plus", "but"))
_AUXILIARIES = _stems(
    ("is", "are", "was", "were", "be", "been", "being", "get", "gets", "to", "will", "should", "must")
)
_CHECK_ACTS = _compile(CHECK_ACTS)
_CHECK_PREPOSITIONS, _DETERMINERS = _stems(CHECK_PREPOSITIONS), _stems(DETERMINERS)
_ROLES = _stems(ROLES)
_NOT_EVIDENCE = _stems(NOT_EVIDENCE) | _ROLES | _stems(CHECK_MANNER)
_CHECK_NOUNS = frozenset(
    [
        "check",
        "checks",
        "audit",
        "audits",
        "review",
        "reviews",
        "inspection",
        "inspections",
        "count",
        "counts",
        "sample",
        "samples",
    ]
)
_WHEN_HEDGES = _compile(WHEN_HEDGES)
_CHECK_HEDGES = _compile(CHECK_HEDGES)
_EVENT_WORDS, _NOT_AN_EVENT = _stems(EVENT_WORDS), _stems(NOT_AN_EVENT)

CHECKS = {
    "behaviour": _generic_behaviour,
    "when": _vague_when,
    "check_method": _no_check_method,
    "success_criterion": _criterion,
}


def _is_missing(value: str | None) -> bool:
    """None, blank or punctuation-only text counts as missing."""
    return value is None or not re.search(r"\w", str(value))


def example_for(risk_area: str | None) -> Example:
    """The example action the hints quote for a plan's risk area (a RiskArea or its value)."""
    return EXAMPLES.get(str(risk_area) if risk_area is not None else DEFAULT_AREA, EXAMPLES[DEFAULT_AREA])


def assess_action(
    behaviour: str | None,
    when: str | None,
    check_method: str | None,
    success_criterion: str | None,
    risk_area: str | None = None,
) -> list[Finding]:
    """Return findings in field order; an empty list means the action is measurable. Each
    message's example is taken from ``risk_area`` (the plan's; escalation when not given)."""
    example = example_for(risk_area)
    values = dict(zip(FIELDS, (behaviour, when, check_method, success_criterion), strict=True))
    findings: list[Finding] = []
    for field in FIELDS:
        if _is_missing(values[field]):
            findings.append(_missing(field, example))
            continue
        finding = CHECKS[field](str(values[field]), example)
        if finding is not None:
            findings.append(finding)
    return findings
