#!/usr/bin/env bash
# Fill fuzz/corpus/<target>/ with seeds taken from testdata/ (the corpus is
# gitignored; libFuzzer adds what it finds there). Run from anywhere:
#   fuzz/seed.sh && cargo +nightly fuzz run patch_request
# It also copies the committed seeds (fuzz/seeds/<target>/, which `cargo test`
# replays on stable) into the corpus. Needs jq and python3 for some seeds.
# Cases over 8 KiB (the 10,000-operation and copy-limit ones) are left out.
set -euo pipefail
cd "$(dirname "$0")"
td=../testdata
mkdir -p corpus/{patch_request,strategic_structured,apply_sequence,decode,schema_load,managed_fields,request_params}

small() { [ "$(wc -c <"$1")" -le 8192 ]; }
# JSON on one line when jq is there (any JSON will do: the targets reparse it).
compact() { if command -v jq >/dev/null 2>&1; then jq -c . "$1" 2>/dev/null || cat "$1"; else cat "$1"; fi; }

n=0
for dir in "$td"/json/*/ "$td"/merge/*/ "$td"/strategic/*/; do
  patch="$dir/patch.json"
  [ -f "$patch" ] && small "$patch" || continue
  name="$(basename "$(dirname "$dir")")-$(basename "$dir")"
  # patch_request: selector, live, 0, body (no live: selector, body)
  if [ -f "$dir/original.json" ] && small "$dir/original.json"; then
    for sel in 00 0b; do
      { printf "\x$sel"; compact "$dir/original.json" | tr -d '\000'; printf '\000'; cat "$patch"; } \
        >"corpus/patch_request/$name-$sel"
    done
    if [ "$(basename "$(dirname "$dir")")" = strategic ]; then
      { compact "$dir/original.json" | tr -d '\000'; printf '\000'; cat "$patch"; } \
        >"corpus/strategic_structured/$name"
    fi
  else
    { printf '\x02'; cat "$patch"; } >"corpus/patch_request/$name"
  fi
  cp "$patch" "corpus/decode/$name.json"
  n=$((n + 1))
done

# apply scenarios: each step's body, as a create and as a YAML body for decode
if command -v jq >/dev/null 2>&1; then
  for s in "$td"/apply/*/scenario.json; do
    name="apply-$(basename "$(dirname "$s")")"
    i=0
    while IFS= read -r body; do
      { printf '\x01'; printf '%s' "$body"; } >"corpus/patch_request/$name-$i"
      printf '%s' "$body" >"corpus/decode/$name-$i.json"
      i=$((i + 1))
    done < <(jq -c '.steps[]? | select(.body != null) | .body' "$s")
    first=$(jq -c '.steps[0].body // empty' "$s")
    live=$(jq -c '.live // empty' "$s")
    if [ -n "$first" ] && [ -n "$live" ] && [ "$live" != null ]; then
      { printf '\x01%s\000%s' "$live" "$first"; } >"corpus/patch_request/$name-live"
    fi
  done
fi
for y in "$td"/*/*/patch.yaml; do
  [ -f "$y" ] && cp "$y" "corpus/decode/$(basename "$(dirname "$y")").yaml"
done
printf 'apiVersion: v1\nkind: Endpoints\nmetadata:\n  name: web\n  labels: {app: "on", tier: 0644}\nsubsets:\n- ports: [{port: 80}]\n  addresses: &a [{ip: 10.0.0.1}]\n' \
  >corpus/decode/yaml-anchor.yaml
printf 'a: 1\na: 2\nb: [yes, no, ~, 0x1f, 1e3]\n' >corpus/decode/yaml-dup.yaml

# apply_sequence reads its input with `arbitrary`: any bytes are a sequence;
# longer inputs give longer sequences of bigger configurations. So does
# strategic_structured for any input that is not two JSON documents split by
# a 0 byte: a live object and a patch with directives, from its grammar.
python3 - <<'PY'
import random
for target, sizes in [("apply_sequence", [64, 256, 1024, 4096, 16384]),
                      ("strategic_structured", [16, 64, 256, 1024])]:
    for n, size in enumerate(sizes):
        r = random.Random(n)
        with open(f"corpus/{target}/random-{size}", "wb") as f:
            f.write(bytes(r.randrange(1, 256) for _ in range(size)))
PY

