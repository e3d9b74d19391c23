using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// ai.onnx.ml ArrayFeatureExtractor: Z[..., j] = X[..., Y[j]], the int64 indices Y (any shape, flattened) picking along
/// X's last axis; a rank-1 X gives [1, count] (as ONNX Runtime). Any numeric element type. Constant indices lower to a
/// <see cref="Remap"/>; indices computed at run time (a TopK's, an ArgMax's) to a <see cref="ColumnSelection"/>, with
/// the data baked in when it is a constant.
/// </summary>
public sealed class ArrayFeatureExtractor : IOperator, IBakeTimeInputs
{
    /// <summary>Inputs the backend test cases give as graph inputs that exporters write as initializers: the indices.</summary>
    public IReadOnlyList<int> BakeTimeInputs { get; } = new[] { 1 };

    public string OpType => ClassicalModel.Domain + "ArrayFeatureExtractor";

    public OperatorSupport Support { get; } = new(OperatorFamily.ClassicalMachineLearning, 1, "any numeric type; constant indices: one Remap step; indices computed at run time: a column-selection step", Int8Form.Integer, "constant indices: the int8 values moved; computed indices: in a float island", Nano: true)
    {
        NanoDetails = "constant indices only",
    };

    private static int[] OutputShape(Node node, int[] data, int count)
    {
        if (data.Length == 0) throw ShapeError(node, "its data is a scalar; ArrayFeatureExtractor needs at least one axis.");
        if (count == 0) throw ShapeError(node, "it has no indices.");
        return data.Length == 1 ? new[] { 1, count } : data.Take(data.Length - 1).Append(count).ToArray();
    }

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 2, 2);
        var indices = Input(node, graph, 1);
        if (indices.Type != ElementType.Int64) throw InvalidGraph(node, $"its indices are {indices.Type}; ArrayFeatureExtractor takes int64 indices.");
        var data = Input(node, graph, 0);
        SetOutput(node, graph, 0, data.Type, OutputShape(node, InputShape(node, graph, 0), ShapeMath.Length(InputShape(node, graph, 1))));
    }

    /// <summary>The element map picking the indices along the last axis (indices checked against its size).</summary>
    private static ElementMap Map(Node node, int[] data, long[] indices)
    {
        int stride = data[data.Length - 1];
        var picked = indices.Select(i => i >= 0 && i < stride ? (int)i
            : throw ShapeError(node, $"index {i} is outside the last axis of its data, of size {stride}.")).ToArray();
        var iteration = data.Take(data.Length - 1).Append(picked.Length).ToArray();
        var coordinates = iteration.Select((d, axis) => axis == data.Length - 1 ? picked : ElementMap.Identity(d)).ToArray();
        return new ElementMap(iteration, Enumerable.Range(0, data.Length).ToArray(), coordinates);
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var data = Required(node, inputs, 0);
        var indices = Required(node, inputs, 1).Int64s ?? throw InvalidGraph(node, "its indices are not integers.");
        return new[] { Map(node, data.Shape, indices).Apply(data, OutputShape(node, data.Shape, indices.Length)) };
    }

    public void Lower(Node node, LoweringContext context)
    {
        var dataShape = context.Shape(node.Inputs[0]);
        var data = context.Graph[node.Inputs[0]];
        var indices = context.Graph[node.Inputs[1]];
        if (indices.Constant?.Int64s is { } constantIndices)
        {
            context.Activation(node, 0, "data");
            Map(node, dataShape, constantIndices).Lower(context, node, node.Inputs[0], node.Outputs[0]);
            return;
        }
        int stride = dataShape[dataShape.Length - 1], rows = ShapeMath.Length(dataShape) / stride;
        context.Add(new ColumnSelection(node.Describe(),
            data.IsConstant ? null : context.Slice(data.Name),
            data.IsConstant ? TensorArrays.ToArray(data.Constant!, data.Type) : null,
            context.Slice(indices.Name), context.Slice(node.Outputs[0]), rows, stride));
    }
}
