using System.Linq;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using ModelBaker.Core.Plan;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// Picks entries along one axis (default 0, negative counts from the end) by index; negative indices count from the
/// end of that axis. The output shape is data[..axis] + indices' shape + data[axis + 1..]. Any element type. Constant
/// indices (shape arithmetic, a fixed selection of channels) become a <see cref="Kernels.Remap"/> decided at bake time;
/// indices computed at run time (an embedding lookup, a tree walk) a <see cref="GatherIndexed"/> step, from data in
/// the arena or constant.
/// </summary>
public sealed class Gather : IOperator
{
    public string OpType => "Gather";

    public OperatorSupport Support { get; } = new(OperatorFamily.DataMovement, 1, "any axis, negative indices, any element type; constant indices: one Remap step; indices computed at run time: a gather step (data in the arena or constant)", Int8Form.Integer, "the int8 values moved", Nano: true)
    {
        NanoDetails = "int8, uint8, int16, uint16, int32, uint32, int64, uint64 and bool data (constant or computed indices)",
    };

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 2, 2);
        var indices = Input(node, graph, 1);
        if (indices.Type != ElementType.Int64 && indices.Type != ElementType.Int32)
            throw InvalidGraph(node, $"its indices are {indices.Type}; Gather takes int32 or int64 indices.");
        var (_, output) = Shapes(node, InputShape(node, graph, 0), InputShape(node, graph, 1));
        SetOutput(node, graph, 0, Input(node, graph, 0).Type, output);
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var data = Required(node, inputs, 0);
        var indices = Required(node, inputs, 1);
        var (map, output) = Map(node, data.Shape, indices);
        return new[] { map.Apply(data, output) };
    }

    /// <summary>The iteration shape (indices flattened into one axis) and the output shape.</summary>
    private static (int[] Iteration, int[] Output) Shapes(Node node, int[] data, int[] indices)
    {
        if (data.Length == 0) throw ShapeError(node, "the data is a scalar; Gather needs at least one axis.");
        int axis = NormalizeAxis(node, node.GetInt("axis", 0), data.Length);
        var iteration = data.Take(axis).Append(ShapeMath.Length(indices)).Concat(data.Skip(axis + 1)).ToArray();
        var output = data.Take(axis).Concat(indices).Concat(data.Skip(axis + 1)).ToArray();
        return (iteration, output);
    }

    private static (ElementMap Map, int[] Output) Map(Node node, int[] data, Tensor indices)
    {
        var (iteration, output) = Shapes(node, data, indices.Shape);
        int axis = NormalizeAxis(node, node.GetInt("axis", 0), data.Length);
        int n = data[axis];
        var picked = (indices.Int64s ?? throw InvalidGraph(node, $"its indices are {indices.Type}, not integers.")).Select(i =>
        {
            if (i < -n || i >= n) throw ShapeError(node, $"index {i} is out of range for axis {axis} of size {n} (allowed: {-n} to {n - 1}).");
            return (int)(i < 0 ? i + n : i);
        }).ToArray();
        var coordinates = Enumerable.Range(0, data.Length).Select(d => d == axis ? picked : ElementMap.Identity(data[d])).ToArray();
        return (new ElementMap(iteration, Enumerable.Range(0, data.Length).ToArray(), coordinates), output);
    }

    public void Lower(Node node, LoweringContext context)
    {
        if (!context.Graph[node.Inputs[1]].IsConstant)
        {
            LowerRuntimeIndices(node, context);
            return;
        }
        context.Activation(node, 0, "data");
        var indices = context.Constant(node, 1, "indices");
        var (map, _) = Map(node, context.Shape(node.Inputs[0]), indices);
        map.Lower(context, node, node.Inputs[0], node.Outputs[0]);
    }

    /// <summary>Gather's strides for a <see cref="GatherIndexed"/> step: one index per position along the axis.</summary>
    private static void LowerRuntimeIndices(Node node, LoweringContext context)
    {
        int[] data = context.Shape(node.Inputs[0]);
        var (iteration, _) = Shapes(node, data, context.Shape(node.Inputs[1]));
        int axis = NormalizeAxis(node, node.GetInt("axis", 0), data.Length);
        int[] strides = ShapeMath.Strides(data);
        int[] dataStrides = strides.Select((s, d) => d == axis ? 0 : s).ToArray();
        int[] indexStrides = iteration.Select((_, d) => d == axis ? 1 : 0).ToArray();
        var dataValue = context.Graph[node.Inputs[0]];
        var dataOperand = dataValue.IsConstant
            ? new TypedOperand(null, TensorArrays.ToArray(dataValue.Constant!, dataValue.Type), dataStrides)
            : new TypedOperand(context.Slice(node.Inputs[0]), null, dataStrides);
        context.Add(new GatherIndexed(node.Describe(), iteration, dataOperand, data[axis], strides[axis],
            new TypedOperand(context.Slice(node.Inputs[1]), null, indexStrides), context.Slice(node.Outputs[0])));
    }
}
