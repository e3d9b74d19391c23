using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace ModelBaker.Cli.Conformance;

/// <summary>One set of test data: input_K.pb files to feed, output files to expect, in order.</summary>
public sealed record ConformanceDataSet(string Name, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs);

/// <summary>
/// One conformance case: a model and its test data. Two layouts are found: an ONNX backend test case (a folder with
/// model.onnx and test_data_set_N/{input,output}_K.pb), and a "light" real-architecture model (light_NAME.onnx with
/// input_0.pb and light_NAME_output_0.pb beside it, as in onnx/light of the ONNX test data).
/// </summary>
public sealed class ConformanceCase
{
    private ConformanceCase(string name, string modelPath, IReadOnlyList<ConformanceDataSet> dataSets, bool isLightModel)
    {
        Name = name;
        ModelPath = modelPath;
        DataSets = dataSets;
        IsLightModel = isLightModel;
    }

    public string Name { get; }
    public string ModelPath { get; }
    public IReadOnlyList<ConformanceDataSet> DataSets { get; }
    /// <summary>A whole real architecture rather than one operator: the runner reports its timings.</summary>
    public bool IsLightModel { get; }

    /// <summary>Every case below <paramref name="root"/>, in name order.</summary>
    public static IReadOnlyList<ConformanceCase> Find(string root) =>
        Directory.GetFiles(root, "model.onnx", SearchOption.AllDirectories).Select(BackendCase)
            .Concat(Directory.GetFiles(root, "light_*.onnx", SearchOption.AllDirectories).Select(LightModel))
            .Where(c => c.DataSets.Count > 0)
            .OrderBy(c => c.Name, System.StringComparer.Ordinal)
            .ToList();

    private static ConformanceCase BackendCase(string modelPath)
    {
        string folder = Path.GetDirectoryName(modelPath)!;
        var dataSets = Directory.GetDirectories(folder, "test_data_set_*").OrderBy(d => d, System.StringComparer.Ordinal)
            .Select(d => new ConformanceDataSet(Path.GetFileName(d), Files(d, "input"), Files(d, "output"))).ToList();
        return new ConformanceCase(Path.GetFileName(folder), modelPath, dataSets, isLightModel: false);
    }

    /// <summary>light_NAME.onnx: one data set, input_0.pb (shared by all light models) and light_NAME_output_0.pb.</summary>
    private static ConformanceCase LightModel(string modelPath)
    {
        string folder = Path.GetDirectoryName(modelPath)!, name = Path.GetFileNameWithoutExtension(modelPath);
        string input = Path.Combine(folder, "input_0.pb"), output = Path.Combine(folder, name + "_output_0.pb");
        var dataSets = File.Exists(input) && File.Exists(output)
            ? new[] { new ConformanceDataSet(name + "_output_0", new[] { input }, new[] { output }) }
            : new ConformanceDataSet[0];
        return new ConformanceCase(name, modelPath, dataSets, isLightModel: true);
    }

    private static IReadOnlyList<string> Files(string dataSet, string prefix) =>
        Directory.GetFiles(dataSet, prefix + "_*.pb")
            .OrderBy(f => int.Parse(Path.GetFileNameWithoutExtension(f).Substring(prefix.Length + 1), System.Globalization.CultureInfo.InvariantCulture))
            .ToList();
}
