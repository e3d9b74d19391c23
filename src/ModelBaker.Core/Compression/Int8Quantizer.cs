using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Compression;

/// <summary>
/// Turns a calibrated float plan into an int8 plan (docs/compression.md), step by step: each float step knows its
/// int8 counterpart (<see cref="FloatKernel.Quantize"/>); float inputs and outputs become int8 tensors with the
/// parameters of their calibration ranges. Steps with no int8 form (<see cref="IFloatOnlyKernel"/>) run in float islands.
/// </summary>
public static class Int8Quantizer
{
    public sealed record Result(IReadOnlyList<PlanTensor> Inputs, IReadOnlyList<PlanTensor> Outputs, IReadOnlyList<Kernel> Kernels, QuantizationContext Context);

    public static Result Quantize(BakedPlan floatPlan, Dictionary<ArenaSlice, (float Min, float Max)> ranges) =>
        Quantize(floatPlan, ranges, new Dictionary<ArenaSlice, QuantizationParameters>(), new Dictionary<string, double[]>());

    /// <summary>
    /// With a QDQ model's own quantization (<see cref="QdqModel"/>): <paramref name="fixedParameters"/> fix those tensors'
    /// parameters before any step is quantized, and <paramref name="weightScales"/> give weighted steps their scales.
    /// </summary>
    public static Result Quantize(BakedPlan floatPlan, Dictionary<ArenaSlice, (float Min, float Max)> ranges,
        IReadOnlyDictionary<ArenaSlice, QuantizationParameters> fixedParameters, IReadOnlyDictionary<string, double[]> weightScales,
        IReadOnlyDictionary<ArenaSlice, (float[] Min, float[] Max)>? featureRanges = null)
    {
        var context = new QuantizationContext(ranges)
        {
            ModelWeightScales = weightScales, Target = floatPlan.Header.Target,
            FeatureRanges = featureRanges ?? new Dictionary<ArenaSlice, (float[], float[])>(),
            ModelInputs = new HashSet<ArenaSlice>(floatPlan.Inputs.Select(t => t.Slice)),
            ReaderCounts = floatPlan.Kernels.SelectMany(k => k.Reads.Distinct()).GroupBy(s => s).ToDictionary(g => g.Key, g => g.Count()),
            MissingCoded = new HashSet<ArenaSlice>((featureRanges?.Keys ?? Enumerable.Empty<ArenaSlice>()).Where(input =>
                floatPlan.Kernels.Where(k => k.Reads.Contains(input)).All(k => k is IFeatureWiseInput { TellsMissingApart: true }))),
        };
        foreach (var pair in fixedParameters) context.Fix(pair.Key, pair.Value);
        var inputs = floatPlan.Inputs.Select(t => Tensor(t, context)).ToList();
        var kernels = new List<Kernel>();
        var steps = floatPlan.Kernels;
        var inFloat = new HashSet<ArenaSlice>();
        // Softmax heads join the float-only steps, and their outputs stay float (FloatHeads).
        var heads = FloatHeads.Of(floatPlan, fixedParameters);
        bool RunsInFloat(Kernel k) => k is IFloatOnlyKernel || heads.Contains(k);
        var floatOutputs = new HashSet<ArenaSlice>(heads.Select(k => k.Output));
        for (int i = 0; i < steps.Count; i++)
        {
            if (!RunsInFloat(steps[i]))
            {
                kernels.Add(QuantizeStep((FloatKernel)steps[i], context, fixedParameters.Count > 0));
                continue;
            }
            int end = i;
            while (end + 1 < steps.Count && RunsInFloat(steps[end + 1])) end++;
            kernels.AddRange(FloatIsland(steps, i, end, floatPlan.Outputs.Where(t => !floatOutputs.Contains(t.Slice)).ToList(), context, inFloat, RunsInFloat));
            i = end;
        }
        // An Imputer of NaN may have handed its replacements to the input it reads (QuantizationContext.ReplaceMissing).
        inputs = floatPlan.Inputs.Select((t, i) => context.MissingValues(t.Slice) is { } missing ? Tensor(t, context, missing) : inputs[i]).ToList();
        var outputs = floatPlan.Outputs.Select(t => floatOutputs.Contains(t.Slice) ? t : Tensor(t, context)).ToList();
        return new Result(inputs, outputs, kernels, context);
    }

