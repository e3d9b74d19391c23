using System;
using System.Collections.Generic;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Calibration;

/// <summary>
/// Runs calibration samples through a float plan and records, for every tensor in the arena, the smallest and
/// largest value it ever held (the MinMax calibration method).
/// </summary>
public static class RangeObserver
{
    public static Dictionary<ArenaSlice, (float Min, float Max)> Observe(BakedPlan floatPlan, IEnumerable<Array[]> samples)
    {
        var ranges = new Dictionary<ArenaSlice, (float Min, float Max)>();
        void Record(ArenaSlice slice, PlanArena arenas)
        {
            if (slice.Type != ModelBaker.Core.Ir.ElementType.Float32) return; // only float tensors are quantized
            var arena = arenas.Float;
            var (min, max) = ranges.TryGetValue(slice, out var r) ? r : (float.PositiveInfinity, float.NegativeInfinity);
            for (int i = slice.Offset; i < slice.End; i++)
            {
                float v = arena[i];
                if (v < min) min = v;
                if (v > max) max = v;
            }
            ranges[slice] = (min, max);
        }

        foreach (var sample in samples)
        {
            PlanInterpreter.RunTensors(floatPlan, sample, (kernel, arena) => Record(kernel.Output, arena),
                arena => { foreach (var input in floatPlan.Inputs) Record(input.Slice, arena); });
        }
        return ranges;
    }
}
