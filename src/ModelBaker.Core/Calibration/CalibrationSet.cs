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

    /// <summary>
    /// Why the data's values say little about the ranges a model meets (every value equal, or one value far beyond the
    /// rest), or null: the bake warns with MB1306. Set by <see cref="Open"/>.
    /// </summary>
    public string? Degenerate { get; private set; }

    /// <summary>The samples, read again on every enumeration.</summary>
    public IEnumerable<Array[]> Samples() => _samples();

    /// <summary>The samples whose index (from 0) <paramref name="keep"/> accepts, in order: a held-back part of the set.</summary>
    public CalibrationSet Where(Func<int, bool> keep) =>
        new(Enumerable.Range(0, Count).Count(keep), () => Samples().Where((_, i) => keep(i))) { Degenerate = Degenerate };

    /// <summary>
    /// Splits the set in two by position: every <paramref name="every"/>-th sample (indices every − 1, 2·every − 1, …)
    /// goes to the held-back set, the others stay. Deterministic, and spread over the whole file, so a file sorted by
    /// class still gives a held-back set of every class. Automatic recovery judges a bake on the held-back samples,
    /// which calibration and reconstruction then never see.
    /// </summary>
    public (CalibrationSet Kept, CalibrationSet HeldBack) HoldBack(int every)
    {
        if (every < 2) throw new ArgumentOutOfRangeException(nameof(every), every, "Hold back at most every second sample.");
        int heldBack = Count / every;
        bool Held(int i) => i % every == every - 1;
        return (new CalibrationSet(Count - heldBack, () => Samples().Where((_, i) => !Held(i))) { Degenerate = Degenerate },
            new CalibrationSet(heldBack, () => Samples().Where((_, i) => Held(i))));
    }

    /// <summary>
    /// How many of this set's samples are, value for value, also samples of <paramref name="other"/> (compared by a
    /// SHA-256 of each sample's bytes): a validation set that repeats the calibration data cannot judge a bake that
    /// was fitted to it.
    /// </summary>
    public int SamplesAlsoIn(CalibrationSet other)
    {
        var seen = new HashSet<string>(other.Samples().Select(Fingerprint), StringComparer.Ordinal);
        return Samples().Count(sample => seen.Contains(Fingerprint(sample)));
    }

    private static string Fingerprint(Array[] sample)
    {
        using var sha = System.Security.Cryptography.SHA256.Create();
        foreach (var input in sample)
        {
            var bytes = new byte[Buffer.ByteLength(input)];
            Buffer.BlockCopy(input, 0, bytes, 0, bytes.Length);
            sha.TransformBlock(bytes, 0, bytes.Length, null, 0);
        }
        sha.TransformFinalBlock(Array.Empty<byte>(), 0, 0);
        return System.Convert.ToBase64String(sha.Hash!);
    }

    /// <summary>
    /// Checks the layout, counts the samples and reads them once to check their values (MB1304 for NaN or ±Inf);
    /// the data is read again, as it is used, by <see cref="Samples"/>.
    /// </summary>
    public static CalibrationSet Open(string path, IReadOnlyList<PlanTensor> inputs)
    {
        var set = OpenLayout(path, inputs);
        set.Degenerate = CheckValues(set, path, inputs);
        return set;
    }

    /// <summary>Values an outlier must exceed the 99.9th percentile of |x| by to make the ranges degenerate.</summary>
    private const double OutlierFactor = 1000;

    /// <summary>At most this many values are kept to find the percentile (a stride over larger sets).</summary>
    private const int PercentileValues = 1 << 22;

    private static string? CheckValues(CalibrationSet set, string path, IReadOnlyList<PlanTensor> inputs)
    {
        int sample = 0;
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        var magnitudes = new List<float>();
        long seen = 0;
        int stride = Math.Max(1, (int)Math.Min(int.MaxValue, (long)set.Count * inputs.Sum(i => (long)i.Length) / PercentileValues));
        foreach (var arrays in set.Samples())
        {
            for (int k = 0; k < arrays.Length; k++)
            {
                if (arrays[k] is not float[] values) continue;
                for (int i = 0; i < values.Length; i++)
                {
                    float v = values[i];
                    if (float.IsNaN(v) || float.IsInfinity(v))
                        throw new BakeException(ErrorCodes.CalibrationNotFinite,
                            $"Data '{path}' holds {(float.IsNaN(v) ? "NaN" : v > 0 ? "+Infinity" : "-Infinity")} in sample {sample}, element {i} of input '{Text.Printable(inputs[k].Name)}' (or a float64 value too large for float32). Every value must be a finite number: clean the data (numpy.nan_to_num, or drop the sample).");
                    if (v < min) min = v;
                    if (v > max) max = v;
                    if (seen++ % stride == 0) magnitudes.Add(Math.Abs(v));
                }
            }
            sample++;
        }
        if (magnitudes.Count == 0) return null; // no float input: integer data has no range to judge
        if (min == max) return $"holds the same value ({min}) everywhere, so every activation range is a single point";
        magnitudes.Sort();
        float p999 = magnitudes[(int)Math.Min(magnitudes.Count - 1, Math.Floor(magnitudes.Count * 0.999))];
        float extreme = Math.Max(Math.Abs(min), Math.Abs(max));
        if (p999 > 0 && extreme > OutlierFactor * p999)
            return FormattableString.Invariant($"holds a value of {(Math.Abs(min) > Math.Abs(max) ? min : max):G4} while 99.9 % of its values are within ±{p999:G4}, so the int8 input range spends its resolution on one outlier");
        return null;
    }

    private static CalibrationSet OpenLayout(string path, IReadOnlyList<PlanTensor> inputs)
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
            return TensorArrays.ToArray(tensor, input.ComputeType);
        }).ToArray()));
    }

    /// <summary>
    /// The documented fallback: <see cref="FallbackSamples"/> samples, float inputs uniform in [−1, 1] from a fixed
    /// seed, other inputs zero.
    /// </summary>
    public static CalibrationSet Fallback(IReadOnlyList<PlanTensor> inputs) => new(FallbackSamples, () =>
    {
        var random = new Random(0);
        Array Sample(PlanTensor t) => t.ComputeType == ElementType.Float32
            ? Enumerable.Range(0, t.Length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray()
            : Array.CreateInstance(TensorArrays.ClrType(t.ComputeType), t.Length);
        return Enumerable.Range(0, FallbackSamples).Select(_ => inputs.Select(Sample).ToArray());
    });

    /// <summary>A .npy file of whole samples, streamed one sample at a time.</summary>
    private static CalibrationSet FromNpy(string path, IReadOnlyList<PlanTensor> inputs)
    {
        RequireSingleInput(path, inputs);
        var input = inputs[0];
        var header = NpyReader.ReadHeader(path);
        if (header.Count == 0 || header.Count % input.Length != 0)
            throw Mismatch($"'{path}' has {header.Count} elements (shape {ShapeMath.Format(header.Shape)}), not a whole number of samples of input '{Text.Printable(input.Name)}' ({input.Length} elements, shape {ShapeMath.Format(input.Shape)})");
        // [N, …input shape…]: every dimension after the first is one sample's. A flat file of whole samples, or a single
        // sample in any shape, is taken too. A [features, samples] file is the transposed layout, not N samples.
        long perSample = header.Shape.Skip(1).Aggregate(1L, (p, d) => p * d);
        bool samplesFirst = header.Shape.Length <= 1 || header.Count == input.Length || perSample == input.Length;
        if (!samplesFirst)
        {
            bool transposed = header.Shape.Length == 2 && header.Shape[0] == input.Length;
            throw Mismatch($"'{path}' has shape {ShapeMath.Format(header.Shape)}, but one sample of input '{Text.Printable(input.Name)}' has {input.Length} elements (shape {ShapeMath.Format(input.Shape)}): " +
                (transposed ? "the file looks like [features, samples]; save its transpose (numpy.save(path, x.T))" : $"save it as [N, {string.Join(", ", input.Shape.Skip(1))}] with one sample per row"));
        }
        return new CalibrationSet(header.Count / input.Length, () =>
            NpyReader.ReadChunks(path, header, input.Length).Select(chunk => new[] { Convert(chunk, input.ComputeType) }));
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
        var data = TensorArrays.ToArray(tensor, input.ComputeType);
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
