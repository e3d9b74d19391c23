using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Onnx;
using ModelBaker.Core.Operators;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Options;
using ModelBaker.Core.Plan;

namespace ModelBaker.Cli.Conformance;

public enum Outcome { Pass, Fail, Skip }

/// <summary>What one case gave: PASS, FAIL with the first difference, or SKIP with the unsupported operator or type.</summary>
public sealed record CaseResult(string Name, Outcome Outcome, string? Reason)
{
    /// <summary>Timings, sizes and errors of the last data set run (null when the case did not get that far).</summary>
    public CaseMeasurements? Measurements { get; init; }

    /// <summary>An int8 run (<see cref="ConformanceRunner.RunInt8"/>): each output's signal-to-noise ratio against the float reference.</summary>
    public IReadOnlyList<OutputSnr>? SignalToNoise { get; init; }

    /// <summary>An int8 run: steps of the plan that run in float (float islands).</summary>
    public int FloatSteps { get; init; }

    public override string ToString() => Outcome switch
    {
        Outcome.Pass when SignalToNoise != null =>
            $"SNR {Name}: {string.Join(", ", SignalToNoise)}" + (FloatSteps == 0 ? "" : FloatSteps == 1 ? " (1 step in float)" : $" ({FloatSteps} steps in float)"),
        Outcome.Pass => $"PASS {Name}",
        Outcome.Fail => $"FAIL {Name}: {Reason}",
        _ => $"SKIP {Name}: {Reason}",
    };
}

/// <summary>
/// One output's signal-to-noise ratio, 10 · log10(Σ reference² / Σ (int8 − reference)²) over every data set: +∞ when
/// the int8 output equals the reference, −∞ when the reference is all zeros and the output is not.
/// </summary>
public sealed record OutputSnr(string Output, double Decibels)
{
    public override string ToString() => $"'{Output}' " + (double.IsPositiveInfinity(Decibels) ? "exact"
        : double.IsNegativeInfinity(Decibels) ? "-inf dB" : Decibels.ToString("0.0", CultureInfo.InvariantCulture) + " dB");
}

/// <summary>How long each stage took, how big the generated source was and how far the outputs were from the expected ones.</summary>
public sealed record CaseMeasurements(TimeSpan Bake, TimeSpan Compile, TimeSpan Run, int SourceLength, double MaxAbsoluteError, double MaxRelativeError)
{
    public override string ToString() => FormattableString.Invariant(
        $"bake {Bake.TotalSeconds:0.00} s, compile {Compile.TotalSeconds:0.00} s, run {Run.TotalSeconds:0.000} s, source {SourceLength / 1024.0:0} KB, max abs error {MaxAbsoluteError:G3}, max rel error {MaxRelativeError:G3}");
}

/// <summary>
/// Runs an ONNX backend test case through the generated C#, as users get it: bake in float mode
/// (Precision=Float32, no pruning), emit the class, compile it in memory, call Predict on every test data set and
/// compare with the expected outputs like numpy's allclose (rtol 1e-4, atol 1e-5; integers and booleans exactly).
/// </summary>
public static class ConformanceRunner
{
    public const double RelativeTolerance = 1e-4, AbsoluteTolerance = 1e-5;

    private static readonly HashSet<ElementType> SupportedTypes = new((ElementType[])Enum.GetValues(typeof(ElementType)));

    public static CaseResult Run(ConformanceCase testCase)
    {
        try
        {
            var graph = OnnxModelReader.Load(testCase.ModelPath);
            var unsupported = graph.Nodes.Select(n => n.OpType).Where(op => OperatorRegistry.Find(op) == null).Distinct().ToList();
            if (unsupported.Count > 0) return Skip(testCase, "operator " + string.Join(", ", unsupported) + " not supported");
            CaseMeasurements? measurements = null;
            foreach (var dataSet in testCase.DataSets)
            {
                (string? difference, measurements) = RunDataSet(testCase, dataSet);
                if (difference != null)
                    return new CaseResult(testCase.Name, Outcome.Fail, $"{dataSet.Name}: {difference}") { Measurements = measurements };
            }
            return new CaseResult(testCase.Name, Outcome.Pass, null) { Measurements = measurements };
        }
        catch (BakeException e) when (e.Code == ErrorCodes.UnsupportedElementType || e.Code == ErrorCodes.StringData)
        {
            return Skip(testCase, e.Message);
        }
        catch (BakeException e)
        {
            return new CaseResult(testCase.Name, Outcome.Fail, $"{e.Code}: {e.Message}");
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException or InvalidCastException)
        {
            return new CaseResult(testCase.Name, Outcome.Fail, $"{e.GetType().Name}: {e.Message}");
        }
    }

