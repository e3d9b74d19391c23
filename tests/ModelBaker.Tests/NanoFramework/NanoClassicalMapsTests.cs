using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Tests.Operators;
using ModelBaker.Tests.Support;
using Attribute = ModelBaker.Core.Ir.Attribute;

namespace ModelBaker.Tests.NanoFramework;

/// <summary>
/// The integer forms of the classical per-feature and encoding steps (issue 17, item 1): each graph is baked int8 for
/// .NET and for nanoFramework, and the int8 interpreter, the .NET generated class and the nanoFramework generated class
/// (compiled against nanoFramework's mscorlib) agree bit for bit; the results are checked against values worked out by
/// hand or against the float model within a stated number of output steps.
/// </summary>
public sealed class NanoClassicalMapsTests
{
    private static Attribute Ints(string name, params long[] values) => new() { Name = name, Kind = AttributeKind.Ints, Ints = values };
    private static Attribute Int(string name, long value) => new() { Name = name, Kind = AttributeKind.Int, Int = value };
    private static Attribute Floats(string name, params float[] values) => new() { Name = name, Kind = AttributeKind.Floats, Floats = values };
    private static Attribute Float(string name, float value) => new() { Name = name, Kind = AttributeKind.Float, Float = value };
    private static Attribute Text(string name, string value) => new() { Name = name, Kind = AttributeKind.String, String = value };

    [Fact]
    public void LabelEncoder_maps_int64_keys_by_bisection_in_every_flavour()
    {
        var b = new GraphBuilder(17).Input("codes", ElementType.Int64, 2, 4)
            .Node("ai.onnx.ml:LabelEncoder", new[] { "codes" }, new[] { "mapped" },
                Ints("keys_int64s", 5, 1, 3, 9, -4_000_000_000), Ints("values_int64s", 0, 1, 2, 1, 7_000_000_000), Int("default_int64", -3))
            .Output("mapped");
        var codes = new long[] { 5, 1, 3, 9, -4_000_000_000, 2, 10, 0 };
        var (outputs, steps) = NanoSelectionLogicTests.RunEveryWay(b.Graph, new Array[] { codes });
        Assert.Single(steps.OfType<LabelEncoderInteger>());
        Assert.Equal(new long[] { 0, 1, 2, 1, 7_000_000_000, -3, -3, -3 }, (long[])outputs[0]);
    }

    [Fact]
    public void ZipMap_copies_the_quantized_probabilities_and_keeps_the_class_array()
    {
        var b = new GraphBuilder(13).Input("x", 2, 3)
            .Node("Softmax", new[] { "x" }, new[] { "p" }, Int("axis", 1))
            .Node("ai.onnx.ml:ZipMap", new[] { "p" }, new[] { "probabilities" }, Ints("classlabels_int64s", 10, 20, 30))
            .Output("probabilities");
        var x = new float[] { -0.9f, 0.5f, 0.25f, 0.8f, 0f, -0.75f }; // inside the random calibration's [-1, 1]
        var (outputs, steps) = NanoSelectionLogicTests.RunEveryWay(b.Graph, new Array[] { x });
        var zipMap = Assert.Single(steps.OfType<ZipMapFloat>());
        Assert.Equal(ElementType.Int8, zipMap.Output.Type);
        Assert.Equal(new long[] { 10, 20, 30 }, (long[])zipMap.Classes);
        // Softmax's int8 output has the fixed scale 1/256 and the copy keeps it: each probability is within two steps (half
        // a step of output rounding, and the input's own rounding moves a probability by less than 1.5 steps here).
        var probabilities = (float[])outputs[0];
        for (int r = 0; r < 2; r++)
        {
            double sum = Enumerable.Range(0, 3).Sum(c => Math.Exp(x[r * 3 + c]));
            for (int c = 0; c < 3; c++) Assert.InRange(probabilities[r * 3 + c], Math.Exp(x[r * 3 + c]) / sum - 2 / 256.0, Math.Exp(x[r * 3 + c]) / sum + 2 / 256.0);
        }
    }
}
