#!/usr/bin/env bash
# Fill fuzz/corpus/<target>/ with seeds taken from testdata/ (the corpus is
# gitignored; libFuzzer adds what it finds there). Run from anywhere:
#   fuzz/seed.sh && cargo +nightly fuzz run patch_request
# Cases over 8 KiB (the 10,000-operation and copy-limit ones) are left out.
set -euo pipefail
cd "$(dirname "$0")"
td=../testdata
mkdir -p corpus/{patch_request,strategic_structured,apply_sequence,decode}

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

# apply_sequence: header, then steps (op byte, labels, finalizers, metadata, per subset 3 bytes)
sequence() { printf "$2" >"corpus/apply_sequence/$1"; }
sequence create-reapply   '\x00\x00\x85\x01\x20\x01\x03\x00'
sequence two-managers     '\x00\x00\x05\x03\x20\x00\x07\x00\x01\x48\x05\x40\x01\x18\x00'
sequence force-steal      '\x01\x00\x01\x00\x20\x01\x01\x00\x01\x02\x00\x20\x01\x06\x00\x06\x02\x00\x00'
sequence dns-and-update   '\x00\x00\x80\x07\x40\x02\x03\x05\x00\x05\x01\x18\x04\x38\x25\x01\x80\x00\x00'
sequence three-subsets    '\x01\x00\x99\x25\x60\x00\x1f\x3f\x01\x0c\x10\x03\x03\x00\x02\x02\x18\x41\x01\x18\x01'
echo "seeded: $n testdata cases; $(ls corpus/apply_sequence | wc -l) apply sequences"
