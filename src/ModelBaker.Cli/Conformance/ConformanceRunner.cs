using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Onnx;
using ModelBaker.Core.Operators;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Options;

namespace ModelBaker.Cli.Conformance;

public enum Outcome { Pass, Fail, Skip }

/// <summary>What one case gave: PASS, FAIL with the first difference, or SKIP with the unsupported operator or type.</summary>
public sealed record CaseResult(string Name, Outcome Outcome, string? Reason)
{
    /// <summary>Timings, sizes and errors of the last data set run (null when the case did not get that far).</summary>
    public CaseMeasurements? Measurements { get; init; }

    public override string ToString() => Outcome switch
    {
        Outcome.Pass => $"PASS {Name}",
        Outcome.Fail => $"FAIL {Name}: {Reason}",
        _ => $"SKIP {Name}: {Reason}",
    };
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
        var graph = OnnxModelReader.Load(testCase.ModelPath);
        var inputFiles = dataSet.Inputs;
        var outputFiles = dataSet.Outputs;
        // Test data gives inputs in graph-input order; an omitted optional input has no file.
        var inputs = graph.Inputs.Zip(inputFiles, (name, file) => (Name: name, Tensor: TensorConverter.ReadTensorFile(file))).ToList();
        foreach (string name in BakeTimeInputs.Find(graph))
        {
            var tensor = inputs.First(i => i.Name == name).Tensor;
            graph[name].Constant = tensor;
            graph[name].Shape = tensor.Shape;
            graph.Inputs.Remove(name);
        }
        foreach (var (name, tensor) in inputs.Where(i => graph.Inputs.Contains(i.Name)))
            graph[name].Shape = tensor.Shape; // test data may use a batch the model leaves dynamic

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

        // output_K.pb (light_NAME_output_K.pb) is graph output K; a ZipMap's sequence of maps has no file (ONNX Runtime
        // writes no tensor for it), so that output alone goes unchecked — the tensor it zips is compared where the model
        // outputs it too.
        var files = outputFiles.ToDictionary(f => OutputIndex(Path.GetFileNameWithoutExtension(f)));
        var expectedOutputs = new Tensor?[plan.Outputs.Count];
        for (int o = 0; o < plan.Outputs.Count; o++)
        {
            if (files.TryGetValue(o, out var file)) expectedOutputs[o] = TensorConverter.ReadTensorFile(file);
            else if (graph.Producer(plan.Outputs[o].Name)?.OpType != "ai.onnx.ml:ZipMap")
                return ($"output '{plan.Outputs[o].Name}' has no reference file output_{o}.pb", new CaseMeasurements(bakeTime, compileTime, runTime, source.Length, 0, 0));
        }
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

    private static int OutputIndex(string fileName) => int.Parse(fileName.Substring(fileName.LastIndexOf('_') + 1), CultureInfo.InvariantCulture);

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
        _ => ElementType.Float32,
    };

    private sealed class SilentLog : IBakeLog
    {
        public void Info(string message) { }
        public void Warning(string code, string message) { }
    }
}
