"""Measurable-action checks for PIP actions (DESIGN.md principle 2).

``assess_action(behaviour, when, check_method, success_criterion)`` returns a list of
``Finding``; an empty list means the action is measurable. Pure standard library.

How it decides
--------------
Text is normalised (lower case, punctuation splits clauses, simple suffix stemming so that
"completes/completed/completing" all become "complet"). Phrase tables below are written in
plain words and stemmed once at import; a phrase may skip up to ``MAX_GAP`` filler words
("complete *all mandatory* training") but never a linking word or clause boundary.

* behaviour -- ``generic_behaviour`` only when a generic phrase is present AND no *concrete
  anchor* is left outside it. An anchor is an observable verb near a concrete object
  ("sign ... MAR", "record ... rationale", "offer ... choices") or a self-evident act
  ("escalate", "knock and wait", "hand over"). A generic phrase followed by a topic link
  ("training *on* signing the MAR", "reminded *to* ...", "careful *when* ...") swallows the
  rest of its clause up to "and"/"then"/"by"/"using", so the topic does not count as an
  anchor, while "after completing the refresher, sign the MAR" keeps its anchor.
* when -- ``vague_when`` unless it contains a time anchor: a digit, a frequency or unit
  ("every", "each", "daily", "week", "shift", "handover", "round"), a day/month name or an
  event bound ("before", "after", "within", "during", "next", "end"). Judgement call:
  "immediately", "always", "at all times" and "until further notice" alone are flagged --
  they give no cadence or date against which the action can be reviewed.
* check_method -- ``no_check_method`` unless a method is named (audit, observation,
  supervision, sampling, spot check, feedback, sign-off, checklist ...) or a look-verb meets an
  evidence source ("review ... notes", "MAR check", "handover review").
* success_criterion -- ``activity_not_outcome`` for activities ("training completed",
  "policy read") unless an outcome is also stated; otherwise ``unobservable_criterion`` when
  nothing can be counted or seen. A proportion ("90%", "9 of 10", "at least", "zero") or an
  observable act ("rationale recorded") always passes; other numbers, or "all/every/no" with
  an outcome noun ("no missed escalations"), pass unless vague words carry the meaning
  ("improved within 4 weeks", "all notes improved").
Placeholders ("tbc", "n/a") get the field's own code; only None/blank is ``missing_part``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["CODES", "FIELDS", "Finding", "assess_action"]

FIELDS = ("behaviour", "when", "check_method", "success_criterion")
CODES = (
    "missing_part",
    "generic_behaviour",
    "vague_when",
    "no_check_method",
    "activity_not_outcome",
    "unobservable_criterion",
)
MAX_GAP = 3  # filler words a phrase may skip
WINDOW = 5  # how far an anchor verb may sit from its object

# --- behaviour ----------------------------------------------------------------------------
# Phrase syntax: words separated by spaces, alternatives by "|", "*" is any one word.
GENERIC_BEHAVIOUR = (
    # training and learning activities
    "complete|attend|undertake|do|redo|repeat|book|access|finish|receive|pass|watch training|"
    "refresher|course|module|workshop|session|elearning|video|supervision",
    "go on training|course|refresher",
    "training",
    "refresher",
    "elearning",
    "course",
    "shadow",
    "reflect",
    "reflection",
    "reflective",
    "learn from",
    "lessons learned",
    "familiarise",
    # "improve X" and effort words
    "improve|develop|strengthen|enhance|raise communication|recording|record|documentation|"
    "practice|practise|attitude|performance|standard|skill|knowledge|understanding|confidence|"
    "awareness|timekeeping|quality|professionalism",
    "improve",
    "improvement",
    "better",
    "better|properly *",
    "do better",
    "be more",
    "be less",
    "more careful|thorough|vigilant|attentive|diligent|professional|accurate|care|attention|effort",
    "take care",
    "pay attention",
    "try harder",
    "work harder",
    "make an effort",
    "careful",
    "carefully",
    "thorough",
    "thoroughly",
    "be professional",
    "professionalism",
    "attitude",
    "be kind|kinder|nice|nicer|friendly|friendlier|polite|respectful|caring|patient",
    "take ownership|responsibility",
    "work on",
    "focus on",
    "meet expectation|standard",
    "good practice",
    "best practice",
    "demonstrate|show improvement|understanding|commitment",
    "aware",
    "awareness",
    "understand",
    "importance",
    "knowledge",
    "confidence",
    # policy and compliance paperwork
    "read|reread|sign|review|revisit policy|procedure|guidance|guideline|protocol|handbook",
    "policy|procedure|guidance|guideline|protocol read|review|sign|share|update|circulate",
    "follow|adhere|comply policy|procedure|guidance|guideline|protocol",
    "follow|adhere|comply|stick to|with policy|procedure|guidance|guideline|protocol",
    "ensure|maintain compliance",
    "be compliant",
    "maintain boundary",
    # someone else's activity: reminders, supervision, monitoring
    "remind",
    "reminder",
    "reminded",
    "discuss|raise|cover in|at|during supervision",
    "supervision discussion",
    "supervision to discuss|review",
    "keep an eye",
    "manager|senior|supervisor|leader|nurse to monitor|support",
    "be monitored",
    "monitored by",
    "ongoing monitoring",
    "monitor performance|progress|practice|standard",
    # placeholders
    "tbc",
    "tba",
    "tbd",
    "to be confirmed",
    "to be agreed",
    "n a",
    "see above",
    "as discussed",
)
ALWAYS_SWALLOW = tuple(["remind", "reminded", "monitor", "aware", "awareness", "importance", "understand"])
SWALLOW_LINKS = tuple(
    [
        "on",
        "in",
        "about",
        "around",
        "regarding",
        "re",
        "covering",
        "how",
        "of",
        "to",
        "that",
        "with",
        "when",
        "while",
        "whilst",
        "during",
        "for",
        "relating",
    ]
)
SWALLOW_STOPS = tuple(["and", "then", "but", "also", "plus", "so", "by", "using", "through", "via", "including"])
BREAKS = tuple(
    [
        "and",
        "or",
        "but",
        "then",
        "after",
        "before",
        "when",
        "while",
        "within",
        "by",
        "until",
        "so",
        "because",
        "if",
        "using",
        "at",
        "for",
        "on",
        "in",
        "of",
        "to",
        "with",
    ]
)
ANCHOR_VERBS = tuple(
    [
        "record",
        "document",
        "sign",
        "countersign",
        "write",
        "log",
        "chart",
        "enter",
        "complete",
        "fill",
        "update",
        "submit",
        "use",
        "offer",
        "check",
        "ask",
        "seek",
        "escalate",
        "report",
        "refer",
        "explain",
        "administer",
        "give",
        "measure",
        "weigh",
        "count",
        "call",
        "phone",
        "contact",
        "inform",
        "notify",
        "tell",
        "raise",
        "take",
        "decline",
        "close",
        "introduce",
        "follow",
        "share",
        "repeat",
        "book",
        "request",
        "knock",
        "store",
        "return",
        "turn",
    ]
)
ANCHOR_OBJECTS = tuple(
    [
        "note",
        "record",
        "entry",
        "mar",
        "chart",
        "form",
        "log",
        "register",
        "rationale",
        "tool",
        "checklist",
        "prompt",
        "template",
        "structure",
        "choice",
        "consent",
        "permission",
        "preference",
        "dose",
        "medicine",
        "medication",
        "tablet",
        "signature",
        "intake",
        "fluid",
        "drink",
        "food",
        "meal",
        "weight",
        "observation",
        "news2",
        "temperature",
        "pulse",
        "score",
        "baseline",
        "change",
        "concern",
        "deterioration",
        "incident",
        "outcome",
        "appointment",
        "handover",
        "senior",
        "nurse",
        "gp",
        "111",
        "999",
        "leader",
        "lead",
        "manager",
        "coordinator",
        "safeguarding",
        "alert",
        "map",
        "plan",
        "referral",
        "advice",
        "person",
        "resident",
        "people",
        "relative",
        "family",
        "gift",
        "money",
        "receipt",
        "phone",
        "door",
        "curtain",
        "bedroom",
        "name",
        "refusal",
        "decision",
        "reason",
        "action",
        "hoist",
        "sling",
        "position",
        "skin",
        "bell",
        "keys",
        "cabinet",
        "trolley",
    ]
)
ANCHOR_PHRASES = ("escalate", "countersign", "hand over", "knock and wait", "read back", "seek consent")

# --- when ----------------------------------------------------------------------------------
WHEN_ANCHORS = tuple(
    [
        "every",
        "each",
        "daily",
        "weekly",
        "fortnightly",
        "monthly",
        "nightly",
        "hourly",
        "twice",
        "shift",
        "handover",
        "round",
        "visit",
        "week",
        "day",
        "month",
        "hour",
        "minute",
        "fortnight",
        "weekend",
        "morning",
        "afternoon",
        "evening",
        "night",
        "today",
        "tomorrow",
        "tonight",
        "next",
        "before",
        "after",
        "during",
        "within",
        "start",
        "end",
        "mealtime",
        "breakfast",
        "lunch",
        "supper",
        "dinner",
        "bedtime",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "jan",
        "feb",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
    ]
)

# --- check method --------------------------------------------------------------------------
CHECK_METHODS = (
    "audit",
    "observe",
    "observation",
    "supervision",
    "supervise",
    "sample",
    "spot check",
    "feedback",
    "survey",
    "questionnaire",
    "competency",
    "competence",
    "assessment",
    "assess",
    "checklist",
    "debrief",
    "sign off",
    "countersign",
    "walk round",
    "walkround",
    "call monitoring",
    "report from",
    "data from",
    "dashboard",
)
CHECK_VERBS = tuple(
    [
        "review",
        "check",
        "monitor",
        "read",
        "look",
        "count",
        "compare",
        "track",
        "inspect",
        "examine",
        "scrutinise",
        "analyse",
        "sample",
    ]
)
EVIDENCE_SOURCES = tuple(
    [
        "record",
        "note",
        "mar",
        "chart",
        "log",
        "handover",
        "entry",
        "file",
        "form",
        "plan",
        "incident",
        "complaint",
        "rota",
        "report",
        "dashboard",
        "system",
        "book",
        "register",
        "map",
        "rationale",
        "tool",
        "emar",
    ]
)

# --- success criterion ---------------------------------------------------------------------
ACTIVITY_CRITERION = (
    "training|refresher|course|module|elearning|session|workshop|meeting|supervision|policy|"
    "procedure|guidance|induction complete|attend|do|held|read|sign|pass|finish|undertake|"
    "book|deliver|give|receive|review|discuss|arrange",
    "complete|attend|read|sign|pass|finish|undertake|book|receive training|refresher|course|"
    "module|elearning|session|workshop|policy|procedure|guidance|induction",
    "complete",
    "done",
    "attend",
    "sign off",
    "signed off",
    "remind",
    "reminded",
    "certificate",
    "reflective account",
    "discuss",
    "in place",
)
VAGUE_CRITERION = (
    "improve",
    "improvement",
    "better",
    "satisfactory",
    "good",
    "more thorough",
    "thorough",
    "happy",
    "satisfied",
    "content",
    "no further|more|new concern|issue|problem",
    "no concern|issue|problem",
    "expectation",
    "expected standard",
    "acceptable",
    "adequate",
    "appropriate",
    "competent",
    "positive",
    "fewer",
    "less",
    "reduced",
    "reduction",
    "seems",
    "well",
)
NUMBER_WORDS = tuple(
    [
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "twenty",
        "thirty",
        "fifty",
        "hundred",
        "half",
        "both",
    ]
)
QUANTIFIERS = tuple(["all", "every", "each", "no", "none", "any", "both", "never", "without"])
RATIO_WORDS = ("percent", "zero", "nil", "consecutive", "at least", "no more than", "fewer than", "less than", "out of")
OUTCOME_NOUNS = ANCHOR_OBJECTS + tuple(
    [
        "escalation",
        "interaction",
        "audit",
        "sample",
        "shift",
        "round",
        "administration",
        "error",
        "omission",
        "complaint",
        "feedback",
        "compliance",
        "visit",
        "call",
    ]
)

IRREGULAR = {
    "using": "use",
    "used": "use",
    "uses": "use",
    "done": "do",
    "did": "do",
    "does": "do",
    "doing": "do",
    "written": "write",
    "wrote": "write",
    "took": "take",
    "taken": "take",
    "given": "give",
    "gave": "give",
    "undertaken": "undertake",
    "undertook": "undertake",
    "learnt": "learn",
    "held": "held",
}


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
    """All (start, end) spans where a pattern matches without touching ``skip``."""
    found = []
    for pattern in patterns:
        for i in range(len(stems)):
            end = _match_at(stems, pattern, i)
            if end is not None and not skip.intersection(range(i, end + 1)):
                found.append((i, end))
    return sorted(set(found))


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


def _generic_behaviour(text: str) -> Finding | None:
    """Flag behaviour made only of generic wording with no concrete anchor."""
    stems, words = _tokens(text)
    used, spans = _consumed(stems, _GENERIC_BEHAVIOUR, swallow=True)
    if not spans or _has_anchor(stems, used):
        return None
    return Finding(
        "generic_behaviour",
        "behaviour",
        (
            f'"{_quoted(words, spans)}" does not say what the person will do differently. '
            'Describe something a colleague could see or check on shift, e.g. "Record escalation '
            'rationale using the threshold tool for any change in baseline presentation". '
            "Training or reminders can support the action but are not the action: record them under "
            '"Support" on the plan page.'
        ),
    )


def _vague_when(text: str) -> Finding | None:
    """Flag a 'when' that gives no frequency, event or date."""
    stems, _ = _tokens(text)
    if any(s and (any(c.isdigit() for c in s) or s in _WHEN_ANCHORS) for s in stems):
        return None
    return Finding(
        "vague_when",
        "when",
        (
            f'"{text.strip()[:40]}" is not a time the action can be checked against. Say how '
            'often or by when, e.g. "every shift", "at every medication round", "weekly" or '
            '"by 14 Dec 2026".'
        ),
    )


def _no_check_method(text: str) -> Finding | None:
    """Flag a check that names no method or evidence source."""
    stems, _ = _tokens(text)
    present = set(stems)
    if _spans(stems, _CHECK_METHODS) or (present & _CHECK_VERBS and present & _EVIDENCE):
        return None
    return Finding(
        "no_check_method",
        "check_method",
        (
            'Name how this will be checked and on what evidence, e.g. "weekly audit of a sample '
            'of notes", "observed practice twice weekly using the dignity observation checklist" '
            'or "senior checks the MAR at every handover".'
        ),
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


def _criterion(text: str) -> Finding | None:
    """Flag a success criterion that is an activity or cannot be observed or counted."""
    stems, _ = _tokens(text)
    measured, ratio = _measures(stems)
    used, activity = _consumed(stems, _ACTIVITY_CRITERION)
    free = {s for i, s in enumerate(stems) if s and i not in used}
    if (
        activity
        and not _has_anchor(stems, used)
        and not ratio
        and not ((measured or free & _QUANTIFIERS) and free & _OUTCOME_NOUNS)
    ):
        return Finding(
            "activity_not_outcome",
            "success_criterion",
            (
                "This records an activity, not a change in practice. Say what good practice "
                'looks like once it has changed, e.g. "at least 90% of MAR entries signed at the '
                'time of administration across two consecutive audits".'
            ),
        )
    used, vague = _consumed(stems, _VAGUE_CRITERION)
    free = {s for i, s in enumerate(stems) if s and i not in used}
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
            '"no missed escalations in 4 weeks" or "agreed language prompts used in at least 9 of '
            '10 observed interactions".'
        ),
    )


MISSING_MESSAGES = {
    "behaviour": 'Say what the person will do differently on shift, e.g. "Record escalation '
    'rationale using the threshold tool for any change in baseline presentation".',
    "when": 'Say when it happens or by when, e.g. "every shift", "weekly" or "by 14 Dec 2026".',
    "check_method": 'Say how it will be checked, e.g. "weekly audit of a sample of notes" or '
    '"two observed shifts per week".',
    "success_criterion": "Say what good looks like as something you can count or see, e.g. "
    '"at least 90% of sampled notes on time across two audits".',
}
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

CHECKS = {
    "behaviour": _generic_behaviour,
    "when": _vague_when,
    "check_method": _no_check_method,
    "success_criterion": _criterion,
}


def _is_missing(value: str | None) -> bool:
    """None, blank or punctuation-only text counts as missing."""
    return value is None or not re.search(r"\w", str(value))


def assess_action(
    behaviour: str | None, when: str | None, check_method: str | None, success_criterion: str | None
) -> list[Finding]:
    """Return findings in field order; an empty list means the action is measurable."""
    values = dict(zip(FIELDS, (behaviour, when, check_method, success_criterion), strict=True))
    findings: list[Finding] = []
    for field in FIELDS:
        if _is_missing(values[field]):
            findings.append(Finding("missing_part", field, MISSING_MESSAGES[field]))
            continue
        finding = CHECKS[field](str(values[field]))
        if finding is not None:
            findings.append(finding)
    return findings
