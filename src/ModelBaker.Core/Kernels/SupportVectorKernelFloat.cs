using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>The <c>kernel_type</c> of ai.onnx.ml SVMClassifier and SVMRegressor.</summary>
public enum SvmKernel : byte
{
    Linear = 0,
    Poly = 1,
    Rbf = 2,
    Sigmoid = 3,
}

/// <summary>
/// The kernel values of an SVM, [rows, features] in, [rows, vectors] out: k(x, v) for every support vector v — x·v
/// (LINEAR), (γ x·v + c₀)^degree (POLY), e^(−γ |x − v|²) (RBF) or tanh(γ x·v + c₀) (SIGMOID), as ONNX Runtime computes them.
/// </summary>
public sealed class SupportVectorKernelFloat : FloatKernel
{
    public SupportVectorKernelFloat(string source, ArenaSlice input, ArenaSlice output, int rows, int features, float[] vectors,
        SvmKernel kernel, float gamma, float coef0, float degree) : base(source)
    {
        if (features <= 0 || vectors.Length % features != 0) throw new ArgumentException("Support vectors must be [vectors, features].", nameof(vectors));
        Input = input;
        Output = output;
        Rows = rows;
        Features = features;
        Vectors = vectors;
        Kernel = kernel;
        Gamma = gamma;
        Coef0 = coef0;
        Degree = degree;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public int Rows { get; }
    public int Features { get; }
    /// <summary>[vectors, features], row-major.</summary>
    public float[] Vectors { get; }
    public SvmKernel Kernel { get; }
    public float Gamma { get; }
    public float Coef0 { get; }
    public float Degree { get; }
    public int VectorCount => Vectors.Length / Features;

    /// <summary>The int8 form: an integer basis per vector and a level table of the kernel function (<see cref="SupportVectorKernelInt8"/>).</summary>
    public override Kernel Quantize(QuantizationContext context) => SupportVectorKernelInt8.From(this, context);

    public override KernelKind Kind => KernelKind.SupportVectorKernelFloat;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 4 * Vectors.Length;
    public override int Parameters => Vectors.Length;
    public override IEnumerable<string> Helpers => new[] { nameof(SupportVectorKernelFloat) };

    public override void Run(PlanArena arena) =>
        SupportVectorKernel(arena.Floats(Input), Rows, Features, Vectors, (int)Kernel, Gamma, Coef0, Degree, arena.Floats(Output));

    // <emit>
    /// <summary>
    /// k(x, v) of each row x of [rows, features] with each support vector v of [vectors, features]: kernel 0 x·v,
    /// 1 (γ x·v + c₀)^degree, 2 e^(−γ |x − v|²), 3 tanh(γ x·v + c₀).
    /// </summary>
    public static void SupportVectorKernel(ReadOnlySpan<float> input, int rows, int features, ReadOnlySpan<float> vectors, int kernel,
        float gamma, float coef0, float degree, Span<float> output)
    {
        int count = vectors.Length / features;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> x = input.Slice(r * features, features);
            for (int v = 0; v < count; v++)
            {
                ReadOnlySpan<float> sv = vectors.Slice(v * features, features);
                float sum = 0f;
                if (kernel == 2)
                {
                    for (int f = 0; f < features; f++) { float d = x[f] - sv[f]; sum += d * d; }
                    output[r * count + v] = (float)Math.Exp(-gamma * sum);
                    continue;
                }
                for (int f = 0; f < features; f++) sum += x[f] * sv[f];
                if (kernel == 0) { output[r * count + v] = sum; continue; }
                float y = gamma * sum + coef0;
                output[r * count + v] = kernel == 3 ? (float)Math.Tanh(y)
                    : degree == 2f ? y * y : degree == 3f ? y * y * y : (float)Math.Pow(y, degree);
            }
        }
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output); w.Int(Rows); w.Int(Features); w.Floats(Vectors);
        w.Byte((byte)Kernel); w.Float(Gamma); w.Float(Coef0); w.Float(Degree);
    }

    public static SupportVectorKernelFloat Read(PlanBinaryReader r, string source) =>
        new(source, r.Slice(), r.Slice(), r.Int(), r.Int(), r.Floats(), (SvmKernel)r.Byte(), r.Float(), r.Float(), r.Float());

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"SupportVectorKernel({Input.Expression(code)}, rows: {Rows}, features: {Features}, {name}Vectors, kernel: {(int)Kernel} /* {Kernel} */, " +
                  $"gamma: {CodeWriter.Float(Gamma)}, coef0: {CodeWriter.Float(Coef0)}, degree: {CodeWriter.Float(Degree)}, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name) =>
        EmitArrays.Floats(code, $"{name}Vectors", Vectors, $"{VectorCount} support vectors of {Features} features");
}
