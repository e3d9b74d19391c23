using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace ModelBaker.Cli.Conformance;

/// <summary>One ONNX backend test case: a folder with model.onnx and test_data_set_N/{input,output}_K.pb.</summary>
public sealed class ConformanceCase
{
    private ConformanceCase(string folder) => Folder = folder;

    public string Folder { get; }
    public string Name => Path.GetFileName(Folder);
    public string ModelPath => Path.Combine(Folder, "model.onnx");

    public IReadOnlyList<string> DataSets =>
        Directory.GetDirectories(Folder, "test_data_set_*").OrderBy(d => d, System.StringComparer.Ordinal).ToList();

    /// <summary>Every case folder below <paramref name="root"/>, in name order.</summary>
    public static IReadOnlyList<ConformanceCase> Find(string root) =>
        Directory.GetFiles(root, "model.onnx", SearchOption.AllDirectories)
            .Select(p => new ConformanceCase(Path.GetDirectoryName(p)!))
            .Where(c => c.DataSets.Count > 0)
            .OrderBy(c => c.Name, System.StringComparer.Ordinal)
            .ToList();

    public static IReadOnlyList<string> Files(string dataSet, string prefix) =>
        Directory.GetFiles(dataSet, prefix + "_*.pb")
            .OrderBy(f => int.Parse(Path.GetFileNameWithoutExtension(f).Substring(prefix.Length + 1), System.Globalization.CultureInfo.InvariantCulture))
            .ToList();
}
