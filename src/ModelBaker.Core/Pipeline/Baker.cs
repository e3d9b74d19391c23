using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using ModelBaker.Core.Calibration;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Compression;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using ModelBaker.Core.Onnx;
using ModelBaker.Core.Operators;
using ModelBaker.Core.Passes;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Reporting;
using ModelBaker.Core.Options;
using ModelBaker.Core.Quantization;
using ModelBaker.Core.Generation;

namespace ModelBaker.Core.Pipeline;

/// <summary>A baked plan and the report of what the bake did.</summary>
public sealed record BakeResult(BakedPlan Plan, BakeReport Report);

/// <summary>
/// The whole bake, top to bottom: read the ONNX model, check and shape it, fold constants, lower to float steps,
/// prune, reconstruct, cluster, calibrate, quantize, place tensors in the arenas, then measure the result against the float
/// model and apply the quality gate. The MSBuild task and the CLI both call this.
/// </summary>
public static class Baker
{
    /// <summary>ModelBaker's version, written into every plan: a plan from another version is re-baked.</summary>
    public static string Version { get; } =
        typeof(Baker).Assembly.GetName().Version is { } v ? $"{v.Major}.{v.Minor}.{v.Build}" : "0.0.0";

    public static BakedPlan Bake(BakeOptions options, IBakeLog log) => BakeWithReport(options, log).Plan;

    /// <summary>Sparsity="auto" searches (Pipeline/SparsitySearch.cs), baking each setting it tries through here.</summary>
    public static BakeResult BakeWithReport(BakeOptions options, IBakeLog log) => options.SparsityAuto
        ? SparsitySearch.Run(options, log)
        : BakeWithReport(OnnxModelReader.Load(options.ModelPath), Sha256(options.ModelPath), options, log);

    /// <summary>Bakes a graph already in memory (the conformance runner binds some inputs first).</summary>
    /// <param name="modelSha256">Digest of the model file, recorded in the plan and the generated header.</param>
    public static BakedPlan Bake(Graph graph, string modelSha256, BakeOptions options, IBakeLog log) =>
        BakeWithReport(graph, modelSha256, options, log).Plan;

