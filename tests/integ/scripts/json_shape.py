#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""json_shape.py SECTION < OUTPUT: OUTPUT is exactly one JSON document shaped
like the example of SECTION in docs/json.md (see its introduction): the same
keys in every object ("*": any key), each array element like one of the
example's, the same types; null wherever a value may be. Exit 0, or 1 with
what differs on stderr."""
import json
import os
import re
import sys

DOCS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../docs/json.md")


def example(section):
    text = open(os.environ.get("NSBPF_JSON_DOCS", DOCS)).read()
    m = re.search(r"<!-- shape: %s -->\s*```json\n(.*?)```" % re.escape(section), text, re.S)
    if not m:
        sys.exit("json_shape: docs/json.md has no shape \"%s\"" % section)
    return json.loads(m.group(1))


def kind(v):
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    return type(v).__name__


def diff(doc, out, where):
    """What differs between the example and the output at where, or None."""
    if out is None or doc is None:
        return None
    if kind(doc) != kind(out):
        return "%s: %s, the docs say %s" % (where, kind(out), kind(doc))
    if isinstance(doc, dict):
        if "*" in doc:
            pairs = [(doc["*"], v, "%s.%s" % (where, k)) for k, v in out.items()]
        else:
            extra, missing = set(out) - set(doc), set(doc) - set(out)
            if extra or missing:
                return "%s: keys not in the docs %s, missing %s" % (
                    where, sorted(extra), sorted(missing))
            pairs = [(doc[k], out[k], "%s.%s" % (where, k)) for k in doc]
        for d, o, w in pairs:
            why = diff(d, o, w)
            if why:
                return why
        return None
    if isinstance(doc, list):
        for i, o in enumerate(out):
            whys = [diff(d, o, "%s[%d]" % (where, i)) for d in doc]
            if all(whys):
                return whys[0]
        return None
    return None


def main():
    raw = sys.stdin.read()
    try:
        out = json.loads(raw)  # one document: anything after it is an error
    except ValueError as e:
        sys.exit("json_shape: not one JSON document (%s): %r" % (e, raw[:500]))
    doc = example(sys.argv[1])
    if sys.argv[1] != "error" and isinstance(out, dict) and "errors" in out:
        # the problems a run met besides its document: shaped as the error's
        doc = dict(doc, errors=example("error")["errors"])
    why = diff(doc, out, "$")
    if why:
        sys.exit("json_shape: %s: %s" % (sys.argv[1], why))


main()
