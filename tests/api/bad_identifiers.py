"""A corpus of bad identifiers and strings, as careless users and attackers type them: each
must be answered with a 4xx and the one error body by every route that takes an id, a cell,
a resolution, a tile coordinate or a filter value (``test_bad_identifiers.py``)."""

from __future__ import annotations

#: name -> value; none of them is a valid id, cell, resolution, zoom or filter value.
BAD_IDENTIFIERS: dict[str, str] = {
    "superscript_two": "²",  # str.isdigit() says yes, int() says no
    "arabic_indic_digits": "\u0661\u0662\u0663",  # int() reads 123; not ASCII: no id
    "fullwidth_digits": "\uff11\uff12\uff13",
    "minus_one": "-1",
    "zero": "0",
    "minus_zero": "-0",
    "float_overflow": "1e400",
    "decimal": "1.5",
    "nan": "NaN",
    "infinity": "Infinity",
    "int32_overflow": "2147483648",
    "int64_overflow": "9223372036854775808",
    "uint64_overflow": "18446744073709551616",
    "digits_4400": "9" * 4400,  # past Python's 4,300-digit int() limit
    "underscored": "1_000",  # int() reads 1000
    "hex_literal": "0xdeadbeef",
    "nul": "1\x00",
    "rtl_override": "\u202e1234",  # U+202E RIGHT-TO-LEFT OVERRIDE
    "emoji": "😀",
    "ten_kb": "x" * 10_240,
    "sql_injection": "1; DROP TABLE crm.customers; --",
    "sql_quote": "' OR '1'='1",
    "path_traversal": "../../etc/passwd",
    "crlf": "1\r\nX-Injected: yes",
    "percent": "%",
}
