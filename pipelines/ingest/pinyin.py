"""Pinyin initials of many names at once, the same letters as customers.initials(name).

pypinyin spends most of its time per name in its general machinery (segmenting through
generators, copying each phrase's readings, converting every reading's style). Initials
need far less: the same segmentation (simple_seg into Han and other runs, then pypinyin's
forward maximum matching over its phrase list, replayed here step for step) and one letter
per character, looked up in a table filled once per word. A run of other characters gives
its first character, as pypinyin's default error handling does.
"""

from __future__ import annotations

import re

from pypinyin import Style, lazy_pinyin
from pypinyin.constants import PHRASES_DICT, RE_HANS

# The character class of pypinyin's RE_HANS (`^(?:[...])+$`), to split a name into runs.
_KEEP = 10  # the initials of runs this short are kept
_RUNS = re.compile(f"{RE_HANS.pattern[4:-3]}+|(?:(?!{RE_HANS.pattern[4:-3]}).)+", re.DOTALL)


class _Initials:
    def __init__(self) -> None:
        self._words: dict[str, str] = {}
        self._runs: dict[str, str] = {}
        # Every prefix of every phrase: what pypinyin's PrefixSet holds, as a plain set.
        self._prefixes = {p[: i + 1] for p in PHRASES_DICT for i in range(len(p))}

    def word(self, word: str) -> str:
        """Initials of one segment (a phrase of the list or a single character), cached."""
        got = self._words.get(word)
        if got is None:
            got = self._words[word] = "".join(p[0] for p in lazy_pinyin(word, style=Style.FIRST_LETTER) if p)
        return got

    def _first(self, text: str) -> int:
        """The length of the first segment of pypinyin.seg.mmseg.Seg.cut(text) (no_non_phrases=True):
        the longest phrase starting the text while it is a prefix of some phrase, else one
        character; 0 when the whole text is a prefix of phrases but holds no phrase (it is then
        cut into single characters)."""
        prefixes, phrases = self._prefixes, PHRASES_DICT
        last, n, i = 0, len(text), 0
        while i < n:
            w = text[: i + 1]
            if w not in prefixes:
                return last or 1
            if w in phrases:
                last = i + 1
            i += 1
        return last

    def run(self, text: str) -> str:
        """Initials of a run of Han characters. The segmentation of the rest of a run does not
        depend on what came before it, so the initials of short rests are kept: most names end
        in the same few words (科技有限公司 …) and are worked out only up to those."""
        heads: list[tuple[str, str]] = []
        runs = self._runs
        while text and text not in runs:
            k = self._first(text)
            if k == 0:
                runs[text] = "".join(self.word(c) for c in text)
                break
            heads.append((text, self.word(text[:k])))
            text = text[k:]
        out = runs[text] if text else ""
        for rest, head in reversed(heads):
            out = head + out
            if len(rest) <= _KEEP:
                runs[rest] = out
        return out

    def name(self, name: str) -> str:
        if RE_HANS.match(name):  # the usual case: Han characters only
            return self.run(name).lower()
        return "".join(self.run(r) if RE_HANS.match(r) else r[0] for r in _RUNS.findall(name)).lower()


def initials_many(names: list[str]) -> list[str]:
    """customers.initials of each name (one table of word initials shared by all of them)."""
    conv = _Initials()
    return [conv.name(n) for n in names]
