using System.Threading.Tasks;
using Google.Protobuf;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Onnx.Protos;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Support;
using ModelBaker.Core.Options;
using ModelBaker.Core.Generation;

namespace ModelBaker.Tests.Onnx;

/// <summary>
/// Seeded mutants of the repository's own models — bytes flipped, dimensions, attributes, element types, opsets and
/// names changed, nodes and initializers dropped or duplicated — each baked (int8 and float) and emitted. Whatever
/// the mutant, the bake ends in a plan or a coded user error, never an internal error (MB9001, any other exception)
/// and never a hang past a bound. MODELBAKER_FUZZ_MUTANTS sets how many per run (default 240, about a minute).
/// </summary>
public sealed class MutantModelFuzzTests
{
    private static readonly TimeSpan PerMutant = TimeSpan.FromSeconds(60);

    private static int Mutants =>
        int.TryParse(Environment.GetEnvironmentVariable("MODELBAKER_FUZZ_MUTANTS"), out int n) && n > 0 ? n : 240;

    private static int FirstSeed =>
        int.TryParse(Environment.GetEnvironmentVariable("MODELBAKER_FUZZ_SEED"), out int n) ? n : 0;

    private static readonly (string Name, byte[] Model)[] Sources =
    {
        File("sample", "models", "digits_mlp.onnx"),
        File("sample", "models", "digits_cnn.onnx"),
        File("sample", "models", "digits_dscnn.onnx"),
        File("models", "sine", "model.onnx"),
        File("models", "mnist8", "model.onnx"),
        File("onnx", "node", "test_averagepool_2d_pads", "model.onnx"),
        ("maxpool", SingleNode("MaxPool", Ints("kernel_shape", 2, 2), Ints("strides", 2, 2), Ints("pads", 0, 0, 1, 1))),
        ("conv", SingleNode("Conv", Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1), Ints("dilations", 1, 1))),
    };

    private static (string, byte[]) File(params string[] path) =>
        (string.Join("/", path.TakeLast(2)), System.IO.File.ReadAllBytes(TestData.Path(path)));

    private static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    /// <summary>A few-hundred-byte model of one pooling or convolution node on X [1, 2, 5, 5], like the mutants that once broke pooling.</summary>
    private static byte[] SingleNode(string opType, params AttributeProto[] attributes)
    {
        var g = new GraphProto { Name = opType };
        g.Input.Add(ProtoBuilder.Info("X", 1, 1, 2, 5, 5));
        var inputs = new List<string> { "X" };
        if (opType == "Conv")
        {
            var w = ProtoBuilder.FloatTensor("W", Enumerable.Range(0, 3 * 2 * 9).Select(i => (i % 7 - 3) / 4f).ToArray());
            w.Dims.Clear();
            w.Dims.AddRange(new long[] { 3, 2, 3, 3 });
            g.Initializer.Add(w);
            inputs.Add("W");
        }
        g.Output.Add(ProtoBuilder.Info("Y", 1, 1, opType == "Conv" ? 3 : 2, opType == "Conv" ? 5 : 3, opType == "Conv" ? 5 : 3));
        var node = ProtoBuilder.Node(opType, opType.ToLowerInvariant(), inputs.ToArray(), new[] { "Y" });
        node.Attribute.AddRange(attributes);
        g.Node.Add(node);
        var model = new ModelProto { IrVersion = 8, Graph = g };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        return model.ToByteArray();
    }

    [Fact]
    public async Task Every_mutant_bakes_or_fails_with_a_user_error_within_the_time_bound()
    {
        var failures = new List<string>();
        using var folder = new TempFolder();
        for (int seed = FirstSeed; seed < FirstSeed + Mutants; seed++)
        {
            var rng = new Random(seed);
            var (source, model) = Sources[seed % Sources.Length];
            byte[] mutant = Mutate(model, rng, out string what);
            string path = folder.Path($"mutant{seed}.onnx");
            System.IO.File.WriteAllBytes(path, mutant);
            var precision = seed % 3 == 2 ? Precision.Float32 : Precision.Int8;
            string failure = await BakeWithin(path, precision, PerMutant);
            if (failure.Length > 0) failures.Add($"seed {seed} ({source}, {what}, {precision}): {failure}");
            System.IO.File.Delete(path);
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {Mutants} mutants failed:\n" + string.Join("\n", failures.Take(40)));
    }

    /// <summary>"" when the bake made a plan (and code) or refused the model with a user error; else what went wrong.</summary>
    private static async Task<string> BakeWithin(string path, Precision precision, TimeSpan bound)
    {
        var bake = Task.Run(() =>
        {
            var plan = Baker.Bake(new BakeOptions(path, "Net", "Fuzz") { Precision = precision }, new RecordingLog());
            ClassEmitter.Emit(plan);
        });
        if (await Task.WhenAny(bake, Task.Delay(bound)) != bake) return $"no result after {bound.TotalSeconds:0} s";
        return bake.Exception?.InnerException switch
        {
            null => "",
            BakeException b when b.Code != ErrorCodes.InternalError => "",
            BakeException b => $"{b.Code}: {b.Message}",
            var e => $"{e.GetType().Name}: {e.Message} at {e.StackTrace?.Split('\n').FirstOrDefault()?.Trim()}",
        };
    }

    private static byte[] Mutate(byte[] model, Random rng, out string what)
    {
        switch (rng.Next(4))
        {
            case 0:
                what = "bytes";
                return MutateBytes(model, rng);
            default:
                var proto = ModelProto.Parser.ParseFrom(model);
                int edits = 1 + rng.Next(3);
                var done = new List<string>();
                for (int i = 0; i < edits; i++) done.Add(MutateStructure(proto, rng));
                what = string.Join(", ", done);
                return proto.ToByteArray();
        }
    }

    private static byte[] MutateBytes(byte[] model, Random rng)
    {
        var bytes = (byte[])model.Clone();
        int edits = 1 + rng.Next(8);
        for (int i = 0; i < edits; i++)
        {
            int at = rng.Next(bytes.Length);
            switch (rng.Next(3))
            {
                case 0: bytes[at] ^= (byte)(1 << rng.Next(8)); break;
                case 1: bytes[at] = (byte)rng.Next(256); break;
                default: Array.Resize(ref bytes, Math.Max(1, at)); break;
            }
        }
        return bytes;
    }

    private static readonly long[] Interesting =
    {
        0, 1, -1, 2, 3, 7, 64, 255, 256, 1 << 16, int.MaxValue, (long)int.MaxValue + 1, 1L << 40, long.MaxValue, long.MinValue,
    };

    private static readonly long[] InputDimensions = { 0, -1, 1, 2, 3, 7, 16, int.MaxValue, (long)int.MaxValue + 1, 1L << 40, long.MaxValue, long.MinValue };

    private static readonly float[] InterestingFloats =
    {
        0, -0f, 1, -1, 0.5f, 1e-45f, 1e-38f, 3e38f, float.MaxValue, float.NaN, float.PositiveInfinity, float.NegativeInfinity,
    };

    private static long AnyLong(Random rng) => rng.Next(2) == 0 ? Interesting[rng.Next(Interesting.Length)] : rng.Next(-4, 20);

    private static string MutateStructure(ModelProto model, Random rng)
    {
        var g = model.Graph;
        switch (rng.Next(14))
        {
            case 0:
            {
                model.IrVersion = AnyLong(rng);
                return $"ir_version {model.IrVersion}";
            }
            case 1:
            {
                if (model.OpsetImport.Count == 0 || rng.Next(4) == 0) { model.OpsetImport.Clear(); return "no opset"; }
                model.OpsetImport[0].Version = AnyLong(rng);
                return $"opset {model.OpsetImport[0].Version}";
            }
            case 2 when g.Initializer.Count > 0:
            {
                var t = g.Initializer[rng.Next(g.Initializer.Count)];
                if (t.Dims.Count == 0 || rng.Next(3) == 0) { t.Dims.Add(AnyLong(rng)); return $"initializer {t.Name} gains a dimension"; }
                int d = rng.Next(t.Dims.Count);
                t.Dims[d] = AnyLong(rng);
                return $"initializer {t.Name} dim {d} = {t.Dims[d]}";
            }
            case 3 when g.Initializer.Count > 0:
            {
                var t = g.Initializer[rng.Next(g.Initializer.Count)];
                t.DataType = (int)AnyLong(rng) & 31;
                return $"initializer {t.Name} type {t.DataType}";
            }
            case 4 when g.Initializer.Count > 0:
            {
                var t = g.Initializer[rng.Next(g.Initializer.Count)];
                if (t.DataType != 1) return "nothing";
                var values = t.HasRawData ? Floats(t.RawData.ToByteArray()) : t.FloatData.ToArray();
                if (values.Length == 0) return "nothing";
                bool all = rng.Next(3) == 0;
                float v = InterestingFloats[rng.Next(InterestingFloats.Length)];
                for (int i = 0; i < values.Length; i++) if (all || rng.Next(8) == 0) values[i] = v;
                var raw = new byte[values.Length * 4];
                Buffer.BlockCopy(values, 0, raw, 0, raw.Length);
                t.FloatData.Clear();
                t.RawData = ByteString.CopyFrom(raw);
                return $"initializer {t.Name} values {(all ? "all" : "some")} {v}";
            }
            case 5 when g.Node.Count > 0:
            {
                var n = g.Node[rng.Next(g.Node.Count)];
                if (n.Attribute.Count == 0 || rng.Next(3) == 0)
                {
                    var names = new[] { "alpha", "beta", "transA", "transB", "axis", "kernel_shape", "strides", "pads", "dilations", "group", "auto_pad", "ceil_mode", "keepdims", "perm", "min", "max" };
                    var a = new AttributeProto { Name = names[rng.Next(names.Length)] };
                    RandomAttributeValue(a, rng);
                    n.Attribute.Add(a);
                    return $"node {n.Name} gains attribute {a.Name}";
                }
                var attribute = n.Attribute[rng.Next(n.Attribute.Count)];
                var name = attribute.Name;
                attribute.ClearF(); attribute.ClearI(); attribute.ClearS(); attribute.Ints.Clear(); attribute.Floats.Clear(); attribute.Strings.Clear();
                attribute.Name = name;
                RandomAttributeValue(attribute, rng);
                return $"node {n.Name} attribute {name} = {attribute}";
            }
            case 6 when g.Node.Count > 0:
            {
                var n = g.Node[rng.Next(g.Node.Count)];
                var ops = new[] { "Gemm", "MatMul", "Conv", "MaxPool", "AveragePool", "Relu", "Add", "Mul", "Reshape", "Flatten", "Softmax", "Concat", "Transpose", "BatchNormalization", "Clip", "Slice", "Gather", "Pad", "ReduceMean", "Squeeze", "Unsqueeze" };
                n.OpType = ops[rng.Next(ops.Length)];
                return $"node {n.Name} becomes {n.OpType}";
            }
            case 7 when g.Node.Count > 1:
            {
                int i = rng.Next(g.Node.Count);
                var n = g.Node[i];
                if (rng.Next(2) == 0) { g.Node.RemoveAt(i); return $"node {n.Name} removed"; }
                g.Node.Insert(rng.Next(g.Node.Count), n.Clone());
                return $"node {n.Name} duplicated";
            }
            case 8 when g.Node.Count > 0:
            {
                var n = g.Node[rng.Next(g.Node.Count)];
                var names = g.Node.SelectMany(x => x.Input.Concat(x.Output)).Concat(g.Initializer.Select(t => t.Name)).Append("").Append("nothing").ToList();
                if (n.Input.Count > 0 && rng.Next(3) > 0)
                {
                    int k = rng.Next(n.Input.Count);
                    n.Input[k] = names[rng.Next(names.Count)];
                    return $"node {n.Name} input {k} = '{n.Input[k]}'";
                }
                if (rng.Next(2) == 0 && n.Input.Count > 0) { n.Input.RemoveAt(n.Input.Count - 1); return $"node {n.Name} loses an input"; }
                n.Input.Add(names[rng.Next(names.Count)]);
                return $"node {n.Name} gains an input";
            }
            case 9:
            {
                var infos = g.Input.Concat(g.Output).ToList();
                var info = infos[rng.Next(infos.Count)];
                var shape = info.Type?.TensorType?.Shape;
                if (shape == null || shape.Dim.Count == 0) return "nothing";
                var dim = shape.Dim[rng.Next(shape.Dim.Count)];
                // Graph input sizes that are absurd or small: a legal but large input (65536 rows) makes a legitimately
                // slow bake, which is not what this test is about.
                if (rng.Next(4) == 0) dim.DimParam = "N";
                else dim.DimValue = InputDimensions[rng.Next(InputDimensions.Length)];
                return $"{info.Name} dim {dim}";
            }
            case 10:
            {
                var infos = g.Input.Concat(g.Output).ToList();
                var info = infos[rng.Next(infos.Count)];
                if (info.Type?.TensorType == null) return "nothing";
                info.Type.TensorType.ElemType = (int)AnyLong(rng) & 31;
                return $"{info.Name} type {info.Type.TensorType.ElemType}";
            }
            case 11 when g.Initializer.Count > 0:
            {
                if (rng.Next(2) == 0) { g.Initializer.Add(g.Initializer[rng.Next(g.Initializer.Count)].Clone()); return "duplicate initializer"; }
                if (rng.Next(2) == 0) { g.Output.Add(new ValueInfoProto { Name = g.Initializer[0].Name, Type = g.Output[0].Type?.Clone() }); return "initializer as output"; }
                g.Input.Add(g.Input.Count > 0 ? g.Input[0].Clone() : new ValueInfoProto { Name = "x" });
                return "duplicate input";
            }
            case 12 when g.Initializer.Count > 0:
            {
                var t = g.Initializer[rng.Next(g.Initializer.Count)];
                if (!t.HasRawData) return "nothing";
                var raw = t.RawData.ToByteArray();
                Array.Resize(ref raw, rng.Next(2) == 0 ? raw.Length / 2 : raw.Length + 4);
                t.RawData = ByteString.CopyFrom(raw);
                return $"initializer {t.Name} data resized";
            }
            default:
            {
                var n = g.Node.Count > 0 ? g.Node[rng.Next(g.Node.Count)] : null;
                if (n == null) return "nothing";
                n.Name = "n\u2028" + n.Name + "\"\\{}";
                return "node renamed";
            }
        }
    }

    private static void RandomAttributeValue(AttributeProto a, Random rng)
    {
        switch (rng.Next(5))
        {
            case 0: a.Type = AttributeProto.Types.AttributeType.Int; a.I = AnyLong(rng); break;
            case 1: a.Type = AttributeProto.Types.AttributeType.Float; a.F = InterestingFloats[rng.Next(InterestingFloats.Length)]; break;
            case 2: a.Type = AttributeProto.Types.AttributeType.String; a.S = ByteString.CopyFromUtf8(rng.Next(2) == 0 ? "SAME_UPPER" : "x"); break;
            case 3:
                a.Type = AttributeProto.Types.AttributeType.Ints;
                int count = rng.Next(6);
                for (int i = 0; i < count; i++) a.Ints.Add(AnyLong(rng));
                break;
            default:
                a.Type = (AttributeProto.Types.AttributeType)rng.Next(12); // a type that may not match the payload
                a.I = AnyLong(rng);
                break;
        }
    }

    private static float[] Floats(byte[] raw)
    {
        var values = new float[raw.Length / 4];
        Buffer.BlockCopy(raw, 0, values, 0, values.Length * 4);
        return values;
    }
}
