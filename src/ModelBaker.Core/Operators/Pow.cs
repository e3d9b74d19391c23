using System.Linq;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// Z = X to the power Y with numpy broadcasting; the output has X's type. Y may have another type: on a float X it is
/// converted to float; on an integer X a float Y makes the power in float, truncated back to X's type (as ONNX Runtime
/// casts std::pow), an integer Y is converted to X's type and the power is exact, wrapping like numpy. A float X to a
/// constant scalar power is an element-wise function step (a 256-entry table in int8 plans); other float powers are
/// int8 binary steps in fixed point (<see cref="BinaryInt8.Power"/>).
/// </summary>
public sealed class Pow : IOperator
{
    public string OpType => "Pow";

    public OperatorSupport Support { get; } = new(OperatorFamily.Arithmetic, 7, "numpy broadcasting; an exponent of another type than the base (float or integer), as ONNX Runtime; a float base to a constant scalar power: an element-wise function step; else a power step", Int8Form.Integer, "a float base to a constant scalar power: a 256-entry table; other float powers: an int8 binary step (2^(b · log₂|a|) in Q16 fixed point; an exponent within half its step of an integer taken as that integer)", Nano: true)
    {
        NanoDetails = "float and int8, uint8, int16, uint16, int32, uint32, int64 and uint64 bases",
    };

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 2, 2);
        var x = Input(node, graph, 0);
        ElementwiseEvaluation.CheckTypes(node, x.Type, x.Type);
        ElementwiseEvaluation.CheckTypes(node, Input(node, graph, 1).Type, Input(node, graph, 1).Type);
        SetOutput(node, graph, 0, x.Type, ElementwiseEvaluation.BroadcastShape(node, InputShape(node, graph, 0), InputShape(node, graph, 1)));
    }

    /// <summary>The type the power is computed in: float when either side is float, else X's integer type.</summary>
    private static ElementType ComputeType(ElementType x, ElementType y) =>
        x == ElementType.Float32 || y == ElementType.Float32 ? ElementType.Float32 : x;

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var x = Required(node, inputs, 0);
        var y = Required(node, inputs, 1);
        var type = ComputeType(x.Type, y.Type);
        var z = ElementwiseEvaluation.Apply(node, BinaryOperation.Pow, KernelEvaluation.Convert(x, type), KernelEvaluation.Convert(y, type));
        return new[] { KernelEvaluation.Convert(z, x.Type) };
    }

    public void Lower(Node node, LoweringContext context)
    {
        string output = node.Outputs[0];
        var xType = context.Graph[node.Inputs[0]].Type;
        var type = ComputeType(xType, context.Graph[node.Inputs[1]].Type);
        var exponent = context.Graph[node.Inputs[1]];
        if (xType == ElementType.Float32 && exponent.IsConstant && exponent.Constant!.Length == 1
            && ShapeMath.Length(context.Shape(output)) == ShapeMath.Length(context.Shape(node.Inputs[0])))
        {
            context.Add(new UnaryFloat(node.Describe(), UnaryFunction.Pow, context.Slice(node.Inputs[0]), context.Slice(output),
                alpha: exponent.Constant.AsFloats()[0]));
            return;
        }
        var x = Source(node, context, node.Inputs[0], type);
        var y = Source(node, context, node.Inputs[1], type);
        var result = xType == type ? context.Slice(output) : KernelEvaluation.Temporary(context, output, type, "power");
        ElementwiseLowering.Add(context, node.Describe(), BinaryOperation.Pow, type, x, y, context.Shape(output), result);
        if (result != context.Slice(output)) context.Add(Conversion.Of(node.Describe(), result, context.Slice(output)));
    }

    /// <summary>A value as a step input of <paramref name="type"/>: a constant converted now, a tensor by a Cast step.</summary>
    private static ElementwiseLowering.Source Source(Node node, LoweringContext context, string name, ElementType type)
    {
        var value = context.Graph[name];
        if (value.Type == type) return ElementwiseLowering.Of(context, name);
        int[] shape = context.Shape(name);
        if (value.IsConstant) return new ElementwiseLowering.Source(null, KernelEvaluation.Convert(value.Constant!, type), shape);
        return new ElementwiseLowering.Source(KernelEvaluation.Converted(context, node.Describe(), name, type), null, shape);
    }
}
