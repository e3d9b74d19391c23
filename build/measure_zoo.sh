#!/usr/bin/env bash
# Every compression setting on every model of the zoo (tests/data/zoo, trained by build/make_zoo.py): one
# `modelbaker evaluate --tsv --recovery-on-calibration` run each — the bake a user's build makes from the model's
# calibration file (200 training samples) without Validation: automatic recovery, where it applies, holds back one
# calibration sample in five and judges on those — then measured on the test inputs and labels, which the bake never
# sees. Prints Markdown: per model and setting "drop / ratio", the top-1 drop (points) on the test set and the bytes
# ratio (float32 weight bytes / baked bytes); per setting the mean and worst drop over each half of the zoo's split
# ("tuning": defaults may be chosen there; "held-out": where they are reported); then what recovery did in each cell
# where it ran (its steps with their drops on the held-back samples, the step kept, build seconds). Needs only the .NET SDK.
# Run from the repository root: bash build/measure_zoo.sh
#   ZOO_MODELS="mlp1 cnn1"   only these models;  ZOO_HALF=tuning (or held-out)   only that half;
#   ZOO_RAW=FILE             also keep every run's row there (tab-separated);
#   ZOO_TABLES="A B"         print the tables from raw files kept before, measuring nothing (halves measured apart);
#   ZOO_CLI=DLL              run that modelbaker.dll instead of building one (a copy, so a rebuild cannot change it mid-run).
set -euo pipefail
cli=${ZOO_CLI:-src/ModelBaker.Cli/bin/Release/net10.0/modelbaker.dll}
if [ -z "${ZOO_TABLES:-}" ] && [ -z "${ZOO_CLI:-}" ]; then dotnet build src/ModelBaker.Cli -c Release -v q -nologo > /dev/null; fi

# column|setting|evaluate options: the settings, in order (column: short name in the per-model table).
settings=(
  "int8|int8|"
  "0.5|int8, Sparsity 0.5 (defaults: with automatic recovery)|--sparsity 0.5"
  "0.5 as given|int8, Sparsity 0.5, MaxAccuracyDrop none (no recovery)|--sparsity 0.5 --max-accuracy-drop none"
  "0.75 + 16|int8, Sparsity 0.75, Clusters 16 (defaults: with automatic recovery)|--sparsity 0.75 --clusters 16"
  "0.75 + 16 as given|int8, Sparsity 0.75, Clusters 16, MaxAccuracyDrop none (no recovery)|--sparsity 0.75 --clusters 16 --max-accuracy-drop none"
)

# The zoo's models from its README table: "| `name` | family | … | data | seed | half |" → name data half.
models=$(awk -F'|' '/^\| `/ { gsub(/[` ]/, "", $2); gsub(/ /, "", $7); gsub(/ /, "", $9); print $2, $7, $9 }' tests/data/zoo/README.md)
# Where each data set's calibration.npy, test_x.npy and test_y.npy are.
prefix() { case "$1" in digits) echo sample-app/data/digits ;; kws) echo tests/data/zoo/data/kws ;; *) echo "unknown data $1" >&2; exit 2 ;; esac; }

raw=$(mktemp); err=$(mktemp)
trap 'rm -f "$raw" "$err"' EXIT
if [ -n "${ZOO_TABLES:-}" ]; then
  # shellcheck disable=SC2086  # a list of files
  cat $ZOO_TABLES > "$raw"
