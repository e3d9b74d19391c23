using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// The element-wise functions of float plans. Numbers are stored in plans: a new function gets a new number.
/// Alpha and beta are the function's parameters (unused ones are 0).
/// </summary>
public enum UnaryFunction
{
    Relu = 0,
    Sigmoid = 1,
    Tanh = 2,
    /// <summary>x ≥ 0 ? x : alpha · x.</summary>
    LeakyRelu = 3,
    /// <summary>max(0, min(1, alpha · x + beta)).</summary>
    HardSigmoid = 4,
    /// <summary>x · max(0, min(1, x / 6 + 1/2)).</summary>
    HardSwish = 5,
    /// <summary>x ≥ 0 ? x : alpha · (e^x − 1).</summary>
    Elu = 6,
    /// <summary>beta · (x > 0 ? x : alpha · (e^x − 1)), beta being ONNX's gamma.</summary>
    Selu = 7,
    /// <summary>ln(1 + e^x).</summary>
    Softplus = 8,
    Exp = 9,
    Sqrt = 10,
    Neg = 11,
    Abs = 12,
    /// <summary>min(max(x, alpha), beta): Clip that could not be fused into the step before it.</summary>
    Clip = 13,
    Floor = 14,
    Ceil = 15,
    /// <summary>To the nearest integer, halves to even (ONNX Round).</summary>
    Round = 16,
    /// <summary>−1, 0 or 1 (NaN stays NaN).</summary>
    Sign = 17,
    /// <summary>x to the power alpha (Pow with a constant scalar exponent).</summary>
    Pow = 18,
    /// <summary>x fmod alpha: the remainder with the dividend's sign, as C's fmod (Mod fmod=1 by a constant scalar; NaN for 0).</summary>
    FMod = 19,
    /// <summary>The natural logarithm (−∞ at 0, NaN below).</summary>
    Log = 20,
    /// <summary>1 / x.</summary>
    Reciprocal = 21,
    // Transformer functions numbered apart from the others (140 on), as issue 17's branches add functions in parallel.
    /// <summary>The error function, erf(x) = 2/√π ∫₀ˣ e^(−t²) dt.</summary>
    Erf = 140,
    /// <summary>x · Φ(x) = x/2 · (1 + erf(x/√2)) for alpha 0; alpha 1: the tanh approximation x/2 · (1 + tanh(√(2/π) · (x + 0.044715 x³))).</summary>
    Gelu = 141,
}

/// <summary>output[i] = f(input[i]) for a function that could not be fused into the layer before it.</summary>
public sealed class UnaryFloat : FloatKernel, IDifferentiable
{
    public UnaryFloat(string source, UnaryFunction function, ArenaSlice input, ArenaSlice output, float alpha = 0f, float beta = 0f)
        : base(source)
    {
        Function = function;
        Alpha = alpha;
        Beta = beta;
        Input = input;
        Output = output;
    }

