using System.Linq;
using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;
using static ModelBaker.Core.Kernels.FixedPoint;
using static ModelBaker.Core.Kernels.Int8Dot;
using ModelBaker.Core.Encodings;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// output[m, n] = clamp(requantize(bias[n] + Σk input[m, k] · weights[n, k]) + outputZeroPoint): a Gemm or
/// MatMul (+ bias Add, + Relu) with int8 weights, one scale per output unit.
/// The input zero point is folded into the bias at bake time (bias[n] −= inputZeroPoint · Σk weights[n, k]),
/// so the inner loop is a plain int8 dot product.
/// </summary>
public sealed class FullyConnectedInt8 : Int8Kernel
{
    public FullyConnectedInt8(string source, ArenaSlice input, ArenaSlice output, int rows, int depth,
        int rowStride, int columnStride, EncodedWeights weights, OutputStage outputStage) : base(source)
    {
        Input = input;
        Output = output;
        Rows = rows;
        Depth = depth;
        RowStride = rowStride;
        ColumnStride = columnStride;
        Encoded = weights;
        Weights = weights.Decode();
        OutputStage = outputStage;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public int Rows { get; }
    public int Depth { get; }
    /// <summary>Element k of row m is input[m · RowStride + k · ColumnStride] (a transposed input has ColumnStride ≠ 1).</summary>
    public int RowStride { get; }
    public int ColumnStride { get; }
    /// <summary>The weights as stored: dense, sparse or clustered, whichever is smallest.</summary>
    public EncodedWeights Encoded { get; }
    /// <summary>[units, depth], row-major: one row per output unit (decoded).</summary>
    public sbyte[] Weights { get; }
    public OutputStage OutputStage { get; }
    public int Units => OutputStage.Bias.Length;

    /// <summary>The layer quantized by <see cref="LayerQuantizer"/> (the TensorFlow Lite Micro scheme).</summary>
    public static FullyConnectedInt8 From(FullyConnectedFloat fc, QuantizationContext q)
    {
        var output = q.Parameters(fc.Output);
        var layer = LayerQuantizer.Quantize(fc, fc.ClusteredValues, q.ModelWeightScalesOf(fc.Source, fc.Units), q.Parameters(fc.Input), output);
        var (min, max) = QuantizationContext.ActivationRange(fc.ActivationMin, fc.ActivationMax, output);
        return new FullyConnectedInt8(fc.Source, q.Slice(fc.Input), q.Slice(fc.Output), fc.Rows, fc.Depth, fc.RowStride, fc.ColumnStride,
            layer.Weights, new OutputStage(layer.Bias, layer.Multipliers, layer.Shifts, output.ZeroPoint, min, max));
    }

    public override int Parameters => Weights.Length;
    public override int ZeroParameters => Weights.Count(w => w == 0);
    public override string Encoding => Encoded.Name;
    public override int Clusters => Encoded.ClusterCount;

    public override KernelKind Kind => KernelKind.FullyConnectedInt8;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => Encoded.Bytes + OutputStage.Bytes;
    public override IEnumerable<string> Helpers => new[] { nameof(FullyConnectedInt8), nameof(Int8Dot), nameof(FixedPoint) }.Concat(Encoded.Helpers);
    public override int DecodedWeightBytes => Encoded.DecodedBytes;

    /// <summary>Runs the very helper generated code calls, on the weights its encoding decodes to.</summary>
    public override void Run(PlanArena arena)
    {
        var o = OutputStage;
        FullyConnected(arena.Int8s(Input), Rows, Depth, RowStride, ColumnStride, Weights, o.Bias, o.StoredMultipliers, o.StoredShifts,
            o.ZeroPoint, o.ActivationMin, o.ActivationMax, arena.Int8s(Output));
    }

    // <emit>
    /// <summary>Int8 fully connected layer with per-unit requantization (see the ModelBaker docs).</summary>
    public static void FullyConnected(ReadOnlySpan<sbyte> input, int rows, int depth, int rowStride, int columnStride,
        ReadOnlySpan<sbyte> weights, ReadOnlySpan<int> bias, ReadOnlySpan<short> multipliers, ReadOnlySpan<sbyte> shifts,
        int outputZeroPoint, int activationMin, int activationMax, Span<sbyte> output)
    {
        int units = bias.Length;
        for (int m = 0; m < rows; m++)
        {
            for (int n = 0; n < units; n++)
            {
                ReadOnlySpan<sbyte> unitWeights = weights.Slice(n * depth, depth);
                int accumulator = bias[n];
                if (columnStride == 1)
                {
                    accumulator += Dot(input.Slice(m * rowStride, depth), unitWeights);
                }
                else
                {
                    int position = m * rowStride;
                    for (int k = 0; k < depth; k++, position += columnStride)
                        accumulator += input[position] * unitWeights[k];
                }
                output[m * units + n] = Requantize(accumulator, multipliers[multipliers.Length == 1 ? 0 : n] << 16, shifts[shifts.Length == 1 ? 0 : n], outputZeroPoint, activationMin, activationMax);
            }
        }
    }
    // </emit>

    // <emit Nano>
    /// <summary>
    /// Int8 fully connected layer with per-unit requantization, on arrays, its weights read a unit at a time (each
    /// unit's row decoded once, whatever the number of input rows).
    /// </summary>
    public static void FullyConnected(sbyte[] input, int inputOffset, int rows, int depth, int rowStride, int columnStride,
        WeightRows weights, int[] bias, short[] multipliers, sbyte[] shifts,
        int outputZeroPoint, int activationMin, int activationMax, sbyte[] output, int outputOffset)
    {
        int units = bias.Length;
        if (rows == 1 && columnStride == 1)
        {
            // One input row read in place: each unit's weights walked once, by their encoding (the non-zeros only, for
            // the sparse ones).
            for (int n = 0; n < units; n++)
                output[outputOffset + n] = Requantize(bias[n] + weights.DotWith(n, input, inputOffset), multipliers[multipliers.Length == 1 ? 0 : n] << 16,
                    shifts[shifts.Length == 1 ? 0 : n], outputZeroPoint, activationMin, activationMax);
            return;
        }
        for (int n = 0; n < units; n++)
        {
            sbyte[] unitWeights = weights.Read(n, out int w);
            int multiplier = multipliers[multipliers.Length == 1 ? 0 : n] << 16, shift = shifts[shifts.Length == 1 ? 0 : n];
            for (int m = 0; m < rows; m++)
            {
                int accumulator = bias[n], position = inputOffset + m * rowStride;
                for (int k = 0; k < depth; k++, position += columnStride)
                    accumulator += input[position] * unitWeights[w + k];
                output[outputOffset + m * units + n] = Requantize(accumulator, multiplier, shift, outputZeroPoint, activationMin, activationMax);
            }
        }
    }
    // </emit>

    public override IEnumerable<string> NanoHelpers => new[] { nameof(FullyConnectedInt8) + "#Nano", nameof(FixedPoint) }.Concat(Encoded.NanoHelpers);

    /// <summary>The nanoFramework flavour decodes a sparse or clustered unit's weights into a row buffer of this many bytes.</summary>
    public override int NanoScratchBytes(bool weightsInResource) => Encoded.NanoRowBufferBytes(weightsInResource);

    public override void EmitNanoCall(CodeWriter code, string name) => EmitCall(code, name, Input.NanoArguments(code), $"{name}Rows", Output.NanoArguments(code));

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output);
        w.Int(Rows); w.Int(Depth); w.Int(RowStride); w.Int(ColumnStride);
        Encoded.Write(w); OutputStage.Write(w);
    }

    public static FullyConnectedInt8 Read(PlanBinaryReader r, string source) =>
        new(source, r.Slice(), r.Slice(), r.Int(), r.Int(), r.Int(), r.Int(),
            EncodedWeights.Read(r), OutputStage.Read(r));

    public override void EmitCall(CodeWriter code, string name) => EmitCall(code, name, Input.Expression(code), $"{name}Weights", Output.Expression(code));

    /// <summary>The call, in either flavour (they differ in how arena slices and weights are passed).</summary>
    private void EmitCall(CodeWriter code, string name, string input, string weights, string output) =>
        code.Line($"FullyConnected({input}, rows: {Rows}, depth: {Depth}, rowStride: {RowStride}, columnStride: {ColumnStride},")
            .Line($"    {weights}, {name}Bias, {name}Multipliers, {name}Shifts,")
            .Line($"    {OutputStage.Arguments}, {output});");

    public override void EmitData(CodeWriter code, string name)
    {
        Encoded.EmitData(code, name);
        OutputStage.EmitData(code, name, "unit");
    }
}
