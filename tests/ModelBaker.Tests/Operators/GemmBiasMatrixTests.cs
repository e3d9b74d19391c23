using ModelBaker.Core.Generation;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Onnx;
using ModelBaker.Core.Options;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Interpreter;
using ModelBaker.Tests.NanoFramework;
using ModelBaker.Tests.Support;
using static ModelBaker.Tests.Operators.GraphBuilder;
using static ModelBaker.Tests.Operators.T;

namespace ModelBaker.Tests.Operators;

/// <summary>
/// Gemm whose C differs between rows — a full [M, N] matrix, or [M, 1] — as exporters write a batched linear layer
/// with a learned per-position bias. The product runs as a fully connected step, β·C is added after it; float plans
/// match ONNX Runtime, int8 plans stay within their quantization step, and the generated code equals the plan.
/// </summary>
public sealed class GemmBiasMatrixTests
{
    private const int M = 3, K = 5, N = 4;

    private static Graph Model(int[] cShape, int transB = 0, float alpha = 0.5f, float beta = 2f)
    {
        var rng = new Random(7);
        var b = OrtOracle.RandomTensor(rng, transB == 1 ? S(N, K) : S(K, N));
        var c = OrtOracle.RandomTensor(rng, cShape);
        return new GraphBuilder()
            .Input("a", M, K)
            .Constant("b", b)
            .Constant("c", c)
            .Node("Gemm", new[] { "a", "b", "c" }, new[] { "y" }, Int("transB", transB), Float("alpha", alpha), Float("beta", beta))
            .Output("y")
            .Graph;
    }

    private static float[][] Samples(int count)
    {
        var rng = new Random(11);
        return Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, M * K).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray()).ToArray();
    }

    private static BakedPlan Bake(Graph graph, Precision precision, TempFolder folder, CodeTarget target = CodeTarget.Net)
    {
        string path = folder.Path("gemm.onnx");
        OnnxModelWriter.Save(graph, path);
        string calibration = folder.Path("calibration.npy");
        Npy.Write(calibration, Samples(64));
        return Baker.Bake(new BakeOptions(path, "Net", "Tests") { Precision = precision, CalibrationPath = calibration, Target = target }, new RecordingLog());
    }

    public static IEnumerable<object[]> Cases => new[]
    {
        new object[] { new[] { M, N }, 0 },
        new object[] { new[] { M, N }, 1 },
        new object[] { new[] { M, 1 }, 0 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_float_plan_matches_ONNX_Runtime(int[] cShape, int transB)
    {
        using var folder = new TempFolder();
        var graph = Model(cShape, transB);
        var plan = Bake(graph, Precision.Float32, folder);
        foreach (var sample in Samples(8))
        {
            var feeds = new Dictionary<string, Tensor> { ["a"] = Tensor.FromFloats(S(M, K), sample) };
            var ours = PlanInterpreter.Run(plan, new[] { sample })[0];
            OrtOracle.AssertMatches(graph, feeds, new Dictionary<string, Tensor> { ["y"] = Tensor.FromFloats(S(M, N), ours) }, $"Gemm with C {ShapeMath.Format(cShape)}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void An_int8_plan_stays_within_a_few_output_steps_of_ONNX_Runtime_and_the_generated_code_equals_it(int[] cShape, int transB)
    {
        using var folder = new TempFolder();
        var graph = Model(cShape, transB);
        var plan = Bake(graph, Precision.Int8, folder);
        double step = plan.Outputs[0].Scale;
        var generated = GeneratedAssembly.Compile(ClassEmitter.Emit(plan), "Tests.Net");
        foreach (var sample in Samples(16))
        {
            var feeds = new Dictionary<string, Tensor> { ["a"] = Tensor.FromFloats(S(M, K), sample) };
            var expected = OrtOracle.Run(graph, feeds)["y"].Floats!;
            var ours = PlanInterpreter.Run(plan, new[] { sample })[0];
            double worst = expected.Zip(ours, (e, o) => Math.Abs(e - o)).Max();
            Assert.True(worst <= 3 * step, $"int8 Gemm with C {ShapeMath.Format(cShape)}: error {worst} > 3 output steps ({step})");
            Assert.Equal(ours, generated.Predict(sample, M * N));
        }
    }

    [Fact]
    public void The_nanoFramework_flavour_equals_the_int8_plan()
    {
        using var folder = new TempFolder();
        var plan = Bake(Model(new[] { M, N }), Precision.Int8, folder, CodeTarget.NanoFramework);
        string source = ClassEmitter.Emit(plan);
        NanoCompiler.AssertNanoFrameworkClean(source);
        var nano = NanoCompiler.CompileForNet(source, "Tests.Net");
        foreach (var sample in Samples(8))
            Assert.Equal(PlanInterpreter.Run(plan, new[] { sample })[0], NanoCompiler.Predict(nano, sample, M * N));
    }
}
