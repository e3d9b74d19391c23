using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using ModelBaker.Core.Plan;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// The k largest (largest=1, the default) or smallest elements along <c>axis</c> (default −1) and their int64 indices,
/// best first; equal values keep the lower index first (ONNX Runtime's order). k is an attribute before opset 10 and a
/// bake-time constant input from 10 (it fixes the output shape). sorted=0 lets any order do: the sorted one is given.
/// Float32, int8, uint8, int16, uint16, int32, uint32, int64 and uint64 inputs (the unsigned ones in unsigned order). Two steps: <see cref="TopKIndices"/>, then the values gathered by those indices.
/// </summary>
public sealed class TopK : IOperator, IBakeTimeInputs
{
    /// <summary>Inputs exporters write as initializers: k.</summary>
    public IReadOnlyList<int> BakeTimeInputs { get; } = new[] { 1 };

    public string OpType => "TopK";

    public OperatorSupport Support { get; } = new(OperatorFamily.SelectionAndLogic, 1, "k attribute (before opset 10) or constant input, axis, largest; sorted output, ties lower index first; float32, int8, uint8, int16, uint16, int32, uint32, int64, uint64 (unsigned in unsigned order); a top-k index step and a gather step", Int8Form.Integer, "ranks the int8 values", Nano: true)
    {
        NanoDetails = "float tensors (ranked as int8); int8, uint8, int16, uint16, int32, uint32, int64 and uint64 ones",
        Refuses = new[] { "k computed at run time" },
    };

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 1, 2);
        CheckType(node, Input(node, graph, 0).Type);
        Tensor? k = null;
        if (graph.Opset >= 10)
        {
            RequireInputCount(node, 2, 2);
            var value = Input(node, graph, 1);
            if (value.Constant == null || graph.Inputs.Contains(value.Name))
                throw UnsupportedUsage(node, $"its k '{value.Name}' is computed at run time, but it fixes the output shape.",
                    "Export the model with a constant k (an initializer), or simplify it with onnxsim.");
            k = value.Constant;
        }
        var layout = Layout(node, InputShape(node, graph, 0), graph.Opset, k);
        SetOutput(node, graph, 0, Input(node, graph, 0).Type, layout.Output);
        if (node.Outputs.Count > 1 && node.Outputs[1].Length > 0) SetOutput(node, graph, 1, ElementType.Int64, layout.Output);
    }

    private static void CheckType(Node node, ElementType type)
    {
        if (type is not (ElementType.Float32 or ElementType.Int8 or ElementType.UInt8 or ElementType.Int32 or ElementType.Int64
            or ElementType.Int16 or ElementType.UInt16 or ElementType.UInt32 or ElementType.UInt64))
            throw new BakeException(ErrorCodes.UnsupportedElementType,
                $"Node {node.Describe()}: TopK on {type} is not supported; ModelBaker computes it on Float32, Int8, UInt8, Int16, UInt16, Int32, UInt32, Int64 and UInt64. Cast the input first.");
    }

    private static (int Outer, int Size, int Inner, int K, int Axis, int[] Output) Layout(Node node, int[] shape, long opset, Tensor? kTensor)
    {
        if (shape.Length == 0) throw ShapeError(node, "the input is a scalar; TopK needs at least one dimension.");
        int axis = NormalizeAxis(node, node.GetInt("axis", -1), shape.Length);
        long k;
        if (opset >= 10)
        {
            if (kTensor == null || kTensor.Length != 1 || kTensor.Int64s == null) throw InvalidGraph(node, "its k must be an int64 tensor of one element.");
            k = kTensor.Int64s[0];
        }
        else k = node.GetInt("k", -1);
        if (k < 0 || k > shape[axis]) throw ShapeError(node, $"its k is {k}, but the axis {axis} it selects along has {shape[axis]} elements.");
        var output = shape.Select((d, i) => i == axis ? (int)k : d).ToArray();
        return (Product(shape, 0, axis), shape[axis], Product(shape, axis + 1, shape.Length), (int)k, axis, output);
    }

    /// <summary>The two steps: indices, then values gathered along the axis by them.</summary>
    private static Kernel[] Steps(Node node, int[] shape, long opset, Tensor? k, ArenaSlice input, ArenaSlice values, ArenaSlice indices)
    {
        var (outer, size, inner, count, axis, output) = Layout(node, shape, opset, k);
        int[] strides = ShapeMath.Strides(shape);
        var data = new TypedOperand(input, null, strides.Select((s, d) => d == axis ? 0 : s).ToArray());
        var positions = new TypedOperand(indices, null, ShapeMath.Strides(output));
        return new Kernel[]
        {
            new TopKIndices(node.Describe(), outer, size, inner, count, node.GetInt("largest", 1) != 0, input, indices),
            new GatherIndexed(node.Describe(), output, data, size, strides[axis], positions, values),
        };
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var x = Required(node, inputs, 0);
        CheckType(node, x.Type);
        var k = opset >= 10 ? Required(node, inputs, 1) : null;
        int[] shape = Layout(node, x.Shape, opset, k).Output;
        var evaluation = new KernelEvaluation();
        var input = evaluation.Input(x);
        var values = evaluation.Output(x.Type, shape);
        var indices = evaluation.Output(ElementType.Int64, shape);
        return evaluation.Run(Steps(node, x.Shape, opset, k, input, values, indices), values, indices);
    }

    public void Lower(Node node, LoweringContext context)
    {
        var k = context.Graph.Opset >= 10 ? context.Constant(node, 1, "k") : null;
        var indices = node.Outputs.Count > 1 && node.Outputs[1].Length > 0
            ? context.Slice(node.Outputs[1])
            : KernelEvaluation.Temporary(context, node.Outputs[0], ElementType.Int64, "indices");
        foreach (var step in Steps(node, context.Shape(node.Inputs[0]), context.Graph.Opset, k, context.Slice(node.Inputs[0]),
                     context.Slice(node.Outputs[0]), indices))
            context.Add((FloatKernel)step);
    }
}