    public static BakeResult BakeWithReport(Graph graph, string modelSha256, BakeOptions options, IBakeLog log)
    {
        OperatorRegistry.EnsureSupported(graph);
        ShapeInference.Run(graph);
        WarnIfComputedInFloat32(graph, Path.GetFileName(options.ModelPath), log);
        // A QDQ model brings its own int8 parameters: taken before folding turns its weights into floats.
        var qdq = options.Precision == Precision.Int8 ? QdqModel.Extract(graph) : null;
        ConstantFolding.Run(graph);
        long floatWeightBytes = ConstantBytes.Float32(graph);

        var header = new PlanHeader(Version, Path.GetFileName(options.ModelPath), modelSha256,
            options.Namespace, options.ClassName, Precision.Float32, options.Sparsity, floatWeightBytes) { Target = options.Target };
        // The float model as exported: the teacher and the yardstick of every measurement.
        var reference = Assemble(header, GraphLowering.Lower(graph));
        // Structured pruning changes shapes, so it works on the graph: the smaller graph is lowered from then on.
        var calibration = options.CalibrationPath != null ? CalibrationSet.Open(options.CalibrationPath, reference.Inputs) : null;
        if (calibration?.Degenerate is { } degenerate)
            log.Warning(ErrorCodes.CalibrationDegenerate,
                $"{header.ModelFileName}: the calibration data '{options.CalibrationPath}' {degenerate}. Int8 accuracy will suffer: give a few hundred representative inputs, scaled as the model expects.");
        // With calibration data and compression, the bake is judged against the float model on data it does not fit
        // (Validation, or calibration samples held back) and recovers when it loses too much (AutomaticRecovery).
        // The auto search and sweep without Validation judge each setting on calibration samples the bake does not fit.
        CalibrationSet? heldBack = null;
        if (options.HoldBackValidation && options.ValidationPath == null && calibration != null)
            (calibration, heldBack) = HeldBackValidation.Split(calibration, header.ModelFileName, options.CalibrationPath!);
        var validationSet = options.ValidationPath != null ? CalibrationSet.Open(options.ValidationPath, reference.Inputs) : heldBack;
        var labels = options.ValidationPath != null && options.ValidationLabelsPath != null ? Labels(options.ValidationLabelsPath, validationSet!.Count) : null;
        bool ownWeights = qdq != null && qdq.WeightScales.Count > 0;
        var judge = AutomaticRecovery.Prepare(header.ModelFileName, reference, calibration, validationSet, labels, options, ownWeights, log);
        // Held-back samples are neither calibrated on nor fitted to: only what is left of the calibration data is.
        var fitting = judge?.Calibration ?? calibration;
        var structured = options.Pruning == PruningMode.Structured && options.Sparsity > 0
            ? StructuredPruning.Apply(graph, options.Sparsity, reference, fitting)
            : null;
        if (structured != null)
        {
            log.Info($"{header.ModelFileName}: structured pruning removed {structured.RemovedFilters} of {structured.Filters} filters and neurons, {structured.RemovedWeights:N0} of {structured.Weights:N0} weights.");
            if (structured.Blocked.Count > 0)
                log.Warning(ErrorCodes.StructuredPruningBlocked,
                    $"{header.ModelFileName}: structured pruning keeps every channel read by {string.Join("; ", structured.Blocked.Take(5))}{(structured.Blocked.Count > 5 ? $" and {structured.Blocked.Count - 5} more" : "")}. " +
                    "Filters feeding those nodes are not removed, so the other layers give up more; Pruning=\"Unstructured\" prunes every layer.");
        }
        // Recovery compresses again: a warning the first compression gave is not repeated.
        var once = new WarningsOnce(log);
        Compressed Attempt(BakeOptions attempt, LayerRelief relief, bool first) =>
            Compress(graph, header, reference, structured, fitting, qdq, attempt, relief, first, once);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var compressed = Attempt(options, LayerRelief.None, first: true);
        RecoveryReport? recovery = null;
        if (judge != null)
            (compressed, recovery) = AutomaticRecovery.Run(judge, options, reference, compressed, clock.Elapsed.TotalSeconds,
                structured != null, (attempt, relief) => Attempt(attempt, relief, first: false), log);
        var plan = compressed.Plan;

        int repeated = validationSet != null && calibration != null ? validationSet.SamplesAlsoIn(calibration) : 0;
        if (repeated > 0)
            log.Warning(ErrorCodes.ValidationIsCalibration,
                $"{header.ModelFileName}: {repeated} of the {validationSet!.Count} validation samples ('{options.ValidationPath}') are also calibration samples ('{options.CalibrationPath}'). " +
                "Calibration and layer reconstruction fit those samples, so the agreement measured on them is optimistic. Give Validation inputs the bake has not seen.");
        var validation = validationSet != null ? Validate(reference, plan, validationSet, labels, options) with { CalibrationSamples = repeated } : null;
        var onCalibration = validationSet == null && judge == null && calibration != null && options.Precision == Precision.Int8
            && !AutomaticRecovery.Compresses(options) && !options.NoAccuracyBudget
            ? CheckOnCalibration(reference, plan, calibration, options, log)
            : null;
        var report = ReportBuilder.Build(reference, plan, compressed.Quantization, validationSet ?? calibration, validation) with
        {
            Recovery = recovery,
            CalibrationCheck = onCalibration,
        };
        // Low importance: a spike is worth a look, not a warning in every build (the report's layers[].flag keeps it).
        foreach (var layer in report.Layers.Where(l => l.Flag != null))
            log.Info(FormattableString.Invariant(
                $"{ErrorCodes.StepErrorSpike}: {header.ModelFileName}: step {layer.Name} ({layer.Op}) has a relative output error of {layer.OutputError:0.###}, well above its neighbours'; {layer.Flag}."));
        return new BakeResult(plan, report);
    }

    /// <summary>
    /// The model as exported, lowered to a float plan of its own (its weights may be changed), and the samples a search's
    /// bakes are judged on: Validation, else the calibration samples held back (Sparsity="auto"'s per-layer refinement).
    /// </summary>
    internal static (BakedPlan Exported, CalibrationSet Judging) ExportedModel(BakeOptions options)
    {
        var graph = OnnxModelReader.Load(options.ModelPath);
        OperatorRegistry.EnsureSupported(graph);
        ShapeInference.Run(graph);
        ConstantFolding.Run(graph);
        var header = new PlanHeader(Version, Path.GetFileName(options.ModelPath), "", options.Namespace, options.ClassName,
            Precision.Float32, 0, ConstantBytes.Float32(graph)) { Target = options.Target };
        var exported = Assemble(header, GraphLowering.Lower(graph));
        var judging = options.ValidationPath != null
            ? CalibrationSet.Open(options.ValidationPath, exported.Inputs)
            : HeldBackValidation.Split(CalibrationSet.Open(options.CalibrationPath!, exported.Inputs), header.ModelFileName, options.CalibrationPath!).HeldBack;
        return (exported, judging);
    }

