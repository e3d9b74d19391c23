using System.Collections.Generic;
using System;
using System.Linq;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;
using static ModelBaker.Core.Operators.QuantizationAxis;

namespace ModelBaker.Core.Operators;

/// <summary>
/// y = saturate(round(x / y_scale) + y_zero_point), float32 to int8, uint8, int16 or uint16 (opsets 10–25; 16 bits are
/// ONNX Runtime's "A16W8" QDQ): x / y_scale in float32, rounding half to even; the scale and zero point per tensor, per
/// axis (axis, opset 13) or per block (block_size, opset 21). The output type is the zero point's, else output_dtype's,
/// else uint8. int4, uint4, int2 and uint2 (computed in int8 or uint8) saturate to their range; the float8 types and float4e2m1
/// (computed in float32, zero point 0) round x / y_scale to the type, with the saturate attribute. In a plan: one
/// <see cref="LinearQuantization"/> step with constant scale and zero point (followed by the narrowing or rounding step for
/// those types), or a <see cref="RunTimeQuantization"/> step reading a per-tensor scale and zero point computed at run time.
/// </summary>
public sealed class QuantizeLinear : IOperator, IBakeTimeInputs
{
    /// <summary>Inputs exporters write as initializers: 1, 2.</summary>
    public IReadOnlyList<int> BakeTimeInputs { get; } = new[] { 1, 2 };

    public string OpType => "QuantizeLinear";

    public OperatorSupport Support { get; } = new(OperatorFamily.QuantizedModels, 10, "float32 to int8, uint8, int16, uint16, int4, uint4, int2, uint2 (saturated to their range), float8 or float4e2m1 (rounded, saturate attribute; zero point 0); per tensor, per axis (axis, opset 13) or per block (block_size, opset 21); rounding half to even; a quantize step; a per-tensor scale and zero point computed at run time (DynamicQuantizeLinear's form): a run-time quantize step", Int8Form.Refused, "except as a QDQ model's QuantizeLinear → DequantizeLinear pairs, which give the tensors their scales and zero points (no calibration; docs/compression.md §6)", Nano: false)
    {
        Refuses = new[] { "a scale or zero point computed at run time of more than one value" },
    };

