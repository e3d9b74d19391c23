using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using ModelBaker.Core.Calibration;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Interpreter;

namespace ModelBaker.Core.Reporting;

/// <summary>
/// The baked model against the float model on validation inputs. A classifier (one class-vector output) is judged by
/// top-1: against the labels when given, and by agreement with the float model; every output, of any model, by its
/// relative RMS error and SNR. Percentages for top-1 and agreement; both null for a model that is not a classifier.
/// </summary>
public sealed record AccuracyResult(int Samples, double? FloatTop1, double? BakedTop1, double? Agreement)
{
    /// <summary>Points lost: of top-1 when there are labels, else of agreement with the float model; null when not a classifier.</summary>
    public double? Drop => FloatTop1 is { } f && BakedTop1 is { } b ? f - b : 100 - Agreement;

    /// <summary>Validation samples that are also calibration samples (MB1307): with any, the figures are optimistic.</summary>
    public int CalibrationSamples { get; init; }

    /// <summary>True when the model has one class-vector output and top-1 judges it (MaxAccuracyDrop's gate).</summary>
    public bool Classifier => Agreement != null;

    /// <summary>Each output's measure, in the model's output order.</summary>
    public IReadOnlyList<OutputMeasure> Outputs { get; init; } = Array.Empty<OutputMeasure>();
}

/// <summary>
/// One output against the float model's: <see cref="Measure"/> names what <see cref="Value"/> is — "top1Agreement" (a
/// percentage) for a classifier's class vector, else "relativeError" — and every output has its relative RMS error
/// √(Σ (baked − float)² / Σ float²) over all validation samples and the SNR in dB, 10·log10(Σ float² / Σ (baked − float)²)
/// (null when the outputs are equal).
/// </summary>
public sealed record OutputMeasure(string Name, string Measure, double Value, double RelativeError, double? SnrDb)
{
    public const string TopOneAgreement = "top1Agreement";
    public const string RelativeErrorMeasure = "relativeError";
}

public static class Evaluation
{
    /// <summary>
    /// The index of the output top-1 judges: the plan's only float output when it is a class vector (at least two values,
    /// at most one dimension longer than 1, as [1, 10]); −1 when the model has several float outputs (detection), a
    /// scalar or a map (regression, segmentation). Integer outputs (a classical model's labels) do not count.
    /// </summary>
    public static int ClassVectorOutput(BakedPlan plan)
    {
        var floats = Enumerable.Range(0, plan.Outputs.Count).Where(i => plan.Outputs[i].ComputeType == Ir.ElementType.Float32).ToList();
        if (floats.Count != 1) return -1;
        var shape = plan.Outputs[floats[0]].Shape;
        return shape.Aggregate(1L, (n, d) => n * d) >= 2 && shape.Count(d => d > 1) == 1 ? floats[0] : -1;
    }

    /// <summary>
    /// Runs both plans on every validation sample; compares the top-1 class of the class-vector output (if any) with
    /// each other and, when <paramref name="labels"/> are given, with the labels; and sums every output's squared
    /// differences and magnitudes.
    /// </summary>
    public static AccuracyResult Compare(BakedPlan reference, BakedPlan baked, CalibrationSet inputs, IReadOnlyList<int>? labels)
    {
        int classes = ClassVectorOutput(reference);
        int outputs = reference.Outputs.Count;
        int samples = 0, floatCorrect = 0, bakedCorrect = 0, agree = 0;
        var difference = new double[outputs];
        var magnitude = new double[outputs];
        // Samples run in parallel, a few at a time, each plan on its own arena (a big model's validation is minutes of
        // interpreter time); the counts and sums are taken in sample order, so they do not depend on the scheduling.
        var batch = new List<Array[]>();
        void RunBatch()
        {
            var results = new (Array[] Expected, Array[] Actual)[batch.Count];
            Parallel.For(0, batch.Count, s => results[s] = (PlanInterpreter.RunTensors(reference, batch[s]), PlanInterpreter.RunTensors(baked, batch[s])));
            foreach (var (expected, actual) in results)
            {
                if (classes >= 0)
                {
                    int want = ArgMax(expected[classes]), got = ArgMax(actual[classes]);
                    if (labels != null)
                    {
                        floatCorrect += want == labels[samples] ? 1 : 0;
                        bakedCorrect += got == labels[samples] ? 1 : 0;
                    }
                    agree += want == got ? 1 : 0;
                }
                for (int o = 0; o < outputs; o++)
                    for (int i = 0; i < expected[o].Length && i < actual[o].Length; i++)
                    {
                        double f = ToDouble(expected[o].GetValue(i)), b = ToDouble(actual[o].GetValue(i));
                        difference[o] += (b - f) * (b - f);
                        magnitude[o] += f * f;
                    }
                samples++;
            }
            batch.Clear();
        }
        foreach (var sample in inputs.Samples())
        {
            batch.Add(sample);
            if (batch.Count == 2 * Environment.ProcessorCount) RunBatch();
        }
        if (batch.Count > 0) RunBatch();
        double Percent(int n) => samples == 0 ? 0 : 100.0 * n / samples;
        bool classifier = classes >= 0;
        var measures = Enumerable.Range(0, outputs).Select(o =>
        {
            double relative = RelativeError(difference[o], magnitude[o]);
            double? snr = difference[o] == 0 ? null : magnitude[o] == 0 ? double.NegativeInfinity : 10 * Math.Log10(magnitude[o] / difference[o]);
            return o == classes
                ? new OutputMeasure(reference.Outputs[o].Name, OutputMeasure.TopOneAgreement, Percent(agree), relative, snr)
                : new OutputMeasure(reference.Outputs[o].Name, OutputMeasure.RelativeErrorMeasure, relative, relative, snr);
        }).ToList();
        return new AccuracyResult(samples, classifier && labels != null ? Percent(floatCorrect) : null,
            classifier && labels != null ? Percent(bakedCorrect) : null, classifier ? Percent(agree) : null) { Outputs = measures };
    }

    /// <summary>√(Σ d² / Σ f²); √(Σ d²) when the float output is all zero (then any difference is absolute).</summary>
    public static double RelativeError(double difference, double magnitude) =>
        magnitude == 0 ? Math.Sqrt(difference) : Math.Sqrt(difference / magnitude);

    private static double ToDouble(object? value) => Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Index of the largest value (the first, on ties) of a float or integer output.</summary>
    public static int ArgMax(Array values)
    {
        int best = 0;
        double bestValue = double.NegativeInfinity;
        for (int i = 0; i < values.Length; i++)
        {
            double v = ToDouble(values.GetValue(i));
            if (v > bestValue) { bestValue = v; best = i; }
        }
        return best;
    }
}