    /// <summary>One compression of the model: its float plan after pruning, refitting and clustering, and the plan baked from it.</summary>
    internal sealed record Compressed(BakedPlan FloatPlan, BakedPlan Plan, QuantizationContext? Quantization);

    /// <summary>
    /// Lowering (of the graph, already structurally pruned when asked), pruning, reconstruction, distillation, clustering,
    /// bias correction, calibration and quantization with <paramref name="options"/>; <paramref name="relief"/> gives some
    /// layers less compression. Run once, and again for each step of automatic recovery: each run starts from the
    /// graph's weights, so one step's changes never leak into the next.
    /// </summary>
    private static Compressed Compress(Graph graph, PlanHeader header, BakedPlan reference, StructuredPruning.Result? structured,
        CalibrationSet? calibration, QdqModel? qdq, BakeOptions options, LayerRelief relief, bool first, IBakeLog log)
    {
        var lowered = GraphLowering.Lower(graph);
        var floatPlan = Assemble(header, lowered);
        RequireFiniteWeights(floatPlan);
        if (first) WarnIfNothingToCompress(floatPlan, options, log);

        // A QDQ model's weights are its own int8 values: pruning may zero some, but refitting or tuning the rest would
        // move them off the model's grid (LayerQuantizer takes them back exactly).
        bool ownWeights = qdq != null && qdq.WeightScales.Count > 0;
        Prune(floatPlan, reference, structured, calibration, options, relief, log, ownWeights);
        if (first && SparsityShortfall.Explain(header.ModelFileName, reference, floatPlan, options) is { } shortfall)
            log.Warning(ErrorCodes.SparsityNotMet, shortfall);
        var distillation = options.Distillation;
        if (distillation != DistillationScope.None && ownWeights)
        {
            log.Info($"{header.ModelFileName} keeps its own int8 weights, so the {(distillation == DistillationScope.Head ? "head" : "network")} is not distilled.");
            distillation = DistillationScope.None;
        }
        if (distillation == DistillationScope.Head) DistilHead(floatPlan, reference, calibration, options, log);
        if (distillation == DistillationScope.Network) DistilNetwork(floatPlan, reference, calibration, options, log, "weights");
        if (options.Clusters is { } clusters)
        {
            // A relieved layer gets more shared values than the others (automatic recovery).
            foreach (var layer in floatPlan.Kernels.OfType<IWeightedKernel>())
                WeightClustering.Apply(new[] { layer }, relief.Clusters(layer.Source, clusters));
            // Again with the clusters fixed: the shared values learn what k-means' rounding of the weights lost.
            if (distillation == DistillationScope.Network) DistilNetwork(floatPlan, reference, calibration, options, log, "shared values");
        }
        // A QDQ model brings its own int8 weights and biases: nothing to correct.
        if (options.BiasCorrection && options.Precision == Precision.Int8 && calibration != null && (qdq == null || qdq.IsEmpty)) BiasCorrection.Apply(floatPlan, calibration);
        var plan = floatPlan;
        QuantizationContext? quantization = null;
        if (options.Precision == Precision.Int8)
        {
            // Before calibrating: integer-only code cannot run a float island (MB1135).
            if (options.Target == CodeTarget.NanoFramework) NanoClassEmitter.RefuseFloatIslands(header.ModelFileName, floatPlan.Kernels);
            var fixedSlices = qdq?.FixedSlices(lowered.Slices) ?? new Dictionary<ArenaSlice, QuantizationParameters>();
            var ranges = new Dictionary<ArenaSlice, (float Min, float Max)>();
            var featureRanges = new Dictionary<ArenaSlice, (float[] Min, float[] Max)>();
            if (NeedsCalibration(floatPlan, fixedSlices))
            {
                var samples = calibration ?? Fallback(options, floatPlan, log);
                log.Info($"Calibrating {header.ModelFileName} on {samples.Count} samples ({options.CalibrationMethod}).");
                ranges = RangeObserver.Observe(floatPlan, samples, options.CalibrationMethod, options.CalibrationPercentile, log);
                // Inputs only tree ensembles read: one scale per feature (docs/classical-ml.md#int8).
                featureRanges = RangeObserver.ObserveFeatures(floatPlan, samples);
            }
            else log.Info($"{header.ModelFileName} is a QDQ model quantizing every tensor: its own scales and zero points are used, no calibration.");
            var quantized = Int8Quantizer.Quantize(floatPlan, ranges, fixedSlices, qdq?.WeightScales ?? new Dictionary<string, double[]>(), featureRanges);
            quantization = quantized.Context;
            // .NET runs convolutional stretches channels last; nanoFramework's plain loops keep the model's order.
            var kernels = options.Target == CodeTarget.Net ? ChannelsLastLayout.Apply(quantized.Kernels, quantized.Outputs) : quantized.Kernels;
            plan = Assemble(header with { Precision = Precision.Int8 }, quantized.Inputs, quantized.Outputs, kernels);
        }

        // Refused before any report: a nanoFramework plan must be int8 steps only (MB1211, MB1106).
        if (options.Target == CodeTarget.NanoFramework) NanoClassEmitter.EnsureSupported(plan);

        plan = WithWeightStorage(plan, options);
        RequireCompilableSize(plan);
        return new Compressed(floatPlan, plan, quantization);
    }