    public UnaryFunction Function { get; }
    public float Alpha { get; }
    public float Beta { get; }
    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }

    /// <summary>
    /// Every function becomes a 256-entry table of the float function itself (so int8 follows the float plan exactly
    /// at the table's points); functions with a fixed output range get TensorFlow Lite's fixed output scales, unless a
    /// QDQ model fixes the output's parameters itself (a table maps any input grid to any output grid).
    /// </summary>
    public override Kernel Quantize(QuantizationContext context)
    {
        Func<double, double> f = x => Apply((int)Function, Alpha, Beta, (float)x);
        QuantizationParameters? fixedOutput = context.HasParameters(Output) ? null : Function switch
        {
            UnaryFunction.Sigmoid or UnaryFunction.HardSigmoid => new QuantizationParameters(1.0 / 256, -128),
            UnaryFunction.Tanh => new QuantizationParameters(1.0 / 128, 0),
            _ => null,
        };
        return LookupInt8.From(Source, Function.ToString(), f, Input, Output, context, fixedOutput);
    }

    public override KernelKind Kind => KernelKind.UnaryFloat;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 0;
    public override IEnumerable<string> Helpers => new[] { nameof(UnaryFloat) };

    public override void Run(PlanArena arena) =>
        Unary((int)Function, Alpha, Beta, arena.Floats(Input), arena.Floats(Output));

    // <emit>
    /// <summary>Element-wise function (codes: see the comment where it is called).</summary>
    public static void Unary(int function, float alpha, float beta, ReadOnlySpan<float> input, Span<float> output)
    {
        for (int i = 0; i < input.Length; i++) output[i] = Apply(function, alpha, beta, input[i]);
    }

    /// <summary>
    /// One element: 0 Relu, 1 Sigmoid, 2 Tanh, 3 LeakyRelu, 4 HardSigmoid, 5 HardSwish, 6 Elu, 7 Selu, 8 Softplus,
    /// 9 Exp, 10 Sqrt, 11 Neg, 12 Abs, 13 Clip, 14 Floor, 15 Ceil, 16 Round (halves to even), 17 Sign, 18 Pow (x^alpha), 19 x fmod alpha,
    /// 20 Log, 21 Reciprocal,
    /// 140 Erf, 141 Gelu (alpha 1: its tanh approximation).
    /// Transcendentals in double, rounded once to float.
    /// </summary>
    public static float Apply(int function, float alpha, float beta, float x)
    {
        switch (function)
        {
            case 0: return x > 0f ? x : 0f;
            case 1: return (float)(1.0 / (1.0 + Math.Exp(-x)));
            case 2: return (float)Math.Tanh(x);
            case 3: return x >= 0f ? x : alpha * x;
            case 4: { float y = alpha * x + beta; return y < 0f ? 0f : y > 1f ? 1f : y; }
            case 5: { float y = x / 6f + 0.5f; return x * (y < 0f ? 0f : y > 1f ? 1f : y); }
            case 6: return x >= 0f ? x : (float)(alpha * (Math.Exp(x) - 1.0));
            case 7: return x > 0f ? beta * x : (float)(beta * (alpha * (Math.Exp(x) - 1.0)));
            case 8: return (float)(x > 0f ? x + Math.Log(1.0 + Math.Exp(-x)) : Math.Log(1.0 + Math.Exp(x)));
            case 9: return (float)Math.Exp(x);
            case 10: return (float)Math.Sqrt(x);
            case 11: return -x;
            case 12: return x < 0f ? -x : x;
            case 13: { float y = x < alpha ? alpha : x; return y > beta ? beta : y; }
            case 14: return (float)Math.Floor(x);
            case 15: return (float)Math.Ceiling(x);
            case 16: return (float)Math.Round(x, MidpointRounding.ToEven);
            case 17: return x > 0f ? 1f : x < 0f ? -1f : x;
            case 19: return x % alpha;
            case 20: return (float)Math.Log(x);
            case 21: return 1f / x;
            case 140: return (float)Erf(x);
            case 141:
                return alpha == 0f
                    ? (float)(0.5 * x * (1.0 + Erf(x * 0.70710678118654752)))
                    : (float)(0.5 * x * (1.0 + Math.Tanh(0.79788456080286536 * (x + 0.044715 * x * x * x))));
            default: return (float)Math.Pow(x, alpha);
        }
    }

    /// <summary>
    /// erf(x) in double, within 1e-14: its Taylor series 2/√π Σ (−1)ⁿ x^(2n+1) / (n! (2n+1)) below |x| = 2.5, and above
    /// it 1 − erfc(x) with erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), Laplace's continued
    /// fraction, 24 levels deep (ample from 2.5 on).
    /// </summary>
    public static double Erf(double x)
    {
        double a = x < 0 ? -x : x, result;
        if (double.IsNaN(x)) return x;
        if (a < 2.5)
        {
            double square = a * a, term = a, sum = a;
            for (int n = 1; n < 100; n++)
            {
                term *= -square / n;
                double next = term / (2 * n + 1);
                sum += next;
                if ((next < 0 ? -next : next) <= 1e-17 * sum) break;
            }
            result = 1.1283791670955126 * sum; // 2/√π
        }
        else if (a > 6.0) result = 1.0; // erfc(6) ≈ 2e-17
        else
        {
            double fraction = 0;
            for (int k = 24; k > 0; k--) fraction = k * 0.5 / (a + fraction);
            result = 1.0 - Math.Exp(-a * a) * 0.56418958354775628 / (a + fraction); // 1/√π
        }
        return x < 0 ? -result : result;
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Byte((byte)Function); w.Float(Alpha); w.Float(Beta); w.Slice(Input); w.Slice(Output);
    }

    public static UnaryFloat Read(PlanBinaryReader r, string source)
    {
        var function = (UnaryFunction)r.Byte();
        float alpha = r.Float(), beta = r.Float();
        return new UnaryFloat(source, function, r.Slice(), r.Slice(), alpha, beta);
    }

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"Unary({(int)Function} /* {Function} */, alpha: {CodeWriter.Float(Alpha)}, beta: {CodeWriter.Float(Beta)}, {Input.Expression(code)}, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name) { }

    /// <summary>y = f(x) element by element: dx = f′(x) · dy, from the input and the output the forward pass kept.</summary>
    public string? NoGradient => null;

    public void Backward(float[][] inputs, float[] output, double[] gradient, double[][] inputGradients)
    {
        float[] input = inputs[0];
        double[] inputGradient = inputGradients[0];
        double alpha = Alpha, beta = Beta;
        for (int i = 0; i < gradient.Length; i++)
        {
            double x = input[i], y = output[i];
            double slope = Function switch
            {
                UnaryFunction.Relu => x > 0 ? 1 : 0,
                UnaryFunction.Sigmoid => y * (1 - y),
                UnaryFunction.Tanh => 1 - y * y,
                UnaryFunction.LeakyRelu => x >= 0 ? 1 : alpha,
                UnaryFunction.HardSigmoid => alpha * x + beta is > 0 and < 1 ? alpha : 0,
                UnaryFunction.HardSwish => x <= -3 ? 0 : x >= 3 ? 1 : x / 3 + 0.5,
                UnaryFunction.Elu => x >= 0 ? 1 : alpha * Math.Exp(x),
                UnaryFunction.Selu => x > 0 ? beta : beta * alpha * Math.Exp(x),
                UnaryFunction.Softplus => 1 / (1 + Math.Exp(-x)),
                UnaryFunction.Exp => y,
                UnaryFunction.Sqrt => y > 0 ? 0.5 / y : 0,
                UnaryFunction.Neg => -1,
                UnaryFunction.Abs => x > 0 ? 1 : x < 0 ? -1 : 0,
                UnaryFunction.Clip => x > alpha && x < beta ? 1 : 0,
                UnaryFunction.Pow => alpha * Math.Pow(x, alpha - 1),
                UnaryFunction.Log => 1 / x,
                UnaryFunction.Reciprocal => -y * y,
                UnaryFunction.FMod => 1, // x − alpha · trunc(x / alpha): slope 1 between its jumps
                UnaryFunction.Floor or UnaryFunction.Ceil or UnaryFunction.Round or UnaryFunction.Sign => 0, // steps: flat almost everywhere
                UnaryFunction.Erf => 1.1283791670955126 * Math.Exp(-x * x),
                UnaryFunction.Gelu when alpha == 0 => 0.5 * (1 + Erf(x * 0.70710678118654752)) + x * 0.3989422804014327 * Math.Exp(-0.5 * x * x),
                UnaryFunction.Gelu => GeluTanhSlope(x),
                _ => throw new InvalidOperationException($"No gradient for {Function}."),
            };
            inputGradient[i] += slope * gradient[i];
        }
    }

    /// <summary>d/dx of x/2 · (1 + tanh(u)), u = √(2/π) (x + 0.044715 x³).</summary>
    private static double GeluTanhSlope(double x)
    {
        const double c = 0.79788456080286536;
        double t = Math.Tanh(c * (x + 0.044715 * x * x * x));
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x);
    }
}
