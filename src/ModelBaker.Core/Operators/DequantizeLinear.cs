using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;
using static ModelBaker.Core.Operators.QuantizationAxis;

namespace ModelBaker.Core.Operators;

/// <summary>
/// y = (x − x_zero_point) · x_scale from int8, uint8, int16, uint16 or int32 to float32 (opsets 10–25), computed as the
/// ONNX reference does: ((float)x − (float)zero point) · scale; per tensor, per axis (axis) or per block (block_size).
/// int4, uint4, int2 and uint2 are read as the int8 or uint8 the plan holds them in, the float8 types and float4e2m1 as
/// float32 (zero point 0). Output types other than float32 are refused. Constant inputs (a QDQ model's
/// weights) fold at bake time; otherwise one <see cref="LinearDequantization"/> step.
/// </summary>
public sealed class DequantizeLinear : IOperator, IBakeTimeInputs
{
    /// <summary>Inputs exporters write as initializers: 1, 2.</summary>
    public IReadOnlyList<int> BakeTimeInputs { get; } = new[] { 1, 2 };

    public string OpType => "DequantizeLinear";

    public OperatorSupport Support { get; } = new(OperatorFamily.QuantizedModels, 10, "int8, uint8, int16, uint16, int32, int4, uint4, int2, uint2, float8 or float4e2m1 (zero point 0) to float32; per tensor, axis or block; folded when x is constant (a QDQ model's weights), else a dequantize step", Int8Form.Refused, "except as a QDQ model's QuantizeLinear → DequantizeLinear pairs, which give the tensors their scales and zero points (no calibration; docs/compression.md §6)", Nano: false);

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 2, 3);
        var x = Input(node, graph, 0);
        if (!IsQuantizableType(x.DeclaredType ?? x.Type) && x.Type != ElementType.Int32)
            throw new BakeException(ErrorCodes.UnsupportedElementType,
                $"Node {node.Describe()}: x '{x.Name}' is {NarrowTypes.OnnxName(x.DeclaredType ?? x.Type)}; ModelBaker dequantizes int8, uint8, int16, uint16, int32, int4, uint4, int2, uint2, float8 and float4e2m1 only.");
        RequireFloatScale(node, graph, 1);
        if (OptionalInput(node, 2) != null && Input(node, graph, 2).Type != x.Type)
            throw InvalidGraph(node, $"its zero point is {Input(node, graph, 2).Type} but x is {x.Type}; they must have one type.");
        long dtype = node.GetInt("output_dtype", 0);
        if (dtype != 0 && dtype != (int)ElementType.Float32)
            throw new BakeException(ErrorCodes.UnsupportedElementType,
                $"Node {node.Describe()}: output_dtype {dtype} is not supported; ModelBaker dequantizes to float32 (1) only.");
        int[]? zeroPoint = OptionalInput(node, 2) != null ? InputShape(node, graph, 2) : null;
        Resolve(node, InputShape(node, graph, 0), InputShape(node, graph, 1), zeroPoint);
        SetOutput(node, graph, 0, ElementType.Float32, InputShape(node, graph, 0));
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var x = Required(node, inputs, 0);
        var scale = Required(node, inputs, 1);
        var zeroPoint = inputs.Length > 2 ? inputs[2] : null;
        var layout = Resolve(node, x.Shape, scale.Shape, zeroPoint?.Shape);
        float[] sv = Floats(node, scale, 1);
        int[] zp = ZeroPoints(node, zeroPoint, sv.Length);
        var y = new float[x.Length];
        if (x.Floats is { } xf) // a float8 or float4 tensor, held as float32
            for (int e = 0; e < xf.Length; e++) y[e] = (xf[e] - (float)zp[layout.Index(e)]) * sv[layout.Index(e)];
        else
        {
            long[] xv = x.Int64s!;
            for (int e = 0; e < xv.Length; e++)
            {
                int p = layout.Index(e);
                y[e] = ((float)xv[e] - (float)zp[p]) * sv[p];
            }
        }
        return new[] { Tensor.FromFloats(x.Shape, y) };
    }

    public void Lower(Node node, LoweringContext context)
    {
        var x = context.Activation(node, 0, "x");
        var scale = context.Constant(node, 1, "x_scale");
        var zeroPoint = context.HasInput(node, 2) ? context.Constant(node, 2, "x_zero_point") : null;
        var layout = Resolve(node, context.Shape(x.Name), scale.Shape, zeroPoint?.Shape);
        context.Add(new LinearDequantization(node.Describe(), context.Slice(x.Name), context.Slice(node.Outputs[0]), layout,
            (float[])scale.AsFloats().Clone(), ZeroPoints(node, zeroPoint, scale.Length)));
    }
}
