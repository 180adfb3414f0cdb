"""A small SOQL: tokenizer, recursive-descent parser and evaluator. No eval.

Supported, with Salesforce's result shape and error codes::

    SELECT field, Parent__r.Field, COUNT(),
           (SELECT field FROM Child__r [WHERE ...] [ORDER BY ...] [LIMIT n])
    FROM Object
    [WHERE cond]            -- = != <> < <= > >= LIKE, IN (...), NOT IN (...),
                            -- AND, OR, NOT, parentheses; 'strings', numbers,
                            -- true/false/null, date and datetime literals
    [ORDER BY field [ASC|DESC] [NULLS FIRST|LAST], ...]
    [LIMIT n] [OFFSET n]

Text comparisons are case-insensitive as in SOQL; ids compare on their
case-safe 18-character form, so 15- and 18-character ids both match.
Everything else (aggregates other than ``COUNT()``, date functions, semi-joins,
``nextRecordsUrl`` paging) is answered with ``MALFORMED_QUERY``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sandbox.salesforce_org import ids, schema, values
from sandbox.salesforce_org.errors import ApiError
from sandbox.salesforce_org.schema import SObject

KEYWORDS = {
    "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "LIKE", "ORDER", "BY", "ASC", "DESC",
    "NULLS", "FIRST", "LAST", "LIMIT", "OFFSET", "TRUE", "FALSE", "NULL", "COUNT",
}  # fmt: skip

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2}))
  | (?P<date>\d{4}-\d{2}-\d{2})(?![\w:])
  | (?P<number>-?\d+(?:\.\d+)?)(?![\w])
  | (?P<string>'(?:\\.|[^'\\])*')
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<op><=|>=|!=|<>|=|<|>)
  | (?P<punct>[(),])
    """,
    re.VERBOSE,
)
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "'": "'", '"': '"', "\\": "\\"}


@dataclass
class Token:
    kind: str  # ident, keyword, string, number, date, datetime, op, punct, end
    text: str
    pos: int
    value: Any = None


@dataclass
class FieldRef:
    path: list[str]
    pos: int
    # resolved:
    relationship: str | None = None  # canonical parent relationship name, e.g. Patient__r
    parent: SObject | None = None
    spec: schema.Field | None = None


@dataclass
class Compare:
    field: FieldRef
    op: str  # = != < <= > >= LIKE IN NOTIN
    value: Any  # a literal Token, or a list of them for IN


@dataclass
class BoolOp:
    op: str  # AND | OR | NOT
    parts: list[Any]


@dataclass
class Query:
    object_token: Token
    items: list[Any] = field(default_factory=list)  # FieldRef | Query (child) | "COUNT"
    where: Any = None
    order: list[tuple[FieldRef, bool, bool]] = field(
        default_factory=list
    )  # field, desc, nulls_first
    limit: int | None = None
    offset: int = 0
    # resolved:
    obj: SObject | None = None
    relationship: str | None = None  # for a child subquery: canonical relationship name


class SoqlError(ApiError):
    pass


def _error(query: str, pos: int, code: str, message: str) -> SoqlError:
    """Salesforce's query error text: the offending line, a caret, row and column."""
    line_start = query.rfind("\n", 0, pos) + 1
    line_end = query.find("\n", pos)
    line = query[line_start : line_end if line_end >= 0 else len(query)]
    row = query.count("\n", 0, pos) + 1
    column = pos - line_start + 1
    text = f"\n{line}\n{' ' * (column - 1)}^\nERROR at Row:{row}:Column:{column}\n{message}"
    return SoqlError(400, code, text)


