using Google.Protobuf;
using ModelBaker.Cli.Conformance;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Onnx;
using ModelBaker.Core.Options;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Serialization;
using ModelBaker.Tests.NanoFramework;
using ModelBaker.Tests.Operators;
using ModelBaker.Tests.Support;
using TensorProto = ModelBaker.Core.Onnx.Protos.TensorProto;

namespace ModelBaker.Tests.Pipeline;

/// <summary>
/// bfloat16, float8, float4e2m1 (computed in float32) and int4, uint4, int2, uint2 (computed in int8 or uint8) tensors
/// (docs/architecture.md, "Narrow floats and integers"), on build/make_narrow_fixtures.py's models and built graphs: packed
/// data read and written, Predict's edge types, values worked out by hand, MB1136, and the nanoFramework class equal to the
/// .NET class and the interpreter bit for bit.
/// </summary>
public sealed class NarrowTypesTests
{
    private static string Model(string name) => TestData.Path("narrow", name + ".onnx");

    private static Tensor Read(TensorProto proto)
    {
        using var folder = new TempFolder();
        string path = folder.Path("t.pb");
        File.WriteAllBytes(path, proto.ToByteArray());
        return TensorConverter.ReadTensorFile(path);
    }

    [Fact]
    public void Packed_4_and_2_bit_data_unpack_low_bits_first_and_pack_back()
    {
        // int4 [3]: 0x21 holds 1 then 2, 0x0F holds −1 (an odd count leaves the last high nibble empty).
        var int4 = new TensorProto { DataType = (int)ElementType.Int4, RawData = ByteString.CopyFrom(0x21, 0x0F) };
        int4.Dims.Add(3);
        var t = Read(int4);
        Assert.Equal(ElementType.Int8, t.Type);
        Assert.Equal(ElementType.Int4, t.DeclaredType);
        Assert.Equal(new long[] { 1, 2, -1 }, t.Int64s);
        Assert.Equal((int4.DataType, int4.RawData), (TensorConverter.ToProto(t, "").DataType, TensorConverter.ToProto(t, "").RawData));

        // uint2 [5] in int32_data (one packed byte per entry, as the backend cases store it): 0b11_10_01_00, then 0b10.
        var uint2 = new TensorProto { DataType = (int)ElementType.UInt2 };
        uint2.Dims.Add(5);
        uint2.Int32Data.Add(0xE4);
        uint2.Int32Data.Add(0x02);
        t = Read(uint2);
        Assert.Equal(ElementType.UInt8, t.Type);
        Assert.Equal(new long[] { 0, 1, 2, 3, 2 }, t.Int64s);

        // int2 [4]: 0b01_11_10_00 is 0, −2, −1, 1.
        var int2 = new TensorProto { DataType = (int)ElementType.Int2, RawData = ByteString.CopyFrom(0x78) };
        int2.Dims.Add(4);
        Assert.Equal(new long[] { 0, -2, -1, 1 }, Read(int2).Int64s);

        // float4e2m1 [3]: 0x7F is −6 then 6; 0x03 is 1.5.
        var float4 = new TensorProto { DataType = (int)ElementType.Float4E2M1, RawData = ByteString.CopyFrom(0x7F, 0x03) };
        float4.Dims.Add(3);
        t = Read(float4);
        Assert.Equal(new[] { -6f, 6f, 1.5f }, t.Floats);
        Assert.Equal((float4.DataType, float4.RawData), (TensorConverter.ToProto(t, "").DataType, TensorConverter.ToProto(t, "").RawData));

        // bfloat16 [2] little-endian: 0x3F80 is 1, 0xC040 is −3.
        var bfloat16 = new TensorProto { DataType = (int)ElementType.BFloat16, RawData = ByteString.CopyFrom(0x80, 0x3F, 0x40, 0xC0) };
        bfloat16.Dims.Add(2);
        Assert.Equal(new[] { 1f, -3f }, Read(bfloat16).Floats);

        // A wrong byte count is a damaged tensor, not a silent misread.
        var damaged = new TensorProto { DataType = (int)ElementType.Int4, RawData = ByteString.CopyFrom(0x21) };
        damaged.Dims.Add(3);
        Assert.Equal(ErrorCodes.ModelUnreadable, Assert.Throws<BakeException>(() => Read(damaged)).Code);
    }

