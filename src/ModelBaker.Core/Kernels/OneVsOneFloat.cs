using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// The one-vs-one decision values of a support vector classifier (libsvm's layout, as ONNX Runtime reads it): from the
/// kernel values [rows, vectors], for every class pair i &lt; j, Σ coef[j − 1][v] k(v) over i's vectors + Σ coef[i][v] k(v)
/// over j's vectors + rho[pair] (summed in double) — [rows, pairs] out.
/// </summary>
public sealed class OneVsOneFloat : FloatKernel
{
    public OneVsOneFloat(string source, ArenaSlice input, ArenaSlice output, int rows, int[] vectorsPerClass, float[] coefficients, float[] rho)
        : base(source)
    {
        int classes = vectorsPerClass.Length, vectors = vectorsPerClass.Sum();
        if (coefficients.Length != (classes - 1) * vectors || rho.Length != classes * (classes - 1) / 2)
            throw new ArgumentException("Coefficients must be [classes − 1, vectors] and rho one per class pair.");
        Input = input;
        Output = output;
        Rows = rows;
        VectorsPerClass = vectorsPerClass;
        Coefficients = coefficients;
        Rho = rho;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public int Rows { get; }
    public int[] VectorsPerClass { get; }
    /// <summary>[classes − 1, vectors], row-major (libsvm's dual coefficients).</summary>
    public float[] Coefficients { get; }
    /// <summary>One per class pair (0,1), (0,2), …, (1,2), ….</summary>
    public float[] Rho { get; }

    /// <summary>
    /// The int8 form: the decision values are a linear map of the kernel values, so an int8 fully connected step with the
    /// coefficients laid out densely ([pairs, vectors], zero where a vector belongs to neither class) and rho as its bias
    /// (one weight scale per pair).
    /// </summary>
    public override Kernel Quantize(QuantizationContext context)
    {
        int classes = VectorsPerClass.Length, vectors = Coefficients.Length / (classes - 1);
        var dense = new float[Rho.Length * vectors];
        int pair = 0, startI = 0;
        for (int i = 0; i < classes - 1; i++)
        {
            int startJ = startI + VectorsPerClass[i];
            for (int j = i + 1; j < classes; j++)
            {
                for (int m = 0; m < VectorsPerClass[i]; m++) dense[pair * vectors + startI + m] = Coefficients[(j - 1) * vectors + startI + m];
                for (int m = 0; m < VectorsPerClass[j]; m++) dense[pair * vectors + startJ + m] = Coefficients[i * vectors + startJ + m];
                pair++;
                startJ += VectorsPerClass[j];
            }
            startI += VectorsPerClass[i];
        }
        return new FullyConnectedFloat(Source, Input, Output, Rows, vectors, vectors, 1, dense, Rho, float.NegativeInfinity, float.PositiveInfinity)
            .Quantize(context);
    }

    public override KernelKind Kind => KernelKind.OneVsOneFloat;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 4 * (Coefficients.Length + Rho.Length + VectorsPerClass.Length);
    public override int Parameters => Coefficients.Length;
    public override IEnumerable<string> Helpers => new[] { nameof(OneVsOneFloat) };

    public override void Run(PlanArena arena) =>
        OneVsOne(arena.Floats(Input), Rows, VectorsPerClass, Coefficients, Rho, arena.Floats(Output));

    // <emit>
    /// <summary>The decision value of every class pair i &lt; j from kernel values [rows, vectors] (libsvm layout), [rows, pairs] out.</summary>
    public static void OneVsOne(ReadOnlySpan<float> kernels, int rows, ReadOnlySpan<int> vectorsPerClass, ReadOnlySpan<float> coefficients,
        ReadOnlySpan<float> rho, Span<float> output)
    {
        int classes = vectorsPerClass.Length, vectors = kernels.Length / rows;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> k = kernels.Slice(r * vectors, vectors);
            int pair = 0, startI = 0;
            for (int i = 0; i < classes - 1; i++)
            {
                int startJ = startI + vectorsPerClass[i];
                for (int j = i + 1; j < classes; j++)
                {
                    double sum = 0;
                    for (int m = 0; m < vectorsPerClass[i]; m++) sum += coefficients[(j - 1) * vectors + startI + m] * k[startI + m];
                    for (int m = 0; m < vectorsPerClass[j]; m++) sum += coefficients[i * vectors + startJ + m] * k[startJ + m];
                    sum += rho[pair];
                    output[r * rho.Length + pair++] = (float)sum;
                    startJ += vectorsPerClass[j];
                }
                startI += vectorsPerClass[i];
            }
        }
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output); w.Int(Rows); w.Ints(VectorsPerClass); w.Floats(Coefficients); w.Floats(Rho);
    }

    public static OneVsOneFloat Read(PlanBinaryReader r, string source) =>
        new(source, r.Slice(), r.Slice(), r.Int(), r.Ints(), r.Floats(), r.Floats());

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"OneVsOne({Input.Expression(code)}, rows: {Rows}, {name}VectorsPerClass, {name}Coefficients, {name}Rho, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name)
    {
        EmitArrays.Ints(code, $"{name}VectorsPerClass", VectorsPerClass, "support vectors of each class");
        EmitArrays.Floats(code, $"{name}Coefficients", Coefficients, "dual coefficients, [classes - 1, vectors]");
        EmitArrays.Floats(code, $"{name}Rho", Rho, "intercept of each class pair");
    }
}