    private static CaseResult Skip(ConformanceCase testCase, string reason) => new(testCase.Name, Outcome.Skip, reason);

    /// <summary>Bakes (with this data set's bake-time inputs bound), compiles, runs and compares; null when equal.</summary>
    private static (string? Difference, CaseMeasurements Measurements) RunDataSet(ConformanceCase testCase, ConformanceDataSet dataSet)
    {
        var clock = Stopwatch.StartNew();
        var (graph, inputs) = Prepare(testCase, dataSet);

        var options = new BakeOptions(testCase.ModelPath, "Model", "Conformance") { Precision = Precision.Float32 };
        var plan = Baker.Bake(graph, "conformance", options, new SilentLog());
        var bakeTime = clock.Elapsed;
        clock.Restart();
        string source = ClassEmitter.Emit(plan);
        var predict = InMemoryCompiler.Compile(source, plan);
        var compileTime = clock.Elapsed;

        var inputArrays = plan.Inputs.Select(t => (object)TensorArrays.ToArray(inputs.First(i => i.Name == t.Name).Tensor, t.Type)).ToArray();
        var outputArrays = plan.Outputs.Select(t => (object)Array.CreateInstance(TensorArrays.ClrType(t.Type), t.Length)).ToArray();
        clock.Restart();
        predict(inputArrays, outputArrays);
        var runTime = clock.Elapsed;
        AsFloats(plan, outputArrays);

        var (expectedOutputs, missing) = ExpectedOutputs(graph, plan, dataSet);
        if (missing != null) return (missing, new CaseMeasurements(bakeTime, compileTime, runTime, source.Length, 0, 0));
        double maxAbsolute = 0, maxRelative = 0;
        for (int o = 0; o < plan.Outputs.Count; o++)
            if (outputArrays[o] is float[] floats && expectedOutputs[o] is { } expected && expected.Length == floats.Length)
            {
                var want = expected.AsFloats();
                for (int i = 0; i < want.Length; i++)
                {
                    double error = Math.Abs((double)floats[i] - want[i]);
                    if (double.IsNaN(error)) continue; // NaN where NaN is expected; a NaN difference fails the comparison below
                    maxAbsolute = Math.Max(maxAbsolute, error);
                    if (want[i] != 0) maxRelative = Math.Max(maxRelative, error / Math.Abs(want[i]));
                }
            }
        var measurements = new CaseMeasurements(bakeTime, compileTime, runTime, source.Length, maxAbsolute, maxRelative);

        for (int o = 0; o < plan.Outputs.Count; o++)
        {
            if (expectedOutputs[o] is not { } expected) continue;
            string? difference = Compare(plan.Outputs[o].Name, expected, (Array)outputArrays[o]);
            if (difference != null) return (difference, measurements);
        }
        return (null, measurements);
    }

    /// <summary>
    /// The data set's expected output per plan output: output_K.pb (light_NAME_output_K.pb) is graph output K. A ZipMap's
    /// sequence of maps has no file (ONNX Runtime writes no tensor for it), so that output alone goes unchecked (null) —
    /// the tensor it zips is compared where the model outputs it too. Any other output without a file is an error.
    /// </summary>
    private static (Tensor?[] Expected, string? Missing) ExpectedOutputs(Graph graph, BakedPlan plan, ConformanceDataSet dataSet)
    {
        var files = dataSet.Outputs.ToDictionary(f => OutputIndex(Path.GetFileNameWithoutExtension(f)));
        var expected = new Tensor?[plan.Outputs.Count];
        for (int o = 0; o < plan.Outputs.Count; o++)
        {
            if (files.TryGetValue(o, out var file)) expected[o] = TensorConverter.ReadTensorFile(file);
            else if (graph.Producer(plan.Outputs[o].Name)?.OpType != "ai.onnx.ml:ZipMap")
                return (expected, $"output '{plan.Outputs[o].Name}' has no reference file output_{o}.pb");
        }
        return (expected, null);
    }

