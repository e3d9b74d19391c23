using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Plan;

/// <summary>
/// Places every tensor of a kernel list in its arena (one per element type), TensorFlow Lite Micro's greedy way:
/// tensors sorted by size, largest first, each at the lowest offset that overlaps no already-placed tensor alive at
/// the same time. A tensor lives from the step that writes it (inputs: before the first step) to the last step that
/// reads it (outputs: after the last step).
/// <para>
/// In place: when a step may write over one of its inputs (<see cref="Kernel.InPlaceInput"/>: element-wise, same
/// length) and that step is the input's last use, the output shares the input's bytes. Such tensors form one buffer
/// with the union of their lifetimes, placed as one.
/// </para>
/// </summary>
public static class MemoryPlanner
{
    /// <summary>Sets every slice's offset; returns each arena's length in elements.</summary>
    public static Dictionary<ElementType, int> Place(IReadOnlyList<PlanTensor> inputs, IReadOnlyList<PlanTensor> outputs, IReadOnlyList<Kernel> kernels)
    {
        var buffers = Buffers(inputs, outputs, kernels);
        var lengths = buffers.GroupBy(b => b.Type).ToDictionary(g => g.Key, g => PlaceArena(g));
        foreach (var buffer in buffers)
            foreach (var slice in buffer.Slices) slice.Offset = buffer.Offset;
        return lengths;
    }

    /// <summary>
    /// The bytes no placement of these buffers can go below: per arena, the largest sum of the buffers alive at one
    /// step (tensors a step overwrites in place count once), summed over the arenas. For a chain of steps this is
    /// the largest sum of live tensors at any step.
    /// </summary>
    public static int LowerBoundBytes(IReadOnlyList<PlanTensor> inputs, IReadOnlyList<PlanTensor> outputs, IReadOnlyList<Kernel> kernels)
    {
        var buffers = Buffers(inputs, outputs, kernels);
        int total = 0;
        foreach (var arena in buffers.GroupBy(b => b.Type))
        {
            int largest = 0;
            for (int step = -1; step <= kernels.Count; step++)
                largest = Math.Max(largest, arena.Where(b => b.First <= step && step <= b.Last).Sum(b => b.Length));
            total += largest * Arenas.Size(arena.Key);
        }
        return total;
    }

    /// <summary>One or more slices sharing bytes (a tensor and the outputs written over it in place).</summary>
    private sealed class Buffer
    {
        public List<ArenaSlice> Slices { get; } = new();
        public ElementType Type => Slices[0].Type;
        public int Length => Slices.Max(s => s.Length);
        public int First { get; set; }
        public int Last { get; set; }
        public int Offset { get; set; }
        public int End => Offset + Length;
        public string Name => Slices[0].TensorName;
    }

    private static List<Buffer> Buffers(IReadOnlyList<PlanTensor> inputs, IReadOnlyList<PlanTensor> outputs, IReadOnlyList<Kernel> kernels)
    {
        var lifetimes = new Dictionary<ArenaSlice, (int First, int Last)>();
        var order = new List<ArenaSlice>(); // first-seen order keeps the result deterministic
        void Touch(ArenaSlice slice, int step)
        {
            if (lifetimes.TryGetValue(slice, out var l)) lifetimes[slice] = (Math.Min(l.First, step), Math.Max(l.Last, step));
            else { lifetimes[slice] = (step, step); order.Add(slice); }
        }

        foreach (var input in inputs) Touch(input.Slice, -1);
        for (int step = 0; step < kernels.Count; step++)
        {
            foreach (var read in kernels[step].Reads) Touch(read, step);
            Touch(kernels[step].Output, step);
        }
        foreach (var output in outputs) Touch(output.Slice, kernels.Count);

        var bufferOf = new Dictionary<ArenaSlice, Buffer>();
        var buffers = new List<Buffer>();
        for (int step = 0; step < kernels.Count; step++)
        {
            var kernel = kernels[step];
            foreach (var read in kernel.Reads) if (!bufferOf.ContainsKey(read)) bufferOf[read] = NewBuffer(read);
            var output = kernel.Output;
            if (bufferOf.ContainsKey(output)) continue; // written before: keep its own place
            var shared = kernel.InPlaceInput;
            if (shared != null && shared != output && bufferOf.TryGetValue(shared, out var buffer)
                && lifetimes[shared].Last == step && shared.Type == output.Type && shared.Length == output.Length)
            {
                buffer.Slices.Add(output);
                bufferOf[output] = buffer;
            }
            else bufferOf[output] = NewBuffer(output);
        }
        foreach (var slice in order) if (!bufferOf.ContainsKey(slice)) bufferOf[slice] = NewBuffer(slice);

        Buffer NewBuffer(ArenaSlice slice)
        {
            var b = new Buffer();
            b.Slices.Add(slice);
            buffers.Add(b);
            return b;
        }

        foreach (var b in buffers)
        {
            b.First = b.Slices.Min(s => lifetimes[s].First);
            b.Last = b.Slices.Max(s => lifetimes[s].Last);
        }
        return buffers;
    }

    private static int PlaceArena(IEnumerable<Buffer> buffers)
    {
        var placed = new List<Buffer>();
        int arenaLength = 0;
        // Order: size descending, then first use, then name — deterministic for equal sizes.
        foreach (var buffer in buffers.OrderByDescending(b => b.Length).ThenBy(b => b.First)
                     .ThenBy(b => b.Name, StringComparer.Ordinal))
        {
            var conflicts = placed.Where(p => p.First <= buffer.Last && buffer.First <= p.Last)
                .OrderBy(p => p.Offset).ToList();
            int offset = 0;
            foreach (var other in conflicts)
            {
                if (offset + buffer.Length <= other.Offset) break;
                offset = Math.Max(offset, other.End);
            }
            buffer.Offset = offset;
            placed.Add(buffer);
            arenaLength = Math.Max(arenaLength, buffer.End);
        }
        return arenaLength;
    }
}
