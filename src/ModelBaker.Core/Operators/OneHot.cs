using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using ModelBaker.Core.Plan;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// One-hot encoding: the output is the indices' shape with a dimension of size depth inserted at <c>axis</c> (default
/// −1, the last); along it, the on value (values[1]) where the coordinate is the index, the off value (values[0])
/// elsewhere. Indices of any numeric type (floats truncated toward zero, as a Cast to int64 does), negative ones
/// counting from the end; indices outside [−depth, depth) give only off values. Depth must be a bake-time constant (it
/// fixes the output shape); values may be computed. One <see cref="OneHotKernel"/> step.
/// </summary>
public sealed class OneHot : IOperator, IBakeTimeInputs
{
    /// <summary>Inputs exporters write as initializers: depth and values.</summary>
    public IReadOnlyList<int> BakeTimeInputs { get; } = new[] { 1, 2 };

    public string OpType => "OneHot";

    public OperatorSupport Support { get; } = new(OperatorFamily.SelectionAndLogic, 9, "depth constant; values of any type (constant or computed); axis; negative indices; one one-hot step", Int8Form.Integer, "the int8 on and off values moved", Nano: true)
    {
        NanoDetails = "indices of every integer type (cast to int64 by an integer step) and float indices (truncated through a table of their int8 codes, CastInt8); int8, uint8, int16, uint16, int32, uint32, int64, uint64 and bool values",
        Refuses = new[] { "depth computed at run time" },
    };

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 3, 3);
        var depth = Input(node, graph, 1);
        if (depth.Constant == null || graph.Inputs.Contains(depth.Name))
            throw UnsupportedUsage(node, $"its depth '{depth.Name}' is computed at run time, but it fixes the output shape.",
                "Export the model with a constant depth (an initializer), or simplify it with onnxsim.");
        if (ShapeMath.Length(InputShape(node, graph, 2)) != 2) throw ShapeError(node, "its values must hold two elements, [off, on].");
        SetOutput(node, graph, 0, Input(node, graph, 2).Type, Layout(node, InputShape(node, graph, 0), depth.Constant).Output);
    }

    private static (int Outer, int Depth, int Inner, int[] Output) Layout(Node node, int[] indices, Tensor depthTensor)
    {
        if (depthTensor.Length != 1) throw ShapeError(node, $"its depth has {depthTensor.Length} elements; it must be a scalar or hold one element.");
        double value = depthTensor.Floats != null ? depthTensor.Floats[0] : depthTensor.Int64s![0];
        if (!(value >= 1) || value > int.MaxValue) throw ShapeError(node, $"its depth is {value}; it must be at least 1.");
        int depth = (int)value;
        int axis = NormalizeAxis(node, node.GetInt("axis", -1), indices.Length + 1);
        var output = indices.Take(axis).Append(depth).Concat(indices.Skip(axis)).ToArray();
        return (Product(indices, 0, axis), depth, Product(indices, axis, indices.Length), output);
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var indices = KernelEvaluation.Convert(Required(node, inputs, 0), ElementType.Int64);
        var values = Required(node, inputs, 2);
        if (values.Length != 2) throw ShapeError(node, "its values must hold two elements, [off, on].");
        var (outer, depth, inner, shape) = Layout(node, indices.Shape, Required(node, inputs, 1));
        var evaluation = new KernelEvaluation();
        var input = evaluation.Input(indices);
        var output = evaluation.Output(values.Type, shape);
        return evaluation.Run(new[] { new OneHotKernel(node.Describe(), outer, depth, inner, input, KernelEvaluation.Constant(values, values.Shape), output) }, output);
    }

    public void Lower(Node node, LoweringContext context)
    {
        var (outer, depth, inner, _) = Layout(node, context.Shape(node.Inputs[0]), context.Constant(node, 1, "depth"));
        context.Activation(node, 0, "indices");
        var indices = KernelEvaluation.Converted(context, node.Describe(), node.Inputs[0], ElementType.Int64);
        context.Add(new OneHotKernel(node.Describe(), outer, depth, inner, indices,
            KernelEvaluation.Operand(context, node.Inputs[2], context.Shape(node.Inputs[2])), context.Slice(node.Outputs[0])));
    }
}
