using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// <see cref="SupportVectorKernelFloat"/> on an int8 input, integer-only: per row and support vector an integer basis —
/// the dot product Σ (q − z)·w with the vectors int8 on one symmetric scale (LINEAR, POLY, SIGMOID), its distance |Σ … + offset|
/// from the point where γ x·v + c₀ is 0 (POLY of even degree), or the squared distance Σ (q − w)² with the vectors on the
/// input's own grid as int16, so that none clips (RBF) — then the kernel value's int8 level from a 255-entry table of the
/// bases at which the level steps up (bisection, 8 comparisons), built at bake time from the float kernel function
/// (x·v, (γ t + c₀)^degree, tanh(γ t + c₀), e^(−γ s)) through <see cref="TreeScoresInt8.LevelTable"/>. The basis enters the
/// table times <see cref="Sign"/> (±1), which makes the function increasing. So exp and tanh are tables, made once per step.
/// </summary>
public sealed class SupportVectorKernelInt8 : Int8Kernel
{
    /// <summary>Forms of the basis: a dot product, its distance from an offset, a squared distance on the input's grid.</summary>
    public const int Dot = 0, EvenPower = 1, Distance = 2;

    public SupportVectorKernelInt8(string source, ArenaSlice input, ArenaSlice output, int rows, int features, int zeroPoint, short[] vectors,
        SvmKernel kernel, int form, int sign, int offset, int[] levels) : base(source)
    {
        if (levels.Length != TreeScoresInt8.Levels) throw new ArgumentException($"A level table has {TreeScoresInt8.Levels} entries.", nameof(levels));
        Input = input;
        Output = output;
        Rows = rows;
        Features = features;
        ZeroPoint = zeroPoint;
        Vectors = vectors;
        Kernel = kernel;
        Form = form;
        Sign = sign;
        Offset = offset;
        Levels = levels;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public int Rows { get; }
    public int Features { get; }
    /// <summary>The input's zero point (the dot forms subtract it).</summary>
    public int ZeroPoint { get; }
    /// <summary>[vectors, features]: int8 values on one symmetric scale (dot forms), or int16 on the input's grid (Distance).</summary>
    public short[] Vectors { get; }
    public SvmKernel Kernel { get; }
    public int Form { get; }
    public int Sign { get; }
    /// <summary>EvenPower: −c₀ / (γ · input scale · vector scale), rounded: the dot product at which the base is 0.</summary>
    public int Offset { get; }
    /// <summary>Ascending: entry j is the smallest signed basis whose kernel value quantizes to level −127 + j or above.</summary>
    public int[] Levels { get; }
    public int VectorCount => Vectors.Length / Features;

    /// <summary>Most features whose int32 dot product cannot overflow (255 · 127 per term).</summary>
    public const int MaxFeatures = int.MaxValue / (255 * 127);

    public static SupportVectorKernelInt8 From(SupportVectorKernelFloat k, QuantizationContext q)
    {
        var input = q.Parameters(k.Input);
        var output = q.Parameters(k.Output);
        if (k.Features > MaxFeatures)
            throw new BakeException(ErrorCodes.SupportVectorsOutOfRange,
                $"Node {k.Source}: its {k.Features} features are more than the int8 support-vector kernel sums without overflow ({MaxFeatures}). Bake it with Precision=\"Float32\".");
        float gamma = k.Gamma, coef0 = k.Coef0, degree = k.Degree;
        int vectors = k.VectorCount;
        var stored = new short[k.Vectors.Length];
        if (k.Kernel == SvmKernel.Rbf)
        {
            // On the input's grid: q − w is x − v in input steps (v rounded to the grid), so Σ (q − w)² · s² is |x − v|².
            for (int i = 0; i < stored.Length; i++)
            {
                double w = Math.Round(k.Vectors[i] / input.Scale) + input.ZeroPoint;
                if (Math.Abs(w) > short.MaxValue)
                    throw new BakeException(ErrorCodes.SupportVectorsOutOfRange,
                        $"Node {k.Source}: support vector value {k.Vectors[i]} is {Math.Abs(w):F0} steps of the input's grid from 0, more than int16 holds: the calibration data cover a far smaller range than the support vectors. Calibrate with data like the training data, or bake with Precision=\"Float32\".");
                stored[i] = (short)w;
            }
            double s2 = input.Scale * input.Scale;
            int rbfSign = gamma > 0 ? -1 : 1;
            var rbf = TreeScoresInt8.LevelTable(v => (float)Math.Exp(-gamma * (float)(s2 * v * rbfSign)), output);
            return new SupportVectorKernelInt8(k.Source, q.Slice(k.Input), q.Slice(k.Output), k.Rows, k.Features, input.ZeroPoint, stored, k.Kernel, Distance, rbfSign, 0, rbf);
        }
        float max = 0f;
        foreach (float v in k.Vectors) max = Math.Max(max, Math.Abs(v));
        double vectorScale = max > 0 ? max / 127.0 : 1.0;
        for (int i = 0; i < stored.Length; i++) stored[i] = (short)Math.Max(-127, Math.Min(127, Math.Round(k.Vectors[i] / vectorScale)));
        double unit = input.Scale * vectorScale; // x·v per unit of the integer dot product
        int form = Dot, sign = 1, offset = 0;
        Func<long, float> function;
        switch (k.Kernel)
        {
            case SvmKernel.Linear:
                function = v => (float)(unit * v);
                break;
            case SvmKernel.Sigmoid:
                sign = gamma >= 0 ? 1 : -1;
                function = v => (float)Math.Tanh(gamma * (float)(unit * v * sign) + coef0);
                break;
            default:
                if (degree != Math.Round(degree) || degree < 0)
                    throw new BakeException(ErrorCodes.SupportVectorsOutOfRange,
                        $"Node {k.Source}: its POLY kernel has degree {degree}; the int8 support-vector kernel takes whole non-negative degrees (a fractional power of a negative base is NaN). Bake it with Precision=\"Float32\".");
                if (degree % 2 == 0)
                {
                    // (γ t + c₀)^even depends on |γ t + c₀| alone: the basis is the dot product's distance from −c₀ / γ.
                    form = EvenPower;
                    offset = gamma == 0 ? 0 : (int)Math.Max(int.MinValue / 2, Math.Min(int.MaxValue / 2, Math.Round(coef0 / (gamma * unit))));
                    function = v => Power(gamma == 0 ? coef0 : gamma * (float)(unit * Math.Max(0, v)), degree);
                }
                else
                {
                    sign = gamma >= 0 ? 1 : -1;
                    function = v => Power(gamma * (float)(unit * v * sign) + coef0, degree);
                }
                break;
        }
        return new SupportVectorKernelInt8(k.Source, q.Slice(k.Input), q.Slice(k.Output), k.Rows, k.Features, input.ZeroPoint, stored, k.Kernel,
            form, sign, offset, TreeScoresInt8.LevelTable(function, output));
    }

    /// <summary>y^degree as the float kernel computes it.</summary>
    private static float Power(float y, float degree) => degree == 2f ? y * y : degree == 3f ? y * y * y : (float)Math.Pow(y, degree);

    public override KernelKind Kind => KernelKind.SupportVectorKernelInt8;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 2 * Vectors.Length + 4 * Levels.Length;
    public override int Parameters => Vectors.Length;
    public override IEnumerable<string> Helpers => new[] { nameof(SupportVectorKernelInt8) };
    public override IEnumerable<string> NanoHelpers => new[] { nameof(SupportVectorKernelInt8) + "#Nano" };

    public override void Run(PlanArena arena) =>
        SupportVectorKernel(arena.Int8s(Input), Rows, Features, ZeroPoint, Vectors, Form, Sign, Offset, Levels, arena.Int8s(Output));

    // <emit>
    /// <summary>
    /// The int8 kernel value of each row of [rows, features] int8 inputs with each of [vectors, features] support vectors:
    /// form 0 basis Σ (x − zeroPoint)·v, 1 |Σ (x − zeroPoint)·v + offset|, 2 Σ (x − v)²; the level of sign × basis in the
    /// ascending 255-entry table.
    /// </summary>
    public static void SupportVectorKernel(ReadOnlySpan<sbyte> input, int rows, int features, int zeroPoint, ReadOnlySpan<short> vectors,
        int form, int sign, int offset, ReadOnlySpan<int> levels, Span<sbyte> output)
    {
        int count = vectors.Length / features;
        for (int r = 0; r < rows; r++)
        {
            int x = r * features;
            for (int v = 0; v < count; v++)
            {
                int w = v * features;
                long basis = 0;
                if (form == 2)
                {
                    for (int f = 0; f < features; f++) { long d = input[x + f] - vectors[w + f]; basis += d * d; }
                }
                else
                {
                    int dot = 0;
                    for (int f = 0; f < features; f++) dot += (input[x + f] - zeroPoint) * vectors[w + f];
                    basis = form == 1 ? (dot + (long)offset < 0 ? -(dot + (long)offset) : dot + (long)offset) : dot;
                }
                long value = sign * basis;
                int key = value > int.MaxValue ? int.MaxValue : value < int.MinValue ? int.MinValue : (int)value;
                int lo = 0, hi = levels.Length;
                while (lo < hi)
                {
                    int mid = (lo + hi) >> 1;
                    if (key >= levels[mid]) lo = mid + 1; else hi = mid;
                }
                output[r * count + v] = (sbyte)(lo - 128);
            }
        }
    }
    // </emit>

    // <emit Nano>
    /// <summary>The int8 kernel values on arrays (forms as the .NET flavour's).</summary>
    public static void SupportVectorKernel(sbyte[] input, int inputOffset, int rows, int features, int zeroPoint, short[] vectors,
        int form, int sign, int offset, int[] levels, sbyte[] output, int outputOffset)
    {
        int count = vectors.Length / features;
        for (int r = 0; r < rows; r++)
        {
            int x = inputOffset + r * features;
            for (int v = 0; v < count; v++)
            {
                int w = v * features;
                long basis = 0;
                if (form == 2)
                {
                    for (int f = 0; f < features; f++) { long d = input[x + f] - vectors[w + f]; basis += d * d; }
                }
                else
                {
                    int dot = 0;
                    for (int f = 0; f < features; f++) dot += (input[x + f] - zeroPoint) * vectors[w + f];
                    basis = form == 1 ? (dot + (long)offset < 0 ? -(dot + (long)offset) : dot + (long)offset) : dot;
                }
                long value = sign * basis;
                int key = value > int.MaxValue ? int.MaxValue : value < int.MinValue ? int.MinValue : (int)value;
                int lo = 0, hi = levels.Length;
                while (lo < hi)
                {
                    int mid = (lo + hi) >> 1;
                    if (key >= levels[mid]) lo = mid + 1; else hi = mid;
                }
                output[outputOffset + r * count + v] = (sbyte)(lo - 128);
            }
        }
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output); w.Int(Rows); w.Int(Features); w.Int(ZeroPoint);
        w.Int(Vectors.Length);
        foreach (short v in Vectors) w.Int(v);
        w.Byte((byte)Kernel); w.Int(Form); w.Int(Sign); w.Int(Offset); w.Ints(Levels);
    }