    /// <summary>
    /// Steps <paramref name="first"/> … <paramref name="last"/>, all float-only, as one float island (docs/compression.md):
    /// each float tensor they read that holds no floats yet is dequantized from its int8 form first; the steps run
    /// unchanged on float tensors; then every float output a later int8 step or the caller reads is quantized with its
    /// calibrated parameters. Outputs of other types (int64 indices, bool masks) are left as they are. A later island
    /// reads an earlier one's float outputs directly: <paramref name="inFloat"/> holds every float tensor with floats in it.
    /// <paramref name="planOutputs"/> are the model outputs given back in int8 (a float head's stays float).
    /// </summary>
    private static IEnumerable<Kernel> FloatIsland(IReadOnlyList<Kernel> steps, int first, int last, IReadOnlyList<PlanTensor> planOutputs,
        QuantizationContext context, HashSet<ArenaSlice> inFloat, System.Func<Kernel, bool> runsInFloat)
    {
        var island = new List<Kernel>();
        for (int i = first; i <= last; i++)
        {
            var step = steps[i];
            foreach (var read in step.Reads.Where(s => s.Type == ElementType.Float32 && inFloat.Add(s)))
                island.Add(new FloatIslandEntry($"{step.Source}, float island entry", context.Slice(read), read, context.Parameters(read)));
            island.Add(step);
            if (step.Output.Type == ElementType.Float32) inFloat.Add(step.Output);
        }
        var readLater = new HashSet<ArenaSlice>(steps.Skip(last + 1).Where(k => !runsInFloat(k)).SelectMany(k => k.Reads)
            .Concat(planOutputs.Select(t => t.Slice)));
        for (int i = first; i <= last; i++)
        {
            var output = steps[i].Output;
            if (output.Type == ElementType.Float32 && readLater.Contains(output))
                island.Add(new FloatIslandExit($"{steps[i].Source}, float island exit", output, context.Slice(output), context.Parameters(output)));
        }
        return island;
    }

    /// <summary>A step whose own fixed output parameters (Sigmoid's 1/256, …) differ from the QDQ model's is refused, naming it.</summary>
    private static Kernel QuantizeStep(FloatKernel kernel, QuantizationContext context, bool modelFixesTensors)
    {
        try { return kernel.Quantize(context); }
        catch (System.ArgumentOutOfRangeException e) when (e.ParamName == "realMultiplier")
        {
            // The requantization multiplier (input scale × weight scale ÷ output scale) is NaN, infinite or above 2^31:
            // the layer's weights are out of all proportion with the values it produces.
            throw new Diagnostics.BakeException(Diagnostics.ErrorCodes.NonFiniteWeights,
                $"Node {kernel.Source}: its int8 step would need a requantization multiplier of {e.ActualValue} (input scale × weight scale ÷ output scale), which int8 arithmetic cannot express: " +
                "its weights are far out of proportion with its outputs (the float model overflows, or the weights are damaged). Check the model's weights, or bake it with Precision=\"Float32\".");
        }
        catch (System.InvalidOperationException e) when (modelFixesTensors)
        {
            throw new Diagnostics.BakeException(Diagnostics.ErrorCodes.UnsupportedOperatorUsage,
                $"Node {kernel.Source}: its int8 step needs fixed output parameters, but the QDQ model quantizes that tensor differently ({e.Message}). " +
                "Remove the QuantizeLinear → DequantizeLinear pair after this node from the model, or bake it with Precision=\"Float32\".");
        }
    }

    private static PlanTensor Tensor(PlanTensor t, QuantizationContext context, float[]? missingValues = null)
    {
        if (t.Slice.Type != ElementType.Float32) return t; // integer tensors are not quantized
        var p = context.Parameters(t.Slice);
        var features = context.FeatureParameters(t.Slice);
        return new PlanTensor(t.Name, t.Type, t.Shape, context.Slice(t.Slice), p.Scale, p.ZeroPoint)
        {
            FeatureScales = features?.Select(f => f.Scale).ToArray(),
            FeatureZeroPoints = features?.Select(f => f.ZeroPoint).ToArray(),
            MissingValues = missingValues,
            MissingCode = context.CodesMissing(t.Slice),
        };
    }
}