# schema_load: the CRD, as YAML and JSON, and small OpenAPI v2 and v3
# documents cut from the Kubernetes swagger document (a few kinds and the
# definitions they reach).
cp "$td/crd/widgets.yaml" corpus/schema_load/crd-widgets.yaml
python3 - "$td/crd/widgets.yaml" <<'PY'
import json, sys
try:
    import yaml
except ImportError:
    sys.exit(0)
doc = yaml.safe_load(open(sys.argv[1]))
json.dump(doc, open("corpus/schema_load/crd-widgets.json", "w"), separators=(",", ":"))
PY
swagger=${KUBEPATCH_FUZZ_OPENAPI:-../../shared/openapi/kubernetes-v1.36-swagger.json}
if [ -f "$swagger" ]; then
  python3 - "$swagger" <<'PY'
import json, sys
defs = json.load(open(sys.argv[1]))["definitions"]
def closure(names):
    seen, todo = set(), list(names)
    while todo:
        n = todo.pop()
        if n in seen or n not in defs:
            continue
        seen.add(n)
        def refs(v):
            if isinstance(v, dict):
                for k, x in v.items():
                    if k == "$ref" and isinstance(x, str):
                        todo.append(x.rsplit("/", 1)[-1])
                    else:
                        refs(x)
            elif isinstance(v, list):
                for x in v:
                    refs(x)
        refs(defs[n])
    return {n: defs[n] for n in sorted(seen)}
def v3(d):
    text = json.dumps(d).replace("#/definitions/", "#/components/schemas/")
    return {"openapi": "3.0.0", "components": {"schemas": json.loads(text)}}
core = "io.k8s.api.core.v1."
for name, kinds in [("endpoints", ["Endpoints"]), ("configmap-service", ["ConfigMap", "Service"]),
                    ("event", ["Event"])]:
    d = closure(core + k for k in kinds)
    for tag, doc in [("v2", {"swagger": "2.0", "definitions": d}), ("v3", v3(d))]:
        text = json.dumps(doc, separators=(",", ":"))
        if len(text) <= 65536:
            open(f"corpus/schema_load/openapi-{tag}-{name}.json", "w").write(text)
PY
fi

# managed_fields: every managedFields list and fieldsV1 object in the apply
# scenarios.
if command -v jq >/dev/null 2>&1; then
  for s in "$td"/apply/*/scenario.json; do
    name="$(basename "$(dirname "$s")")"
    i=0
    while IFS= read -r list; do
      printf '%s' "$list" >"corpus/managed_fields/$name-list-$i.json"
      i=$((i + 1))
    done < <(jq -c '.. | .managedFields? // empty | select(type == "array")' "$s" | sort -u)
    i=0
    while IFS= read -r fields; do
      printf '%s' "$fields" >"corpus/managed_fields/$name-fields-$i.json"
      i=$((i + 1))
    done < <(jq -c '.. | .fieldsV1? // empty | select(type == "object")' "$s" | sort -u)
  done
fi

# request_params: selector byte, then Content-Type, fieldManager, force,
# dryRun, fieldValidation, subresource, User-Agent, body (one a line).
params() { printf "$2" >"corpus/request_params/$1"; }
params apply-create    '\x41application/apply-patch+yaml\nctrl\n\n\n\n\n\n'
params apply-force     '\x65application/apply-patch+yaml; charset=utf-8\nctrl\ntrue\nAll\nStrict\n\nkubectl/v1.36\n'
params merge-status    '\x7dapplication/merge-patch+json\n\n\n\nWarn\nstatus\nkubectl-client-side-apply/v1.36 (linux/amd64)\n'
params json-force      '\x61application/json-patch+json\nedit\nfalse\n\n\n\n\n'
params smp-dryrun-bad  '\x63APPLICATION/STRATEGIC-MERGE-PATCH+JSON\nedit\n\nAll,Some\nStrict\n\n\n'
params odd-type        '\x20text/plain\n\n\n\n\n\n\n{}'
params empty-manager   '\x41application/apply-patch+yaml\n\n\n\n\n\n\napiVersion: v1\nkind: Endpoints\nmetadata: {name: web}\n'
params long-validation '\x24application/merge-patch+json\n\n\n\nstrict\n\n\n{"metadata":{"labels":{"a":"b"}}}'

# the committed seeds
for d in seeds/*/; do
  [ -d "$d" ] || continue
  t=$(basename "$d")
  mkdir -p "corpus/$t"
  cp "$d"* "corpus/$t/" 2>/dev/null || true
done
for t in corpus/*/; do echo "$(basename "$t"): $(ls "$t" | wc -l) inputs"; done
echo "seeded: $n testdata cases"
