using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

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
/// applies to every feature. Their int8 forms are existing steps (<see cref="Quantize"/>, docs/classical-ml.md#int8).
/// </summary>
public sealed class FeatureMapFloat : FloatKernel, IFeatureWiseInput
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

    /// <summary>
    /// A Scaler reads its input feature by feature, so a model input only Scalers (or trees) read is quantized per feature:
    /// a feature in [0, 1] keeps its 256 levels beside one in [0, 10⁵]. The other maps take one scale per tensor (0: no claim).
    /// </summary>
    public ArenaSlice FeatureInput => Input;
    public int FeatureCount => Operation == FeatureOperation.Scale ? Features : 0;
    public bool TellsMissingApart => false; // a Scaler's NaN stays NaN: nothing for int8 to route

    /// <summary>
    /// Scale: a per-channel affine map with the features as channels (<see cref="ChannelAffineInt8"/>, the int8 BatchNormalization).
    /// Binarize and Sign: a 256-entry table (<see cref="LookupInt8"/>) onto the fixed grids of {0, 1} and {−1, 1}. Impute: int8
    /// holds no NaN, so replacing NaN is the identity on every value it can hold (a table between the two grids); another
    /// replaced value is the level it quantizes to, replaced by each feature's imputed value (a table per feature). A NaN the
    /// caller passes in a model input is replaced by Predict before quantizing when this step alone reads the input
    /// (<see cref="QuantizationContext.ReplaceMissing"/>); read by others too, nanoFramework refuses it (MB1121).
    /// </summary>
    public override Kernel Quantize(QuantizationContext q)
    {
        switch (Operation)
        {
            case FeatureOperation.Scale:
                var scale = Enumerable.Range(0, Features).Select(f => B[B.Length == 1 ? 0 : f]).ToArray();
                var shift = Enumerable.Range(0, Features).Select(f => -A[A.Length == 1 ? 0 : f] * scale[f]).ToArray();
                return ChannelAffineInt8.From(new ChannelAffineFloat(Source, Input, Output, 1, scale, shift, float.NegativeInfinity, float.PositiveInfinity), q);
            case FeatureOperation.Binarize:
                return LookupInt8.From(Source, $"Binarizer (x > {CodeWriter.Float(Value)})", x => x > Value ? 1 : 0, Input, Output, q,
                    new QuantizationParameters(1 / 255.0, -128));
            case FeatureOperation.Sign:
                return LookupInt8.From(Source, "sign (x > 0 ? 1 : −1)", x => x > 0 ? 1 : -1, Input, Output, q, new QuantizationParameters(1 / 127.0, 0));
            default:
                return QuantizeImpute(q);
        }
    }

    private Kernel QuantizeImpute(QuantizationContext q)
    {
        if (float.IsNaN(Value))
        {
            if (q.IsModelInput(Input))
            {
                // Predict quantizes a model input before any step runs, and NaN has no int8 value: the replacement moves
                // there, before quantizing — exact when this step alone reads the input (no other step sees the change).
                if (q.ReaderCounts.TryGetValue(Input, out int readers) && readers == 1) q.ReplaceMissing(Input, A);
                else if (q.Target == Options.CodeTarget.NanoFramework)
                    throw new BakeException(ErrorCodes.NanNotInInt8,
                        $"Node {Source}: it replaces NaN in model input '{Input.TensorName}', which other steps read too. Integer-only code quantizes that input before any step runs, " +
                        "and NaN has no int8 value, so the replacement must happen before quantizing — but there it would change what the other steps see. " +
                        "Give the Imputer the input alone (the other steps reading the Imputer's output or a copy), replace NaN in the calling code before Predict, or bake for .NET (CodeTarget=\"Net\").");
            }
            return LookupInt8.From(Source, "Imputer (NaN: none in int8)", x => x, Input, Output, q);
        }
        var input = q.Parameters(Input);
        var output = q.Parameters(Output);
        int replaced = FixedPoint.Quantize(Value, input.Scale, input.ZeroPoint);
        var tables = new sbyte[256 * A.Length];
        for (int f = 0; f < A.Length; f++)
        {
            var table = LookupInt8.Tabulate(x => x, input.Scale, input.ZeroPoint, output.Scale, output.ZeroPoint);
            table[replaced + 128] = FixedPoint.Quantize(A[f], output.Scale, output.ZeroPoint);
            Array.Copy(table, 0, tables, 256 * f, 256);
        }
        return new LookupInt8(Source, $"Imputer (level {replaced}, the value {CodeWriter.Float(Value)})", tables, q.Slice(Input), q.Slice(Output));
    }

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
