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
/// Representative inputs, one float array per model input per sample. From the <c>Calibration</c> metadata:
/// a .npy file whose elements are whole samples of the (single) input, e.g. [N, 64] for a 64-element input;
/// or a folder of TensorProto .pb files, each holding one or more samples of the single input; or a folder of
/// ONNX test-data folders (<c>*/input_K.pb</c>) for models with several inputs.
/// </summary>
public static class CalibrationSet
{
    /// <summary>Samples the fallback makes when no calibration data is given (see docs/quantization.md).</summary>
    public const int FallbackSamples = 128;

    public static IReadOnlyList<Array[]> Load(string path, IReadOnlyList<PlanTensor> inputs)
    {
        if (File.Exists(path))
        {
            RequireSingleInput(path, inputs);
            return Split(NpyReader.Read(path), inputs[0], path).ToList();
        }
        if (!Directory.Exists(path))
            throw new BakeException(ErrorCodes.CalibrationNotFound, $"Calibration data '{path}' does not exist. Give a .npy file or a folder of TensorProto .pb files.");

        var files = Directory.GetFiles(path, "*.pb").OrderBy(f => f, StringComparer.Ordinal).ToList();
        var samples = new List<Array[]>();
        if (files.Count > 0)
        {
            RequireSingleInput(path, inputs);
            foreach (var file in files) samples.AddRange(Split(ReadPb(file), inputs[0], file));
        }
        else
        {
            foreach (var folder in Directory.GetDirectories(path).OrderBy(f => f, StringComparer.Ordinal))
            {
                var sample = new Array[inputs.Count];
                for (int i = 0; i < inputs.Count; i++)
                {
                    string file = Path.Combine(folder, $"input_{i}.pb");
                    if (!File.Exists(file)) throw Mismatch($"'{folder}' has no input_{i}.pb; each sample folder needs one file per model input");
                    var tensor = ReadPb(file);
                    if (tensor.Length != inputs[i].Length) throw Mismatch($"'{file}' has {tensor.Length} elements; input '{inputs[i].Name}' needs {inputs[i].Length}");
                    sample[i] = TensorArrays.ToArray(tensor, inputs[i].Type);
                }
                samples.Add(sample);
            }
        }
        if (samples.Count == 0)
            throw new BakeException(ErrorCodes.CalibrationUnreadable, $"Calibration folder '{path}' holds no .pb files and no sample folders.");
        return samples;
    }

    /// <summary>
    /// The documented fallback: <see cref="FallbackSamples"/> samples, float inputs uniform in [−1, 1] from a fixed
    /// seed, other inputs zero.
    /// </summary>
    public static IReadOnlyList<Array[]> Fallback(IReadOnlyList<PlanTensor> inputs)
    {
        var random = new Random(0);
        Array Sample(PlanTensor t) => t.Type == ElementType.Float32
            ? Enumerable.Range(0, t.Length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray()
            : Array.CreateInstance(TensorArrays.ClrType(t.Type), t.Length);
        return Enumerable.Range(0, FallbackSamples).Select(_ => inputs.Select(Sample).ToArray()).ToList();
    }

    private static Tensor ReadPb(string file)
    {
        try { return TensorConverter.ReadTensorFile(file); }
        catch (BakeException e) { throw new BakeException(ErrorCodes.CalibrationUnreadable, $"Calibration file '{file}' is not a readable TensorProto: {e.Message}"); }
    }

    private static IEnumerable<Array[]> Split(Tensor tensor, PlanTensor input, string file)
    {
        if (tensor.Length == 0 || tensor.Length % input.Length != 0)
            throw Mismatch($"'{file}' has {tensor.Length} elements (shape {ShapeMath.Format(tensor.Shape)}), not a whole number of samples of input '{input.Name}' ({input.Length} elements, shape {ShapeMath.Format(input.Shape)})");
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