    public static SupportVectorKernelInt8 Read(PlanBinaryReader r, string source)
    {
        var input = r.Slice();
        var output = r.Slice();
        int rows = r.Int(), features = r.Int(), zeroPoint = r.Int();
        var vectors = new short[r.Int()];
        for (int i = 0; i < vectors.Length; i++) vectors[i] = (short)r.Int();
        var kernel = (SvmKernel)r.Byte();
        int form = r.Int(), sign = r.Int(), offset = r.Int();
        return new SupportVectorKernelInt8(source, input, output, rows, features, zeroPoint, vectors, kernel, form, sign, offset, r.Ints());
    }

    private string Arguments => $"rows: {Rows}, features: {Features}, zeroPoint: {ZeroPoint}";
    private string FormArguments => $"form: {Form} /* {Kernel}: {(Form == Distance ? "squared distance" : Form == EvenPower ? "even power" : "dot product")} */, sign: {Sign}, offset: {Offset}";

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"SupportVectorKernel({Input.Expression(code)}, {Arguments}, {name}Vectors, {FormArguments}, {name}Levels, {Output.Expression(code)});");

    public override void EmitNanoCall(CodeWriter code, string name) =>
        code.Line($"SupportVectorKernel({Input.NanoArguments(code)}, {Arguments}, {name}Vectors, {FormArguments}, {name}Levels, {Output.NanoArguments(code)});");

    public override void EmitData(CodeWriter code, string name)
    {
        EmitArrays.Shorts(code, $"{name}Vectors", Vectors, Form == Distance
            ? $"{VectorCount} support vectors of {Features} features on the input's grid"
            : $"{VectorCount} support vectors of {Features} features, int8 on one symmetric scale");
        EmitArrays.Ints(code, $"{name}Levels", Levels, $"the {Kernel} kernel's levels: entry j is the smallest sign × basis whose value quantizes to −127 + j or above");
    }
}
