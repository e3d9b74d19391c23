using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using ModelBaker.Cli.Conformance;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Options;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Serialization;
using ModelBaker.Tests.NanoFramework;
using ModelBaker.Tests.Support;
using Float16 = Microsoft.ML.OnnxRuntime.Float16;

namespace ModelBaker.Tests.Pipeline;

/// <summary>
/// Double and float16 tensors, computed in float32 and converted at the model's edges (docs/architecture.md, "Double and
/// float16 tensors"), on the models build/make_double_fixtures.py made: scikit-learn forests converted for double input and
/// a float16 graph. Generated Predict takes and returns double and ushort (float16 bits); outputs match ONNX Runtime; the
/// bake says MB1136 once; the nanoFramework class equals the .NET class and the interpreter bit for bit.
/// </summary>
public sealed class DoubleAndFloat16Tests
{
    private static string Model(string name) => TestData.Path("doubles", name + ".onnx");

    /// <summary>The fixture's rows as the file holds them (double), and their shape.</summary>
    private static (double[] Values, int[] Shape) Doubles(string name)
    {
        var proto = Core.Onnx.Protos.TensorProto.Parser.ParseFrom(File.ReadAllBytes(TestData.Path("doubles", name + ".input.pb")));
        Assert.Equal((int)ElementType.Double, proto.DataType);
        var values = new double[proto.RawData.Length / 8];
        Buffer.BlockCopy(proto.RawData.ToByteArray(), 0, values, 0, proto.RawData.Length);
        return (values, proto.Dims.Select(d => (int)d).ToArray());
    }

    private static ushort[] Halves(string name)
    {
        var proto = Core.Onnx.Protos.TensorProto.Parser.ParseFrom(File.ReadAllBytes(TestData.Path("doubles", name + ".input.pb")));
        Assert.Equal((int)ElementType.Float16, proto.DataType);
        var bytes = proto.RawData.ToByteArray();
        return Enumerable.Range(0, bytes.Length / 2).Select(i => BitConverter.ToUInt16(bytes, 2 * i)).ToArray();
    }

    /// <summary>ONNX Runtime on one row of double features: each output as doubles (labels as their values).</summary>
    private static Dictionary<string, double[]> Ort(InferenceSession session, double[] row)
    {
        var feed = NamedOnnxValue.CreateFromTensor("X", new DenseTensor<double>(row, new[] { 1, row.Length }));
        using var results = session.Run(new[] { feed });
        return results.ToDictionary(r => r.Name, r => r.Value switch
        {
            Tensor<double> d => d.ToArray(),
            Tensor<float> f => f.Select(v => (double)v).ToArray(),
            Tensor<long> l => l.Select(v => (double)v).ToArray(),
            _ => throw new NotSupportedException($"ORT output '{r.Name}' is {r.Value?.GetType()}"),
        });
    }

    private static BakedPlan Bake(string name, RecordingLog log, Precision precision = Precision.Float32, CodeTarget target = CodeTarget.Net,
        string? calibration = null) =>
        PlanFile.Read(PlanFile.ToBytes(Baker.Bake(new BakeOptions(Model(name), "Forest", "Tests")
            { Precision = precision, Target = target, CalibrationPath = calibration }, log)));

    private static object[] NewOutputs(BakedPlan plan) =>
        plan.Outputs.Select(t => (object)Array.CreateInstance(TensorArrays.ClrType(t.Type), t.Length)).ToArray();