    /// <summary>Whether the scale or zero point is computed at run time (not a constant the bake knows).</summary>
    private static bool RunTime(Node node, Graph graph) =>
        node.Inputs.Skip(1).Where(i => i.Length > 0).Any(i => graph[i].Constant == null || graph.Inputs.Contains(i));

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 2, 3);
        RequireFloat(node, graph, 0);
        RequireFloatScale(node, graph, 1);
        var type = OutputType(node, graph);
        int[]? zeroPoint = OptionalInput(node, 2) != null ? InputShape(node, graph, 2) : null;
        Resolve(node, InputShape(node, graph, 0), InputShape(node, graph, 1), zeroPoint);
        SetOutput(node, graph, 0, NarrowTypes.ComputeType(type), InputShape(node, graph, 0));
        if (NarrowTypes.IsNarrow(type)) graph[node.Outputs[0]].DeclaredType = type;
    }

    /// <summary>The output's type as the model declares it: the zero point's, else output_dtype, else uint8.</summary>
    private static ElementType OutputType(Node node, Graph graph) =>
        OptionalInput(node, 2) != null ? Checked(node, Input(node, graph, 2).DeclaredType ?? Input(node, graph, 2).Type) : DefaultType(node);

    /// <summary>The same from the zero point's data (which remembers a narrow type it was read as).</summary>
    private static ElementType OutputType(Node node, Tensor? zeroPoint) =>
        zeroPoint != null ? Checked(node, zeroPoint.DeclaredType ?? zeroPoint.Type) : DefaultType(node);

    /// <summary>output_dtype, else uint8 (for a node without a zero point).</summary>
    private static ElementType DefaultType(Node node)
    {
        long dtype = node.GetInt("output_dtype", 0);
        return dtype == 0 ? ElementType.UInt8 : Checked(node, (ElementType)(int)dtype);
    }

    private static ElementType Checked(Node node, ElementType type) => IsQuantizableType(type) ? type
        : throw new BakeException(ErrorCodes.UnsupportedElementType,
            $"Node {node.Describe()}: QuantizeLinear to {(System.Enum.IsDefined(typeof(ElementType), type) ? NarrowTypes.OnnxName(type) : $"ONNX element type {(int)type}")} is not supported; " +
            "ModelBaker quantizes to int8, uint8, int16, uint16, int4, uint4, int2, uint2, float8 (e4m3fn, e4m3fnuz, e5m2, e5m2fnuz) and float4e2m1.");

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var x = Required(node, inputs, 0);
        var scale = Required(node, inputs, 1);
        var zeroPoint = inputs.Length > 2 ? inputs[2] : null;
        var layout = Resolve(node, x.Shape, scale.Shape, zeroPoint?.Shape);
        var type = OutputType(node, zeroPoint);
        float[] xv = Floats(node, x, 0), sv = Floats(node, scale, 1);
        int[] zp = ZeroPoints(node, zeroPoint, sv.Length);
        if (NarrowTypes.Format(type) != null)
        {
            // x / scale rounded to the float8 or float4 type, kept as float32 (the steps' LinearQuantization, then SmallFloatRounding).
            bool saturate = node.GetInt("saturate", 1) != 0;
            var rounded = new float[xv.Length];
            for (int e = 0; e < xv.Length; e++) rounded[e] = NarrowTypes.Decode(type, NarrowTypes.Encode(type, xv[e] / sv[layout.Index(e)], saturate));
            return new[] { Tensor.FromFloats(x.Shape, rounded) };
        }
        var (min, max) = QuantizedRange(type);
        var y = new long[xv.Length];
        for (int e = 0; e < xv.Length; e++)
        {
            int p = layout.Index(e);
            float scaled = xv[e] / sv[p]; // float32 division, as the ONNX reference computes it
            if (float.IsNaN(scaled)) { y[e] = zp[p]; continue; }
            double q = Math.Round((double)scaled, MidpointRounding.ToEven) + zp[p];
            y[e] = (long)Math.Max(min, Math.Min(max, q));
        }
        return new[] { Tensor.FromInt64s(x.Shape, y, NarrowTypes.ComputeType(type)) };
    }

    public void Lower(Node node, LoweringContext context)
    {
        var x = context.Activation(node, 0, "x");
        var type = OutputType(node, context.Graph);
        if (RunTime(node, context.Graph) && NarrowTypes.IsNarrow(type))
            throw UnsupportedUsage(node, $"its scale or zero point is computed at run time and it quantizes to {NarrowTypes.OnnxName(type)}.",
                "ModelBaker quantizes to 4-, 2-bit and float8 types with constant parameters only; give them as initializers.");
        if (RunTime(node, context.Graph))
        {
            // A scale (and zero point) computed at run time: per tensor, as DynamicQuantizeLinear computes them.
            if (context.Graph[node.Inputs[1]].Shape is not { } s || ShapeMath.Length(s) != 1 || (context.HasInput(node, 2) && ShapeMath.Length(context.Shape(node.Inputs[2])) != 1))
                throw UnsupportedUsage(node, "its scale or zero point is computed at run time and holds more than one value.",
                    "ModelBaker quantizes with parameters computed at run time per tensor only; give per-axis parameters as initializers.");
            context.Add(new RunTimeQuantization(node.Describe(), context.Slice(x.Name), context.Slice(node.Inputs[1]),
                context.HasInput(node, 2) ? context.Slice(node.Inputs[2]) : null, context.Slice(node.Outputs[0])));
            return;
        }
        var scale = context.Constant(node, 1, "y_scale");
        var zeroPoint = context.HasInput(node, 2) ? context.Constant(node, 2, "y_zero_point") : null;
        var layout = Resolve(node, context.Shape(x.Name), scale.Shape, zeroPoint?.Shape);
        // A narrow type: quantized into a value of the compute type, then narrowed or rounded into the output.
        string quantized = node.Outputs[0];
        if (NarrowTypes.IsNarrow(type))
        {
            quantized = node.Name + "/wide";
            context.Graph.Add(new Value(quantized, NarrowTypes.ComputeType(type), context.Shape(x.Name)));
        }
        context.Add(new LinearQuantization(node.Describe(), context.Slice(x.Name), context.Slice(quantized), layout,
            (float[])scale.AsFloats().Clone(), ZeroPoints(node, zeroPoint, scale.Length)));
        if (NarrowTypes.IsNarrow(type)) context.Add(NarrowingStep(node, context.Slice(quantized), context.Slice(node.Outputs[0]), type));
    }
}
