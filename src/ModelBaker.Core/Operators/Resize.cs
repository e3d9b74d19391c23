using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// Resize (opsets 10 to 19) and Upsample (opsets 7 to 9). Mode "nearest": every output element is one input element (or,
/// outside tf_crop_and_resize's region, the extrapolation value), chosen along each axis on its own, so the operator is an
/// <see cref="ElementMap"/> — one Remap step, in float, int8 and nanoFramework plans and on every element type. Mode
/// "linear": a ResizeLinearFloat step mixing the 2^rank neighbours. Cubic, antialiased and cropped resizes: a
/// ResizeTapsFloat step, separable taps per axis computed at bake time as ONNX's reference does (<see cref="ResizeFilter"/>).
/// Int8 plans run both interpolating steps as one integer step of Q15 taps (Kernels/ResizeTapsInt8). Refused (MB1104): scales, sizes or roi computed at run time.
/// </summary>
public sealed class Resize : IOperator, IBakeTimeInputs
{
    private readonly bool _upsample;

    /// <param name="upsample">True for the older Upsample operator (scales as attribute or second input).</param>
    public Resize(bool upsample) => _upsample = upsample;

    public string OpType => _upsample ? "Upsample" : "Resize";

    public OperatorSupport Support =>
        _upsample
            ? new(OperatorFamily.Resizing, 7, "modes nearest (a Remap step, any element type) and linear (a linear-resize step with per-axis neighbour tables); scales constant (attribute at opset 7, input from 9); asymmetric coordinates, as ONNX Runtime", Int8Form.Integer, "nearest: the int8 values moved; linear: Q15 neighbour weights, an int32 sum requantized (bit-exact)", Nano: true)
            {
                Refuses = new[] { "mode cubic (not an Upsample mode)", "scales computed at run time" },
            }
            : new(OperatorFamily.Resizing, 10, "modes nearest (a Remap step, any element type), linear (a linear-resize step with per-axis neighbour tables) and cubic (cubic_coeff_a, exclude_outside); antialias (linear and cubic: the filter widened by 1 / scale when downsampling); cubic, antialias and tf_crop_and_resize run a resize step with separable taps per axis, as ONNX's reference computes them; scales or sizes constant; axes; keep_aspect_ratio_policy; coordinate_transformation_mode half_pixel, half_pixel_symmetric, pytorch_half_pixel, align_corners (with fractional input × scale as ONNX, not ONNX Runtime), asymmetric, tf_half_pixel_for_nn, tf_crop_and_resize (constant roi, extrapolation_value) (opset 10: asymmetric); nearest_mode round_prefer_floor, round_prefer_ceil, floor, ceil", Int8Form.Integer, "nearest: the int8 values moved (extrapolation value quantized); linear and cubic: Q15 tap weights, an int32 sum requantized (bit-exact), up to 5 axes", Nano: true)
            {
                Refuses = new[] { "scales, sizes or roi computed at run time" },
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
        var sizing = Resolve(node, InputShape(node, graph, 0), inputs, graph.Opset);
        if (sizing.Mode != "nearest") RequireFloat(node, graph, 0);
        SetOutput(node, graph, 0, x.Type, sizing.Output);
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var x = Required(node, inputs, 0);
        var sizing = Resolve(node, x.Shape, inputs, opset);
        if (sizing.Mode == "nearest")
        {
            var map = Map(sizing, x.Shape);
            return new[] { map.Apply(x, map.Shape, sizing.Extrapolation, (long)sizing.Extrapolation) };
        }
        float[] xv = Floats(node, x, 0);
        int[] output = sizing.Output, strides = ShapeMath.Strides(x.Shape), coordinate = new int[output.Length];
        var y = new float[ShapeMath.Length(output)];
        if (!sizing.NeedsTaps)
        {
            // Linear: every output element mixes the 2^rank neighbours of its original position, in double.
            var axes = LinearAxes(sizing, x.Shape);
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
        // Cubic, antialias, tf_crop_and_resize: one axis at a time, as ONNX's reference nests its 1-D interpolations.
        var taps = TapAxes(sizing, x.Shape);
        for (int i = 0; i < y.Length; i++)
        {
            Conv.Unflatten(i, output, coordinate);
            y[i] = Enumerable.Range(0, output.Length).Any(d => taps[d][coordinate[d]] == null)
                ? sizing.Extrapolation
                : (float)Interpolate(xv, strides, taps, coordinate, 0, 0);
        }
        return new[] { Tensor.FromFloats(output, y) };
    }

    private static double Interpolate(float[] x, int[] strides, ResizeFilter.Tap[]?[][] taps, int[] coordinate, int axis, int offset)
    {
        if (axis == strides.Length) return x[offset];
        double sum = 0;
        foreach (var tap in taps[axis][coordinate[axis]]!)
            sum += tap.Weight * Interpolate(x, strides, taps, coordinate, axis + 1, offset + tap.Index * strides[axis]);
        return sum;
    }

    public void Lower(Node node, LoweringContext context)
    {
        var inputs = new Tensor?[node.Inputs.Count];
        for (int i = 1; i < inputs.Length; i++)
            if (context.HasInput(node, i)) inputs[i] = context.Constant(node, i, i == 1 && _upsample ? "scales" : new[] { "", "roi", "scales", "sizes" }[i]);
        int[] shape = context.Shape(node.Inputs[0]);
        var sizing = Resolve(node, shape, inputs, context.Graph.Opset);
        int[] strides = ShapeMath.Strides(shape);
        if (sizing.Mode == "nearest")
        {
            var type = context.Graph[node.Inputs[0]].Type;
            var padding = type == ElementType.Float32 ? Tensor.FromFloats(new[] { 1 }, new[] { sizing.Extrapolation })
                : Tensor.FromInt64s(new[] { 1 }, new[] { (long)sizing.Extrapolation }, type);
            Map(sizing, shape).Lower(context, node, node.Inputs[0], node.Outputs[0], padding);
        }
        else if (!sizing.NeedsTaps)
        {
            var axes = LinearAxes(sizing, shape);
            context.Add(new Kernels.ResizeLinearFloat(node.Describe(), context.Slice(node.Inputs[0]), context.Slice(node.Outputs[0]), sizing.Output,
                axes.SelectMany((axis, d) => axis.Select(t => t.Low * strides[d])).ToArray(),
                axes.SelectMany((axis, d) => axis.Select(t => t.High * strides[d])).ToArray(),
                axes.SelectMany(axis => axis.Select(t => t.Weight)).ToArray()));
        }
        else
        {
            var taps = TapAxes(sizing, shape);
            var (first, count, offsets, weights) = (new List<int>(), new List<int>(), new List<int>(), new List<float>());
            for (int d = 0; d < shape.Length; d++)
                foreach (var coordinateTaps in taps[d])
                {
                    first.Add(offsets.Count);
                    count.Add(coordinateTaps?.Length ?? 0);
                    foreach (var tap in coordinateTaps ?? Array.Empty<ResizeFilter.Tap>())
                    {
                        offsets.Add(tap.Index * strides[d]);
                        weights.Add((float)tap.Weight);
                    }
                }
            context.Add(new Kernels.ResizeTapsFloat(node.Describe(), context.Slice(node.Inputs[0]), context.Slice(node.Outputs[0]), sizing.Output,
                first.ToArray(), count.ToArray(), offsets.ToArray(), weights.ToArray(), sizing.Extrapolation));
        }
    }

    /// <summary>Everything Resize decided from its attributes and constant inputs.</summary>
    private sealed record Sizing(int[] Input, int[] Output, float[] Scales, string Mode, string Transform, string Rounding, ResizeFilter Filter,
        float[] RoiStart, float[] RoiEnd, float Extrapolation)
    {
        /// <summary>Not the plain 2-neighbour linear step: cubic, antialiased, or with a crop region to extrapolate outside of.</summary>
        public bool NeedsTaps => Mode == "cubic" || Filter.Antialias || Transform == "tf_crop_and_resize";

        /// <summary>The input coordinate of output coordinate <paramref name="o"/> on axis <paramref name="a"/>; null outside tf_crop_and_resize's region.</summary>
        public float? Original(int a, int o) => Resize.Original(o, Input[a], Output[a], Scales[a], Transform, RoiStart[a], RoiEnd[a]);
    }

    private Sizing Resolve(Node node, int[] shape, Tensor?[] inputs, long opset)
    {
        int rank = shape.Length;
        string mode = node.GetString("mode") ?? "nearest";
        if (mode is not ("nearest" or "linear" or "cubic") || (_upsample && mode == "cubic"))
            throw UnsupportedUsage(node, $"mode \"{mode}\" is not {(_upsample ? "an Upsample" : "a Resize")} mode.",
                _upsample ? "Use \"nearest\" or \"linear\"." : "Use \"nearest\", \"linear\" or \"cubic\".");
        bool legacy = _upsample || opset < 11; // Upsample and Resize-10: asymmetric coordinates, ONNX Runtime's "simple" rounding
        string transform = legacy ? "asymmetric" : node.GetString("coordinate_transformation_mode") ?? "half_pixel";
        string rounding = legacy ? "simple" : node.GetString("nearest_mode") ?? "round_prefer_floor";
        if (transform is not ("half_pixel" or "pytorch_half_pixel" or "align_corners" or "asymmetric" or "tf_crop_and_resize"
            or "half_pixel_symmetric" or "tf_half_pixel_for_nn"))
            throw UnsupportedUsage(node, $"coordinate_transformation_mode \"{transform}\" is not an ONNX value.",
                "Use half_pixel, half_pixel_symmetric, pytorch_half_pixel, align_corners, asymmetric, tf_crop_and_resize or tf_half_pixel_for_nn.");
        if (rounding is not ("simple" or "round_prefer_floor" or "round_prefer_ceil" or "floor" or "ceil"))
            throw UnsupportedUsage(node, $"nearest_mode \"{rounding}\" is not an ONNX value.", "Use round_prefer_floor, round_prefer_ceil, floor or ceil.");
        var filter = new ResizeFilter(mode == "cubic", node.GetFloat("cubic_coeff_a", -0.75f),
            mode != "nearest" && node.GetInt("antialias", 0) != 0, !legacy && node.GetInt("exclude_outside", 0) != 0);

        // The axes the scales, sizes and roi speak of (opset 18's axes attribute; all axes otherwise).
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

        // tf_crop_and_resize's region of interest, [starts…, ends…] over the same axes, as fractions of each axis.
        float[] roiStart = new float[rank], roiEnd = Enumerable.Repeat(1f, rank).ToArray();
        if (transform == "tf_crop_and_resize")
        {
            float[]? roi = !legacy && inputs.Length > 1 ? inputs[1]?.AsFloats() : null;
            if (roi == null || roi.Length != 2 * axes.Length)
                throw ShapeError(node, $"coordinate_transformation_mode tf_crop_and_resize needs a constant roi of {2 * axes.Length} values " +
                    $"(starts then ends of the resized axes), not {(roi == null ? "none" : roi.Length.ToString(System.Globalization.CultureInfo.InvariantCulture))}.");
            for (int k = 0; k < axes.Length; k++) (roiStart[axes[k]], roiEnd[axes[k]]) = (roi[k], roi[axes.Length + k]);
        }

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
        return new Sizing(shape, output, scales, mode, transform, rounding, filter, roiStart, roiEnd, node.GetFloat("extrapolation_value", 0f));
    }

    /// <summary>Nearest mode: the input coordinate each output coordinate reads, per axis (−1: outside the crop region).</summary>
    private static ElementMap Map(Sizing sizing, int[] shape)
    {
        var coordinates = new int[shape.Length][];
        for (int a = 0; a < shape.Length; a++)
            coordinates[a] = Enumerable.Range(0, sizing.Output[a]).Select(o => Nearest(sizing.Original(a, o), shape[a], sizing.Scales[a], sizing.Rounding)).ToArray();
        return new ElementMap(sizing.Output, Enumerable.Range(0, shape.Length).ToArray(), coordinates);
    }

    /// <summary>Linear mode: per axis and output coordinate, the lower and upper input coordinates and the upper one's weight.</summary>
    private static (int Low, int High, float Weight)[][] LinearAxes(Sizing sizing, int[] shape) =>
        Enumerable.Range(0, shape.Length).Select(a => Enumerable.Range(0, sizing.Output[a]).Select(o =>
        {
            // As ONNX Runtime: the original coordinate clamped into the input, its two neighbours, the distance to the lower.
            float x = sizing.Original(a, o)!.Value;
            x = Math.Max(0f, Math.Min(x, shape[a] - 1));
            int low = Math.Min((int)x, shape[a] - 1), high = Math.Min(low + 1, shape[a] - 1);
            return (low, high, low == high ? 0f : x - low);
        }).ToArray()).ToArray();

    /// <summary>Cubic, antialiased or cropped: per axis and output coordinate, its taps (null: outside the crop region).</summary>
    private static ResizeFilter.Tap[]?[][] TapAxes(Sizing sizing, int[] shape) =>
        Enumerable.Range(0, shape.Length).Select(a => Enumerable.Range(0, sizing.Output[a]).Select(o =>
            sizing.Original(a, o) is float x ? sizing.Filter.Taps(x, shape[a], sizing.Scales[a]) : null).ToArray()).ToArray();

    /// <summary>The input coordinate an original coordinate <paramref name="x"/> rounds to, as ONNX Runtime does (−1: outside the crop region).</summary>
    private static int Nearest(float? x, int input, float scale, string rounding)
    {
        if (x is not float v) return -1;
        double r = rounding switch
        {
            "simple" => scale < 1 ? Math.Ceiling(v) : Math.Floor(v),
            "round_prefer_floor" => v == Math.Floor(v) + 0.5 ? Math.Floor(v) : Math.Round(v, MidpointRounding.AwayFromZero),
            "round_prefer_ceil" => Math.Round(v, MidpointRounding.AwayFromZero),
            "floor" => Math.Floor(v),
            _ => Math.Ceiling(v),
        };
        return (int)Math.Max(0, Math.Min(input - 1, r));
    }

    /// <summary>
    /// The input coordinate of output coordinate <paramref name="o"/> (coordinate_transformation_mode), in float as ONNX
    /// Runtime computes it; null when tf_crop_and_resize places it outside the input. The resized length is input · scale,
    /// unrounded, as ONNX defines it for align_corners and half_pixel_symmetric (the output size when sizes are given);
    /// tf_crop_and_resize spreads the region over the integer output size, as ONNX Runtime and ONNX's reference do.
    /// </summary>
    private static float? Original(int o, int input, int output, float scale, string transform, float roiStart, float roiEnd)
    {
        float resized = input * scale;
        switch (transform)
        {
            case "half_pixel": return (o + 0.5f) / scale - 0.5f;
            case "pytorch_half_pixel": return output > 1 ? (o + 0.5f) / scale - 0.5f : 0f;
            case "align_corners": return resized == 1f ? 0f : o * (float)(input - 1) / (resized - 1f);
            case "half_pixel_symmetric":
                // half_pixel about the centre of the input: differs from it only when the output size was rounded.
                float offset = input / 2f * (1f - output / resized);
                return offset + (o + 0.5f) / scale - 0.5f;
            case "tf_half_pixel_for_nn": return (o + 0.5f) / scale;
            case "tf_crop_and_resize":
                float x = output > 1
                    ? roiStart * (input - 1) + o * (roiEnd - roiStart) * (input - 1) / (output - 1)
                    : 0.5f * (roiStart + roiEnd) * (input - 1);
                return x < 0 || x > input - 1 ? null : x;
            default: return o / scale;
        }
    }
}
