using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;
using static ModelBaker.Core.Kernels.FixedPoint;
using static ModelBaker.Core.Kernels.TreeScoresFloat;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// The scores of a tree ensemble whose post transform has no integer form (SOFTMAX, SOFTMAX_ZERO: a row's targets mix)
/// in an int8 plan: <see cref="TreeEnsembleInt8"/>'s int32 leaf sums dequantized, finished in float by
/// <see cref="TreeScoresFloat.FinishTreeRow"/>, quantized to the int8 output. A float island of one step: the .NET
/// flavour runs it, the integer-only nanoFramework flavour refuses it (MB1135).
/// </summary>
public sealed class TreeScoresDequantized : Int8Kernel, IFloatOnlyKernel
{
    public TreeScoresDequantized(string source, ArenaSlice input, ArenaSlice output, int rows, int trees, TreeScoring scoring, double unit,
        double outputScale, int outputZeroPoint) : base(source)
    {
        Input = input;
        Output = output;
        Rows = rows;
        Trees = trees;
        Scoring = scoring;
        Unit = unit;
        OutputScale = outputScale;
        OutputZeroPoint = outputZeroPoint;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public int Rows { get; }
    public int Trees { get; }
    public TreeScoring Scoring { get; }
    /// <summary>The real value of one unit of the leaf sums.</summary>
    public double Unit { get; }
    public double OutputScale { get; }
    public int OutputZeroPoint { get; }

    public string FloatOnlyReason =>
        $"post_transform {TreeScoring.TransformName(Scoring.PostTransform)} normalises each row over its {Scoring.Targets} scores in float (no integer table for it)";

    public static TreeScoresDequantized From(TreeScoresFloat scores, QuantizationContext context)
    {
        var output = context.Parameters(scores.Output);
        return new TreeScoresDequantized(scores.Source, context.Slice(scores.Input, Ir.ElementType.Int32), context.Slice(scores.Output),
            scores.Rows, scores.Trees, scores.Scoring, context.Parameters(scores.Input).Scale, output.Scale, output.ZeroPoint);
    }

    public override KernelKind Kind => KernelKind.TreeScoresDequantized;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => Scoring.BaseValues.Length * 4 + Scoring.ClassLabels.Length * 8;
    public override IEnumerable<string> Helpers => new[] { nameof(TreeScoresDequantized), nameof(TreeScoresFloat), nameof(FixedPoint) };

    public override void Run(PlanArena arena)
    {
        var s = Scoring;
        FinishTreeScoresDequantized(arena.Of<int>(Input), Rows, s.Targets, Trees, s.Aggregate, s.PostTransform, s.Flags, Unit, s.BaseValues,
            s.ClassLabels, OutputScale, OutputZeroPoint, arena.Int8s(Output));
    }

    // <emit>
    /// <summary>Int8 scores of int32 leaf sums in units of <paramref name="unit"/>, finished in float (see FinishTreeRow).</summary>
    public static void FinishTreeScoresDequantized(ReadOnlySpan<int> walked, int rows, int targets, int trees, int aggregate, int postTransform,
        int flags, double unit, ReadOnlySpan<float> baseValues, ReadOnlySpan<long> classLabels, double outputScale, int outputZeroPoint,
        Span<sbyte> scores)
    {
        Span<float> sums = stackalloc float[targets];
        Span<byte> has = stackalloc byte[targets];
        Span<float> row = stackalloc float[targets];
        for (int r = 0; r < rows; r++)
        {
            for (int k = 0; k < targets; k++)
            {
                sums[k] = (float)(unit * walked[r * 2 * targets + k]);
                has[k] = walked[r * 2 * targets + targets + k] != 0 ? (byte)1 : (byte)0;
            }
            FinishTreeRow(sums, has, targets, trees, aggregate, postTransform, flags, baseValues, classLabels, row);
            for (int k = 0; k < targets; k++) scores[r * targets + k] = Quantize(row[k], outputScale, outputZeroPoint);
        }
    }
    // </emit>

    public override void EmitCall(CodeWriter code, string name)
    {
        var s = Scoring;
        code.Line($"FinishTreeScoresDequantized({Input.Expression(code)}, rows: {Rows}, targets: {s.Targets}, trees: {Trees}, aggregate: {s.Aggregate}, " +
                  $"postTransform: {s.PostTransform} /* {TreeScoring.TransformName(s.PostTransform)} */, flags: {s.Flags},")
            .Line($"    unit: {CodeWriter.Double(Unit)}, {name}BaseValues, {name}ClassLabels, {CodeWriter.Double(OutputScale)}, {OutputZeroPoint}, {Output.Expression(code)});");
    }

    public override void EmitData(CodeWriter code, string name)
    {
        EmitArrays.Floats(code, $"{name}BaseValues", Scoring.BaseValues, "base values added to the scores");
        EmitArrays.Longs(code, $"{name}ClassLabels", Scoring.ClassLabels, "class labels (classlabels_int64s)");
    }

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output);
        w.Int(Rows); w.Int(Trees);
        var s = Scoring;
        w.Int(s.Flags); w.Int(s.Targets); w.Int(s.Aggregate); w.Int(s.PostTransform); w.Floats(s.BaseValues);
        w.Int(s.ClassLabels.Length);
        foreach (long label in s.ClassLabels) w.Long(label);
        w.Double(Unit); w.Double(OutputScale); w.Int(OutputZeroPoint);
    }

    public static TreeScoresDequantized Read(PlanBinaryReader r, string source)
    {
        var input = r.Slice();
        var output = r.Slice();
        int rows = r.Int(), trees = r.Int();
        var scoring = TreeScoresFloat.ReadScoring(r);
        double unit = r.Double(), scale = r.Double();
        return new TreeScoresDequantized(source, input, output, rows, trees, scoring, unit, scale, r.Int());
    }
}
