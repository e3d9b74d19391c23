using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Tests.Operators;
using ModelBaker.Tests.Support;
using static ModelBaker.Tests.Operators.GraphBuilder;
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

    /// <summary>Samples of <paramref name="rows"/> rows each, feature f uniform in [low[f], high[f]).</summary>
    private static float[][] Rows(int samples, int rows, int seed, float[] low, float[] high)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, samples)
            .Select(_ => Enumerable.Range(0, rows).SelectMany(_ => low.Select((l, f) => (float)(l + rng.NextDouble() * (high[f] - l)))).ToArray()).ToArray();
    }

    /// <summary>The int8 step of a calibrated range (its grid's spacing).</summary>
    private static double Step(IEnumerable<float> values) =>
        Core.Quantization.QuantizationParameters.FromRange(Math.Min(0, values.Min()), Math.Max(0, values.Max())).Scale;

    [Fact]
    public void Scaler_is_a_per_channel_affine_step_on_an_input_quantized_per_feature()
    {
        // Features of very different ranges, as a StandardScaler sees them: one in [0, 1] beside one in [0, 1000]. With one
        // scale for the whole input the first would have a step of 4 (1000 / 255); quantized per feature it keeps 1/255.
        var low = new[] { 0f, 0f, -5f, 100f };
        var high = new[] { 1f, 1000f, 5f, 200f };
        var offset = new[] { 0.5f, 500f, 0f, 150f };
        var scale = new[] { 3.4f, 0.0035f, 0.35f, 0.035f };
        var b = new GraphBuilder(13).Input("x", 3, 4)
            .Node("ai.onnx.ml:Scaler", new[] { "x" }, new[] { "y" }, Floats("offset", offset), Floats("scale", scale))
            .Output("y");
        var calibration = Rows(64, 3, 5, low, high);
        var x = Rows(1, 3, 6, low, high)[0];
        var (outputs, steps) = NanoSelectionLogicTests.RunEveryWay(b.Graph, new Array[] { x }, calibration);
        Assert.Single(steps.OfType<ChannelAffineInt8>());
        var y = (float[])outputs[0];
        var expected = x.Select((v, i) => (v - offset[i % 4]) * scale[i % 4]).ToArray();
        double outputStep = Step(calibration.SelectMany(r => r.Select((v, j) => (v - offset[j % 4]) * scale[j % 4])));
        for (int i = 0; i < x.Length; i++)
        {
            // Half an input step through the scale, half an output step of rounding, and the 15-bit multiplier's error.
            double inputStep = Step(calibration.SelectMany(r => r.Where((_, j) => j % 4 == i % 4)));
            Assert.InRange(y[i], expected[i] - inputStep * scale[i % 4] / 2 - outputStep, expected[i] + inputStep * scale[i % 4] / 2 + outputStep);
        }
    }

    [Fact]
    public void Binarizer_is_a_table_onto_zero_and_one()
    {
        var b = new GraphBuilder(13).Input("x", 2, 4)
            .Node("ai.onnx.ml:Binarizer", new[] { "x" }, new[] { "y" }, Float("threshold", 0.1f))
            .Output("y");
        // Apart from the threshold by more than a step of the calibration's grid (2/255).
        var x = new[] { -0.9f, 0.05f, 0.15f, 0.8f, 0.11f + 0.01f, -0.2f, 0.3f, 0.0f };
        var (outputs, steps) = NanoSelectionLogicTests.RunEveryWay(b.Graph, new Array[] { x }, Rows(32, 2, 7, new[] { -1f, -1f, -1f, -1f }, new[] { 1f, 1f, 1f, 1f }));
        Assert.Single(steps.OfType<LookupInt8>());
        Assert.Equal(x.Select(v => v > 0.1f ? 1f : 0f).ToArray(), (float[])outputs[0]); // 0 and 1 exactly: the output grid holds both
    }

    [Fact]
    public void Imputer_of_NaN_after_another_step_is_the_identity_and_of_a_value_replaces_its_level_per_feature()
    {
        var b = new GraphBuilder(13).Input("x", 2, 3)
            .Node("ai.onnx.ml:Scaler", new[] { "x" }, new[] { "s" }, Floats("offset", 0f), Floats("scale", 2f))
            .Node("ai.onnx.ml:Imputer", new[] { "s" }, new[] { "nan" }, Floats("imputed_value_floats", 7f, 7f, 7f), Float("replaced_value_float", float.NaN))
            .Node("ai.onnx.ml:Imputer", new[] { "x" }, new[] { "zero" }, Floats("imputed_value_floats", 0.5f, -0.75f, 0.25f), Float("replaced_value_float", 0f))
            .Output("nan", "zero");
        var x = new[] { 0f, -0.5f, 0.75f, 0.6f, 0f, 0f };
        var calibration = Rows(32, 2, 8, new[] { -1f, -1f, -1f }, new[] { 1f, 1f, 1f });
        var (outputs, steps) = NanoSelectionLogicTests.RunEveryWay(b.Graph, new Array[] { x }, calibration);
        Assert.Equal(2, steps.OfType<LookupInt8>().Count());
        Assert.Single(steps.OfType<LookupInt8>(), l => l.Features == 3);
        double step = Step(calibration.SelectMany(r => r));
        var doubled = (float[])outputs[0];
        for (int i = 0; i < 6; i++) Assert.InRange(doubled[i], 2 * x[i] - 3 * step, 2 * x[i] + 3 * step); // nothing replaced
        // The zeros of x quantize to the level of 0, and become their feature's imputed value; the rest stay.
        var expected = new[] { 0.5f, -0.5f, 0.75f, 0.6f, -0.75f, 0.25f };
        var imputed = (float[])outputs[1];
        for (int i = 0; i < 6; i++) Assert.InRange(imputed[i], expected[i] - step, expected[i] + step);
    }

    [Fact]
    public void Imputer_of_NaN_alone_on_a_model_input_replaces_the_callers_NaN_before_quantizing_in_every_flavour()
    {
        // scikit-learn's SimpleImputer at the head of a pipeline: the Imputer is the only reader of the model input.
        var b = new GraphBuilder(13).Input("x", 2, 3)
            .Node("ai.onnx.ml:Imputer", new[] { "x" }, new[] { "y" }, Floats("imputed_value_floats", 0.5f, -0.25f, 0.75f), Float("replaced_value_float", float.NaN))
            .Output("y");
        var x = new[] { float.NaN, 0.1f, float.NaN, -0.6f, float.NaN, 0.2f };
        var calibration = Rows(32, 2, 11, new[] { -1f, -1f, -1f }, new[] { 1f, 1f, 1f });
        var (outputs, steps) = NanoSelectionLogicTests.RunEveryWay(b.Graph, new Array[] { x }, calibration);
        Assert.Single(steps.OfType<LookupInt8>()); // the identity between the two grids; the replacement is in Predict
        double step = Step(calibration.SelectMany(r => r));
        var expected = new[] { 0.5f, 0.1f, 0.75f, -0.6f, -0.25f, 0.2f };
        var y = (float[])outputs[0];
        for (int i = 0; i < 6; i++) Assert.InRange(y[i], expected[i] - step, expected[i] + step);

        // The plan says so, and keeps it through its file.
        using var folder = new Support.TempFolder();
        string path = folder.Path("model.onnx");
        Core.Onnx.OnnxModelWriter.Save(b.Graph, path);
        var plan = Core.Serialization.PlanFile.Read(Core.Serialization.PlanFile.ToBytes(Core.Pipeline.Baker.Bake(
            new Core.Options.BakeOptions(path, "Net", "Tests") { Precision = Core.Options.Precision.Int8 }, new RecordingLog())));
        Assert.Equal(new[] { 0.5f, -0.25f, 0.75f }, plan.Inputs[0].MissingValues);
    }

    [Fact]
    public void NanoFramework_refuses_an_Imputer_of_NaN_on_a_model_input_other_steps_read_too_with_MB1121()
    {
        // Replacing NaN before quantizing would change what the Scaler sees as well.
        var b = new GraphBuilder(13).Input("x", 1, 3)
            .Node("ai.onnx.ml:Imputer", new[] { "x" }, new[] { "y" }, Floats("imputed_value_floats", 1f, 2f, 3f), Float("replaced_value_float", float.NaN))
            .Node("ai.onnx.ml:Scaler", new[] { "x" }, new[] { "s" }, Floats("offset", 0f), Floats("scale", 2f))
            .Output("y", "s");
        using var folder = new Support.TempFolder();
        string path = folder.Path("model.onnx");
        Core.Onnx.OnnxModelWriter.Save(b.Graph, path);
        var options = new Core.Options.BakeOptions(path, "Net", "Tests") { Precision = Core.Options.Precision.Int8 };
        var e = Assert.Throws<Core.Diagnostics.BakeException>(() =>
            Core.Pipeline.Baker.Bake(options with { Target = Core.Options.CodeTarget.NanoFramework }, new RecordingLog()));
        Assert.Equal("MB1121", e.Code);
        Assert.Contains("which other steps read too", e.Message);
        // .NET bakes it: the same identity table (a NaN the caller passes quantizes to 0, documented), nothing replaced.
        var plan = Core.Pipeline.Baker.Bake(options, new RecordingLog());
        Assert.Single(plan.Kernels.OfType<LookupInt8>());
        Assert.Null(plan.Inputs[0].MissingValues);
    }

    [Fact]
    public void Normalizer_L1_L2_and_MAX_in_integers_agree_with_the_float_step_on_the_quantized_rows()
    {
        var b = new GraphBuilder(13).Input("x", 4, 4);
        foreach (string norm in new[] { "L1", "L2", "MAX" })
            b.Node("ai.onnx.ml:Normalizer", new[] { "x" }, new[] { norm }, Text("norm", norm)).Output(norm);
        var calibration = Rows(64, 4, 9, new[] { -1f, -1f, -1f, -1f }, new[] { 1f, 1f, 1f, 1f });
        // A row of zeros (copied), one all negative (MAX divides by a negative maximum), and two mixed.
        var x = new[] { 0.3f, -0.4f, 0.1f, 0.9f, 0f, 0f, 0f, 0f, -0.2f, -0.7f, -0.5f, -0.1f, 0.05f, 0.6f, -0.6f, 0.25f };
        var (outputs, steps) = NanoSelectionLogicTests.RunEveryWay(b.Graph, new Array[] { x }, calibration);
        Assert.Equal(3, steps.OfType<NormalizerInt8>().Count());
        var input = Core.Quantization.QuantizationParameters.FromRange(Math.Min(0, calibration.SelectMany(r => r).Min()), Math.Max(0, calibration.SelectMany(r => r).Max()));
        var seen = x.Select(v => FixedPoint.Dequantize(FixedPoint.Quantize(v, input.Scale, input.ZeroPoint), input.Scale, input.ZeroPoint)).ToArray();
        for (int n = 0; n < 3; n++)
        {
            var expected = new float[16];
            NormalizerFloat.Normalize(seen, 4, 4, n == 0 ? (int)Norm.L1 : n == 1 ? (int)Norm.L2 : (int)Norm.Max, expected);
            var reference = new float[calibration.Length * 16];
            NormalizerFloat.Normalize(calibration.SelectMany(r => r).ToArray(), calibration.Length * 4, 4, n == 0 ? 1 : n == 1 ? 2 : 0, reference);
            double step = Step(reference);
            var y = (float[])outputs[n];
            // Half an output step of rounding; the 2⁻¹⁶ units and the square root's floor add far less than a hundredth.
            for (int i = 0; i < 16; i++) Assert.InRange(y[i], expected[i] - 0.51 * step, expected[i] + 0.51 * step);
        }
        Assert.All(((float[])outputs[1]).Skip(4).Take(4), v => Assert.Equal(0f, v)); // the zero row, copied
    }

    [Fact]
    public void The_integer_normalizer_divisor_is_the_exact_floor_of_the_square_root()
    {
        Assert.Equal(5L << 16, NormalizerInt8.NormalizerDivisor(25, 2));
        Assert.Equal((long)Math.Floor(Math.Sqrt(2) * 65536), NormalizerInt8.NormalizerDivisor(2, 2));
        long most = (long)NormalizerInt8.MaxColumns * 255 * 255;
        Assert.Equal((long)Math.Floor(Math.Sqrt((double)most) * 65536), NormalizerInt8.NormalizerDivisor(most, 2));
        Assert.Equal(7L << 16, NormalizerInt8.NormalizerDivisor(7, 1));
    }

    [Fact]
    public void OneHotEncoder_writes_int8_rows_on_the_exact_grid_of_zero_and_one()
    {
        var b = new GraphBuilder(13).Input("codes", ElementType.Int64, 2, 2)
            .Node("ai.onnx.ml:OneHotEncoder", new[] { "codes" }, new[] { "known" }, Ints("cats_int64s", 4, 7, 4_000_000_000, 7), Int("zeros", 1))
            .Node("ai.onnx.ml:OneHotEncoder", new[] { "codes" }, new[] { "any" }, Ints("cats_int64s", 7, 9), Int("zeros", 1))
            .Output("known", "any");
        var codes = new long[] { 7, 4, 4_000_000_000, 7 };
        var (outputs, steps) = NanoSelectionLogicTests.RunEveryWay(b.Graph, new Array[] { codes });
        Assert.All(steps.OfType<OneHotEncoderFloat>(), s => Assert.Equal(ElementType.Int8, s.Output.Type));
        // 7 is listed twice: the last column is its (as ONNX Runtime's map keeps it).
        Assert.Equal(new float[] { 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1 }, (float[])outputs[0]);
        Assert.Equal(new float[] { 1, 0, 0, 0, 0, 0, 1, 0 }, (float[])outputs[1]); // 4 and 4·10⁹ are no category: rows of zeros
        // zeros = 0: a value of no category throws, as ONNX Runtime fails (the bake's random inputs would hit it, so checked here).
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            OneHotEncoderFloat.OneHotEncode<sbyte>(new long[] { 5 }, new long[] { 4, 7 }, false, -128, 127, new sbyte[2]));
    }

    /// <summary>A calibration folder for a model of a float input [rows, floats] and an int64 input [rows, 1]: one sample folder per sample.</summary>
    private static Func<TempFolder, string> FloatAndCodeSamples(int samples, int rows, int floats, int seed, long lowestCode, long highestCode) => folder =>
    {
        var rng = new Random(seed);
        for (int s = 0; s < samples; s++)
        {
            string sample = folder.Path("calibration", $"sample_{s}");
            Directory.CreateDirectory(sample);
            var x = new Core.Onnx.Protos.TensorProto { DataType = 1, Dims = { rows, floats } };
            x.FloatData.AddRange(Enumerable.Range(0, rows * floats).Select(_ => (float)(rng.NextDouble() * 2 - 1)));
            // The first sample holds both ends of the codes' range, so the calibrated range is exactly theirs.
            var codes = new Core.Onnx.Protos.TensorProto { DataType = 7, Dims = { rows, 1 } };
            codes.Int64Data.AddRange(Enumerable.Range(0, rows).Select(r => s == 0 ? (r == 0 ? lowestCode : highestCode) : rng.NextInt64(lowestCode, highestCode + 1)));
            File.WriteAllBytes(Path.Combine(sample, "input_0.pb"), Google.Protobuf.MessageExtensions.ToByteArray(x));
            File.WriteAllBytes(Path.Combine(sample, "input_1.pb"), Google.Protobuf.MessageExtensions.ToByteArray(codes));
        }
        return folder.Path("calibration");
    };

    [Fact]
    public void FeatureVectorizer_casts_an_int64_input_onto_the_output_grid_without_float()
    {
        // sklearn pipelines put integer-coded columns beside float ones: the int64 input becomes int8 codes of the output's
        // grid through 255 thresholds (CastInt8), then the Concat places it — integer-only, so nanoFramework runs it.
        var b = new GraphBuilder(13).Input("x", 2, 2).Input("codes", ElementType.Int64, 2, 1)
            .Node("ai.onnx.ml:FeatureVectorizer", new[] { "x", "codes" }, new[] { "features" }, Ints("inputdimensions", 2, 1))
            .Output("features");
        var x = new[] { 0.5f, -0.25f, 0.1f, 0.75f };
        var codes = new long[] { 3, 7 };
        var (outputs, steps) = NanoSelectionLogicTests.RunEveryWay(b.Graph, new Array[] { x, codes }, FloatAndCodeSamples(16, 2, 2, 4, 0, 9));
        var cast = Assert.Single(steps.OfType<CastInt8>());
        Assert.Equal(ElementType.Int64, cast.Input.Type);
        Assert.Single(steps.OfType<ConcatInt8>());
        // One grid for the output, at most [−1, 9] calibrated (a step of at most 10/255): every value is rounded twice, half
        // a step each, on its own grid (x's; the codes' thresholds give each integer its nearest code of [0, 9]) and on the
        // output's, so it is within one output step of its float.
        double step = 10 / 255.0;
        var expected = new[] { 0.5f, -0.25f, 3f, 0.1f, 0.75f, 7f };
        var y = (float[])outputs[0];
        for (int i = 0; i < expected.Length; i++) Assert.InRange(y[i], expected[i] - step, expected[i] + step);
    }

    [Fact]
    public void OneHotEncoder_truncates_float_values_through_a_code_table_without_float()
    {
        // A float input is cast to int64 by truncation, as ONNX Runtime does: in an int8 plan a 256-entry table of the
        // truncated dequantized codes (CastInt8), then the one-hot rows — integer-only, so nanoFramework runs it.
        var b = new GraphBuilder(13).Input("x", 2, 3)
            .Node("ai.onnx.ml:OneHotEncoder", new[] { "x" }, new[] { "y" }, Ints("cats_int64s", 0, 1, -1, 2), Int("zeros", 1))
            .Output("y");
        var calibration = NanoSelectionLogicTests.Uniform(16, 6, 6, range: 3f);
        // Mid-way between integers (their codes truncate as the floats do), and category codes held as floats: 1, 2 and −1
        // quantize to codes up to half a step below them, which still give 1, 2 and −1 (CastInt8.IntegerInCell).
        var x = new[] { 0.5f, 1.5f, -1.5f, 1f, 2f, -1f };
        var (outputs, steps) = NanoSelectionLogicTests.RunEveryWay(b.Graph, new Array[] { x }, calibration);
        Assert.IsType<long[]>(Assert.Single(steps.OfType<CastInt8>()).Table);
        Assert.Single(steps.OfType<OneHotEncoderFloat>());
        int[] columns = { 0, 1, 2, 1, 3, 2 };
        Assert.Equal(columns.SelectMany(c => Enumerable.Range(0, 4).Select(k => k == c ? 1f : 0f)), (float[])outputs[0]);
    }

    [Fact]
    public void FeatureVectorizer_is_a_concat_requantizing_each_input_cut_or_padded_by_a_remap()
    {
        // Three inputs on three grids: a fits its 2 columns, b (3 wide) is cut to 2, c (1 wide) is padded to 3 with zeros.
        var b = new GraphBuilder(13).Input("x", 2, 6)
            .Constant("split", T.I(T.S(3), 2, 3, 1))
            .Node("Split", new[] { "x", "split" }, new[] { "a", "b0", "c0" }, Int("axis", 1))
            .Constant("ten", T.F(T.S(), 10f)).Constant("tenth", T.F(T.S(), 0.1f))
            .Node("Mul", new[] { "b0", "ten" }, new[] { "b" })
            .Node("Mul", new[] { "c0", "tenth" }, new[] { "c" })
            .Node("ai.onnx.ml:FeatureVectorizer", new[] { "a", "b", "c" }, new[] { "features" }, Ints("inputdimensions", 2, 2, 3))
            .Output("features");
        var x = new[] { 0.5f, -0.25f, 0.1f, -0.3f, 0.9f, 0.8f, -0.75f, 0.6f, 0.2f, 0.4f, -0.9f, -0.5f };
        var calibration = Rows(32, 2, 10, Enumerable.Repeat(-1f, 6).ToArray(), Enumerable.Repeat(1f, 6).ToArray());
        var (outputs, steps) = NanoSelectionLogicTests.RunEveryWay(b.Graph, new Array[] { x }, calibration);
        Assert.Single(steps.OfType<ConcatInt8>(), c => c.Parts.Any(p => p.Requantize));
        Assert.Equal(2, steps.OfType<Remap>().Count(r => r.Source.Contains("FeatureVectorizer", StringComparison.Ordinal)));
        var expected = new[] { 0.5f, -0.25f, 1f, -3f, 0.08f, 0f, 0f, -0.75f, 0.6f, 2f, 4f, -0.05f, 0f, 0f };
        // One grid for all, the output's (b's [−10, 10]: a step of 20/255); b's values carry three roundings of half a step
        // (x's, ten times over; Mul's; the requantization onto the output), the others less. Padding is 0 exactly.
        double step = 1.5 * 20 / 255.0;
        var y = (float[])outputs[0];
        for (int i = 0; i < expected.Length; i++) Assert.InRange(y[i], expected[i] - step, expected[i] + step);
        Assert.Equal(0f, y[5]);
        Assert.Equal(0f, y[13]);
    }
}