    /// <summary>
    /// MB1136: the model declares tensors the plan computes in a wider type — double, float16, bfloat16, float8 and float4 in
    /// float32, 4- and 2-bit integers in int8 or uint8 (docs/architecture.md, "Double and float16 tensors", "Narrow floats and
    /// integers"). Said once per bake, naming the tensors (inputs and outputs first: their Predict types change).
    /// </summary>
    private static void WarnIfComputedInFloat32(Graph graph, string modelFileName, IBakeLog log)
    {
        var edges = graph.Inputs.Concat(graph.Outputs).Distinct().Where(name => graph[name].DeclaredType != null);
        var declared = edges.Concat(graph.Values.Values.Where(v => v.DeclaredType != null).Select(v => v.Name).OrderBy(n => n, StringComparer.Ordinal))
            .Distinct().ToList();
        if (declared.Count == 0) return;
        string Named(string name) => $"'{Text.Printable(name)}' is {NarrowTypes.OnnxName(graph[name].DeclaredType!.Value)}";
        log.Warning(ErrorCodes.ComputedInFloat32,
            $"{modelFileName}: tensor {string.Join(", ", declared.Take(5).Select(Named))}{(declared.Count > 5 ? $" and {declared.Count - 5} more" : "")}; " +
            "computed in float32 (about 7 significant digits): double inputs are rounded to the nearest float and double outputs are floats widened, " +
            "float16, bfloat16, float8 and float4 values are exact in float32 and a Cast to one of them keeps its rounding, range and saturate rule; " +
            "int4, uint4, int2 and uint2 are computed in int8 or uint8 holding values in their range. Predict takes and returns double inputs and " +
            "outputs as double, float16 and bfloat16 ones as ushort bit patterns, float8 and float4 ones as byte bit patterns (one per byte, not " +
            "packed), int4 and int2 as sbyte, uint4 and uint2 as byte. Export the model in float32 if float32 is what it needs.");
    }

    /// <summary>
    /// MB1111: Sparsity or Clusters on a plan with no weighted layer — a classical model whose constants are per-feature
    /// parameters, support vectors or tables (a linear model's coefficients are a fully connected layer, and do get
    /// pruned and clustered). Said, not silently ignored.
    /// </summary>
    private static void WarnIfNothingToCompress(BakedPlan floatPlan, BakeOptions options, IBakeLog log)
    {
        bool prunes = options.Sparsity > 0 || options.PruningThreshold != null || options.LayerSparsity != null;
        if ((!prunes && options.Clusters == null) || floatPlan.Kernels.OfType<IWeightedKernel>().Any()) return;
        var holders = floatPlan.Kernels.Where(k => k.WeightBytes > 0).Select(k => k.Source).Distinct().ToList();
        log.Warning(ErrorCodes.CompressionNotApplicable,
            $"{floatPlan.Header.ModelFileName}: {(prunes ? "Sparsity" : "")}{(prunes && options.Clusters != null ? " and " : "")}{(options.Clusters != null ? "Clusters" : "")} " +
            "do not apply to this model: it has no weighted layer (fully connected or convolution) whose weights could be pruned or shared" +
            (holders.Count > 0 ? $"; its constants ({string.Join(", ", holders.Take(3))}{(holders.Count > 3 ? ", …" : "")}) are kept exactly" : "") +
            ". Remove the option, or bake it as it is.");
    }