    private static BakedPlan Bake(string path, Precision precision, CodeTarget target = CodeTarget.Net, string? calibration = null, RecordingLog? log = null) =>
        PlanFile.Read(PlanFile.ToBytes(Baker.Bake(new BakeOptions(path, "Narrow", "Tests")
            { Precision = precision, Target = target, CalibrationPath = calibration }, log ?? new RecordingLog())));

    /// <summary>
    /// Bakes int8 for both targets, and checks that the interpreter, the .NET class and the nanoFramework class (compiled
    /// against nanoFramework's mscorlib, then for .NET) give the same floats for every sample; returns them.
    /// </summary>
    private static List<float[]> RunEveryWay(string path, float[][] samples, int outputLength)
    {
        using var folder = new TempFolder();
        string calibration = folder.Path("calibration.npy");
        Npy.Write(calibration, samples);
        var net = Bake(path, Precision.Int8, CodeTarget.Net, calibration);
        var nano = Bake(path, Precision.Int8, CodeTarget.NanoFramework, calibration);
        var predict = InMemoryCompiler.Compile(ClassEmitter.Emit(net), net);
        string nanoSource = ClassEmitter.Emit(nano);
        NanoCompiler.AssertNanoFrameworkClean(nanoSource);
        var nanoClass = NanoCompiler.CompileForNet(nanoSource, "Tests.Narrow");
        var results = new List<float[]>();
        foreach (var sample in samples)
        {
            var interpreted = (float[])PlanInterpreter.RunTensors(nano, new Array[] { sample })[0];
            Assert.Equal(interpreted, (float[])PlanInterpreter.RunTensors(net, new Array[] { sample })[0]);
            var netOutput = new float[outputLength];
            predict(new object[] { sample }, new object[] { netOutput });
            var nanoOutput = new float[outputLength];
            NanoCompiler.Call(nanoClass, "Predict", sample, nanoOutput);
            Assert.Equal(interpreted, netOutput);
            Assert.Equal(interpreted, nanoOutput);
            results.Add(netOutput);
        }
        return results;
    }

    [Fact]
    public void A_Cast_through_float8e4m3fn_rounds_as_the_format_does_in_plan_and_generated_code()
    {
        var log = new RecordingLog();
        var plan = Bake(Model("cast_float8"), Precision.Float32, log: log);
        Assert.Contains("tensor 'x8' is float8e4m3fn;", Assert.Single(log.Warnings, w => w.Code == ErrorCodes.ComputedInFloat32).Message);
        var rounding = Assert.Single(plan.Kernels.OfType<SmallFloatRounding>());
        Assert.Equal((ElementType.Float8E4M3FN, true), (rounding.Target, rounding.Saturate));
        // 1/32 steps in [0.25, 0.5); past 448 saturates; 2^−10 is the tie between 0 and the smallest subnormal (to 0, even);
        // 464 is the tie between 448 and the NaN code (to 448).
        var x = new[] { 0.48f, 0.4997f, 1000f, -1000f, 1e-7f, -3.3f, 0.0009765625f, 464f };
        var expected = new[] { 0.46875f, 0.5f, 448f, -448f, 0f, -3.25f, 0f, 448f };
        Assert.Equal(expected, (float[])PlanInterpreter.RunTensors(plan, new Array[] { x })[0]);
        var y = new float[8];
        InMemoryCompiler.Compile(ClassEmitter.Emit(plan), plan)(new object[] { x }, new object[] { y });
        Assert.Equal(expected, y);
    }

    [Fact]
    public void The_nanoFramework_class_equals_the_NET_class_and_the_interpreter_for_a_float8_Cast()
    {
        var samples = NanoSelectionLogicTests.Uniform(12, 8, seed: 3, range: 300f);
        var outputs = RunEveryWay(Model("cast_float8"), samples, 8);
        // A table of the rounding on int8 codes: values stay within a code step (600/255) of the float8 rounding.
        for (int s = 0; s < samples.Length; s++)
            for (int i = 0; i < 8; i++)
                Assert.InRange(outputs[s][i], NarrowTypes.Decode(ElementType.Float8E4M3FN, NarrowTypes.Encode(ElementType.Float8E4M3FN, samples[s][i])) - 40f,
                    NarrowTypes.Decode(ElementType.Float8E4M3FN, NarrowTypes.Encode(ElementType.Float8E4M3FN, samples[s][i])) + 40f);
        Assert.True(outputs.SelectMany(o => o).Distinct().Count() > 10);
    }

