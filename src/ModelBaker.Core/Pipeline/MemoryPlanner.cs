using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Pipeline;

/// <summary>
/// Places every tensor of a kernel list in its arena (one per element type), TensorFlow Lite Micro's greedy way:
/// tensors sorted by size, largest first, each at the lowest offset that overlaps no already-placed tensor alive at
/// the same time. A tensor lives from the step that writes it (inputs: before the first step) to the last step that
/// reads it (outputs: after the last step).
/// </summary>
public static class MemoryPlanner
{
    /// <summary>Sets every slice's offset; returns each arena's length in elements.</summary>
    public static Dictionary<ElementType, int> Place(IReadOnlyList<PlanTensor> inputs, IReadOnlyList<PlanTensor> outputs, IReadOnlyList<Kernel> kernels)
    {
        var lifetimes = new Dictionary<ArenaSlice, (int First, int Last)>();
        void Touch(ArenaSlice slice, int step)
        {
            lifetimes[slice] = lifetimes.TryGetValue(slice, out var l)
                ? (Math.Min(l.First, step), Math.Max(l.Last, step))
                : (step, step);
        }

        foreach (var input in inputs) Touch(input.Slice, -1);
        for (int step = 0; step < kernels.Count; step++)
        {
            foreach (var read in kernels[step].Reads) Touch(read, step);
            Touch(kernels[step].Output, step);
        }
        foreach (var output in outputs) Touch(output.Slice, kernels.Count);

        return lifetimes.Keys.GroupBy(s => s.Type).ToDictionary(g => g.Key, g => PlaceArena(g, lifetimes));
    }

    private static int PlaceArena(IEnumerable<ArenaSlice> slices, Dictionary<ArenaSlice, (int First, int Last)> lifetimes)
    {
        var placed = new List<ArenaSlice>();
        int arenaLength = 0;
        // Order: size descending, then first use, then name — deterministic for equal sizes.
        foreach (var slice in slices.OrderByDescending(s => s.Length).ThenBy(s => lifetimes[s].First)
                     .ThenBy(s => s.TensorName, StringComparer.Ordinal))
        {
            var life = lifetimes[slice];
            var conflicts = placed.Where(p => lifetimes[p].First <= life.Last && life.First <= lifetimes[p].Last)
                .OrderBy(p => p.Offset).ToList();
            int offset = 0;
            foreach (var other in conflicts)
            {
                if (offset + slice.Length <= other.Offset) break;
                offset = Math.Max(offset, other.End);
            }
            slice.Offset = offset;
            placed.Add(slice);
            arenaLength = Math.Max(arenaLength, slice.End);
        }
        return arenaLength;
    }
}
