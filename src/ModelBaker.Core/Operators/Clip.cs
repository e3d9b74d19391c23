using System.Collections.Generic;
using System;
using System.Linq;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// Y = min(max(X, min), max). Before opset 11 the bounds are attributes; from 11 they are optional scalar inputs
/// (constants at bake time). An absent bound is the element type's lowest/highest value, as in ONNX Runtime; when
/// min &gt; max every element becomes max (the ONNX definition). On float tensors Clip folds into the step before it
/// as a clamp when that step can clamp (ReLU6 = Clip(0, 6) after a convolution costs nothing); on integer tensors it
/// is a Max step then a Min step.
/// </summary>
public sealed class Clip : IOperator, IChannelMapping, IBakeTimeInputs
{
    /// <summary>Inputs exporters write as initializers: 1, 2.</summary>
    public IReadOnlyList<int> BakeTimeInputs { get; } = new[] { 1, 2 };

    /// <summary>Element by element: output channel c is input channel c.</summary>
    public ChannelFlow ChannelFlow(Node node, Graph graph) => Operators.ChannelFlow.PassThrough.Plain;

    public string OpType => "Clip";

    public OperatorSupport Support { get; } = new(OperatorFamily.Activations, 1, "min and max as attributes (before opset 11) or constant inputs, absent ones the type's limits; float: fused into the step before it as a clamp where it can be, else an element-wise step; integers: a max step and a min step", Int8Form.Integer, "a clamp fused into the step before it, else a 256-entry table", Nano: true)
    {
        NanoDetails = "float, int8, uint8, int16, uint16, int32, uint32, int64 and uint64 tensors",
        Refuses = new[] { "min or max computed at run time" },
    };

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 1, 3);
        var x = Input(node, graph, 0);
        if (!ElementwiseEvaluation.IsSupported(x.Type)) ElementwiseEvaluation.CheckTypes(node, x.Type, x.Type);
        for (int i = 1; i < 3; i++)
        {
            if (OptionalInput(node, i) == null) continue;
            var bound = Input(node, graph, i);
            if (bound.Type != x.Type)
                throw InvalidGraph(node, $"its bound '{bound.Name}' is {bound.Type} but X is {x.Type}; Clip needs one type.");
            if (ShapeMath.Length(InputShape(node, graph, i)) != 1)
                throw InvalidGraph(node, $"its bound '{bound.Name}' has shape {ShapeMath.Format(InputShape(node, graph, i))}; Clip's bounds are scalars.");
        }
        SetOutput(node, graph, 0, x.Type, InputShape(node, graph, 0));
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var x = Required(node, inputs, 0);
        Tensor? Bound(int i) => i < inputs.Length ? inputs[i] : null;
        if (x.Floats != null)
        {
            var (min, max) = FloatBounds(node, opset, Bound(1), Bound(2));
            return new[] { Tensor.FromFloats(x.Shape, x.Floats.Select(v => UnaryFloat.Apply((int)UnaryFunction.Clip, min, max, v)).ToArray()) };
        }
        long lo = Bound(1)?.Int64s![0] ?? long.MinValue, hi = Bound(2)?.Int64s![0] ?? long.MaxValue;
        return new[] { Tensor.FromInt64s(x.Shape, x.Int64s!.Select(v => Math.Min(Math.Max(v, lo), hi)).ToArray(), x.Type) };
    }

    /// <summary>The float bounds: attributes before opset 11, inputs from 11; absent ones are float's lowest and highest.</summary>
    private static (float Min, float Max) FloatBounds(Node node, long opset, Tensor? min, Tensor? max) =>
        opset < 11
            ? (node.GetFloat("min", float.MinValue), node.GetFloat("max", float.MaxValue))
            : (min?.Floats![0] ?? float.MinValue, max?.Floats![0] ?? float.MaxValue);

    public void Lower(Node node, LoweringContext context)
    {
        Tensor? Bound(int i) => OptionalInput(node, i) != null ? context.Constant(node, i, i == 1 ? "min" : "max") : null;
        var type = context.Graph[node.Inputs[0]].Type;
        if (type == ElementType.Float32)
        {
            var (min, max) = FloatBounds(node, context.Graph.Opset, Bound(1), Bound(2));
            if (min > max) min = max; // min(max(x, min), max) is then max everywhere; a clamp [max, max] says so
            if (ActivationFusion.TryFuse(context, node, min, max)) return;
            context.Add(new UnaryFloat(node.Describe(), UnaryFunction.Clip, context.Slice(node.Inputs[0]), context.Slice(node.Outputs[0]), min, max));
            return;
        }

        // Integers: max(x, min) then min(·, max), each an integer step with a scalar constant.
        var bounds = new[] { (Operation: BinaryOperation.Max, Bound: Bound(1)), (Operation: BinaryOperation.Min, Bound: Bound(2)) }
            .Where(b => b.Bound != null).ToList();
        if (bounds.Count == 0)
        {
            context.Alias(node.Outputs[0], node.Inputs[0]);
            return;
        }
        int[] shape = context.Shape(node.Outputs[0]);
        var partial = ElementwiseLowering.Of(context, node.Inputs[0]);
        for (int i = 0; i < bounds.Count; i++)
        {
            var slice = i == bounds.Count - 1 ? context.Slice(node.Outputs[0])
                : new Plan.ArenaSlice($"{node.Outputs[0]} (lower bound applied)", type, ShapeMath.Length(shape));
            var bound = bounds[i].Bound!;
            ElementwiseLowering.Add(context, node.Describe(), bounds[i].Operation, type, partial,
                new ElementwiseLowering.Source(null, bound, new int[0]), shape, slice);
            partial = new ElementwiseLowering.Source(slice, null, shape);
        }
    }
}