    /// <summary>The fixture's weights as floats: w · scale per column (zero points 0).</summary>
    private static float[] DequantizedWeights()
    {
        int[] w = { -8, -3, 7, 5, 0, -1, 2, 6, -6, 1, -4, 3 };
        float[] scale = { 0.125f, 0.25f, 0.0625f };
        return w.Select((v, i) => v * scale[i % 3]).ToArray();
    }

    [Fact]
    public void A_DequantizeLinear_of_packed_int4_weights_folds_to_the_dequantized_values()
    {
        var plan = Bake(Model("dequantize_int4"), Precision.Float32);
        var weights = DequantizedWeights();
        var x = new[] { 1f, -2f, 0.5f, 4f };
        var expected = Enumerable.Range(0, 3).Select(c => Enumerable.Range(0, 4).Sum(r => (double)x[r] * weights[r * 3 + c])).ToArray();
        var y = new float[3];
        InMemoryCompiler.Compile(ClassEmitter.Emit(plan), plan)(new object[] { x }, new object[] { y });
        for (int c = 0; c < 3; c++) Assert.Equal(expected[c], y[c], 5);
        Assert.Equal(y, (float[])PlanInterpreter.RunTensors(plan, new Array[] { x })[0]);
    }

    [Fact]
    public void The_nanoFramework_class_equals_the_NET_class_and_the_interpreter_for_int4_weights()
    {
        var samples = NanoSelectionLogicTests.Uniform(16, 4, seed: 9);
        var outputs = RunEveryWay(Model("dequantize_int4"), samples, 3);
        var weights = DequantizedWeights();
        for (int s = 0; s < samples.Length; s++)
            for (int c = 0; c < 3; c++)
            {
                double exact = Enumerable.Range(0, 4).Sum(r => (double)samples[s][r] * weights[r * 3 + c]);
                Assert.InRange(outputs[s][c], exact - 0.1, exact + 0.1); // int8 activations: within a few output steps
            }
    }

    [Fact]
    public void Narrow_edges_take_and_return_bits_and_narrow_values()
    {
        // bfloat16 in, Cast to float8e5m2 out; int4 in, Cast to uint2 out.
        var graph = new GraphBuilder(21).Input("b", ElementType.BFloat16, 4).Input("n", ElementType.Int4, 4)
            .Node("Cast", new[] { "b" }, new[] { "f8" }, GraphBuilder.Int("to", (long)ElementType.Float8E5M2))
            .Node("Cast", new[] { "n" }, new[] { "u2" }, GraphBuilder.Int("to", (long)ElementType.UInt2))
            .Output("f8", "u2").Graph;
        graph["f8"].Type = ElementType.Float8E5M2;
        graph["u2"].Type = ElementType.UInt2;
        using var folder = new TempFolder();
        string path = folder.Path("edges.onnx");
        OnnxModelWriter.Save(graph, path);
        var log = new RecordingLog();
        var plan = Bake(path, Precision.Float32, log: log);
        Assert.Equal(new[] { ElementType.BFloat16, ElementType.Int4, ElementType.Float8E5M2, ElementType.UInt2 },
            plan.Inputs.Concat(plan.Outputs).Select(t => t.Type));
        Assert.Contains("tensor 'b' is bfloat16, 'n' is int4, 'f8' is float8e5m2, 'u2' is uint2", Assert.Single(log.Warnings, w => w.Code == ErrorCodes.ComputedInFloat32).Message);
        string source = ClassEmitter.Emit(plan);
        Assert.Contains("public static void Predict(ReadOnlySpan<ushort> b, ReadOnlySpan<sbyte> n, Span<byte> f8, Span<byte> u2)", source);
        // bfloat16 1.0, 3.0, 4.5 (float8e5m2: the tie between 4 and 5, to 4), 1e38 (past 57344: saturates to 0x7B); int4 100 is
        // taken as its low bits (4), −8 as uint2 is 0, 7 is 3, 5 is 1.
        var b = new ushort[] { 0x3F80, 0x4040, 0x4090, 0x7E96 };
        var n = new sbyte[] { 7, -8, 5, 100 };
        var f8 = new byte[4];
        var u2 = new byte[4];
        InMemoryCompiler.Compile(source, plan)(new object[] { b, n }, new object[] { f8, u2 });
        Assert.Equal(new byte[] { 0x3C, 0x42, 0x44, 0x7B }, f8);
        Assert.Equal(new byte[] { 3, 0, 1, 0 }, u2);
    }
}