    /// <summary>
    /// MB1108: NaN or infinite weights or biases make every output of their layer NaN or infinite, and int8 has no
    /// such values; the float model computes nothing useful either. (Checked on the lowered plan, so a Gemm's alpha of
    /// NaN, folded into its weights, is caught with them.)
    /// </summary>
    private static void RequireFiniteWeights(BakedPlan floatPlan)
    {
        foreach (var layer in floatPlan.Kernels.OfType<IWeightedKernel>())
        {
            // As stored: a fill (one value per unit) is checked without being written out.
            var stored = layer.StoredWeights;
            bool NonFinite(float v) => float.IsNaN(v) || float.IsInfinity(v);
            int weight = Array.FindIndex(stored.Stored, NonFinite);
            int bias = Array.FindIndex(layer.Bias, NonFinite);
            if (weight < 0 && bias < 0) continue;
            float value = weight >= 0 ? stored.Stored[weight] : layer.Bias[bias];
            int perStored = stored.Stored.Length == stored.Count ? 1 : stored.Depth;
            if (weight >= 0) weight *= perStored;
            int count = stored.Stored.Count(NonFinite) * perStored + layer.Bias.Count(NonFinite);
            throw new BakeException(ErrorCodes.NonFiniteWeights,
                $"Node {layer.Source}: {count} of its {stored.Count + layer.Bias.Length} weights and biases are NaN or infinite (the first, {(weight >= 0 ? $"weight {weight}" : $"bias {bias}")}, is {value}). " +
                "The model was saved from a diverged training run or is damaged: export it again from a finite checkpoint.");
        }
    }

    /// <summary>
    /// The most generated source a consumer's build is asked to compile. With WeightStorage="Inline" (and for
    /// nanoFramework) weights travel as array initializers, and
    /// Roslyn needs about 0.4 GB and 18 s per MB of them (a 1024×1024 Gemm: 4.9 MB, 90 s, 2 GB; 20 MB was still
    /// compiling after 200 s at 6 GB). 12 MB stays inside 8 GB and a few minutes on a 2-core, 24 GB machine.
    /// </summary>
    public const int MaxGeneratedSourceChars = 12 * 1024 * 1024;

    /// <summary>MB1109, before the plan is written: a model whose generated class the consumer's compiler cannot take.</summary>
    private static void RequireCompilableSize(BakedPlan plan)
    {
        long chars = ClassEmitter.Emit(plan).Length;
        if (chars <= MaxGeneratedSourceChars) return;
        bool inline = plan.Header.WeightResource.Length == 0;
        throw new BakeException(ErrorCodes.ModelTooLarge, FormattableString.Invariant(
            $"{plan.Header.ModelFileName}: its generated class would be {chars / 1048576.0:0.0} MB of C# ({plan.WeightBytes:N0} bytes of weights{(inline ? " as array initializers" : "")}), more than the {MaxGeneratedSourceChars / 1048576} MB a build compiles in reasonable time and memory (Roslyn needs about 0.4 GB per MB). ") +
            (inline && plan.Header.Target == CodeTarget.Net
                ? "Set WeightStorage=\"Resource\" (or leave it Auto) so the weights are embedded as bytes rather than compiled; or raise Sparsity, set Clusters, or use Precision=\"Int8\" rather than Float32."
                : "Raise Sparsity or set Clusters to shrink the weights, use Precision=\"Int8\" rather than Float32, or bake a smaller model."));
    }

    /// <summary>
    /// WeightStorage="Auto" stores a .NET plan's weights in a resource from this many bytes of constants on; below it they
    /// stay initializers (docs/compression.md#weight-storage has the measurement behind the number).
    /// </summary>
    public const int AutoResourceWeightBytes = 256 * 1024;

