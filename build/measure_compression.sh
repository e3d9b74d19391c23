#!/usr/bin/env bash
# Regenerates the measurement table of docs/compression.md: every row is one `modelbaker evaluate` run on a trained
# model — the sample digits models on the 359 held-out digits, calibrated on the 1,438 training digits; mnist-8 on the
# same digits resampled to 28×28 (build/make_mnist8_digits.py). Takes about 25 minutes on 2 cores (Release build). Run from the repository root: bash build/measure_compression.sh
# Prints Markdown rows: model | compression | top-1 float → baked | drop | bytes | ratio.
set -euo pipefail
dotnet build src/ModelBaker.Cli -c Release -v q -nologo > /dev/null

# A model's name: its file name, or its folder's for a model.onnx (tests/data/models/mnist8/model.onnx → mnist8).
name() { local n; n=$(basename "$1" .onnx); [ "$n" = model ] && n=$(basename "$(dirname "$1")"); echo "$n"; }

# row <model.onnx> <calibration.npy> <test data prefix> <label> [evaluate options…]
row() {
  local model=$1 calibration=$2 data=$3 label=$4; shift 4
  dotnet run -c Release --no-build --project src/ModelBaker.Cli -- evaluate "$model" --calibration "$calibration" \
    --validation "sample-app/data/${data}_test_x.npy" --validation-labels "sample-app/data/${data}_test_y.npy" "$@" 2>/dev/null |
    tail -1 | awk -v label="$label" -v model="$(name "$model")" '{
      printf "| %s | %s | %s → %s | %s | %s → %s | %s |\n", model, label, $7, $8, $9, $4, $5, $6 }'
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

for model in digits_mlp digits_cnn digits_dscnn; do
  rows "sample-app/models/$model.onnx" sample-app/data/digits_train_x.npy digits
done
rows tests/data/models/mnist8/model.onnx sample-app/data/mnist8_calibration.npy mnist8

# The sparsity sweep of the digits MLP (default pruning): sparsity | top-1 | bytes | encodings.
echo
for s in 0 0.1 0.2 0.3 0.4 0.5 0.6 0.7 0.8 0.9; do
  dotnet run -c Release --no-build --project src/ModelBaker.Cli -- evaluate sample-app/models/digits_mlp.onnx --sparsity $s \
    --calibration sample-app/data/digits_train_x.npy \
    --validation sample-app/data/digits_test_x.npy --validation-labels sample-app/data/digits_test_y.npy 2>/dev/null |
    tail -1 | awk -v s=$s '{ printf "| %s | %s | %s | %s |\n", s, $8, $5, $11 }'
done
