using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Kernels;

/// <summary>What <see cref="FeatureMapFloat"/> does to each element x of feature f.</summary>
public enum FeatureOperation : byte
{
    /// <summary>(x − a[f]) · b[f] (Scaler: a the offset, b the scale).</summary>
    Scale = 0,
    /// <summary>a[f] where x equals the value (NaN matching NaN), else x (Imputer).</summary>
    Impute = 1,
    /// <summary>1 when x &gt; the value, else 0; NaN stays NaN (Binarizer).</summary>
    Binarize = 2,
    /// <summary>1 when x &gt; 0, else −1 (one-class SVMRegressor).</summary>
    Sign = 3,
}

/// <summary>
/// Element-wise maps of classical models with one parameter per feature, the input seen as [rows, features] (features
/// the last dimension): Scaler, Imputer, Binarizer, and the sign of a one-class SVM. A parameter array of one element
/// applies to every feature.
/// </summary>
public sealed class FeatureMapFloat : FloatOnlyKernel
{
    public FeatureMapFloat(string source, ArenaSlice input, ArenaSlice output, int features, FeatureOperation operation,
        float[] a, float[] b, float value) : base(source)
    {
        Input = input;
        Output = output;
        Features = features;
        Operation = operation;
        A = a;
        B = b;
        Value = value;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public int Features { get; }
    public FeatureOperation Operation { get; }
    /// <summary>Per feature (or one for all): the offset (Scale) or the imputed value (Impute); empty otherwise.</summary>
    public float[] A { get; }
    /// <summary>Per feature (or one for all): the scale (Scale); empty otherwise.</summary>
    public float[] B { get; }
    /// <summary>The replaced value (Impute) or the threshold (Binarize).</summary>
    public float Value { get; }

    public override string FloatOnlyReason => ClassicalSteps.FloatOnlyReason($"a per-feature {Operation.ToString().ToLowerInvariant()} map");

    public override KernelKind Kind => KernelKind.FeatureMapFloat;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 4 * (A.Length + B.Length);
    public override IEnumerable<string> Helpers => new[] { nameof(FeatureMapFloat) };
    public override ArenaSlice? InPlaceInput => Input;

    public override void Run(PlanArena arena) =>
        MapFeatures(arena.Floats(Input), Features, (int)Operation, A, B, Value, arena.Floats(Output));

    // <emit>
    /// <summary>
    /// Per-feature map of [rows, features]: operation 0 (x − a[f]) · b[f]; 1 a[f] where x is the value (NaN matches NaN);
    /// 2 x &gt; value ? 1 : 0 (NaN stays NaN); 3 x &gt; 0 ? 1 : −1. A one-element a or b serves every feature.
    /// </summary>
    public static void MapFeatures(ReadOnlySpan<float> input, int features, int operation, ReadOnlySpan<float> a, ReadOnlySpan<float> b,
        float value, Span<float> output)
    {
        for (int i = 0; i < input.Length; i++)
        {
            int f = i % features;
            float x = input[i];
            output[i] = operation switch
            {
                0 => (x - a[a.Length == 1 ? 0 : f]) * b[b.Length == 1 ? 0 : f],
                1 => x == value || (float.IsNaN(x) && float.IsNaN(value)) ? a[a.Length == 1 ? 0 : f] : x,
                2 => float.IsNaN(x) ? x : x > value ? 1f : 0f,
                _ => x > 0f ? 1f : -1f,
            };
        }
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output); w.Int(Features); w.Byte((byte)Operation); w.Floats(A); w.Floats(B); w.Float(Value);
    }

    public static FeatureMapFloat Read(PlanBinaryReader r, string source) =>
        new(source, r.Slice(), r.Slice(), r.Int(), (FeatureOperation)r.Byte(), r.Floats(), r.Floats(), r.Float());

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"MapFeatures({Input.Expression(code)}, features: {Features}, operation: {(int)Operation} /* {Operation} */, " +
                  $"{(A.Length > 0 ? name + "A" : "default")}, {(B.Length > 0 ? name + "B" : "default")}, value: {CodeWriter.Float(Value)}, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name)
    {
        if (A.Length > 0) EmitArrays.Floats(code, $"{name}A", A, Operation == FeatureOperation.Scale ? "offset per feature" : "imputed value per feature");
        if (B.Length > 0) EmitArrays.Floats(code, $"{name}B", B, "scale per feature");
    }
}