    /// <summary>
    /// WeightStorage="Auto" for nanoFramework: weights stay arrays (no allocation per call, but their bytes on the heap)
    /// while they fit nanoCLR's initializer data with room for the rest of a firmware; from here on they are read from a
    /// resource in flash (docs/nanoframework.md#weights-in-flash).
    /// </summary>
    public const int AutoNanoResourceWeightBytes = 32 * 1024;

    /// <summary>Records in the plan's header where its weights go: "" (initializers) or the resource's name.</summary>
    private static BakedPlan WithWeightStorage(BakedPlan plan, BakeOptions options)
    {
        var h = plan.Header;
        bool resource = options.WeightStorage switch
        {
            WeightStorage.Resource => true,
            WeightStorage.Inline => false,
            _ => plan.WeightBytes >= (h.Target == CodeTarget.NanoFramework ? AutoNanoResourceWeightBytes : AutoResourceWeightBytes),
        };
        if (!resource) return plan;
        string name = options.WeightResourceName ?? $"{h.Namespace}.{h.ClassName}.weights";
        return new BakedPlan(h with { WeightResource = name }, plan.Inputs, plan.Outputs, plan.ArenaLengths, plan.Kernels);
    }

    /// <summary>Some float tensor of the plan has no parameters from a QDQ model, so calibration must give them.</summary>
    private static bool NeedsCalibration(BakedPlan floatPlan, IReadOnlyDictionary<ArenaSlice, QuantizationParameters> fixedSlices) =>
        floatPlan.Inputs.Select(t => t.Slice).Concat(floatPlan.Outputs.Select(t => t.Slice))
            .Concat(floatPlan.Kernels.SelectMany(k => k.Reads.Append(k.Output)))
            .Any(s => s.Type == ElementType.Float32 && !fixedSlices.ContainsKey(s));

    /// <summary>
    /// Magnitude pruning (unless structured pruning already shrank the graph), then, with calibration data, layer
    /// reconstruction of the kept weights against the model as exported — unless they are a QDQ model's own int8 weights.
    /// </summary>
    private static void Prune(BakedPlan floatPlan, BakedPlan reference, StructuredPruning.Result? structured, CalibrationSet? calibration,
        BakeOptions options, LayerRelief relief, IBakeLog log, bool ownWeights)
    {
        bool prunes = options.Sparsity > 0 || options.PruningThreshold != null || options.LayerSparsity != null;
        if (!prunes) return;
        if (options.LayerSparsity is { } named)
        {
            if (structured != null || options.PruningThreshold != null)
                throw new BakeException(ErrorCodes.ConflictingMetadata, $"{Path.GetFileName(options.ModelPath)}: LayerSparsity gives single layers a sparsity of their own, which " +
                    (structured != null ? "Pruning=\"Structured\" (whole filters) does not take" : "PruningThreshold (one magnitude for all layers) contradicts") + ". Keep one of them.");
            MagnitudePruning.RequireNamedLayers(floatPlan, named);
        }
        // Magnitude cannot rank a fill's equal weights (nor should a 100-million-weight fill be written out to try).
        var layers = floatPlan.Kernels.OfType<IWeightedKernel>().Where(l => !l.StoredWeights.IsFill).ToList();
        var anchors = layers.ToDictionary(l => l, l => (float[])l.Weights.Clone());
        if (structured == null)
        {
            MagnitudePruning.Apply(layers, options);
            relief.Unprune(layers, anchors);
        }
        if (!options.Reconstruction) return;
        if (ownWeights) { log.Info($"{Path.GetFileName(options.ModelPath)} keeps its own int8 weights, so pruned layers are not reconstructed."); return; }
        // Refitting on made-up inputs would fit the wrong distribution: only real calibration data is used.
        if (calibration != null)
            LayerReconstruction.Apply(floatPlan, reference, anchors, calibration,
                reselectMasks: structured == null && options.PruningThreshold == null && options.Pruning != PruningMode.Global,
                structured?.KeptChannels, progress => log.Info($"{Path.GetFileName(options.ModelPath)}: {progress}"));
        else log.Info($"{Path.GetFileName(options.ModelPath)}: no calibration data, so pruned layers are not reconstructed.");
    }

