using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Compression;

/// <summary>
/// Turns a calibrated float plan into an int8 plan (docs/compression.md), step by step: each float step knows its
/// int8 counterpart (<see cref="FloatKernel.Quantize"/>); float inputs and outputs become int8 tensors with the
/// parameters of their calibration ranges.
/// </summary>
public static class Int8Quantizer
{
    public sealed record Result(IReadOnlyList<PlanTensor> Inputs, IReadOnlyList<PlanTensor> Outputs, IReadOnlyList<Kernel> Kernels, QuantizationContext Context);

    public static Result Quantize(BakedPlan floatPlan, Dictionary<ArenaSlice, (float Min, float Max)> ranges)
    {
        var context = new QuantizationContext(ranges);
        var inputs = floatPlan.Inputs.Select(t => Tensor(t, context)).ToList();
        var kernels = floatPlan.Kernels.Select(k => ((FloatKernel)k).Quantize(context)).ToList();
        var outputs = floatPlan.Outputs.Select(t => Tensor(t, context)).ToList();
        return new Result(inputs, outputs, kernels, context);
    }

    private static PlanTensor Tensor(PlanTensor t, QuantizationContext context)
    {
        if (t.Slice.Type != ElementType.Float32) return t; // integer tensors are not quantized
        var p = context.Parameters(t.Slice);
        return new PlanTensor(t.Name, t.Type, t.Shape, context.Slice(t.Slice), p.Scale, p.ZeroPoint);
    }
}
