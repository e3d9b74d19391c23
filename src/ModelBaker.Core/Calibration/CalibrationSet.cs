using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Onnx;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Calibration;

/// <summary>
/// Representative inputs (for calibration, reconstruction and validation), one array per model input per sample,
/// read from disk as they are used so that large sets need not fit in memory. Accepted layouts:
/// a .npy file whose elements are whole samples of the (single) input, e.g. [N, 64] for a 64-element input;
/// a folder of TensorProto .pb files, each holding one or more samples of the single input;
/// a folder of ONNX test-data folders (<c>*/input_K.pb</c>) for models with several inputs.
/// </summary>
public sealed class CalibrationSet
{
    /// <summary>Samples the fallback makes when no calibration data is given (see docs/compression.md).</summary>
    public const int FallbackSamples = 128;

    private readonly Func<IEnumerable<Array[]>> _samples;

    private CalibrationSet(int count, Func<IEnumerable<Array[]>> samples)
    {
        Count = count;
        _samples = samples;
    }

    public int Count { get; }

    /// <summary>The samples, read again on every enumeration.</summary>
    public IEnumerable<Array[]> Samples() => _samples();

    /// <summary>Checks the layout and counts the samples; the data is read later, by <see cref="Samples"/>.</summary>
    public static CalibrationSet Open(string path, IReadOnlyList<PlanTensor> inputs)
    {
        if (File.Exists(path)) return FromNpy(path, inputs);
        if (!Directory.Exists(path))
            throw new BakeException(ErrorCodes.CalibrationNotFound, $"Calibration data '{path}' does not exist. Give a .npy file or a folder of TensorProto .pb files.");

        var files = Directory.GetFiles(path, "*.pb").OrderBy(f => f, StringComparer.Ordinal).ToList();
        if (files.Count > 0)
        {
            RequireSingleInput(path, inputs);
            int count = files.Sum(f => SamplesIn(ReadPb(f), inputs[0], f));
            return new CalibrationSet(count, () => files.SelectMany(f => Split(ReadPb(f), inputs[0])));
        }
        var folders = Directory.GetDirectories(path).OrderBy(f => f, StringComparer.Ordinal).ToList();
        if (folders.Count == 0)
            throw new BakeException(ErrorCodes.CalibrationUnreadable, $"Calibration folder '{path}' holds no .pb files and no sample folders.");
        foreach (var folder in folders)
            for (int i = 0; i < inputs.Count; i++)
                if (!File.Exists(Path.Combine(folder, $"input_{i}.pb")))
                    throw Mismatch($"'{folder}' has no input_{i}.pb; each sample folder needs one file per model input");
        return new CalibrationSet(folders.Count, () => folders.Select(folder => inputs.Select((input, i) =>
        {
            string file = Path.Combine(folder, $"input_{i}.pb");
            var tensor = ReadPb(file);
            if (tensor.Length != input.Length) throw Mismatch($"'{file}' has {tensor.Length} elements; input '{input.Name}' needs {input.Length}");
            return TensorArrays.ToArray(tensor, input.Type);
        }).ToArray()));
    }

    /// <summary>
    /// The documented fallback: <see cref="FallbackSamples"/> samples, float inputs uniform in [−1, 1] from a fixed
    /// seed, other inputs zero.
    /// </summary>
    public static CalibrationSet Fallback(IReadOnlyList<PlanTensor> inputs) => new(FallbackSamples, () =>
    {
        var random = new Random(0);
        Array Sample(PlanTensor t) => t.Type == ElementType.Float32
            ? Enumerable.Range(0, t.Length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray()
            : Array.CreateInstance(TensorArrays.ClrType(t.Type), t.Length);
        return Enumerable.Range(0, FallbackSamples).Select(_ => inputs.Select(Sample).ToArray());
    });

    /// <summary>A .npy file of whole samples, streamed one sample at a time.</summary>
    private static CalibrationSet FromNpy(string path, IReadOnlyList<PlanTensor> inputs)
    {
        RequireSingleInput(path, inputs);
        var input = inputs[0];
        var header = NpyReader.ReadHeader(path);
        if (header.Count == 0 || header.Count % input.Length != 0)
            throw Mismatch($"'{path}' has {header.Count} elements (shape {ShapeMath.Format(header.Shape)}), not a whole number of samples of input '{input.Name}' ({input.Length} elements, shape {ShapeMath.Format(input.Shape)})");
        return new CalibrationSet(header.Count / input.Length, () =>
            NpyReader.ReadChunks(path, header, input.Length).Select(chunk => new[] { Convert(chunk, input.Type) }));
    }

    private static Array Convert(float[] values, ElementType type) =>
        type == ElementType.Float32 ? values : TensorArrays.ToArray(Tensor.FromFloats(new[] { values.Length }, values), type);

    private static Tensor ReadPb(string file)
    {
        try { return TensorConverter.ReadTensorFile(file); }
        catch (BakeException e) { throw new BakeException(ErrorCodes.CalibrationUnreadable, $"Calibration file '{file}' is not a readable TensorProto: {e.Message}"); }
    }

    private static int SamplesIn(Tensor tensor, PlanTensor input, string file)
    {
        if (tensor.Length == 0 || tensor.Length % input.Length != 0)
            throw Mismatch($"'{file}' has {tensor.Length} elements (shape {ShapeMath.Format(tensor.Shape)}), not a whole number of samples of input '{input.Name}' ({input.Length} elements, shape {ShapeMath.Format(input.Shape)})");
        return tensor.Length / input.Length;
    }

    private static IEnumerable<Array[]> Split(Tensor tensor, PlanTensor input)
    {
        var data = TensorArrays.ToArray(tensor, input.Type);
        for (int offset = 0; offset < data.Length; offset += input.Length)
        {
            var sample = Array.CreateInstance(data.GetType().GetElementType()!, input.Length);
            Array.Copy(data, offset, sample, 0, input.Length);
            yield return new[] { sample };
        }
    }

    private static void RequireSingleInput(string path, IReadOnlyList<PlanTensor> inputs)
    {
        if (inputs.Count != 1)
            throw Mismatch($"'{path}' holds samples for one input, but the model has {inputs.Count}; use a folder of sample folders with input_0.pb … input_{inputs.Count - 1}.pb");
    }

    private static BakeException Mismatch(string what) => new(ErrorCodes.CalibrationShapeMismatch, $"Calibration data does not fit the model: {what}.");
}