    /// <summary>The classifier head learns the float model's output distribution (needs calibration data).</summary>
    private static void DistilHead(BakedPlan floatPlan, BakedPlan reference, CalibrationSet? calibration, BakeOptions options, IBakeLog log)
    {
        string model = Path.GetFileName(options.ModelPath);
        if (calibration == null) { log.Info($"{model}: no calibration data, so the head is not distilled."); return; }
        var result = HeadDistillation.Apply(floatPlan, reference, calibration, options.DistillationTemperature);
        log.Info(result == null
            ? $"{model}: no fully connected classifier head at the end of the model, so nothing is distilled."
            : FormattableString.Invariant($"{model}: distilled the head {result.Head} at T={options.DistillationTemperature:0.##}: loss {result.LossBefore:0.0000} → {result.LossAfter:0.0000}."));
    }

    /// <summary>Every weighted layer learns the float model's output distribution (needs calibration data).</summary>
    private static void DistilNetwork(BakedPlan floatPlan, BakedPlan reference, CalibrationSet? calibration, BakeOptions options, IBakeLog log, string what)
    {
        string model = Path.GetFileName(options.ModelPath);
        if (calibration == null) { log.Info($"{model}: no calibration data, so the network is not distilled."); return; }
        if (NetworkDistillation.Refusal(floatPlan, reference) is { } why)
        {
            log.Warning(ErrorCodes.DistillationNotApplicable,
                $"{model}: Distillation=\"Network\" was asked for, but the network is not distilled: {why}. The model is baked without it; use Distillation=\"Head\" or false.");
            return;
        }
        var result = NetworkDistillation.Apply(floatPlan, reference, calibration, options.DistillationTemperature, progress => log.Info($"{model}: {progress}"))!;
        log.Info(FormattableString.Invariant(
            $"{model}: distilled the {what} of {result.Layers} layers on {result.Samples} samples at T={options.DistillationTemperature:0.##}: loss {result.LossBefore:0.0000} → {result.LossAfter:0.0000}."));
    }

    /// <summary>
    /// Float vs baked on the validation data, and the quality gate: a classifier's top-1 drop against MaxAccuracyDrop
    /// (MB1401); every output's relative error against MaxOutputError when set, and a model that is not a classifier
    /// against its default when MaxAccuracyDrop asks for a gate (MB1415).
    /// </summary>
    /// <summary>
    /// A plain int8 bake of a classifier with calibration data and no Validation is otherwise judged on nothing: its top-1
    /// agreement with the float model on the first <see cref="ReportBuilder.ErrorSamples"/> calibration samples. Optimistic
    /// (the ranges were calibrated on them) but blind to nothing a collapse does — a calibration method that clipped a
    /// model to chance built green before. Over the budget: MB1401 with MaxAccuracyDrop set, else the warning MB1418.
    /// Null when the model is not a classifier.
    /// </summary>
    private static AccuracyResult? CheckOnCalibration(BakedPlan reference, BakedPlan plan, CalibrationSet calibration, BakeOptions options, IBakeLog log)
    {
        var result = Evaluation.Compare(reference, plan, calibration.Where(i => i < ReportBuilder.ErrorSamples), labels: null);
        if (!result.Classifier || result.Drop is not { } drop) return null;
        string model = Path.GetFileName(options.ModelPath);
        double limit = options.MaxAccuracyDrop ?? QualityBudget.DefaultPoints;
        if (drop <= limit + 1e-9) return result;
        string what = FormattableString.Invariant(
            $"{model}: the int8 model agrees with the float model's top-1 on only {result.Agreement:0.00}% of {result.Samples} calibration samples ('{options.CalibrationPath}'), a drop of {drop:0.00} points, though its ranges were calibrated on them");
        if (options.MaxAccuracyDrop != null)
            throw new BakeException(ErrorCodes.AccuracyGateFailed, FormattableString.Invariant(
                $"{what}: more than MaxAccuracyDrop={limit:0.##}. Try another CalibrationMethod, give more representative Calibration data, or bake with Precision=\"Float32\"."));
        log.Warning(ErrorCodes.Int8DisagreesOnCalibration, what + FormattableString.Invariant($" — more than the default budget of {limit:0.##} point.") +
            " The int8 model may be broken: look for flagged steps in the report, try another CalibrationMethod, give more representative Calibration data, " +
            "or bake with Precision=\"Float32\". Give Validation inputs to measure it on data it was not calibrated on; MaxAccuracyDrop=\"none\" turns this check off.");
        return result;
    }

