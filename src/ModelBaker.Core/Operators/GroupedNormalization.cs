using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Ir;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// InstanceNormalization and GroupNormalization: x [N, C, …] normalized over each group of channels and all spatial
/// positions, y = (x − mean) / √(variance + epsilon), then scaled and shifted per channel. Shape inference writes it
/// as nodes the plan already has (<see cref="IExpansion"/>): Reshape to [N, groups, rest], LayerNormalization over the
/// last axis (Scale 1), Reshape back, and a BatchNormalization with mean 0 and variance 1 for the per-channel scale and
/// bias — so the float, int8 and nanoFramework forms are those of LayerNormalization and the per-channel affine step.
/// </summary>
public abstract class GroupedNormalization : ExpandedOperator, IBakeTimeInputs
{
    /// <summary>Inputs exporters write as initializers: scale and bias.</summary>
    public IReadOnlyList<int> BakeTimeInputs { get; } = new[] { 1, 2 };

    /// <summary>What both declare; <paramref name="what"/> says how channels are grouped.</summary>
    protected static OperatorSupport Grouped(int since, string what) =>
        new(OperatorFamily.Normalisation, since, $"{what}; epsilon; scale and bias constant; Reshape, LayerNormalization, Reshape and a per-channel affine step",
            Int8Form.Integer, "as LayerNormalization (integer statistics) and a per-channel affine step", Nano: true)
        { NanoDetails = "as LayerNormalization and the per-channel affine step", Refuses = new[] { "scale or bias computed at run time", "inputs of fewer than 3 dimensions" } };

    /// <summary>The number of channel groups normalized together (C: each channel alone).</summary>
    protected abstract int Groups(Node node, int channels);

    public sealed override IReadOnlyList<Node> Expand(Node node, Graph graph)
    {
        RequireInputCount(node, 3, 3);
        RequireFloat(node, graph, 0);
        if (node.Outputs.Count != 1) throw InvalidGraph(node, $"it has {node.Outputs.Count} outputs; {OpType} has one.");
        int[] shape = InputShape(node, graph, 0);
        if (shape.Length < 3) throw ShapeError(node, $"its input {ShapeMath.Format(shape)} has no spatial dimension; it needs [N, C, D1, …].");
        int channels = shape[1], groups = Groups(node, channels);
        if (groups < 1 || channels % groups != 0)
            throw InvalidGraph(node, $"its {channels} channels do not divide into {groups} groups.");
        float[] scale = PerChannel(node, graph, 1, "scale", channels, groups), bias = PerChannel(node, graph, 2, "bias", channels, groups);

        var writer = new ExpansionWriter(node, graph);
        string grouped = writer.Add("Reshape groups", "Reshape",
            new[] { node.Inputs[0], writer.NewConstant("grouped shape", Tensor.FromInt64s(new[] { 3 }, new long[] { shape[0], groups, -1 })) });
        string normalized = writer.Add("LayerNormalization", "LayerNormalization",
            new[] { grouped, writer.NewConstant("one", Tensor.FromFloats(new[] { 1 }, new[] { 1f })) },
            GraphAttribute.Int("axis", 2), GraphAttribute.Float("epsilon", node.GetFloat("epsilon", 1e-5f)));
        string restored = writer.Add("Reshape back", "Reshape",
            new[] { normalized, writer.NewConstant("shape", Tensor.FromInt64s(new[] { shape.Length }, shape.Select(d => (long)d).ToArray())) });
        writer.Add("scale and bias", "BatchNormalization", new[]
        {
            restored,
            writer.NewConstant("scale", Tensor.FromFloats(new[] { channels }, scale)),
            writer.NewConstant("bias", Tensor.FromFloats(new[] { channels }, bias)),
            writer.NewConstant("zero mean", Tensor.FromFloats(new[] { channels }, new float[channels])),
            writer.NewConstant("unit variance", Tensor.FromFloats(new[] { channels }, Enumerable.Repeat(1f, channels).ToArray())),
        }, node.Outputs, GraphAttribute.Float("epsilon", 0f));
        return writer.Nodes;
    }

    /// <summary>Input <paramref name="index"/> as one value per channel: given per channel, or per group (GroupNormalization before opset 21).</summary>
    private static float[] PerChannel(Node node, Graph graph, int index, string role, int channels, int groups)
    {
        var value = Input(node, graph, index);
        if (value.Constant == null || graph.Inputs.Contains(value.Name))
            throw UnsupportedUsage(node, $"its {role} '{value.Name}' is computed at run time, but ModelBaker needs it constant.",
                $"Export the model with the {role} as an initializer.");
        float[] data = value.Constant.AsFloats();
        if (data.Length == channels) return data;
        if (data.Length == groups) return Enumerable.Range(0, channels).Select(c => data[c / (channels / groups)]).ToArray();
        throw ShapeError(node, $"its {role} holds {data.Length} values; it needs one per channel ({channels}){(groups != channels ? $" or per group ({groups})" : "")}.");
    }
}
