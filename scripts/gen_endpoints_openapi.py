#!/usr/bin/env python3
"""Write examples/endpoints_server/server/openapi_v3_api_v1.json: the OpenAPI
v3 document the example Endpoints server serves at /openapi/v3/api/v1, derived
from the Kubernetes OpenAPI v2 document.

Usage:
    python3 scripts/gen_endpoints_openapi.py              # ../shared/openapi/kubernetes-v1.36-swagger.json -> examples/endpoints_server/server/openapi_v3_api_v1.json
    python3 scripts/gen_endpoints_openapi.py SWAGGER OUT  # other paths; OUT '-' writes stdout

Kept: the paths the server serves (`/api/v1/endpoints`,
`/api/v1/namespaces/{namespace}/endpoints` and `.../endpoints/{name}`; not
the deprecated `/api/v1/watch/...` ones), with the operations'
`x-kubernetes-*` extensions (kubectl's QueryParamVerifierV3 looks for the
PATCH operation whose `x-kubernetes-group-version-kind` is the object's and
for a `fieldValidation` query parameter in it), and the definitions those
paths reach through `$ref`, with their descriptions (`kubectl explain` reads
them). The descriptions of operations and parameters go (nothing reads them;
they would be half the file).

Converted as kube-apiserver's OpenAPI v3 builder writes them: parameters
inline, their type in `schema`; a body parameter becomes `requestBody`;
response schemas go under `content` per media type; `#/definitions/X` becomes
`#/components/schemas/X`, and a `$ref` with sibling members (a description) is
wrapped in `allOf`. Media types are those the server speaks: JSON, the patch
types, and `application/json;stream=watch` for list operations that watch.

The output is deterministic: keys sorted, one-space indentation.
"""
import json
import os
import sys

V2_PREFIX = "#/definitions/"
V3_PREFIX = "#/components/schemas/"
PATHS = [
    "/api/v1/endpoints",
    "/api/v1/namespaces/{namespace}/endpoints",
    "/api/v1/namespaces/{namespace}/endpoints/{name}",
]
METHODS = ["get", "put", "post", "delete", "patch"]
# The media types the server reads and writes; others of the v2 document go.
SERVED = {
    "*/*",
    "application/json",
    "application/json;stream=watch",
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
}
# Members of a v2 non-body parameter that belong in its v3 `schema`.
SCHEMA_KEYS = ["type", "format", "items", "uniqueItems", "default", "enum"]


def schema(s):
    """Schema object `s` (v2) as v3: refs renamed, a ref with siblings in allOf."""
    if isinstance(s, list):
        return [schema(v) for v in s]
    if not isinstance(s, dict):
        return s
    out = {k: schema(v) for k, v in s.items() if k != "$ref"}
    if "$ref" in s:
        ref = {"$ref": V3_PREFIX + s["$ref"][len(V2_PREFIX):]}
        if not out:
            return ref
        out["allOf"] = [ref]
    return out


def refs(s, found):
    """Add the definition names `s` refers to (v2 form) to `found`."""
    if isinstance(s, list):
        for v in s:
            refs(v, found)
    elif isinstance(s, dict):
        for k, v in s.items():
            if k == "$ref" and isinstance(v, str) and v.startswith(V2_PREFIX):
                found.add(v[len(V2_PREFIX):])
            else:
                refs(v, found)


def resolve(param, doc):
    """A parameter with `$ref: #/parameters/X` replaced by X."""
    ref = param.get("$ref", "")
    if ref.startswith("#/parameters/"):
        return doc["parameters"][ref[len("#/parameters/"):]]
    return param


def parameter(p):
    """A v2 non-body parameter as v3."""
    out = {k: v for k, v in p.items() if k not in SCHEMA_KEYS and k != "description"}
    out["schema"] = {k: p[k] for k in SCHEMA_KEYS if k in p}
    return out


def operation(op, doc):
    """A v2 operation as v3, and the definitions it refers to (v2 names)."""
    found = set()
    out = {k: v for k, v in op.items() if k not in ("consumes", "description", "produces", "parameters", "responses", "schemes")}
    consumes = [m for m in op.get("consumes", []) if m in SERVED]
    produces = [m for m in op.get("produces", []) if m in SERVED]
    params = []
    for p in (resolve(p, doc) for p in op.get("parameters", [])):
        if p["in"] == "body":
            refs(p["schema"], found)
            body = {"content": {m: {"schema": schema(p["schema"])} for m in consumes}}
            if p.get("required"):
                body["required"] = True
            out["requestBody"] = body
        else:
            params.append(parameter(p))
    if params:
        out["parameters"] = params
    responses = {}
    for code, r in op.get("responses", {}).items():
        v3 = {k: v for k, v in r.items() if k != "schema"}
        if "schema" in r:
            refs(r["schema"], found)
            v3["content"] = {m: {"schema": schema(r["schema"])} for m in produces}
        responses[code] = v3
    out["responses"] = responses
    return out, found


def closure(names, definitions):
    """`names` and every definition they reach through `$ref`."""
    seen = set()
    todo = sorted(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        found = set()
        refs(definitions[name], found)
        todo.extend(sorted(found - seen))
    return seen


def convert(doc):
    """The v3 document of the kept paths of v2 document `doc`."""
    paths = {}
    reached = set()
    for path in PATHS:
        item = doc["paths"][path]
        v3 = {}
        for method in METHODS:
            if method in item:
                v3[method], found = operation(item[method], doc)
                reached |= found
        shared = [parameter(resolve(p, doc)) for p in item.get("parameters", [])]
        if shared:
            v3["parameters"] = shared
        paths[path] = v3
    names = closure(reached, doc["definitions"])
    return {
        "openapi": "3.0.0",
        "info": doc["info"],
        "paths": paths,
        "components": {
            "schemas": {n: schema(doc["definitions"][n]) for n in sorted(names)},
        },
    }


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    source = os.path.join(root, "..", "shared", "openapi", "kubernetes-v1.36-swagger.json")
    target = os.path.join(root, "examples", "endpoints_server", "server", "openapi_v3_api_v1.json")
    if len(sys.argv) == 3:
        source, target = sys.argv[1], sys.argv[2]
    elif len(sys.argv) != 1:
        sys.exit(__doc__)
    with open(source, encoding="utf-8") as f:
        doc = json.load(f)
    text = json.dumps(convert(doc), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    if target == "-":
        sys.stdout.write(text)
    else:
        with open(target, "w", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main()
