"""A parser for Logstash's pipeline configuration language, for the tests.

It follows Logstash's own grammar (logstash-core/lib/logstash/config/grammar.treetop):
sections ``input``, ``filter`` and ``output`` hold plugins and ``if``/``else if``/``else``
branches; a plugin is a name and ``{ key => value ... }``; values are strings, numbers,
barewords, arrays, hashes or (for codecs) plugins; conditions compare rvalues (strings,
numbers, field selectors such as ``[fields][log_type]``, arrays, method calls, regexps)
with ``== != < > <= >= =~ !~ in``/``not in``, negate with ``!`` and combine with
``and or xor nand``. ``#`` starts a comment outside strings. No PyPI package parses this
grammar, hence this module.

Strings keep their text as written (Logstash only processes escapes with
``config.support_escapes``); ``${VAR}`` references stay as they are, which is what the
tests look for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

SECTION_TYPES = ("input", "filter", "output")
BOOLEAN_OPERATORS = ("and", "or", "xor", "nand")
COMPARE_OPERATORS = ("==", "!=", "<=", ">=", "<", ">")
REGEXP_OPERATORS = ("=~", "!~")

_NAME = re.compile(r"[A-Za-z0-9_-]+")
_BAREWORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]+")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]*)?")
_SELECTOR_ELEMENT = re.compile(r"\[[^\],]+\]")


class LogstashSyntaxError(ValueError):
    def __init__(self, message: str, text: str, position: int):
        line = text.count("\n", 0, position) + 1
        column = position - (text.rfind("\n", 0, position) + 1) + 1
        context = text[position : position + 30].split("\n")[0]
        super().__init__(f"line {line}, column {column}: {message} (at {context!r})")
        self.line = line
        self.column = column


@dataclass(frozen=True)
class Bareword:
    value: str


@dataclass(frozen=True)
class Regexp:
    pattern: str


@dataclass(frozen=True)
class Selector:
    path: tuple[str, ...]

    def __str__(self) -> str:
        return "".join(f"[{part}]" for part in self.path)


@dataclass
class Plugin:
    name: str
    settings: list[tuple[str, Any]] = field(default_factory=list)

    def __getitem__(self, key: str) -> Any:
        """The value of a setting (the last one, as Logstash does)."""
        for name, value in reversed(self.settings):
            if name == key:
                return value
        raise KeyError(f"{self.name} has no setting {key!r}")

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def keys(self) -> list[str]:
        return [name for name, _value in self.settings]


@dataclass
class Condition:
    """A parsed condition: operator and operands, plus the source text."""

    operator: str
    operands: tuple[Any, ...]
    text: str


@dataclass
class Branch:
    """if / else if / else: one (condition, body) per clause; the else clause has no condition."""

    clauses: list[tuple[Condition | None, list[Plugin | Branch]]]


@dataclass
class Config:
    sections: dict[str, list[Plugin | Branch]]

    def plugins(self, section: str) -> list[Plugin]:
        """Every plugin of a section, inside branches too, in the order written."""
        return list(_walk(self.sections.get(section, [])))

    def branches(self, section: str) -> list[Branch]:
        return [node for node in self.sections.get(section, []) if isinstance(node, Branch)]


def _walk(nodes: list[Plugin | Branch]):
    for node in nodes:
        if isinstance(node, Plugin):
            yield node
        else:
            for _condition, body in node.clauses:
                yield from _walk(body)


def parse(text: str) -> Config:
    return _Parser(text).config()


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.pos = 0

    # -- helpers -------------------------------------------------------------------
    def error(self, message: str) -> LogstashSyntaxError:
        return LogstashSyntaxError(message, self.text, self.pos)

    def skip(self) -> bool:
        """Whitespace and comments; whether there were any."""
        start = self.pos
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char in " \t\r\n":
                self.pos += 1
            elif char == "#":
                end = self.text.find("\n", self.pos)
                self.pos = len(self.text) if end < 0 else end + 1
            else:
                break
        return self.pos > start

    def peek(self, literal: str) -> bool:
        return self.text.startswith(literal, self.pos)

    def peek_word(self, word: str) -> bool:
        """A keyword, not the start of a longer name."""
        end = self.pos + len(word)
        return self.peek(word) and (end >= len(self.text) or not re.match(r"[A-Za-z0-9_-]", self.text[end]))

    def expect(self, literal: str) -> None:
        if not self.peek(literal):
            raise self.error(f"expected {literal!r}")
        self.pos += len(literal)

    def match(self, pattern: re.Pattern) -> str | None:
        found = pattern.match(self.text, self.pos)
        if not found:
            return None
        self.pos = found.end()
        return found.group(0)

    # -- structure -----------------------------------------------------------------
    def config(self) -> Config:
        sections: dict[str, list[Plugin | Branch]] = {}
        self.skip()
        if self.pos >= len(self.text):
            raise self.error("empty configuration: expected input, filter or output")
        while self.pos < len(self.text):
            kind = next((word for word in SECTION_TYPES if self.peek_word(word)), None)
            if kind is None:
                raise self.error("expected a section: input, filter or output")
            self.pos += len(kind)
            self.skip()
            sections.setdefault(kind, []).extend(self.block())
            self.skip()
        return Config(sections)

    def block(self) -> list[Plugin | Branch]:
        """{ (plugin | branch)* }"""
        self.expect("{")
        nodes: list[Plugin | Branch] = []
        self.skip()
        while not self.peek("}"):
            if self.pos >= len(self.text):
                raise self.error("unterminated block: expected '}'")
            nodes.append(self.branch() if self.peek_word("if") else self.plugin())
            self.skip()
        self.expect("}")
        return nodes

    def plugin(self) -> Plugin:
        name = self.name()
        self.skip()
        self.expect("{")
        self.skip()
        settings: list[tuple[str, Any]] = []
        while not self.peek("}"):
            if self.pos >= len(self.text):
                raise self.error(f"unterminated plugin {name}: expected '}}'")
            key = self.name()
            self.skip()
            self.expect("=>")
            self.skip()
            settings.append((key, self.value()))
            if not self.skip() and not self.peek("}"):
                raise self.error("expected whitespace between settings")
        self.expect("}")
        return Plugin(name, settings)

    def name(self) -> str:
        if self.peek('"') or self.peek("'"):
            return self.string()
        name = self.match(_NAME)
        if name is None:
            raise self.error("expected a name")
        return name

    def branch(self) -> Branch:
        self.expect("if")
        clauses = [(self.condition_then(), self.block_after())]
        while True:
            saved = self.pos
            self.skip()
            if not self.peek_word("else"):
                self.pos = saved
                break
            self.pos += len("else")
            self.skip()
            if self.peek_word("if"):
                self.pos += len("if")
                clauses.append((self.condition_then(), self.block_after()))
            else:
                clauses.append((None, self.block()))
                break
        return Branch(clauses)

    def condition_then(self) -> Condition:
        self.skip()
        return self.condition()

    def block_after(self) -> list[Plugin | Branch]:
        self.skip()
        return self.block()

    # -- values --------------------------------------------------------------------
    def value(self) -> Any:
        if self.peek('"') or self.peek("'"):
            return self.string()
        if self.peek("["):
            return self.array()
        if self.peek("{"):
            return self.hash()
        number = self.number()
        if number is not None:
            return number
        start = self.pos
        word = self.match(_NAME)
        if word is None:
            raise self.error("expected a value")
        # A plugin as a value (codec => json { ... }).
        after_name = self.pos
        self.skip()
        if self.peek("{"):
            self.pos = start
            return self.plugin()
        self.pos = after_name
        if not _BAREWORD.fullmatch(word):
            self.pos = start
            raise self.error("expected a value (barewords are letters, digits and _, at least 2)")
        return Bareword(word)

    def string(self) -> str:
        quote = self.text[self.pos]
        end = self.pos + 1
        while end < len(self.text):
            if self.text[end] == "\\":
                end += 2
                continue
            if self.text[end] == quote:
                value = self.text[self.pos + 1 : end]
                self.pos = end + 1
                return value
            end += 1
        raise self.error("unterminated string")

    def number(self) -> int | float | None:
        found = _NUMBER.match(self.text, self.pos)
        if not found:
            return None
        # 5044 is a number, 5044abc is not.
        end = found.end()
        if end < len(self.text) and re.match(r"[A-Za-z_]", self.text[end]):
            return None
        self.pos = end
        return float(found.group(0)) if found.group(1) else int(found.group(0))

    def array(self) -> list:
        self.expect("[")
        self.skip()
        items: list = []
        if self.peek("]"):
            self.pos += 1
            return items
        while True:
            items.append(self.value())
            self.skip()
            if self.peek("]"):
                self.pos += 1
                return items
            self.expect(",")
            self.skip()

    def hash(self) -> dict:
        self.expect("{")
        self.skip()
        entries: dict = {}
        while not self.peek("}"):
            if self.pos >= len(self.text):
                raise self.error("unterminated hash: expected '}'")
            if self.peek('"') or self.peek("'"):
                key: Any = self.string()
            else:
                key = self.number()
                if key is None:
                    key = self.match(_BAREWORD)
                    if key is None:
                        raise self.error("expected a hash key")
            self.skip()
            self.expect("=>")
            self.skip()
            entries[key] = self.value()
            if not self.skip() and not self.peek("}"):
                raise self.error("expected whitespace between hash entries")
        self.expect("}")
        return entries

    # -- conditions ----------------------------------------------------------------
    def condition(self) -> Condition:
        start = self.pos
        parts = [self.expression()]
        operators = []
        while True:
            saved = self.pos
            self.skip()
            operator = next((word for word in BOOLEAN_OPERATORS if self.peek_word(word)), None)
            if operator is None:
                self.pos = saved
                break
            self.pos += len(operator)
            self.skip()
            operators.append(operator)
            parts.append(self.expression())
        text = self.text[start : self.pos]
        if not operators:
            return parts[0]
        return Condition(" ".join(operators), tuple(parts), text)

    def parenthesised(self) -> Condition:
        """`( condition )`, the position at the opening parenthesis."""
        self.pos += 1
        self.skip()
        inner = self.condition()
        self.skip()
        self.expect(")")
        return inner

    def expression(self) -> Condition:
        start = self.pos
        if self.peek("("):
            inner = self.parenthesised()
            return Condition("()", (inner,), self.text[start : self.pos])
        if self.peek("!") and not self.peek("!="):
            self.pos += 1
            self.skip()
            if self.peek("("):
                inner = self.parenthesised()
            else:
                inner = self.selector()
                if inner is None:
                    raise self.error("expected ( or a field selector after !")
            return Condition("!", (inner,), self.text[start : self.pos])
        left = self.rvalue()
        saved = self.pos
        self.skip()
        if self.peek_word("in"):
            self.pos += 2
            self.skip()
            return Condition("in", (left, self.rvalue()), self.text[start : self.pos])
        if self.peek_word("not"):
            self.pos += 3
            self.skip()
            if not self.peek_word("in"):
                raise self.error("expected in after not")
            self.pos += 2
            self.skip()
            return Condition("not in", (left, self.rvalue()), self.text[start : self.pos])
        operator = next((op for op in REGEXP_OPERATORS + COMPARE_OPERATORS if self.peek(op)), None)
        if operator is None:
            self.pos = saved
            return Condition("value", (left,), self.text[start : self.pos])
        self.pos += len(operator)
        self.skip()
        if operator in REGEXP_OPERATORS:
            right: Any = self.string() if (self.peek('"') or self.peek("'")) else self.regexp()
        else:
            right = self.rvalue()
        return Condition(operator, (left, right), self.text[start : self.pos])

    def rvalue(self) -> Any:
        if self.peek('"') or self.peek("'"):
            return self.string()
        number = self.number()
        if number is not None:
            return number
        selector = self.selector()
        if selector is not None:
            return selector
        if self.peek("["):
            return self.array()
        if self.peek("/"):
            return self.regexp()
        method = self.match(_BAREWORD)
        if method is not None:
            self.skip()
            self.expect("(")
            self.skip()
            arguments = []
            while not self.peek(")"):
                arguments.append(self.rvalue())
                self.skip()
                if not self.peek(")"):
                    self.expect(",")
                    self.skip()
            self.pos += 1
            return Condition("call", (method, *arguments), method)
        raise self.error("expected a string, number, field selector, array, method call or regexp")

    def selector(self) -> Selector | None:
        parts = []
        while True:
            element = self.match(_SELECTOR_ELEMENT)
            if element is None:
                break
            parts.append(element[1:-1])
        return Selector(tuple(parts)) if parts else None

    def regexp(self) -> Regexp:
        self.expect("/")
        end = self.pos
        while end < len(self.text):
            if self.text[end] == "\\":
                end += 2
                continue
            if self.text[end] == "/":
                pattern = self.text[self.pos : end]
                self.pos = end + 1
                return Regexp(pattern)
            if self.text[end] == "\n":
                break
            end += 1
        raise self.error("unterminated regexp")
