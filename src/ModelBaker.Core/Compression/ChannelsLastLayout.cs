using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Compression;

/// <summary>
/// The .NET flavour's activation layout (docs/architecture.md, "Channels last"): an int8 plan's convolutions run on
/// channels-last (NHWC) tensors, where a window's taps are contiguous bytes and SIMD works across channels; the steps
/// that follow them (pooling, element-wise steps) stay channels last while their inputs are; everything else — the
/// model's inputs and outputs, a Flatten, a fully connected layer, a Concat — sees the model's own order. Where the two
/// meet, a <see cref="ChannelsLastTranspose"/> step converts. A tensor of one channel or one pixel is the same bytes
/// in both orders and is never converted (so a global pool's output goes straight into the classifier).
/// <para>
/// Every channels-last step computes exactly what its channels-first form computes, element for element; the plan's
/// outputs are bit-identical either way. The nanoFramework flavour keeps the model's order (its kernels are plain loops).
/// </para>
/// </summary>
public static class ChannelsLastLayout
{
    public static IReadOnlyList<Kernel> Apply(IReadOnlyList<Kernel> kernels, IReadOnlyList<PlanTensor> outputs)
    {
        var producers = new Dictionary<ArenaSlice, int>();
        for (int i = 0; i < kernels.Count; i++) producers[kernels[i].Output] = i;
        var channelsLast = ChooseSteps(kernels, producers);
        if (!channelsLast.Any(c => c)) return kernels;

        // Who reads each tensor in the model's order: those need it converted back.
        var readInModelOrder = new HashSet<ArenaSlice>(outputs.Select(t => t.Slice));
        for (int i = 0; i < kernels.Count; i++)
            if (!channelsLast[i])
                foreach (var read in kernels[i].Reads) readInModelOrder.Add(read);

        var twins = new Dictionary<ArenaSlice, ArenaSlice>(); // a tensor → the slice holding it channels last
        var result = new List<Kernel>(kernels.Count);
        for (int i = 0; i < kernels.Count; i++)
        {
            var kernel = kernels[i];
            if (!channelsLast[i])
            {
                result.Add(kernel);
                continue;
            }
            var operands = ((IChannelsLastKernel)kernel).LayoutOperands!;
            var slices = new Dictionary<ArenaSlice, ArenaSlice>();
            foreach (var operand in operands.Where(o => o.Slice != kernel.Output))
            {
                if (operand.IsNeutral) slices[operand.Slice] = operand.Slice;
                else if (twins.TryGetValue(operand.Slice, out var twin)) slices[operand.Slice] = twin;
                else
                {
                    // Made in the model's order (an input, or a step with no channels-last form): converted once, before its first such reader.
                    twin = Twin(operand);
                    twins[operand.Slice] = twin;
                    slices[operand.Slice] = twin;
                    result.Add(new ChannelsLastTranspose($"{kernel.Source}, input to channels last", operand.Slice, twin, operand.Batch, operand.Channels, operand.Pixels, toChannelsLast: true));
                }
            }
            var output = operands.First(o => o.Slice == kernel.Output);
            var written = output.IsNeutral ? output.Slice : Twin(output);
            slices[output.Slice] = written;
            if (!output.IsNeutral) twins[output.Slice] = written;
            result.Add(((IChannelsLastKernel)kernel).ToChannelsLast(s => slices[s]));
            if (!output.IsNeutral && readInModelOrder.Contains(output.Slice))
                result.Add(new ChannelsLastTranspose($"{kernel.Source}, output to channels first", written, output.Slice, output.Batch, output.Channels, output.Pixels, toChannelsLast: false));
        }
        return result;
    }

    /// <summary>
    /// Which steps run channels last: every step whose shape has the form and that leads (convolutions), and every step
    /// that follows (pooling, element-wise) reading a tensor a channels-last step wrote — in plan order, so a chain of
    /// followers stays channels last. A step that sees one of its tensors with other dimensions than the step that first
    /// named it (a Reshape between them shares the bytes) keeps the model's order.
    /// </summary>
    private static bool[] ChooseSteps(IReadOnlyList<Kernel> kernels, Dictionary<ArenaSlice, int> producers)
    {
        var chosen = new bool[kernels.Count];
        var dimensions = new Dictionary<ArenaSlice, LayoutOperand>();
        for (int i = 0; i < kernels.Count; i++)
        {
            if (kernels[i] is not IChannelsLastKernel step || step.LayoutOperands is not { } operands) continue;
            foreach (var o in operands)
                if (!dimensions.ContainsKey(o.Slice)) dimensions[o.Slice] = o;
            bool consistent = operands.All(o => dimensions[o.Slice] is var d && d.Batch == o.Batch && d.Channels == o.Channels && d.Pixels == o.Pixels);
            bool followsInput = operands.Any(o => o.Slice != kernels[i].Output && !o.IsNeutral && producers.TryGetValue(o.Slice, out int p) && p < i && chosen[p]);
            chosen[i] = consistent && (step.LeadsChannelsLast || followsInput);
        }
        return chosen;
    }

    /// <summary>A new slice for <paramref name="operand"/>'s tensor in channels-last order (placed by the memory planner like any other).</summary>
    private static ArenaSlice Twin(LayoutOperand operand)
    {
        var slice = operand.Slice;
        int[]? shape = slice.Shape is { Length: 4 } s ? new[] { s[0], s[2], s[3], s[1] } : null;
        return new ArenaSlice(slice.TensorName + "_nhwc", slice.Type, slice.Length, shape: shape) { ChannelsLastOf = operand };
    }
}
