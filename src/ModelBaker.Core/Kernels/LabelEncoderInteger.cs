using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// ai.onnx.ml LabelEncoder from int64 keys to int64 values: each input found among the keys becomes its value, any
/// other the default. The keys are stored sorted (with their values) and searched by bisection. Integer in and out, so
/// an int8 plan runs this very step, and the nanoFramework flavour its array form.
/// </summary>
public sealed class LabelEncoderInteger : FloatKernel
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

    /// <summary>int64 in, int64 out: nothing to quantize.</summary>
    public override Kernel Quantize(QuantizationContext context) => this;

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

    // <emit Nano>
    /// <summary>
    /// EncodeLabels on arrays: each of <paramref name="length"/> inputs found among the sorted keys (by bisection,
    /// written out: no call per element) becomes the value at its place, any other the default.
    /// </summary>
    public static void EncodeLabels(long[] input, int inputOffset, int length, long[] keys, long[] values, long fallback, long[] output, int outputOffset)
    {
        for (int i = 0; i < length; i++)
        {
            long key = input[inputOffset + i];
            int low = 0, high = keys.Length - 1;
            long found = fallback;
            while (low <= high)
            {
                int middle = (low + high) >> 1;
                long k = keys[middle];
                if (k == key) { found = values[middle]; break; }
                if (k < key) low = middle + 1;
                else high = middle - 1;
            }
            output[outputOffset + i] = found;
        }
    }
    // </emit>

    public override IEnumerable<string> NanoHelpers => new[] { nameof(LabelEncoderInteger) + "#Nano" };

    public override void EmitNanoCall(CodeWriter code, string name) =>
        code.Line($"EncodeLabels({Input.NanoArguments(code)}, length: {Input.Length}, {name}Keys, {name}Values, " +
                  $"fallback: {TypedArrays.Literal(new[] { Default }, 0)}, {Output.NanoArguments(code)});");

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
