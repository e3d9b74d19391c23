using System;
using System.Collections.Generic;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// Range: start, start + delta, … up to (not including) limit, max(⌈(limit − start) / delta⌉, 0) elements of the
/// scalars' type. Its length is its shape, so the scalars must be known when the model is baked (exporters compute
/// them from Shape, as torch.arange(x.size(1)) does): the node always folds to a constant.
/// </summary>
public sealed class Range : IOperator, IBakeTimeInputs
{
    /// <summary>Inputs known at bake time: start, limit, delta.</summary>
    public IReadOnlyList<int> BakeTimeInputs { get; } = new[] { 0, 1, 2 };

    /// <summary>The most elements a Range may fold to.</summary>
    public const int MaxLength = 1 << 24;

    public string OpType => "Range";

    public OperatorSupport Support { get; } = new(OperatorFamily.ShapePatterns, 11, "float32, int16, int32 or int64 scalars known at bake time; always folded to a constant", Int8Form.BakeTime, "", Nano: true)
    {
        Refuses = new[]
        {
            "start, limit or delta computed at run time (the output's length would be)", $"more than {MaxLength:N0} elements",
            "unsigned scalars (ONNX does not define Range on them: MB1102)",
        },
    };

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 3, 3);
        var values = new Tensor[3];
        for (int i = 0; i < 3; i++) values[i] = ShapeInputs.Constant(node, graph, i, new[] { "start", "limit", "delta" }[i])!;
        var result = Fold(node, values);
        SetOutput(node, graph, 0, result.Type, result.Shape);
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset) =>
        new[] { Fold(node, new[] { Required(node, inputs, 0), Required(node, inputs, 1), Required(node, inputs, 2) }) };

    private static Tensor Fold(Node node, Tensor[] scalars)
    {
        var type = scalars[0].Type;
        foreach (var s in scalars)
        {
            if (s.Type != type) throw InvalidGraph(node, $"its start, limit and delta have different types ({scalars[0].Type}, {scalars[1].Type}, {scalars[2].Type}).");
            if (s.Length != 1) throw InvalidGraph(node, $"its start, limit and delta must be scalars; one has {s.Length} elements.");
        }
        // ONNX defines Range on float, double, int16, int32 and int64 (no unsigned types).
        if (type is not (ElementType.Float32 or ElementType.Int16 or ElementType.Int32 or ElementType.Int64))
            throw new Diagnostics.BakeException(Diagnostics.ErrorCodes.UnsupportedElementType,
                $"Node {node.Describe()}: Range of {type} is not supported; ModelBaker folds float32, int16, int32 and int64 ranges (the types ONNX defines it on). Cast the scalars first.");
        if (type == ElementType.Float32)
        {
            float start = scalars[0].Floats![0], limit = scalars[1].Floats![0], delta = scalars[2].Floats![0];
            if (delta == 0 || float.IsNaN(start + limit + delta)) throw InvalidGraph(node, $"its delta is {delta} (or a scalar is NaN); a range needs a non-zero delta.");
            var values = new float[Length(node, Math.Ceiling(((double)limit - start) / delta))];
            for (int i = 0; i < values.Length; i++) values[i] = start + i * delta;
            return Tensor.FromFloats(new[] { values.Length }, values);
        }
        long first = scalars[0].Int64s![0], end = scalars[1].Int64s![0], step = scalars[2].Int64s![0];
        if (step == 0) throw InvalidGraph(node, "its delta is 0; a range needs a non-zero delta.");
        var integers = new long[Length(node, Math.Ceiling(((double)end - first) / step))];
        for (int i = 0; i < integers.Length; i++) integers[i] = first + i * step;
        return Tensor.FromInt64s(new[] { integers.Length }, integers, type);
    }

    private static int Length(Node node, double count)
    {
        if (count > MaxLength)
            throw UnsupportedUsage(node, $"it would hold {count:N0} elements, more than the {MaxLength:N0} ModelBaker folds.", "Check start, limit and delta.");
        return count > 0 ? (int)count : 0;
    }

    /// <summary>Nothing runs: its inputs are bake-time constants, so the node folds.</summary>
    public void Lower(Node node, LoweringContext context) { }
}