    private static double[] AsDoubles(object array) => ((Array)array).Cast<object>().Select(v => Convert.ToDouble(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    [Theory]
    [InlineData("double_forest_regressor", new[] { ElementType.Double }, "'X' is double, 'variable' is double")]
    [InlineData("double_forest_classifier", new[] { ElementType.Int64, ElementType.Float32 }, "'X' is double")]
    public void Double_input_forests_match_ONNX_Runtime_through_generated_code(string name, ElementType[] outputTypes, string named)
    {
        var log = new RecordingLog();
        var plan = Bake(name, log);
        var warning = Assert.Single(log.Warnings, w => w.Code == ErrorCodes.ComputedInFloat32);
        Assert.Equal("MB1136", warning.Code);
        Assert.Contains($"{name}.onnx: tensor {named}", warning.Message);
        Assert.Contains("computed in float32 (about 7 significant digits)", warning.Message);
        Assert.Equal(ElementType.Double, plan.Inputs[0].Type);
        Assert.Equal(outputTypes, plan.Outputs.Select(t => t.Type));

        string source = ClassEmitter.Emit(plan);
        Assert.Contains("public static void Predict(ReadOnlySpan<double> input, ", source);
        var predict = InMemoryCompiler.Compile(source, plan);
        using var session = new InferenceSession(Model(name));
        var (rows, shape) = Doubles(name);
        int features = shape[1];
        for (int r = 0; r < shape[0]; r++)
        {
            var row = rows.Skip(r * features).Take(features).ToArray();
            var outputs = NewOutputs(plan);
            predict(new object[] { row }, outputs);
            var ort = Ort(session, row);
            // The plan interpreter computes in float32 and takes the row rounded to floats: the class equals it exactly.
            var interpreted = PlanInterpreter.RunTensors(plan, new Array[] { row.Select(v => (float)v).ToArray() });
            for (int o = 0; o < plan.Outputs.Count; o++)
            {
                double[] ours = AsDoubles(outputs[o]), want = ort[plan.Outputs[o].Name];
                Assert.Equal(AsDoubles(interpreted[o]), ours);
                Assert.Equal(want.Length, ours.Length);
                for (int i = 0; i < want.Length; i++)
                    Assert.True(Math.Abs(ours[i] - want[i]) <= 1e-5 * Math.Max(1, Math.Abs(want[i])), $"{name} row {r} '{plan.Outputs[o].Name}'[{i}]: {ours[i]:R}, ONNX Runtime {want[i]:R}");
            }
        }
        var input = new object[] { rows.Take(features).ToArray() };
        var reused = NewOutputs(plan);
        predict(input, reused);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++) predict(input, reused);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Float16_edges_take_and_return_bits_and_round_as_ONNX_Runtime_does()
    {
        var log = new RecordingLog();
        var plan = Bake("half_scale", log);
        var warning = Assert.Single(log.Warnings, w => w.Code == ErrorCodes.ComputedInFloat32);
        Assert.Contains("tensor 'X' is float16, 'Y' is float16, 'c' is float16", warning.Message);
        Assert.Equal(new[] { ElementType.Float16, ElementType.Float16 }, plan.Inputs.Concat(plan.Outputs).Select(t => t.Type));
        Assert.Single(plan.Kernels.OfType<HalfRounding>());

        string source = ClassEmitter.Emit(plan);
        Assert.Contains("public static void Predict(ReadOnlySpan<ushort> input, Span<ushort> output)", source);
        var predict = InMemoryCompiler.Compile(source, plan);
        var x = Halves("half_scale");
        var y = new ushort[x.Length];
        predict(new object[] { x }, new object[] { y });

        using var session = new InferenceSession(Model("half_scale"));
        using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor("X", new DenseTensor<Float16>(x.Select(h => new Float16(h)).ToArray(), new[] { x.Length })) });
        var want = results.Single().AsTensor<Float16>().Select(h => h.value).ToArray();
        Assert.Equal(want, y); // bit for bit: the same float32 arithmetic, one rounding to float16
        Assert.Contains(y, h => h == 0x7C00); // 65504 · 3·10^4 overflows to +∞, as float16 does
    }

    [Fact]
    public void The_nanoFramework_class_equals_the_NET_class_and_the_interpreter_for_a_double_input_model()
    {
        var (rows, shape) = Doubles("double_forest_regressor");
        int features = shape[1];
        var samples = Enumerable.Range(0, shape[0]).Select(r => rows.Skip(r * features).Take(features).ToArray()).ToList();
        using var folder = new TempFolder();
        string calibration = folder.Path("calibration.npy");
        Npy.Write(calibration, samples.Select(s => s.Select(v => (float)v).ToArray()).ToArray());

        var net = Bake("double_forest_regressor", new RecordingLog(), Precision.Int8, CodeTarget.Net, calibration);
        var nano = Bake("double_forest_regressor", new RecordingLog(), Precision.Int8, CodeTarget.NanoFramework, calibration);
        Assert.All(nano.Inputs.Concat(nano.Outputs), t => Assert.True(t.Type == ElementType.Double && t.IsQuantized));
        var predict = InMemoryCompiler.Compile(ClassEmitter.Emit(net), net);
        string nanoSource = ClassEmitter.Emit(nano);
        Assert.Contains("public static void Predict(double[] input, double[] output)", nanoSource);
        NanoCompiler.AssertNanoFrameworkClean(nanoSource);
        var nanoClass = NanoCompiler.CompileForNet(nanoSource, "Tests.Forest");

        var distinct = new HashSet<double>();
        foreach (var sample in samples)
        {
            var expected = PlanInterpreter.RunTensors(nano, new Array[] { sample.Select(v => (float)v).ToArray() });
            Assert.Equal(AsDoubles(expected[0]), AsDoubles(PlanInterpreter.RunTensors(net, new Array[] { sample.Select(v => (float)v).ToArray() })[0]));
            var netOutput = new double[1];
            predict(new object[] { sample }, new object[] { netOutput });
            var nanoOutput = new double[1];
            NanoCompiler.Call(nanoClass, "Predict", sample, nanoOutput);
            Assert.Equal(AsDoubles(expected[0]), netOutput);
            Assert.Equal(netOutput, nanoOutput);
            distinct.Add(nanoOutput[0]);
        }
        Assert.True(distinct.Count > 3, "the samples reach different leaves");
    }

