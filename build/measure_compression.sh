#!/usr/bin/env bash
# Regenerates the measurement table of docs/compression.md: every row is one `modelbaker evaluate` run on the sample
# models (359 held-out digits, 200 calibration digits). Run from the repository root: bash build/measure_compression.sh
# Prints Markdown rows: model | compression | top-1 float → baked | drop | bytes | ratio.
set -euo pipefail
dotnet build src/ModelBaker.Cli -v q -nologo > /dev/null

row() {
  local model=$1 label=$2; shift 2
  dotnet run --no-build --project src/ModelBaker.Cli -- evaluate "sample-app/models/$model.onnx" \
    --calibration sample-app/data/digits_calibration.npy \
    --validation sample-app/data/digits_test_x.npy --validation-labels sample-app/data/digits_test_y.npy "$@" 2>/dev/null |
    tail -1 | awk -v label="$label" -v model="$model" '{
      printf "| %s | %s | %s → %s | %s | %s → %s | %s |\n", model, label, $7, $8, $9, $4, $5, $6 }'
}

for model in digits_mlp digits_cnn digits_dscnn; do
  row $model "int8"
  row $model "int8, Sparsity 0.5" --sparsity 0.5
  row $model "int8, Sparsity 0.5, no reconstruction" --sparsity 0.5 --reconstruction false
  row $model "int8, Sparsity 0.5, Pruning Uniform" --sparsity 0.5 --pruning uniform
  row $model "int8, Sparsity 0.5, Pruning Structured" --sparsity 0.5 --pruning structured
  row $model "int8, Sparsity 0.5, Pruning Structured, no reconstruction" --sparsity 0.5 --pruning structured --reconstruction false
  row $model "int8, Sparsity 0.75, Clusters 16" --sparsity 0.75 --clusters 16
  row $model "the same, no reconstruction" --sparsity 0.75 --clusters 16 --reconstruction false
  row $model "the same, Pruning Uniform" --sparsity 0.75 --clusters 16 --pruning uniform
  row $model "the same, bias correction" --sparsity 0.75 --clusters 16 --bias-correction true
  row $model "the same, distillation" --sparsity 0.75 --clusters 16 --distillation true
done
