using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>The <c>post_transform</c> of ai.onnx.ml classifiers and regressors (linear, SVM, tree ensembles).</summary>
public enum PostTransform : byte
{
    None = 0,
    Logistic = 1,
    Softmax = 2,
    SoftmaxZero = 3,
    Probit = 4,
}

/// <summary>
/// How ONNX Runtime widens a binary classifier's single score column s into two ([class 0, class 1]); the post transform
/// is then not applied (ONNX Runtime's batched_update_scores_inplace).
/// </summary>
public enum SecondClass : byte
{
    /// <summary>No widening: the columns are transformed as they are.</summary>
    None = 0,
    /// <summary>[1 − s, s] (LinearClassifier with one coefficient row and two labels; SVMClassifier with a transform).</summary>
    Complement = 1,
    /// <summary>[−s, s] (SVMClassifier, no transform).</summary>
    Negation = 2,
    /// <summary>[σ(−s), σ(s)] (tree ensembles with mixed-sign weights and LOGISTIC).</summary>
    Logistic = 3,
}

/// <summary>
/// The post transform of a classical model's scores, the input seen as [rows, columns]: per row softmax, softmax that
/// leaves zeros out, logistic or probit per element, as ONNX Runtime computes them — or, for one column and a
/// <see cref="SecondClass"/>, the two-column form. Shared by LinearClassifier, LinearRegressor, SVMClassifier and
/// tree ensembles.
/// </summary>
public sealed class ScoreTransformFloat : FloatKernel
{
    public ScoreTransformFloat(string source, ArenaSlice input, ArenaSlice output, int rows, int columns, PostTransform transform,
        SecondClass second) : base(source)
    {
        Input = input;
        Output = output;
        Rows = rows;
        Columns = columns;
        Transform = transform;
        Second = second;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public int Rows { get; }
    public int Columns { get; }
    public PostTransform Transform { get; }
    public SecondClass Second { get; }

    /// <summary>
    /// The int8 form: a binary score widened by two tables (<see cref="WidenedScoresInt8"/>); SOFTMAX as
    /// <see cref="SoftmaxInt8"/> over each row, SOFTMAX_ZERO as <see cref="SoftmaxZeroInt8"/>; LOGISTIC, PROBIT (and none)
    /// element by element as a <see cref="LookupInt8"/> table. PROBIT of a score outside (0, 1), NaN in float, saturates.
    /// </summary>
    public override Kernel Quantize(QuantizationContext context)
    {
        if (Columns == 1 && Second != SecondClass.None) return WidenedScoresInt8.From(this, context);
        switch (Transform)
        {
            case PostTransform.Softmax:
                var p = context.Parameters(Input);
                context.Fix(Output, new QuantizationParameters(SoftmaxInt8.OutputScale, SoftmaxInt8.OutputZeroPoint));
                return new SoftmaxInt8(Source, Rows, Columns, 1, SoftmaxInt8.Tabulate(p.Scale), context.Slice(Input), context.Slice(Output));
            case PostTransform.SoftmaxZero:
                return SoftmaxZeroInt8.From(this, context);
            case PostTransform.Logistic:
                return LookupInt8.From(Source, "Logistic", x => 1 / (1 + Math.Exp(-x)), Input, Output, context);
            case PostTransform.Probit:
                return LookupInt8.From(Source, "Probit", x => x <= 0 ? double.NegativeInfinity : x >= 1 ? double.PositiveInfinity : Probit((float)x),
                    Input, Output, context);
            default:
                return LookupInt8.From(Source, "Identity", x => x, Input, Output, context);
        }
    }

    public override KernelKind Kind => KernelKind.ScoreTransformFloat;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 0;
    public override IEnumerable<string> Helpers => new[] { nameof(ScoreTransformFloat) };

    public override void Run(PlanArena arena) =>
        TransformScores(arena.Floats(Input), Rows, Columns, (int)Transform, (int)Second, arena.Floats(Output));

    // <emit>
    /// <summary>
    /// Post transform of [rows, columns] scores (ai.onnx.ml, as ONNX Runtime): transform 0 none, 1 logistic, 2 softmax,
    /// 3 softmax without zeros, 4 probit. One column and second ≠ 0 writes two: 1 [1 − s, s], 2 [−s, s], 3 [σ(−s), σ(s)].
    /// </summary>
    public static void TransformScores(ReadOnlySpan<float> input, int rows, int columns, int transform, int second, Span<float> output)
    {
        if (columns == 1 && second != 0)
        {
            for (int r = 0; r < rows; r++)
            {
                float s = input[r];
                output[2 * r] = second == 1 ? 1f - s : second == 2 ? -s : Logistic(-s);
                output[2 * r + 1] = second == 3 ? Logistic(s) : s;
            }
            return;
        }
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> x = input.Slice(r * columns, columns);
            Span<float> y = output.Slice(r * columns, columns);
            if (transform == 2 || transform == 3)
            {
                float max = float.MinValue;
                for (int c = 0; c < columns; c++) if (x[c] > max) max = x[c];
                float expNegMax = (float)Math.Exp(-max), sum = 0f;
                for (int c = 0; c < columns; c++)
                {
                    // Softmax-zero leaves zeros (|x| ≤ 1e-7) out of the sum: they stay 0 · e^−max.
                    bool zero = transform == 3 && x[c] <= 0.0000001f && x[c] >= -0.0000001f;
                    y[c] = zero ? x[c] * expNegMax : (float)Math.Exp(x[c] - max);
                    if (!zero) sum += y[c];
                }
                for (int c = 0; c < columns; c++) y[c] /= sum;
            }
            else
            {
                for (int c = 0; c < columns; c++)
                    y[c] = transform == 1 ? Logistic(x[c]) : transform == 4 ? Probit(x[c]) : x[c];
            }
        }
    }

    /// <summary>1 / (1 + e^−x), computed on |x| so that it never overflows.</summary>
    public static float Logistic(float x)
    {
        float v = 1f / (1f + (float)Math.Exp(-Math.Abs(x)));
        return x < 0 ? 1f - v : v;
    }

    /// <summary>√2 · erf⁻¹(2p − 1) with ONNX Runtime's approximation of erf⁻¹ (Winitzki, a = 0.147).</summary>
    public static float Probit(float p)
    {
        float x = 2f * p - 1f;
        float sign = x < 0 ? -1f : 1f;
        x = (1f - x) * (1f + x);
        float log = (float)Math.Log(x);
        float v = 2f / ((float)Math.PI * 0.147f) + 0.5f * log;
        float v2 = 1f / 0.147f * log;
        float v3 = -v + (float)Math.Sqrt(v * v - v2);
        return 1.41421356f * sign * (float)Math.Sqrt(v3);
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output); w.Int(Rows); w.Int(Columns); w.Byte((byte)Transform); w.Byte((byte)Second);
    }

    public static ScoreTransformFloat Read(PlanBinaryReader r, string source) =>
        new(source, r.Slice(), r.Slice(), r.Int(), r.Int(), (PostTransform)r.Byte(), (SecondClass)r.Byte());

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"TransformScores({Input.Expression(code)}, rows: {Rows}, columns: {Columns}, transform: {(int)Transform} /* {Transform} */, " +
                  $"second: {(int)Second} /* {Second} */, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name) { }
}
