#!/usr/bin/env bash
# Sparsity="auto" on the model zoo (tests/data/zoo): per-layer refinement against one sparsity for all layers.
# Per model: `modelbaker evaluate --sparsity auto --max-accuracy-drop 1 --recovery-on-calibration` — the search a user's
# build runs from the model's calibration file (200 training samples) without Validation, so each setting is judged on
# the 40 calibration samples held back — which logs the per-layer pin and the best pin with one sparsity for all layers;
# then each pin baked as a user would pin it (all calibration samples, MaxAccuracyDrop none) and measured on the test
# inputs and labels, which the search never sees. Prints Markdown: per model, the pin chosen, the per-layer pin's and
# the one-sparsity pin's top-1 drop on the test set (points) and baked bytes, and the search's bakes and seconds. Needs only the .NET SDK.
# Run from the repository root: bash build/measure_auto.sh
#   ZOO_HALF=held-out (default) or tuning: the half of the zoo's split to measure (defaults are chosen on tuning only);
#   ZOO_MODELS="mlp1 cnn1": only these;  ZOO_CLI=DLL: that modelbaker.dll instead of building one;
#   ZOO_JUDGE=validation: the search judges each setting on the test set itself (Validation given), not on held-back samples.
set -euo pipefail
cli=${ZOO_CLI:-src/ModelBaker.Cli/bin/Release/net10.0/modelbaker.dll}
if [ -z "${ZOO_CLI:-}" ]; then dotnet build src/ModelBaker.Cli -c Release -v q -nologo > /dev/null; fi
half=${ZOO_HALF:-held-out}
models=$(awk -F'|' '/^\| `/ { gsub(/[` ]/, "", $2); gsub(/ /, "", $7); gsub(/ /, "", $9); print $2, $7, $9 }' tests/data/zoo/README.md)
prefix() { case "$1" in digits) echo sample-app/data/digits ;; kws) echo tests/data/zoo/data/kws ;; *) echo "unknown data $1" >&2; exit 2 ;; esac; }
err=$(mktemp)
trap 'rm -f "$err"' EXIT

# One pinned bake measured on the test set: "drop<TAB>baked bytes".
measure() {
  local model=$1 p=$2; shift 2
  dotnet "$cli" evaluate "tests/data/zoo/$model/model.onnx" --tsv --calibration "${p}_calibration.npy" --max-accuracy-drop none \
    --validation "${p}_test_x.npy" --validation-labels "${p}_test_y.npy" "$@" 2> /dev/null | awk -F'\t' 'NR == 2 { printf "%.2f\t%s", $8, $5 }'
}

echo "| model | chosen (pin) | per layer: drop | bytes | one sparsity for all layers (pin) | drop | bytes | search: bakes, seconds |"
echo "|---|---|---:|---:|---|---:|---:|---|"
while read -r model data mhalf; do
  if [ "$mhalf" != "$half" ]; then continue; fi
  if [ -n "${ZOO_MODELS:-}" ] && [[ " $ZOO_MODELS " != *" $model "* ]]; then continue; fi
  p=$(prefix "$data")
  judge=--recovery-on-calibration
  if [ "${ZOO_JUDGE:-}" = validation ]; then judge=--tsv; fi
  if ! dotnet "$cli" evaluate "tests/data/zoo/$model/model.onnx" --tsv "$judge" --sparsity auto --max-accuracy-drop 1 \
      --calibration "${p}_calibration.npy" --validation "${p}_test_x.npy" --validation-labels "${p}_test_y.npy" > /dev/null 2> "$err"; then
    echo "| \`$model\` | error $(grep -o 'MB[0-9]\{4\}' "$err" | head -1) | | | | | | |"
    continue
  fi
  chosen=$(grep -o 'pin with .*' "$err" | tail -1 | sed 's/^pin with //; s/\.$//')
  bakes=$(grep -o '; [0-9]* settings baked in [0-9.]* s' "$err" | tail -1 | sed 's/; //; s/ settings baked in /, /')
  line='s/.*per layer: \(.*\) bakes [0-9,]* B (drop [^)]*); one sparsity for all layers: \(.*\) bakes [0-9,]* B (drop .*/'
  per_layer=$(sed -n "${line}\\1/p" "$err" | head -1)
  global=$(sed -n "${line}\\2/p" "$err" | head -1)
  if [ -z "$global" ]; then global=$chosen; fi
  # A pin's metadata as CLI options: Sparsity="0.9" LayerSparsity="a=0.8;b=0.7" Clusters="16".
  options() {
    local s l k
    s=$(grep -o 'Sparsity="[^"]*"' <<< "$1" | grep -v Layer | head -1 | cut -d'"' -f2)
    l=$(grep -o 'LayerSparsity="[^"]*"' <<< "$1" | cut -d'"' -f2 || true)
    k=$(grep -o 'Clusters="[^"]*"' <<< "$1" | cut -d'"' -f2 || true)
    printf '%s\n' --sparsity "$s"
    if [ -n "$l" ]; then printf '%s\n' --layer-sparsity "$l"; fi
    if [ -n "$k" ]; then printf '%s\n' --clusters "$k"; fi
  }
  mapfile -t go < <(options "$global")
  IFS=$'\t' read -r gdrop gbytes <<< "$(measure "$model" "$p" "${go[@]}")"
  if [ -n "$per_layer" ]; then
    mapfile -t lo < <(options "$per_layer")
    IFS=$'\t' read -r ldrop lbytes <<< "$(measure "$model" "$p" "${lo[@]}")"
  else ldrop="(none)"; lbytes=""; fi
  echo "| \`$model\` | \`$chosen\` | $ldrop | $lbytes | \`$global\` | $gdrop | $gbytes | $bakes |"
done <<< "$models"