    private static int OutputIndex(string fileName) => int.Parse(fileName.Substring(fileName.LastIndexOf('_') + 1), CultureInfo.InvariantCulture);

    /// <summary>
    /// The case's graph with this data set's bake-time inputs bound as constants and its other inputs shaped like the
    /// data; the data set's input tensors in graph-input order.
    /// </summary>
    private static (Graph Graph, List<(string Name, Tensor Tensor)> Inputs) Prepare(ConformanceCase testCase, ConformanceDataSet dataSet)
    {
        var graph = OnnxModelReader.Load(testCase.ModelPath);
        // Test data gives inputs in graph-input order; an omitted optional input has no file.
        var inputs = graph.Inputs.Zip(dataSet.Inputs, (name, file) => (Name: name, Tensor: TensorConverter.ReadTensorFile(file))).ToList();
        foreach (string name in BakeTimeInputs.Find(graph))
        {
            var tensor = inputs.First(i => i.Name == name).Tensor;
            graph[name].Constant = tensor;
            graph[name].Shape = tensor.Shape;
            graph.Inputs.Remove(name);
        }
        foreach (var (name, tensor) in inputs.Where(i => graph.Inputs.Contains(i.Name)))
            graph[name].Shape = tensor.Shape; // test data may use a batch the model leaves dynamic
        return (graph, inputs);
    }

    /// <summary>Calibration samples an int8 run draws per case.</summary>
    public const int CalibrationSamples = 16;

