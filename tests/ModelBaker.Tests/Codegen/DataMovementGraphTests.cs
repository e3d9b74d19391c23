using ModelBaker.Core.Codegen;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Onnx;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Interpreter;
using ModelBaker.Tests.Operators;
using ModelBaker.Tests.Support;
using Attribute = ModelBaker.Core.Ir.Attribute;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Options;

namespace ModelBaker.Tests.Codegen;

/// <summary>
/// Random graphs (fixed seeds) of fully connected layers with the data-movement operators between them: Transpose,
/// Pad in every mode, stepped Slice, Gather, Concat of branches with different scales (so int8 requantizes), Squeeze,
/// Unsqueeze, Flatten, batched MatMul. The float plan matches the float interpreter; the int8 generated code matches
/// the int8 plan interpreter bit for bit.
/// </summary>
public sealed class DataMovementGraphTests
{
    public static IEnumerable<object[]> Seeds => Enumerable.Range(0, 24).Select(seed => new object[] { seed });

    private static Attribute Ints(string name, params long[] values) => new() { Name = name, Kind = AttributeKind.Ints, Ints = values };
    private static Attribute Str(string name, string value) => new() { Name = name, Kind = AttributeKind.String, String = value };
    private static Tensor I64(params long[] values) => Tensor.FromInt64s(new[] { values.Length }, values);

    private sealed class RandomGraph
    {
        private readonly Random rng;
        private readonly GraphBuilder b = new(13);
        private int counter;
        public List<string> Description { get; } = new();
        public Graph Graph => b.Graph;
        public Tensor Input { get; }

        public RandomGraph(int seed)
        {
            rng = new Random(seed);
            int c = rng.Next(2, 4), h = rng.Next(2, 5), w = rng.Next(2, 5);
            b.Input("x", 1, c * h * w);
            Input = OrtOracle.RandomTensor(rng, new[] { 1, c * h * w });
            string flat = Dense("x", c * h * w, c * h * w, rng.Next(2) == 0);
            string x = Node("Reshape", new[] { flat, Const(I64(c, h, w)) });
            int[] shape = { c, h, w };
            for (int step = 0, steps = rng.Next(2, 5); step < steps; step++)
                (x, shape) = DataMovement(x, shape);
            int length = ShapeMath.Length(shape);
            string flattened = Node("Flatten", new[] { x }, GraphBuilder.Int("axis", 0));
            string y = Dense(flattened, length, rng.Next(1, 6), false);
            b.Output(y);
        }

        private string Name(string prefix) => $"{prefix}{counter++}";

        private string Const(Tensor t)
        {
            string name = Name("c");
            b.Constant(name, t);
            return name;
        }

        private string Node(string op, string[] inputs, params Attribute[] attributes)
        {
            string output = Name(op.ToLowerInvariant());
            b.Node(op, inputs, new[] { output }, attributes);
            return output;
        }

        /// <summary>x [1, k] · W [k, n] (+ Relu): scales differ from layer to layer.</summary>
        private string Dense(string x, int k, int n, bool relu)
        {
            var w = OrtOracle.RandomTensor(rng, new[] { k, n }, (float)(0.2 + rng.NextDouble() * 2));
            string y = Node("MatMul", new[] { x, Const(w) });
            return relu ? Node("Relu", new[] { y }) : y;
        }