    [Fact]
    public void The_nanoFramework_class_converts_float16_edges_with_integer_and_float_arithmetic_alone()
    {
        var x = Halves("half_scale");
        using var folder = new TempFolder();
        string calibration = folder.Path("calibration.npy");
        Npy.Write(calibration, new[] { x.Select(HalfPrecision.HalfToFloat).Select(v => Math.Clamp(v, -1000f, 1000f)).ToArray() });
        var net = Bake("half_scale", new RecordingLog(), Precision.Int8, CodeTarget.Net, calibration);
        var nano = Bake("half_scale", new RecordingLog(), Precision.Int8, CodeTarget.NanoFramework, calibration);
        string nanoSource = ClassEmitter.Emit(nano);
        Assert.Contains("public static void Predict(ushort[] input, ushort[] output)", nanoSource);
        Assert.Contains("private static float HalfToFloat(ushort bits)", nanoSource);
        NanoCompiler.AssertNanoFrameworkClean(nanoSource);
        var nanoClass = NanoCompiler.CompileForNet(nanoSource, "Tests.Forest");
        var predict = InMemoryCompiler.Compile(ClassEmitter.Emit(net), net);

        var netOutput = new ushort[x.Length];
        predict(new object[] { x }, new object[] { netOutput });
        var nanoOutput = new ushort[x.Length];
        NanoCompiler.Call(nanoClass, "Predict", x, nanoOutput);
        var interpreted = (float[])PlanInterpreter.RunTensors(nano, new Array[] { x.Select(HalfPrecision.HalfToFloat).ToArray() })[0];
        Assert.Equal(interpreted.Select(HalfPrecision.FloatToHalf), netOutput);
        Assert.Equal(netOutput, nanoOutput);
    }

    [Fact]
    public void A_Cast_of_integers_to_float16_converts_then_rounds_in_plan_and_generated_code()
    {
        var graph = new Operators.GraphBuilder(17).Input("n", ElementType.Int64, 5)
            .Node("Cast", new[] { "n" }, new[] { "h" }, Operators.GraphBuilder.Int("to", (long)ElementType.Float16)).Output("h").Graph;
        var log = new RecordingLog();
        var plan = Baker.Bake(graph, "test", new BakeOptions("cast.onnx", "HalfCast", "Tests") { Precision = Precision.Float32 }, log);
        Assert.Contains("tensor 'h' is float16;", Assert.Single(log.Warnings, w => w.Code == ErrorCodes.ComputedInFloat32).Message);
        Assert.Equal(new[] { KernelKind.Conversion, KernelKind.HalfRounding }, plan.Kernels.Select(k => k.Kind));
        var n = new long[] { 2049, 4097, -70000, 3, 65519 };
        var expected = new[] { 2048f, 4096f, float.NegativeInfinity, 3f, 65504f }; // ties to even, spacing 4 above 4096, past the range
        Assert.Equal(expected, (float[])PlanInterpreter.RunTensors(plan, new Array[] { n })[0]);
        Assert.Equal(ElementType.Float16, plan.Outputs[0].Type); // a Cast to float16 the graph outputs is a float16 output
        var output = new ushort[5];
        InMemoryCompiler.Compile(ClassEmitter.Emit(plan), plan)(new object[] { n }, new object[] { output });
        Assert.Equal(new ushort[] { 0x6800, 0x6C00, 0xFC00, 0x4200, 0x7BFF }, output);
    }
}