def tokenize(query: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(query):
        match = _TOKEN.match(query, pos)
        if match is None:
            raise _error(query, pos, "MALFORMED_QUERY", f"unexpected token: '{query[pos]}'")
        kind = match.lastgroup or ""
        text = match.group()
        if kind == "ws":
            pass
        elif kind == "string":
            tokens.append(Token("string", text, pos, _unescape(query, pos, text[1:-1])))
        elif kind == "ident" and text.upper() in KEYWORDS:
            tokens.append(Token("keyword", text.upper(), pos))
        elif kind == "number":
            tokens.append(Token("number", text, pos, float(text) if "." in text else int(text)))
        else:
            tokens.append(Token(kind, text, pos, text))
        pos = match.end()
    tokens.append(Token("end", "<EOF>", len(query)))
    return tokens


def _unescape(query: str, pos: int, body: str) -> str:
    out = []
    i = 0
    while i < len(body):
        char = body[i]
        if char == "\\":
            nxt = body[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
            elif nxt in "%_":
                out.append("\\" + nxt)  # kept for LIKE, where it means a literal % or _
            else:
                raise _error(query, pos, "MALFORMED_QUERY", f"Invalid string literal '{body}'")
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out)


class Parser:
    """Recursive descent over the token list; builds a ``Query``."""

    def __init__(self, query: str) -> None:
        self.text = query
        self.tokens = tokenize(query)
        self.i = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def _unexpected(self) -> SoqlError:
        return _error(
            self.text, self.tok.pos, "MALFORMED_QUERY", f"unexpected token: {self.tok.text}"
        )

    def _accept(self, kind: str, text: str | None = None) -> Token | None:
        tok = self.tok
        if tok.kind == kind and (text is None or tok.text == text):
            self.i += 1
            return tok
        return None

    def _expect(self, kind: str, text: str | None = None) -> Token:
        tok = self._accept(kind, text)
        if tok is None:
            raise self._unexpected()
        return tok

    def parse(self) -> Query:
        query = self._select(nested=False)
        if self.tok.kind != "end":
            raise self._unexpected()
        return query

    def _select(self, *, nested: bool) -> Query:
        self._expect("keyword", "SELECT")
        items: list[Any] = []
        while True:
            if self._accept("keyword", "COUNT"):
                self._expect("punct", "(")
                self._expect("punct", ")")
                items.append("COUNT")
            elif not nested and self.tok.kind == "punct" and self.tok.text == "(":
                self.i += 1
                items.append(self._select(nested=True))
                self._expect("punct", ")")
            else:
                ident = self._expect("ident")
                items.append(FieldRef(ident.text.split("."), ident.pos))
            if not self._accept("punct", ","):
                break
        self._expect("keyword", "FROM")
        query = Query(object_token=self._expect("ident"), items=items)
        if self._accept("keyword", "WHERE"):
            query.where = self._or()
        if self._accept("keyword", "ORDER"):
            self._expect("keyword", "BY")
            while True:
                ident = self._expect("ident")
                desc = bool(self._accept("keyword", "DESC"))
                if not desc:
                    self._accept("keyword", "ASC")
                nulls_first = not desc
                if self._accept("keyword", "NULLS"):
                    nulls_first = bool(self._accept("keyword", "FIRST"))
                    if not nulls_first:
                        self._expect("keyword", "LAST")
                query.order.append((FieldRef(ident.text.split("."), ident.pos), desc, nulls_first))
                if not self._accept("punct", ","):
                    break
        if self._accept("keyword", "LIMIT"):
            query.limit = self._integer()
        if self._accept("keyword", "OFFSET"):
            query.offset = self._integer()
        return query

    def _integer(self) -> int:
        tok = self._expect("number")
        if not isinstance(tok.value, int) or tok.value < 0:
            raise _error(self.text, tok.pos, "MALFORMED_QUERY", f"unexpected token: {tok.text}")
        return tok.value

    def _or(self) -> Any:
        parts = [self._and()]
        while self._accept("keyword", "OR"):
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else BoolOp("OR", parts)

    def _and(self) -> Any:
        parts = [self._not()]
        while self._accept("keyword", "AND"):
            parts.append(self._not())
        return parts[0] if len(parts) == 1 else BoolOp("AND", parts)

    def _not(self) -> Any:
        if self._accept("keyword", "NOT"):
            return BoolOp("NOT", [self._not()])
        if self._accept("punct", "("):
            inner = self._or()
            self._expect("punct", ")")
            return inner
        return self._comparison()

    def _comparison(self) -> Compare:
        ident = self._expect("ident")
        ref = FieldRef(ident.text.split("."), ident.pos)
        if self._accept("keyword", "NOT"):
            self._expect("keyword", "IN")
            return Compare(ref, "NOTIN", self._list())
        if self._accept("keyword", "IN"):
            return Compare(ref, "IN", self._list())
        if self._accept("keyword", "LIKE"):
            return Compare(ref, "LIKE", self._expect("string"))
        op = self._expect("op").text
        return Compare(ref, "!=" if op == "<>" else op, self._literal())

    def _list(self) -> list[Token]:
        self._expect("punct", "(")
        items = [self._literal()]
        while self._accept("punct", ","):
            items.append(self._literal())
        self._expect("punct", ")")
        return items

    def _literal(self) -> Token:
        tok = self.tok
        if tok.kind in ("string", "number", "date", "datetime") or (
            tok.kind == "keyword" and tok.text in ("TRUE", "FALSE", "NULL")
        ):
            self.i += 1
            return tok
        raise self._unexpected()


# --- resolution -------------------------------------------------------------------


def _no_field(query: str, ref: FieldRef, obj: SObject) -> SoqlError:
    return _error(
        query,
        ref.pos,
        "INVALID_FIELD",
        f"No such column '{ref.path[-1]}' on entity '{obj.name}'. If you are attempting to use "
        "a custom field, be sure to append the '__c' after the custom field name. Please "
        "reference your WSDL or the describe call for the appropriate names.",
    )


def _resolve_field(query: str, ref: FieldRef, obj: SObject) -> None:
    path = list(ref.path)
    if len(path) > 1 and path[0].lower() == obj.name.lower():
        path = path[1:]  # "Patient__c.Name" qualified by the object's own name
    if len(path) == 1:
        ref.spec = obj.field(path[0])
        if ref.spec is None:
            raise _no_field(query, ref, obj)
        return
    if len(path) == 2:
        for spec in obj.fields:
            if spec.relationship_name and spec.relationship_name.lower() == path[0].lower():
                parent = schema.OBJECTS[spec.reference_to]
                ref.relationship, ref.parent = spec.relationship_name, parent
                ref.spec = parent.field(path[1])
                if ref.spec is None:
                    raise _no_field(query, ref, parent)
                ref.path = [path[0], path[1]]
                return
    raise _error(
        query,
        ref.pos,
        "INVALID_FIELD",
        f"Didn't understand relationship '{path[0]}' in field path. If you are attempting to "
        "use a custom relationship, be sure to append the '__r' after the custom relationship "
        "name. Please reference your WSDL or the describe call for the appropriate names.",
    )


def _walk(cond: Any) -> list[Compare]:
    if cond is None:
        return []
    if isinstance(cond, Compare):
        return [cond]
    return [c for part in cond.parts for c in _walk(part)]


def _resolve(text: str, query: Query, parent: SObject | None = None) -> None:
    name_tok = query.object_token
    if parent is None:
        query.obj = schema.get_object(name_tok.text)
        if query.obj is None:
            raise _error(
                text,
                name_tok.pos,
                "INVALID_TYPE",
                f"sObject type '{name_tok.text}' is not supported. If you are attempting to use "
                "a custom object, be sure to append the '__c' after the entity name. Please "
                "reference your WSDL or the describe call for the appropriate names.",
            )
    else:
        for rel, child in parent.children.items():
            if rel.lower() == name_tok.text.lower():
                query.obj, query.relationship = schema.OBJECTS[child], rel
        if query.obj is None:
            raise _error(
                text,
                name_tok.pos,
                "INVALID_TYPE",
                f"Didn't understand relationship '{name_tok.text}' in FROM part of query call. "
                "If you are attempting to use a custom relationship, be sure to append the "
                "'__r' after the custom relationship name. Please reference your WSDL or the "
                "describe call for the appropriate names.",
            )
    seen: set[str] = set()
    for item in query.items:
        if isinstance(item, FieldRef):
            _resolve_field(text, item, query.obj)
            key = ".".join(item.path).lower() if item.relationship else item.spec.name.lower()
            if key in seen:
                raise _error(
                    text, item.pos, "MALFORMED_QUERY", f"duplicate field selected: {item.path[-1]}"
                )
            seen.add(key)
        elif isinstance(item, Query):
            _resolve(text, item, query.obj)
    if "COUNT" in query.items and len(query.items) > 1:
        raise _error(
            text,
            name_tok.pos,
            "MALFORMED_QUERY",
            "COUNT() must be the only element in the SELECT list",
        )
    for compare in _walk(query.where):
        _resolve_field(text, compare.field, query.obj)
        _check_literals(text, compare)
    for ref, _desc, _nulls in query.order:
        _resolve_field(text, ref, query.obj)


def _check_literals(text: str, compare: Compare) -> None:
    """Type-check filter values and turn them into comparable Python values."""
    spec = compare.field.spec
    tokens = compare.value if isinstance(compare.value, list) else [compare.value]
    converted = []
    for tok in tokens:
        converted.append(_literal_value(text, spec, tok, like=compare.op == "LIKE"))
    compare.value = converted if isinstance(compare.value, list) else converted[0]


def _literal_value(text: str, spec: schema.Field, tok: Token, *, like: bool) -> Any:
    if tok.kind == "keyword" and tok.text == "NULL":
        return None
    kind = spec.type

    def wrong(type_name: str) -> SoqlError:
        return _error(
            text,
            tok.pos,
            "INVALID_QUERY_FILTER_OPERATOR",
            f"value of filter criterion for field '{spec.name}' must be of type {type_name} "
            "and should not be enclosed in quotes",
        )

    if kind == "boolean":
        if tok.kind != "keyword":
            raise wrong("boolean")
        return tok.text == "TRUE"
    if kind == "date":
        if tok.kind != "date":
            raise wrong("date")
        return tok.value
    if kind == "datetime":
        if tok.kind != "datetime":
            raise wrong("dateTime")
        return values.normalize_datetime(tok.value)
    if tok.kind != "string":
        raise _error(
            text,
            tok.pos,
            "INVALID_QUERY_FILTER_OPERATOR",
            f"value of filter criterion for field '{spec.name}' must be of type string "
            "and should be enclosed in quotes",
        )
    if kind in ("id", "reference") and not like:
        canonical = ids.to18(tok.value)
        if canonical is None:
            raise _error(
                text, tok.pos, "INVALID_QUERY_FILTER_OPERATOR", f"invalid ID field: {tok.value}"
            )
        return canonical
    return tok.value


def parse(text: str) -> Query:
    """Parse and resolve ``text`` against the org's schema; raise ``SoqlError``."""
    if len(text) > 100_000:
        raise SoqlError(400, "MALFORMED_QUERY", "Query is too long")
    query = Parser(text).parse()
    _resolve(text, query)
    return query


# --- evaluation --------------------------------------------------------------------


class Evaluator:
    """Runs a resolved query over the records of a ``Records`` instance."""

    def __init__(self, records: Any, version: str, *, include_deleted: bool = False) -> None:
        self.records = records
        self.version = version
        self.include_deleted = include_deleted
        self._parents: dict[str, dict[str, Any] | None] = {}

    def run(self, query: Query) -> dict[str, Any]:
        rows = self.records.all(query.obj, include_deleted=self.include_deleted)
        return self._result(query, rows)

    def _result(self, query: Query, rows: list[dict[str, Any]]) -> dict[str, Any]:
        rows = [r for r in rows if self._matches(query.where, r)]
        for ref, desc, nulls_first in reversed(query.order):
            # Text sorts case-insensitively; ids are case-sensitive, and sort as they grow.
            exact = ref.spec is not None and ref.spec.type in ("id", "reference")
            rows.sort(
                key=lambda r, ref=ref, nf=nulls_first, d=desc, x=exact: _sort_key(
                    self._value(ref, r), nf, d, exact=x
                ),
                reverse=desc,
            )
        rows = rows[query.offset :]
        if query.limit is not None:
            rows = rows[: query.limit]
        if query.items == ["COUNT"]:
            return {"totalSize": len(rows), "done": True, "records": []}
        return {
            "totalSize": len(rows),
            "done": True,
            "records": [self._shape(query, r) for r in rows],
        }

    def _attributes(self, obj: SObject, record_id: str) -> dict[str, str]:
        return {
            "type": obj.name,
            "url": f"/services/data/{self.version}/sobjects/{obj.name}/{record_id}",
        }

    def _shape(self, query: Query, record: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"attributes": self._attributes(query.obj, record["Id"])}
        for item in query.items:
            if isinstance(item, Query):
                children = self.records.children(
                    record["Id"], item.obj, include_deleted=self.include_deleted
                )
                result = self._result(item, children)
                out[item.relationship] = result if result["records"] else None
            elif item.relationship:
                parent = self._parent(item, record)
                if parent is None:
                    out.setdefault(item.relationship, None)
                    continue
                nested = out.get(item.relationship) or {
                    "attributes": self._attributes(item.parent, parent["Id"])
                }
                nested[item.spec.name] = parent.get(item.spec.name)
                out[item.relationship] = nested
            else:
                out[item.spec.name] = record.get(item.spec.name)
        return out

    def _parent(self, ref: FieldRef, record: dict[str, Any]) -> dict[str, Any] | None:
        parent_id = record.get(ref.relationship[:-3] + "__c")
        if not parent_id:
            return None
        if parent_id not in self._parents:
            self._parents[parent_id] = self.records.get(ref.parent, parent_id)
        return self._parents[parent_id]

    def _value(self, ref: FieldRef, record: dict[str, Any]) -> Any:
        if ref.relationship:
            parent = self._parent(ref, record)
            return None if parent is None else parent.get(ref.spec.name)
        return record.get(ref.spec.name)

    def _matches(self, cond: Any, record: dict[str, Any]) -> bool:
        if cond is None:
            return True
        if isinstance(cond, BoolOp):
            if cond.op == "AND":
                return all(self._matches(p, record) for p in cond.parts)
            if cond.op == "OR":
                return any(self._matches(p, record) for p in cond.parts)
            return not self._matches(cond.parts[0], record)
        value = self._value(cond.field, record)
        return _compare(value, cond.op, cond.value)


def _fold(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def _compare(value: Any, op: str, target: Any) -> bool:
    if op == "IN":
        return any(_compare(value, "=", t) for t in target)
    if op == "NOTIN":
        return not any(_compare(value, "=", t) for t in target)
    if op == "LIKE":
        return value is not None and _like(target).match(str(value)) is not None
    if op == "=":
        return _fold(value) == _fold(target)
    if op == "!=":
        return _fold(value) != _fold(target)
    if value is None or target is None:
        return False
    left, right = _fold(value), _fold(target)
    try:
        return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]
    except TypeError:
        return False


def _like(pattern: str) -> re.Pattern[str]:
    out = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
        i += 1
    return re.compile("^" + "".join(out) + "$", re.IGNORECASE | re.DOTALL)


def _sort_key(value: Any, nulls_first: bool, desc: bool, *, exact: bool = False) -> tuple[int, Any]:
    # With reverse=True the whole tuple order flips, so the null rank is flipped too.
    if value is None:
        rank = 0 if nulls_first else 1
        return ((1 - rank) if desc else rank, "")
    rank = 1 if nulls_first else 0
    folded = value if exact else _fold(value)
    if isinstance(folded, bool):
        folded = int(folded)
    return ((1 - rank) if desc else rank, folded)
