using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using ModelBaker.Core.Calibration;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Interpreter;

namespace ModelBaker.Core.Reporting;

/// <summary>Top-1 of the float and the baked model on validation inputs, and how often they agree.</summary>
public sealed record AccuracyResult(int Samples, double? FloatTop1, double? BakedTop1, double Agreement)
{
    /// <summary>Points lost: of top-1 when there are labels, else of agreement with the float model.</summary>
    public double Drop => FloatTop1 is { } f && BakedTop1 is { } b ? f - b : 100 - Agreement;

    /// <summary>Validation samples that are also calibration samples (MB1307): with any, the figures are optimistic.</summary>
    public int CalibrationSamples { get; init; }
}

public static class Evaluation
{
    /// <summary>
    /// Runs both plans on every validation sample and compares the top-1 class (argmax of the first output), with
    /// each other and, when <paramref name="labels"/> are given, with the labels. Values are percentages.
    /// </summary>
    public static AccuracyResult Compare(BakedPlan reference, BakedPlan baked, CalibrationSet inputs, IReadOnlyList<int>? labels)
    {
        int samples = 0, floatCorrect = 0, bakedCorrect = 0, agree = 0;
        // Samples run in parallel, a few at a time, each plan on its own arena (a big model's validation is minutes of
        // interpreter time); the counts do not depend on the order.
        var batch = new List<Array[]>();
        void RunBatch()
        {
            var classes = new (int Expected, int Actual)[batch.Count];
            Parallel.For(0, batch.Count, s => classes[s] =
                (ArgMax(PlanInterpreter.RunTensors(reference, batch[s])[0]), ArgMax(PlanInterpreter.RunTensors(baked, batch[s])[0])));
            foreach (var (expected, actual) in classes)
            {
                if (labels != null)
                {
                    floatCorrect += expected == labels[samples] ? 1 : 0;
                    bakedCorrect += actual == labels[samples] ? 1 : 0;
                }
                agree += expected == actual ? 1 : 0;
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
        return new AccuracyResult(samples, labels != null ? Percent(floatCorrect) : null, labels != null ? Percent(bakedCorrect) : null, Percent(agree));
    }

    /// <summary>Index of the largest value (the first, on ties) of a float or integer output.</summary>
    public static int ArgMax(Array values)
    {
        int best = 0;
        double bestValue = double.NegativeInfinity;
        for (int i = 0; i < values.Length; i++)
        {
            double v = Convert.ToDouble(values.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);
            if (v > bestValue) { bestValue = v; best = i; }
        }
        return best;
    }
}
