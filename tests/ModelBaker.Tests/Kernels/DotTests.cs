using ModelBaker.Core.Codegen;
using ModelBaker.Core.Kernels;
using ModelBaker.Tests.Support;

namespace ModelBaker.Tests.Kernels;

/// <summary>The vectorised int8 dot product of generated code against the scalar reference, on awkward lengths.</summary>
public sealed class DotTests
{
    [Fact]
    public void Vectorised_dot_equals_scalar_dot_for_every_length_and_extreme_values()
    {
        string source = "using System;\nnamespace Probe\n{\n    public static class Dots\n    {\n" +
            string.Join("\n", KernelSources.Get(nameof(Int8Dot)).Split('\n').Select(l => "        " + l)) +
            "\n        public static void Predict(ReadOnlySpan<float> input, Span<float> output)\n        {\n" +
            "            var a = new sbyte[input.Length]; var b = new sbyte[input.Length];\n" +
            "            for (int i = 0; i < a.Length; i++) { a[i] = (sbyte)input[i]; b[i] = (sbyte)(input[i] * 7 % 256 - 128); }\n" +
            "            output[0] = Dot(a, b);\n        }\n" +
            "        private static sbyte Requantize(int x, int m, int s, int z, int min, int max) => (sbyte)x;\n    }\n}\n";
        var vectorized = GeneratedAssembly.Compile(source, "Probe.Dots");
        var random = new Random(3);
        foreach (int length in new[] { 0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 128, 255, 1000 })
        {
            var input = Enumerable.Range(0, length).Select(i => (float)(i % 3 == 0 ? -128 : random.Next(-128, 128))).ToArray();
            var a = input.Select(v => (sbyte)v).ToArray();
            var b = input.Select(v => (sbyte)(v * 7 % 256 - 128)).ToArray();
            Assert.Equal((float)Int8Dot.Dot(a, b), vectorized.Predict(input, 1)[0]);
        }
    }
}