    /// <summary>
    /// The case baked int8 (<c>--precision int8</c>): calibrated on <see cref="CalibrationSamples"/> inputs drawn like the
    /// case's own — same shapes; float values uniform between the smallest and largest value of that input over the
    /// case's data sets, from a fixed seed; other types copied from the data sets in turn — then run as generated C# on
    /// every data set. The result is each output's signal-to-noise ratio against the case's float reference outputs,
    /// not a pass or a fail: quantization error is expected. The case fails only when the bake or the generated code
    /// breaks (an internal error, code that does not compile or throws) or an output is NaN or infinite where the
    /// reference is finite; operators, types or usages an int8 bake refuses with a coded error are skipped.
    /// </summary>
    public static CaseResult RunInt8(ConformanceCase testCase)
    {
        string calibration = Path.Combine(Path.GetTempPath(), "modelbaker-conformance-" + Guid.NewGuid().ToString("N"));
        try
        {
            var graph = OnnxModelReader.Load(testCase.ModelPath);
            var unsupported = graph.Nodes.Select(n => n.OpType).Where(op => OperatorRegistry.Find(op) == null).Distinct().ToList();
            if (unsupported.Count > 0) return Skip(testCase, "operator " + string.Join(", ", unsupported) + " not supported");
            var dataInputs = testCase.DataSets.Select(d => d.Inputs.Select(TensorConverter.ReadTensorFile).ToList()).ToList();
            var signal = new Dictionary<string, double>();
            var noise = new Dictionary<string, double>();
            var names = new List<string>();
            int floatSteps = 0;
            foreach (var dataSet in testCase.DataSets)
            {
                var (prepared, inputs) = Prepare(testCase, dataSet);
                WriteCalibration(calibration, prepared, inputs, dataInputs);
                var options = new BakeOptions(testCase.ModelPath, "Model", "Conformance") { Precision = Precision.Int8, CalibrationPath = calibration };
                var (plan, report) = Baker.BakeWithReport(prepared, "conformance", options, new SilentLog());
                floatSteps = report.FloatSteps;
                var predict = InMemoryCompiler.Compile(ClassEmitter.Emit(plan), plan);
                var inputArrays = plan.Inputs.Select(t => (object)TensorArrays.ToArray(inputs.First(i => i.Name == t.Name).Tensor, t.Type)).ToArray();
                var outputArrays = plan.Outputs.Select(t => (object)Array.CreateInstance(TensorArrays.ClrType(t.Type), t.Length)).ToArray();
                predict(inputArrays, outputArrays);
                AsFloats(plan, outputArrays);
                var (expectedOutputs, missing) = ExpectedOutputs(prepared, plan, dataSet);
                if (missing != null) return new CaseResult(testCase.Name, Outcome.Fail, $"{dataSet.Name}: {missing}");
                for (int o = 0; o < plan.Outputs.Count; o++)
                {
                    string name = plan.Outputs[o].Name;
                    if (expectedOutputs[o] is not { } expected) continue;
                    var actual = (Array)outputArrays[o];
                    if (expected.Length != actual.Length)
                        return new CaseResult(testCase.Name, Outcome.Fail, $"{dataSet.Name}: output '{name}' has {actual.Length} elements, expected {expected.Length}");
                    var want = expected.AsFloats();
                    if (!names.Contains(name)) { names.Add(name); signal[name] = 0; noise[name] = 0; }
                    for (int i = 0; i < want.Length; i++)
                    {
                        double a = Convert.ToDouble(actual.GetValue(i), CultureInfo.InvariantCulture), e = want[i];
                        if (double.IsNaN(e) || double.IsInfinity(e)) continue; // no finite reference to measure against
                        if (double.IsNaN(a) || double.IsInfinity(a))
                            return new CaseResult(testCase.Name, Outcome.Fail,
                                $"{dataSet.Name}: output '{name}'[{i}] = {a.ToString("R", CultureInfo.InvariantCulture)}, expected {e.ToString("R", CultureInfo.InvariantCulture)}");
                        signal[name] += e * e;
                        noise[name] += (a - e) * (a - e);
                    }
                }
            }
            var snr = names.Select(n => new OutputSnr(n, noise[n] == 0 ? double.PositiveInfinity : 10 * Math.Log10(signal[n] / noise[n]))).ToList();
            return new CaseResult(testCase.Name, Outcome.Pass, null) { SignalToNoise = snr, FloatSteps = floatSteps };
        }
        catch (BakeException e) when (e.Code != ErrorCodes.InternalError)
        {
            return Skip(testCase, $"{e.Code}: {e.Message}");
        }
        catch (BakeException e)
        {
            return new CaseResult(testCase.Name, Outcome.Fail, $"{e.Code}: {e.Message}");
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException or InvalidCastException
            or NotSupportedException or NullReferenceException or TargetInvocationException)
        {
            var inner = e is TargetInvocationException { InnerException: { } thrown } ? thrown : e;
            return new CaseResult(testCase.Name, Outcome.Fail, $"{inner.GetType().Name}: {inner.Message}");
        }
        finally
        {
            if (Directory.Exists(calibration)) Directory.Delete(calibration, recursive: true);
        }
    }

    /// <summary>
    /// <paramref name="folder"/>/sample_NN/input_K.pb for the prepared graph's inputs (the layout CalibrationSet reads for
    /// any number of inputs): float inputs uniform in the range the data sets give that input, from seed 17; other
    /// types copied from the data sets in turn, where their shape fits, else from this data set.
    /// </summary>
    private static void WriteCalibration(string folder, Graph graph, List<(string Name, Tensor Tensor)> inputs, List<List<Tensor>> dataInputs)
    {
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        var random = new Random(17);
        for (int sample = 0; sample < CalibrationSamples; sample++)
        {
            string sampleFolder = Path.Combine(folder, $"sample_{sample:00}");
            Directory.CreateDirectory(sampleFolder);
            for (int k = 0; k < graph.Inputs.Count; k++)
            {
                int position = inputs.FindIndex(i => i.Name == graph.Inputs[k]);
                var own = inputs[position].Tensor;
                var seen = dataInputs.Where(d => position < d.Count).Select(d => d[position]).ToList();
                Tensor drawn;
                if (own.Type == ElementType.Float32)
                {
                    var values = seen.SelectMany(t => t.AsFloats()).Where(v => !float.IsNaN(v) && !float.IsInfinity(v)).DefaultIfEmpty(0f).ToList();
                    float min = values.Min(), max = values.Max();
                    drawn = Tensor.FromFloats(own.Shape, Enumerable.Range(0, own.Length).Select(_ => (float)(min + random.NextDouble() * (max - min))).ToArray());
                }
                else
                {
                    var candidate = seen[sample % seen.Count];
                    drawn = candidate.Length == own.Length ? candidate : own;
                }
                TensorConverter.WriteTensorFile(drawn, Path.Combine(sampleFolder, $"input_{k}.pb"));
            }
        }
    }

