"""Key templates such as ``"DEPLOYMENT#{deployment_id}"``, rendered verbatim.

Why verbatim (ARCHITECTURE principle 7): ElectroDB lowercased key values by default and
corrupted data that other tools had written. A template here never changes a field's bytes: no
case folding, no trimming, no escaping.

Why some values are refused instead (issue 7 item 9): without escaping, a value holding the
literal text that follows its field makes the key ambiguous. With ``OWNER#{owner}#ORG#{org}``,
owner ``a#ORG#x`` with org ``y`` renders the very key of owner ``a`` with org ``x#ORG#y``, so an
owner scope whose ownership sits in that key (a ``Select=COUNT`` query checks no item) would
reach another owner's items; ``begins_with`` on a prefix has the same hole. So ``render`` and
``prefix`` refuse (``EncodingError``, an ``InvalidRequest``) a value of any field but the last
in which the literal after it occurs, also across the join (``a#`` before ``#`` reads as ``a``
then ``##``). With that rule every rendering has exactly one reading (the first occurrence of
each literal ends its field) and a prefix matches only keys with those very leading values.
The last field needs no rule: its end is the end of the key. ``parse`` takes the first split,
which for keys rendered here is the only one; the repository reads fields from item
attributes, so ``parse`` is for debugging and migrations only.

Rendering types: a template with literal text always renders a ``str``; a bare template
(``"{organization}"``: one field, no text) gives the key the field's own type: ``str`` (S),
``int`` or ``Decimal`` (N), ``bytes`` (B). ``Enum`` renders its ``.value``; ``datetime``
(timezone-aware), ``date`` and ``UUID`` render exactly as the codec (``core.values``) stores
them, so a key and the attribute it mirrors hold the same text. ``int`` is not zero-padded:
string order is not numeric order (``"10" < "9"``); pad in the entity if order matters.
``bool`` and ``float`` are refused (no single obvious text; use ``int`` or ``Decimal``).

Syntax: ``{field}`` where ``field`` is a Python identifier; ``{{`` and ``}}`` are literal
braces. Mistakes raise ``DefinitionError`` with a stable code: ``KEY_TEMPLATE_SYNTAX`` (unclosed
or stray brace, empty or invalid field name, repeated field, empty template) and
``KEY_TEMPLATE_AMBIGUOUS`` (two fields with no text between them).

Example:
    >>> t = KeyTemplate("STACK#{stack_name}#{environment}")
    >>> t.render({"stack_name": "web", "environment": "prod"})
    'STACK#web#prod'
    >>> t.prefix({"stack_name": "web"}), t.parse("STACK#web#prod")
    ('STACK#web#', {'stack_name': 'web', 'environment': 'prod'})
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping
from decimal import Decimal
from enum import Enum
from uuid import UUID

from dynastack.core.values import encode
from dynastack.errors import DefinitionError, EncodingError, InvalidRequest

__all__ = ["KeyTemplate", "KeyValue"]

#: what a rendered key is: S, N or B on the wire
KeyValue = str | int | bytes | Decimal

_TOKENS = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]|[^{}]+")


class KeyTemplate:
    """A key attribute's template: literal text and ``{field}`` placeholders.

    >>> KeyTemplate("{organization}").render({"organization": "MyOrg"})
    'MyOrg'
    >>> KeyTemplate("METADATA").is_constant, KeyTemplate("{n}").render({"n": 7})
    (True, 7)
    """

    __slots__ = ("_guards", "_pattern", "_segments", "fields", "template")

    template: str
    fields: tuple[str, ...]
    #: (is_field, text): a field name or a literal text, in order, adjacent literals merged
    _segments: tuple[tuple[bool, str], ...]
    _pattern: re.Pattern[str]
    #: field → (the literal after it, that literal less its last character), for every field
    #: but the last (see "Why some values …")
    _guards: dict[str, tuple[str, str]]

    def __init__(self, template: str) -> None:
        segments = _parse_template(template)
        self.template = template
        self._segments = segments
        self.fields = tuple(text for is_field, text in segments if is_field)
        self._guards = {
            segments[i][1]: (segments[i + 1][1], segments[i + 1][1][:-1])
            for i in range(len(segments) - 2)
            if segments[i][0]  # a field, followed by a literal (fields never touch) and a field
        }
        self._pattern = re.compile(
            "".join("(.*?)" if is_field else re.escape(text) for is_field, text in segments),
            re.DOTALL,
        )

    @property
    def guards(self) -> tuple[tuple[str, str], ...]:
        """``(field, literal after it)`` for every field but the last: the literal must not
        occur in the field's value (nor straddle its end), see "Why some values are refused".

        >>> KeyTemplate("OWNER#{owner}#ORG#{org}").guards
        (('owner', '#ORG#'),)
        """
        return tuple((field, after) for field, (after, _) in self._guards.items())

    @property
    def is_constant(self) -> bool:
        """No fields: the template is its own rendering (``"METADATA"``)."""
        return not self.fields

    @property
    def is_bare(self) -> bool:
        """One field and no literal text: the key takes the field's own type."""
        return len(self._segments) == 1 and self._segments[0][0]

    def render(self, values: Mapping[str, object]) -> KeyValue:
        """The key value for ``values`` (extra names are ignored; ``None`` counts as missing)."""
        if self.is_bare:
            field = self.fields[0]
            value = _typed(self, field, self._value(values, field))
            if value in ("", b""):
                raise EncodingError(
                    f"key template {self.template!r}: field {field!r} is empty; DynamoDB key "
                    "values must not be empty"
                )
            return value
        return "".join([
            self._field_text(text, self._value(values, text)) if is_field else text
            for is_field, text in self._segments
        ])  # fmt: skip

    def prefix(self, values: Mapping[str, object]) -> str:
        """The rendering up to, not including, the first missing field: for ``begins_with``.

        >>> KeyTemplate("STACK#{stack_name}#{environment}").prefix({})
        'STACK#'
        """
        parts: list[str] = []
        for is_field, text in self._segments:
            if not is_field:
                parts.append(text)
                continue
            value = values.get(text)
            if value is None:
                break
            parts.append(self._field_text(text, value))
        return "".join(parts)

    def text(self, field: str, value: object) -> str:
        """``field``'s text inside this template (what ``render`` writes for it).

        >>> KeyTemplate("N#{n}#{m}").text("n", 7)
        '7'
        """
        if field not in self.fields:
            raise InvalidRequest(f"key template {self.template!r} has no field {field!r}")
        return _text(self, field, value)

    def around(self, field: str, values: Mapping[str, object]) -> tuple[str, str | None]:
        """What surrounds ``field``: the rendering before it (its earlier fields taken from
        ``values``) and the literal text right after it (``None`` when it ends the template).
        Key ranges on one field of a template (``core.key_ranges``) are built from these.

        >>> KeyTemplate("ORDER#{at}#{order_id}").around("at", {})
        ('ORDER#', '#')
        >>> KeyTemplate("R#{region}#{at}").around("at", {"region": "eu"})
        ('R#eu#', None)
        """
        if field not in self.fields:
            raise InvalidRequest(f"key template {self.template!r} has no field {field!r}")
        parts: list[str] = []
        for position, (is_field, text) in enumerate(self._segments):
            if is_field and text == field:
                after = self._segments[position + 1 :]
                return "".join(parts), (after[0][1] if after else None)
            parts.append(_text(self, text, self._value(values, text)) if is_field else text)
        raise AssertionError("unreachable: the field is in the template")  # pragma: no cover

    def parse(self, rendered: str) -> dict[str, str]:
        """Field texts back from a rendered key, taking the first split (for a key rendered
        here, the only one; a key written by other tools may have others).

        >>> KeyTemplate("STACK#{stack_name}#{environment}").parse("STACK#a#b#c")
        {'stack_name': 'a', 'environment': 'b#c'}
        """
        match = self._pattern.fullmatch(rendered) if isinstance(rendered, str) else None
        if match is None:
            raise InvalidRequest(f"{rendered!r} does not match key template {self.template!r}")
        return dict(zip(self.fields, match.groups(), strict=True))

    def _field_text(self, field: str, value: object) -> str:
        text = _text(self, field, value)
        guard = self._guards.get(field)
        # the literal must first occur right after the value: not inside it, nor straddling
        if guard is not None and guard[0] in text + guard[1]:
            after = guard[0]
            raise EncodingError(
                f"key template {self.template!r}: the value of field {field!r} contains "
                f"{after!r}, the text that follows the field in the key, so the key could be "
                f"read as other values; {field!r} must not contain {after!r} (nor end with "
                "its beginning): constrain the field with a pattern"
            )
        return text

    def _value(self, values: Mapping[str, object], field: str) -> object:
        value = values.get(field)
        if value is None:
            given = ", ".join(sorted(k for k, v in values.items() if v is not None)) or "nothing"
            raise InvalidRequest(
                f"key template {self.template!r} needs field {field!r}, which is missing or "
                f"None (given: {given})"
            )
        return value

    def __repr__(self) -> str:
        return f"KeyTemplate({self.template!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, KeyTemplate):
            return NotImplemented
        return self.template == other.template

    def __hash__(self) -> int:
        return hash((KeyTemplate, self.template))


