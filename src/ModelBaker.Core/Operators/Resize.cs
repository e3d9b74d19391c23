using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// Resize (opsets 10 to 19) and Upsample (opsets 7 to 9). Mode "nearest": every output element is one input
/// element, chosen along each axis on its own, so the operator is an <see cref="ElementMap"/> — one Remap step, in float,
/// int8 and nanoFramework plans and on every element type. Mode "linear": a ResizeLinearFloat step mixing the 2^rank
/// neighbours (int8 plans run it in a float island). Scales or sizes must be constants; coordinate_transformation_mode
/// half_pixel, pytorch_half_pixel, align_corners, asymmetric; nearest_mode round_prefer_floor,
/// round_prefer_ceil, floor, ceil; axes; keep_aspect_ratio_policy. Refused (MB1104): mode cubic, antialias, align_corners
/// with scales giving a fractional size,
/// tf_crop_and_resize, half_pixel_symmetric, tf_half_pixel_for_nn, scales or sizes computed at run time.
/// </summary>
public sealed class Resize : IOperator, IBakeTimeInputs
{
    private readonly bool _upsample;

    /// <param name="upsample">True for the older Upsample operator (scales as attribute or second input).</param>
    public Resize(bool upsample) => _upsample = upsample;

    public string OpType => _upsample ? "Upsample" : "Resize";

    public OperatorSupport Support =>
        _upsample
            ? new(OperatorFamily.Resizing, 7, "modes nearest (a Remap step, any element type) and linear (a linear-resize step with per-axis neighbour tables); scales constant (attribute at opset 7, input from 9); asymmetric coordinates, as ONNX Runtime", Int8Form.Integer, "nearest: the int8 values moved; linear: in a float island", Nano: true)
            {
                NanoDetails = "mode nearest only",
                Refuses = new[] { "mode cubic", "scales computed at run time" },
            }
            : new(OperatorFamily.Resizing, 10, "modes nearest (a Remap step, any element type) and linear (a linear-resize step with per-axis neighbour tables); scales or sizes constant; axes; keep_aspect_ratio_policy; coordinate_transformation_mode half_pixel, pytorch_half_pixel, align_corners, asymmetric (opset 10: asymmetric); nearest_mode round_prefer_floor, round_prefer_ceil, floor, ceil; antialias 0", Int8Form.Integer, "nearest: the int8 values moved; linear: in a float island", Nano: true)
            {
                NanoDetails = "mode nearest only",
                Refuses = new[] { "mode cubic", "antialias = 1", "coordinate_transformation_mode tf_crop_and_resize, half_pixel_symmetric or tf_half_pixel_for_nn", "align_corners with scales giving a fractional size (ONNX and ONNX Runtime disagree; give sizes)", "scales or sizes computed at run time" },
            };

