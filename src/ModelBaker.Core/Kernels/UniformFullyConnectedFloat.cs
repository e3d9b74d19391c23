using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// A float fully connected layer (shapes as <see cref="FullyConnectedFloat"/>) whose weights are one value per output
/// unit: every weight of unit n is <see cref="UnitWeights"/>[n], as when a Gemm's B is filled with one value
/// (ConstantOfShape). The plan and the generated code store one float per unit instead of units × depth, and the
/// kernel sums each input row once: output[m, n] = clamp(Σk input[m, k] · weight[n] + bias[n]).
/// </summary>
public sealed class UniformFullyConnectedFloat : FloatKernel
{
    public UniformFullyConnectedFloat(string source, ArenaSlice input, ArenaSlice output, int rows, int depth,
        int rowStride, int columnStride, float[] unitWeights, float[] bias, float activationMin, float activationMax) : base(source)
    {
        if (unitWeights.Length != bias.Length) throw new ArgumentException("One weight and one bias per unit.");
        Input = input;
        Output = output;
        Rows = rows;
        Depth = depth;
        RowStride = rowStride;
        ColumnStride = columnStride;
        UnitWeights = unitWeights;
        Bias = bias;
        ActivationMin = activationMin;
        ActivationMax = activationMax;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public int Rows { get; }
    public int Depth { get; }
    public int RowStride { get; }
    public int ColumnStride { get; }
    /// <summary>The one weight value of each output unit.</summary>
    public float[] UnitWeights { get; }
    public float[] Bias { get; }
    public float ActivationMin { get; }
    public float ActivationMax { get; }
    public int Units => Bias.Length;

    private bool IsLinear => float.IsNegativeInfinity(ActivationMin) && float.IsPositiveInfinity(ActivationMax);

    /// <summary>The same layer with its weights written out element by element (for int8, which quantizes those).</summary>
    public FullyConnectedFloat ToDense()
    {
        var weights = new float[Units * Depth];
        for (int n = 0; n < Units; n++)
            for (int k = 0; k < Depth; k++) weights[n * Depth + k] = UnitWeights[n];
        return new FullyConnectedFloat(Source, Input, Output, Rows, Depth, RowStride, ColumnStride, weights, Bias, ActivationMin, ActivationMax);
    }

    public override FloatKernel? WithActivation(string source, ArenaSlice output, float min, float max) =>
        new UniformFullyConnectedFloat(source, Input, output, Rows, Depth, RowStride, ColumnStride, UnitWeights, Bias,
            Math.Min(Math.Max(ActivationMin, min), max), Math.Min(Math.Max(ActivationMax, min), max));

    /// <summary>A constant per-unit addend (a bias Add after a MatMul) folds into the bias, not after a clamp.</summary>
    public override FloatKernel? WithBias(string source, ArenaSlice output, int[] outputShape, Ir.Tensor addend)
    {
        if (output.Length != Output.Length || !IsLinear) return null;
        var extra = FullyConnectedFloat.PerUnitBias(addend, Rows, Units);
        if (extra == null) return null;
        var bias = new float[Units];
        for (int n = 0; n < Units; n++) bias[n] = Bias[n] + extra[n];
        return new UniformFullyConnectedFloat(source, Input, output, Rows, Depth, RowStride, ColumnStride, UnitWeights, bias, ActivationMin, ActivationMax);
    }

    /// <summary>Followed by y = x · scale[n] + shift[n]: weights scaled per unit, bias mapped. Null after a clamp.</summary>
    public override FloatKernel? WithChannelAffine(string source, ArenaSlice output, int[] outputShape, float[] scale, float[] shift)
    {
        if (outputShape.Length != 2 || !IsLinear || scale.Length != Units) return null;
        var weights = new float[Units];
        var bias = new float[Units];
        for (int n = 0; n < Units; n++)
        {
            weights[n] = UnitWeights[n] * scale[n];
            bias[n] = Bias[n] * scale[n] + shift[n];
        }
        return new UniformFullyConnectedFloat(source, Input, output, Rows, Depth, RowStride, ColumnStride, weights, bias, ActivationMin, ActivationMax);
    }

    /// <summary>Int8 quantizes weights per element, so it starts from the written-out weights.</summary>
    public override Kernel Quantize(Quantization.QuantizationContext context) => FullyConnectedInt8.From(ToDense(), context);

    public override int Parameters => Units * Depth;
    public override int ZeroParameters => UnitWeights.Count(w => w == 0f) * Depth;
    public override string Encoding => "uniform per unit";

    public override KernelKind Kind => KernelKind.UniformFullyConnectedFloat;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 4 * (UnitWeights.Length + Bias.Length);
    public override IEnumerable<string> Helpers => new[] { nameof(UniformFullyConnectedFloat) };

    public override void Run(PlanArena arena) =>
        UniformFullyConnected(arena.Floats(Input), Rows, Depth, RowStride, ColumnStride,
            UnitWeights, Bias, ActivationMin, ActivationMax, arena.Floats(Output));

    // <emit>
    /// <summary>
    /// Float fully connected layer whose unit n has every weight equal to unitWeights[n]:
    /// output[m, n] = clamp(Σk input[m, k] · unitWeights[n] + bias[n]), with the row sum computed once per row.
    /// </summary>
    public static void UniformFullyConnected(ReadOnlySpan<float> input, int rows, int depth, int rowStride, int columnStride,
        ReadOnlySpan<float> unitWeights, ReadOnlySpan<float> bias, float activationMin, float activationMax, Span<float> output)
    {
        int units = bias.Length;
        for (int m = 0; m < rows; m++)
        {
            float sum = 0f;
            int position = m * rowStride;
            for (int k = 0; k < depth; k++, position += columnStride) sum += input[position];
            for (int n = 0; n < units; n++)
            {
                float value = sum * unitWeights[n] + bias[n];
                output[m * units + n] = value < activationMin ? activationMin : value > activationMax ? activationMax : value;
            }
        }
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output);
        w.Int(Rows); w.Int(Depth); w.Int(RowStride); w.Int(ColumnStride);
        w.Floats(UnitWeights); w.Floats(Bias); w.Float(ActivationMin); w.Float(ActivationMax);
    }

    public static UniformFullyConnectedFloat Read(PlanBinaryReader r, string source) =>
        new(source, r.Slice(), r.Slice(), r.Int(), r.Int(), r.Int(), r.Int(), r.Floats(), r.Floats(), r.Float(), r.Float());

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"UniformFullyConnected({Input.Expression(code)}, rows: {Rows}, depth: {Depth}, rowStride: {RowStride}, columnStride: {ColumnStride},")
            .Line($"    {name}UnitWeights, {name}Bias, activationMin: {CodeWriter.Float(ActivationMin)}, activationMax: {CodeWriter.Float(ActivationMax)}, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name)
    {
        EmitArrays.Floats(code, $"{name}UnitWeights", UnitWeights, $"float weight of each of the {Units} units, shared by all its {Depth} inputs");
        EmitArrays.Floats(code, $"{name}Bias", Bias, "float bias");
    }
}