def _parse_template(template: str) -> tuple[tuple[bool, str], ...]:
    if not isinstance(template, str) or not template:
        raise DefinitionError(
            "KEY_TEMPLATE_SYNTAX", f"a key template is a non-empty str, got {template!r}"
        )
    segments: list[tuple[bool, str]] = []
    for match in _TOKENS.finditer(template):
        piece, name = match.group(0), match.group(1)
        if name is not None:
            _check_field(template, name, segments)
            segments.append((True, name))
            continue
        if piece in ("{", "}"):
            hint = "unclosed '{'" if piece == "{" else "single '}' (write '}}' for a brace)"
            raise DefinitionError(
                "KEY_TEMPLATE_SYNTAX",
                f"key template {template!r}: {hint} at position {match.start()}",
            )
        text = piece[0] if piece in ("{{", "}}") else piece
        if segments and not segments[-1][0]:
            text = segments.pop()[1] + text
        segments.append((False, text))
    return tuple(segments)


def _check_field(template: str, name: str, segments: list[tuple[bool, str]]) -> None:
    if not name.isidentifier():
        shown = "an empty field '{}'" if not name else f"field {name!r} is not an identifier"
        raise DefinitionError("KEY_TEMPLATE_SYNTAX", f"key template {template!r}: {shown}")
    if any(is_field and text == name for is_field, text in segments):
        raise DefinitionError(
            "KEY_TEMPLATE_SYNTAX", f"key template {template!r}: field {name!r} appears twice"
        )
    if segments and segments[-1][0]:
        raise DefinitionError(
            "KEY_TEMPLATE_AMBIGUOUS",
            f"key template {template!r}: fields {segments[-1][1]!r} and {name!r} touch; put "
            "literal text (such as '#') between them so that the key can be read back",
        )


