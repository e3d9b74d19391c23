using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// ai.onnx.ml OneHotEncoder on int64 values: each value becomes a row of <c>categories.Length</c> floats, 1 in the column
/// of its category (the last one listed, as ONNX Runtime's map keeps it) and 0 elsewhere. A value of no category gives
/// a row of zeros (zeros = 1) or throws (zeros = 0, where ONNX Runtime fails).
/// </summary>
public sealed class OneHotEncoderFloat : FloatOnlyKernel
{
    public OneHotEncoderFloat(string source, ArenaSlice input, ArenaSlice output, long[] categories, bool zeros) : base(source)
    {
        Input = input;
        Output = output;
        Categories = categories;
        Zeros = zeros;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public long[] Categories { get; }
    public bool Zeros { get; }

    public override string FloatOnlyReason => ClassicalSteps.FloatOnlyReason("OneHotEncoder");

    public override KernelKind Kind => KernelKind.OneHotEncoderFloat;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 8 * Categories.Length;
    public override IEnumerable<string> Helpers => new[] { nameof(OneHotEncoderFloat) };

    public override void Run(PlanArena arena) => OneHotEncode(arena.Of<long>(Input), Categories, Zeros, arena.Floats(Output));

    // <emit>
    /// <summary>One row per value: 1 in the column of its category (the last listed), 0 elsewhere; no category: zeros, or throws unless zeros.</summary>
    public static void OneHotEncode(ReadOnlySpan<long> input, ReadOnlySpan<long> categories, bool zeros, Span<float> output)
    {
        output.Clear();
        for (int i = 0; i < input.Length; i++)
        {
            int column = categories.LastIndexOf(input[i]);
            if (column >= 0) output[i * categories.Length + column] = 1f;
            else if (!zeros) throw new ArgumentOutOfRangeException(nameof(input), "OneHotEncoder: " + input[i] + " is no category, and the model sets zeros = 0.");
        }
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output); ClassicalSteps.WriteClasses(w, Categories); w.Byte(Zeros ? (byte)1 : (byte)0);
    }

    public static OneHotEncoderFloat Read(PlanBinaryReader r, string source) =>
        new(source, r.Slice(), r.Slice(), (long[])ClassicalSteps.ReadClasses(r), r.Byte() == 1);

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"OneHotEncode({Input.Expression(code)}, {name}Categories, zeros: {(Zeros ? "true" : "false")}, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name) => EmitArrays.Longs(code, $"{name}Categories", Categories, "category of each column");
}
