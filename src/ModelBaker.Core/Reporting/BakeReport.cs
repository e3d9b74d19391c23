using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace ModelBaker.Core.Reporting;

/// <summary>
/// What a bake did to the model, written next to the plan as <c>&lt;model&gt;.report.json</c>
/// (docs/compression.md): sizes before and after, sparsity, arena, per-layer details, and the validation result.
/// </summary>
public sealed record BakeReport(
    string Model,
    string Precision,
    long FloatWeightBytes,
    long BakedWeightBytes,
    int ArenaBytes,
    double AchievedSparsity,
    IReadOnlyList<LayerReport> Layers,
    AccuracyResult? Validation)
{
    /// <summary>The arena size no placement can beat (MemoryPlanner.LowerBoundBytes): what ArenaBytes is measured against.</summary>
    public int ArenaLowerBoundBytes { get; init; }

    /// <summary>With Sparsity="auto": what the search chose, from what, and what it cost; null otherwise.</summary>
    public SearchReport? Search { get; init; }

    /// <summary>With Sparsity="auto": the settings it tried as a trade-off chart (SVG), written next to the report.</summary>
    public string? SearchChart() => Search is { } s && Validation is { } v
        ? TradeOffChart.Svg($"{Model}: settings tried by Sparsity=\"auto\"", v.FloatTop1 != null ? "top-1 drop" : "agreement drop",
            s.Trials.Select(t => new TradeOffChart.Point(t.Label, t.Bytes, t.Drop)).ToList(), s.MaxAccuracyDrop)
        : null;

    /// <summary>What automatic recovery measured and did; null when it did not run (docs/compression.md, "Automatic recovery").</summary>
    public RecoveryReport? Recovery { get; init; }

    /// <summary>
    /// A plain int8 classifier with calibration data and no Validation: its agreement with the float model on calibration
    /// samples (optimistic: calibrated on them); null otherwise.
    /// </summary>
    public AccuracyResult? CalibrationCheck { get; init; }

    /// <summary>Steps of an int8 plan that run in float, in float islands (docs/compression.md).</summary>
    public int FloatSteps => Layers.Count(l => l.RunsInFloat != null);

    /// <summary>The one line a build prints per model.</summary>
    public string Summary(string className)
    {
        var line = new StringBuilder(string.Format(CultureInfo.InvariantCulture,
            "ModelBaker: {0} → {1}: {2:N0} B → {3:N0} B ({4:0.0}x smaller), {5}, sparsity {6:0.00}, arena {7:N0} B",
            Model, className, FloatWeightBytes, BakedWeightBytes, BakedWeightBytes == 0 ? 0 : (double)FloatWeightBytes / BakedWeightBytes,
            Precision.ToLowerInvariant(), AchievedSparsity, ArenaBytes));
        if (FloatSteps > 0)
            line.Append(FloatSteps == 1 ? ", 1 step runs in float" : $", {FloatSteps} steps run in float");
        if (Validation is { } v)
            line.Append(v.FloatTop1 is { } f && v.BakedTop1 is { } b
                ? string.Format(CultureInfo.InvariantCulture, ", top-1 {0:0.00}% → {1:0.00}%", f, b)
                : v.Agreement is { } a ? string.Format(CultureInfo.InvariantCulture, ", agreement with float {0:0.00}%", a)
                : ", output error " + OutputErrors(v.Outputs));
        // Which data judged the model: the Validation inputs, or the calibration samples recovery held back.
        if (Validation is { } judged)
            line.Append(string.Format(CultureInfo.InvariantCulture, " on {0} validation samples", judged.Samples));
        else if (Recovery is { } held)
            line.Append(string.Format(CultureInfo.InvariantCulture, ", agreement with float {0:0.00}% on {1} held-back calibration samples",
                100 - held.KeptStep.Drop, held.Samples));
        else if (CalibrationCheck is { Agreement: { } agreement } check)
            line.Append(string.Format(CultureInfo.InvariantCulture, ", agreement with float {0:0.00}% on {1} calibration samples (optimistic: calibrated on them)",
                agreement, check.Samples));
        if (Validation is { CalibrationSamples: > 0 } seen)
            line.Append(string.Format(CultureInfo.InvariantCulture, " (optimistic: {0} of the {1} validation samples are calibration samples)",
                seen.CalibrationSamples, seen.Samples));
        if (Recovery is { Escalated: true } r)
            line.Append(string.Format(CultureInfo.InvariantCulture, ", recovered by {0}: drop {1:0.00} → {2:0.00} points (budget {3:0.##}, {4:0.0} s more)",
                r.KeptStep.Name, r.Steps[0].Drop, r.KeptStep.Drop, r.Budget, r.Steps.Skip(1).Sum(step => step.Seconds)));
        if (Search != null) line.Append(", ").Append(Search.Summary);
        return line.ToString();
    }

    /// <summary>"'boxes' 0.70% (SNR 43.1 dB), 'scores' 0.31% (…)": each output's relative error, the first four.</summary>
    private static string OutputErrors(IReadOnlyList<OutputMeasure> outputs) =>
        string.Join(", ", outputs.Take(4).Select(o => string.Format(CultureInfo.InvariantCulture, "'{0}' {1:0.00}% ({2})", o.Name, 100 * o.RelativeError,
            o.SnrDb is { } snr ? string.Format(CultureInfo.InvariantCulture, "SNR {0:0.0} dB", snr) : "exact"))) +
        (outputs.Count > 4 ? $" and {outputs.Count - 4} more" : "");

    public string ToJson()
    {
        var json = new JsonWriter();
        json.Open();
        json.Field("model", Model);
        json.Field("precision", Precision);
        json.Field("floatWeightBytes", FloatWeightBytes);
        json.Field("bakedWeightBytes", BakedWeightBytes);
        json.Field("arenaBytes", ArenaBytes);
        json.Field("arenaLowerBoundBytes", ArenaLowerBoundBytes);
        json.Field("achievedSparsity", AchievedSparsity);
        if (FloatSteps > 0) json.Field("floatSteps", FloatSteps);
        json.OpenArray("layers");
        foreach (var layer in Layers)
        {
            json.Open();
            json.Field("name", layer.Name);
            json.Field("op", layer.Op);
            json.Field("parameters", layer.Parameters);
            json.Field("sparsity", layer.Sparsity);
            json.Field("encoding", layer.Encoding);
            json.Field("bytes", layer.Bytes);
            json.Field("clusters", layer.Clusters);
            json.Field("outputError", layer.OutputError);
            if (layer.RunsInFloat != null) json.Field("runsInFloat", layer.RunsInFloat);
            if (layer.Overhead is { } overhead)
            {
                json.Field("biasBytes", overhead.Bias);
                json.Field("multiplierBytes", overhead.Multipliers);
                json.Field("shiftBytes", overhead.Shifts);
            }
            if (layer.Flag != null) json.Field("flag", layer.Flag);
            json.Close();
        }
        json.CloseArray();
        if (Validation is { } v)
        {
            json.OpenObject("validation");
            json.Field("samples", v.Samples);
            json.Field("floatTop1", v.FloatTop1);
            json.Field("bakedTop1", v.BakedTop1);
            json.Field("agreement", v.Agreement);
            if (v.CalibrationSamples > 0) json.Field("calibrationSamples", v.CalibrationSamples);
            json.OpenArray("outputs");
            foreach (var o in v.Outputs)
            {
                json.Open();
                json.Field("name", o.Name);
                json.Field("measure", o.Measure);
                json.Field("value", o.Value);
                json.Field("relativeError", o.RelativeError);
                json.Field("snrDb", o.SnrDb);
                json.Close();
            }
            json.CloseArray();
            json.Close();
        }
        Search?.Write(json);
        if (CalibrationCheck is { } check)
        {
            // Optimistic by construction: the int8 ranges were calibrated on these samples (Validation judges fairly).
            json.OpenObject("calibrationCheck");
            json.Field("samples", check.Samples);
            json.Field("agreement", check.Agreement);
            json.Close();
        }
        if (Recovery is { } recovery)
        {
            json.OpenObject("recovery");
            json.Field("judgedOn", recovery.JudgedOn);
            json.Field("samples", recovery.Samples);
            if (recovery.HoldBackEvery > 0) json.Field("holdBackEvery", recovery.HoldBackEvery);
            json.Field("budget", recovery.Budget);
            json.Field("defaultBudget", recovery.DefaultBudget);
            json.Field("kept", recovery.KeptStep.Name);
            json.OpenArray("steps");
            foreach (var step in recovery.Steps)
            {
                json.Open();
                json.Field("name", step.Name);
                json.Field("settings", step.Settings);
                json.Field("drop", step.Drop);
                json.Field("seconds", Math.Round(step.Seconds, 1));
                json.Field("withinBudget", step.WithinBudget);
                json.Close();
            }
            json.CloseArray();
            json.Close();
        }
        json.Close();
        return json.ToString();
    }
}

/// <summary>
/// One step of the baked plan in the report. OutputError is the relative RMS difference between the step's output in
/// the baked model and in the float model, on the validation (else calibration) inputs.
/// </summary>
public sealed record LayerReport(string Name, string Op, long Parameters, double Sparsity, string Encoding, long Bytes, int Clusters, double? OutputError)
{
    /// <summary>In an int8 plan, why this step runs in float (a float island, docs/compression.md); null for an int8 step.</summary>
    public string? RunsInFloat { get; init; }

    /// <summary>
    /// Set when the step's output error spikes above its neighbours' (<see cref="ErrorSpikes"/>): "error spike: " and the
    /// likely cause; null otherwise.
    /// </summary>
    public string? Flag { get; init; }

    /// <summary>
    /// An int8 weighted step's per-channel constants besides its weights, in bytes (included in <see cref="Bytes"/>):
    /// biases (2 each when they fit 16 bits, else 4), requantization multipliers (2 each, or one for the layer) and shifts
    /// (1 each, or one shared); null for other steps.
    /// </summary>
    public (int Bias, int Multipliers, int Shifts)? Overhead { get; init; }
}
