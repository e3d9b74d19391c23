using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// ai.onnx.ml LabelEncoder from int64 keys to int64 values: each input found among the keys becomes its value, any
/// other the default. The keys are stored sorted (with their values) and searched by bisection.
/// </summary>
public sealed class LabelEncoderInteger : FloatOnlyKernel
{
    public LabelEncoderInteger(string source, ArenaSlice input, ArenaSlice output, long[] keys, long[] values, long fallback) : base(source)
    {
        if (keys.Length != values.Length) throw new ArgumentException("One value per key.", nameof(values));
        for (int i = 1; i < keys.Length; i++)
            if (keys[i] <= keys[i - 1]) throw new ArgumentException("Keys must be sorted and distinct.", nameof(keys));
        Input = input;
        Output = output;
        Keys = keys;
        Values = values;
        Default = fallback;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    /// <summary>Sorted ascending, distinct.</summary>
    public long[] Keys { get; }
    public long[] Values { get; }
    public long Default { get; }

    public override string FloatOnlyReason => ClassicalSteps.FloatOnlyReason("LabelEncoder");

    public override KernelKind Kind => KernelKind.LabelEncoderInteger;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 16 * Keys.Length;
    public override IEnumerable<string> Helpers => new[] { nameof(LabelEncoderInteger) };
    public override ArenaSlice? InPlaceInput => Input;

    public override void Run(PlanArena arena) => EncodeLabels(arena.Of<long>(Input), Keys, Values, Default, arena.Of<long>(Output));

    // <emit>
    /// <summary>Each input found among the sorted keys becomes the value at its place, any other the default.</summary>
    public static void EncodeLabels(ReadOnlySpan<long> input, ReadOnlySpan<long> keys, ReadOnlySpan<long> values, long fallback, Span<long> output)
    {
        for (int i = 0; i < input.Length; i++)
        {
            int at = keys.BinarySearch(input[i]);
            output[i] = at >= 0 ? values[at] : fallback;
        }
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output); ClassicalSteps.WriteClasses(w, Keys); ClassicalSteps.WriteClasses(w, Values); w.Long(Default);
    }

    public static LabelEncoderInteger Read(PlanBinaryReader r, string source) =>
        new(source, r.Slice(), r.Slice(), (long[])ClassicalSteps.ReadClasses(r), (long[])ClassicalSteps.ReadClasses(r), r.Long());

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"EncodeLabels({Input.Expression(code)}, {name}Keys, {name}Values, fallback: {TypedArrays.Literal(new[] { Default }, 0)}, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name)
    {
        EmitArrays.Longs(code, $"{name}Keys", Keys, "keys, sorted");
        EmitArrays.Longs(code, $"{name}Values", Values, "the value of each key");
    }
}
