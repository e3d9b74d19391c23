using ModelBaker.Core.Calibration;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Options;

namespace ModelBaker.Tests.Support;

/// <summary>The sample app's trained digits MLP and its data (copied next to the tests as data/sample/).</summary>
public static class SampleModels
{
    public static string DigitsModel => TestData.Path("sample", "models", "digits_mlp.onnx");
    public static string DigitsCalibration => TestData.Path("sample", "data", "digits_calibration.npy");

    public static float[][] DigitsTestInputs() => Rows(TestData.Path("sample", "data", "digits_test_x.npy"));

    /// <summary>The samples of a two-dimensional .npy file, one array each.</summary>
    public static float[][] Rows(string path)
    {
        var x = NpyReader.Read(path);
        var data = x.AsFloats();
        int length = x.Shape[1];
        return Enumerable.Range(0, x.Shape[0]).Select(i => data.Skip(i * length).Take(length).ToArray()).ToArray();
    }

    public static int[] DigitsTestLabels() =>
        NpyReader.Read(TestData.Path("sample", "data", "digits_test_y.npy")).AsFloats().Select(v => (int)v).ToArray();

    public static BakeOptions DigitsOptions(float sparsity = 0.5f, Precision precision = Precision.Int8) =>
        new(DigitsModel, "DigitsMlp", "Samples") { Sparsity = sparsity, Precision = precision, CalibrationPath = DigitsCalibration };

    private static readonly Dictionary<(float, Precision), BakedPlan> Cache = new();

    /// <summary>Baked once per test run and option set: several test classes use the same plans.</summary>
    public static BakedPlan Digits(float sparsity = 0.5f, Precision precision = Precision.Int8)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue((sparsity, precision), out var plan))
                Cache[(sparsity, precision)] = plan = Baker.Bake(DigitsOptions(sparsity, precision), new RecordingLog());
            return plan;
        }
    }

    public static int ArgMax(float[] values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }
}

/// <summary>An IBakeLog that keeps what it was told, for assertions.</summary>
public sealed class RecordingLog : IBakeLog
{
    public List<string> Messages { get; } = new();
    public List<(string Code, string Message)> Warnings { get; } = new();
    public void Info(string message) => Messages.Add(message);
    public void Warning(string code, string message) => Warnings.Add((code, message));
}