        private (string, int[]) DataMovement(string x, int[] shape)
        {
            int rank = shape.Length;
            switch (rng.Next(7))
            {
                case 0:
                {
                    var perm = Enumerable.Range(0, rank).OrderBy(_ => rng.Next()).Select(i => (long)i).ToArray();
                    Description.Add($"Transpose [{string.Join(",", perm)}]");
                    return (Node("Transpose", new[] { x }, Ints("perm", perm)), perm.Select(p => shape[p]).ToArray());
                }
                case 1:
                {
                    string mode = new[] { "constant", "edge", "reflect", "wrap" }[rng.Next(4)];
                    var pads = new long[2 * rank];
                    for (int i = 0; i < pads.Length; i++) pads[i] = rng.Next(0, Math.Min(3, shape[i % rank]));
                    Description.Add($"Pad {mode} [{string.Join(",", pads)}]");
                    var inputs = mode == "constant" ? new[] { x, Const(I64(pads)), Const(Tensor.FromFloats(Array.Empty<int>(), new[] { 0.25f })) } : new[] { x, Const(I64(pads)) };
                    return (Node("Pad", inputs, Str("mode", mode)), shape.Select((d, i) => d + (int)(pads[i] + pads[i + rank])).ToArray());
                }
                case 2:
                {
                    int axis = rng.Next(rank), n = shape[axis];
                    long step = rng.Next(2) == 0 ? -1 : rng.Next(1, 3);
                    long start = step > 0 ? rng.Next(0, n) : n - 1 - rng.Next(0, n);
                    long end = step > 0 ? long.MaxValue : long.MinValue;
                    Description.Add($"Slice axis {axis} from {start} step {step}");
                    var output = Node("Slice", new[] { x, Const(I64(start)), Const(I64(end)), Const(I64(axis)), Const(I64(step)) });
                    var s = (int[])shape.Clone();
                    s[axis] = step > 0 ? (int)((n - start + step - 1) / step) : (int)start + 1;
                    return (output, s);
                }
                case 3:
                {
                    int axis = rng.Next(rank), n = shape[axis];
                    var indices = Enumerable.Range(0, rng.Next(1, 4)).Select(_ => (long)rng.Next(-n, n)).ToArray();
                    Description.Add($"Gather axis {axis} [{string.Join(",", indices)}]");
                    var s = (int[])shape.Clone();
                    s[axis] = indices.Length;
                    return (Node("Gather", new[] { x, Const(I64(indices)) }, GraphBuilder.Int("axis", axis)), s);
                }
                case 4:
                {
                    // A second branch at another scale, joined along a random axis.
                    int axis = rng.Next(rank);
                    string other = Node("Relu", new[] { Node("Add", new[] { x, Const(Tensor.FromFloats(Array.Empty<int>(), new[] { (float)rng.NextDouble() * 3 })) }) });
                    Description.Add($"Concat axis {axis} with a shifted branch");
                    var s = (int[])shape.Clone();
                    s[axis] *= 2;
                    return (Node("Concat", new[] { x, other }, GraphBuilder.Int("axis", axis)), s);
                }
                case 5:
                {
                    Description.Add("Unsqueeze 0, Squeeze 0");
                    string u = Node("Unsqueeze", new[] { x, Const(I64(0)) });
                    return (Node("Squeeze", new[] { u, Const(I64(0)) }), shape);
                }
                default:
                {
                    // Batched MatMul with a constant B per leading index: [c, h, w] · [c, w, n].
                    int n = rng.Next(1, 4);
                    var w = OrtOracle.RandomTensor(rng, new[] { shape[0], shape[rank - 1], n });
                    Description.Add($"batched MatMul to {n}");
                    if (rank != 3) return (x, shape);
                    return (Node("MatMul", new[] { x, Const(w) }), new[] { shape[0], shape[1], n });
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Float_plan_matches_the_interpreter_and_int8_code_matches_bit_for_bit(int seed)
    {
        var g = new RandomGraph(seed);
        string folder = Path.Combine(Path.GetTempPath(), "modelbaker-datamove-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, "random.onnx");
        OnnxModelWriter.Save(g.Graph, path);
        try
        {
            string what = $"seed {seed}: {string.Join("; ", g.Description)}";
            var floatPlan = Baker.Bake(new BakeOptions(path, "RandomNet", "Tests") { Precision = Precision.Float32 }, new RecordingLog());
            var int8Plan = Baker.Bake(new BakeOptions(path, "RandomNet", "Tests"), new RecordingLog());

            var expected = FloatInterpreter.Run(OnnxModelReader.Load(path), new Dictionary<string, Tensor> { ["x"] = g.Input }).Values.Single().AsFloats();
            var actual = PlanInterpreter.Run(floatPlan, new[] { g.Input.AsFloats() })[0];
            for (int i = 0; i < expected.Length; i++)
                Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 * Math.Max(1, Math.Abs(expected[i])), $"{what}: [{i}] plan {actual[i]} vs interpreter {expected[i]}");

            var generated = GeneratedAssembly.Compile(ClassEmitter.Emit(int8Plan), "Tests.RandomNet");
            var reference = PlanInterpreter.Run(int8Plan, new[] { g.Input.AsFloats() })[0];
            Assert.True(reference.SequenceEqual(generated.Predict(g.Input.AsFloats(), reference.Length)), what);
            Assert.Equal(0, generated.AllocatedBytes(g.Input.AsFloats(), new float[reference.Length], 3));
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    [Fact]
    public void The_seeds_cover_every_data_movement_kernel_and_int8_requantization()
    {
        var kinds = new HashSet<KernelKind>();
        foreach (int seed in Enumerable.Range(0, 24))
        {
            var g = new RandomGraph(seed);
            string folder = Path.Combine(Path.GetTempPath(), "modelbaker-datamove-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(folder);
            try
            {
                string path = Path.Combine(folder, "random.onnx");
                OnnxModelWriter.Save(g.Graph, path);
                var plan = Baker.Bake(new BakeOptions(path, "RandomNet", "Tests"), new RecordingLog());
                foreach (var k in plan.Kernels)
                {
                    kinds.Add(k.Kind);
                    if (k is ConcatInt8 c && c.Parts.Any(p => p.Requantize)) kinds.Add((KernelKind)255);
                }
            }
            finally { Directory.Delete(folder, true); }
        }
        Assert.Contains(KernelKind.Remap, kinds);
        Assert.Contains(KernelKind.ConcatInt8, kinds);
        Assert.Contains((KernelKind)255, kinds); // some concat requantized a branch
    }
}