    public IReadOnlyList<int> BakeTimeInputs { get; } = new[] { 1, 2, 3 };

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 1, _upsample ? 2 : 4);
        var x = Input(node, graph, 0);
        Tensor? Known(int i)
        {
            if (OptionalInput(node, i) == null) return null;
            var value = graph[node.Inputs[i]];
            if (!value.IsConstant)
                throw UnsupportedUsage(node, $"input {i} ('{value.Name}') is computed at run time.",
                    "ModelBaker resizes by scales or sizes known when the model is baked; make them constant initializers.");
            return value.Constant;
        }
        var inputs = Enumerable.Range(0, node.Inputs.Count).Select(i => i == 0 ? null : Known(i)).ToArray();
        var (output, _, mode, _, _) = Resolve(node, InputShape(node, graph, 0), inputs, graph.Opset);
        if (mode == "linear") RequireFloat(node, graph, 0);
        SetOutput(node, graph, 0, x.Type, output);
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var x = Required(node, inputs, 0);
        var (output, scales, mode, transform, _) = Resolve(node, x.Shape, inputs, opset);
        if (mode == "nearest")
        {
            var map = Map(node, x.Shape, inputs, opset);
            return new[] { map.Apply(x, map.Shape) };
        }
        // Linear: every output element mixes the 2^rank neighbours of its original position, in double.
        var axes = LinearAxes(x.Shape, output, scales, transform);
        float[] xv = Floats(node, x, 0);
        int[] strides = ShapeMath.Strides(x.Shape), coordinate = new int[output.Length];
        var y = new float[ShapeMath.Length(output)];
        for (int i = 0; i < y.Length; i++)
        {
            Conv.Unflatten(i, output, coordinate);
            double sum = 0;
            for (int corner = 0; corner < 1 << output.Length; corner++)
            {
                double factor = 1;
                int source = 0;
                for (int d = 0; d < output.Length; d++)
                {
                    var (low, high, weight) = axes[d][coordinate[d]];
                    bool upper = (corner >> d & 1) != 0;
                    factor *= upper ? weight : 1.0 - weight;
                    source += (upper ? high : low) * strides[d];
                }
                sum += factor * xv[source];
            }
            y[i] = (float)sum;
        }
        return new[] { Tensor.FromFloats(output, y) };
    }

    public void Lower(Node node, LoweringContext context)
    {
        var inputs = new Tensor?[node.Inputs.Count];
        for (int i = 1; i < inputs.Length; i++)
            if (context.HasInput(node, i)) inputs[i] = context.Constant(node, i, i == 1 && _upsample ? "scales" : new[] { "", "roi", "scales", "sizes" }[i]);
        int[] shape = context.Shape(node.Inputs[0]);
        var (output, scales, mode, transform, _) = Resolve(node, shape, inputs, context.Graph.Opset);
        if (mode == "nearest")
        {
            Map(node, shape, inputs, context.Graph.Opset).Lower(context, node, node.Inputs[0], node.Outputs[0]);
            return;
        }
        var axes = LinearAxes(shape, output, scales, transform);
        int[] strides = ShapeMath.Strides(shape);
        context.Add(new Kernels.ResizeLinearFloat(node.Describe(), context.Slice(node.Inputs[0]), context.Slice(node.Outputs[0]), output,
            axes.SelectMany((axis, d) => axis.Select(t => t.Low * strides[d])).ToArray(),
            axes.SelectMany((axis, d) => axis.Select(t => t.High * strides[d])).ToArray(),
            axes.SelectMany(axis => axis.Select(t => t.Weight)).ToArray()));
    }

    private (int[] Output, float[] Scales, string Mode, string Transform, string Rounding) Resolve(Node node, int[] shape, Tensor?[] inputs, long opset)
    {
        int rank = shape.Length;
        string mode = node.GetString("mode") ?? "nearest";
        if (mode is not ("nearest" or "linear"))
            throw UnsupportedUsage(node, $"mode \"{mode}\" is not supported yet.", "ModelBaker resizes with modes \"nearest\" and \"linear\"; re-export with one of them.");
        if (mode == "linear" && node.GetInt("antialias", 0) != 0)
            throw UnsupportedUsage(node, "antialias = 1 is not supported.", "Resize with antialias = 0 (the default).");
        bool legacy = _upsample || opset < 11; // Upsample and Resize-10: asymmetric coordinates, ONNX Runtime's "simple" rounding
        string transform = legacy ? "asymmetric" : node.GetString("coordinate_transformation_mode") ?? "half_pixel";
        string rounding = legacy ? "simple" : node.GetString("nearest_mode") ?? "round_prefer_floor";
        if (transform is not ("half_pixel" or "pytorch_half_pixel" or "align_corners" or "asymmetric"))
            throw UnsupportedUsage(node, $"coordinate_transformation_mode \"{transform}\" is not supported.",
                "Use half_pixel, pytorch_half_pixel, align_corners or asymmetric.");
        if (rounding is not ("simple" or "round_prefer_floor" or "round_prefer_ceil" or "floor" or "ceil"))
            throw UnsupportedUsage(node, $"nearest_mode \"{rounding}\" is not an ONNX value.", "Use round_prefer_floor, round_prefer_ceil, floor or ceil.");

        // The axes the scales or sizes speak of (opset 18's axes attribute; all axes otherwise).
        long[] axesAttribute = node.GetInts("axes") ?? Enumerable.Range(0, rank).Select(a => (long)a).ToArray();
        int[] axes = axesAttribute.Select(a => (int)(a < 0 ? a + rank : a)).ToArray();
        if (axes.Any(a => a < 0 || a >= rank) || axes.Distinct().Count() != axes.Length)
            throw ShapeError(node, $"axes [{string.Join(",", axesAttribute)}] are not distinct axes of the input {ShapeMath.Format(shape)}.");

        float[]? scalesGiven = _upsample
            ? (inputs.Length > 1 && inputs[1] != null ? inputs[1]!.AsFloats() : node.GetFloats("scales"))
            : opset < 11 ? inputs.Length > 1 ? inputs[1]?.AsFloats() : null
            : inputs.Length > 2 ? inputs[2]?.AsFloats() : null;
        if (scalesGiven is { Length: 0 }) scalesGiven = null;
        long[]? sizesGiven = !_upsample && opset >= 11 && inputs.Length > 3 && inputs[3] != null ? inputs[3]!.Int64s : null;
        if (sizesGiven is { Length: 0 }) sizesGiven = null;
        if ((scalesGiven == null) == (sizesGiven == null))
            throw ShapeError(node, "exactly one of scales and sizes must be given.");
        int expected = _upsample || opset < 18 ? rank : axes.Length;
        if ((scalesGiven?.Length ?? sizesGiven!.Length) != expected)
            throw ShapeError(node, $"scales or sizes must hold {expected} values, one per resized axis of the input {ShapeMath.Format(shape)}.");
        if (expected == rank && axes.Length != rank) axes = Enumerable.Range(0, rank).ToArray();

        var scales = Enumerable.Repeat(1f, rank).ToArray();
        var output = (int[])shape.Clone();
        if (scalesGiven != null)
        {
            for (int k = 0; k < axes.Length; k++)
            {
                if (!(scalesGiven[k] > 0)) throw ShapeError(node, $"scale {scalesGiven[k]} must be positive.");
                scales[axes[k]] = scalesGiven[k];
                output[axes[k]] = (int)Math.Floor(shape[axes[k]] * (double)scalesGiven[k]);
            }
        }
        else
        {
            long[] sizes = sizesGiven!;
            string policy = node.GetString("keep_aspect_ratio_policy") ?? "stretch";
            if (policy is not ("stretch" or "not_larger" or "not_smaller"))
                throw UnsupportedUsage(node, $"keep_aspect_ratio_policy \"{policy}\" is not an ONNX value.", "Use stretch, not_larger or not_smaller.");
            if (sizes.Any(s => s < 1)) throw ShapeError(node, $"sizes [{string.Join(",", sizes)}] must be positive.");
            if (policy == "stretch")
                for (int k = 0; k < axes.Length; k++)
                {
                    output[axes[k]] = (int)sizes[k];
                    scales[axes[k]] = (float)sizes[k] / shape[axes[k]];
                }
            else
            {
                // One scale for all resized axes: the largest that fits (not_larger) or the smallest that covers (not_smaller).
                var ratios = axes.Select((a, k) => (float)sizes[k] / shape[a]).ToArray();
                float scale = policy == "not_larger" ? ratios.Min() : ratios.Max();
                foreach (int a in axes)
                {
                    scales[a] = scale;
                    output[a] = (int)Math.Round(scale * shape[a], MidpointRounding.AwayFromZero);
                }
            }
        }
        if (output.Any(o => o < 1)) throw ShapeError(node, $"the output {ShapeMath.Format(output)} would be empty.");
        if (transform == "align_corners" && Enumerable.Range(0, rank).Any(a => shape[a] * scales[a] != output[a]))
            throw UnsupportedUsage(node, $"align_corners with scales whose input size × scale is not a whole number ({ShapeMath.Format(shape)} × [{string.Join(",", scales)}]): ONNX and ONNX Runtime place the corners differently there.",
                "Give the output sizes instead of scales, or use another coordinate_transformation_mode.");

        return (output, scales, mode, transform, rounding);
    }

    /// <summary>Nearest mode: the input coordinate each output coordinate reads, per axis.</summary>
    private ElementMap Map(Node node, int[] shape, Tensor?[] inputs, long opset)
    {
        var (output, scales, _, transform, rounding) = Resolve(node, shape, inputs, opset);
        var coordinates = new int[shape.Length][];
        for (int a = 0; a < shape.Length; a++)
            coordinates[a] = Enumerable.Range(0, output[a]).Select(o => Nearest(o, shape[a], output[a], scales[a], transform, rounding)).ToArray();
        return new ElementMap(output, Enumerable.Range(0, shape.Length).ToArray(), coordinates);
    }

    /// <summary>Linear mode: per axis and output coordinate, the lower and upper input coordinates and the upper one's weight.</summary>
    private static (int Low, int High, float Weight)[][] LinearAxes(int[] shape, int[] output, float[] scales, string transform) =>
        Enumerable.Range(0, shape.Length).Select(a => Enumerable.Range(0, output[a]).Select(o =>
        {
            // As ONNX Runtime: the original coordinate clamped into the input, its two neighbours, the distance to the lower.
            float x = Original(o, shape[a], output[a], scales[a], transform);
            x = Math.Max(0f, Math.Min(x, shape[a] - 1));
            int low = Math.Min((int)x, shape[a] - 1), high = Math.Min(low + 1, shape[a] - 1);
            return (low, high, low == high ? 0f : x - low);
        }).ToArray()).ToArray();

    /// <summary>The input coordinate output coordinate <paramref name="o"/> reads, computed in float as ONNX Runtime does.</summary>
    private static int Nearest(int o, int input, int output, float scale, string transform, string rounding)
    {
        float x = Original(o, input, output, scale, transform);
        double r = rounding switch
        {
            "simple" => scale < 1 ? Math.Ceiling(x) : Math.Floor(x),
            "round_prefer_floor" => x == Math.Floor(x) + 0.5 ? Math.Floor(x) : Math.Round(x, MidpointRounding.AwayFromZero),
            "round_prefer_ceil" => Math.Round(x, MidpointRounding.AwayFromZero),
            "floor" => Math.Floor(x),
            _ => Math.Ceiling(x),
        };
        return (int)Math.Max(0, Math.Min(input - 1, r));
    }

    /// <summary>The input coordinate of output coordinate <paramref name="o"/> (coordinate_transformation_mode), in float as ONNX Runtime computes it.</summary>
    /// The resized length is input · scale, unrounded, as ONNX defines it (the output size when sizes are given).
    private static float Original(int o, int input, int output, float scale, string transform)
    {
        float resized = input * scale;
        return transform switch
        {
            "half_pixel" => (o + 0.5f) / scale - 0.5f,
            "pytorch_half_pixel" => output > 1 ? (o + 0.5f) / scale - 0.5f : 0f,
            "align_corners" => resized == 1f ? 0f : o * (float)(input - 1) / (resized - 1f),
            _ => o / scale,
        };
    }
}
