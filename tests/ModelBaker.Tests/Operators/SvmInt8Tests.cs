using ModelBaker.Cli.Conformance;
using ModelBaker.Core.Calibration;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Onnx;
using ModelBaker.Core.Options;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;
using ModelBaker.Core.Serialization;
using ModelBaker.Tests.NanoFramework;
using ModelBaker.Tests.Support;
using Xunit.Abstractions;

namespace ModelBaker.Tests.Operators;

/// <summary>
/// SVMClassifier and SVMRegressor in int8 plans (docs/classical-ml.md#int8-support-vector-machines): integer kernel values
/// for LINEAR, POLY, RBF and SIGMOID (level tables of the kernel function), one-vs-one decision values as an int8 fully
/// connected step, votes on int8, Platt probabilities and pairwise coupling in fixed point. On the sklearn fixtures the
/// interpreter, the .NET code and the nanoFramework code agree bit for bit; labels and scores are measured against the float model.
/// </summary>
public sealed class SvmInt8Tests
{
    private readonly ITestOutputHelper _output;

    public SvmInt8Tests(ITestOutputHelper output) => _output = output;

    private const int Rows = 64;

    public static TheoryData<string> Fixtures => new()
    {
        "svc_linear_kernel_multi", "svc_poly_binary", "svc_rbf_probability", "svc_sigmoid_multi", "svm_linear_binary", "svm_linear_model",
        "svr_rbf", "svr_linear_model", "one_class_svm", "svc_rbf_probability_binary", "svc_poly_probability_5",
    };

    private static Graph Load(string name)
    {
        var graph = OnnxModelReader.Load(TestData.Path("classical", name + ".onnx"));
        graph[graph.Inputs[0]].Shape = new[] { Rows, graph[graph.Inputs[0]].Shape![^1] };
        return graph;
    }

