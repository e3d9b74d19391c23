using System.Collections.Immutable;
using ModelBaker.Cli.Conformance;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.NanoFramework;
using ModelBaker.Core.Onnx;
using ModelBaker.Core.Options;
using ModelBaker.Core.Passes;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Interpreter;
using ModelBaker.Tests.NanoFramework;
using ModelBaker.Tests.Support;
using Xunit.Abstractions;
using static ModelBaker.Tests.Operators.RecurrentTests;

namespace ModelBaker.Tests.Operators;

/// <summary>
/// What every integer recurrent layer (<see cref="LstmInt8"/>, <see cref="GruInt8"/>, <see cref="RnnInt8"/>) is held to,
/// once for all three: the int8 bake is one integer step whose generated .NET code equals the interpreter bit for bit
/// and stays within 25 dB of the float model; the nanoFramework flavour compiles within nanoCLR's limits and equals the
/// .NET flavour; other activations are a float island the nanoFramework flavour refuses; Predict allocates nothing.
/// </summary>
internal static class RecurrentInt8Checks
{
    public static void AssertOneIntegerStepEqualToInterpreterAndCloseToFloat(Layer layer, Type kernel, ITestOutputHelper output)
    {
        var plan = BakeInt8(layer);
        Assert.Contains(plan.Kernels, k => k.GetType() == kernel);
        Assert.DoesNotContain(plan.Kernels, k => k is IFloatOnlyKernel || k is FloatIslandEntry);

        var feeds = Feeds(layer);
        var inputs = plan.Inputs.Select(t => Data(feeds[t.Name])).ToArray();
        var planned = PlanInterpreter.RunTensors(plan, inputs);
        var predict = InMemoryCompiler.Compile(ClassEmitter.Emit(plan), plan);
        var outputs = plan.Outputs.Select(t => (object)new float[t.Length]).ToArray();
        predict(inputs, outputs);
        for (int i = 0; i < plan.Outputs.Count; i++) Assert.Equal((float[])planned[i], (float[])outputs[i]);

        var graph = Build(layer);
        ShapeInference.Run(graph);
        var reference = FloatInterpreter.Run(graph, feeds);
        for (int i = 0; i < plan.Outputs.Count; i++)
        {
            double snr = Snr(reference[plan.Outputs[i].Name].AsFloats(), (float[])planned[i]);
            output.WriteLine($"{layer}, output '{plan.Outputs[i].Name}': SNR {snr:0.0} dB against float");
            Assert.True(snr > 25, $"{layer}, output '{plan.Outputs[i].Name}': SNR {snr:0.0} dB against float");
        }
    }

    public static void AssertFloatIslandRefusedByNanoFramework(Layer layer, string reason)
    {
        var plan = BakeInt8(layer);
        Assert.Contains(plan.Kernels, k => k is RecurrentFloatIsland);
        Assert.DoesNotContain(plan.Kernels, k => k is RecurrentInt8);
        var e = Assert.Throws<BakeException>(() => NanoGraphTests.BakeNano(Build(layer)));
        Assert.Equal(ErrorCodes.FloatIslandOnTarget, e.Code);
        Assert.Contains(reason, e.Message);
    }

    /// <summary>The nanoFramework flavour compiles against nanoFramework's mscorlib, passes nanoCLR's limits and equals the .NET flavour.</summary>
    public static void AssertNanoFrameworkFlavourEqualsNet(Layer layer, Type kernel)
    {
        var nanoPlan = BakeInt8(layer, CodeTarget.NanoFramework);
        Assert.Contains(nanoPlan.Kernels, k => k.GetType() == kernel);
        string source = ClassEmitter.Emit(nanoPlan);
        NanoCompiler.AssertNanoFrameworkClean(source);
        Assert.Empty(NanoAssemblyChecker.Check(ImmutableArray.Create(NanoCompiler.CompileAgainstNanoMscorlib(source))));
        var nano = NanoCompiler.CompileForNet(source, "Tests.Net");

        var netPlan = BakeInt8(layer);
        var net = GeneratedAssembly.Compile(ClassEmitter.Emit(netPlan), $"{netPlan.Header.Namespace}.{netPlan.Header.ClassName}");
        var rng = new Random(3);
        for (int sample = 0; sample < 4; sample++)
        {
            var input = sample == 0 ? Feeds(layer)["x"].AsFloats() : OrtOracle.RandomTensor(rng, Feeds(layer)["x"].Shape, 2f).AsFloats();
            var expected = net.Predict(input, netPlan.Outputs[0].Length);
            Assert.Equal(PlanInterpreter.Run(nanoPlan, new[] { input })[0], expected);
            Assert.Equal(expected, NanoCompiler.Predict(nano, input, expected.Length));
        }
    }

    public static void AssertPredictAllocatesNothing(Layer layer)
    {
        var plan = BakeInt8(layer);
        Assert.Contains(plan.Kernels, k => k is RecurrentInt8);
        var assembly = GeneratedAssembly.Compile(ClassEmitter.Emit(plan), $"{plan.Header.Namespace}.{plan.Header.ClassName}");
        var input = Feeds(layer)["x"].AsFloats();
        var output = new float[plan.Outputs[0].Length];
        Assert.Equal(0, assembly.AllocatedBytes(input, output, 100));
        Assert.Equal(PlanInterpreter.Run(plan, new[] { input })[0], assembly.Predict(input, output.Length));
    }

    /// <summary>The step written to a plan payload and read back.</summary>
    public static T RoundTrip<T>(T step, Func<PlanBinaryReader, string, T> read) where T : Kernel
    {
        using var stream = new MemoryStream();
        using (var writer = new PlanBinaryWriter(stream)) step.WritePayload(writer);
        stream.Position = 0;
        using var reader = new PlanBinaryReader(stream);
        var result = read(reader, step.Source);
        Assert.Equal(stream.Length, stream.Position); // every byte written is read back
        return result;
    }

    public static double Snr(float[] reference, float[] actual)
    {
        double signal = 0, noise = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            signal += (double)reference[i] * reference[i];
            noise += (double)(reference[i] - actual[i]) * (reference[i] - actual[i]);
        }
        return noise == 0 ? double.PositiveInfinity : 10 * Math.Log10(signal / noise);
    }

    /// <summary>
    /// Bakes the layer int8 for <paramref name="target"/>, calibrated on 32 samples drawn as the test's inputs are (X in
    /// ±2, states in ±1, the same sequence lengths), written as a folder of ONNX test-data sets.
    /// </summary>
    public static BakedPlan BakeInt8(Layer layer, CodeTarget target = CodeTarget.Net)
    {
        var graph = Build(layer);
        using var folder = new TempFolder();
        var rng = new Random(11);
        var feeds = Feeds(layer);
        for (int sample = 0; sample < 32; sample++)
        {
            Directory.CreateDirectory(folder.Path($"set_{sample:00}"));
            for (int i = 0; i < graph.Inputs.Count; i++)
            {
                var given = feeds[graph.Inputs[i]];
                var tensor = given.Type == ElementType.Int32 ? given : OrtOracle.RandomTensor(rng, given.Shape, graph.Inputs[i] == "x" ? 2f : 1f);
                TensorConverter.WriteTensorFile(tensor, folder.Path($"set_{sample:00}", $"input_{i}.pb"), graph.Inputs[i]);
            }
        }
        return Baker.Bake(graph, "test", new BakeOptions("lstm.onnx", "Net", "Tests")
            { Precision = Precision.Int8, Target = target, CalibrationPath = folder.Root }, new RecordingLog());
    }
}
