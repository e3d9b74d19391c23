using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using ModelBaker.Core.Calibration;
using ModelBaker.Core.Compression;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using ModelBaker.Core.Onnx;
using ModelBaker.Core.Operators;
using ModelBaker.Core.Passes;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Pipeline;

/// <summary>
/// The whole bake, top to bottom: read the ONNX model, check and shape it, fold constants, lower to float
/// steps, prune, calibrate, quantize, place tensors in the arena. The MSBuild task and the CLI both call this.
/// </summary>
public static class Baker
{
    /// <summary>ModelBaker's version, written into every plan: a plan from another version is re-baked.</summary>
    public static string Version { get; } =
        typeof(Baker).Assembly.GetName().Version is { } v ? $"{v.Major}.{v.Minor}.{v.Build}" : "0.0.0";

    public static BakedPlan Bake(BakeOptions options, IBakeLog log) =>
        Bake(OnnxModelReader.Load(options.ModelPath), Sha256(options.ModelPath), options, log);

    /// <summary>Bakes a graph already in memory (the conformance runner binds some inputs first).</summary>
    /// <param name="modelSha256">Digest of the model file, recorded in the plan and the generated header.</param>
    public static BakedPlan Bake(Graph graph, string modelSha256, BakeOptions options, IBakeLog log)
    {
        long floatWeightBytes = graph.Initializers.Where(v => v.Type == ElementType.Float32).Sum(v => 4L * v.Constant!.Length);
        OperatorRegistry.EnsureSupported(graph);
        ShapeInference.Run(graph);
        ConstantFolding.Run(graph);

        var lowered = GraphLowering.Lower(graph);
        var header = new PlanHeader(Version, Path.GetFileName(options.ModelPath), modelSha256,
            options.Namespace, options.ClassName, Precision.Float32, options.Sparsity, floatWeightBytes);
        var floatPlan = Assemble(header, lowered.Inputs, lowered.Outputs, lowered.Kernels);
        var calibration = options.CalibrationPath != null ? CalibrationSet.Load(options.CalibrationPath, floatPlan.Inputs) : null;

        var layers = lowered.Kernels.OfType<FullyConnectedFloat>().ToList();
        var unpruned = layers.ToDictionary(l => l, l => (float[])l.Weights.Clone());
        MagnitudePruning.Apply(layers, options.Sparsity);
        if (options.Sparsity > 0 && options.Reconstruction)
        {
            // Refitting on made-up inputs would fit the wrong distribution: only real calibration data is used.
            if (calibration != null) LayerReconstruction.Apply(floatPlan, unpruned, calibration);
            else log.Info($"{header.ModelFileName}: no calibration data, so pruned layers are not reconstructed.");
        }
        if (options.Precision == Precision.Float32) return floatPlan;

        var samples = calibration ?? Fallback(options, floatPlan, log);
        log.Info($"Calibrating {header.ModelFileName} on {samples.Count} samples.");
        var ranges = RangeObserver.Observe(floatPlan, samples);
        var quantized = Int8Quantizer.Quantize(floatPlan, ranges);
        return Assemble(header with { Precision = Precision.Int8 }, quantized.Inputs, quantized.Outputs, quantized.Kernels);
    }

    private static System.Collections.Generic.IReadOnlyList<Array[]> Fallback(BakeOptions options, BakedPlan plan, IBakeLog log)
    {
        log.Warning(ErrorCodes.NoCalibrationData,
            $"{Path.GetFileName(options.ModelPath)} is quantized to int8 without calibration data: activation ranges come from " +
            $"{CalibrationSet.FallbackSamples} random inputs uniform in [-1, 1], which may cost accuracy. Set Calibration to a .npy file or a " +
            "folder of .pb tensors with representative inputs, or Precision=\"Float32\" to keep float weights.");
        return CalibrationSet.Fallback(plan.Inputs);
    }

    private static BakedPlan Assemble(PlanHeader header, System.Collections.Generic.IReadOnlyList<PlanTensor> inputs,
        System.Collections.Generic.IReadOnlyList<PlanTensor> outputs, System.Collections.Generic.IEnumerable<Kernel> kernels)
    {
        var list = kernels.ToList();
        var arenaLengths = MemoryPlanner.Place(inputs, outputs, list);
        return new BakedPlan(header, inputs, outputs, arenaLengths, list);
    }

    public static string Sha256(string path)
    {
        using var sha = SHA256.Create();
        using var stream = File.OpenRead(path);
        return string.Concat(sha.ComputeHash(stream).Select(b => b.ToString("x2")));
    }
}