else
  while read -r model data half; do
    if [ -n "${ZOO_MODELS:-}" ] && [[ " $ZOO_MODELS " != *" $model "* ]]; then continue; fi
    if [ -n "${ZOO_HALF:-}" ] && [ "$ZOO_HALF" != "$half" ]; then continue; fi
    p=$(prefix "$data")
    for i in "${!settings[@]}"; do
      IFS='|' read -r _ _ options <<< "${settings[$i]}"
      start=$(date +%s.%N)
      # shellcheck disable=SC2086  # options are words
      if out=$(dotnet "$cli" evaluate "tests/data/zoo/$model/model.onnx" --tsv --recovery-on-calibration --calibration "${p}_calibration.npy" \
          --validation "${p}_test_x.npy" --validation-labels "${p}_test_y.npy" $options 2> "$err"); then
        wall=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
        # setting, model, half, float top-1, baked top-1, drop, float bytes, baked bytes, recovery steps (name=held-back
        # drop;…), step kept, recovery seconds, wall seconds of the whole run
        echo "$out" | awk -F'\t' -v s="$i" -v m="$model" -v h="$half" -v w="$wall" \
          'NR == 2 { print s "\t" m "\t" h "\t" $6 "\t" $7 "\t" $8 "\t" $4 "\t" $5 "\t" $14 "\t" $15 "\t" $16 "\t" w }' >> "$raw"
      else
        wall=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
        # A refused bake is a row too: its code instead of figures (and counted as a failure, not left out); for
        # MB1403, the best drop recovery reached on the held-back samples.
        code=$(grep -o 'MB[0-9]\{4\}' "$err" | head -1 || true)
        best=$(grep -o 'the best reached [0-9.]* points' "$err" | head -1 | grep -o '[0-9.]*' | head -1 || true)
        printf '%s\t%s\t%s\terror %s\t\t\t\t\t%s\t\t\t%s\n' "$i" "$model" "$half" "${code:-?}" "${best:+best $best}" "$wall" >> "$raw"
      fi
    done
    echo "measured $model" >&2
  done <<< "$models"
  if [ -n "${ZOO_RAW:-}" ]; then cp "$raw" "$ZOO_RAW"; fi
fi

columns=$(printf '%s\n' "${settings[@]}" | cut -d'|' -f1)
labels=$(printf '%s\n' "${settings[@]}" | cut -d'|' -f2)
awk -F'\t' -v columns="$columns" -v labels="$labels" '
  BEGIN { n = split(labels, label, "\n"); split(columns, column, "\n") }
  {
    s = $1 + 1; m = $2; half[m] = $3; if (!(m in seen)) { seen[m] = 1; order[++models] = m }
    if ($4 ~ /^error/) { cell[m, s] = $4; failed[s, $3]++; next }
    drop = $6 + 0; ratio = $7 / $8
    cell[m, s] = sprintf("%.2f / %.1f×", drop, ratio)
    float[m] = $4
    sum[s, $3] += drop; count[s, $3]++; rsum[s, $3] += ratio
    if (!((s, $3) in worst) || drop > worst[s, $3]) { worst[s, $3] = drop; worstModel[s, $3] = m }
  }
  END {
    printf "| model | half | float top-1 |"; for (s = 1; s <= n; s++) printf " %s |", column[s]; printf "\n"
    printf "|---|---|---:|"; for (s = 1; s <= n; s++) printf "---:|"; printf "\n"
    for (i = 1; i <= models; i++) {
      m = order[i]; printf "| `%s` | %s | %.2f |", m, half[m], float[m]
      for (s = 1; s <= n; s++) printf " %s |", cell[m, s]; printf "\n"
    }
    printf "\n| setting | tuning: mean drop | tuning: worst | held-out: mean drop | held-out: worst | mean bytes ratio (tuning / held-out) |\n"
    printf "|---|---:|---:|---:|---:|---:|\n"
    for (s = 1; s <= n; s++) {
      printf "| %s |", label[s]
      split("tuning held-out", halves, " ")
      for (k = 1; k <= 2; k++) {
        h = halves[k]
        if (count[s, h] == 0) { printf " - | - |"; continue }
        printf " %.2f | %.2f (`%s`)%s |", sum[s, h] / count[s, h], worst[s, h], worstModel[s, h], \
          failed[s, h] ? sprintf(", %d refused", failed[s, h]) : ""
      }
      printf " %s / %s |\n", count[s, "tuning"] ? sprintf("%.1f×", rsum[s, "tuning"] / count[s, "tuning"]) : "-", \
        count[s, "held-out"] ? sprintf("%.1f×", rsum[s, "held-out"] / count[s, "held-out"]) : "-"
    }
  }' "$raw"

# What automatic recovery did where it ran: steps (drop on the held-back calibration samples), the step kept, seconds.
printf '\n| model | setting | steps tried (drop on the held-back samples) | kept | recovery s | whole run s |\n|---|---|---|---|---:|---:|\n'
awk -F'\t' -v columns="$columns" '
  BEGIN { split(columns, column, "\n") }
  $9 != "" {
    steps = $9; gsub(/=/, " ", steps); gsub(/;/, ", ", steps)
    printf "| `%s` | %s | %s | %s | %s | %.0f |\n", $2, column[$1 + 1], steps, ($4 ~ /^error/ ? $4 : $10), $11, $12
  }' "$raw"