    /// <summary>Features uniform in [−2, 2), as ClassicalMlTests draws them.</summary>
    private static float[] Features(int features, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, Rows * features).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
    }

    private static BakedPlan Bake(string name, Precision precision, CodeTarget target, float[] calibration)
    {
        string path = Path.Combine(Path.GetTempPath(), $"modelbaker-svm-{Guid.NewGuid():N}.npy");
        NpyWriter.Write(path, new[] { calibration });
        try
        {
            var options = new BakeOptions(name + ".onnx", "Svm", "Tests") { Precision = precision, Target = target, CalibrationPath = path };
            return PlanFile.Read(PlanFile.ToBytes(Baker.Bake(Load(name), "test", options, new RecordingLog())));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static object[] NewOutputs(BakedPlan plan) =>
        plan.Outputs.Select(t => (object)Array.CreateInstance(TensorArrays.ClrType(t.Type), t.Length)).ToArray();

    private static void AssertSame(Array[] expected, object[] actual, string what)
    {
        for (int o = 0; o < expected.Length; o++)
            Assert.True(expected[o].Cast<object>().SequenceEqual(((Array)actual[o]).Cast<object>()), $"{what}: output {o} differs from the interpreter's");
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Interpreter_NET_and_nanoFramework_agree_bit_for_bit_and_follow_the_float_model(string name)
    {
        int features = Load(name)[Load(name).Inputs[0]].Shape![^1];
        // Calibrated on the rows measured, so no value leaves its calibrated range: the differences are the int8 arithmetic's.
        var x = Features(features, 2);
        var plan = Bake(name, Precision.Int8, CodeTarget.Net, x);
        Assert.DoesNotContain(plan.Kernels, k => k is SupportVectorKernelFloat or OneVsOneFloat or ClassLabelFloat or ScoreTransformFloat
            or PairwiseProbabilityFloat);
        Assert.Empty(plan.Kernels.OfType<IFloatOnlyKernel>());
        var inputs = new Array[] { x };
        sbyte[]? decisions = null; // the int8 decision values the probability step reads
        var expected = PlanInterpreter.RunTensors(plan, inputs, (k, arena) =>
        {
            if (k is PairwiseProbabilityInt8 p) decisions = arena.Int8s(p.Input).ToArray();
        });
        var predict = InMemoryCompiler.Compile(ClassEmitter.Emit(plan), plan);
        var outputs = NewOutputs(plan);
        var arguments = new object[] { x };
        predict(arguments, outputs);
        AssertSame(expected, outputs, ".NET generated");
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++) predict(arguments, outputs);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        var floatPlan = Bake(name, Precision.Float32, CodeTarget.Net, x);
        var reference = PlanInterpreter.RunTensors(floatPlan, inputs);
        var text = new List<string>();
        for (int o = 0; o < plan.Outputs.Count; o++)
        {
            var t = plan.Outputs[o];
            if (t.Type == ElementType.Int64)
            {
                int equal = ((long[])reference[o]).Zip((long[])expected[o]).Count(p => p.First == p.Second);
                text.Add($"labels {equal}/{Rows}");
                // An int8 decision value within half a step of 0 votes as 0 does: a few rows may change side.
                Assert.True(equal >= 0.9 * Rows, $"{name}: {equal} of {Rows} labels equal the float model's");
                continue;
            }
            var pairs = ((float[])reference[o]).Zip((float[])expected[o]).ToList();
            double worst = pairs.Max(p => Math.Abs(p.First - p.Second));
            // one_class's sign: how many rows keep their side.
            string signs = name.StartsWith("one_class", StringComparison.Ordinal) ? $", {pairs.Count(p => Math.Sign(p.First) == Math.Sign(p.Second))}/{pairs.Count} signs equal" : "";
            if (plan.Kernels.OfType<PairwiseProbabilityInt8>().SingleOrDefault() is { } step)
            {
                // Probabilities: the most probable class of each row, and the largest error in probability — split into what
                // the int8 decision values cost (the float step on them, as a float island ran it) and the integer step's own.
                int columns = t.Shape[^1];
                var probabilities = (float[])expected[o];
                int agree = Enumerable.Range(0, Rows).Count(r => ArgMax((float[])reference[o], r, columns) == ArgMax(probabilities, r, columns));
                var platt = floatPlan.Kernels.OfType<PairwiseProbabilityFloat>().Single();
                double decisionScale = step.Slopes[0] / (double)(1 << 24) / platt.ProbA[0];
                var island = new float[Rows * columns];
                PairwiseProbabilityFloat.PairwiseProbability(decisions!.Select(q => FixedPoint.Dequantize(q, decisionScale, step.InputZeroPoint)).ToArray(),
                    Rows, columns, platt.ProbA, platt.ProbB, island);
                double fromDecisions = island.Zip((float[])reference[o]).Max(p => Math.Abs(p.First - p.Second));
                double own = island.Zip(probabilities).Max(p => Math.Abs(p.First - p.Second));
                signs = $", most probable class equal {agree}/{Rows}; float step on the int8 decision values {fromDecisions:G3} from the float model, " +
                        $"integer step {own:G3} ({own / t.Scale:F2} steps) from that";
                // Two classes: the integer step writes the coupling's solution [p, 1 − p]; the float iteration stops as soon as
                // its error is under 0.005 / 2 — already at [0.5, 0.5] when p is within 0.005 of 0.5 — so up to 0.0047 from p.
                Assert.True(own <= 1.5 * t.Scale + (columns == 2 ? 0.0047 : 0), $"{name}: the integer step is {own / t.Scale:F2} steps from the float step on the same decision values");
                Assert.True(worst <= fromDecisions + 1.5 * t.Scale, $"{name}: probabilities {worst:G3} from the float model's");
                Assert.True(agree >= 0.9 * Rows, $"{name}: {agree} of {Rows} most probable classes equal the float model's");
            }
            text.Add($"'{t.Name}' largest difference {worst:G3} ({worst / t.Scale:F2} steps of {t.Scale:G3}){signs}");
        }
        _output.WriteLine($"{name}: {string.Join(", ", text)}");

        var nanoPlan = Bake(name, Precision.Int8, CodeTarget.NanoFramework, x);
        AssertSame(expected, PlanInterpreter.RunTensors(nanoPlan, inputs).Cast<object>().ToArray(), "nanoFramework plan interpreted");
        string source = ClassEmitter.Emit(nanoPlan);
        NanoCompiler.AssertNanoFrameworkClean(source);
        var nano = NanoCompiler.CompileForNet(source, "Tests.Svm");
        var nanoOutputs = NewOutputs(nanoPlan);
        NanoCompiler.Call(nano, "Predict", new object[] { x }.Concat(nanoOutputs).ToArray());
        AssertSame(expected, nanoOutputs, "nanoFramework generated");
    }

    private static int ArgMax(float[] values, int row, int columns)
    {
        int best = 0;
        for (int c = 1; c < columns; c++) if (values[row * columns + c] > values[row * columns + best]) best = c;
        return best;
    }

    /// <summary>
    /// Each kernel's int8 values against the float kernel on the dequantized input and the support vectors as stored: within
    /// one output level (the float kernel sums in float, the integer one exactly; POLY of even degree rounds −c₀/γ to a whole
    /// unit of the dot product).
    /// </summary>
    [Theory]
    [InlineData(SvmKernel.Linear, 0.5f, 0f, 3f)]
    [InlineData(SvmKernel.Poly, 0.3f, 1f, 3f)]
    [InlineData(SvmKernel.Poly, 0.3f, -0.5f, 2f)]
    [InlineData(SvmKernel.Poly, -0.4f, 0.2f, 3f)]
    [InlineData(SvmKernel.Rbf, 0.25f, 0f, 3f)]
    [InlineData(SvmKernel.Sigmoid, 0.2f, 0.1f, 3f)]
    [InlineData(SvmKernel.Sigmoid, -0.3f, 0.4f, 3f)]
    public void Integer_kernel_values_follow_the_float_kernel(SvmKernel kernelType, float gamma, float coef0, float degree)
    {
        const int rows = 32, features = 5, vectors = 7;
        var rng = new Random(4);
        var x = Enumerable.Range(0, rows * features).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
        var v = Enumerable.Range(0, vectors * features).Select(_ => (float)(rng.NextDouble() * 3 - 1.5)).ToArray();
        var input = new ArenaSlice("x", ElementType.Float32, x.Length, 0, new[] { rows, features });
        var output = new ArenaSlice("k", ElementType.Float32, rows * vectors, 0, new[] { rows, vectors });
        var k = new SupportVectorKernelFloat("test", input, output, rows, features, v, kernelType, gamma, coef0, degree);
        var exact = new float[rows * vectors];
        SupportVectorKernelFloat.SupportVectorKernel(x, rows, features, v, (int)kernelType, gamma, coef0, degree, exact);
        var context = new QuantizationContext(new Dictionary<ArenaSlice, (float Min, float Max)>
        {
            [input] = (x.Min(), x.Max()), [output] = (exact.Min(), exact.Max()),
        });
        var int8 = (SupportVectorKernelInt8)k.Quantize(context);
        QuantizationParameters pin = context.Parameters(input), pout = context.Parameters(output);
        var q = x.Select(value => FixedPoint.Quantize(value, pin.Scale, pin.ZeroPoint)).ToArray();
        var got = new sbyte[rows * vectors];
        SupportVectorKernelInt8.SupportVectorKernel(q, rows, features, pin.ZeroPoint, int8.Vectors, int8.Form, int8.Sign, int8.Offset, int8.Levels, got);

        // The float kernel on what the int8 step sees: the dequantized input and the vectors as stored.
        var seenX = q.Select(value => FixedPoint.Dequantize(value, pin.Scale, pin.ZeroPoint)).ToArray();
        double vectorScale = v.Max(Math.Abs) / 127.0;
        var seenV = int8.Vectors.Select(w => kernelType == SvmKernel.Rbf ? (float)(pin.Scale * (w - pin.ZeroPoint)) : (float)(vectorScale * w)).ToArray();
        var want = new float[rows * vectors];
        SupportVectorKernelFloat.SupportVectorKernel(seenX, rows, features, seenV, (int)kernelType, gamma, coef0, degree, want);
        for (int i = 0; i < want.Length; i++)
            Assert.InRange(got[i] - FixedPoint.Quantize(want[i], pout.Scale, pout.ZeroPoint), -1, 1);
        // And against the float model on the unquantized data: a few output steps.
        double worst = exact.Zip(got).Max(p => Math.Abs(p.First - FixedPoint.Dequantize(p.Second, pout.Scale, pout.ZeroPoint))) / pout.Scale;
        _output.WriteLine($"{kernelType} γ {gamma} c₀ {coef0} degree {degree}: largest difference from the float kernel {worst:F2} output steps");
        Assert.True(worst <= 6, $"{worst:F2} steps");
        Assert.Equal(SupportVectorKernelInt8.Read(Reader(int8), "test").Levels, int8.Levels);
    }

    private static PlanBinaryReader Reader(Kernel kernel)
    {
        var stream = new MemoryStream();
        kernel.WritePayload(new PlanBinaryWriter(stream));
        stream.Position = 0;
        return new PlanBinaryReader(stream);
    }

    [Fact]
    public void A_fractional_poly_degree_is_refused_with_MB1123()
    {
        var input = new ArenaSlice("x", ElementType.Float32, 4, 0, new[] { 2, 2 });
        var output = new ArenaSlice("k", ElementType.Float32, 2, 0, new[] { 2, 1 });
        var k = new SupportVectorKernelFloat("svm", input, output, 2, 2, new[] { 1f, -1f }, SvmKernel.Poly, 0.5f, 0f, 2.5f);
        var context = new QuantizationContext(new Dictionary<ArenaSlice, (float Min, float Max)> { [input] = (-1f, 1f), [output] = (0f, 1f) });
        var e = Assert.Throws<BakeException>(() => k.Quantize(context));
        Assert.Equal("MB1123", e.Code);
        Assert.Contains("degree 2.5", e.Message);
    }
}
