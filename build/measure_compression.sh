#!/usr/bin/env bash
# Regenerates the measurement table of docs/compression.md: every row is one `modelbaker evaluate` run on a trained
# model — the sample digits models on the 359 held-out digits, calibrated on the 1,438 training digits; mnist-8 on the
# same digits resampled to 28×28 (build/make_mnist8_digits.py). Takes about 25 minutes on 2 cores (Release build). Run from the repository root: bash build/measure_compression.sh
# (or `bash build/measure_compression.sh recovery` for the automatic-recovery rows only)
# Prints Markdown rows: model | compression | top-1 float → baked | drop | bytes | ratio.
set -euo pipefail
dotnet build src/ModelBaker.Cli -c Release -v q -nologo > /dev/null

# A model's name: its file name, or its folder's for a model.onnx (tests/data/models/mnist8/model.onnx → mnist8).
name() { local n; n=$(basename "$1" .onnx); [ "$n" = model ] && n=$(basename "$(dirname "$1")"); echo "$n"; }

# The data row of evaluate's boxed table (the line above its bottom border), columns separated by '|'.
table_row() { tail -2 | head -1; }

# row <model.onnx> <calibration.npy> <test data prefix> <label> [evaluate options…]
# Every row measures its settings as given (--max-accuracy-drop none: no automatic recovery) unless its options say
# otherwise; the recovery rows (`bash build/measure_compression.sh recovery`) let recovery judge on held-back
# calibration samples, as a build without Validation does, and measure the result on the test digits.
row() {
  local model=$1 calibration=$2 data=$3 label=$4; shift 4
  local budget=(--max-accuracy-drop none)
  case " $* " in *" --max-accuracy-drop "*|*" --recovery-on-calibration "*) budget=();; esac
  dotnet run -c Release --no-build --project src/ModelBaker.Cli -- evaluate "$model" --calibration "$calibration" \
    --validation "sample-app/data/${data}_test_x.npy" --validation-labels "sample-app/data/${data}_test_y.npy" "${budget[@]}" "$@" 2>/dev/null |
    table_row | awk -F'|' -v label="$label" -v model="$(name "$model")" '{
      for (i = 1; i <= NF; i++) gsub(/^ +| +$/, "", $i)
      printf "| %s | %s | %s → %s | %s | %s → %s | %s |\n", model, label, $8, $9, $10, $5, $6, $7 }'
}

rows() {
  local model=$1 calibration=$2 data=$3
  row "$model" "$calibration" "$data" "int8"
  row "$model" "$calibration" "$data" "int8, Sparsity 0.5" --sparsity 0.5
  row "$model" "$calibration" "$data" "int8, Sparsity 0.5, no reconstruction" --sparsity 0.5 --reconstruction false
  row "$model" "$calibration" "$data" "int8, Sparsity 0.5, Pruning Uniform" --sparsity 0.5 --pruning uniform
  row "$model" "$calibration" "$data" "int8, Sparsity 0.5, Pruning Structured" --sparsity 0.5 --pruning structured
  row "$model" "$calibration" "$data" "int8, Sparsity 0.5, Pruning Structured, no reconstruction" --sparsity 0.5 --pruning structured --reconstruction false
  row "$model" "$calibration" "$data" "int8, Sparsity 0.5, Pruning Structured, Distillation Network" --sparsity 0.5 --pruning structured --distillation network
  row "$model" "$calibration" "$data" "int8, Sparsity 0.75, Clusters 16" --sparsity 0.75 --clusters 16
  row "$model" "$calibration" "$data" "the same, no reconstruction" --sparsity 0.75 --clusters 16 --reconstruction false
  row "$model" "$calibration" "$data" "the same, Pruning Uniform" --sparsity 0.75 --clusters 16 --pruning uniform
  row "$model" "$calibration" "$data" "the same, bias correction" --sparsity 0.75 --clusters 16 --bias-correction true
  row "$model" "$calibration" "$data" "the same, Distillation Head" --sparsity 0.75 --clusters 16 --distillation head
  row "$model" "$calibration" "$data" "the same, Distillation Network" --sparsity 0.75 --clusters 16 --distillation network
  row "$model" "$calibration" "$data" "the same, Pruning Structured, Distillation Network" --sparsity 0.75 --clusters 16 --pruning structured --distillation network
}

# Sparsity 0.75 + Clusters 16 as given, then with automatic recovery (default budget): its row, its wall time, and the
# steps it took (from the bake's log on stderr).
recovery_rows() {
  local model=$1 calibration=$2 data=$3 log start
  row "$model" "$calibration" "$data" "int8, Sparsity 0.75, Clusters 16" --sparsity 0.75 --clusters 16
  log=$(mktemp); start=$SECONDS
  dotnet run -c Release --no-build --project src/ModelBaker.Cli -- evaluate "$model" --calibration "$calibration" \
    --validation "sample-app/data/${data}_test_x.npy" --validation-labels "sample-app/data/${data}_test_y.npy" \
    --sparsity 0.75 --clusters 16 --recovery-on-calibration 2>"$log" |
    table_row | awk -F'|' -v label="the same, automatic recovery" -v model="$(name "$model")" '{
      for (i = 1; i <= NF; i++) gsub(/^ +| +$/, "", $i)
      printf "| %s | %s | %s → %s | %s | %s → %s | %s |\n", model, label, $8, $9, $10, $5, $6, $7 }'
  echo "  $(name "$model"): $((SECONDS - start)) s with recovery"
  grep -E "are held back|as requested it loses|recovery step" "$log" | sed 's/^/  /' || true
  rm -f "$log"
}

if [ "${1:-}" = recovery ]; then
  for model in digits_mlp digits_cnn digits_dscnn; do
    recovery_rows "sample-app/models/$model.onnx" sample-app/data/digits_train_x.npy digits
  done
  recovery_rows tests/data/models/mnist8/model.onnx sample-app/data/mnist8_calibration.npy mnist8
  exit 0
fi

for model in digits_mlp digits_cnn digits_dscnn; do
  rows "sample-app/models/$model.onnx" sample-app/data/digits_train_x.npy digits
done
rows tests/data/models/mnist8/model.onnx sample-app/data/mnist8_calibration.npy mnist8

# The sparsity sweep of the digits MLP (default pruning): sparsity | top-1 | bytes | encodings.
echo
for s in 0 0.1 0.2 0.3 0.4 0.5 0.6 0.7 0.8 0.9; do
  dotnet run -c Release --no-build --project src/ModelBaker.Cli -- evaluate sample-app/models/digits_mlp.onnx --sparsity $s \
    --calibration sample-app/data/digits_train_x.npy --max-accuracy-drop none \
    --validation sample-app/data/digits_test_x.npy --validation-labels sample-app/data/digits_test_y.npy 2>/dev/null |
    table_row | awk -F'|' -v s=$s '{ for (i = 1; i <= NF; i++) gsub(/^ +| +$/, "", $i); printf "| %s | %s | %s | %s |\n", s, $9, $6, $12 }'
done
