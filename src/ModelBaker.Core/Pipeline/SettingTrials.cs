using System;
using System.Collections.Generic;
using System.IO;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Options;
using ModelBaker.Core.Reporting;

namespace ModelBaker.Core.Pipeline;

/// <summary>
/// One compression setting to try: a sparsity, optionally some layers' own sparsity (<see cref="LayerSparsity"/>), and
/// optionally a number of shared weight values per layer.
/// </summary>
public sealed record CompressionSetting(float Sparsity, int? Clusters, LayerSparsity? Layers = null)
{
    /// <summary>"0.7", "0.7 + 16 clusters", "0.7, 2 layers apart".</summary>
    public string Label => SettingText.Label(Sparsity, Clusters, Layers);

    /// <summary>The metadata that bakes this setting: Sparsity="0.7" LayerSparsity="fc1=0.9" Clusters="16".</summary>
    public string Pin => SettingText.Pin(Sparsity, Clusters, Layers);
}

/// <summary>A setting baked and measured against the float model.</summary>
public sealed record Trial(CompressionSetting Setting, BakeResult Result, double Drop)
{
    public long Bytes => Result.Report.BakedWeightBytes;
    public AccuracyResult Validation => Result.Report.Validation!;
}

/// <summary>
/// Bakes settings of one model in memory and measures each against the float model — on <c>Validation</c> when given,
/// else on calibration samples held back from the bake (<see cref="HeldBackValidation"/>). What `modelbaker sweep` shows
/// and what Sparsity="auto" searches over; each setting is baked once however often it is asked for. The bake's own
/// gate is off here (the caller compares with its budget), its progress lines are dropped and its warnings said once.
/// </summary>
public sealed class SettingTrials
{
    private readonly BakeOptions _options;
    private readonly OnceLog _log;
    private readonly Dictionary<CompressionSetting, Trial> _done = new();
    private readonly List<Trial> _order = new();

    public SettingTrials(BakeOptions options, IBakeLog log)
    {
        _options = options with
        {
            SparsityAuto = false,
            // Each setting is measured as given: no gate, and no automatic recovery changing it.
            MaxAccuracyDrop = null,
            NoAccuracyBudget = true,
            PruningThreshold = null,
            HoldBackValidation = options.ValidationPath == null,
        };
        _log = new OnceLog(log);
        if (options.ValidationPath == null)
            log.Warning(ErrorCodes.JudgedOnHeldBackCalibration,
                $"{Path.GetFileName(options.ModelPath)}: no Validation, so each setting is judged on one calibration sample in {HeldBackValidation.Every}, held back from the bake. " +
                "If the calibration data is the model's training data, the float and the compressed model agree on it more easily than on new inputs, and the figures are optimistic. Add Validation=\"…\" with inputs the model was not trained on.");
    }

    /// <summary>The settings baked so far, in the order they were first asked for.</summary>
    public IReadOnlyList<Trial> Tried => _order;

    public Trial Run(CompressionSetting setting)
    {
        if (_done.TryGetValue(setting, out var trial)) return trial;
        var result = Baker.BakeWithReport(Options(setting), _log);
        trial = new Trial(setting, result, Drop(result.Report.Validation!));
        _done[setting] = trial;
        _order.Add(trial);
        return trial;
    }

    /// <summary>The options a setting is baked with (`sweep` keeps a LayerSparsity given with its options for every setting).</summary>
    public BakeOptions Options(CompressionSetting setting) =>
        _options with { Sparsity = setting.Sparsity, Clusters = setting.Clusters, LayerSparsity = setting.Layers ?? _options.LayerSparsity };

    /// <summary>
    /// What the search minimises the bytes under: points of top-1 lost (with labels) or of agreement with the float
    /// model's top-1. The one place a measure fitting other outputs (relative error per output) would replace it.
    /// </summary>
    public static double Drop(AccuracyResult validation) => validation.Drop ?? throw new BakeException(ErrorCodes.SparsityAutoNeedsClassifier,
        "Sparsity=\"auto\" and modelbaker sweep measure each setting by its top-1 drop, which judges a model with one class-vector output; this model's outputs are judged by their relative error. " +
        "Give Sparsity a number and set MaxOutputError to gate the result.");

    /// <summary>"the 359 Validation samples ('test.npy')" or "the 40 calibration samples held back (1 in 5)".</summary>
    public string MeasuredOn(AccuracyResult validation) => _options.ValidationPath is { } path
        ? FormattableString.Invariant($"the {validation.Samples} Validation samples ('{Path.GetFileName(path)}'{(_options.ValidationLabelsPath != null ? ", labelled" : "")})")
        : FormattableString.Invariant($"the {validation.Samples} calibration samples held back from the bake (1 in {HeldBackValidation.Every})");

    /// <summary>Forwards each warning once (every setting's bake would repeat the data's), drops progress lines.</summary>
    private sealed class OnceLog : IBakeLog
    {
        private readonly IBakeLog _inner;
        private readonly HashSet<string> _said = new(StringComparer.Ordinal);

        public OnceLog(IBakeLog inner) => _inner = inner;

        public void Info(string message) { }

        public void Warning(string code, string message)
        {
            if (_said.Add(code + " " + message)) _inner.Warning(code, message);
        }
    }
}
