#!/usr/bin/env bash
# Regenerates the measurement table of docs/compression.md: every row is one `modelbaker evaluate` run on a trained
# model — the sample digits models on 359 held-out digits (200 calibration digits), mnist-8 on the same digits resampled
# to 28×28 by build/make_mnist8_digits.py. Run from the repository root: bash build/measure_compression.sh
# Prints Markdown rows: model | compression | top-1 float → baked | drop | bytes | ratio.
set -euo pipefail
dotnet build src/ModelBaker.Cli -v q -nologo > /dev/null

# row <model.onnx> <data prefix> <label> [evaluate options…]
row() {
  local model=$1 data=$2 label=$3; shift 3
  dotnet run --no-build --project src/ModelBaker.Cli -- evaluate "$model" \
    --calibration "sample-app/data/${data}_calibration.npy" \
    --validation "sample-app/data/${data}_test_x.npy" --validation-labels "sample-app/data/${data}_test_y.npy" "$@" 2>/dev/null |
    tail -1 | awk -v label="$label" -v model="$(basename "$model" .onnx)" '{
      printf "| %s | %s | %s → %s | %s | %s → %s | %s |\n", model, label, $7, $8, $9, $4, $5, $6 }'
}

rows() {
  local model=$1 data=$2
  row "$model" "$data" "int8"
  row "$model" "$data" "int8, Sparsity 0.5" --sparsity 0.5
  row "$model" "$data" "int8, Sparsity 0.5, no reconstruction" --sparsity 0.5 --reconstruction false
  row "$model" "$data" "int8, Sparsity 0.5, Pruning Uniform" --sparsity 0.5 --pruning uniform
  row "$model" "$data" "int8, Sparsity 0.5, Pruning Structured" --sparsity 0.5 --pruning structured
  row "$model" "$data" "int8, Sparsity 0.5, Pruning Structured, no reconstruction" --sparsity 0.5 --pruning structured --reconstruction false
  row "$model" "$data" "int8, Sparsity 0.75, Clusters 16" --sparsity 0.75 --clusters 16
  row "$model" "$data" "the same, no reconstruction" --sparsity 0.75 --clusters 16 --reconstruction false
  row "$model" "$data" "the same, Pruning Uniform" --sparsity 0.75 --clusters 16 --pruning uniform
  row "$model" "$data" "the same, bias correction" --sparsity 0.75 --clusters 16 --bias-correction true
  row "$model" "$data" "the same, distillation" --sparsity 0.75 --clusters 16 --distillation true
}

for model in digits_mlp digits_cnn digits_dscnn; do rows "sample-app/models/$model.onnx" digits; done
rows tests/data/models/mnist8/model.onnx mnist8
