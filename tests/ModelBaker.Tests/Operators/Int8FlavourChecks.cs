using ModelBaker.Core.Calibration;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Interpreter;
using ModelBaker.Tests.NanoFramework;
using ModelBaker.Tests.Support;

namespace ModelBaker.Tests.Operators;

/// <summary>
/// What the trained int8 fixtures (the digits recurrent models, the digits transformer, the compact convolutional
/// transformer) are each held to: integer steps only, the interpreter, the .NET class and the nanoFramework class equal
/// bit for bit on every sample, and int8 logits that follow the float model's.
/// </summary>
internal static class Int8FlavourChecks
{
    /// <summary>The rows of an .npy file under tests/data, one sample each.</summary>
    public static float[][] Samples(params string[] path)
    {
        var t = NpyReader.Read(TestData.Path(path));
        var all = t.AsFloats();
        int length = all.Length / t.Shape[0];
        return Enumerable.Range(0, t.Shape[0]).Select(i => all.AsSpan(i * length, length).ToArray()).ToArray();
    }

    /// <summary>Every step of the plan is integer: no float island, no float output (int8, or integers such as ArgMax's indices).</summary>
    public static void AssertIntegerStepsOnly(BakedPlan plan) =>
        Assert.Empty(plan.Kernels.Where(k => k is IFloatOnlyKernel || k is FloatIslandBoundary || k.Output.Type == ElementType.Float32)
            .Select(k => $"{k.Source}: {k.Kind}"));

    /// <summary>
    /// The .NET plan's interpreter, its generated class, the nanoFramework plan's interpreter and its generated class
    /// (clean of everything nanoCLR lacks) give the same output on every sample; the .NET class allocates nothing.
    /// </summary>
    public static void AssertNetAndNanoFrameworkAgreeBitForBit(BakedPlan net, BakedPlan nano, IReadOnlyList<float[]> samples)
    {
        string className = $"{net.Header.Namespace}.{net.Header.ClassName}";
        int outputs = net.Outputs[0].Length;
        var generated = GeneratedAssembly.Compile(ClassEmitter.Emit(net), className);
        string nanoSource = ClassEmitter.Emit(nano);
        NanoCompiler.AssertNanoFrameworkClean(nanoSource); // mscorlib only, within every nanoCLR limit
        var nanoClass = NanoCompiler.CompileForNet(nanoSource, className);
        foreach (var sample in samples)
        {
            var expected = PlanInterpreter.Run(net, new[] { sample })[0];
            Assert.Equal(expected, generated.Predict(sample, outputs));
            Assert.Equal(expected, PlanInterpreter.Run(nano, new[] { sample })[0]);
            Assert.Equal(expected, NanoCompiler.Predict(nanoClass, sample, outputs));
        }
        Assert.Equal(0, generated.AllocatedBytes(samples[0], new float[outputs], 50));
    }

    /// <summary>How the int8 logits of a [1, 8, 8] "rows" → "logits" digits model follow its float model's.</summary>
    public sealed record LogitsAgreement(double Snr, int Agree, int FloatCorrect, int Int8Correct, int Samples)
    {
        public override string ToString() =>
            $"logits SNR {Snr:0.0} dB; top-1 agreement {Agree}/{Samples}; accuracy float {FloatCorrect}/{Samples}, int8 {Int8Correct}/{Samples}";
    }

    public static LogitsAgreement MeasureDigitsLogits(Graph graph, BakedPlan plan, float[][] samples, float[] labels)
    {
        double signal = 0, noise = 0;
        int agree = 0, floatCorrect = 0, int8Correct = 0;
        for (int index = 0; index < samples.Length; index++)
        {
            var feeds = new Dictionary<string, Tensor> { ["rows"] = Tensor.FromFloats(new[] { 1, 8, 8 }, samples[index]) };
            var reference = FloatInterpreter.Run(graph, feeds)["logits"].AsFloats();
            var int8 = PlanInterpreter.Run(plan, new[] { samples[index] })[0];
            signal += reference.Sum(v => (double)v * v);
            noise += reference.Zip(int8, (e, a) => (double)(a - e) * (a - e)).Sum();
            int floatClass = ArgMax(reference), int8Class = ArgMax(int8);
            agree += floatClass == int8Class ? 1 : 0;
            floatCorrect += floatClass == labels[index] ? 1 : 0;
            int8Correct += int8Class == labels[index] ? 1 : 0;
        }
        return new LogitsAgreement(10 * Math.Log10(signal / noise), agree, floatCorrect, int8Correct, samples.Length);
    }

    private static int ArgMax(float[] values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }
}
