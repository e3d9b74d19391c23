using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Options;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Compression;

/// <summary>
/// Softmax and LogSoftmax heads of an int8 plan run in float on the dequantized logits, and the model's output stays
/// float (docs/compression.md section 5, "Float heads"). The int8 forms lose what the float model tells apart: Softmax's
/// fixed output step 1/256 rounds every probability under 0.002 to 0 (a whole 1,000-class output; ties among near-equal
/// classes), LogSoftmax's saturates at −15.94; and Softmax's exp table is 1,024 bytes, a fifth of a small MLP. The float
/// head computes the float model's function of the same int8 logits, so it is never less exact (its error is the logits'
/// own), it stores no constants, and it runs once per prediction over a vector: the choice needs no trial. Integer-only
/// code (nanoFramework) keeps the int8 forms.
/// </summary>
public static class FloatHeads
{
    /// <summary>Completes "runs in float: …" in the report.</summary>
    public const string Reason =
        "a Softmax or LogSoftmax head runs in float on the dequantized logits, and the output stays float: int8's fixed output step " +
        "(1/256) would round probabilities under 0.002 to 0 (LogSoftmax: saturate at −15.94), and its exp table would take 1,024 bytes";

    /// <summary>
    /// The plan's Softmax and LogSoftmax steps whose output is a model output (.NET only) — unless the model quantizes
    /// that output itself (a QDQ or QOperator model's <paramref name="fixedParameters"/>): its int8 head is the model's.
    /// </summary>
    public static HashSet<Kernel> Of(BakedPlan floatPlan, IReadOnlyDictionary<ArenaSlice, QuantizationParameters> fixedParameters)
    {
        if (floatPlan.Header.Target != CodeTarget.Net) return new HashSet<Kernel>();
        var outputs = new HashSet<ArenaSlice>(floatPlan.Outputs.Select(t => t.Slice));
        return new HashSet<Kernel>(floatPlan.Kernels.Where(k => k is SoftmaxFloat && outputs.Contains(k.Output) && !fixedParameters.ContainsKey(k.Output)));
    }
}