    /// <summary>
    /// Double, float16, bfloat16, float8 and float4 outputs as the floats the plan computed (bits decoded, doubles narrowed:
    /// all exact), so they compare with the reference as float outputs do (a NaN of either sign equals NaN).
    /// </summary>
    private static void AsFloats(BakedPlan plan, object[] outputs)
    {
        for (int o = 0; o < outputs.Length; o++)
            outputs[o] = plan.Outputs[o].Type switch
            {
                ElementType.Double => ((double[])outputs[o]).Select(d => (float)d).ToArray(),
                ElementType.Float16 => ((ushort[])outputs[o]).Select(HalfPrecision.HalfToFloat).ToArray(),
                ElementType.BFloat16 => ((ushort[])outputs[o]).Select(bits => NarrowTypes.Decode(ElementType.BFloat16, bits)).ToArray(),
                var type when NarrowTypes.Format(type) != null => ((byte[])outputs[o]).Select(bits => NarrowTypes.Decode(type, bits)).ToArray(),
                _ => outputs[o],
            };
    }

    private static string? Compare(string name, Tensor expected, Array actual)
    {
        if (expected.Length != actual.Length)
            return $"output '{name}' has {actual.Length} elements, expected {expected.Length} (shape {ShapeMath.Format(expected.Shape)})";
        if (actual is float[] floats)
        {
            var want = expected.AsFloats();
            for (int i = 0; i < want.Length; i++)
            {
                float a = floats[i], e = want[i];
                bool equal = float.IsNaN(e) ? float.IsNaN(a)
                    : float.IsInfinity(e) ? a == e
                    : Math.Abs(a - e) <= AbsoluteTolerance + RelativeTolerance * Math.Abs(e);
                if (!equal) return $"output '{name}'[{i}] = {a.ToString("R", CultureInfo.InvariantCulture)}, expected {e.ToString("R", CultureInfo.InvariantCulture)}";
            }
            return null;
        }
        var exact = TensorArrays.ToArray(expected, TypeOf(actual));
        for (int i = 0; i < exact.Length; i++)
            if (!Equals(exact.GetValue(i), actual.GetValue(i)))
                return $"output '{name}'[{i}] = {actual.GetValue(i)}, expected {exact.GetValue(i)}";
        return null;
    }

    // By the array's exact element type: the CLR lets a byte[] pass as an sbyte[] in a type test (and the reverse).
    private static ElementType TypeOf(Array array) => array.GetType().GetElementType() switch
    {
        var t when t == typeof(sbyte) => ElementType.Int8,
        var t when t == typeof(byte) => ElementType.UInt8,
        var t when t == typeof(int) => ElementType.Int32,
        var t when t == typeof(long) => ElementType.Int64,
        var t when t == typeof(bool) => ElementType.Bool,
        var t when t == typeof(short) => ElementType.Int16,
        var t when t == typeof(ushort) => ElementType.UInt16,
        var t when t == typeof(uint) => ElementType.UInt32,
        var t when t == typeof(ulong) => ElementType.UInt64,
        _ => ElementType.Float32,
    };

    private sealed class SilentLog : IBakeLog
    {
        public void Info(string message) { }
        public void Warning(string code, string message) { }
    }
}
