using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// ai.onnx.ml FeatureVectorizer: the float inputs, each [rows, size_i], side by side in one [rows, Σ dimension_i] output;
/// input i fills <c>dimension_i</c> columns, cut short when it has more and padded with zeros when it has fewer.
/// </summary>
public sealed class FeatureVectorizerFloat : FloatOnlyKernel
{
    public FeatureVectorizerFloat(string source, ArenaSlice[] inputs, ArenaSlice output, int rows, int[] dimensions) : base(source)
    {
        if (inputs.Length != dimensions.Length || inputs.Length == 0) throw new ArgumentException("One dimension per input.", nameof(dimensions));
        Inputs = inputs;
        Output = output;
        Rows = rows;
        Dimensions = dimensions;
    }

    public ArenaSlice[] Inputs { get; }
    public override ArenaSlice Output { get; }
    public int Rows { get; }
    public int[] Dimensions { get; }

    public override string FloatOnlyReason => ClassicalSteps.FloatOnlyReason("FeatureVectorizer");

    public override KernelKind Kind => KernelKind.FeatureVectorizerFloat;
    public override IEnumerable<ArenaSlice> Reads => Inputs;
    public override int WeightBytes => 0;
    public override IEnumerable<string> Helpers => new[] { nameof(FeatureVectorizerFloat) };

    public override void Run(PlanArena arena)
    {
        var output = arena.Floats(Output);
        output.Clear();
        int total = Dimensions.Sum();
        for (int i = 0, offset = 0; i < Inputs.Length; offset += Dimensions[i++])
            PlaceFeatures(arena.Floats(Inputs[i]), Rows, Dimensions[i], offset, total, output);
    }

    // <emit>
    /// <summary>One input's [rows, size] values into columns [offset, offset + dimension) of [rows, total], cut to dimension (the rest stays 0).</summary>
    public static void PlaceFeatures(ReadOnlySpan<float> input, int rows, int dimension, int offset, int total, Span<float> output)
    {
        int size = input.Length / rows, count = Math.Min(size, dimension);
        for (int r = 0; r < rows; r++) input.Slice(r * size, count).CopyTo(output.Slice(r * total + offset, count));
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Int(Inputs.Length);
        foreach (var input in Inputs) w.Slice(input);
        w.Slice(Output); w.Int(Rows); w.Ints(Dimensions);
    }

    public static FeatureVectorizerFloat Read(PlanBinaryReader r, string source)
    {
        var inputs = Enumerable.Range(0, r.Int()).Select(_ => r.Slice()).ToArray();
        return new FeatureVectorizerFloat(source, inputs, r.Slice(), r.Int(), r.Ints());
    }

    public override void EmitCall(CodeWriter code, string name)
    {
        string output = Output.Expression(code);
        int total = Dimensions.Sum();
        code.Line($"{output}.Clear(); // columns an input does not fill stay 0");
        for (int i = 0, offset = 0; i < Inputs.Length; offset += Dimensions[i++])
            code.Line($"PlaceFeatures({Inputs[i].Expression(code)}, rows: {Rows}, dimension: {Dimensions[i]}, offset: {offset}, total: {total}, {output});");
    }

    public override void EmitData(CodeWriter code, string name) { }
}