def _typed(template: KeyTemplate, field: str, value: object) -> KeyValue:
    """A field value as a key value of its own type (for bare templates)."""
    if isinstance(value, Enum):
        return _typed(template, field, value.value)
    if isinstance(value, (bool, float)):
        kind = type(value).__name__
        raise EncodingError(
            f"key template {template.template!r}: field {field!r} is a {kind} ({value!r}); "
            "keys take str, int, Decimal, bytes, datetime, date, UUID or Enum"
        )
    if isinstance(value, str):
        return str.__str__(value)  # a str subclass's own __str__ must not change the text
    if isinstance(value, int):
        return int(value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise EncodingError(
                f"key template {template.template!r}: field {field!r} is {value!r}; "
                "DynamoDB numbers are finite"
            )
        return value
    if isinstance(value, (_dt.date, UUID)):
        try:
            return str(encode(value)["S"])
        except EncodingError as error:
            reason = str(error).removeprefix("value: ")  # the codec's generic path name
            raise EncodingError(
                f"key template {template.template!r}: field {field!r}: {reason}"
            ) from None
    raise EncodingError(
        f"key template {template.template!r}: field {field!r} has type {type(value).__name__}; "
        "keys take str, int, Decimal, bytes, datetime, date, UUID or Enum"
    )


def _text(template: KeyTemplate, field: str, value: object) -> str:
    """A field value as text inside a template with literal text."""
    typed = _typed(template, field, value)
    if isinstance(typed, bytes):
        raise EncodingError(
            f"key template {template.template!r}: field {field!r} is bytes; only a bare "
            "template ('{field}') can hold binary, text templates never re-encode bytes"
        )
    return typed if isinstance(typed, str) else str(typed)
