#!/usr/bin/env python3
"""Write src/schema/builtin.json: the merge rules and structure of every kind
of the Kubernetes OpenAPI v2 document, compact, for kubepatch's built-in schemas.

Usage:
    python3 scripts/gen_builtin_schemas.py                 # ../shared/openapi/kubernetes-v1.36-swagger.json -> src/schema/builtin.json
    python3 scripts/gen_builtin_schemas.py SWAGGER OUT     # other paths; OUT '-' writes stdout

Kept: the definitions reachable (through `$ref`) from a definition with
`x-kubernetes-group-version-kind`, and in each schema object only what
src/schema/openapi reads: `type` (but not `type: object`, which the builder
reads as no type at all), `$ref`, `allOf`, `properties`, `items`,
`additionalProperties`, `default`, and the `x-kubernetes-*` extensions it reads
(`group`, `version` and `kind` of each group-version-kind). Descriptions,
`format`, `required` and everything else go.

Layout (read by src/schema/builtin.rs, which relies on it): a JSON object
whose first line is `{`, last line `}`, and each line in between one
definition, `"<name>":<schema>` followed by `,` except on the last,
sorted by name; within a schema, keys sorted, no white space.
"""
import json
import sys

EXTENSIONS = [
    "x-kubernetes-embedded-resource",
    "x-kubernetes-group-version-kind",
    "x-kubernetes-int-or-string",
    "x-kubernetes-list-map-keys",
    "x-kubernetes-list-type",
    "x-kubernetes-map-type",
    "x-kubernetes-patch-merge-key",
    "x-kubernetes-patch-strategy",
    "x-kubernetes-preserve-unknown-fields",
]
PREFIX = "#/definitions/"


def compact(s):
    """The members of schema object `s` the builder reads, recursively."""
    if not isinstance(s, dict):
        return s
    out = {}
    for key, value in s.items():
        if key == "type":
            if value != "object":
                out[key] = value
        elif key in ("$ref", "default") or key in EXTENSIONS:
            if key == "x-kubernetes-group-version-kind":
                value = [{k: g[k] for k in ("group", "version", "kind") if k in g} for g in value]
            out[key] = value
        elif key == "properties":
            out[key] = {name: compact(p) for name, p in value.items()}
        elif key in ("items", "additionalProperties"):
            out[key] = compact(value)
        elif key == "allOf":
            out[key] = [compact(v) for v in value]
    return out


def refs(s, found):
    """Every definition name `s` refers to."""
    if isinstance(s, dict):
        for key, value in s.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(PREFIX):
                found.add(value[len(PREFIX):].replace("~1", "/").replace("~0", "~"))
            elif key != "x-kubernetes-group-version-kind":
                refs(value, found)
    elif isinstance(s, list):
        for v in s:
            refs(v, found)


def generate(doc):
    defs = doc["definitions"]
    todo = sorted(n for n, d in defs.items() if "x-kubernetes-group-version-kind" in d)
    kept = {}
    while todo:
        name = todo.pop()
        if name in kept or name not in defs:
            continue
        kept[name] = compact(defs[name])
        found = set()
        refs(kept[name], found)
        todo.extend(sorted(found - kept.keys()))
    lines = [
        json.dumps(name) + ":" + json.dumps(kept[name], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        for name in sorted(kept)
    ]
    return "{\n" + ",\n".join(lines) + "\n}\n"


def main(argv):
    source = argv[1] if len(argv) > 1 else "../shared/openapi/kubernetes-v1.36-swagger.json"
    target = argv[2] if len(argv) > 2 else "src/schema/builtin.json"
    with open(source, encoding="utf-8") as f:
        text = generate(json.load(f))
    if target == "-":
        sys.stdout.write(text)
    else:
        with open(target, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)


if __name__ == "__main__":
    main(sys.argv)