    private static AccuracyResult Validate(BakedPlan reference, BakedPlan plan, CalibrationSet inputs, int[]? labels, BakeOptions options)
    {
        var result = Evaluation.Compare(reference, plan, inputs, labels);
        double? errorLimit = options.MaxOutputError ?? (options.MaxAccuracyDrop != null && !result.Classifier ? BakeOptions.DefaultMaxOutputError : null);
        if (errorLimit is { } budget && result.Outputs.Where(o => o.RelativeError > budget).ToList() is { Count: > 0 } over)
        {
            string which = options.MaxOutputError != null ? FormattableString.Invariant($"MaxOutputError={budget:0.####}")
                : FormattableString.Invariant($"the error budget of a model that is not a classifier ({budget:0.####}, the default of MaxOutputError when MaxAccuracyDrop is set)");
            string outputs = string.Join(", ", over.Select(o => FormattableString.Invariant(
                $"output '{o.Name}' differs from the float model's by {o.RelativeError:0.####} relative RMS error ({100 * o.RelativeError:0.##}%)")));
            throw new BakeException(ErrorCodes.OutputErrorGateFailed,
                $"{Path.GetFileName(options.ModelPath)}: on the {result.Samples} validation samples, {outputs}, more than {which}. " +
                "Lower Sparsity, raise Clusters, give more representative Calibration data, or raise MaxOutputError.");
        }
        if (options.MaxAccuracyDrop is { } limit && result.Drop > limit)
        {
            string what = result.FloatTop1 is { } f && result.BakedTop1 is { } b
                ? $"top-1 accuracy on the {result.Samples} validation samples fell from {f:0.00}% (float model) to {b:0.00}% (baked), a drop of {result.Drop:0.00} points"
                : $"the baked model agrees with the float model's top-1 on only {result.Agreement:0.00}% of the {result.Samples} validation samples, a drop of {result.Drop:0.00} points";
            throw new BakeException(ErrorCodes.AccuracyGateFailed, FormattableString.Invariant(
                $"{Path.GetFileName(options.ModelPath)}: {what}, more than MaxAccuracyDrop={limit:0.##}. Lower Sparsity, raise Clusters, give more representative Calibration data, or raise MaxAccuracyDrop."));
        }
        return result;
    }

    private static int[] Labels(string path, int samples)
    {
        var labels = NpyReader.Read(path).AsFloats();
        if (labels.Length != samples)
            throw new BakeException(ErrorCodes.ValidationLabelsInvalid,
                $"ValidationLabels '{path}' has {labels.Length} labels, but the validation data has {samples} samples. Give one class index per sample.");
        return labels.Select(l => (int)l).ToArray();
    }

    private static CalibrationSet Fallback(BakeOptions options, BakedPlan plan, IBakeLog log)
    {
        log.Warning(ErrorCodes.NoCalibrationData,
            $"{Path.GetFileName(options.ModelPath)} is quantized to int8 without calibration data: activation ranges come from " +
            $"{CalibrationSet.FallbackSamples} random inputs uniform in [-1, 1], which may cost accuracy. Set Calibration to a .npy file or a " +
            "folder of .pb tensors with representative inputs, or Precision=\"Float32\" to keep float weights.");
        return CalibrationSet.Fallback(plan.Inputs);
    }

    private static BakedPlan Assemble(PlanHeader header, GraphLowering.Result lowered) =>
        Assemble(header, lowered.Inputs, lowered.Outputs, lowered.Kernels);

    private static BakedPlan Assemble(PlanHeader header, IReadOnlyList<PlanTensor> inputs, IReadOnlyList<PlanTensor> outputs, IEnumerable<Kernel> kernels)
    {
        var list = kernels.ToList();
        var arenaLengths = MemoryPlanner.Place(inputs, outputs, list);
        return new BakedPlan(header, inputs, outputs, arenaLengths, list);
    }

    /// <summary>A log that passes each distinct warning (code and text) on once, and every info line.</summary>
    private sealed class WarningsOnce(IBakeLog log) : IBakeLog
    {
        private readonly HashSet<(string, string)> _given = new();
        public void Info(string message) => log.Info(message);
        public void Warning(string code, string message)
        {
            if (_given.Add((code, message))) log.Warning(code, message);
        }
    }

    public static string Sha256(string path)
    {
        using var sha = SHA256.Create();
        using var stream = File.OpenRead(path);
        return string.Concat(sha.ComputeHash(stream).Select(b => b.ToString("x2")));
    }
}
